// RUN: tessera-opt %s -tessera-shape-inference=require-static -verify-diagnostics

// With require-static, the first dynamic tensor left is an error at its op.
func.func @dynamic_left(%x: tensor<6xf32>, %s: tensor<2xi64>) -> tensor<?x?xf32> {
  // expected-error @+1 {{result has dynamic shape 'tensor<?x?xf32>' after shape inference; pin the model's dynamic input dims with --input-shape}}
  %r = nn.reshape %x, %s : (tensor<6xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  return %r : tensor<?x?xf32>
}
