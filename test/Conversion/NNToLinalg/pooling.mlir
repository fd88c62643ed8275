// RUN: tessera-opt %s -split-input-file -convert-nn-to-linalg | FileCheck %s

// Pads are -inf; an unused Indices result becomes zeros.
// CHECK-LABEL: func.func @max_pool_pads
// CHECK:         %[[NINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK:         %[[FILL:.*]] = linalg.fill ins(%[[NINF]] : f32) outs(%{{.*}} : tensor<1x2x7x7xf32>)
// CHECK:         %[[PAD:.*]] = tensor.insert_slice %{{.*}} into %[[FILL]][0, 0, 1, 1] [1, 2, 5, 5] [1, 1, 1, 1]
// CHECK:         %[[INIT:.*]] = linalg.fill ins(%[[NINF]] : f32) outs(%{{.*}} : tensor<1x2x3x3xf32>)
// CHECK:         %[[Y:.*]] = linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
// CHECK-SAME:      ins(%[[PAD]], %{{.*}} : tensor<1x2x7x7xf32>, tensor<3x3xf32>) outs(%[[INIT]] : tensor<1x2x3x3xf32>)
// CHECK:         return %[[Y]]
func.func @max_pool_pads(%x: tensor<1x2x5x5xf32>) -> tensor<1x2x3x3xf32> {
  %y, %i = nn.max_pool %x {kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x2x5x5xf32>) -> (tensor<1x2x3x3xf32>, tensor<1x2x3x3xi64>)
  return %y : tensor<1x2x3x3xf32>
}

// -----

// ceil_mode extends the input at the end so the last window fits.
// CHECK-LABEL: func.func @max_pool_ceil_1d
// CHECK:         tensor.insert_slice %{{.*}}[0, 0, 0] [1, 1, 4] [1, 1, 1] : tensor<1x1x4xf32> into tensor<1x1x5xf32>
// CHECK:         linalg.pooling_ncw_max {dilations = dense<1> : tensor<1xi64>, strides = dense<2> : tensor<1xi64>}
func.func @max_pool_ceil_1d(%x: tensor<1x1x4xf32>) -> tensor<1x1x2xf32> {
  %y, %i = nn.max_pool %x {ceil_mode = 1 : i64, kernel_shape = array<i64: 3>, strides = array<i64: 2>} : (tensor<1x1x4xf32>) -> (tensor<1x1x2xf32>, tensor<1x1x2xi64>)
  return %y : tensor<1x1x2xf32>
}

// -----

// Unsigned max is a generic with maxui; the pad value is 0.
// CHECK-LABEL: func.func @max_pool_unsigned
// CHECK:         linalg.generic
// CHECK-SAME:      iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]
// CHECK:           arith.maxui
func.func @max_pool_unsigned(%x: tensor<1x1x4x4xui8>) -> tensor<1x1x2x2xui8> {
  %y, %i = nn.max_pool %x {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<1x1x4x4xui8>) -> (tensor<1x1x2x2xui8>, tensor<1x1x2x2xi64>)
  return %y : tensor<1x1x2x2xui8>
}

// -----

// A used Indices result: one generic yields the max and its flat index.
// CHECK-LABEL: func.func @max_pool_indices
// CHECK:         %[[R:.*]]:2 = linalg.generic
// CHECK-SAME:      outs(%{{.*}}, %{{.*}} : tensor<1x1x2x2xf32>, tensor<1x1x2x2xi64>)
// CHECK:           linalg.index 0
// CHECK:           arith.cmpf ogt
// CHECK:           arith.select
// CHECK:           arith.select
// CHECK:         return %[[R]]#0, %[[R]]#1
func.func @max_pool_indices(%x: tensor<1x1x5x5xf32>) -> (tensor<1x1x2x2xf32>, tensor<1x1x2x2xi64>) {
  %y, %i = nn.max_pool %x {kernel_shape = array<i64: 2, 2>, storage_order = 1 : i64, strides = array<i64: 2, 2>} : (tensor<1x1x5x5xf32>) -> (tensor<1x1x2x2xf32>, tensor<1x1x2x2xi64>)
  return %y, %i : tensor<1x1x2x2xf32>, tensor<1x1x2x2xi64>
}

// -----

// Without pads every window holds the full kernel: divide by its size.
// CHECK-LABEL: func.func @average_pool
// CHECK:         %[[S:.*]] = linalg.pooling_nchw_sum {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
// CHECK:         %[[N:.*]] = arith.constant 4.000000e+00 : f32
// CHECK:         linalg.generic
// CHECK-SAME:      ins(%[[S]] : tensor<1x3x2x2xf32>)
// CHECK:           arith.divf %{{.*}}, %[[N]]
func.func @average_pool(%x: tensor<1x3x4x4xf32>) -> tensor<1x3x2x2xf32> {
  %y = nn.average_pool %x {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<1x3x4x4xf32>) -> tensor<1x3x2x2xf32>
  return %y : tensor<1x3x2x2xf32>
}

// -----

// Pads excluded from the count: divide by a constant of per-window counts.
// CHECK-LABEL: func.func @average_pool_exclude_pad
// CHECK:         %[[S:.*]] = linalg.pooling_nchw_sum
// CHECK:         %[[C:.*]] = arith.constant dense<{{\[\[\[\[}}4.000000e+00, 6.000000e+00, 4.000000e+00], [6.000000e+00, 9.000000e+00, 6.000000e+00], [4.000000e+00, 6.000000e+00, 4.000000e+00]]]]> : tensor<1x1x3x3xf32>
// CHECK:         linalg.generic
// CHECK-SAME:      ins(%[[S]], %[[C]] : tensor<1x2x3x3xf32>, tensor<1x1x3x3xf32>)
// CHECK:           arith.divf
func.func @average_pool_exclude_pad(%x: tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32> {
  %y = nn.average_pool %x {kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  return %y : tensor<1x2x3x3xf32>
}

// -----

// count_include_pad counts the explicit pads (here every window is full).
// CHECK-LABEL: func.func @average_pool_include_pad
// CHECK:         linalg.pooling_nchw_sum
// CHECK:         arith.constant 9.000000e+00 : f32
func.func @average_pool_include_pad(%x: tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32> {
  %y = nn.average_pool %x {count_include_pad = 1 : i64, kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  return %y : tensor<1x2x3x3xf32>
}

// -----

// 3-d pools are a generic over (n, c, out..., window...).
// CHECK-DAG: #[[IN:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d2 * 2 + d5, d3 * 2 + d6, d4 * 2 + d7)>
// CHECK-DAG: #[[WIN:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d5, d6, d7)>
// CHECK-LABEL: func.func @average_pool_3d
// CHECK:         linalg.generic {indexing_maps = [#[[IN]], #[[WIN]], {{.*}}], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
// CHECK:           arith.addf
// CHECK:         arith.divf
func.func @average_pool_3d(%x: tensor<1x1x4x4x4xf32>) -> tensor<1x1x2x2x2xf32> {
  %y = nn.average_pool %x {kernel_shape = array<i64: 2, 2, 2>, strides = array<i64: 2, 2, 2>} : (tensor<1x1x4x4x4xf32>) -> tensor<1x1x2x2x2xf32>
  return %y : tensor<1x1x2x2x2xf32>
}

// -----

// CHECK-DAG: #[[ALL:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[NC:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1)>
// CHECK-LABEL: func.func @global_average_pool
// CHECK:         %[[R:.*]] = linalg.generic {indexing_maps = [#[[ALL]], #[[NC]]], iterator_types = ["parallel", "parallel", "reduction", "reduction"]}
// CHECK:           arith.addf
// CHECK:         %[[E:.*]] = tensor.expand_shape %[[R]] {{\[}}[0], [1, 2, 3]] output_shape [2, 3, 1, 1]
// CHECK:         arith.constant 2.000000e+01 : f32
// CHECK:         linalg.generic
// CHECK:           arith.divf
func.func @global_average_pool(%x: tensor<2x3x4x5xf32>) -> tensor<2x3x1x1xf32> {
  %y = nn.global_average_pool %x : (tensor<2x3x4x5xf32>) -> tensor<2x3x1x1xf32>
  return %y : tensor<2x3x1x1xf32>
}

// -----

// CHECK-LABEL: func.func @global_max_pool
// CHECK:         arith.constant 0xFC00 : f16
// CHECK:         linalg.generic
// CHECK:           arith.maximumf
// CHECK:         tensor.expand_shape %{{.*}} {{\[}}[0], [1, 2]] output_shape [1, 4, 1]
// CHECK-NOT:     arith.divf
func.func @global_max_pool(%x: tensor<1x4x7xf16>) -> tensor<1x4x1xf16> {
  %y = nn.global_max_pool %x : (tensor<1x4x7xf16>) -> tensor<1x4x1xf16>
  return %y : tensor<1x4x1xf16>
}

// -----

// f16 sums accumulate in f32.
// CHECK-LABEL: func.func @global_average_pool_f16
// CHECK:         linalg.generic
// CHECK-SAME:      outs(%{{.*}} : tensor<1x2xf32>)
// CHECK:           arith.extf
// CHECK:           arith.addf %{{.*}} : f32
// CHECK:         linalg.generic
// CHECK:           arith.divf %{{.*}} : f32
// CHECK:           arith.truncf %{{.*}} : f32 to f16
func.func @global_average_pool_f16(%x: tensor<1x2x8x8xf16>) -> tensor<1x2x1x1xf16> {
  %y = nn.global_average_pool %x : (tensor<1x2x8x8xf16>) -> tensor<1x2x1x1xf16>
  return %y : tensor<1x2x1x1xf16>
}
