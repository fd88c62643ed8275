// RUN: tessera-opt %s -split-input-file -convert-nn-to-linalg | FileCheck %s

// The indexing, scatter/gather and loss ops (lib/Conversion/NNToLinalg/Indexing.cpp).

// Gathers read the data with tensor.extract at wrapped and clamped indices.
// CHECK-LABEL: func.func @gather_elements
// CHECK:         linalg.generic {{.*}} ins(%{{.*}} : tensor<2x3xi64>) outs(%{{.*}} : tensor<2x3xf32>)
// CHECK:           %[[I0:.*]] = linalg.index 0 : index
// CHECK:           %[[K:.*]] = arith.index_cast %{{.*}} : i64 to index
// CHECK:           %[[NEG:.*]] = arith.cmpi slt, %[[K]], %{{.*}} : index
// CHECK:           %[[W:.*]] = arith.addi %[[K]], %{{.*}} : index
// CHECK:           %[[S:.*]] = arith.select %[[NEG]], %[[W]], %[[K]] : index
// CHECK:           %[[LO:.*]] = arith.maxsi %[[S]], %{{.*}} : index
// CHECK:           %[[C:.*]] = arith.minsi %[[LO]], %{{.*}} : index
// CHECK:           tensor.extract %{{.*}}[%[[I0]], %[[C]]] : tensor<3x4xf32>
func.func @gather_elements(%x: tensor<3x4xf32>, %i: tensor<2x3xi64>) -> tensor<2x3xf32> {
  %y = nn.gather_elements %x, %i {axis = 1 : i64} : (tensor<3x4xf32>, tensor<2x3xi64>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

// Scatters are one sequential loop over the updates on a tensor iter_arg.
// CHECK-LABEL: func.func @scatter_elements
// CHECK-DAG:     %[[N:.*]] = arith.constant 6 : index
// CHECK:         scf.for %{{.*}} = %{{.*}} to %[[N]] step %{{.*}} iter_args(%[[ACC:.*]] = %{{.*}}) -> (tensor<3x4xf32>)
// CHECK:           %[[U:.*]] = tensor.extract %{{.*}} : tensor<2x3xf32>
// CHECK:           tensor.extract %{{.*}} : tensor<2x3xi32>
// CHECK:           %[[OLD:.*]] = tensor.extract %[[ACC]][%{{.*}}, %{{.*}}] : tensor<3x4xf32>
// CHECK:           %[[SUM:.*]] = arith.addf %[[OLD]], %[[U]] : f32
// CHECK:           %[[NEXT:.*]] = tensor.insert %[[SUM]] into %[[ACC]]
// CHECK:           scf.yield %[[NEXT]] : tensor<3x4xf32>
func.func @scatter_elements(%x: tensor<3x4xf32>, %i: tensor<2x3xi32>, %u: tensor<2x3xf32>) -> tensor<3x4xf32> {
  %y = nn.scatter_elements %x, %i, %u {axis = 1 : i64, reduction = "add"} : (tensor<3x4xf32>, tensor<2x3xi32>, tensor<2x3xf32>) -> tensor<3x4xf32>
  return %y : tensor<3x4xf32>
}

// -----

// CHECK-LABEL: func.func @gather_nd
// CHECK:         linalg.generic {{.*}} outs(%{{.*}} : tensor<2x5x4xf32>)
// CHECK:           %[[B:.*]] = linalg.index 0 : index
// CHECK:           %[[T:.*]] = linalg.index 1 : index
// CHECK:           %[[S:.*]] = linalg.index 2 : index
// CHECK:           tensor.extract %{{.*}}[%[[B]], %[[T]], %{{.*}}] : tensor<2x5x1xi64>
// CHECK:           %[[C:.*]] = arith.minsi
// CHECK:           tensor.extract %{{.*}}[%[[B]], %[[C]], %[[S]]] : tensor<2x3x4xf32>
func.func @gather_nd(%x: tensor<2x3x4xf32>, %i: tensor<2x5x1xi64>) -> tensor<2x5x4xf32> {
  %y = nn.gather_nd %x, %i {batch_dims = 1 : i64} : (tensor<2x3x4xf32>, tensor<2x5x1xi64>) -> tensor<2x5x4xf32>
  return %y : tensor<2x5x4xf32>
}

// -----

// 'none': no read of the accumulator, the last duplicate wins.
// CHECK-LABEL: func.func @scatter_nd
// CHECK:         scf.for {{.*}} iter_args(%[[ACC:.*]] = %{{.*}}) -> (tensor<4x3xf32>)
// CHECK-NOT:       tensor.extract %[[ACC]]
// CHECK:           tensor.insert %{{.*}} into %[[ACC]][%{{.*}}, %{{.*}}] : tensor<4x3xf32>
func.func @scatter_nd(%x: tensor<4x3xf32>, %i: tensor<2x1xi64>, %u: tensor<2x3xf32>) -> tensor<4x3xf32> {
  %y = nn.scatter_nd %x, %i, %u : (tensor<4x3xf32>, tensor<2x1xi64>, tensor<2x3xf32>) -> tensor<4x3xf32>
  return %y : tensor<4x3xf32>
}

// -----

// CHECK-DAG:   #[[DROP:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func @one_hot
// CHECK:         %[[OFF:.*]] = tensor.extract %{{.*}}[%{{.*}}] : tensor<2xf32>
// CHECK:         %[[ON:.*]] = tensor.extract %{{.*}}[%{{.*}}] : tensor<2xf32>
// CHECK:         linalg.generic {indexing_maps = [#[[DROP]], {{.*}}]{{.*}} ins(%{{.*}} : tensor<3xi64>) outs(%{{.*}} : tensor<3x10xf32>)
// CHECK:           arith.constant 10 : i64
// CHECK:           %[[HIT:.*]] = arith.cmpi eq
// CHECK:           arith.select %[[HIT]], %[[ON]], %[[OFF]] : f32
func.func @one_hot(%i: tensor<3xi64>, %d: tensor<f32>, %v: tensor<2xf32>) -> tensor<3x10xf32> {
  %y = nn.one_hot %i, %d, %v : (tensor<3xi64>, tensor<f32>, tensor<2xf32>) -> tensor<3x10xf32>
  return %y : tensor<3x10xf32>
}

// -----

// CHECK-LABEL: func.func @trilu
// CHECK:         %[[K:.*]] = tensor.extract %{{.*}}[] : tensor<i64>
// CHECK:         linalg.generic
// CHECK:           %[[D:.*]] = arith.subi
// CHECK:           %[[KEEP:.*]] = arith.cmpi sle, %[[D]], %[[K]] : i64
// CHECK:           arith.select %[[KEEP]], %{{.*}}, %{{.*}} : f32
func.func @trilu(%x: tensor<2x3x4xf32>, %k: tensor<i64>) -> tensor<2x3x4xf32> {
  %y = nn.trilu %x, %k {upper = 0 : i64} : (tensor<2x3x4xf32>, tensor<i64>) -> tensor<2x3x4xf32>
  return %y : tensor<2x3x4xf32>
}

// -----

// CHECK-LABEL: func.func @eye_like
// CHECK-DAG:     %[[ONE:.*]] = arith.constant 1 : i32
// CHECK-DAG:     %[[ZERO:.*]] = arith.constant 0 : i32
// CHECK:         linalg.generic {{.*}} outs(%{{.*}} : tensor<3x4xi32>)
// CHECK:           %[[HIT:.*]] = arith.cmpi eq, %{{.*}}, %{{.*}} : i64
// CHECK:           arith.select %[[HIT]], %[[ONE]], %[[ZERO]] : i32
func.func @eye_like(%x: tensor<3x4xf32>) -> tensor<3x4xi32> {
  %y = nn.eye_like %x {dtype = 6 : i64, k = 1 : i64} : (tensor<3x4xf32>) -> tensor<3x4xi32>
  return %y : tensor<3x4xi32>
}

// -----

// Losses: per element loss and weight (zero where ignored), their sums, and
// for 'mean' the quotient.
// CHECK-LABEL: func.func @nll
// CHECK:         %[[PER:.*]]:2 = linalg.generic {{.*}} ins(%{{.*}} : tensor<3x2xi64>) outs(%{{.*}}, %{{.*}} : tensor<3x2xf32>, tensor<3x2xf32>)
// CHECK:           %[[X:.*]] = tensor.extract %{{.*}} : tensor<3x5x2xf32>
// CHECK:           %[[W:.*]] = tensor.extract %{{.*}} : tensor<5xf32>
// CHECK:           %[[NEG:.*]] = arith.negf %[[X]] : f32
// CHECK:           %[[L:.*]] = arith.mulf %[[NEG]], %[[W]] : f32
// CHECK:           %[[II:.*]] = arith.constant -1 : i64
// CHECK:           %[[SKIP:.*]] = arith.cmpi eq, %{{.*}}, %[[II]] : i64
// CHECK:           arith.select %[[SKIP]]
// CHECK:         %[[SUM:.*]]:2 = linalg.generic {{.*}} iterator_types = ["reduction", "reduction"]} ins(%[[PER]]#0, %[[PER]]#1
// CHECK:         linalg.generic {{.*}} ins(%[[SUM]]#0, %[[SUM]]#1 : tensor<f32>, tensor<f32>)
// CHECK:           arith.divf
func.func @nll(%x: tensor<3x5x2xf32>, %t: tensor<3x2xi64>, %w: tensor<5xf32>) -> tensor<f32> {
  %y = nn.negative_log_likelihood_loss %x, %t, %w {ignore_index = -1 : i64} : (tensor<3x5x2xf32>, tensor<3x2xi64>, tensor<5xf32>) -> tensor<f32>
  return %y : tensor<f32>
}

// -----

// SoftmaxCrossEntropyLoss: a log-softmax over the classes, then the loss.
// CHECK-LABEL: func.func @sce
// CHECK:         math.exp
// CHECK:         %[[LOGP:.*]] = linalg.generic {{.*}} ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<3x5xf32>, tensor<3xf32>, tensor<3xf32>)
// CHECK:           math.log
// CHECK:         %[[PER:.*]]:2 = linalg.generic {{.*}} ins(%{{.*}} : tensor<3xi32>)
// CHECK:           tensor.extract %[[LOGP]][%{{.*}}, %{{.*}}] : tensor<3x5xf32>
// CHECK:         return %[[PER]]#0, %[[LOGP]] : tensor<3xf32>, tensor<3x5xf32>
func.func @sce(%x: tensor<3x5xf32>, %t: tensor<3xi32>) -> (tensor<3xf32>, tensor<3x5xf32>) {
  %none = nn.none
  %y, %l = nn.softmax_cross_entropy_loss %x, %t, %none {reduction = "none"} : (tensor<3x5xf32>, tensor<3xi32>, none) -> (tensor<3xf32>, tensor<3x5xf32>)
  return %y, %l : tensor<3xf32>, tensor<3x5xf32>
}
