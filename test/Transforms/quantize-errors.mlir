// RUN: tessera-opt %s -split-input-file -verify-diagnostics --tessera-quantize=stats=%S/Inputs/quantize-stats.json

// An activation the statistics do not hold (here the graph input).
// expected-error @+1 {{no calibration statistics for activation 'not_calibrated'}}
func.func @missing_key(%x: tensor<1x2x4x4xf32> {nn.name = "not_calibrated"}) -> tensor<1x2x4x4xf32> {
  %w = nn.constant dense<0.5> : tensor<2x2x1x1xf32>
  %none = nn.none
  %c = nn.conv %x, %w, %none : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>, none) -> tensor<1x2x4x4xf32> loc("conv")
  return %c : tensor<1x2x4x4xf32>
}

// -----

// No Conv, Gemm or MatMul with constant weights.
// expected-error @+1 {{nothing to quantize: the model has no Conv, Gemm or MatMul with constant weights}}
func.func @nothing_to_quantize(%x: tensor<1x4xf32> {nn.name = "input"}, %w: tensor<4x4xf32>) -> tensor<1x4xf32> {
  %m = nn.matmul %x, %w : (tensor<1x4xf32>, tensor<4x4xf32>) -> tensor<1x4xf32> loc("mm")
  %r = nn.relu %m : (tensor<1x4xf32>) -> tensor<1x4xf32> loc("relu")
  return %r : tensor<1x4xf32>
}

// -----

// A bias that int32 cannot hold at scale s_x * s_w (tiny input range and
// weights, a large bias) saturates, with a warning at the bias.
func.func @bias_saturates(%x: tensor<1x2xf32> {nn.name = "sat_in"}) -> tensor<1x2xf32> {
  %w = nn.constant dense<0.001> : tensor<2x2xf32>
  // expected-warning @+1 {{int32 bias of channel 0 saturates}}
  %b = nn.constant dense<[1000.0, 0.0]> : tensor<2xf32>
  %g = nn.gemm %x, %w, %b : (tensor<1x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<1x2xf32> loc("sat")
  return %g : tensor<1x2xf32>
}
