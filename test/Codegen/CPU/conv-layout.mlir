// RUN: tessera-opt %s -split-input-file -tessera-cpu-conv-layout | FileCheck %s

// NCHW convolutions become NHWC/HWCF ones between transposes; constant
// weights are transposed at compile time and the zero init is refilled.
// CHECK-LABEL: func.func @conv
// CHECK-DAG:     %[[W:.*]] = arith.constant dense_resource<weights_transposed> : tensor<3x3x2x4xf32>
// CHECK:         %[[X:.*]] = linalg.transpose ins(%{{.*}} : tensor<1x2x6x6xf32>) outs(%{{.*}} : tensor<1x6x6x2xf32>) permutation = [0, 2, 3, 1]
// CHECK:         %[[F:.*]] = linalg.fill {{.*}} -> tensor<1x2x2x4xf32>
// CHECK:         %[[C:.*]] = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%[[X]], %[[W]] : tensor<1x6x6x2xf32>, tensor<3x3x2x4xf32>) outs(%[[F]] : tensor<1x2x2x4xf32>)
// CHECK:         linalg.transpose ins(%[[C]] : tensor<1x2x2x4xf32>) {{.*}} permutation = [0, 3, 1, 2]
// CHECK-NOT:     linalg.conv_2d_nchw_fchw
func.func @conv(%x: tensor<1x2x6x6xf32>) -> tensor<1x4x2x2xf32> {
  %w = arith.constant dense<[[[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]], [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]], [[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]], [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]], [[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]], [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]], [[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]], [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]]]> : tensor<4x2x3x3xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x4x2x2xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<1x4x2x2xf32>) -> tensor<1x4x2x2xf32>
  %y = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
     ins(%x, %w : tensor<1x2x6x6xf32>, tensor<4x2x3x3xf32>) outs(%f : tensor<1x4x2x2xf32>) -> tensor<1x4x2x2xf32>
  return %y : tensor<1x4x2x2xf32>
}

// -----

// Runtime weights are transposed at run time.
// CHECK-LABEL: func.func @runtime_weights
// CHECK:         linalg.transpose ins(%{{.*}} : tensor<4x2x3x3xf32>) {{.*}} permutation = [2, 3, 1, 0]
// CHECK:         linalg.conv_2d_nhwc_hwcf
func.func @runtime_weights(%x: tensor<1x2x6x6xf32>, %w: tensor<4x2x3x3xf32>, %init: tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32> {
  %y = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
     ins(%x, %w : tensor<1x2x6x6xf32>, tensor<4x2x3x3xf32>) outs(%init : tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  return %y : tensor<1x4x4x4xf32>
}

// -----

// Depthwise convolutions become NHWC/HWC too.
// CHECK-LABEL: func.func @depthwise
// CHECK:         linalg.depthwise_conv_2d_nhwc_hwc {{.*}} ins(%{{.*}}, %{{.*}} : tensor<1x6x6x8xf32>, tensor<3x3x8xf32>)
// CHECK-NOT:     linalg.depthwise_conv_2d_nchw_chw
func.func @depthwise(%x: tensor<1x8x6x6xf32>, %w: tensor<8x3x3xf32>, %init: tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32> {
  %y = linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
     ins(%x, %w : tensor<1x8x6x6xf32>, tensor<8x3x3xf32>) outs(%init : tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32>
  return %y : tensor<1x8x4x4xf32>
}

// -----

// Activations stay NHWC between convolutions: the transpose back to NCHW
// sinks through the ReLU, the padding and the max pooling, and cancels
// against the next convolution's transpose; the bias broadcast is built NHWC
// and the ReLU writes straight into the padded tensor.
// CHECK-LABEL: func.func @propagate
// CHECK-SAME:    %[[X:.*]]: tensor<1x8x8x8xf32>
// CHECK:         %[[XT:.*]] = linalg.transpose ins(%[[X]] : tensor<1x8x8x8xf32>) {{.*}} permutation = [0, 2, 3, 1]
// CHECK:         %[[B:.*]] = linalg.broadcast ins(%{{.*}} : tensor<16xf32>) outs(%{{.*}} : tensor<1x8x8x16xf32>) dimensions = [0, 1, 2]
// CHECK:         %[[C1:.*]] = linalg.conv_2d_nhwc_hwcf {{.*}} ins(%[[XT]], %{{.*}}) outs(%[[B]] : tensor<1x8x8x16xf32>)
// CHECK:         %[[PF:.*]] = linalg.fill {{.*}} -> tensor<1x10x10x16xf32>
// CHECK:         %[[PS:.*]] = tensor.extract_slice %[[PF]][0, 1, 1, 0] [1, 8, 8, 16] [1, 1, 1, 1]
// CHECK:         %[[R:.*]] = linalg.generic {{.*}} ins(%[[C1]] : tensor<1x8x8x16xf32>) outs(%[[PS]] : tensor<1x8x8x16xf32>)
// CHECK:         %[[P:.*]] = tensor.insert_slice %[[R]] into %[[PF]][0, 1, 1, 0] [1, 8, 8, 16] [1, 1, 1, 1]
// CHECK:         %[[M:.*]] = linalg.pooling_nhwc_max {{.*}} ins(%[[P]], %{{.*}} : tensor<1x10x10x16xf32>, tensor<3x3xf32>) {{.*}} -> tensor<1x8x8x16xf32>
// CHECK:         %[[C2:.*]] = linalg.conv_2d_nhwc_hwcf {{.*}} ins(%[[M]], %{{.*}} : tensor<1x8x8x16xf32>, tensor<1x1x16x16xf32>)
// CHECK:         %[[Y:.*]] = linalg.transpose ins(%[[C2]] : tensor<1x8x8x16xf32>) {{.*}} permutation = [0, 3, 1, 2]
// CHECK:         return %[[Y]]
func.func @propagate(%x: tensor<1x8x8x8xf32>, %w1: tensor<16x8x1x1xf32>, %b: tensor<16xf32>, %w2: tensor<16x16x1x1xf32>) -> tensor<1x16x8x8xf32> {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %e = tensor.empty() : tensor<1x16x8x8xf32>
  %bias = linalg.broadcast ins(%b : tensor<16xf32>) outs(%e : tensor<1x16x8x8xf32>) dimensions = [0, 2, 3]
  %c1 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
     ins(%x, %w1 : tensor<1x8x8x8xf32>, tensor<16x8x1x1xf32>) outs(%bias : tensor<1x16x8x8xf32>) -> tensor<1x16x8x8xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
     ins(%c1 : tensor<1x16x8x8xf32>) outs(%e : tensor<1x16x8x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<1x16x8x8xf32>
  %pe = tensor.empty() : tensor<1x16x10x10xf32>
  %pf = linalg.fill ins(%ninf : f32) outs(%pe : tensor<1x16x10x10xf32>) -> tensor<1x16x10x10xf32>
  %ps = tensor.extract_slice %pf[0, 0, 1, 1] [1, 16, 8, 8] [1, 1, 1, 1] : tensor<1x16x10x10xf32> to tensor<1x16x8x8xf32>
  %pc = linalg.copy ins(%r : tensor<1x16x8x8xf32>) outs(%ps : tensor<1x16x8x8xf32>) -> tensor<1x16x8x8xf32>
  %p = tensor.insert_slice %pc into %pf[0, 0, 1, 1] [1, 16, 8, 8] [1, 1, 1, 1] : tensor<1x16x8x8xf32> into tensor<1x16x10x10xf32>
  %mf = linalg.fill ins(%ninf : f32) outs(%e : tensor<1x16x8x8xf32>) -> tensor<1x16x8x8xf32>
  %win = tensor.empty() : tensor<3x3xf32>
  %mp = linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
     ins(%p, %win : tensor<1x16x10x10xf32>, tensor<3x3xf32>) outs(%mf : tensor<1x16x8x8xf32>) -> tensor<1x16x8x8xf32>
  %f2 = linalg.fill ins(%zero : f32) outs(%e : tensor<1x16x8x8xf32>) -> tensor<1x16x8x8xf32>
  %c2 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
     ins(%mp, %w2 : tensor<1x16x8x8xf32>, tensor<16x16x1x1xf32>) outs(%f2 : tensor<1x16x8x8xf32>) -> tensor<1x16x8x8xf32>
  return %c2 : tensor<1x16x8x8xf32>
}

// -----

// A residual add of two convolutions runs NHWC; a strided 1x1 convolution's
// cropped input is cropped NHWC; global average pooling reads NHWC directly.
// CHECK:       #[[$NHWC:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d2, d3, d1)>
// CHECK-LABEL: func.func @residual
// CHECK:         %[[C1:.*]] = linalg.conv_2d_nhwc_hwcf
// CHECK:         %[[C2:.*]] = linalg.conv_2d_nhwc_hwcf
// CHECK:         %[[A:.*]] = linalg.generic {{.*}} ins(%[[C1]], %[[C2]] : tensor<1x8x8x4xf32>, tensor<1x8x8x4xf32>) outs(%{{.*}} : tensor<1x8x8x4xf32>)
// CHECK:         %[[S:.*]] = tensor.extract_slice %[[A]][0, 0, 0, 0] [1, 7, 7, 4] [1, 1, 1, 1] : tensor<1x8x8x4xf32> to tensor<1x7x7x4xf32>
// CHECK:         %[[C3:.*]] = linalg.conv_2d_nhwc_hwcf {{.*}} ins(%[[S]], %{{.*}} : tensor<1x7x7x4xf32>, tensor<1x1x4x4xf32>)
// CHECK:         linalg.generic {indexing_maps = [#[[$NHWC]], #{{.*}}], iterator_types = ["parallel", "parallel", "reduction", "reduction"]} ins(%[[C3]] : tensor<1x4x4x4xf32>)
// CHECK-NOT:     linalg.transpose
// CHECK:         return
func.func @residual(%x: tensor<1x4x8x8xf32>, %w1: tensor<4x4x1x1xf32>, %w2: tensor<4x4x1x1xf32>, %w3: tensor<4x4x1x1xf32>) -> tensor<1x4xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x4x8x8xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  %c1 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
     ins(%x, %w1 : tensor<1x4x8x8xf32>, tensor<4x4x1x1xf32>) outs(%f : tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  %c2 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
     ins(%x, %w2 : tensor<1x4x8x8xf32>, tensor<4x4x1x1xf32>) outs(%f : tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  %a = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
     ins(%c1, %c2 : tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>) outs(%e : tensor<1x4x8x8xf32>) {
  ^bb0(%in: f32, %in2: f32, %out: f32):
    %s = arith.addf %in, %in2 : f32
    linalg.yield %s : f32
  } -> tensor<1x4x8x8xf32>
  %crop = tensor.extract_slice %a[0, 0, 0, 0] [1, 4, 7, 7] [1, 1, 1, 1] : tensor<1x4x8x8xf32> to tensor<1x4x7x7xf32>
  %e3 = tensor.empty() : tensor<1x4x4x4xf32>
  %f3 = linalg.fill ins(%zero : f32) outs(%e3 : tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  %c3 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
     ins(%crop, %w3 : tensor<1x4x7x7xf32>, tensor<4x4x1x1xf32>) outs(%f3 : tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  %ge = tensor.empty() : tensor<1x4xf32>
  %gf = linalg.fill ins(%zero : f32) outs(%ge : tensor<1x4xf32>) -> tensor<1x4xf32>
  %g = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1)>],
                       iterator_types = ["parallel", "parallel", "reduction", "reduction"]}
     ins(%c3 : tensor<1x4x4x4xf32>) outs(%gf : tensor<1x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.addf %out, %in : f32
    linalg.yield %s : f32
  } -> tensor<1x4xf32>
  return %g : tensor<1x4xf32>
}

// -----

// An elementwise op with a full-size NCHW operand of its own keeps the
// transpose in front of it (reading that operand permuted would cost as much).
// CHECK-LABEL: func.func @negative_nchw_operand
// CHECK:         %[[C:.*]] = linalg.conv_2d_nhwc_hwcf
// CHECK:         %[[T:.*]] = linalg.transpose ins(%[[C]] : tensor<1x8x8x4xf32>) {{.*}} permutation = [0, 3, 1, 2]
// CHECK:         linalg.generic {{.*}} ins(%[[T]], %{{.*}} : tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>)
func.func @negative_nchw_operand(%x: tensor<1x4x8x8xf32>, %w: tensor<4x4x1x1xf32>, %y: tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x4x8x8xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
     ins(%x, %w : tensor<1x4x8x8xf32>, tensor<4x4x1x1xf32>) outs(%f : tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  %a = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
     ins(%c, %y : tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>) outs(%e : tensor<1x4x8x8xf32>) {
  ^bb0(%in: f32, %in2: f32, %out: f32):
    %s = arith.addf %in, %in2 : f32
    linalg.yield %s : f32
  } -> tensor<1x4x8x8xf32>
  return %a : tensor<1x4x8x8xf32>
}

// -----

// A ShuffleNet unit stays NHWC: the concat of two convolutions' outputs
// becomes slices of one NHWC tensor (the ReLU writes straight into its
// slice), the channel shuffle becomes a transpose of the channel groups of
// the NHWC tensor and the split reads channel slices of it without copies.
// CHECK-LABEL: func.func @shuffle_unit
// CHECK:         %[[A:.*]] = linalg.conv_2d_nhwc_hwcf {{.*}} -> tensor<1x4x4x4xf32>
// CHECK:         %[[B:.*]] = linalg.conv_2d_nhwc_hwcf {{.*}} -> tensor<1x4x4x4xf32>
// CHECK:         %[[CAT:.*]] = tensor.empty() : tensor<1x4x4x8xf32>
// CHECK:         %[[S0:.*]] = tensor.extract_slice %[[CAT]][0, 0, 0, 0] [1, 4, 4, 4] [1, 1, 1, 1]
// CHECK:         %[[C0:.*]] = linalg.copy ins(%[[A]] : tensor<1x4x4x4xf32>) outs(%[[S0]] : tensor<1x4x4x4xf32>)
// CHECK:         %[[I0:.*]] = tensor.insert_slice %[[C0]] into %[[CAT]][0, 0, 0, 0] [1, 4, 4, 4] [1, 1, 1, 1]
// CHECK:         %[[S1:.*]] = tensor.extract_slice %[[I0]][0, 0, 0, 4] [1, 4, 4, 4] [1, 1, 1, 1]
// CHECK:         %[[R:.*]] = linalg.generic {{.*}} ins(%[[B]] : tensor<1x4x4x4xf32>) outs(%[[S1]] : tensor<1x4x4x4xf32>)
// CHECK:         %[[I1:.*]] = tensor.insert_slice %[[R]] into %[[I0]][0, 0, 0, 4] [1, 4, 4, 4] [1, 1, 1, 1]
// CHECK:         %[[EX:.*]] = tensor.expand_shape %[[I1]] {{\[\[}}0], [1], [2], [3, 4]] output_shape [1, 4, 4, 2, 4]
// CHECK:         %[[SH:.*]] = linalg.transpose ins(%[[EX]] : tensor<1x4x4x2x4xf32>) outs(%{{.*}} : tensor<1x4x4x4x2xf32>) permutation = [0, 1, 2, 4, 3]
// CHECK:         %[[CO:.*]] = tensor.collapse_shape %[[SH]] {{\[\[}}0], [1], [2], [3, 4]] : tensor<1x4x4x4x2xf32> into tensor<1x4x4x8xf32>
// CHECK:         %[[P0:.*]] = tensor.extract_slice %[[CO]][0, 0, 0, 0] [1, 4, 4, 4] [1, 1, 1, 1]
// CHECK:         %[[OUT0:.*]] = linalg.transpose ins(%[[P0]] : tensor<1x4x4x4xf32>) {{.*}} permutation = [0, 3, 1, 2]
// CHECK:         %[[P1:.*]] = tensor.extract_slice %[[CO]][0, 0, 0, 4] [1, 4, 4, 4] [1, 1, 1, 1]
// CHECK:         %[[Y:.*]] = linalg.conv_2d_nhwc_hwcf {{.*}} ins(%[[P1]], %{{.*}} : tensor<1x4x4x4xf32>, tensor<1x1x4x4xf32>)
// CHECK:         %[[OUT1:.*]] = linalg.transpose ins(%[[Y]] : tensor<1x4x4x4xf32>) {{.*}} permutation = [0, 3, 1, 2]
// CHECK:         return %[[OUT0]], %[[OUT1]]
// CHECK-NOT:     linalg.copy
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @shuffle_unit(%x: tensor<1x8x4x4xf32>, %wa: tensor<4x8x1x1xf32>, %wb: tensor<4x8x1x1xf32>, %wc: tensor<4x4x1x1xf32>) -> (tensor<1x4x4x4xf32>, tensor<1x4x4x4xf32>) {
  %z = arith.constant 0.0 : f32
  %e4 = tensor.empty() : tensor<1x4x4x4xf32>
  %f4 = linalg.fill ins(%z : f32) outs(%e4 : tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  %a = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
     ins(%x, %wa : tensor<1x8x4x4xf32>, tensor<4x8x1x1xf32>) outs(%f4 : tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  %b = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
     ins(%x, %wb : tensor<1x8x4x4xf32>, tensor<4x8x1x1xf32>) outs(%f4 : tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  %rb = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%b : tensor<1x4x4x4xf32>) outs(%e4 : tensor<1x4x4x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %z : f32
    linalg.yield %m : f32
  } -> tensor<1x4x4x4xf32>
  %e8 = tensor.empty() : tensor<1x8x4x4xf32>
  %s0 = tensor.extract_slice %e8[0, 0, 0, 0] [1, 4, 4, 4] [1, 1, 1, 1] : tensor<1x8x4x4xf32> to tensor<1x4x4x4xf32>
  %c0 = linalg.copy ins(%a : tensor<1x4x4x4xf32>) outs(%s0 : tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  %i0 = tensor.insert_slice %c0 into %e8[0, 0, 0, 0] [1, 4, 4, 4] [1, 1, 1, 1] : tensor<1x4x4x4xf32> into tensor<1x8x4x4xf32>
  %s1 = tensor.extract_slice %i0[0, 4, 0, 0] [1, 4, 4, 4] [1, 1, 1, 1] : tensor<1x8x4x4xf32> to tensor<1x4x4x4xf32>
  %c1 = linalg.copy ins(%rb : tensor<1x4x4x4xf32>) outs(%s1 : tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  %cat = tensor.insert_slice %c1 into %i0[0, 4, 0, 0] [1, 4, 4, 4] [1, 1, 1, 1] : tensor<1x4x4x4xf32> into tensor<1x8x4x4xf32>
  %ex = tensor.expand_shape %cat [[0], [1, 2], [3], [4]] output_shape [1, 2, 4, 4, 4] : tensor<1x8x4x4xf32> into tensor<1x2x4x4x4xf32>
  %e5 = tensor.empty() : tensor<1x4x2x4x4xf32>
  %t = linalg.transpose ins(%ex : tensor<1x2x4x4x4xf32>) outs(%e5 : tensor<1x4x2x4x4xf32>) permutation = [0, 2, 1, 3, 4]
  %sh = tensor.collapse_shape %t [[0], [1, 2], [3], [4]] : tensor<1x4x2x4x4xf32> into tensor<1x8x4x4xf32>
  %p0 = tensor.extract_slice %sh[0, 0, 0, 0] [1, 4, 4, 4] [1, 1, 1, 1] : tensor<1x8x4x4xf32> to tensor<1x4x4x4xf32>
  %q0 = linalg.copy ins(%p0 : tensor<1x4x4x4xf32>) outs(%e4 : tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  %p1 = tensor.extract_slice %sh[0, 4, 0, 0] [1, 4, 4, 4] [1, 1, 1, 1] : tensor<1x8x4x4xf32> to tensor<1x4x4x4xf32>
  %q1 = linalg.copy ins(%p1 : tensor<1x4x4x4xf32>) outs(%e4 : tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  %y = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
     ins(%q1, %wc : tensor<1x4x4x4xf32>, tensor<4x4x1x1xf32>) outs(%f4 : tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  return %q0, %y : tensor<1x4x4x4xf32>, tensor<1x4x4x4xf32>
}

// -----

// A concat of NCHW values that come from no NHWC transpose, and a
// "shuffle" whose transpose moves a spatial dimension, are left alone.
// CHECK-LABEL: func.func @negative_concat_shuffle_nchw
// CHECK:         tensor.insert_slice %{{.*}} into %{{.*}}[0, 0, 0, 0] [1, 4, 4, 4] [1, 1, 1, 1] : tensor<1x4x4x4xf32> into tensor<1x8x4x4xf32>
// CHECK:         tensor.insert_slice %{{.*}} into %{{.*}}[0, 4, 0, 0] [1, 4, 4, 4] [1, 1, 1, 1] : tensor<1x4x4x4xf32> into tensor<1x8x4x4xf32>
// CHECK:         tensor.expand_shape %{{.*}} {{\[\[}}0], [1, 2], [3], [4]]
// CHECK:         linalg.transpose {{.*}} permutation = [0, 3, 1, 2, 4]
// CHECK-NOT:     linalg.conv_2d_nhwc_hwcf
func.func @negative_concat_shuffle_nchw(%a: tensor<1x4x4x4xf32>, %b: tensor<1x4x4x4xf32>, %w: tensor<4x8x1x1xf32>) -> (tensor<1x8x4x4xf32>, tensor<1x4x2x4x4xf32>) {
  %e8 = tensor.empty() : tensor<1x8x4x4xf32>
  %i0 = tensor.insert_slice %a into %e8[0, 0, 0, 0] [1, 4, 4, 4] [1, 1, 1, 1] : tensor<1x4x4x4xf32> into tensor<1x8x4x4xf32>
  %cat = tensor.insert_slice %b into %i0[0, 4, 0, 0] [1, 4, 4, 4] [1, 1, 1, 1] : tensor<1x4x4x4xf32> into tensor<1x8x4x4xf32>
  %ex = tensor.expand_shape %cat [[0], [1, 2], [3], [4]] output_shape [1, 2, 4, 4, 4] : tensor<1x8x4x4xf32> into tensor<1x2x4x4x4xf32>
  %e5 = tensor.empty() : tensor<1x4x2x4x4xf32>
  %t = linalg.transpose ins(%ex : tensor<1x2x4x4x4xf32>) outs(%e5 : tensor<1x4x2x4x4xf32>) permutation = [0, 3, 1, 2, 4]
  return %cat, %t : tensor<1x8x4x4xf32>, tensor<1x4x2x4x4xf32>
}

// -----

// A depthwise filter [C, 1, KH, KW] collapsed to [C, KH, KW] is transposed
// at compile time too.
// CHECK-LABEL: func.func @depthwise_constant_filter
// CHECK:         %[[W:.*]] = arith.constant dense<1.000000e+00> : tensor<3x3x8xf32>
// CHECK:         linalg.depthwise_conv_2d_nhwc_hwc {{.*}} ins(%{{.*}}, %[[W]] : tensor<1x6x6x8xf32>, tensor<3x3x8xf32>)
// CHECK-NOT:     permutation = [1, 2, 0]
func.func @depthwise_constant_filter(%x: tensor<1x8x6x6xf32>, %init: tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32> {
  %w4 = arith.constant dense<1.0> : tensor<8x1x3x3xf32>
  %w = tensor.collapse_shape %w4 [[0, 1], [2], [3]] : tensor<8x1x3x3xf32> into tensor<8x3x3xf32>
  %y = linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
     ins(%x, %w : tensor<1x8x6x6xf32>, tensor<8x3x3xf32>) outs(%init : tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32>
  return %y : tensor<1x8x4x4xf32>
}
