// RUN: tessera-opt %s -split-input-file -tessera-fold-graph -mlir-print-debuginfo -mlir-print-local-scope | FileCheck %s

// BatchNormalization into a grouped Conv without bias: s = scale /
// sqrt(var + eps) = [1, 3] scales the weights, B - mean * s is the new bias.
// CHECK-LABEL: func.func @bn_into_conv
// CHECK-DAG: %[[W:.*]] = nn.constant dense<{{\[\[\[\[}}1.000000e+00]]], {{\[\[\[}}6.000000e+00]]]]> : tensor<2x1x1x1xf32> loc(fused["conv", "bn"])
// CHECK-DAG: %[[B:.*]] = nn.constant dense<[5.000000e-01, -1.750000e+00]> : tensor<2xf32> loc(fused["conv", "bn"])
// CHECK: %[[Y:.*]] = nn.conv %{{.*}}, %[[W]], %[[B]] {group = 2 : i64} {{.*}} loc(fused["conv", "bn"])
// CHECK-NOT: nn.batch_normalization
// CHECK: return %[[Y]]
func.func @bn_into_conv(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = nn.constant dense<[[[[1.0]]], [[[2.0]]]]> : tensor<2x1x1x1xf32>
  %none = nn.none
  %y = nn.conv %x, %w, %none {group = 2 : i64} : (tensor<1x2x4x4xf32>, tensor<2x1x1x1xf32>, none) -> tensor<1x2x4x4xf32> loc("conv")
  %s = nn.constant dense<[2.0, 3.0]> : tensor<2xf32>
  %b = nn.constant dense<[1.0, -1.0]> : tensor<2xf32>
  %m = nn.constant dense<[0.5, 0.25]> : tensor<2xf32>
  %v = nn.constant dense<[4.0, 1.0]> : tensor<2xf32>
  %z, %rm, %rv = nn.batch_normalization %y, %s, %b, %m, %v {epsilon = 0.0 : f32} : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>) loc("bn")
  return %z : tensor<1x2x4x4xf32>
}

// -----

// ConvTranspose weights are C x M/group x k: with group 2, C = 2 and
// M/group = 2, input channel c scales output channels 2c and 2c+1.
// CHECK-LABEL: func.func @bn_into_conv_transpose
// CHECK-DAG: nn.constant dense<{{\[\[\[\[}}1.000000e+00]], {{\[\[}}2.000000e+00]]], {{\[\[\[}}3.000000e+00]], {{\[\[}}4.000000e+00]]]]> : tensor<2x2x1x1xf32>
// CHECK-DAG: nn.constant dense<1.000000e+00> : tensor<4xf32>
// CHECK: nn.conv_transpose {{.*}} loc(fused["convT", "bn"])
// CHECK-NOT: nn.batch_normalization
func.func @bn_into_conv_transpose(%x: tensor<1x2x3x3xf32>) -> tensor<1x4x3x3xf32> {
  %w = nn.constant dense<1.0> : tensor<2x2x1x1xf32>
  %bias = nn.constant dense<[0.0, 0.0, 0.0, 0.0]> : tensor<4xf32>
  %y = nn.conv_transpose %x, %w, %bias {group = 2 : i64} : (tensor<1x2x3x3xf32>, tensor<2x2x1x1xf32>, tensor<4xf32>) -> tensor<1x4x3x3xf32> loc("convT")
  %s = nn.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %b = nn.constant dense<1.0> : tensor<4xf32>
  %m = nn.constant dense<0.0> : tensor<4xf32>
  %v = nn.constant dense<1.0> : tensor<4xf32>
  %z, %rm, %rv = nn.batch_normalization %y, %s, %b, %m, %v {epsilon = 0.0 : f32} : (tensor<1x4x3x3xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> (tensor<1x4x3x3xf32>, tensor<4xf32>, tensor<4xf32>) loc("bn")
  return %z : tensor<1x4x3x3xf32>
}

// -----

// Gemm with transB = 1 (B is N x K): row n of B scales; C is scaled by beta
// first, and beta becomes 1.
// CHECK-LABEL: func.func @bn_into_gemm_transb
// CHECK-DAG: %[[W:.*]] = nn.constant dense<{{\[\[}}2.000000e+00, 2.000000e+00, 2.000000e+00], [3.000000e+00, 3.000000e+00, 3.000000e+00]]> : tensor<2x3xf32>
// CHECK-DAG: %[[C:.*]] = nn.constant dense<[4.000000e+00, 6.000000e+00]> : tensor<2xf32>
// CHECK: nn.gemm %{{.*}}, %[[W]], %[[C]] {transB = 1 : i64} {{.*}} loc(fused["gemm", "bn"])
func.func @bn_into_gemm_transb(%a: tensor<4x3xf32>) -> tensor<4x2xf32> {
  %w = nn.constant dense<1.0> : tensor<2x3xf32>
  %c = nn.constant dense<1.0> : tensor<1x2xf32>
  %y = nn.gemm %a, %w, %c {beta = 2.0 : f32, transB = 1 : i64} : (tensor<4x3xf32>, tensor<2x3xf32>, tensor<1x2xf32>) -> tensor<4x2xf32> loc("gemm")
  %s = nn.constant dense<[2.0, 3.0]> : tensor<2xf32>
  %b = nn.constant dense<0.0> : tensor<2xf32>
  %m = nn.constant dense<0.0> : tensor<2xf32>
  %v = nn.constant dense<1.0> : tensor<2xf32>
  %z, %rm, %rv = nn.batch_normalization %y, %s, %b, %m, %v {epsilon = 0.0 : f32} : (tensor<4x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> (tensor<4x2xf32>, tensor<2xf32>, tensor<2xf32>) loc("bn")
  return %z : tensor<4x2xf32>
}

// -----

// Gemm with transB = 0 (B is K x N): column n scales.
// CHECK-LABEL: func.func @mul_into_gemm
// CHECK-DAG: %[[W:.*]] = nn.constant dense<{{\[\[}}2.000000e+00, 3.000000e+00], [2.000000e+00, 3.000000e+00], [2.000000e+00, 3.000000e+00]]> : tensor<3x2xf32>
// CHECK-DAG: %[[C:.*]] = nn.constant dense<0.000000e+00> : tensor<2xf32>
// CHECK: nn.gemm %{{.*}}, %[[W]], %[[C]] : {{.*}} loc(fused["gemm", "mul"])
// CHECK-NOT: nn.mul
func.func @mul_into_gemm(%a: tensor<4x3xf32>) -> tensor<4x2xf32> {
  %w = nn.constant dense<1.0> : tensor<3x2xf32>
  %none = nn.none
  %y = nn.gemm %a, %w, %none : (tensor<4x3xf32>, tensor<3x2xf32>, none) -> tensor<4x2xf32> loc("gemm")
  %s = nn.constant dense<[[2.0, 3.0]]> : tensor<1x2xf32>
  %z = nn.mul %s, %y : (tensor<1x2xf32>, tensor<4x2xf32>) -> tensor<4x2xf32> loc("mul")
  return %z : tensor<4x2xf32>
}

// -----

// A [C,1,1] scale, then a [1,C,1,1] shift, then a scalar divisor.
// CHECK-LABEL: func.func @affine_chain_into_conv
// CHECK-DAG: %[[W:.*]] = nn.constant dense<{{\[\[\[\[}}1.000000e+00]]], {{\[\[\[}}1.500000e+00]]]]> : tensor<2x1x1x1xf32>
// CHECK-DAG: %[[B:.*]] = nn.constant dense<[2.500000e+00, 3.500000e+00]> : tensor<2xf32>
// CHECK: nn.conv %{{.*}}, %[[W]], %[[B]] {{.*}} loc(fused["conv", "mul", "add", "div"])
// CHECK-NOT: nn.mul
// CHECK-NOT: nn.add
// CHECK-NOT: nn.div
func.func @affine_chain_into_conv(%x: tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = nn.constant dense<1.0> : tensor<2x1x1x1xf32>
  %bias = nn.constant dense<[1.0, 1.0]> : tensor<2xf32>
  %y = nn.conv %x, %w, %bias : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32> loc("conv")
  %s = nn.constant dense<[[[2.0]], [[3.0]]]> : tensor<2x1x1xf32>
  %m = nn.mul %y, %s : (tensor<1x2x4x4xf32>, tensor<2x1x1xf32>) -> tensor<1x2x4x4xf32> loc("mul")
  %t = nn.constant dense<[[[[3.0]], [[4.0]]]]> : tensor<1x2x1x1xf32>
  %a = nn.add %t, %m : (tensor<1x2x1x1xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> loc("add")
  %d = nn.constant dense<2.0> : tensor<f32>
  %r = nn.div %a, %d : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32> loc("div")
  return %r : tensor<1x2x4x4xf32>
}

// -----

// A BatchNormalization after something other than Conv/Gemm stays (the
// lowering handles it).
// CHECK-LABEL: func.func @negative_bn_after_relu
// CHECK: nn.batch_normalization
func.func @negative_bn_after_relu(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %y = nn.relu %x : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %c = nn.constant dense<1.0> : tensor<2xf32>
  %z, %rm, %rv = nn.batch_normalization %y, %c, %c, %c, %c : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>)
  return %z : tensor<1x2x4x4xf32>
}

// -----

// CHECK-LABEL: func.func @negative_bn_nonconst_weights
// CHECK: nn.conv
// CHECK: nn.batch_normalization
func.func @negative_bn_nonconst_weights(%x: tensor<1x2x4x4xf32>, %w: tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32> {
  %none = nn.none
  %y = nn.conv %x, %w, %none : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>, none) -> tensor<1x2x4x4xf32>
  %c = nn.constant dense<1.0> : tensor<2xf32>
  %z, %rm, %rv = nn.batch_normalization %y, %c, %c, %c, %c : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>)
  return %z : tensor<1x2x4x4xf32>
}

// -----

// CHECK-LABEL: func.func @negative_bn_nonconst_params
// CHECK: nn.batch_normalization
func.func @negative_bn_nonconst_params(%x: tensor<1x2x4x4xf32>, %mean: tensor<2xf32>) -> tensor<1x2x4x4xf32> {
  %w = nn.constant dense<1.0> : tensor<2x2x1x1xf32>
  %none = nn.none
  %y = nn.conv %x, %w, %none : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>, none) -> tensor<1x2x4x4xf32>
  %c = nn.constant dense<1.0> : tensor<2xf32>
  %z, %rm, %rv = nn.batch_normalization %y, %c, %c, %mean, %c : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>)
  return %z : tensor<1x2x4x4xf32>
}

// -----

// The conv result has another use: folding would change it.
// CHECK-LABEL: func.func @negative_mul_multi_use_conv
// CHECK: nn.conv
// CHECK: nn.mul
func.func @negative_mul_multi_use_conv(%x: tensor<1x2x4x4xf32>) -> (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) {
  %w = nn.constant dense<1.0> : tensor<2x2x1x1xf32>
  %none = nn.none
  %y = nn.conv %x, %w, %none : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>, none) -> tensor<1x2x4x4xf32>
  %s = nn.constant dense<[[[2.0]], [[3.0]]]> : tensor<2x1x1xf32>
  %m = nn.mul %y, %s : (tensor<1x2x4x4xf32>, tensor<2x1x1xf32>) -> tensor<1x2x4x4xf32>
  return %m, %y : tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>
}

// -----

// A [C] constant broadcasts along the last (spatial) dim of NCHW: not per
// channel. Likewise a constant that varies over H.
// CHECK-LABEL: func.func @negative_mul_spatial_constant
// CHECK: nn.mul
// CHECK: nn.add
func.func @negative_mul_spatial_constant(%x: tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32> {
  %w = nn.constant dense<1.0> : tensor<4x4x1x1xf32>
  %none = nn.none
  %y = nn.conv %x, %w, %none : (tensor<1x4x4x4xf32>, tensor<4x4x1x1xf32>, none) -> tensor<1x4x4x4xf32>
  %s = nn.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %m = nn.mul %y, %s : (tensor<1x4x4x4xf32>, tensor<4xf32>) -> tensor<1x4x4x4xf32>
  %w2 = nn.constant dense<1.0> : tensor<4x4x1x1xf32>
  %y2 = nn.conv %m, %w2, %none : (tensor<1x4x4x4xf32>, tensor<4x4x1x1xf32>, none) -> tensor<1x4x4x4xf32>
  %t = nn.constant dense<[[1.0], [2.0], [3.0], [4.0]]> : tensor<4x1xf32>
  %a = nn.add %y2, %t : (tensor<1x4x4x4xf32>, tensor<4x1xf32>) -> tensor<1x4x4x4xf32>
  return %a : tensor<1x4x4x4xf32>
}

// -----

// CHECK-LABEL: func.func @negative_mul_nonconst_weights
// CHECK: nn.mul
func.func @negative_mul_nonconst_weights(%x: tensor<1x2x4x4xf32>, %w: tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32> {
  %none = nn.none
  %y = nn.conv %x, %w, %none : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>, none) -> tensor<1x2x4x4xf32>
  %s = nn.constant dense<2.0> : tensor<f32>
  %m = nn.mul %y, %s : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  return %m : tensor<1x2x4x4xf32>
}

// -----

// Gemm followed by a per-row constant: not per output column.
// CHECK-LABEL: func.func @negative_add_gemm_per_row
// CHECK: nn.add
func.func @negative_add_gemm_per_row(%a: tensor<4x3xf32>) -> tensor<4x2xf32> {
  %w = nn.constant dense<1.0> : tensor<3x2xf32>
  %none = nn.none
  %y = nn.gemm %a, %w, %none : (tensor<4x3xf32>, tensor<3x2xf32>, none) -> tensor<4x2xf32>
  %t = nn.constant dense<[[1.0], [2.0], [3.0], [4.0]]> : tensor<4x1xf32>
  %z = nn.add %y, %t : (tensor<4x2xf32>, tensor<4x1xf32>) -> tensor<4x2xf32>
  return %z : tensor<4x2xf32>
}

// -----

// Identity and inference Dropout vanish.
// CHECK-LABEL: func.func @identity_dropout
// CHECK-NEXT: return %arg0
func.func @identity_dropout(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %i = nn.identity %x : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %none = nn.none
  %d, %mask = nn.dropout %i, %none, %none : (tensor<2x3xf32>, none, none) -> (tensor<2x3xf32>, tensor<2x3xi1>)
  return %d : tensor<2x3xf32>
}

// -----

// Zero Pad on H and W into the Conv's pads (added to the pads it has).
// CHECK-LABEL: func.func @pad_into_conv
// CHECK-NOT: nn.pad
// CHECK: nn.conv %arg0, {{.*}} {pads = array<i64: 2, 1, 1, 3>} {{.*}} loc(fused["conv", "pad"])
func.func @pad_into_conv(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x7x8xf32> {
  %p = nn.constant dense<[0, 0, 1, 0, 0, 0, 0, 2]> : tensor<8xi64>
  %none = nn.none
  %y = nn.pad %x, %p, %none : (tensor<1x2x4x4xf32>, tensor<8xi64>, none) -> tensor<1x2x5x6xf32> loc("pad")
  %w = nn.constant dense<1.0> : tensor<2x2x1x1xf32>
  %z = nn.conv %y, %w, %none {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x2x5x6xf32>, tensor<2x2x1x1xf32>, none) -> tensor<1x2x7x8xf32> loc("conv")
  return %z : tensor<1x2x7x8xf32>
}

// -----

// AveragePool with count_include_pad = 1 counts padded zeros as the Pad did.
// CHECK-LABEL: func.func @pad_into_average_pool
// CHECK-NOT: nn.pad
// CHECK: nn.average_pool %arg0 {count_include_pad = 1 : i64, kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>}
func.func @pad_into_average_pool(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %p = nn.constant dense<[0, 0, 1, 1, 0, 0, 1, 1]> : tensor<8xi64>
  %zero = nn.constant dense<0.0> : tensor<f32>
  %y = nn.pad %x, %p, %zero : (tensor<1x2x4x4xf32>, tensor<8xi64>, tensor<f32>) -> tensor<1x2x6x6xf32>
  %z = nn.average_pool %y {count_include_pad = 1 : i64, kernel_shape = array<i64: 3, 3>} : (tensor<1x2x6x6xf32>) -> tensor<1x2x4x4xf32>
  return %z : tensor<1x2x4x4xf32>
}

// -----

// MaxPool takes a Pad of -inf.
// CHECK-LABEL: func.func @pad_into_max_pool
// CHECK-NOT: nn.pad
// CHECK: nn.max_pool %arg0 {kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>}
func.func @pad_into_max_pool(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %p = nn.constant dense<[0, 0, 1, 1, 0, 0, 1, 1]> : tensor<8xi64>
  %ninf = nn.constant dense<0xFF800000> : tensor<f32>
  %y = nn.pad %x, %p, %ninf : (tensor<1x2x4x4xf32>, tensor<8xi64>, tensor<f32>) -> tensor<1x2x6x6xf32>
  %z, %i = nn.max_pool %y {kernel_shape = array<i64: 3, 3>} : (tensor<1x2x6x6xf32>) -> (tensor<1x2x4x4xf32>, tensor<1x2x4x4xi64>)
  return %z : tensor<1x2x4x4xf32>
}

// -----

// Not foldable: zero pads before a MaxPool, a Pad with two users, pads on
// the channel dim, reflect mode, AveragePool without count_include_pad, and
// a Conv with auto_pad.
// CHECK-LABEL: func.func @negative_pads
// CHECK-COUNT-6: nn.pad
func.func @negative_pads(%x: tensor<1x2x4x4xf32>) -> (tensor<1x2x4x4xf32>, tensor<1x2x6x6xf32>, tensor<1x2x6x6xf32>, tensor<1x2x6x6xf32>, tensor<1x2x4x4xf32>, tensor<1x4x6x6xf32>, tensor<1x2x6x6xf32>) {
  %p = nn.constant dense<[0, 0, 1, 1, 0, 0, 1, 1]> : tensor<8xi64>
  %none = nn.none
  %y0 = nn.pad %x, %p, %none : (tensor<1x2x4x4xf32>, tensor<8xi64>, none) -> tensor<1x2x6x6xf32>
  %z0, %i0 = nn.max_pool %y0 {kernel_shape = array<i64: 3, 3>} : (tensor<1x2x6x6xf32>) -> (tensor<1x2x4x4xf32>, tensor<1x2x4x4xi64>)
  %w = nn.constant dense<1.0> : tensor<2x2x1x1xf32>
  %y1 = nn.pad %x, %p, %none : (tensor<1x2x4x4xf32>, tensor<8xi64>, none) -> tensor<1x2x6x6xf32>
  %z1 = nn.conv %y1, %w, %none : (tensor<1x2x6x6xf32>, tensor<2x2x1x1xf32>, none) -> tensor<1x2x6x6xf32>
  %y2 = nn.pad %x, %p, %none {mode = "reflect"} : (tensor<1x2x4x4xf32>, tensor<8xi64>, none) -> tensor<1x2x6x6xf32>
  %z2 = nn.conv %y2, %w, %none : (tensor<1x2x6x6xf32>, tensor<2x2x1x1xf32>, none) -> tensor<1x2x6x6xf32>
  %y3 = nn.pad %x, %p, %none : (tensor<1x2x4x4xf32>, tensor<8xi64>, none) -> tensor<1x2x6x6xf32>
  %z3 = nn.average_pool %y3 {kernel_shape = array<i64: 3, 3>} : (tensor<1x2x6x6xf32>) -> tensor<1x2x4x4xf32>
  %pc = nn.constant dense<[0, 1, 1, 1, 0, 1, 1, 1]> : tensor<8xi64>
  %y4 = nn.pad %x, %pc, %none : (tensor<1x2x4x4xf32>, tensor<8xi64>, none) -> tensor<1x4x6x6xf32>
  %w4 = nn.constant dense<1.0> : tensor<4x4x1x1xf32>
  %z4 = nn.conv %y4, %w4, %none : (tensor<1x4x6x6xf32>, tensor<4x4x1x1xf32>, none) -> tensor<1x4x6x6xf32>
  %y5 = nn.pad %x, %p, %none : (tensor<1x2x4x4xf32>, tensor<8xi64>, none) -> tensor<1x2x6x6xf32>
  %z5 = nn.conv %y5, %w, %none {auto_pad = "SAME_UPPER"} : (tensor<1x2x6x6xf32>, tensor<2x2x1x1xf32>, none) -> tensor<1x2x6x6xf32>
  return %z0, %z1, %y1, %z2, %z3, %z4, %z5 : tensor<1x2x4x4xf32>, tensor<1x2x6x6xf32>, tensor<1x2x6x6xf32>, tensor<1x2x6x6xf32>, tensor<1x2x4x4xf32>, tensor<1x4x6x6xf32>, tensor<1x2x6x6xf32>
}

// -----

// Transpose of Transpose composes; inverse pairs vanish.
// CHECK-LABEL: func.func @transposes
// CHECK: %[[T:.*]] = nn.transpose %arg0 {perm = array<i64: 1, 2, 0>} {{.*}} -> tensor<3x4x2xf32> loc(fused["t1", "t2"])
// CHECK: return %[[T]], %arg0
func.func @transposes(%x: tensor<2x3x4xf32>) -> (tensor<3x4x2xf32>, tensor<2x3x4xf32>) {
  %a = nn.transpose %x {perm = array<i64: 0, 2, 1>} : (tensor<2x3x4xf32>) -> tensor<2x4x3xf32> loc("t1")
  %b = nn.transpose %a {perm = array<i64: 2, 1, 0>} : (tensor<2x4x3xf32>) -> tensor<3x4x2xf32> loc("t2")
  %c = nn.transpose %x {perm = array<i64: 1, 2, 0>} : (tensor<2x3x4xf32>) -> tensor<3x4x2xf32>
  %d = nn.transpose %c {perm = array<i64: 2, 0, 1>} : (tensor<3x4x2xf32>) -> tensor<2x3x4xf32>
  return %b, %d : tensor<3x4x2xf32>, tensor<2x3x4xf32>
}

// -----

// Reshape-like chains of static shapes become one Reshape, or nothing.
// CHECK-LABEL: func.func @reshape_chains
// CHECK: %[[S:.*]] = nn.constant dense<[1, 6, 4]> : tensor<3xi64>
// CHECK: %[[R:.*]] = nn.reshape %arg0, %[[S]] {{.*}} -> tensor<1x6x4xf32> loc(fused["flatten", "unsqueeze"])
// CHECK: return %[[R]], %arg0
func.func @reshape_chains(%x: tensor<2x3x4xf32>) -> (tensor<1x6x4xf32>, tensor<2x3x4xf32>) {
  %f = nn.flatten %x {axis = 2 : i64} : (tensor<2x3x4xf32>) -> tensor<6x4xf32> loc("flatten")
  %ax = nn.constant dense<[0]> : tensor<1xi64>
  %u = nn.unsqueeze %f, %ax : (tensor<6x4xf32>, tensor<1xi64>) -> tensor<1x6x4xf32> loc("unsqueeze")
  %shape = nn.constant dense<[2, 3, 4]> : tensor<3xi64>
  %s = nn.squeeze %u, %ax : (tensor<1x6x4xf32>, tensor<1xi64>) -> tensor<6x4xf32> loc("squeeze")
  %back = nn.reshape %s, %shape : (tensor<6x4xf32>, tensor<3xi64>) -> tensor<2x3x4xf32>
  return %u, %back : tensor<1x6x4xf32>, tensor<2x3x4xf32>
}

// -----

// CHECK-LABEL: func.func @negative_reshape_dynamic
// CHECK: nn.flatten
// CHECK: nn.reshape
func.func @negative_reshape_dynamic(%x: tensor<?x3x4xf32>, %shape: tensor<2xi64>) -> tensor<?x?xf32> {
  %f = nn.flatten %x {axis = 2 : i64} : (tensor<?x3x4xf32>) -> tensor<?x4xf32>
  %r = nn.reshape %f, %shape : (tensor<?x4xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  return %r : tensor<?x?xf32>
}

// -----

// Constant subgraphs of any size: a 64x96 weight (itself an Add of
// constants) transposed for a MatMul becomes a dense_resource constant;
// elementwise ops and Cast fold too.
// CHECK-LABEL: func.func @constant_subgraphs
// CHECK-DAG: %[[W:.*]] = nn.constant dense_resource<folded{{.*}}> : tensor<96x64xf32> loc(fused[{{.*}}"wT"{{.*}}])
// CHECK-DAG: %[[C:.*]] = nn.constant dense<[2.500000e+00, 4.500000e+00]> : tensor<2xf32>
// CHECK: nn.matmul %arg0, %[[W]]
// CHECK-NOT: nn.transpose
// CHECK-NOT: nn.cast
// CHECK: return
func.func @constant_subgraphs(%x: tensor<2x96xf32>) -> (tensor<2x64xf32>, tensor<2xf32>) {
  %one = nn.constant dense<1.0> : tensor<64x96xf32> loc("w")
  %ramp = nn.constant dense<[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0, 17.0, 18.0, 19.0, 20.0, 21.0, 22.0, 23.0, 24.0, 25.0, 26.0, 27.0, 28.0, 29.0, 30.0, 31.0, 32.0, 33.0, 34.0, 35.0, 36.0, 37.0, 38.0, 39.0, 40.0, 41.0, 42.0, 43.0, 44.0, 45.0, 46.0, 47.0, 48.0, 49.0, 50.0, 51.0, 52.0, 53.0, 54.0, 55.0, 56.0, 57.0, 58.0, 59.0, 60.0, 61.0, 62.0, 63.0, 64.0, 65.0, 66.0, 67.0, 68.0, 69.0, 70.0, 71.0, 72.0, 73.0, 74.0, 75.0, 76.0, 77.0, 78.0, 79.0, 80.0, 81.0, 82.0, 83.0, 84.0, 85.0, 86.0, 87.0, 88.0, 89.0, 90.0, 91.0, 92.0, 93.0, 94.0, 95.0]> : tensor<96xf32>
  %w = nn.add %one, %ramp : (tensor<64x96xf32>, tensor<96xf32>) -> tensor<64x96xf32>
  %wt = nn.transpose %w {perm = array<i64: 1, 0>} : (tensor<64x96xf32>) -> tensor<96x64xf32> loc("wT")
  %y = nn.matmul %x, %wt : (tensor<2x96xf32>, tensor<96x64xf32>) -> tensor<2x64xf32>
  %i = nn.constant dense<[1, 2]> : tensor<2xi32>
  %f = nn.cast %i {to = f32} : (tensor<2xi32>) -> tensor<2xf32>
  %h = nn.constant dense<0.5> : tensor<f32>
  %s = nn.add %f, %h : (tensor<2xf32>, tensor<f32>) -> tensor<2xf32>
  %two = nn.constant dense<[2.0, 2.0]> : tensor<2xf32>
  %m = nn.mul %s, %two : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  %n = nn.sub %m, %h : (tensor<2xf32>, tensor<f32>) -> tensor<2xf32>
  return %y, %n : tensor<2x64xf32>, tensor<2xf32>
}
