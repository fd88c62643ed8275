// RUN: tessera-opt %s -split-input-file -convert-nn-to-linalg | FileCheck %s

// saturate(round_half_to_even(x / scale) + zp) into the uint8 range.
// CHECK-LABEL: func.func @quantize_u8
// CHECK:         linalg.generic
// CHECK:           %[[Q:.*]] = arith.divf
// CHECK:           %[[R:.*]] = math.roundeven %[[Q]]
// CHECK:           %[[ZP:.*]] = arith.uitofp %{{.*}} : i8 to f32
// CHECK:           %[[S:.*]] = arith.addf %[[R]], %[[ZP]]
// CHECK:           arith.constant 0.000000e+00 : f32
// CHECK:           arith.maximumf
// CHECK:           arith.constant 2.550000e+02 : f32
// CHECK:           arith.minimumf
// CHECK:           arith.fptoui %{{.*}} : f32 to i8
func.func @quantize_u8(%x: tensor<6xf32>, %s: tensor<f32>, %zp: tensor<ui8>) -> tensor<6xui8> {
  %y = nn.quantize_linear %x, %s, %zp : (tensor<6xf32>, tensor<f32>, tensor<ui8>) -> tensor<6xui8>
  return %y : tensor<6xui8>
}

// -----

// Per-axis parameters are read along the axis; int8 saturates to [-128, 127].
// CHECK-DAG: #[[AXIS:.*]] = affine_map<(d0, d1, d2) -> (d1)>
// CHECK-LABEL: func.func @quantize_axis_i8
// CHECK:         linalg.generic {indexing_maps = [#{{.*}}, #[[AXIS]], #[[AXIS]], #{{.*}}]
// CHECK:           arith.constant -1.280000e+02 : f32
// CHECK:           arith.constant 1.270000e+02 : f32
// CHECK:           arith.fptosi %{{.*}} : f32 to i8
func.func @quantize_axis_i8(%x: tensor<2x3x4xf32>, %s: tensor<3xf32>, %zp: tensor<3xi8>) -> tensor<2x3x4xi8> {
  %y = nn.quantize_linear %x, %s, %zp : (tensor<2x3x4xf32>, tensor<3xf32>, tensor<3xi8>) -> tensor<2x3x4xi8>
  return %y : tensor<2x3x4xi8>
}

// -----

// Without a zero point the output is uint8 around 0.
// CHECK-LABEL: func.func @quantize_default_zero_point
// CHECK:           math.roundeven
// CHECK-NOT:       arith.addf
// CHECK:           arith.fptoui
func.func @quantize_default_zero_point(%x: tensor<4xf32>, %s: tensor<f32>) -> tensor<4xui8> {
  %none = nn.none
  %y = nn.quantize_linear %x, %s, %none : (tensor<4xf32>, tensor<f32>, none) -> tensor<4xui8>
  return %y : tensor<4xui8>
}

// -----

// (x - zp) * scale with the difference taken in i32.
// CHECK-LABEL: func.func @dequantize_u8
// CHECK:         linalg.generic
// CHECK:           %[[X:.*]] = arith.extui %{{.*}} : i8 to i32
// CHECK:           %[[ZP:.*]] = arith.extui %{{.*}} : i8 to i32
// CHECK:           %[[D:.*]] = arith.subi %[[X]], %[[ZP]] : i32
// CHECK:           %[[F:.*]] = arith.sitofp %[[D]] : i32 to f32
// CHECK:           arith.mulf %[[F]], %{{.*}} : f32
func.func @dequantize_u8(%x: tensor<4xui8>, %s: tensor<f32>, %zp: tensor<ui8>) -> tensor<4xf32> {
  %y = nn.dequantize_linear %x, %s, %zp : (tensor<4xui8>, tensor<f32>, tensor<ui8>) -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

// Zero points are subtracted after widening; A's is per row, B's per column.
// CHECK-DAG: #[[A:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[B:.*]] = affine_map<(d0, d1, d2) -> (d2, d1)>
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1, d2) -> (d0)>
// CHECK-DAG: #[[COL:.*]] = affine_map<(d0, d1, d2) -> (d1)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @matmul_integer
// CHECK:         linalg.generic {indexing_maps = [#[[A]], #[[B]], #[[ROW]], #[[COL]], #[[OUT]]], iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK:           arith.extui %{{.*}} : i8 to i32
// CHECK:           arith.extsi %{{.*}} : i8 to i32
// CHECK:           arith.subi
// CHECK:           arith.subi
// CHECK:           arith.muli
// CHECK:           arith.addi
func.func @matmul_integer(%a: tensor<3x5xui8>, %b: tensor<5x4xi8>, %azp: tensor<3xui8>, %bzp: tensor<4xi8>) -> tensor<3x4xi32> {
  %y = nn.matmul_integer %a, %b, %azp, %bzp : (tensor<3x5xui8>, tensor<5x4xi8>, tensor<3xui8>, tensor<4xi8>) -> tensor<3x4xi32>
  return %y : tensor<3x4xi32>
}

// -----

// The i32 accumulator is requantized in f32.
// CHECK-LABEL: func.func @qlinear_matmul
// CHECK:         %[[ACC:.*]] = linalg.generic
// CHECK-SAME:      iterator_types = ["parallel", "parallel", "reduction"]
// CHECK:         linalg.generic
// CHECK-SAME:      ins(%[[ACC]], {{.*}} : tensor<2x4xi32>,
// CHECK:           arith.sitofp %{{.*}} : i32 to f32
// CHECK:           arith.mulf
// CHECK:           arith.divf
// CHECK:           arith.mulf
// CHECK:           math.roundeven
// CHECK:           arith.fptoui %{{.*}} : f32 to i8
func.func @qlinear_matmul(%a: tensor<2x3xui8>, %as: tensor<f32>, %azp: tensor<ui8>, %b: tensor<3x4xui8>, %bs: tensor<f32>, %bzp: tensor<ui8>, %ys: tensor<f32>, %yzp: tensor<ui8>) -> tensor<2x4xui8> {
  %y = nn.qlinear_matmul %a, %as, %azp, %b, %bs, %bzp, %ys, %yzp : (tensor<2x3xui8>, tensor<f32>, tensor<ui8>, tensor<3x4xui8>, tensor<f32>, tensor<ui8>, tensor<f32>, tensor<ui8>) -> tensor<2x4xui8>
  return %y : tensor<2x4xui8>
}

// -----

// The input is widened and shifted by its zero point, then padded with 0 (a
// generic reading clamped indices), then convolved in i32.
// CHECK-DAG: #[[X:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d4, d2 * 2 + d5, d3 + d6)>
// CHECK-DAG: #[[W:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d1, d4, d5, d6)>
// CHECK-DAG: #[[Y:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func.func @conv_integer
// CHECK:         arith.subi
// CHECK:         %[[PAD:.*]] = linalg.generic {{.*}}outs(%{{.*}} : tensor<1x1x7x7xi32>)
// CHECK:           tensor.extract
// CHECK:           arith.select
// CHECK:         linalg.generic {indexing_maps = [#[[X]], #[[W]], #[[Y]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
// CHECK-SAME:      ins(%[[PAD]], %{{.*}} : tensor<1x1x7x7xi32>, tensor<2x1x3x3xi32>)
// CHECK:           arith.muli
// CHECK:           arith.addi
func.func @conv_integer(%x: tensor<1x1x5x5xui8>, %w: tensor<2x1x3x3xui8>, %xzp: tensor<ui8>) -> tensor<1x2x3x5xi32> {
  %none = nn.none
  %y = nn.conv_integer %x, %w, %xzp, %none {pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 1>} : (tensor<1x1x5x5xui8>, tensor<2x1x3x3xui8>, tensor<ui8>, none) -> tensor<1x2x3x5xi32>
  return %y : tensor<1x2x3x5xi32>
}

// -----

// Groups read input channel (m floordiv filters-per-group) * C/group + c;
// per-channel w_scale and the i32 bias are read along dim 1.
// CHECK-DAG: #[[XG:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, (d1 floordiv 2) * 2 + d4, d2 + d5, d3 + d6)>
// CHECK-DAG: #[[CH:.*]] = affine_map<(d0, d1, d2, d3) -> (d1)>
// CHECK-LABEL: func.func @qlinear_conv
// CHECK:         linalg.generic {indexing_maps = [#[[XG]],
// CHECK:         linalg.generic {indexing_maps = [#{{.*}}, #{{.*}}, #[[CH]], #{{.*}}, #{{.*}}, #[[CH]], #{{.*}}]
// CHECK:           arith.addi
// CHECK:           math.roundeven
// CHECK:           arith.fptosi %{{.*}} : f32 to i8
func.func @qlinear_conv(%x: tensor<1x4x3x3xi8>, %xs: tensor<f32>, %xzp: tensor<i8>, %w: tensor<4x2x1x1xi8>, %ws: tensor<4xf32>, %wzp: tensor<4xi8>, %ys: tensor<f32>, %yzp: tensor<i8>, %b: tensor<4xi32>) -> tensor<1x4x3x3xi8> {
  %y = nn.qlinear_conv %x, %xs, %xzp, %w, %ws, %wzp, %ys, %yzp, %b {group = 2 : i64} : (tensor<1x4x3x3xi8>, tensor<f32>, tensor<i8>, tensor<4x2x1x1xi8>, tensor<4xf32>, tensor<4xi8>, tensor<f32>, tensor<i8>, tensor<4xi32>) -> tensor<1x4x3x3xi8>
  return %y : tensor<1x4x3x3xi8>
}

// -----

// int8 x and w, constant x zero point, no weight zero point: the named conv
// of the i8 tensors into i32 (the CPU fast path), x padded with its zero
// point, the accumulator starting from -x_zp * sum(w[m]) = -(-2) * 9 * 2.
// CHECK-LABEL: func.func @conv_integer_i8_named
// CHECK:         %[[CORR:.*]] = arith.constant dense<36> : tensor<4xi32>
// CHECK:         %[[INIT:.*]] = linalg.broadcast ins(%[[CORR]] : tensor<4xi32>) {{.*}} dimensions = [0, 2, 3]
// CHECK:         %[[PAD:.*]] = linalg.fill ins(%{{.*}} : i8) outs(%{{.*}} : tensor<1x3x7x7xi8>)
// CHECK:         linalg.conv_2d_nchw_fchw {{.*}}ins(%{{.*}}, %{{.*}} : tensor<1x3x7x7xi8>, tensor<4x3x3x3xi8>) outs(%[[INIT]] : tensor<1x4x5x5xi32>)
// CHECK-NOT:     linalg.generic
func.func @conv_integer_i8_named(%x: tensor<1x3x5x5xi8>) -> tensor<1x4x5x5xi32> {
  %w = nn.constant dense<[[[[2, 2, 2], [2, 2, 2], [2, 2, 2]], [[0, 0, 0], [0, 0, 0], [0, 0, 0]], [[0, 0, 0], [0, 0, 0], [0, 0, 0]]], [[[2, 2, 2], [2, 2, 2], [2, 2, 2]], [[0, 0, 0], [0, 0, 0], [0, 0, 0]], [[0, 0, 0], [0, 0, 0], [0, 0, 0]]], [[[2, 2, 2], [2, 2, 2], [2, 2, 2]], [[0, 0, 0], [0, 0, 0], [0, 0, 0]], [[0, 0, 0], [0, 0, 0], [0, 0, 0]]], [[[2, 2, 2], [2, 2, 2], [2, 2, 2]], [[0, 0, 0], [0, 0, 0], [0, 0, 0]], [[0, 0, 0], [0, 0, 0], [0, 0, 0]]]]> : tensor<4x3x3x3xi8>
  %xzp = nn.constant dense<-2> : tensor<i8>
  %none = nn.none
  %y = nn.conv_integer %x, %w, %xzp, %none {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x3x5x5xi8>, tensor<4x3x3x3xi8>, tensor<i8>, none) -> tensor<1x4x5x5xi32>
  return %y : tensor<1x4x5x5xi32>
}

// -----

// Without a zero point the accumulator starts from zero; depthwise convs
// take the named depthwise op.
// CHECK-LABEL: func.func @conv_integer_i8_depthwise
// CHECK:         linalg.fill ins(%{{.*}} : i32)
// CHECK:         linalg.depthwise_conv_2d_nchw_chw {{.*}}ins(%{{.*}}, %{{.*}} : tensor<1x8x6x6xi8>, tensor<8x3x3xi8>) outs(%{{.*}} : tensor<1x8x4x4xi32>)
func.func @conv_integer_i8_depthwise(%x: tensor<1x8x6x6xi8>) -> tensor<1x8x4x4xi32> {
  %w = nn.constant dense<1> : tensor<8x1x3x3xi8>
  %none = nn.none
  %y = nn.conv_integer %x, %w, %none, %none {group = 8 : i64} : (tensor<1x8x6x6xi8>, tensor<8x1x3x3xi8>, none, none) -> tensor<1x8x4x4xi32>
  return %y : tensor<1x8x4x4xi32>
}

// -----

// A zero point that is no constant, or non-constant weights with a zero
// point to correct, keep the generic i32 conv.
// CHECK-LABEL: func.func @negative_conv_integer_dynamic_zero_point
// CHECK-NOT:     linalg.conv_2d_nchw_fchw
// CHECK:         linalg.generic
func.func @negative_conv_integer_dynamic_zero_point(%x: tensor<1x3x5x5xi8>, %xzp: tensor<i8>) -> tensor<1x4x3x3xi32> {
  %w = nn.constant dense<1> : tensor<4x3x3x3xi8>
  %none = nn.none
  %y = nn.conv_integer %x, %w, %xzp, %none : (tensor<1x3x5x5xi8>, tensor<4x3x3x3xi8>, tensor<i8>, none) -> tensor<1x4x3x3xi32>
  return %y : tensor<1x4x3x3xi32>
}

// -----

// CHECK-LABEL: func.func @negative_conv_integer_weights_not_constant
// CHECK-NOT:     linalg.conv_2d_nchw_fchw
// CHECK:         linalg.generic
func.func @negative_conv_integer_weights_not_constant(%x: tensor<1x3x5x5xi8>, %w: tensor<4x3x3x3xi8>) -> tensor<1x4x3x3xi32> {
  %xzp = nn.constant dense<1> : tensor<i8>
  %none = nn.none
  %y = nn.conv_integer %x, %w, %xzp, %none : (tensor<1x3x5x5xi8>, tensor<4x3x3x3xi8>, tensor<i8>, none) -> tensor<1x4x3x3xi32>
  return %y : tensor<1x4x3x3xi32>
}
