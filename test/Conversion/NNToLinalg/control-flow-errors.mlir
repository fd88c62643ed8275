// RUN: tessera-opt %s -split-input-file -convert-nn-to-linalg -verify-diagnostics

// Scan outputs of a loop whose trip count is a runtime value have a
// data-dependent length.
func.func @loop_dynamic_scan(%m: tensor<i64>, %y0: tensor<2xf32>) -> tensor<?x2xf32> {
  %none = nn.none
  // expected-error @+1 {{'nn.loop' op has scan outputs but no constant trip count (or a condition that may end it early): their length depends on the values of the inputs (data-dependent shapes are unsupported)}}
  %y, %s = nn.loop %m, %none, %y0 : (tensor<i64>, none, tensor<2xf32>) -> (tensor<2xf32>, tensor<?x2xf32>) {
  ^bb0(%i: tensor<i64>, %ci: tensor<i1>, %yi: tensor<2xf32>):
    nn.yield %ci, %yi, %yi : tensor<i1>, tensor<2xf32>, tensor<2xf32>
  }
  return %s : tensor<?x2xf32>
}

// -----

// A constant trip count with a condition the body computes may end early.
func.func @loop_early_exit(%y0: tensor<2xf32>, %c: tensor<i1>) -> tensor<3x2xf32> {
  %m = nn.constant dense<3> : tensor<i64>
  %none = nn.none
  // expected-error @+1 {{'nn.loop' op has scan outputs but no constant trip count}}
  %y, %s = nn.loop %m, %none, %y0 : (tensor<i64>, none, tensor<2xf32>) -> (tensor<2xf32>, tensor<3x2xf32>) {
  ^bb0(%i: tensor<i64>, %ci: tensor<i1>, %yi: tensor<2xf32>):
    nn.yield %c, %yi, %yi : tensor<i1>, tensor<2xf32>, tensor<2xf32>
  }
  return %s : tensor<3x2xf32>
}
