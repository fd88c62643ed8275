// RUN: tessera-opt %s -split-input-file -tessera-expose-activations | FileCheck %s
// RUN: tessera-opt %s -split-input-file -tessera-expose-activations=quantized=true | FileCheck %s --check-prefix=QUANT

// Every float op result of @main (not constants, not the arguments) is
// appended as a result named by its quantization key, after the model's own
// outputs; a value returned already is returned again under its key.
// CHECK-LABEL: func.func @main
// CHECK-SAME: -> (tensor<1x2xf32> {nn.name = "y"}, tensor<1x2xf32> {nn.name = "fc"}, tensor<1x2xf32> {nn.name = "act"})
// CHECK: %[[FC:.*]] = nn.gemm
// CHECK: %[[ACT:.*]] = nn.relu %[[FC]]
// CHECK: return %[[ACT]], %[[FC]], %[[ACT]]
// A float graph has no nn.quant_key: quantized=true leaves it unchanged.
// QUANT-LABEL: func.func @main(%arg0: tensor<1x3xf32>
// QUANT-SAME: -> (tensor<1x2xf32> {nn.name = "y"}) {
// QUANT: return %{{.*}} : tensor<1x2xf32>
func.func @main(%x: tensor<1x3xf32> {nn.name = "x"}) -> (tensor<1x2xf32> {nn.name = "y"}) {
  %w = nn.constant dense<1.0> : tensor<2x3xf32> loc("w")
  %b = nn.constant dense<0.5> : tensor<2xf32> loc("b")
  %fc = nn.gemm %x, %w, %b {transB = 1 : i64} : (tensor<1x3xf32>, tensor<2x3xf32>, tensor<2xf32>) -> tensor<1x2xf32> loc("fc")
  %y = nn.relu %fc : (tensor<1x2xf32>) -> tensor<1x2xf32> loc("act")
  return %y : tensor<1x2xf32>
}

// -----

// Merged nodes give one key joined with '+'; repeats get "#n".
// CHECK-LABEL: func.func @main
// CHECK-SAME: {nn.name = "out"}, tensor<4xf32> {nn.name = "a+b"}, tensor<4xf32> {nn.name = "a+b#1"})
func.func @main(%x: tensor<4xf32> {nn.name = "x"}) -> (tensor<4xf32> {nn.name = "out"}) {
  %0 = nn.relu %x : (tensor<4xf32>) -> tensor<4xf32> loc(fused["a", "b"])
  %1 = nn.relu %0 : (tensor<4xf32>) -> tensor<4xf32> loc(fused["a", "b"])
  return %1 : tensor<4xf32>
}

// -----

// Only @main is the model.
// CHECK-LABEL: func.func @negative_not_main
// CHECK-SAME: -> tensor<4xf32>
// CHECK: return %{{.*}} : tensor<4xf32>
func.func @negative_not_main(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = nn.relu %x : (tensor<4xf32>) -> tensor<4xf32> loc("r")
  return %0 : tensor<4xf32>
}

// -----

// The quantized graph: only the ops with nn.quant_key, under that key (the
// float ops and the int8 ops without a key stay internal).
// QUANT-LABEL: func.func @main(%arg0: tensor<8xf32>
// QUANT-SAME: -> (tensor<8xf32> {nn.name = "y"}, tensor<8xi8> {nn.name = "x"}, tensor<8xi8> {nn.name = "r"})
// QUANT: %[[Q:.*]] = nn.quantize
// QUANT: %[[R:.*]] = nn.relu %[[Q]]
// QUANT: return %{{.*}}, %[[Q]], %[[R]]
func.func @main(%x: tensor<8xf32> {nn.name = "x"}) -> (tensor<8xf32> {nn.name = "y"}) {
  %q = nn.quantize %x {scale = array<f32: 0.5>, zero_point = array<i32: 0>, nn.quant_key = "x", nn.quant_scale = 0.5 : f64, nn.quant_zero_point = 0 : i64} : (tensor<8xf32>) -> tensor<8xi8>
  %r = nn.relu %q {nn.quant_key = "r", nn.quant_scale = 0.5 : f64, nn.quant_zero_point = 0 : i64} : (tensor<8xi8>) -> tensor<8xi8> loc("r")
  %y = nn.dequantize %r {scale = array<f32: 0.5>, zero_point = array<i32: 0>} : (tensor<8xi8>) -> tensor<8xf32>
  return %y : tensor<8xf32>
}
