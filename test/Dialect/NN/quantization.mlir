// RUN: tessera-opt %s | tessera-opt | FileCheck %s
// RUN: tessera-opt %s --mlir-print-op-generic | tessera-opt | FileCheck %s
// RUN: tessera-opt %s -canonicalize | FileCheck %s --check-prefix=CANON
// RUN: tessera-opt %s "-tessera-nn-stage=fuse=false require-static=false" | FileCheck %s --check-prefix=CANON

// Round trip of the integer quantization ops; canonicalize and the nn stage
// keep them (a dequantize(quantize(x)) pair rounds and saturates, so it never
// folds away).

// CHECK-LABEL: func.func @requantize_per_tensor
// CHECK: nn.requantize %{{.*}} {multiplier = array<i32: 1690499128>, shift = array<i32: 37>, zero_point = 5 : i32} : (tensor<1x16x8x8xi32>) -> tensor<1x16x8x8xi8>
func.func @requantize_per_tensor(%acc: tensor<1x16x8x8xi32>) -> tensor<1x16x8x8xi8> {
  %q = nn.requantize %acc {multiplier = array<i32: 1690499128>, shift = array<i32: 37>, zero_point = 5 : i32} : (tensor<1x16x8x8xi32>) -> tensor<1x16x8x8xi8>
  return %q : tensor<1x16x8x8xi8>
}

// An int32 result with any int32 zero point and clamp (the operand rescale of
// an integer Add: no saturation).
// CHECK-LABEL: func.func @requantize_i32_wide_clamp
// CHECK: nn.requantize %{{.*}} {clamp_hi = 2147483647 : i32, clamp_lo = -2147483648 : i32, multiplier = array<i32: 1073741824>, shift = array<i32: 11>, zero_point = 1000 : i32} : (tensor<4xi32>) -> tensor<4xi32>
func.func @requantize_i32_wide_clamp(%acc: tensor<4xi32>) -> tensor<4xi32> {
  %q = nn.requantize %acc {multiplier = array<i32: 1073741824>, shift = array<i32: 11>, zero_point = 1000 : i32, clamp_lo = -2147483648 : i32, clamp_hi = 2147483647 : i32} : (tensor<4xi32>) -> tensor<4xi32>
  return %q : tensor<4xi32>
}

// Per axis, int32 result (the NPU's dst_mem=acc), a ReLU clamp, and the
// extreme parameters: multiplier -2^31 and 2^31 - 1, shifts 0 and 63.
// CHECK-LABEL: func.func @requantize_per_axis
// CHECK: nn.requantize %{{.*}} {axis = 1 : i64, clamp_hi = 100 : i32, clamp_lo = 0 : i32, multiplier = array<i32: -2147483648, 2147483647, 1>, shift = array<i32: 63, 0, 1>} : (tensor<4x3xi32>) -> tensor<4x3xi32>
func.func @requantize_per_axis(%acc: tensor<4x3xi32>) -> tensor<4x3xi32> {
  %q = nn.requantize %acc {multiplier = array<i32: -2147483648, 2147483647, 1>, shift = array<i32: 63, 0, 1>, axis = 1 : i64, clamp_lo = 0 : i32, clamp_hi = 100 : i32} : (tensor<4x3xi32>) -> tensor<4x3xi32>
  return %q : tensor<4x3xi32>
}

// A dynamic dim along the axis is checked when it is known.
// CHECK-LABEL: func.func @requantize_dynamic
// CHECK: nn.requantize {{.*}} : (tensor<?x2xi32>) -> tensor<?x2xi8>
func.func @requantize_dynamic(%acc: tensor<?x2xi32>) -> tensor<?x2xi8> {
  %q = nn.requantize %acc {multiplier = array<i32: 3, 5>, shift = array<i32: 2, 3>, axis = -2 : i64} : (tensor<?x2xi32>) -> tensor<?x2xi8>
  return %q : tensor<?x2xi8>
}

// CHECK-LABEL: func.func @quantize_dequantize_pair
// CHECK: %[[Q:.*]] = nn.quantize %{{.*}} {scale = array<f32: 5.000000e-02>, zero_point = array<i32: 3>} : (tensor<1x8xf32>) -> tensor<1x8xi8>
// CHECK: %[[D:.*]] = nn.dequantize %[[Q]] {scale = array<f32: 5.000000e-02>, zero_point = array<i32: 3>} : (tensor<1x8xi8>) -> tensor<1x8xf32>
// CHECK: return %[[D]]
// CANON-LABEL: func.func @quantize_dequantize_pair
// CANON: %[[Q:.*]] = nn.quantize %arg0
// CANON: %[[D:.*]] = nn.dequantize %[[Q]]
// CANON: return %[[D]]
func.func @quantize_dequantize_pair(%x: tensor<1x8xf32>) -> tensor<1x8xf32> {
  %q = nn.quantize %x {scale = array<f32: 0.05>, zero_point = array<i32: 3>} : (tensor<1x8xf32>) -> tensor<1x8xi8>
  %d = nn.dequantize %q {scale = array<f32: 0.05>, zero_point = array<i32: 3>} : (tensor<1x8xi8>) -> tensor<1x8xf32>
  return %d : tensor<1x8xf32>
}

// CHECK-LABEL: func.func @per_axis_pair
// CHECK: nn.quantize %{{.*}} {axis = 0 : i64, scale = array<f32: 1.000000e-01, 2.000000e-01>, zero_point = array<i32: 0, -4>}
// CHECK: nn.dequantize %{{.*}} {axis = 0 : i64, scale = array<f32: 1.000000e-01, 2.000000e-01>, zero_point = array<i32: 0, -4>}
// CANON-LABEL: func.func @per_axis_pair
// CANON: nn.quantize
// CANON: nn.dequantize
func.func @per_axis_pair(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %q = nn.quantize %x {scale = array<f32: 0.1, 0.2>, zero_point = array<i32: 0, -4>, axis = 0 : i64} : (tensor<2x8xf32>) -> tensor<2x8xi8>
  %d = nn.dequantize %q {scale = array<f32: 0.1, 0.2>, zero_point = array<i32: 0, -4>, axis = 0 : i64} : (tensor<2x8xi8>) -> tensor<2x8xf32>
  return %d : tensor<2x8xf32>
}

// CHECK-LABEL: func.func @lookup_table
// CHECK: nn.lookup_table %{{.*}} {table = dense<7> : tensor<256xi8>} : (tensor<1x8xi8>) -> tensor<1x8xi8>
// CANON-LABEL: func.func @lookup_table
// CANON: nn.lookup_table
func.func @lookup_table(%x: tensor<1x8xi8>) -> tensor<1x8xi8> {
  %y = nn.lookup_table %x {table = dense<7> : tensor<256xi8>} : (tensor<1x8xi8>) -> tensor<1x8xi8>
  return %y : tensor<1x8xi8>
}
