// RUN: tessera-opt %s -tessera-shape-inference=require-static -split-input-file -verify-diagnostics

// With require-static, the first dynamic tensor left is an error at its op.
// Every input is static here: the shape comes from an input's values.
func.func @dynamic_left(%x: tensor<6xf32>, %s: tensor<2xi64>) -> tensor<?x?xf32> {
  // expected-error @+1 {{result has dynamic shape 'tensor<?x?xf32>' after shape inference: its size depends on the values of the inputs (data-dependent shapes are unsupported)}}
  %r = nn.reshape %x, %s : (tensor<6xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  return %r : tensor<?x?xf32>
}

// -----

// A dynamic input dim that was not pinned.
func.func @dynamic_input(%x: tensor<?x3xf32>) -> tensor<?x3xf32> {
  // expected-error @+1 {{result has dynamic shape 'tensor<?x3xf32>' after shape inference; pin the model's dynamic input dims with --input-shape}}
  %r = nn.relu %x : (tensor<?x3xf32>) -> tensor<?x3xf32>
  return %r : tensor<?x3xf32>
}

// -----

// NonZero of a runtime tensor: the count of nonzero values is data.
func.func @non_zero_runtime(%x: tensor<2x2xf32>) -> tensor<2x?xi64> {
  // expected-error @+1 {{its size depends on the values of the inputs (data-dependent shapes are unsupported)}}
  %r = nn.non_zero %x : (tensor<2x2xf32>) -> tensor<2x?xi64>
  return %r : tensor<2x?xi64>
}
