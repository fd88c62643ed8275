// RUN: tessera-opt %s -split-input-file -canonicalize | FileCheck %s

// An nn.if whose condition is a constant is replaced by the taken branch.

// CHECK-LABEL: func.func @if_true
// CHECK-NOT:     nn.if
// CHECK:         %[[R:.*]] = nn.relu %arg0
// CHECK:         return %[[R]]
func.func @if_true(%a: tensor<2xf32>) -> tensor<2xf32> {
  %c = nn.constant dense<true> : tensor<i1>
  %r = nn.if %c : tensor<i1> -> tensor<2xf32> {
    %t = nn.relu %a : (tensor<2xf32>) -> tensor<2xf32>
    nn.yield %t : tensor<2xf32>
  } else {
    %n = nn.neg %a : (tensor<2xf32>) -> tensor<2xf32>
    nn.yield %n : tensor<2xf32>
  }
  return %r : tensor<2xf32>
}

// -----

// A one-element condition of rank 1, false: the else branch, nested If
// included (its own condition is not constant).
// CHECK-LABEL: func.func @if_false_nested
// CHECK:         %[[N:.*]] = nn.neg %arg0
// CHECK:         %[[I:.*]] = nn.if %arg1 : tensor<i1> -> tensor<2xf32> {
// CHECK:           nn.yield %[[N]]
// CHECK:         } else {
// CHECK:           nn.yield %arg0
// CHECK:         return %[[I]]
func.func @if_false_nested(%a: tensor<2xf32>, %c2: tensor<i1>) -> tensor<2xf32> {
  %c = nn.constant dense<false> : tensor<1xi1>
  %r = nn.if %c : tensor<1xi1> -> tensor<2xf32> {
    nn.yield %a : tensor<2xf32>
  } else {
    %n = nn.neg %a : (tensor<2xf32>) -> tensor<2xf32>
    %i = nn.if %c2 : tensor<i1> -> tensor<2xf32> {
      nn.yield %n : tensor<2xf32>
    } else {
      nn.yield %a : tensor<2xf32>
    }
    nn.yield %i : tensor<2xf32>
  }
  return %r : tensor<2xf32>
}

// -----

// The taken branch is more static than the result and the result is
// returned: the If stays (shape inference refines it first).
// CHECK-LABEL: func.func @if_refine_kept
// CHECK:         nn.if
func.func @if_refine_kept(%a: tensor<2xf32>, %b: tensor<3xf32>) -> tensor<?xf32> {
  %c = nn.constant dense<true> : tensor<i1>
  %r = nn.if %c : tensor<i1> -> tensor<?xf32> {
    nn.yield %a : tensor<2xf32>
  } else {
    nn.yield %b : tensor<3xf32>
  }
  return %r : tensor<?xf32>
}
