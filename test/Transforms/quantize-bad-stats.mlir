// An unreadable or damaged statistics file: the message of
// readCalibrationStats, at the function.
// RUN: tessera-opt %s -verify-diagnostics --tessera-quantize=stats=%S/Inputs/quantize-missing.json
// RUN: tessera-opt %s -verify-diagnostics --tessera-quantize=stats=%S/Inputs/quantize-corrupt.json

// expected-error-re @+1 {{Inputs/quantize-{{(missing.json: cannot read: .*|corrupt.json: at tensors\[0\].max: less than min)}}}}
func.func @bad_stats(%x: tensor<1x4xf32> {nn.name = "input"}) -> tensor<1x4xf32> {
  %w = nn.constant dense<0.5> : tensor<4x4xf32>
  %m = nn.matmul %x, %w : (tensor<1x4xf32>, tensor<4x4xf32>) -> tensor<1x4xf32> loc("mm")
  return %m : tensor<1x4xf32>
}
