// RUN: tessera-opt %s -split-input-file --tessera-npu-attach-hw=hw=edge "--tessera-npu-place=cost-rule=false" | FileCheck %s

// A convolution with a constant per-channel bias and a requantize to int8
// is one NPU layer; the host ops around it say why they stay.
// CHECK-LABEL: func.func @conv_bias_requantize
// CHECK:       nn.cast {{.*}}npu.place = "host", npu.reason = "not in the NPU's repertoire (it runs int8 conv/matmul with constant weights and a requantize epilogue, max/average/global pooling, and with ISA v2 the integer residual Add and lookup-table activations)"
// CHECK:       nn.conv_integer {{.*}}{kernel_shape = array<i64: 3, 3>, npu.place = "npu", npu.tiling = "rows={{[0-9]+}} ch=16 {{.*}}", pads
// CHECK:       nn.add {{.*}}{npu.place = "npu"}
// CHECK:       nn.requantize {{.*}}npu.place = "npu"
// CHECK:       return
func.func @conv_bias_requantize(%x: tensor<1x16x8x8xi8>) -> (tensor<1x16x8x8xi8>, tensor<1x16x8x8xi32>) {
  %w = nn.constant dense<1> : tensor<16x16x3x3xi8>
  %zp = nn.constant dense<3> : tensor<i8>
  %none = nn.none
  %b = nn.constant dense<[[[[1]], [[2]], [[3]], [[4]], [[5]], [[6]], [[7]], [[8]], [[9]], [[10]], [[11]], [[12]], [[13]], [[14]], [[15]], [[16]]]]> : tensor<1x16x1x1xi32>
  %x32 = nn.cast %x {to = i32} : (tensor<1x16x8x8xi8>) -> tensor<1x16x8x8xi32> loc("cast")
  %c = nn.conv_integer %x, %w, %zp, %none {kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x16x8x8xi8>, tensor<16x16x3x3xi8>, tensor<i8>, none) -> tensor<1x16x8x8xi32> loc("conv1")
  %a = nn.add %c, %b : (tensor<1x16x8x8xi32>, tensor<1x16x1x1xi32>) -> tensor<1x16x8x8xi32> loc("conv1")
  %y = nn.requantize %a {axis = 1 : i64, multiplier = array<i32: 1073741824, 1073741824, 1073741824, 1073741824, 1073741824, 1073741824, 1073741824, 1073741824, 1073741824, 1073741824, 1073741824, 1073741824, 1073741824, 1073741824, 1073741824, 1073741824>, shift = array<i32: 36, 36, 36, 36, 36, 36, 36, 36, 37, 37, 37, 37, 37, 37, 37, 37>, zero_point = -5 : i32} : (tensor<1x16x8x8xi32>) -> tensor<1x16x8x8xi8> loc("conv1")
  return %y, %x32 : tensor<1x16x8x8xi8>, tensor<1x16x8x8xi32>
}

// -----

// A matrix product of a rank-3 A (M = 2 * 4) with a constant [K, N] B, a
// bias over the last dimension and a per-column requantize.
// CHECK-LABEL: func.func @matmul_rank3
// CHECK:       nn.matmul_integer {{.*}}npu.place = "npu"
// CHECK:       nn.add {{.*}}npu.place = "npu"
// CHECK:       nn.requantize {{.*}}npu.place = "npu"
func.func @matmul_rank3(%a: tensor<2x4x32xi8>) -> tensor<2x4x8xi8> {
  %w = nn.constant dense<2> : tensor<32x8xi8>
  %zp = nn.constant dense<0> : tensor<i8>
  %wzp = nn.constant dense<0> : tensor<i8>
  %b = nn.constant dense<[1, 2, 3, 4, 5, 6, 7, 8]> : tensor<8xi32>
  %c = nn.matmul_integer %a, %w, %zp, %wzp : (tensor<2x4x32xi8>, tensor<32x8xi8>, tensor<i8>, tensor<i8>) -> tensor<2x4x8xi32> loc("fc")
  %s = nn.add %b, %c : (tensor<8xi32>, tensor<2x4x8xi32>) -> tensor<2x4x8xi32> loc("fc")
  %y = nn.requantize %s {axis = -1 : i64, multiplier = array<i32: 1, 2, 3, 4, 5, 6, 7, 8>, shift = array<i32: 1, 1, 1, 1, 1, 1, 1, 1>} : (tensor<2x4x8xi32>) -> tensor<2x4x8xi8> loc("fc")
  return %y : tensor<2x4x8xi8>
}

// -----

// Depthwise (groups = channels), strided, asymmetric padding, no bias, no
// input zero point.
// CHECK-LABEL: func.func @depthwise_no_bias
// CHECK:       nn.conv_integer {{.*}}npu.place = "npu"
// CHECK:       nn.requantize {{.*}}npu.place = "npu"
func.func @depthwise_no_bias(%x: tensor<1x16x9x9xi8>) -> tensor<1x16x5x4xi8> {
  %w = nn.constant dense<-3> : tensor<16x1x3x3xi8>
  %none = nn.none
  %c = nn.conv_integer %x, %w, %none, %none {group = 16 : i64, kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 0, 1, 0>, strides = array<i64: 2, 2>} : (tensor<1x16x9x9xi8>, tensor<16x1x3x3xi8>, none, none) -> tensor<1x16x5x4xi32> loc("dw")
  %y = nn.requantize %c {multiplier = array<i32: 1073741824>, shift = array<i32: 33>, clamp_lo = 0 : i32} : (tensor<1x16x5x4xi32>) -> tensor<1x16x5x4xi8> loc("dw")
  return %y : tensor<1x16x5x4xi8>
}

// -----

// A weight zero point folds into the constant weights when w - zp stays int8.
// CHECK-LABEL: func.func @weight_zero_point_folded
// CHECK:       nn.conv_integer {{.*}}npu.place = "npu"
func.func @weight_zero_point_folded(%x: tensor<1x16x8x8xi8>) -> tensor<1x16x8x8xi8> {
  %w = nn.constant dense<1> : tensor<16x16x1x1xi8>
  %wzp = nn.constant dense<2> : tensor<i8>
  %none = nn.none
  %c = nn.conv_integer %x, %w, %none, %wzp {kernel_shape = array<i64: 1, 1>} : (tensor<1x16x8x8xi8>, tensor<16x16x1x1xi8>, none, tensor<i8>) -> tensor<1x16x8x8xi32>
  %y = nn.requantize %c {multiplier = array<i32: 1073741824>, shift = array<i32: 33>} : (tensor<1x16x8x8xi32>) -> tensor<1x16x8x8xi8>
  return %y : tensor<1x16x8x8xi8>
}

// -----

// CHECK-LABEL: func.func @negative_weight_zero_point
// CHECK:       nn.conv_integer {{.*}}npu.place = "host", npu.reason = "weight zero point is not zero and the weights minus it span [-200, -200], beyond int8"
// CHECK:       nn.requantize {{.*}}npu.place = "host", npu.reason = "not in the NPU's repertoire
func.func @negative_weight_zero_point(%x: tensor<1x16x8x8xi8>) -> tensor<1x16x8x8xi8> {
  %w = nn.constant dense<-100> : tensor<16x16x1x1xi8>
  %wzp = nn.constant dense<100> : tensor<i8>
  %none = nn.none
  %c = nn.conv_integer %x, %w, %none, %wzp {kernel_shape = array<i64: 1, 1>} : (tensor<1x16x8x8xi8>, tensor<16x16x1x1xi8>, none, tensor<i8>) -> tensor<1x16x8x8xi32>
  %y = nn.requantize %c {multiplier = array<i32: 1073741824>, shift = array<i32: 33>} : (tensor<1x16x8x8xi32>) -> tensor<1x16x8x8xi8>
  return %y : tensor<1x16x8x8xi8>
}

// -----

// CHECK-LABEL: func.func @negative_dilation
// CHECK:       nn.conv_integer {{.*}}npu.place = "host", npu.reason = "dilation (the NPU's convolutions are dense)"
func.func @negative_dilation(%x: tensor<1x16x8x8xi8>) -> tensor<1x16x4x4xi8> {
  %w = nn.constant dense<1> : tensor<16x16x3x3xi8>
  %none = nn.none
  %c = nn.conv_integer %x, %w, %none, %none {dilations = array<i64: 2, 2>, kernel_shape = array<i64: 3, 3>} : (tensor<1x16x8x8xi8>, tensor<16x16x3x3xi8>, none, none) -> tensor<1x16x4x4xi32>
  %y = nn.requantize %c {multiplier = array<i32: 1073741824>, shift = array<i32: 33>} : (tensor<1x16x4x4xi32>) -> tensor<1x16x4x4xi8>
  return %y : tensor<1x16x4x4xi8>
}

// -----

// CHECK-LABEL: func.func @negative_nonconst_weights
// CHECK:       nn.conv_integer {{.*}}npu.place = "host", npu.reason = "weights are not a constant int8 tensor"
func.func @negative_nonconst_weights(%x: tensor<1x16x8x8xi8>, %w: tensor<16x16x1x1xi8>) -> tensor<1x16x8x8xi8> {
  %none = nn.none
  %c = nn.conv_integer %x, %w, %none, %none {kernel_shape = array<i64: 1, 1>} : (tensor<1x16x8x8xi8>, tensor<16x16x1x1xi8>, none, none) -> tensor<1x16x8x8xi32>
  %y = nn.requantize %c {multiplier = array<i32: 1073741824>, shift = array<i32: 33>} : (tensor<1x16x8x8xi32>) -> tensor<1x16x8x8xi8>
  return %y : tensor<1x16x8x8xi8>
}

// -----

// CHECK-LABEL: func.func @negative_int32_output
// CHECK:       nn.conv_integer {{.*}}npu.place = "host", npu.reason = "int32 output without requantize"
func.func @negative_int32_output(%x: tensor<1x16x8x8xi8>) -> tensor<1x16x8x8xi32> {
  %w = nn.constant dense<1> : tensor<16x16x1x1xi8>
  %none = nn.none
  %c = nn.conv_integer %x, %w, %none, %none {kernel_shape = array<i64: 1, 1>} : (tensor<1x16x8x8xi8>, tensor<16x16x1x1xi8>, none, none) -> tensor<1x16x8x8xi32>
  return %c : tensor<1x16x8x8xi32>
}

// -----

// CHECK-LABEL: func.func @negative_requantize_to_i32
// CHECK:       nn.matmul_integer {{.*}}npu.place = "host", npu.reason = "requantize to int32 (the NPU layer's output is int8)"
// CHECK:       nn.requantize {{.*}}npu.place = "host", npu.reason = "requantize to int32 (the NPU layer's output is int8)"
func.func @negative_requantize_to_i32(%a: tensor<4x32xi8>) -> tensor<4x8xi32> {
  %w = nn.constant dense<2> : tensor<32x8xi8>
  %none = nn.none
  %c = nn.matmul_integer %a, %w, %none, %none : (tensor<4x32xi8>, tensor<32x8xi8>, none, none) -> tensor<4x8xi32>
  %y = nn.requantize %c {multiplier = array<i32: 1073741824>, shift = array<i32: 33>, clamp_lo = -2147483648 : i32, clamp_hi = 2147483647 : i32} : (tensor<4x8xi32>) -> tensor<4x8xi32>
  return %y : tensor<4x8xi32>
}

// -----

// A bias that is not constant, a uint8 input.
// CHECK-LABEL: func.func @negative_nonconst_bias_uint8
// CHECK:       nn.matmul_integer {{.*}}npu.reason = "the int32 accumulator is added to something other than a constant int32 bias"
// CHECK:       nn.matmul_integer {{.*}}npu.reason = "A is uint8 (the NPU computes int8)"
func.func @negative_nonconst_bias_uint8(%a: tensor<4x32xi8>, %bias: tensor<8xi32>, %u: tensor<4x32xui8>) -> (tensor<4x8xi8>, tensor<4x8xi32>) {
  %w = nn.constant dense<2> : tensor<32x8xi8>
  %wu = nn.constant dense<2> : tensor<32x8xui8>
  %none = nn.none
  %c = nn.matmul_integer %a, %w, %none, %none : (tensor<4x32xi8>, tensor<32x8xi8>, none, none) -> tensor<4x8xi32>
  %s = nn.add %c, %bias : (tensor<4x8xi32>, tensor<8xi32>) -> tensor<4x8xi32>
  %y = nn.requantize %s {multiplier = array<i32: 1073741824>, shift = array<i32: 33>} : (tensor<4x8xi32>) -> tensor<4x8xi8>
  %d = nn.matmul_integer %u, %wu, %none, %none : (tensor<4x32xui8>, tensor<32x8xui8>, none, none) -> tensor<4x8xi32>
  return %y, %d : tensor<4x8xi8>, tensor<4x8xi32>
}

// -----

// Int8 max pooling and tessera-quantize's GlobalAveragePool (cast, sub of
// the zero point, reduce_sum over H and W, requantize) are layers too.
// CHECK-LABEL: func.func @pools
// CHECK:       nn.max_pool {{.*}}npu.place = "npu"
// CHECK:       nn.cast {{.*}}npu.place = "npu"
// CHECK:       nn.sub {{.*}}npu.place = "npu"
// CHECK:       nn.reduce_sum {{.*}}npu.place = "npu"
// CHECK:       nn.requantize {{.*}}npu.place = "npu"
func.func @pools(%x: tensor<1x16x8x8xi8>) -> tensor<1x16x1x1xi8> {
  %zp = nn.constant dense<-128> : tensor<i32>
  %axes = nn.constant dense<[2, 3]> : tensor<2xi64>
  %y, %i = nn.max_pool %x {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<1x16x8x8xi8>) -> (tensor<1x16x4x4xi8>, tensor<1x16x4x4xi64>)
  %c = nn.cast %y {to = i32} : (tensor<1x16x4x4xi8>) -> tensor<1x16x4x4xi32>
  %s = nn.sub %c, %zp : (tensor<1x16x4x4xi32>, tensor<i32>) -> tensor<1x16x4x4xi32>
  %r = nn.reduce_sum %s, %axes : (tensor<1x16x4x4xi32>, tensor<2xi64>) -> tensor<1x16x1x1xi32>
  %q = nn.requantize %r {multiplier = array<i32: 1073741824>, shift = array<i32: 34>, zero_point = -128 : i32} : (tensor<1x16x1x1xi32>) -> tensor<1x16x1x1xi8>
  return %q : tensor<1x16x1x1xi8>
}

// -----

// A max pool whose indices are used, one with ceil_mode; the cast of an
// integer Add (no reduce_sum) is no layer and gets the generic reason.
// CHECK-LABEL: func.func @negative_pools
// CHECK:       nn.max_pool {{.*}}npu.place = "host", npu.reason = "the indices of the maxima are used"
// CHECK:       nn.max_pool {{.*}}npu.place = "host", npu.reason = "ceil_mode"
// CHECK:       nn.cast {{.*}}npu.place = "host", npu.reason = "not in the NPU's repertoire
func.func @negative_pools(%x: tensor<1x16x8x8xi8>) -> (tensor<1x16x4x4xi64>, tensor<1x16x4x4xi8>, tensor<1x16x8x8xi32>) {
  %zp = nn.constant dense<-128> : tensor<i32>
  %y, %i = nn.max_pool %x {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<1x16x8x8xi8>) -> (tensor<1x16x4x4xi8>, tensor<1x16x4x4xi64>)
  %y2, %i2 = nn.max_pool %x {ceil_mode = 1 : i64, kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<1x16x8x8xi8>) -> (tensor<1x16x4x4xi8>, tensor<1x16x4x4xi64>)
  %c = nn.cast %x {to = i32} : (tensor<1x16x8x8xi8>) -> tensor<1x16x8x8xi32>
  %s = nn.sub %c, %zp : (tensor<1x16x8x8xi32>, tensor<i32>) -> tensor<1x16x8x8xi32>
  return %i, %y2, %s : tensor<1x16x4x4xi64>, tensor<1x16x4x4xi8>, tensor<1x16x8x8xi32>
}
