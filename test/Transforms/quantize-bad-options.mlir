// Option values tessera-quantize does not know.
// RUN: tessera-opt %s -verify-diagnostics '--tessera-quantize=stats=%S/Inputs/quantize-stats.json observer=kl'
// RUN: tessera-opt %s -verify-diagnostics '--tessera-quantize=stats=%S/Inputs/quantize-stats.json activations=both'
// RUN: tessera-opt %s -verify-diagnostics '--tessera-quantize=stats=%S/Inputs/quantize-stats.json observer=percentile percentile=0'
// RUN: tessera-opt %s -verify-diagnostics --tessera-quantize

// expected-error-re @+1 {{tessera-quantize: {{(invalid observer 'kl' \(expected minmax, percentile or entropy\)|invalid activations 'both' \(expected symmetric or asymmetric\)|invalid percentile 0.* \(expected a value in \(0, 100\]\)|no calibration statistics file \(the stats option\))}}}}
func.func @bad_option(%x: tensor<1x4xf32> {nn.name = "input"}) -> tensor<1x4xf32> {
  %w = nn.constant dense<0.5> : tensor<4x4xf32>
  %m = nn.matmul %x, %w : (tensor<1x4xf32>, tensor<4x4xf32>) -> tensor<1x4xf32> loc("mm")
  return %m : tensor<1x4xf32>
}
