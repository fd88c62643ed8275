// RUN: tessera-opt %s -split-input-file -tessera-shape-inference | FileCheck %s

// Result types are refined from shape functions; folding in between makes a
// PyTorch-style flatten static, and the function type follows.

// CHECK-LABEL: func.func @flatten_pattern
// CHECK-SAME:    -> tensor<1x256xf32>
func.func @flatten_pattern(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<*xf32> {
  %none = nn.none
  // CHECK: %[[S:.*]] = nn.constant dense<[1, -1]> : tensor<2xi64>
  // CHECK: nn.conv {{.*}} -> tensor<1x4x8x8xf32>
  %y = nn.conv %x, %w, %none {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, none) -> tensor<*xf32>
  %s = nn.shape %y : (tensor<*xf32>) -> tensor<?xi64>
  %i = nn.constant dense<0> : tensor<1xi64>
  %g = nn.gather %s, %i : (tensor<?xi64>, tensor<1xi64>) -> tensor<?xi64>
  %m = nn.constant dense<-1> : tensor<1xi64>
  %c = nn.concat %g, %m {axis = 0 : i64} : (tensor<?xi64>, tensor<1xi64>) -> tensor<?xi64>
  // CHECK: nn.reshape %{{.*}}, %[[S]] : (tensor<1x4x8x8xf32>, tensor<2xi64>) -> tensor<1x256xf32>
  %r = nn.reshape %y, %c : (tensor<*xf32>, tensor<?xi64>) -> tensor<*xf32>
  return %r : tensor<*xf32>
}

// -----

// Split results and multi-result ops are refined one by one.
// CHECK-LABEL: func.func @split
// CHECK-SAME:    -> (tensor<2x4xf32>, tensor<4x4xf32>)
func.func @split(%x: tensor<6x4xf32>) -> (tensor<?x?xf32>, tensor<?x4xf32>) {
  %s = nn.constant dense<[2, 4]> : tensor<2xi64>
  // CHECK: nn.split {{.*}} -> (tensor<2x4xf32>, tensor<4x4xf32>)
  %a, %b = nn.split %x, %s : (tensor<6x4xf32>, tensor<2xi64>) -> (tensor<?x?xf32>, tensor<?x4xf32>)
  return %a, %b : tensor<?x?xf32>, tensor<?x4xf32>
}

// -----

// A value that stays unknown stays dynamic.
// CHECK-LABEL: func.func @negative_unknown_shape
func.func @negative_unknown_shape(%x: tensor<6xf32>, %s: tensor<2xi64>) -> tensor<?x?xf32> {
  // CHECK: nn.reshape {{.*}} -> tensor<?x?xf32>
  %r = nn.reshape %x, %s : (tensor<6xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  return %r : tensor<?x?xf32>
}

// -----

// NonZero of a constant folds to the coordinates of its nonzero values.
// CHECK-LABEL: func.func @non_zero_constant
// CHECK-SAME:    -> tensor<2x3xi64>
// CHECK:         %[[C:.*]] = nn.constant dense<{{\[\[}}0, 1, 1], [1, 0, 2]]> : tensor<2x3xi64>
// CHECK:         return %[[C]]
func.func @non_zero_constant() -> tensor<?x?xi64> {
  %x = nn.constant dense<[[0.0, 2.0, 0.0], [-1.0, 0.0, 0.5]]> : tensor<2x3xf32>
  %r = nn.non_zero %x : (tensor<2x3xf32>) -> tensor<?x?xi64>
  return %r : tensor<?x?xi64>
}
