// RUN: tessera-opt %s -split-input-file -convert-nn-to-linalg -verify-diagnostics

// A Dropout in training mode has no lowering: the error is at the op.
func.func @dropout_training(%x: tensor<4xf32>) -> tensor<4xf32> {
  %none = nn.none
  %t = nn.constant dense<true> : tensor<i1>
  // expected-error @+1 {{failed to legalize operation 'nn.dropout'}}
  %y, %m = nn.dropout %x, %none, %t : (tensor<4xf32>, none, tensor<i1>) -> (tensor<4xf32>, tensor<4xi1>)
  return %y : tensor<4xf32>
}

// -----

// A repeated output label (a diagonal result) is a valid equation without a
// lowering.
func.func @negative_einsum_repeated_output(%x: tensor<3xf32>) -> tensor<3x3xf32> {
  // expected-error @+1 {{failed to legalize operation 'nn.einsum'}}
  %y = nn.einsum %x {equation = "i->ii"} : (tensor<3xf32>) -> tensor<3x3xf32>
  return %y : tensor<3x3xf32>
}

// -----

// DynamicQuantizeLinear reduces over all of x: a dynamic shape is left as is.
func.func @negative_dynamic_quantize_linear_dynamic(%x: tensor<?x3xf32>) -> tensor<f32> {
  // expected-error @+1 {{failed to legalize operation 'nn.dynamic_quantize_linear'}}
  %y, %s, %zp = nn.dynamic_quantize_linear %x : (tensor<?x3xf32>) -> (tensor<?x3xui8>, tensor<f32>, tensor<ui8>)
  return %s : tensor<f32>
}

// -----

// MaxUnpool's output_shape must be a constant: a computed one could differ
// from the declared result type.
func.func @max_unpool_runtime_output_shape(%x: tensor<1x1x2x2xf32>, %i: tensor<1x1x2x2xi64>, %s: tensor<4xi64>) -> tensor<1x1x5x5xf32> {
  // expected-error @+2 {{'nn.max_unpool' op output_shape must be a constant: a computed one gives a result shape that depends on input values}}
  // expected-error @+1 {{failed to legalize operation 'nn.max_unpool'}}
  %y = nn.max_unpool %x, %i, %s {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<1x1x2x2xf32>, tensor<1x1x2x2xi64>, tensor<4xi64>) -> tensor<1x1x5x5xf32>
  return %y : tensor<1x1x5x5xf32>
}
