// RUN: tessera-opt %s -split-input-file --tessera-quantize=stats=%S/Inputs/quantize-stats.json -mlir-print-debuginfo -mlir-print-local-scope | FileCheck %s
// RUN: tessera-opt %s -split-input-file '--tessera-quantize=stats=%S/Inputs/quantize-stats.json activations=symmetric per-channel=false' | FileCheck %s --check-prefix=SYM

// The integer graph from the statistics of Inputs/quantize-stats.json (min/max
// observer, asymmetric activations, per-channel weights). input [-2, 2]:
// scale 4/255, zero point 0; relu [0, 3]: zero point -128; conv weights
// [0.5, -0.25] and [1, 0.125]: scales 0.5/127 and 1/127, int8 [127, -64] and
// [127, 16]; bias 0.1 / (4/255 * 0.5/127) = 1619 (channel 0).
// CHECK-LABEL: func.func @conv_relu_pool_gemm
// CHECK: %[[X:.*]] = nn.quantize %arg0 {nn.quant_key = "input", nn.quant_scale = 0.015686275437474251 : f64, nn.quant_zero_point = 0 : i64, scale = array<f32: 0.0156862754>, zero_point = array<i32: 0>} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xi8>
// CHECK-DAG: %[[W:.*]] = nn.constant dense<{{\[\[\[\[}}127]], {{\[\[}}-64]]], {{\[\[\[}}127]], {{\[\[}}16]]]]> : tensor<2x2x1x1xi8> loc("conv.weight")
// CHECK-DAG: %[[XZP:.*]] = nn.constant dense<0> : tensor<i8>
// CHECK: %[[ACC:.*]] = nn.conv_integer %[[X]], %[[W]], %[[XZP]], %{{.*}} : (tensor<1x2x4x4xi8>, tensor<2x2x1x1xi8>, tensor<i8>, none) -> tensor<1x2x4x4xi32> loc("conv")
// CHECK: %[[B:.*]] = nn.constant dense<{{\[\[\[\[}}1619]], {{\[\[}}-1619]]]]> : tensor<1x2x1x1xi32> loc("conv.bias")
// CHECK: %[[ACCB:.*]] = nn.add %[[ACC]], %[[B]] : (tensor<1x2x4x4xi32>, tensor<1x2x1x1xi32>) -> tensor<1x2x4x4xi32> loc("conv")
// CHECK: %[[R:.*]] = nn.requantize %[[ACCB]] {axis = 1 : i64, multiplier = array<i32: 1442928702, 1442928702>, nn.quant_key = "relu", nn.quant_scale = 0.011764706112444401 : f64, nn.quant_zero_point = -128 : i64, shift = array<i32: 38, 37>, zero_point = -128 : i32} : (tensor<1x2x4x4xi32>) -> tensor<1x2x4x4xi8> loc(fused["conv", "relu"])
// CHECK: %[[P:.*]], %{{.*}} = nn.max_pool %[[R]] {{{.*}}nn.quant_key = "pool:0", nn.quant_scale = 0.011764706112444401 : f64, nn.quant_zero_point = -128 : i64{{.*}}} : (tensor<1x2x4x4xi8>) -> (tensor<1x2x2x2xi8>, tensor<1x2x2x2xi64>) loc("pool")
// CHECK: %[[F:.*]] = nn.flatten %[[P]] {{{.*}}nn.quant_key = "flat"{{.*}}} : (tensor<1x2x2x2xi8>) -> tensor<1x8xi8> loc("flat")
// Gemm with transB: the weights as [K, N] for matmul_integer, the input's
// zero point -128, the bias per column.
// CHECK-DAG: %[[FW:.*]] = nn.constant dense<127> : tensor<8x3xi8> loc("fc.weight")
// CHECK-DAG: %[[FZP:.*]] = nn.constant dense<-128> : tensor<i8>
// CHECK: %[[G:.*]] = nn.matmul_integer %[[F]], %[[FW]], %[[FZP]], %{{.*}} : (tensor<1x8xi8>, tensor<8x3xi8>, tensor<i8>, none) -> tensor<1x3xi32> loc("fc")
// CHECK: %[[FB:.*]] = nn.constant dense<[43180, 0, -43180]> : tensor<3xi32>
// CHECK: %[[GB:.*]] = nn.add %[[G]], %[[FB]] : (tensor<1x3xi32>, tensor<3xi32>) -> tensor<1x3xi32>
// CHECK: %[[Y:.*]] = nn.requantize %[[GB]] {axis = 1 : i64, {{.*}}nn.quant_key = "fc"{{.*}}zero_point = -86 : i32}
// CHECK: %[[D:.*]] = nn.dequantize %[[Y]] {scale = array<f32: 0.0235294122>, zero_point = array<i32: -86>} : (tensor<1x3xi8>) -> tensor<1x3xf32>
// CHECK: %[[S:.*]] = nn.softmax %[[D]] {axis = 1 : i64, nn.quant_float = "softmax: not quantized"}
// CHECK: return %[[S]]
// Symmetric activations (zero point 0, scale max|x| / 127: the ReLU clamps
// at 0) and one weight scale per tensor.
// SYM-LABEL: func.func @conv_relu_pool_gemm
// SYM: nn.quantize %arg0 {nn.quant_key = "input", nn.quant_scale = 0.015748031437397003 : f64, nn.quant_zero_point = 0 : i64, scale = array<f32: 0.0157480314>, zero_point = array<i32: 0>}
// SYM: nn.requantize %{{.*}} {clamp_lo = 0 : i32, multiplier = array<i32: 1442928645>, nn.quant_key = "relu", {{.*}}shift = array<i32: 38>} : (tensor<1x2x4x4xi32>) -> tensor<1x2x4x4xi8>
// SYM: nn.requantize %{{.*}} {multiplier = array<i32: 1298635781>, nn.quant_key = "fc", {{.*}}shift = array<i32: 40>} : (tensor<1x3xi32>) -> tensor<1x3xi8>
func.func @conv_relu_pool_gemm(%x: tensor<1x2x4x4xf32> {nn.name = "input"}) -> tensor<1x3xf32> {
  %w = nn.constant dense<[[[[0.5]], [[-0.25]]], [[[1.0]], [[0.125]]]]> : tensor<2x2x1x1xf32> loc("conv.weight")
  %b = nn.constant dense<[0.1, -0.2]> : tensor<2xf32> loc("conv.bias")
  %c = nn.conv %x, %w, %b : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32> loc("conv")
  %r = nn.relu %c : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> loc("relu")
  %p, %i = nn.max_pool %r {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<1x2x4x4xf32>) -> (tensor<1x2x2x2xf32>, tensor<1x2x2x2xi64>) loc("pool")
  %f = nn.flatten %p {axis = 1 : i64} : (tensor<1x2x2x2xf32>) -> tensor<1x8xf32> loc("flat")
  %fw = nn.constant dense<0.25> : tensor<3x8xf32> loc("fc.weight")
  %fb = nn.constant dense<[1.0, 0.0, -1.0]> : tensor<3xf32> loc("fc.bias")
  %g = nn.gemm %f, %fw, %fb {transB = 1 : i64} : (tensor<1x8xf32>, tensor<3x8xf32>, tensor<3xf32>) -> tensor<1x3xf32> loc("fc")
  %s = nn.softmax %g {axis = 1 : i64} : (tensor<1x3xf32>) -> tensor<1x3xf32> loc("sm")
  return %s : tensor<1x3xf32>
}

// -----

// Depthwise (group 2) Conv without bias; the Clip(0, 6) after it is the
// clamp: relu6 [0, 8] has zero point -128, 6 is -128 + 191.25 -> 63.
// CHECK-LABEL: func.func @depthwise_relu6
// CHECK: nn.conv_integer {{.*}} {group = 2 : i64, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x2x4x4xi8>, tensor<2x1x3x3xi8>, tensor<i8>, none) -> tensor<1x2x4x4xi32> loc("dw")
// CHECK-NOT: nn.add
// CHECK: nn.requantize {{.*}} {axis = 1 : i64, clamp_hi = 63 : i32, {{.*}}nn.quant_key = "relu6"{{.*}} loc(fused["dw", "relu6"])
// CHECK-NOT: nn.clip
// CHECK: return
func.func @depthwise_relu6(%x: tensor<1x2x4x4xf32> {nn.name = "dw_in"}) -> tensor<1x2x4x4xf32> {
  %w = nn.constant dense<[[[[0.0, 0.5, 0.0], [0.5, 1.0, 0.5], [0.0, 0.5, 0.0]]], [[[0.0, 0.0, 0.0], [0.0, -2.0, 0.0], [0.0, 0.0, 0.0]]]]> : tensor<2x1x3x3xf32> loc("dw.weight")
  %none = nn.none
  %c = nn.conv %x, %w, %none {group = 2 : i64, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x2x4x4xf32>, tensor<2x1x3x3xf32>, none) -> tensor<1x2x4x4xf32> loc("dw")
  %lo = nn.constant dense<0.0> : tensor<f32>
  %hi = nn.constant dense<6.0> : tensor<f32>
  %r = nn.clip %c, %lo, %hi : (tensor<1x2x4x4xf32>, tensor<f32>, tensor<f32>) -> tensor<1x2x4x4xf32> loc("relu6")
  return %r : tensor<1x2x4x4xf32>
}

// -----

// MatMul with a rank-3 input: per-channel over the last axis. The Add of
// two quantized tensors runs in integers (quantize-add.mlir): both operands
// at scale 8/255 rescaled to 2 * 8/255 / 2^20, the sum (scale 16/255) by
// 2^-20.
// CHECK-LABEL: func.func @matmul_add
// CHECK: %[[A:.*]] = nn.requantize {{.*}} {axis = 2 : i64, {{.*}}nn.quant_key = "mm"
// CHECK: %[[B:.*]] = nn.requantize {{.*}} {axis = 2 : i64, {{.*}}nn.quant_key = "mm2"
// CHECK: %[[AW:.*]] = nn.cast %[[A]] {to = i32}
// CHECK: %[[AR:.*]] = nn.requantize %[[AW]] {clamp_hi = 2147483647 : i32, clamp_lo = -2147483648 : i32, multiplier = array<i32: 1073741824>, shift = array<i32: 11>} : (tensor<1x4x2xi32>) -> tensor<1x4x2xi32>
// CHECK: %[[BW:.*]] = nn.cast %[[B]] {to = i32}
// CHECK: %[[BR:.*]] = nn.requantize %[[BW]]
// CHECK: %[[S:.*]] = nn.add %[[AR]], %[[BR]] : (tensor<1x4x2xi32>, tensor<1x4x2xi32>) -> tensor<1x4x2xi32>
// CHECK: %[[Y:.*]] = nn.requantize %[[S]] {multiplier = array<i32: 1073741824>, nn.quant_key = "sum", nn.quant_scale = 0.062745101749897003 : f64, nn.quant_zero_point = 0 : i64, shift = array<i32: 50>} : (tensor<1x4x2xi32>) -> tensor<1x4x2xi8>
// CHECK: nn.dequantize %[[Y]]
func.func @matmul_add(%x: tensor<1x4x8xf32> {nn.name = "mm_in"}) -> tensor<1x4x2xf32> {
  %w = nn.constant dense<[[1.0, -1.0], [0.5, 0.25], [0.0, 1.0], [1.0, 1.0], [-1.0, 0.0], [0.5, -0.5], [0.25, 0.0], [1.0, 2.0]]> : tensor<8x2xf32> loc("mm.weight")
  %a = nn.matmul %x, %w : (tensor<1x4x8xf32>, tensor<8x2xf32>) -> tensor<1x4x2xf32> loc("mm")
  %b = nn.matmul %x, %w : (tensor<1x4x8xf32>, tensor<8x2xf32>) -> tensor<1x4x2xf32> loc("mm2")
  %s = nn.add %a, %b : (tensor<1x4x2xf32>, tensor<1x4x2xf32>) -> tensor<1x4x2xf32> loc("sum")
  return %s : tensor<1x4x2xf32>
}

// -----

// Concat of two int8 tensors of one scale and zero point runs on int8.
// CHECK-LABEL: func.func @concat_one_scale
// CHECK: %[[A:.*]] = nn.requantize {{.*}}nn.quant_key = "ca"
// CHECK: %[[B:.*]] = nn.requantize {{.*}}nn.quant_key = "cb"
// CHECK: %[[C:.*]] = nn.concat %[[A]], %[[B]] {axis = 1 : i64, nn.quant_key = "cat", nn.quant_scale = 0.015686275437474251 : f64, nn.quant_zero_point = 0 : i64} : (tensor<1x2x2x2xi8>, tensor<1x2x2x2xi8>) -> tensor<1x4x2x2xi8>
// CHECK: nn.dequantize %[[C]]
func.func @concat_one_scale(%x: tensor<1x2x2x2xf32> {nn.name = "cat_in"}) -> tensor<1x4x2x2xf32> {
  %w = nn.constant dense<[[[[1.0]], [[0.5]]], [[[-1.0]], [[0.25]]]]> : tensor<2x2x1x1xf32> loc("ca.weight")
  %none = nn.none
  %a = nn.conv %x, %w, %none : (tensor<1x2x2x2xf32>, tensor<2x2x1x1xf32>, none) -> tensor<1x2x2x2xf32> loc("ca")
  %b = nn.conv %x, %w, %none {pads = array<i64: 0, 0, 0, 0>} : (tensor<1x2x2x2xf32>, tensor<2x2x1x1xf32>, none) -> tensor<1x2x2x2xf32> loc("cb")
  %c = nn.concat %a, %b {axis = 1 : i64} : (tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>) -> tensor<1x4x2x2xf32> loc("cat")
  return %c : tensor<1x4x2x2xf32>
}

// -----

// A Conv with non-constant weights stays float, with the reason; its result
// is quantized for the Conv after it.
// CHECK-LABEL: func.func @negative_conv_nonconst_weights
// CHECK: %[[C:.*]] = nn.conv %arg0, %arg1, %{{.*}} {nn.quant_float = "Conv with non-constant weights: computed in float"} : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>, none) -> tensor<1x2x4x4xf32>
// CHECK: nn.quantize %[[C]] {nn.quant_key = "nc"
// CHECK: nn.conv_integer
// CHECK: nn.requantize {{.*}}nn.quant_key = "nc2"
func.func @negative_conv_nonconst_weights(%x: tensor<1x2x4x4xf32> {nn.name = "nc_in"}, %w: tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32> {
  %none = nn.none
  %c = nn.conv %x, %w, %none : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>, none) -> tensor<1x2x4x4xf32> loc("nc")
  %w2 = nn.constant dense<[[[[1.0]], [[0.5]]], [[[-1.0]], [[0.25]]]]> : tensor<2x2x1x1xf32> loc("nc2.weight")
  %d = nn.conv %c, %w2, %none : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>, none) -> tensor<1x2x4x4xf32> loc("nc2")
  return %d : tensor<1x2x4x4xf32>
}

// -----

// A ReLU of an int8 value (not right after a Conv) is an int8 clip at the
// zero point (rt_pool [-2, 2]: 0); the Transpose after it runs on int8.
// CHECK-LABEL: func.func @int8_relu_transpose
// CHECK: %[[P:.*]], %{{.*}} = nn.max_pool {{.*}} -> (tensor<1x2x2x2xi8>, tensor<1x2x2x2xi64>)
// CHECK: %[[ZP:.*]] = nn.constant dense<0> : tensor<i8> loc("rt_relu")
// CHECK: %[[R:.*]] = nn.clip %[[P]], %[[ZP]], %{{.*}} {nn.quant_key = "rt_relu", nn.quant_scale = 0.015686275437474251 : f64, nn.quant_zero_point = 0 : i64} : (tensor<1x2x2x2xi8>, tensor<i8>, none) -> tensor<1x2x2x2xi8> loc("rt_relu")
// CHECK: %[[T:.*]] = nn.transpose %[[R]] {nn.quant_key = "rt_t", {{.*}}} : (tensor<1x2x2x2xi8>) -> tensor<2x2x2x1xi8>
// CHECK: nn.dequantize %[[T]]
func.func @int8_relu_transpose(%x: tensor<1x2x4x4xf32> {nn.name = "rt_in"}) -> tensor<2x2x2x1xf32> {
  %w = nn.constant dense<[[[[1.0]], [[0.5]]], [[[-1.0]], [[0.25]]]]> : tensor<2x2x1x1xf32> loc("rt_conv.weight")
  %none = nn.none
  %c = nn.conv %x, %w, %none : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>, none) -> tensor<1x2x4x4xf32> loc("rt_conv")
  %p, %i = nn.max_pool %c {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<1x2x4x4xf32>) -> (tensor<1x2x2x2xf32>, tensor<1x2x2x2xi64>) loc("rt_pool")
  %r = nn.relu %p : (tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32> loc("rt_relu")
  %t = nn.transpose %r {perm = array<i64: 3, 1, 2, 0>} : (tensor<1x2x2x2xf32>) -> tensor<2x2x2x1xf32> loc("rt_t")
  return %t : tensor<2x2x2x1xf32>
}
