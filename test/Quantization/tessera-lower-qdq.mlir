// RUN: tessera-opt %s -split-input-file -tessera-lower-qdq | FileCheck %s

// uint8 activations (ONNX Runtime's default) with per-tensor int8 weights,
// an int32 bias behind a DQ and a Relu: the integer graph, activations in
// int8 with zero points lowered by 128.
// CHECK-LABEL: func.func @qdq_conv_u8_relu
// CHECK: %[[X:.*]] = nn.quantize %arg0 {scale = array<f32: 5.000000e-02>, zero_point = array<i32: 0>} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xi8>
// CHECK-NOT: nn.dequantize %[[X]]
// CHECK: %[[ACC:.*]] = nn.conv_integer %[[X]], %{{.*}}, %{{.*}}, %{{.*}} {kernel_shape = array<i64: 1, 1>} : (tensor<1x2x4x4xi8>, tensor<3x2x1x1xi8>, none, none) -> tensor<1x3x4x4xi32>
// CHECK: %[[B:.*]] = nn.constant dense<{{\[\[\[\[}}100]], {{\[\[}}-200]], {{\[\[}}300]]]]> : tensor<1x3x1x1xi32>
// CHECK: %[[SUM:.*]] = nn.add %[[ACC]], %[[B]]
// CHECK: %[[Y:.*]] = nn.requantize %[[SUM]] {clamp_lo = -125 : i32, multiplier = array<i32: 1374389504>, shift = array<i32: 38>, zero_point = -125 : i32} : (tensor<1x3x4x4xi32>) -> tensor<1x3x4x4xi8>
// CHECK: %[[D:.*]] = nn.dequantize %[[Y]] {scale = array<f32: 1.000000e-01>, zero_point = array<i32: -125>}
// CHECK-NOT: _linear
// CHECK-NOT: nn.conv %
// CHECK: return %[[D]]
func.func @qdq_conv_u8_relu(%x: tensor<1x2x4x4xf32>) -> tensor<1x3x4x4xf32> {
  %xs = nn.constant dense<0.05> : tensor<f32>
  %xz = nn.constant dense<128> : tensor<ui8>
  %ws = nn.constant dense<0.01> : tensor<f32>
  %wz = nn.constant dense<0> : tensor<i8>
  %ys = nn.constant dense<0.1> : tensor<f32>
  %yz = nn.constant dense<3> : tensor<ui8>
  %bs = nn.constant dense<5.0e-4> : tensor<f32>
  %w = nn.constant dense<[[[[1]], [[-2]]], [[[3]], [[4]]], [[[-5]], [[6]]]]> : tensor<3x2x1x1xi8>
  %b = nn.constant dense<[100, -200, 300]> : tensor<3xi32>
  %none = nn.none
  %xq = nn.quantize_linear %x, %xs, %xz : (tensor<1x2x4x4xf32>, tensor<f32>, tensor<ui8>) -> tensor<1x2x4x4xui8>
  %xd = nn.dequantize_linear %xq, %xs, %xz : (tensor<1x2x4x4xui8>, tensor<f32>, tensor<ui8>) -> tensor<1x2x4x4xf32>
  %wd = nn.dequantize_linear %w, %ws, %wz : (tensor<3x2x1x1xi8>, tensor<f32>, tensor<i8>) -> tensor<3x2x1x1xf32>
  %bd = nn.dequantize_linear %b, %bs, %none : (tensor<3xi32>, tensor<f32>, none) -> tensor<3xf32>
  %c = nn.conv %xd, %wd, %bd {kernel_shape = array<i64: 1, 1>} : (tensor<1x2x4x4xf32>, tensor<3x2x1x1xf32>, tensor<3xf32>) -> tensor<1x3x4x4xf32>
  %r = nn.relu %c : (tensor<1x3x4x4xf32>) -> tensor<1x3x4x4xf32>
  %yq = nn.quantize_linear %r, %ys, %yz : (tensor<1x3x4x4xf32>, tensor<f32>, tensor<ui8>) -> tensor<1x3x4x4xui8>
  %yd = nn.dequantize_linear %yq, %ys, %yz : (tensor<1x3x4x4xui8>, tensor<f32>, tensor<ui8>) -> tensor<1x3x4x4xf32>
  return %yd : tensor<1x3x4x4xf32>
}

// -----

// Per-output-channel int8 weights and a Clip(0, 6).
// CHECK-LABEL: func.func @qdq_conv_per_axis_clip
// CHECK: %[[X:.*]] = nn.quantize %arg0 {scale = array<f32: 2.000000e-02>, zero_point = array<i32: -4>}
// CHECK: %[[ZP:.*]] = nn.constant dense<-4> : tensor<i8>
// CHECK: %[[ACC:.*]] = nn.conv_integer %[[X]], %{{.*}}, %[[ZP]], %{{.*}} {kernel_shape = array<i64: 3, 3>}
// CHECK: nn.requantize %[[ACC]] {axis = 1 : i64, clamp_hi = -8 : i32, multiplier = array<i32: 1099511562, 1099511562>, shift = array<i32: 38, 36>, zero_point = -128 : i32}
// CHECK-NOT: nn.clip
func.func @qdq_conv_per_axis_clip(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x2x2xf32> {
  %xs = nn.constant dense<0.02> : tensor<f32>
  %xz = nn.constant dense<-4> : tensor<i8>
  %ws = nn.constant dense<[0.01, 0.04]> : tensor<2xf32>
  %wz = nn.constant dense<0> : tensor<2xi8>
  %ys = nn.constant dense<0.05> : tensor<f32>
  %yz = nn.constant dense<-128> : tensor<i8>
  %lo = nn.constant dense<0.0> : tensor<f32>
  %hi = nn.constant dense<6.0> : tensor<f32>
  %w = nn.constant dense<1> : tensor<2x2x3x3xi8>
  %none = nn.none
  %xq = nn.quantize_linear %x, %xs, %xz : (tensor<1x2x4x4xf32>, tensor<f32>, tensor<i8>) -> tensor<1x2x4x4xi8>
  %xd = nn.dequantize_linear %xq, %xs, %xz : (tensor<1x2x4x4xi8>, tensor<f32>, tensor<i8>) -> tensor<1x2x4x4xf32>
  %wd = nn.dequantize_linear %w, %ws, %wz {axis = 0 : i64} : (tensor<2x2x3x3xi8>, tensor<2xf32>, tensor<2xi8>) -> tensor<2x2x3x3xf32>
  %c = nn.conv %xd, %wd, %none {kernel_shape = array<i64: 3, 3>} : (tensor<1x2x4x4xf32>, tensor<2x2x3x3xf32>, none) -> tensor<1x2x2x2xf32>
  %r = nn.clip %c, %lo, %hi : (tensor<1x2x2x2xf32>, tensor<f32>, tensor<f32>) -> tensor<1x2x2x2xf32>
  %yq = nn.quantize_linear %r, %ys, %yz : (tensor<1x2x2x2xf32>, tensor<f32>, tensor<i8>) -> tensor<1x2x2x2xi8>
  %yd = nn.dequantize_linear %yq, %ys, %yz : (tensor<1x2x2x2xi8>, tensor<f32>, tensor<i8>) -> tensor<1x2x2x2xf32>
  return %yd : tensor<1x2x2x2xf32>
}

// -----

// Gemm with a transposed per-output-channel weight and a float bias.
// CHECK-LABEL: func.func @qdq_gemm_per_axis
// CHECK: %[[W:.*]] = nn.constant dense<{{\[\[}}1, 4], [2, 5], [3, 6]]> : tensor<3x2xi8>
// CHECK: %[[ACC:.*]] = nn.matmul_integer %{{.*}}, %[[W]], %{{.*}}, %{{.*}} : (tensor<2x3xi8>, tensor<3x2xi8>, none, none) -> tensor<2x2xi32>
// CHECK: %[[B:.*]] = nn.constant dense<[20, -40]> : tensor<2xi32>
// CHECK: %[[SUM:.*]] = nn.add %[[ACC]], %[[B]]
// CHECK: nn.requantize %[[SUM]] {axis = 1 : i64, multiplier = array<i32: 1073741824, 1073741824>, shift = array<i32: 32, 33>, zero_point = 1 : i32}
// CHECK-NOT: nn.gemm
func.func @qdq_gemm_per_axis(%x: tensor<2x3xf32>) -> tensor<2x2xf32> {
  %xs = nn.constant dense<0.1> : tensor<f32>
  %xz = nn.constant dense<0> : tensor<i8>
  %ws = nn.constant dense<[0.5, 0.25]> : tensor<2xf32>
  %wz = nn.constant dense<0> : tensor<2xi8>
  %ys = nn.constant dense<0.2> : tensor<f32>
  %yz = nn.constant dense<1> : tensor<i8>
  %w = nn.constant dense<[[1, 2, 3], [4, 5, 6]]> : tensor<2x3xi8>
  %b = nn.constant dense<[1.0, -1.0]> : tensor<2xf32>
  %xq = nn.quantize_linear %x, %xs, %xz : (tensor<2x3xf32>, tensor<f32>, tensor<i8>) -> tensor<2x3xi8>
  %xd = nn.dequantize_linear %xq, %xs, %xz : (tensor<2x3xi8>, tensor<f32>, tensor<i8>) -> tensor<2x3xf32>
  %wd = nn.dequantize_linear %w, %ws, %wz {axis = 0 : i64} : (tensor<2x3xi8>, tensor<2xf32>, tensor<2xi8>) -> tensor<2x3xf32>
  %g = nn.gemm %xd, %wd, %b {transB = 1 : i64} : (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2xf32>) -> tensor<2x2xf32>
  %yq = nn.quantize_linear %g, %ys, %yz : (tensor<2x2xf32>, tensor<f32>, tensor<i8>) -> tensor<2x2xi8>
  %yd = nn.dequantize_linear %yq, %ys, %yz : (tensor<2x2xi8>, tensor<f32>, tensor<i8>) -> tensor<2x2xf32>
  return %yd : tensor<2x2xf32>
}

// -----

// MatMul of a 3-D activation by a per-tensor uint8 weight (zero point 128:
// int8 with zero point 0).
// CHECK-LABEL: func.func @qdq_matmul_u8_weight
// CHECK: %[[W:.*]] = nn.constant dense<{{\[\[}}0, 1], [2, -1], [-2, 127]]> : tensor<3x2xi8>
// CHECK: %[[ACC:.*]] = nn.matmul_integer %{{.*}}, %[[W]], %{{.*}}, %{{.*}} : (tensor<1x2x3xi8>, tensor<3x2xi8>, none, none) -> tensor<1x2x2xi32>
// CHECK: nn.requantize %[[ACC]] {multiplier = array<i32: 1073741824>, shift = array<i32: 31>}
// CHECK-NOT: nn.matmul %
func.func @qdq_matmul_u8_weight(%x: tensor<1x2x3xf32>) -> tensor<1x2x2xf32> {
  %s = nn.constant dense<0.1> : tensor<f32>
  %z = nn.constant dense<0> : tensor<i8>
  %ws = nn.constant dense<0.5> : tensor<f32>
  %wz = nn.constant dense<128> : tensor<ui8>
  %w = nn.constant dense<[[128, 129], [130, 127], [126, 255]]> : tensor<3x2xui8>
  %xq = nn.quantize_linear %x, %s, %z : (tensor<1x2x3xf32>, tensor<f32>, tensor<i8>) -> tensor<1x2x3xi8>
  %xd = nn.dequantize_linear %xq, %s, %z : (tensor<1x2x3xi8>, tensor<f32>, tensor<i8>) -> tensor<1x2x3xf32>
  %wd = nn.dequantize_linear %w, %ws, %wz : (tensor<3x2xui8>, tensor<f32>, tensor<ui8>) -> tensor<3x2xf32>
  %m = nn.matmul %xd, %wd : (tensor<1x2x3xf32>, tensor<3x2xf32>) -> tensor<1x2x2xf32>
  %yq = nn.quantize_linear %m, %s, %z : (tensor<1x2x2xf32>, tensor<f32>, tensor<i8>) -> tensor<1x2x2xi8>
  %yd = nn.dequantize_linear %yq, %s, %z : (tensor<1x2x2xi8>, tensor<f32>, tensor<i8>) -> tensor<1x2x2xf32>
  return %yd : tensor<1x2x2xf32>
}

// -----

// QLinearConv (uint8 activations, per-channel int8 weights, bias) and
// QLinearMatMul after it.
// CHECK-LABEL: func.func @qlinear_conv_matmul
// CHECK: %[[X:.*]] = nn.quantize %arg0 {scale = array<f32: 5.000000e-02>, zero_point = array<i32: 2>}
// CHECK: %[[ACC:.*]] = nn.conv_integer %[[X]]
// CHECK: %[[SUM:.*]] = nn.add %[[ACC]]
// CHECK: %[[C:.*]] = nn.requantize %[[SUM]] {axis = 1 : i64, multiplier = array<i32: 1145324601, 1145324601>, shift = array<i32: 36, 35>, zero_point = -8 : i32}
// CHECK: %[[ZP:.*]] = nn.constant dense<-8> : tensor<i8>
// CHECK: %[[ACC2:.*]] = nn.matmul_integer %[[C]], %{{.*}}, %[[ZP]], %{{.*}}
// CHECK: %[[Y:.*]] = nn.requantize %[[ACC2]] {multiplier = array<i32: 2061584307>, shift = array<i32: 37>}
// CHECK: nn.dequantize %[[Y]] {scale = array<f32: 4.000000e-01>, zero_point = array<i32: 0>}
// CHECK-NOT: qlinear
func.func @qlinear_conv_matmul(%x: tensor<1x2x3x3xf32>) -> tensor<1x2x3x2xf32> {
  %xs = nn.constant dense<0.05> : tensor<f32>
  %xz = nn.constant dense<130> : tensor<ui8>
  %w = nn.constant dense<[[[[1]], [[2]]], [[[-3]], [[4]]]]> : tensor<2x2x1x1xi8>
  %ws = nn.constant dense<[0.1, 0.2]> : tensor<2xf32>
  %wz = nn.constant dense<[0, 0]> : tensor<2xi8>
  %ys = nn.constant dense<0.3> : tensor<f32>
  %yz = nn.constant dense<120> : tensor<ui8>
  %b = nn.constant dense<[10, -10]> : tensor<2xi32>
  %m = nn.constant dense<[[1, -1], [2, 0], [-3, 5]]> : tensor<3x2xi8>
  %ms = nn.constant dense<0.02> : tensor<f32>
  %mz = nn.constant dense<0> : tensor<i8>
  %os = nn.constant dense<0.4> : tensor<f32>
  %oz = nn.constant dense<128> : tensor<ui8>
  %xq = nn.quantize_linear %x, %xs, %xz : (tensor<1x2x3x3xf32>, tensor<f32>, tensor<ui8>) -> tensor<1x2x3x3xui8>
  %c = nn.qlinear_conv %xq, %xs, %xz, %w, %ws, %wz, %ys, %yz, %b : (tensor<1x2x3x3xui8>, tensor<f32>, tensor<ui8>, tensor<2x2x1x1xi8>, tensor<2xf32>, tensor<2xi8>, tensor<f32>, tensor<ui8>, tensor<2xi32>) -> tensor<1x2x3x3xui8>
  %q = nn.qlinear_matmul %c, %ys, %yz, %m, %ms, %mz, %os, %oz : (tensor<1x2x3x3xui8>, tensor<f32>, tensor<ui8>, tensor<3x2xi8>, tensor<f32>, tensor<i8>, tensor<f32>, tensor<ui8>) -> tensor<1x2x3x2xui8>
  %d = nn.dequantize_linear %q, %os, %oz : (tensor<1x2x3x2xui8>, tensor<f32>, tensor<ui8>) -> tensor<1x2x3x2xf32>
  return %d : tensor<1x2x3x2xf32>
}

// -----

// MaxPool, Reshape and Concat between Q and DQ of equal parameters run on
// int8; DQ -> Q with equal parameters is the int8 tensor itself; the float
// Add keeps nn.dequantize / nn.quantize around it.
// CHECK-LABEL: func.func @data_movement
// CHECK: %[[X:.*]] = nn.quantize %arg0
// CHECK: %[[P:.*]], %{{.*}} = nn.max_pool %[[X]] {{.*}} : (tensor<1x2x4x4xi8>) -> (tensor<1x2x2x2xi8>, tensor<1x2x2x2xi64>)
// CHECK: %[[R:.*]] = nn.reshape %[[P]], %{{.*}} : (tensor<1x2x2x2xi8>, tensor<2xi64>) -> tensor<1x8xi8>
// CHECK: %[[RD:.*]] = nn.dequantize %[[R]]
// CHECK: %[[A:.*]] = nn.add %[[RD]], %[[RD]] : (tensor<1x8xf32>, tensor<1x8xf32>)
// CHECK: %[[AQ:.*]] = nn.quantize %[[A]]
// CHECK: %[[C:.*]] = nn.concat %[[AQ]], %[[R]] {axis = 1 : i64} : (tensor<1x8xi8>, tensor<1x8xi8>) -> tensor<1x16xi8>
// CHECK: nn.dequantize %[[C]]
// CHECK-NOT: _linear
func.func @data_movement(%x: tensor<1x2x4x4xf32>) -> tensor<1x16xf32> {
  %s = nn.constant dense<0.1> : tensor<f32>
  %z = nn.constant dense<5> : tensor<i8>
  %shape = nn.constant dense<[1, 8]> : tensor<2xi64>
  %xq = nn.quantize_linear %x, %s, %z : (tensor<1x2x4x4xf32>, tensor<f32>, tensor<i8>) -> tensor<1x2x4x4xi8>
  %xd = nn.dequantize_linear %xq, %s, %z : (tensor<1x2x4x4xi8>, tensor<f32>, tensor<i8>) -> tensor<1x2x4x4xf32>
  %p:2 = nn.max_pool %xd {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<1x2x4x4xf32>) -> (tensor<1x2x2x2xf32>, tensor<1x2x2x2xi64>)
  %pq = nn.quantize_linear %p#0, %s, %z : (tensor<1x2x2x2xf32>, tensor<f32>, tensor<i8>) -> tensor<1x2x2x2xi8>
  %pd = nn.dequantize_linear %pq, %s, %z : (tensor<1x2x2x2xi8>, tensor<f32>, tensor<i8>) -> tensor<1x2x2x2xf32>
  %r = nn.reshape %pd, %shape : (tensor<1x2x2x2xf32>, tensor<2xi64>) -> tensor<1x8xf32>
  %rq = nn.quantize_linear %r, %s, %z : (tensor<1x8xf32>, tensor<f32>, tensor<i8>) -> tensor<1x8xi8>
  %rd = nn.dequantize_linear %rq, %s, %z : (tensor<1x8xi8>, tensor<f32>, tensor<i8>) -> tensor<1x8xf32>
  %a = nn.add %rd, %rd : (tensor<1x8xf32>, tensor<1x8xf32>) -> tensor<1x8xf32>
  %aq = nn.quantize_linear %a, %s, %z : (tensor<1x8xf32>, tensor<f32>, tensor<i8>) -> tensor<1x8xi8>
  %ad = nn.dequantize_linear %aq, %s, %z : (tensor<1x8xi8>, tensor<f32>, tensor<i8>) -> tensor<1x8xf32>
  %id = nn.quantize_linear %rd, %s, %z : (tensor<1x8xf32>, tensor<f32>, tensor<i8>) -> tensor<1x8xi8>
  %idd = nn.dequantize_linear %id, %s, %z : (tensor<1x8xi8>, tensor<f32>, tensor<i8>) -> tensor<1x8xf32>
  %c = nn.concat %ad, %idd {axis = 1 : i64} : (tensor<1x8xf32>, tensor<1x8xf32>) -> tensor<1x16xf32>
  %cq = nn.quantize_linear %c, %s, %z : (tensor<1x16xf32>, tensor<f32>, tensor<i8>) -> tensor<1x16xi8>
  %cd = nn.dequantize_linear %cq, %s, %z : (tensor<1x16xi8>, tensor<f32>, tensor<i8>) -> tensor<1x16xf32>
  return %cd : tensor<1x16xf32>
}

// -----

// Weights that are not constants: the conv stays float; only the QDQ pairs
// become nn.quantize / nn.dequantize.
// CHECK-LABEL: func.func @negative_nonconst_weights
// CHECK: %[[X:.*]] = nn.quantize %arg0
// CHECK: %[[XD:.*]] = nn.dequantize %[[X]]
// CHECK: %[[W:.*]] = nn.dequantize_linear %arg1
// CHECK: %[[C:.*]] = nn.conv %[[XD]], %[[W]]
// CHECK: nn.quantize %[[C]]
func.func @negative_nonconst_weights(%x: tensor<1x1x2x2xf32>, %w: tensor<1x1x1x1xi8>) -> tensor<1x1x2x2xi8> {
  %s = nn.constant dense<0.1> : tensor<f32>
  %z = nn.constant dense<0> : tensor<i8>
  %none = nn.none
  %xq = nn.quantize_linear %x, %s, %z : (tensor<1x1x2x2xf32>, tensor<f32>, tensor<i8>) -> tensor<1x1x2x2xi8>
  %xd = nn.dequantize_linear %xq, %s, %z : (tensor<1x1x2x2xi8>, tensor<f32>, tensor<i8>) -> tensor<1x1x2x2xf32>
  %wd = nn.dequantize_linear %w, %s, %z : (tensor<1x1x1x1xi8>, tensor<f32>, tensor<i8>) -> tensor<1x1x1x1xf32>
  %c = nn.conv %xd, %wd, %none : (tensor<1x1x2x2xf32>, tensor<1x1x1x1xf32>, none) -> tensor<1x1x2x2xf32>
  %yq = nn.quantize_linear %c, %s, %z : (tensor<1x1x2x2xf32>, tensor<f32>, tensor<i8>) -> tensor<1x1x2x2xi8>
  return %yq : tensor<1x1x2x2xi8>
}

// -----

// Scales that are not constants: nothing changes.
// CHECK-LABEL: func.func @negative_nonconst_scales
// CHECK: nn.quantize_linear %arg0, %arg1
// CHECK: nn.dequantize_linear
// CHECK: nn.dequantize_linear
// CHECK: nn.conv %
// CHECK: nn.quantize_linear
// CHECK: nn.dequantize_linear
// CHECK-NOT: nn.quantize %
func.func @negative_nonconst_scales(%x: tensor<1x1x2x2xf32>, %s: tensor<f32>) -> tensor<1x1x2x2xf32> {
  %z = nn.constant dense<0> : tensor<i8>
  %w = nn.constant dense<1> : tensor<1x1x1x1xi8>
  %none = nn.none
  %xq = nn.quantize_linear %x, %s, %z : (tensor<1x1x2x2xf32>, tensor<f32>, tensor<i8>) -> tensor<1x1x2x2xi8>
  %xd = nn.dequantize_linear %xq, %s, %z : (tensor<1x1x2x2xi8>, tensor<f32>, tensor<i8>) -> tensor<1x1x2x2xf32>
  %wd = nn.dequantize_linear %w, %s, %z : (tensor<1x1x1x1xi8>, tensor<f32>, tensor<i8>) -> tensor<1x1x1x1xf32>
  %c = nn.conv %xd, %wd, %none : (tensor<1x1x2x2xf32>, tensor<1x1x1x1xf32>, none) -> tensor<1x1x2x2xf32>
  %yq = nn.quantize_linear %c, %s, %z : (tensor<1x1x2x2xf32>, tensor<f32>, tensor<i8>) -> tensor<1x1x2x2xi8>
  %yd = nn.dequantize_linear %yq, %s, %z : (tensor<1x1x2x2xi8>, tensor<f32>, tensor<i8>) -> tensor<1x1x2x2xf32>
  return %yd : tensor<1x1x2x2xf32>
}

// -----

// The conv's float result has another user: the conv stays float.
// CHECK-LABEL: func.func @negative_conv_other_float_user
// CHECK: %[[XD:.*]] = nn.dequantize %
// CHECK: %[[C:.*]] = nn.conv %[[XD]]
// CHECK: %[[Q:.*]] = nn.quantize %[[C]]
// CHECK: return %[[Q]], %[[C]]
func.func @negative_conv_other_float_user(%x: tensor<1x1x2x2xf32>) -> (tensor<1x1x2x2xi8>, tensor<1x1x2x2xf32>) {
  %s = nn.constant dense<0.1> : tensor<f32>
  %z = nn.constant dense<0> : tensor<i8>
  %w = nn.constant dense<1> : tensor<1x1x1x1xi8>
  %none = nn.none
  %xq = nn.quantize_linear %x, %s, %z : (tensor<1x1x2x2xf32>, tensor<f32>, tensor<i8>) -> tensor<1x1x2x2xi8>
  %xd = nn.dequantize_linear %xq, %s, %z : (tensor<1x1x2x2xi8>, tensor<f32>, tensor<i8>) -> tensor<1x1x2x2xf32>
  %wd = nn.dequantize_linear %w, %s, %z : (tensor<1x1x1x1xi8>, tensor<f32>, tensor<i8>) -> tensor<1x1x1x1xf32>
  %c = nn.conv %xd, %wd, %none : (tensor<1x1x2x2xf32>, tensor<1x1x1x1xf32>, none) -> tensor<1x1x2x2xf32>
  %yq = nn.quantize_linear %c, %s, %z : (tensor<1x1x2x2xf32>, tensor<f32>, tensor<i8>) -> tensor<1x1x2x2xi8>
  return %yq, %c : tensor<1x1x2x2xi8>, tensor<1x1x2x2xf32>
}
