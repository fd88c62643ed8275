// RUN: tessera-opt %s -split-input-file -convert-nn-to-linalg | FileCheck %s

// Explicit pads copy the input into a zero-filled tensor; the bias is the
// accumulator.
// CHECK-LABEL: func.func @conv2d_pads_bias
// CHECK-SAME:    (%[[X:.*]]: tensor<1x3x8x8xf32>, %[[W:.*]]: tensor<4x3x3x3xf32>, %[[B:.*]]: tensor<4xf32>)
// CHECK:         %[[FILL:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<1x3x9x9xf32>)
// CHECK:         %[[SLICE:.*]] = tensor.extract_slice %[[FILL]][0, 0, 1, 1] [1, 3, 8, 8] [1, 1, 1, 1]
// CHECK:         %[[COPY:.*]] = linalg.copy ins(%[[X]] : tensor<1x3x8x8xf32>) outs(%[[SLICE]]
// CHECK:         %[[PAD:.*]] = tensor.insert_slice %[[COPY]] into %[[FILL]][0, 0, 1, 1]
// CHECK:         %[[INIT:.*]] = linalg.broadcast ins(%[[B]] : tensor<4xf32>) outs(%{{.*}} : tensor<1x4x4x4xf32>) dimensions = [0, 2, 3]
// CHECK:         linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
// CHECK-SAME:      ins(%[[PAD]], %[[W]] : tensor<1x3x9x9xf32>, tensor<4x3x3x3xf32>) outs(%[[INIT]] : tensor<1x4x4x4xf32>)
func.func @conv2d_pads_bias(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<4xf32>) -> tensor<1x4x4x4xf32> {
  %y = nn.conv %x, %w, %b {pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<1x4x4x4xf32>
  return %y : tensor<1x4x4x4xf32>
}

// -----

// SAME_UPPER puts the odd pad at the end; no bias accumulates into zeros.
// CHECK-LABEL: func.func @conv1d_same_upper
// CHECK:         tensor.extract_slice %{{.*}}[0, 0, 0] [1, 2, 5] [1, 1, 1] : tensor<1x2x6xf32>
// CHECK:         linalg.conv_1d_ncw_fcw {dilations = dense<1> : tensor<1xi64>, strides = dense<2> : tensor<1xi64>}
// CHECK-SAME:      -> tensor<1x3x3xf32>
func.func @conv1d_same_upper(%x: tensor<1x2x5xf32>, %w: tensor<3x2x2xf32>) -> tensor<1x3x3xf32> {
  %none = nn.none
  %y = nn.conv %x, %w, %none {auto_pad = "SAME_UPPER", strides = array<i64: 2>} : (tensor<1x2x5xf32>, tensor<3x2x2xf32>, none) -> tensor<1x3x3xf32>
  return %y : tensor<1x3x3xf32>
}

// -----

// CHECK-LABEL: func.func @conv3d_dilated
// CHECK:         linalg.conv_3d_ncdhw_fcdhw {dilations = dense<[1, 2, 1]> : tensor<3xi64>, strides = dense<1> : tensor<3xi64>}
func.func @conv3d_dilated(%x: tensor<1x2x5x6x5xf64>, %w: tensor<2x2x2x2x2xf64>) -> tensor<1x2x4x4x4xf64> {
  %none = nn.none
  %y = nn.conv %x, %w, %none {dilations = array<i64: 1, 2, 1>} : (tensor<1x2x5x6x5xf64>, tensor<2x2x2x2x2xf64>, none) -> tensor<1x2x4x4x4xf64>
  return %y : tensor<1x2x4x4x4xf64>
}

// -----

// Groups split the channel dims: input (N, G, C/G, ...), weight (G, M/G, ...).
// CHECK-LABEL: func.func @conv2d_groups
// CHECK-DAG:     tensor.expand_shape %{{.*}} {{\[}}[0], [1, 2], [3], [4]] output_shape [1, 2, 2, 5, 5]
// CHECK-DAG:     tensor.expand_shape %{{.*}} {{\[}}[0, 1], [2], [3], [4]] output_shape [2, 3, 2, 3, 3]
// CHECK:         %[[C:.*]] = linalg.conv_2d_ngchw_gfchw
// CHECK-SAME:      -> tensor<1x2x3x3x3xf32>
// CHECK:         tensor.collapse_shape %[[C]] {{\[}}[0], [1, 2], [3], [4]] : tensor<1x2x3x3x3xf32> into tensor<1x6x3x3xf32>
func.func @conv2d_groups(%x: tensor<1x4x5x5xf32>, %w: tensor<6x2x3x3xf32>) -> tensor<1x6x3x3xf32> {
  %none = nn.none
  %y = nn.conv %x, %w, %none {group = 2 : i64} : (tensor<1x4x5x5xf32>, tensor<6x2x3x3xf32>, none) -> tensor<1x6x3x3xf32>
  return %y : tensor<1x6x3x3xf32>
}

// -----

// CHECK-LABEL: func.func @conv2d_depthwise
// CHECK:         %[[W:.*]] = tensor.collapse_shape %{{.*}} {{\[}}[0, 1], [2], [3]] : tensor<4x1x3x3xf32> into tensor<4x3x3xf32>
// CHECK:         linalg.depthwise_conv_2d_nchw_chw
// CHECK-SAME:      ins(%{{.*}}, %[[W]] : tensor<1x4x6x6xf32>, tensor<4x3x3xf32>)
func.func @conv2d_depthwise(%x: tensor<1x4x6x6xf32>, %w: tensor<4x1x3x3xf32>) -> tensor<1x4x4x4xf32> {
  %none = nn.none
  %y = nn.conv %x, %w, %none {group = 4 : i64} : (tensor<1x4x6x6xf32>, tensor<4x1x3x3xf32>, none) -> tensor<1x4x4x4xf32>
  return %y : tensor<1x4x4x4xf32>
}

// -----

// Grouped convs without a named op are one generic over
// (n, g, m/g, out, c/g, k).
// CHECK-DAG: #[[X:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d4, d3 * 2 + d5)>
// CHECK-DAG: #[[W:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d1, d2, d4, d5)>
// CHECK-DAG: #[[O:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func.func @conv1d_groups
// CHECK:         linalg.generic {indexing_maps = [#[[X]], #[[W]], #[[O]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]}
// CHECK:           arith.mulf
// CHECK:           arith.addf
func.func @conv1d_groups(%x: tensor<1x4x9xf32>, %w: tensor<6x2x3xf32>) -> tensor<1x6x4xf32> {
  %none = nn.none
  %y = nn.conv %x, %w, %none {group = 2 : i64, strides = array<i64: 2>} : (tensor<1x4x9xf32>, tensor<6x2x3xf32>, none) -> tensor<1x6x4xf32>
  return %y : tensor<1x6x4xf32>
}

// -----

// ConvTranspose: the input is spread by the stride (strided insert) and
// padded by k - 1; the weight is flipped and its channel dims swapped.
// CHECK-DAG: #[[FLIP:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d2, d1, -d3 + 2, -d4 + 2)>
// CHECK-LABEL: func.func @conv_transpose_strided
// CHECK:         tensor.extract_slice %{{.*}}[0, 0, 2, 2] [1, 1, 3, 3] [1, 1, 2, 2] : tensor<1x1x9x9xf32> to tensor<1x1x3x3xf32>
// CHECK:         tensor.insert_slice %{{.*}}[0, 0, 2, 2] [1, 1, 3, 3] [1, 1, 2, 2] : tensor<1x1x3x3xf32> into tensor<1x1x9x9xf32>
// CHECK:         linalg.generic {indexing_maps = [#[[FLIP]], {{.*}}]
// CHECK:         %[[W:.*]] = tensor.collapse_shape %{{.*}} {{\[}}[0, 1], [2], [3], [4]] : tensor<1x2x1x3x3xf32> into tensor<2x1x3x3xf32>
// CHECK:         linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
// CHECK-SAME:      ins(%{{.*}}, %[[W]] : tensor<1x1x9x9xf32>, tensor<2x1x3x3xf32>)
func.func @conv_transpose_strided(%x: tensor<1x1x3x3xf32>, %w: tensor<1x2x3x3xf32>) -> tensor<1x2x7x7xf32> {
  %none = nn.none
  %y = nn.conv_transpose %x, %w, %none {strides = array<i64: 2, 2>} : (tensor<1x1x3x3xf32>, tensor<1x2x3x3xf32>, none) -> tensor<1x2x7x7xf32>
  return %y : tensor<1x2x7x7xf32>
}

// -----

// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @gemm_trans_alpha_beta
// CHECK:         %[[AT:.*]] = linalg.transpose ins(%{{.*}} : tensor<4x3xf32>) outs(%{{.*}} : tensor<3x4xf32>) permutation = [1, 0]
// CHECK:         %[[BT:.*]] = linalg.transpose ins(%{{.*}} : tensor<5x4xf32>) outs(%{{.*}} : tensor<4x5xf32>) permutation = [1, 0]
// CHECK:         %[[P:.*]] = linalg.matmul ins(%[[AT]], %[[BT]] : tensor<3x4xf32>, tensor<4x5xf32>)
// CHECK:         linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ID]]]
// CHECK-SAME:      ins(%[[P]], %{{.*}} : tensor<3x5xf32>, tensor<5xf32>)
// CHECK:           arith.mulf
// CHECK:           arith.mulf
// CHECK:           arith.addf
func.func @gemm_trans_alpha_beta(%a: tensor<4x3xf32>, %b: tensor<5x4xf32>, %c: tensor<5xf32>) -> tensor<3x5xf32> {
  %y = nn.gemm %a, %b, %c {alpha = 5.000000e-01 : f32, beta = 2.000000e+00 : f32, transA = 1 : i64, transB = 1 : i64} : (tensor<4x3xf32>, tensor<5x4xf32>, tensor<5xf32>) -> tensor<3x5xf32>
  return %y : tensor<3x5xf32>
}

// -----

// CHECK-LABEL: func.func @gemm_no_bias
// CHECK:         %[[P:.*]] = linalg.matmul
// CHECK-NOT:     linalg.generic
// CHECK:         return %[[P]]
func.func @gemm_no_bias(%a: tensor<3x4xf32>, %b: tensor<4x5xf32>) -> tensor<3x5xf32> {
  %none = nn.none
  %y = nn.gemm %a, %b, %none : (tensor<3x4xf32>, tensor<4x5xf32>, none) -> tensor<3x5xf32>
  return %y : tensor<3x5xf32>
}

// -----

// A's batch folds into its rows when B is a matrix.
// CHECK-LABEL: func.func @matmul_batch_times_matrix
// CHECK:         %[[A:.*]] = tensor.collapse_shape %{{.*}} {{\[}}[0, 1, 2], [3]] : tensor<2x3x4x5xf32> into tensor<24x5xf32>
// CHECK:         %[[P:.*]] = linalg.matmul ins(%[[A]], %{{.*}} : tensor<24x5xf32>, tensor<5x6xf32>)
// CHECK:         tensor.expand_shape %[[P]] {{\[}}[0, 1, 2], [3]] output_shape [2, 3, 4, 6]
func.func @matmul_batch_times_matrix(%a: tensor<2x3x4x5xf32>, %b: tensor<5x6xf32>) -> tensor<2x3x4x6xf32> {
  %y = nn.matmul %a, %b : (tensor<2x3x4x5xf32>, tensor<5x6xf32>) -> tensor<2x3x4x6xf32>
  return %y : tensor<2x3x4x6xf32>
}

// -----

// CHECK-LABEL: func.func @matmul_same_batch
// CHECK:         linalg.batch_matmul ins(%{{.*}}, %{{.*}} : tensor<6x3x4xf32>, tensor<6x4x5xf32>)
func.func @matmul_same_batch(%a: tensor<2x3x3x4xf32>, %b: tensor<2x3x4x5xf32>) -> tensor<2x3x3x5xf32> {
  %y = nn.matmul %a, %b : (tensor<2x3x3x4xf32>, tensor<2x3x4x5xf32>) -> tensor<2x3x3x5xf32>
  return %y : tensor<2x3x3x5xf32>
}

// -----

// Broadcast batch dims read index 0 where the operand has size 1.
// CHECK-DAG: #[[A:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, 0, d2, d4)>
// CHECK-DAG: #[[B:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d1, d4, d3)>
// CHECK-DAG: #[[O:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func.func @matmul_broadcast
// CHECK:         linalg.generic {indexing_maps = [#[[A]], #[[B]], #[[O]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
func.func @matmul_broadcast(%a: tensor<2x1x3x4xf32>, %b: tensor<5x4x6xf32>) -> tensor<2x5x3x6xf32> {
  %y = nn.matmul %a, %b : (tensor<2x1x3x4xf32>, tensor<5x4x6xf32>) -> tensor<2x5x3x6xf32>
  return %y : tensor<2x5x3x6xf32>
}

// -----

// A vector operand gains a unit dim that the result drops.
// CHECK-LABEL: func.func @matmul_vector
// CHECK:         tensor.expand_shape %{{.*}} {{\[}}[0, 1]] output_shape [4, 1] : tensor<4xi32> into tensor<4x1xi32>
// CHECK:         linalg.matmul
// CHECK:         tensor.collapse_shape %{{.*}} : tensor<3x1xi32> into tensor<3xi32>
func.func @matmul_vector(%a: tensor<3x4xi32>, %b: tensor<4xi32>) -> tensor<3xi32> {
  %y = nn.matmul %a, %b : (tensor<3x4xi32>, tensor<4xi32>) -> tensor<3xi32>
  return %y : tensor<3xi32>
}

// -----

// CHECK-DAG: #[[X:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
// CHECK-DAG: #[[Y:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d3, d2)>
// CHECK-DAG: #[[Z:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @einsum_batch_matmul
// CHECK:         linalg.generic {indexing_maps = [#[[X]], #[[Y]], #[[Z]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
// CHECK:           arith.mulf
// CHECK:           arith.addf
func.func @einsum_batch_matmul(%x: tensor<5x2x3xf32>, %y: tensor<5x3x4xf32>) -> tensor<5x2x4xf32> {
  %z = nn.einsum %x, %y {equation = "bij, bjk -> bik"} : (tensor<5x2x3xf32>, tensor<5x3x4xf32>) -> tensor<5x2x4xf32>
  return %z : tensor<5x2x4xf32>
}

// -----

// Ellipses of different ranks align right: the 1-D one is the inner dim.
// CHECK-DAG: #[[A:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[B:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-LABEL: func.func @einsum_ellipsis_broadcast
// CHECK:         linalg.generic {indexing_maps = [#[[A]], #[[B]], #[[A]]], iterator_types = ["parallel", "parallel", "parallel"]}
func.func @einsum_ellipsis_broadcast(%x: tensor<2x3x4xf32>, %y: tensor<3x4xf32>) -> tensor<2x3x4xf32> {
  %z = nn.einsum %x, %y {equation = "...i,...i->...i"} : (tensor<2x3x4xf32>, tensor<3x4xf32>) -> tensor<2x3x4xf32>
  return %z : tensor<2x3x4xf32>
}

// -----

// A label repeated within an operand reads the diagonal.
// CHECK-DAG: #[[DIAG:.*]] = affine_map<(d0, d1) -> (d0, d1, d1)>
// CHECK-LABEL: func.func @einsum_batch_diagonal
// CHECK:         linalg.generic {indexing_maps = [#[[DIAG]], {{.*}}], iterator_types = ["parallel", "parallel"]}
func.func @einsum_batch_diagonal(%x: tensor<3x5x5xf32>) -> tensor<3x5xf32> {
  %y = nn.einsum %x {equation = "...ii ->...i"} : (tensor<3x5x5xf32>) -> tensor<3x5xf32>
  return %y : tensor<3x5xf32>
}

// -----

// Implicit output: labels used once, sorted; a scalar result here.
// CHECK-DAG: #[[V:.*]] = affine_map<(d0) -> (d0)>
// CHECK-DAG: #[[S:.*]] = affine_map<(d0) -> ()>
// CHECK-LABEL: func.func @einsum_inner_product
// CHECK:         linalg.generic {indexing_maps = [#[[V]], #[[V]], #[[S]]], iterator_types = ["reduction"]}
// CHECK-SAME:      outs(%{{.*}} : tensor<f32>)
func.func @einsum_inner_product(%x: tensor<5xf32>, %y: tensor<5xf32>) -> tensor<f32> {
  %z = nn.einsum %x, %y {equation = "i,i"} : (tensor<5xf32>, tensor<5xf32>) -> tensor<f32>
  return %z : tensor<f32>
}

// -----

// 16-bit floats accumulate in f32 and round once at the end.
// CHECK-LABEL: func.func @matmul_f16
// CHECK:         %[[P:.*]] = linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<3x4xf16>, tensor<4x5xf16>) outs(%{{.*}} : tensor<3x5xf32>)
// CHECK:         linalg.generic
// CHECK-SAME:      ins(%[[P]] : tensor<3x5xf32>) outs(%{{.*}} : tensor<3x5xf16>)
// CHECK:           arith.truncf %{{.*}} : f32 to f16
func.func @matmul_f16(%a: tensor<3x4xf16>, %b: tensor<4x5xf16>) -> tensor<3x5xf16> {
  %y = nn.matmul %a, %b : (tensor<3x4xf16>, tensor<4x5xf16>) -> tensor<3x5xf16>
  return %y : tensor<3x5xf16>
}

// -----

// The f16 bias is added in f32 while rounding.
// CHECK-LABEL: func.func @conv_f16_bias
// CHECK:         %[[C:.*]] = linalg.conv_2d_nchw_fchw
// CHECK-SAME:      outs(%{{.*}} : tensor<1x3x2x2xf32>)
// CHECK:         linalg.generic
// CHECK-SAME:      ins(%[[C]], %{{.*}} : tensor<1x3x2x2xf32>, tensor<3xf16>)
// CHECK:           arith.extf
// CHECK:           arith.addf
// CHECK:           arith.truncf
func.func @conv_f16_bias(%x: tensor<1x2x4x4xf16>, %w: tensor<3x2x3x3xf16>, %b: tensor<3xf16>) -> tensor<1x3x2x2xf16> {
  %y = nn.conv %x, %w, %b : (tensor<1x2x4x4xf16>, tensor<3x2x3x3xf16>, tensor<3xf16>) -> tensor<1x3x2x2xf16>
  return %y : tensor<1x3x2x2xf16>
}
