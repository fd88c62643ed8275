// RUN: tessera-opt %s -split-input-file -canonicalize | FileCheck %s

// Folders of the shape-computing ops.

// CHECK-LABEL: func.func @shape_chain
func.func @shape_chain(%x: tensor<2x3x4xf32>) -> tensor<2xi64> {
  // CHECK-NEXT: %[[C:.*]] = nn.constant dense<[2, 12]> : tensor<2xi64>
  // CHECK-NEXT: return %[[C]]
  %s = nn.shape %x : (tensor<2x3x4xf32>) -> tensor<3xi64>
  %i = nn.constant dense<0> : tensor<i64>
  %n = nn.gather %s, %i : (tensor<3xi64>, tensor<i64>) -> tensor<i64>
  %axes = nn.constant dense<0> : tensor<1xi64>
  %n1 = nn.unsqueeze %n, %axes : (tensor<i64>, tensor<1xi64>) -> tensor<1xi64>
  %st = nn.constant dense<1> : tensor<1xi64>
  %en = nn.constant dense<3> : tensor<1xi64>
  %none = nn.none
  %tail = nn.slice %s, %st, %en, %none, %none : (tensor<3xi64>, tensor<1xi64>, tensor<1xi64>, none, none) -> tensor<2xi64>
  %p = nn.reduce_prod %tail {keepdims = 1 : i64} : (tensor<2xi64>) -> tensor<1xi64>
  %c = nn.concat %n1, %p {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>) -> tensor<2xi64>
  return %c : tensor<2xi64>
}

// -----

// CHECK-LABEL: func.func @shape_start_end
func.func @shape_start_end(%x: tensor<2x3x4xf32>) -> tensor<2xi64> {
  // CHECK-NEXT: %[[C:.*]] = nn.constant dense<[3, 4]> : tensor<2xi64>
  %s = nn.shape %x {start = -2 : i64} : (tensor<2x3x4xf32>) -> tensor<2xi64>
  return %s : tensor<2xi64>
}

// -----

// A dynamic dim keeps Shape from folding.
// CHECK-LABEL: func.func @negative_shape_dynamic
func.func @negative_shape_dynamic(%x: tensor<?x3xf32>) -> tensor<2xi64> {
  // CHECK-NEXT: nn.shape
  %s = nn.shape %x : (tensor<?x3xf32>) -> tensor<2xi64>
  return %s : tensor<2xi64>
}

// -----

// CHECK-LABEL: func.func @arith
func.func @arith() -> (tensor<2xi64>, tensor<2xi64>, tensor<2xi1>, tensor<2xi64>) {
  // CHECK-DAG: nn.constant dense<[5, -2]> : tensor<2xi64>
  // CHECK-DAG: nn.constant dense<[4, -3]> : tensor<2xi64>
  // CHECK-DAG: nn.constant dense<[false, true]> : tensor<2xi1>
  // CHECK-DAG: nn.constant dense<[-2, 1]> : tensor<2xi64>
  %a = nn.constant dense<[4, -3]> : tensor<2xi64>
  %b = nn.constant dense<1> : tensor<i64>
  %c = nn.constant dense<-2> : tensor<2xi64>
  %s = nn.add %a, %b : (tensor<2xi64>, tensor<i64>) -> tensor<2xi64>
  %m = nn.mul %a, %b : (tensor<2xi64>, tensor<i64>) -> tensor<2xi64>
  %e = nn.less %a, %b : (tensor<2xi64>, tensor<i64>) -> tensor<2xi1>
  // Integer division truncates toward zero.
  %d = nn.div %a, %c : (tensor<2xi64>, tensor<2xi64>) -> tensor<2xi64>
  return %s, %m, %e, %d : tensor<2xi64>, tensor<2xi64>, tensor<2xi1>, tensor<2xi64>
}

// -----

// CHECK-LABEL: func.func @negative_div_by_zero
func.func @negative_div_by_zero() -> tensor<1xi64> {
  // CHECK: nn.div
  %a = nn.constant dense<4> : tensor<1xi64>
  %z = nn.constant dense<0> : tensor<1xi64>
  %d = nn.div %a, %z : (tensor<1xi64>, tensor<1xi64>) -> tensor<1xi64>
  return %d : tensor<1xi64>
}

// -----

// The PyTorch pattern for dims equal to -1: Where(Equal(shape, -1), 1, shape).
// CHECK-LABEL: func.func @where_equal
func.func @where_equal() -> tensor<3xi64> {
  // CHECK-NEXT: %[[C:.*]] = nn.constant dense<[2, 1, 5]> : tensor<3xi64>
  %s = nn.constant dense<[2, -1, 5]> : tensor<3xi64>
  %m = nn.constant dense<-1> : tensor<i64>
  %one = nn.constant dense<1> : tensor<i64>
  %eq = nn.equal %s, %m : (tensor<3xi64>, tensor<i64>) -> tensor<3xi1>
  %w = nn.where %eq, %one, %s : (tensor<3xi1>, tensor<i64>, tensor<3xi64>) -> tensor<3xi64>
  return %w : tensor<3xi64>
}

// -----

// CHECK-LABEL: func.func @constant_of_shape_range
func.func @constant_of_shape_range() -> (tensor<2x2xi64>, tensor<3xi64>) {
  // CHECK-DAG: nn.constant dense<7> : tensor<2x2xi64>
  // CHECK-DAG: nn.constant dense<[1, 3, 5]> : tensor<3xi64>
  %s = nn.constant dense<[2, 2]> : tensor<2xi64>
  %c = nn.constant_of_shape %s {value = dense<7> : tensor<1xi64>} : (tensor<2xi64>) -> tensor<2x2xi64>
  %a = nn.constant dense<1> : tensor<i64>
  %b = nn.constant dense<6> : tensor<i64>
  %d = nn.constant dense<2> : tensor<i64>
  %r = nn.range %a, %b, %d : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<3xi64>
  return %c, %r : tensor<2x2xi64>, tensor<3xi64>
}

// -----

// CHECK-LABEL: func.func @transpose_tile_expand
func.func @transpose_tile_expand() -> (tensor<3x2xi64>, tensor<4xi64>, tensor<2x2xi64>) {
  // CHECK-DAG: nn.constant dense<{{\[}}[1, 4], [2, 5], [3, 6]]> : tensor<3x2xi64>
  // CHECK-DAG: nn.constant dense<[1, 2, 1, 2]> : tensor<4xi64>
  // CHECK-DAG: nn.constant dense<{{\[}}[1, 2], [1, 2]]> : tensor<2x2xi64>
  %a = nn.constant dense<[[1, 2, 3], [4, 5, 6]]> : tensor<2x3xi64>
  %t = nn.transpose %a : (tensor<2x3xi64>) -> tensor<3x2xi64>
  %v = nn.constant dense<[1, 2]> : tensor<2xi64>
  %r = nn.constant dense<2> : tensor<1xi64>
  %tile = nn.tile %v, %r : (tensor<2xi64>, tensor<1xi64>) -> tensor<4xi64>
  %s = nn.constant dense<[2, 2]> : tensor<2xi64>
  %e = nn.expand %v, %s : (tensor<2xi64>, tensor<2xi64>) -> tensor<2x2xi64>
  return %t, %tile, %e : tensor<3x2xi64>, tensor<4xi64>, tensor<2x2xi64>
}

// -----

// CHECK-LABEL: func.func @cast
func.func @cast() -> tensor<2xi64> {
  // Float to integer truncates toward zero.
  // CHECK-NEXT: nn.constant dense<[2, -2]> : tensor<2xi64>
  %a = nn.constant dense<[2.7, -2.7]> : tensor<2xf32>
  %c = nn.cast %a {to = i64} : (tensor<2xf32>) -> tensor<2xi64>
  return %c : tensor<2xi64>
}

// -----

// Identities.
// CHECK-LABEL: func.func @identities
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
func.func @identities(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // CHECK-NEXT: return %[[X]]
  %i = nn.identity %x : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %s = nn.constant dense<[2, 3]> : tensor<2xi64>
  %r = nn.reshape %i, %s : (tensor<2x3xf32>, tensor<2xi64>) -> tensor<2x3xf32>
  %none = nn.none
  %d, %mask = nn.dropout %r, %none, %none : (tensor<2x3xf32>, none, none) -> (tensor<2x3xf32>, tensor<2x3xi1>)
  return %d : tensor<2x3xf32>
}

// -----

// A Dropout in training mode is not an identity.
// CHECK-LABEL: func.func @negative_dropout_training
func.func @negative_dropout_training(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // CHECK: nn.dropout
  %none = nn.none
  %t = nn.constant dense<true> : tensor<i1>
  %d, %mask = nn.dropout %x, %none, %t : (tensor<2x3xf32>, none, tensor<i1>) -> (tensor<2x3xf32>, tensor<2x3xi1>)
  return %d : tensor<2x3xf32>
}

// -----

// Weights are never folded by the canonicalizer: this transpose stays.
// CHECK-LABEL: func.func @negative_large_transpose
func.func @negative_large_transpose() -> tensor<128x64xf32> {
  // CHECK: nn.transpose
  %w = nn.constant dense<1.0> : tensor<64x128xf32>
  %t = nn.transpose %w : (tensor<64x128xf32>) -> tensor<128x64xf32>
  return %t : tensor<128x64xf32>
}

// -----

// Folding is bounded: a splat above the cap and integer arithmetic that would
// overflow int64 stay as ops.
// CHECK-LABEL: func.func @negative_fold_bounds
func.func @negative_fold_bounds() -> (tensor<8192x8192xf32>, tensor<1xi64>, tensor<1xi64>) {
  // CHECK: nn.constant_of_shape
  // CHECK: nn.add
  // CHECK: nn.reduce_prod
  %s = nn.constant dense<8192> : tensor<2xi64>
  %c = nn.constant_of_shape %s : (tensor<2xi64>) -> tensor<8192x8192xf32>
  %big = nn.constant dense<9223372036854775807> : tensor<1xi64>
  %one = nn.constant dense<1> : tensor<1xi64>
  %sum = nn.add %big, %one : (tensor<1xi64>, tensor<1xi64>) -> tensor<1xi64>
  %two = nn.constant dense<[4611686018427387904, 2]> : tensor<2xi64>
  %p = nn.reduce_prod %two {keepdims = 1 : i64} : (tensor<2xi64>) -> tensor<1xi64>
  return %c, %sum, %p : tensor<8192x8192xf32>, tensor<1xi64>, tensor<1xi64>
}

// -----

// Negative axes of Gather and Concat count from the back when they fold.
// CHECK-LABEL: func.func @negative_axes_fold
func.func @negative_axes_fold() -> (tensor<2x1xi64>, tensor<2x3xi64>) {
  // CHECK-DAG: nn.constant dense<{{\[}}[2], [5]]> : tensor<2x1xi64>
  // CHECK-DAG: nn.constant dense<{{\[}}[1, 2, 7], [4, 5, 8]]> : tensor<2x3xi64>
  // CHECK-NOT: nn.gather
  // CHECK-NOT: nn.concat
  %d = nn.constant dense<[[1, 2], [4, 5]]> : tensor<2x2xi64>
  %i = nn.constant dense<[1]> : tensor<1xi64>
  %g = nn.gather %d, %i {axis = -1 : i64} : (tensor<2x2xi64>, tensor<1xi64>) -> tensor<2x1xi64>
  %e = nn.constant dense<[[7], [8]]> : tensor<2x1xi64>
  %c = nn.concat %d, %e {axis = -1 : i64} : (tensor<2x2xi64>, tensor<2x1xi64>) -> tensor<2x3xi64>
  return %g, %c : tensor<2x1xi64>, tensor<2x3xi64>
}

// -----

// Equal types with unknown dims do not make a reshape an identity: a Squeeze
// of an unranked tensor is unranked too (silero-vad v5 took the wrong branch
// of an If through this), and so is a reversing Slice.
// CHECK-LABEL: func.func @no_identity_fold_unranked
func.func @no_identity_fold_unranked(%x: tensor<*xf32>, %y: tensor<?x4xf32>) -> (tensor<*xf32>, tensor<*xf32>, tensor<?x4xf32>) {
  // CHECK: nn.squeeze
  // CHECK: nn.slice
  // CHECK: nn.slice
  %a = nn.constant dense<1> : tensor<1xi64>
  %s = nn.squeeze %x, %a : (tensor<*xf32>, tensor<1xi64>) -> tensor<*xf32>
  %start = nn.constant dense<-1> : tensor<1xi64>
  %end = nn.constant dense<-9223372036854775807> : tensor<1xi64>
  %ax = nn.constant dense<0> : tensor<1xi64>
  %step = nn.constant dense<-1> : tensor<1xi64>
  %r = nn.slice %x, %start, %end, %ax, %step : (tensor<*xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<*xf32>
  %q = nn.slice %y, %start, %end, %ax, %step : (tensor<?x4xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<?x4xf32>
  return %s, %r, %q : tensor<*xf32>, tensor<*xf32>, tensor<?x4xf32>
}
