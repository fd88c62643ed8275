// RUN: tessera-opt %s -split-input-file -convert-nn-to-linalg | FileCheck %s

// nn.if becomes scf.if on the extracted condition; nn.loop scf.for (a
// constant trip count that no condition ends early, scan outputs stacked
// with insert_slice) or scf.while; nn.scan scf.for with extract_slice and
// insert_slice. The body ops lower in place.

// CHECK-LABEL: func.func @if
// CHECK:         %[[C:.*]] = tensor.extract %arg0[] : tensor<i1>
// CHECK:         %[[R:.*]] = scf.if %[[C]] -> (tensor<2xf32>) {
// CHECK:           scf.yield %arg1 : tensor<2xf32>
// CHECK:         } else {
// CHECK:           %[[N:.*]] = linalg.generic
// CHECK:           scf.yield %[[N]] : tensor<2xf32>
// CHECK:         return %[[R]]
func.func @if(%c: tensor<i1>, %a: tensor<2xf32>) -> tensor<2xf32> {
  %r = nn.if %c : tensor<i1> -> tensor<2xf32> {
    nn.yield %a : tensor<2xf32>
  } else {
    %n = nn.neg %a : (tensor<2xf32>) -> tensor<2xf32>
    nn.yield %n : tensor<2xf32>
  }
  return %r : tensor<2xf32>
}


// CHECK-LABEL: func.func @loop_for
// CHECK:         %[[E:.*]] = tensor.empty() : tensor<3x2xf32>
// CHECK:         %[[R:.*]]:2 = scf.for %[[IV:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[Y:.*]] = %arg1, %[[S:.*]] = %[[E]]) -> (tensor<2xf32>, tensor<3x2xf32>) {
// CHECK:           %[[I:.*]] = arith.index_cast %[[IV]] : index to i64
// CHECK:           tensor.from_elements %[[I]] : tensor<i64>
// CHECK:           %[[A:.*]] = linalg.generic {{.*}} ins(%[[Y]], %arg0
// CHECK:           %[[INS:.*]] = tensor.insert_slice %[[A]] into %[[S]][%[[IV]], 0] [1, 2] [1, 1] : tensor<2xf32> into tensor<3x2xf32>
// CHECK:           scf.yield %[[A]], %[[INS]] : tensor<2xf32>, tensor<3x2xf32>
// CHECK:         return %[[R]]#0, %[[R]]#1
// -----

func.func @loop_for(%x: tensor<2xf32>, %y0: tensor<2xf32>) -> (tensor<2xf32>, tensor<3x2xf32>) {
  %m = nn.constant dense<3> : tensor<i64>
  %none = nn.none
  %y, %s = nn.loop %m, %none, %y0 : (tensor<i64>, none, tensor<2xf32>) -> (tensor<2xf32>, tensor<3x2xf32>) {
  ^bb0(%i: tensor<i64>, %ci: tensor<i1>, %yi: tensor<2xf32>):
    %n = nn.add %yi, %x : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
    nn.yield %ci, %n, %n : tensor<i1>, tensor<2xf32>, tensor<2xf32>
  }
  return %y, %s : tensor<2xf32>, tensor<3x2xf32>
}

// -----

// CHECK-LABEL: func.func @loop_while
// CHECK-DAG:     %[[C:.*]] = tensor.extract %arg1[] : tensor<i1>
// CHECK-DAG:     %[[M:.*]] = tensor.extract %arg0[] : tensor<i64>
// CHECK:         %[[R:.*]]:3 = scf.while (%[[I:.*]] = %{{.*}}, %[[GO:.*]] = %[[C]], %{{.*}} = %arg2) : (i64, i1, tensor<2xf32>) -> (i64, i1, tensor<2xf32>) {
// CHECK:           %[[BELOW:.*]] = arith.cmpi slt, %[[I]], %[[M]] : i64
// CHECK:           %[[AND:.*]] = arith.andi %[[GO]], %[[BELOW]] : i1
// CHECK:           scf.condition(%[[AND]])
// CHECK:         } do {
// CHECK:           linalg.generic
// CHECK:           arith.addi
// CHECK:           scf.yield
// CHECK:         return %[[R]]#2

func.func @loop_while(%m: tensor<i64>, %c: tensor<i1>, %y0: tensor<2xf32>) -> tensor<2xf32> {
  %y = nn.loop %m, %c, %y0 : (tensor<i64>, tensor<i1>, tensor<2xf32>) -> tensor<2xf32> {
  ^bb0(%i: tensor<i64>, %ci: tensor<i1>, %yi: tensor<2xf32>):
    %n = nn.neg %yi : (tensor<2xf32>) -> tensor<2xf32>
    nn.yield %ci, %n : tensor<i1>, tensor<2xf32>
  }
  return %y : tensor<2xf32>
}

// -----


// CHECK-LABEL: func.func @scan
// CHECK:         scf.for %[[IV:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[S:.*]] = %arg0, %[[Z:.*]] = %{{.*}}) -> (tensor<2xf32>, tensor<3x2xf32>) {
// CHECK:           %[[REV:.*]] = arith.subi %{{.*}}, %[[IV]] : index
// CHECK:           %[[X:.*]] = tensor.extract_slice %arg1[0, %[[REV]]] [2, 1] [1, 1] : tensor<2x3xf32> to tensor<2xf32>
// CHECK:           %[[A:.*]] = linalg.generic {{.*}} ins(%[[S]], %[[X]]
// CHECK:           tensor.insert_slice %[[A]] into %[[Z]][%[[IV]], 0] [1, 2] [1, 1]
func.func @scan(%s0: tensor<2xf32>, %x: tensor<2x3xf32>) -> (tensor<2xf32>, tensor<3x2xf32>) {
  %s, %z = nn.scan %s0, %x attributes {num_scan_inputs = 1 : i64, scan_input_axes = array<i64: 1>, scan_input_directions = array<i64: 1>} : (tensor<2xf32>, tensor<2x3xf32>) -> (tensor<2xf32>, tensor<3x2xf32>) {
  ^bb0(%si: tensor<2xf32>, %xi: tensor<2xf32>):
    %n = nn.add %si, %xi : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
    nn.yield %n, %n : tensor<2xf32>, tensor<2xf32>
  }
  return %s, %z : tensor<2xf32>, tensor<3x2xf32>
}
