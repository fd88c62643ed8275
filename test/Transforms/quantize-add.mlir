// RUN: tessera-opt %s -split-input-file --tessera-quantize=stats=%S/Inputs/quantize-add-stats.json -mlir-print-debuginfo -mlir-print-local-scope | FileCheck %s
// RUN: tessera-opt %s -split-input-file '--tessera-quantize=stats=%S/Inputs/quantize-add-stats.json activations=symmetric' | FileCheck %s --check-prefix=SYM

// A residual Add of two int8 tensors and the ReLU after it in integers
// (Inputs/quantize-add-stats.json, min/max observer, asymmetric): ra_c1
// [-2, 2] scale s1 = 4/255, zero point 0; ra_c2 [-1, 3] s2 = 4/255, zero point
// -64; ra_relu [0, 5] s_y = 5/255, zero point -128. Each operand, widened and
// less its zero point, is rescaled in i32 to s_c = 2 * max(s1, s2) / 2^20:
// s_i / s_c = 2^19 = 2^30 * 2^-11. The sum goes to int8 with s_c / s_y =
// 2^-19 * 4/5 (multiplier 0.8 * 2^31, shift 50), the ReLU the clamp at the
// zero point; the result carries the ReLU's key.
// CHECK-LABEL: func.func @residual_add_relu
// CHECK: %[[A:.*]] = nn.requantize {{.*}}nn.quant_key = "ra_c1"
// CHECK: %[[B:.*]] = nn.requantize {{.*}}nn.quant_key = "ra_c2"
// CHECK: %[[AW:.*]] = nn.cast %[[A]] {to = i32} : (tensor<1x2x4x4xi8>) -> tensor<1x2x4x4xi32> loc("ra_sum")
// CHECK: %[[AR:.*]] = nn.requantize %[[AW]] {clamp_hi = 2147483647 : i32, clamp_lo = -2147483648 : i32, multiplier = array<i32: 1073741824>, shift = array<i32: 11>} : (tensor<1x2x4x4xi32>) -> tensor<1x2x4x4xi32> loc("ra_sum")
// CHECK: %[[BW:.*]] = nn.cast %[[B]] {to = i32} : (tensor<1x2x4x4xi8>) -> tensor<1x2x4x4xi32>
// CHECK: %[[BZP:.*]] = nn.constant dense<-64> : tensor<i32>
// CHECK: %[[BS:.*]] = nn.sub %[[BW]], %[[BZP]] : (tensor<1x2x4x4xi32>, tensor<i32>) -> tensor<1x2x4x4xi32>
// CHECK: %[[BR:.*]] = nn.requantize %[[BS]] {clamp_hi = 2147483647 : i32, clamp_lo = -2147483648 : i32, multiplier = array<i32: 1073741824>, shift = array<i32: 11>} : (tensor<1x2x4x4xi32>) -> tensor<1x2x4x4xi32>
// CHECK: %[[S:.*]] = nn.add %[[AR]], %[[BR]] : (tensor<1x2x4x4xi32>, tensor<1x2x4x4xi32>) -> tensor<1x2x4x4xi32> loc("ra_sum")
// CHECK: %[[Y:.*]] = nn.requantize %[[S]] {multiplier = array<i32: 1717986959>, nn.quant_key = "ra_relu", nn.quant_scale = 0.019607843831181526 : f64, nn.quant_zero_point = -128 : i64, shift = array<i32: 50>, zero_point = -128 : i32} : (tensor<1x2x4x4xi32>) -> tensor<1x2x4x4xi8> loc(fused["ra_sum", "ra_relu"])
// CHECK: %[[D:.*]] = nn.dequantize %[[Y]]
// CHECK-NOT: nn.relu
// CHECK-NOT: nn.quant_float
// CHECK: return %[[D]]
// Symmetric: no zero points to subtract; s1 = 2/127, s2 = 3/127, s1 / s_c =
// 2^19 * 2/3, the ReLU clamps at 0.
// SYM-LABEL: func.func @residual_add_relu
// SYM: nn.cast
// SYM-NEXT: nn.requantize %{{.*}} {clamp_hi = 2147483647 : i32, clamp_lo = -2147483648 : i32, multiplier = array<i32: 1431655765>, shift = array<i32: 12>} : (tensor<1x2x4x4xi32>) -> tensor<1x2x4x4xi32>
// SYM-NEXT: nn.cast
// SYM-NEXT: nn.requantize %{{.*}} {clamp_hi = 2147483647 : i32, clamp_lo = -2147483648 : i32, multiplier = array<i32: 1073741824>, shift = array<i32: 11>} : (tensor<1x2x4x4xi32>) -> tensor<1x2x4x4xi32>
// SYM-NEXT: nn.add
// SYM-NEXT: nn.requantize %{{.*}} {clamp_lo = 0 : i32, multiplier = array<i32: 1288490189>, nn.quant_key = "ra_relu", {{.*}}shift = array<i32: 50>} : (tensor<1x2x4x4xi32>) -> tensor<1x2x4x4xi8>
func.func @residual_add_relu(%x: tensor<1x2x4x4xf32> {nn.name = "ra_in"}) -> tensor<1x2x4x4xf32> {
  %w = nn.constant dense<[[[[1.0]], [[0.5]]], [[[-1.0]], [[0.25]]]]> : tensor<2x2x1x1xf32> loc("ra_c1.weight")
  %none = nn.none
  %a = nn.conv %x, %w, %none : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>, none) -> tensor<1x2x4x4xf32> loc("ra_c1")
  %b = nn.conv %a, %w, %none : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>, none) -> tensor<1x2x4x4xf32> loc("ra_c2")
  %s = nn.add %a, %b : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> loc("ra_sum")
  %r = nn.relu %s : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> loc("ra_relu")
  return %r : tensor<1x2x4x4xf32>
}

// -----

// Without an activation after it (the sum has two users) the Add's own key
// and the full int8 clamp; s_c / s_y = 2^-19 * 4/8.
// CHECK-LABEL: func.func @add_two_users
// CHECK: %[[S:.*]] = nn.add {{.*}} : (tensor<1x2x4x4xi32>, tensor<1x2x4x4xi32>) -> tensor<1x2x4x4xi32>
// CHECK: %[[Y:.*]] = nn.requantize %[[S]] {multiplier = array<i32: 1073741824>, nn.quant_key = "ar_sum", nn.quant_scale = 0.031372550874948502 : f64, nn.quant_zero_point = -32 : i64, shift = array<i32: 50>, zero_point = -32 : i32} : (tensor<1x2x4x4xi32>) -> tensor<1x2x4x4xi8> loc("ar_sum")
// CHECK: nn.dequantize %[[Y]]
// CHECK: nn.clip %[[Y]]
func.func @add_two_users(%x: tensor<1x2x4x4xf32> {nn.name = "ar_in"}) -> (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) {
  %w = nn.constant dense<[[[[1.0]], [[0.5]]], [[[-1.0]], [[0.25]]]]> : tensor<2x2x1x1xf32> loc("ar_c1.weight")
  %none = nn.none
  %a = nn.conv %x, %w, %none : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>, none) -> tensor<1x2x4x4xf32> loc("ar_c1")
  %b = nn.conv %a, %w, %none : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>, none) -> tensor<1x2x4x4xf32> loc("ar_c2")
  %s = nn.add %a, %b : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> loc("ar_sum")
  %r = nn.relu %s : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> loc("ar_relu")
  return %s, %r : tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>
}

// -----

// An Add of a float tensor (a graph input read by no integer op) and an int8
// one stays float, with the reason.
// CHECK-LABEL: func.func @negative_add_float_operand
// CHECK: %[[C:.*]] = nn.requantize {{.*}}nn.quant_key = "nf_c"
// CHECK: %[[D:.*]] = nn.dequantize %[[C]]
// CHECK: nn.add %arg1, %[[D]] {nn.quant_float = "add: not quantized"} : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
func.func @negative_add_float_operand(%x: tensor<1x2x4x4xf32> {nn.name = "nf_in"}, %y: tensor<1x2x4x4xf32> {nn.name = "nf_b"}) -> tensor<1x2x4x4xf32> {
  %w = nn.constant dense<[[[[1.0]], [[0.5]]], [[[-1.0]], [[0.25]]]]> : tensor<2x2x1x1xf32> loc("nf_c.weight")
  %none = nn.none
  %c = nn.conv %x, %w, %none : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>, none) -> tensor<1x2x4x4xf32> loc("nf_c")
  %s = nn.add %y, %c : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> loc("nf_sum")
  return %s : tensor<1x2x4x4xf32>
}

// -----

// GlobalAveragePool of an int8 value: the i32 sum of q - z_x over H x W,
// requantized by s_x / (s_y * 16) = (4/255) / (2/255 * 16) = 2^30 * 2^-33;
// the Flatten after it stays on int8.
// CHECK-LABEL: func.func @global_average_pool
// CHECK: %[[C:.*]] = nn.requantize {{.*}}nn.quant_key = "gp_c"{{.*}}zero_point = -64 : i32}
// CHECK: %[[W:.*]] = nn.cast %[[C]] {to = i32} : (tensor<1x2x4x4xi8>) -> tensor<1x2x4x4xi32> loc("gp")
// CHECK: %[[ZP:.*]] = nn.constant dense<-64> : tensor<i32>
// CHECK: %[[S:.*]] = nn.sub %[[W]], %[[ZP]]
// CHECK: %[[AX:.*]] = nn.constant dense<[2, 3]> : tensor<2xi64>
// CHECK: %[[R:.*]] = nn.reduce_sum %[[S]], %[[AX]] : (tensor<1x2x4x4xi32>, tensor<2xi64>) -> tensor<1x2x1x1xi32> loc("gp")
// CHECK: %[[Y:.*]] = nn.requantize %[[R]] {multiplier = array<i32: 1073741824>, nn.quant_key = "gp", nn.quant_scale = 0.0078431377187371254 : f64, nn.quant_zero_point = -64 : i64, shift = array<i32: 33>, zero_point = -64 : i32} : (tensor<1x2x1x1xi32>) -> tensor<1x2x1x1xi8> loc("gp")
// CHECK: %[[F:.*]] = nn.flatten %[[Y]] {{{.*}}nn.quant_key = "gp_flat"{{.*}}} : (tensor<1x2x1x1xi8>) -> tensor<1x2xi8>
// CHECK-NOT: nn.global_average_pool
// CHECK: return
func.func @global_average_pool(%x: tensor<1x2x4x4xf32> {nn.name = "gp_in"}) -> tensor<1x2xf32> {
  %w = nn.constant dense<[[[[1.0]], [[0.5]]], [[[-1.0]], [[0.25]]]]> : tensor<2x2x1x1xf32> loc("gp_c.weight")
  %none = nn.none
  %c = nn.conv %x, %w, %none : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>, none) -> tensor<1x2x4x4xf32> loc("gp_c")
  %p = nn.global_average_pool %c : (tensor<1x2x4x4xf32>) -> tensor<1x2x1x1xf32> loc("gp")
  %f = nn.flatten %p : (tensor<1x2x1x1xf32>) -> tensor<1x2xf32> loc("gp_flat")
  return %f : tensor<1x2xf32>
}
