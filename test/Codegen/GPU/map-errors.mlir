// RUN: tessera-opt %s --tessera-gpu-map --split-input-file --verify-diagnostics

// The host code is the model's @main.
// expected-error @+1 {{the GPU target needs @main}}
module {
  func.func @forward(%a: tensor<4xf32>) -> tensor<4xf32> {
    return %a : tensor<4xf32>
  }
}
