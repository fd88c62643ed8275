// RUN: tessera-opt %s -split-input-file --tessera-quantize=stats=%S/Inputs/quantize-act-stats.json -mlir-print-debuginfo -mlir-print-local-scope | FileCheck %s

// A float activation of an int8 value becomes an nn.lookup_table: entry
// q + 128 is quantize(sigmoid(dequantize(q))). conv [-4, 4]: scale 8/255,
// zero point 0; sig [0, 1]: scale 1/255, zero point -128. Entry 0 (q = -128,
// x = -4.0157) is round(0.01772 * 255) - 128 = -123, entry 128 (x = 0) is
// round(127.5) - 128 = 0 (half to even), entry 255 (x = 3.98) is 127.
// CHECK-LABEL: func.func @sigmoid
// CHECK: %[[C:.*]] = nn.requantize {{.*}}nn.quant_key = "conv"
// CHECK: %[[T:.*]] = nn.lookup_table %[[C]] {nn.quant_key = "sig", nn.quant_scale = 0.0039215688593685627 : f64, nn.quant_zero_point = -128 : i64, table = dense<"0x85{{[0-9A-F]*}}"> : tensor<256xi8>} : (tensor<1x2x4x4xi8>) -> tensor<1x2x4x4xi8> loc("sig")
// CHECK-NOT: nn.sigmoid
// CHECK: nn.dequantize %[[T]]
func.func @sigmoid(%x: tensor<1x2x4x4xf32> {nn.name = "input"}) -> tensor<1x2x4x4xf32> {
  %w = nn.constant dense<0.5> : tensor<2x2x1x1xf32>
  %none = nn.none
  %c = nn.conv %x, %w, %none : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>, none) -> tensor<1x2x4x4xf32> loc("conv")
  %s = nn.sigmoid %c : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> loc("sig")
  return %s : tensor<1x2x4x4xf32>
}

// -----

// HardSwish written as x * clip(x + 3, 0, 6) / 6: one table for the chain,
// at the location of all four ops.
// CHECK-LABEL: func.func @hardswish_decomposed
// CHECK: %[[C:.*]] = nn.requantize {{.*}}nn.quant_key = "conv"
// CHECK: nn.lookup_table %[[C]] {nn.quant_key = "hs", {{.*}}table = dense<{{.*}}> : tensor<256xi8>} : (tensor<1x2x4x4xi8>) -> tensor<1x2x4x4xi8> loc(fused["hs_add", "hs_clip", "hs_div", "hs"])
// CHECK-NOT: nn.clip
// CHECK-NOT: nn.mul
// CHECK-NOT: nn.quant_float
func.func @hardswish_decomposed(%x: tensor<1x2x4x4xf32> {nn.name = "input"}) -> tensor<1x2x4x4xf32> {
  %w = nn.constant dense<0.5> : tensor<2x2x1x1xf32>
  %none = nn.none
  %three = nn.constant dense<3.0> : tensor<f32>
  %zero = nn.constant dense<0.0> : tensor<f32>
  %six = nn.constant dense<6.0> : tensor<f32>
  %c = nn.conv %x, %w, %none : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>, none) -> tensor<1x2x4x4xf32> loc("conv")
  %a = nn.add %c, %three : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32> loc("hs_add")
  %k = nn.clip %a, %zero, %six : (tensor<1x2x4x4xf32>, tensor<f32>, tensor<f32>) -> tensor<1x2x4x4xf32> loc("hs_clip")
  %d = nn.div %k, %six : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32> loc("hs_div")
  %m = nn.mul %c, %d : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> loc("hs")
  return %m : tensor<1x2x4x4xf32>
}

// -----

// An intermediate with another user ends the chain: sigmoid and tanh get a
// table each.
// CHECK-LABEL: func.func @chain_with_two_users
// CHECK: %[[S:.*]] = nn.lookup_table %{{.*}} {nn.quant_key = "sig"
// CHECK: nn.lookup_table %[[S]] {nn.quant_key = "tanh"
// CHECK-NOT: nn.quant_float
func.func @chain_with_two_users(%x: tensor<1x2x4x4xf32> {nn.name = "input"}) -> (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) {
  %w = nn.constant dense<0.5> : tensor<2x2x1x1xf32>
  %none = nn.none
  %c = nn.conv %x, %w, %none : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>, none) -> tensor<1x2x4x4xf32> loc("conv")
  %s = nn.sigmoid %c : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> loc("sig")
  %t = nn.tanh %s : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> loc("tanh")
  return %s, %t : tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>
}

// -----

// A sigmoid of a float value stays float; so does one whose output has no
// calibration statistics.
// CHECK-LABEL: func.func @negative_activations
// CHECK: nn.sigmoid %arg0 {nn.quant_float = "sigmoid: not quantized"}
// CHECK: nn.sigmoid %{{.*}} {nn.quant_float = "sigmoid: not quantized"} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> loc("nostats")
// CHECK-NOT: nn.lookup_table
func.func @negative_activations(%x: tensor<1x2x4x4xf32> {nn.name = "input"}) -> (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) {
  %w = nn.constant dense<0.5> : tensor<2x2x1x1xf32>
  %none = nn.none
  %f = nn.sigmoid %x : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> loc("sig")
  %c = nn.conv %x, %w, %none : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>, none) -> tensor<1x2x4x4xf32> loc("conv")
  %s = nn.sigmoid %c : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> loc("nostats")
  return %f, %s : tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>
}

// -----

// AveragePool 3x3, stride 2, pad 1, count_include_pad=1: the window sum of
// q - z_x as a conv_integer with one group per channel and weights 1, then a
// requantize by s_x / (s_y * 9) (8/255 / (8/255 * 9) = 1/9).
// CHECK-LABEL: func.func @average_pool
// CHECK: %[[C:.*]] = nn.requantize {{.*}}nn.quant_key = "conv"
// CHECK-DAG: %[[ONES:.*]] = nn.constant dense<1> : tensor<2x1x3x3xi8> loc("avg")
// CHECK-DAG: %[[ZP:.*]] = nn.constant dense<0> : tensor<i8> loc("avg")
// CHECK: %[[S:.*]] = nn.conv_integer %[[C]], %[[ONES]], %[[ZP]], %{{.*}} {group = 2 : i64, kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x2x4x4xi8>, tensor<2x1x3x3xi8>, tensor<i8>, none) -> tensor<1x2x2x2xi32> loc("avg")
// CHECK: nn.requantize %[[S]] {multiplier = array<i32: 1908874354>, nn.quant_key = "avg", {{.*}}shift = array<i32: 34>} : (tensor<1x2x2x2xi32>) -> tensor<1x2x2x2xi8> loc("avg")
// CHECK-NOT: nn.average_pool
func.func @average_pool(%x: tensor<1x2x4x4xf32> {nn.name = "input"}) -> tensor<1x2x2x2xf32> {
  %w = nn.constant dense<0.5> : tensor<2x2x1x1xf32>
  %none = nn.none
  %c = nn.conv %x, %w, %none : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>, none) -> tensor<1x2x4x4xf32> loc("conv")
  %a = nn.average_pool %c {count_include_pad = 1 : i64, kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x2x4x4xf32>) -> tensor<1x2x2x2xf32> loc("avg")
  return %a : tensor<1x2x2x2xf32>
}

// -----

// Padding without count_include_pad (a divisor per window) and ceil_mode
// stay float, with the reason.
// CHECK-LABEL: func.func @negative_average_pool
// CHECK: nn.average_pool {{.*}}nn.quant_float = "AveragePool with padding and count_include_pad=0 (a divisor per window): computed in float"
// CHECK: nn.average_pool {{.*}}nn.quant_float = "AveragePool with ceil_mode: computed in float"
func.func @negative_average_pool(%x: tensor<1x2x4x4xf32> {nn.name = "input"}) -> (tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>) {
  %w = nn.constant dense<0.5> : tensor<2x2x1x1xf32>
  %none = nn.none
  %c = nn.conv %x, %w, %none : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>, none) -> tensor<1x2x4x4xf32> loc("conv")
  %a = nn.average_pool %c {kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x2x4x4xf32>) -> tensor<1x2x2x2xf32> loc("avg")
  %b = nn.average_pool %c {ceil_mode = 1 : i64, kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<1x2x4x4xf32>) -> tensor<1x2x2x2xf32> loc("avg")
  return %a, %b : tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>
}
