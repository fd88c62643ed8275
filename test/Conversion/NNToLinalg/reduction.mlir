// RUN: tessera-opt %s -split-input-file -convert-nn-to-linalg | FileCheck %s

// A reduction writes the kept dims into a filled init; keepdims re-inserts
// the reduced dim with tensor.expand_shape.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[KEPT:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-LABEL: func.func @reduce_sum_keepdims
// CHECK:         %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK:         %[[INIT:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%{{.*}} : tensor<2x4xf32>)
// CHECK:         %[[SUM:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[KEPT]]], iterator_types = ["parallel", "reduction", "parallel"]}
// CHECK-SAME:      outs(%[[INIT]] : tensor<2x4xf32>)
// CHECK:           arith.addf
// CHECK:         tensor.expand_shape %[[SUM]] {{\[\[}}0], [1, 2]] output_shape [2, 1, 4] : tensor<2x4xf32> into tensor<2x1x4xf32>
func.func @reduce_sum_keepdims(%x: tensor<2x3x4xf32>) -> tensor<2x1x4xf32> {
  %a = nn.constant dense<[1]> : tensor<1xi64>
  %y = nn.reduce_sum %x, %a : (tensor<2x3x4xf32>, tensor<1xi64>) -> tensor<2x1x4xf32>
  return %y : tensor<2x1x4xf32>
}

// -----

// Empty axes with noop_with_empty_axes forward the input.
// CHECK-LABEL: func.func @reduce_sum_noop
// CHECK-SAME:    (%[[X:.*]]: tensor<3x2xf32>
// CHECK-NOT:     linalg.generic
// CHECK:         return %[[X]]
func.func @reduce_sum_noop(%x: tensor<3x2xf32>, %a: tensor<0xi64>) -> tensor<3x2xf32> {
  %y = nn.reduce_sum %x, %a {noop_with_empty_axes = 1 : i64} : (tensor<3x2xf32>, tensor<0xi64>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

// Runtime axes whose reduced dim the shapes leave open (1 or 2) are tested
// at runtime.
// CHECK-LABEL: func.func @reduce_sum_runtime_axes
// CHECK:         tensor.extract
// CHECK:         %[[IF:.*]] = scf.if %{{.*}} -> (tensor<3x2xf32>)
// CHECK:           iterator_types = ["parallel", "reduction", "parallel"]
// CHECK:         } else {
// CHECK:           iterator_types = ["parallel", "parallel", "reduction"]
// CHECK:         return %[[IF]]
func.func @reduce_sum_runtime_axes(%x: tensor<3x2x2xf32>, %a: tensor<1xi64>) -> tensor<3x2xf32> {
  %y = nn.reduce_sum %x, %a {keepdims = 0 : i64} : (tensor<3x2x2xf32>, tensor<1xi64>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

// f16 means accumulate in f32 and divide by the element count.
// CHECK-LABEL: func.func @reduce_mean_f16
// CHECK:         linalg.generic
// CHECK:           arith.extf %{{.*}} : f16 to f32
// CHECK:           arith.addf
// CHECK:         linalg.generic
// CHECK:           %[[N:.*]] = arith.constant 2.400000e+01 : f32
// CHECK:           arith.divf %{{.*}}, %[[N]] : f32
// CHECK:           arith.truncf
func.func @reduce_mean_f16(%x: tensor<2x3x4xf16>) -> tensor<f16> {
  %y = nn.reduce_mean %x {keepdims = 0 : i64} : (tensor<2x3x4xf16>) -> tensor<f16>
  return %y : tensor<f16>
}

// -----

// Unsigned max starts at 0 and compares unsigned.
// CHECK-LABEL: func.func @reduce_max_ui8
// CHECK:         arith.constant 0 : i8
// CHECK:         linalg.generic
// CHECK:           arith.maxui
func.func @reduce_max_ui8(%x: tensor<3x4xui8>) -> tensor<3xui8> {
  %y = nn.reduce_max %x {axes = array<i64: -1>, keepdims = 0 : i64} : (tensor<3x4xui8>) -> tensor<3xui8>
  return %y : tensor<3xui8>
}

// -----

// CHECK-LABEL: func.func @reduce_min_f32
// CHECK:         arith.constant 0x7F800000 : f32
// CHECK:           arith.minimumf
func.func @reduce_min_f32(%x: tensor<3x4xf32>) -> tensor<1x1xf32> {
  %y = nn.reduce_min %x : (tensor<3x4xf32>) -> tensor<1x1xf32>
  return %y : tensor<1x1xf32>
}

// -----

// CHECK-LABEL: func.func @reduce_l2
// CHECK:         linalg.generic
// CHECK:           arith.mulf
// CHECK:           arith.addf
// CHECK:         linalg.generic
// CHECK:           math.sqrt
func.func @reduce_l2(%x: tensor<3x4xf32>) -> tensor<3x1xf32> {
  %y = nn.reduce_l2 %x {axes = array<i64: 1>} : (tensor<3x4xf32>) -> tensor<3x1xf32>
  return %y : tensor<3x1xf32>
}

// -----

// CHECK-LABEL: func.func @reduce_prod
// CHECK:         arith.constant 1 : i32
// CHECK:           arith.muli
func.func @reduce_prod(%x: tensor<3x4xi32>) -> tensor<4xi32> {
  %y = nn.reduce_prod %x {axes = array<i64: 0>, keepdims = 0 : i64} : (tensor<3x4xi32>) -> tensor<4xi32>
  return %y : tensor<4xi32>
}

// -----

// ArgMax reduces (value, index) pairs; select_last_index takes ties (>=).
// CHECK-LABEL: func.func @arg_max_last
// CHECK:         %[[R:.*]]:2 = linalg.generic
// CHECK-SAME:      iterator_types = ["parallel", "reduction"]
// CHECK:           linalg.index 1
// CHECK:           arith.cmpf oge
// CHECK:           arith.cmpf uno
// CHECK:           linalg.yield
// CHECK:         tensor.expand_shape %[[R]]#1 {{\[\[}}0, 1]] output_shape [3, 1] : tensor<3xi64> into tensor<3x1xi64>
func.func @arg_max_last(%x: tensor<3x4xf32>) -> tensor<3x1xi64> {
  %y = nn.arg_max %x {axis = 1 : i64, select_last_index = 1 : i64} : (tensor<3x4xf32>) -> tensor<3x1xi64>
  return %y : tensor<3x1xi64>
}

// -----

// The first occurrence wins by default (strict comparison).
// CHECK-LABEL: func.func @arg_min_first
// CHECK:         linalg.generic
// CHECK:           arith.cmpi slt
func.func @arg_min_first(%x: tensor<3x4xi32>) -> tensor<4xi64> {
  %y = nn.arg_min %x {keepdims = 0 : i64} : (tensor<3x4xi32>) -> tensor<4xi64>
  return %y : tensor<4xi64>
}

// -----

// CHECK-LABEL: func.func @softmax
// CHECK:         linalg.generic
// CHECK:           arith.maximumf
// CHECK:         linalg.generic
// CHECK:           arith.subf
// CHECK:           math.exp
// CHECK:         linalg.generic
// CHECK:           arith.addf
// CHECK:         linalg.generic
// CHECK:           arith.divf
func.func @softmax(%x: tensor<2x5xf32>) -> tensor<2x5xf32> {
  %y = nn.softmax %x : (tensor<2x5xf32>) -> tensor<2x5xf32>
  return %y : tensor<2x5xf32>
}

// -----

// CHECK-LABEL: func.func @log_softmax
// CHECK:           math.exp
// CHECK:         linalg.generic
// CHECK:           math.log
// CHECK:           arith.subf
func.func @log_softmax(%x: tensor<2x5xf32>) -> tensor<2x5xf32> {
  %y = nn.log_softmax %x {axis = 0 : i64} : (tensor<2x5xf32>) -> tensor<2x5xf32>
  return %y : tensor<2x5xf32>
}

// -----

// The parameters are read along channel dim 1.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[C:.*]] = affine_map<(d0, d1, d2) -> (d1)>
// CHECK-LABEL: func.func @batch_norm
// CHECK:         linalg.generic {indexing_maps = [#[[ID]], #[[C]], #[[C]], #[[C]], #[[C]], #[[ID]]]
// CHECK:           arith.constant 9.99999974E-6 : f32
// CHECK:           math.sqrt
// CHECK:           arith.divf
func.func @batch_norm(%x: tensor<2x3x4xf32>, %s: tensor<3xf32>, %b: tensor<3xf32>, %m: tensor<3xf32>, %v: tensor<3xf32>) -> tensor<2x3x4xf32> {
  %y, %rm, %rv = nn.batch_normalization %x, %s, %b, %m, %v : (tensor<2x3x4xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> (tensor<2x3x4xf32>, tensor<3xf32>, tensor<3xf32>)
  return %y : tensor<2x3x4xf32>
}

// -----

// Statistics per (n, c) over the spatial dims.
// CHECK-LABEL: func.func @instance_norm
// CHECK:         linalg.generic
// CHECK-SAME:      iterator_types = ["parallel", "parallel", "reduction", "reduction"]
// CHECK:         math.sqrt
func.func @instance_norm(%x: tensor<2x3x4x5xf32>, %s: tensor<3xf32>, %b: tensor<3xf32>) -> tensor<2x3x4x5xf32> {
  %y = nn.instance_normalization %x, %s, %b : (tensor<2x3x4x5xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<2x3x4x5xf32>
  return %y : tensor<2x3x4x5xf32>
}

// -----

// Mean and InvStdDev are results too, shaped with the normalized dims as 1.
// CHECK-LABEL: func.func @layer_norm
// CHECK:         linalg.generic
// CHECK-SAME:      iterator_types = ["parallel", "reduction", "reduction"]
// CHECK:         %[[Y:.*]] = linalg.generic {{.*}}ins({{.*}} : tensor<2x3x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<3x4xf32>, tensor<4xf32>)
// CHECK:         %[[MEAN:.*]] = tensor.expand_shape %{{.*}} {{\[\[}}0, 1, 2]] output_shape [2, 1, 1] : tensor<2xf32> into tensor<2x1x1xf32>
// CHECK:         %[[INV:.*]] = tensor.expand_shape
// CHECK:         return %[[Y]], %[[MEAN]], %[[INV]]
func.func @layer_norm(%x: tensor<2x3x4xf32>, %s: tensor<3x4xf32>, %b: tensor<4xf32>) -> (tensor<2x3x4xf32>, tensor<2x1x1xf32>, tensor<2x1x1xf32>) {
  %y, %m, %i = nn.layer_normalization %x, %s, %b {axis = 1 : i64} : (tensor<2x3x4xf32>, tensor<3x4xf32>, tensor<4xf32>) -> (tensor<2x3x4xf32>, tensor<2x1x1xf32>, tensor<2x1x1xf32>)
  return %y, %m, %i : tensor<2x3x4xf32>, tensor<2x1x1xf32>, tensor<2x1x1xf32>
}
