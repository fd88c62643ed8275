// RUN: tessera-opt %s -split-input-file -tessera-cpu-pad-channels | FileCheck %s
// RUN: tessera-opt %s -split-input-file -tessera-cpu-pad-channels=multiple=8 | FileCheck %s --check-prefix=EIGHT

// 14 output channels with a constant filter and bias: computed as 16, the
// filter and the bias zero-padded at compile time, the result read through
// a slice.
// CHECK-LABEL: func.func @conv_bias
// CHECK-DAG:     %[[W:.*]] = arith.constant dense_resource<weights_padded{{.*}}> : tensor<1x1x4x16xf32>
// CHECK-DAG:     %[[B:.*]] = arith.constant dense_resource<weights_padded{{.*}}> : tensor<16xf32>
// CHECK:         %[[E:.*]] = tensor.empty() : tensor<1x4x4x16xf32>
// CHECK:         %[[BC:.*]] = linalg.broadcast ins(%[[B]] : tensor<16xf32>) outs(%[[E]] : tensor<1x4x4x16xf32>) dimensions = [0, 1, 2]
// CHECK:         %[[C:.*]] = linalg.conv_2d_nhwc_hwcf {{.*}} ins(%{{.*}}, %[[W]] : tensor<1x4x4x4xf32>, tensor<1x1x4x16xf32>) outs(%[[BC]] : tensor<1x4x4x16xf32>)
// CHECK:         %[[S:.*]] = tensor.extract_slice %[[C]][0, 0, 0, 0] [1, 4, 4, 14] [1, 1, 1, 1] : tensor<1x4x4x16xf32> to tensor<1x4x4x14xf32>
// CHECK:         return %[[S]]
// EIGHT-LABEL: func.func @conv_bias
// EIGHT:         linalg.conv_2d_nhwc_hwcf {{.*}} outs(%{{.*}} : tensor<1x4x4x16xf32>)
func.func @conv_bias(%x: tensor<1x4x4x4xf32>) -> tensor<1x4x4x14xf32> {
  %w = arith.constant dense<1.0> : tensor<1x1x4x14xf32>
  %b = arith.constant dense<[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0]> : tensor<14xf32>
  %e = tensor.empty() : tensor<1x4x4x14xf32>
  %bc = linalg.broadcast ins(%b : tensor<14xf32>) outs(%e : tensor<1x4x4x14xf32>) dimensions = [0, 1, 2]
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
     ins(%x, %w : tensor<1x4x4x4xf32>, tensor<1x1x4x14xf32>) outs(%bc : tensor<1x4x4x14xf32>) -> tensor<1x4x4x14xf32>
  return %y : tensor<1x4x4x14xf32>
}

// -----

// A zero-filled init becomes a fill of the padded shape.
// CHECK-LABEL: func.func @conv_fill
// CHECK:         %[[F:.*]] = linalg.fill {{.*}} -> tensor<1x4x4x64xf32>
// CHECK:         %[[C:.*]] = linalg.conv_2d_nhwc_hwcf {{.*}} outs(%[[F]] : tensor<1x4x4x64xf32>)
// CHECK:         tensor.extract_slice %[[C]][0, 0, 0, 0] [1, 4, 4, 58] [1, 1, 1, 1]
func.func @conv_fill(%x: tensor<1x6x6x4xf32>) -> tensor<1x4x4x58xf32> {
  %w = arith.constant dense<0.5> : tensor<3x3x4x58xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x4x4x58xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<1x4x4x58xf32>) -> tensor<1x4x4x58xf32>
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
     ins(%x, %w : tensor<1x6x6x4xf32>, tensor<3x3x4x58xf32>) outs(%f : tensor<1x4x4x58xf32>) -> tensor<1x4x4x58xf32>
  return %y : tensor<1x4x4x58xf32>
}

// -----

// Already a multiple, runtime weights, an init that is neither a fill nor a
// constant bias, padding that would add more than a quarter of the
// channels (4 -> 16), and more than an eighth of a count 8 divides
// (40 -> 48): unchanged.
// CHECK-LABEL: func.func @negative_no_padding
// CHECK:         linalg.conv_2d_nhwc_hwcf {{.*}} -> tensor<1x4x4x32xf32>
// CHECK:         linalg.conv_2d_nhwc_hwcf {{.*}} -> tensor<1x4x4x14xf32>
// CHECK:         linalg.conv_2d_nhwc_hwcf {{.*}} -> tensor<1x4x4x14xf32>
// CHECK:         linalg.conv_2d_nhwc_hwcf {{.*}} -> tensor<1x4x4x4xf32>
// CHECK:         linalg.conv_2d_nhwc_hwcf {{.*}} -> tensor<1x4x4x40xf32>
// CHECK-NOT:     tensor.extract_slice
// EIGHT-LABEL: func.func @negative_no_padding
// EIGHT-NOT:     tensor.extract_slice
func.func @negative_no_padding(%x: tensor<1x4x4x4xf32>, %wr: tensor<1x1x4x14xf32>, %init: tensor<1x4x4x14xf32>) -> (tensor<1x4x4x32xf32>, tensor<1x4x4x14xf32>, tensor<1x4x4x14xf32>, tensor<1x4x4x4xf32>, tensor<1x4x4x40xf32>) {
  %z = arith.constant 0.0 : f32
  %w32 = arith.constant dense<1.0> : tensor<1x1x4x32xf32>
  %w14 = arith.constant dense<1.0> : tensor<1x1x4x14xf32>
  %w4 = arith.constant dense<1.0> : tensor<1x1x4x4xf32>
  %e32 = tensor.empty() : tensor<1x4x4x32xf32>
  %f32 = linalg.fill ins(%z : f32) outs(%e32 : tensor<1x4x4x32xf32>) -> tensor<1x4x4x32xf32>
  %e14 = tensor.empty() : tensor<1x4x4x14xf32>
  %f14 = linalg.fill ins(%z : f32) outs(%e14 : tensor<1x4x4x14xf32>) -> tensor<1x4x4x14xf32>
  %e4 = tensor.empty() : tensor<1x4x4x4xf32>
  %f4 = linalg.fill ins(%z : f32) outs(%e4 : tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  %a = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
     ins(%x, %w32 : tensor<1x4x4x4xf32>, tensor<1x1x4x32xf32>) outs(%f32 : tensor<1x4x4x32xf32>) -> tensor<1x4x4x32xf32>
  %b = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
     ins(%x, %wr : tensor<1x4x4x4xf32>, tensor<1x1x4x14xf32>) outs(%f14 : tensor<1x4x4x14xf32>) -> tensor<1x4x4x14xf32>
  %c = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
     ins(%x, %w14 : tensor<1x4x4x4xf32>, tensor<1x1x4x14xf32>) outs(%init : tensor<1x4x4x14xf32>) -> tensor<1x4x4x14xf32>
  %d = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
     ins(%x, %w4 : tensor<1x4x4x4xf32>, tensor<1x1x4x4xf32>) outs(%f4 : tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  %w40 = arith.constant dense<1.0> : tensor<1x1x4x40xf32>
  %e40 = tensor.empty() : tensor<1x4x4x40xf32>
  %f40 = linalg.fill ins(%z : f32) outs(%e40 : tensor<1x4x4x40xf32>) -> tensor<1x4x4x40xf32>
  %g = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
     ins(%x, %w40 : tensor<1x4x4x4xf32>, tensor<1x1x4x40xf32>) outs(%f40 : tensor<1x4x4x40xf32>) -> tensor<1x4x4x40xf32>
  return %a, %b, %c, %d, %g : tensor<1x4x4x32xf32>, tensor<1x4x4x14xf32>, tensor<1x4x4x14xf32>, tensor<1x4x4x4xf32>, tensor<1x4x4x40xf32>
}

// -----

// A depthwise convolution of a padded ReLU output: the padding is redone
// with 16 channels and the ReLU writes straight into it; filter and bias
// are zero-padded at compile time.
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func.func @depthwise_padded_input
// EIGHT-LABEL: func.func @depthwise_padded_input
// CHECK-DAG:     %[[W:.*]] = arith.constant dense_resource<weights_padded{{.*}}> : tensor<3x3x16xf32>
// CHECK:         %[[P:.*]] = linalg.fill {{.*}} -> tensor<1x6x6x16xf32>
// CHECK:         %[[S:.*]] = tensor.extract_slice %[[P]][0, 1, 1, 0] [1, 4, 4, 14] [1, 1, 1, 1]
// CHECK:         %[[R:.*]] = linalg.generic {{.*}} outs(%[[S]] : tensor<1x4x4x14xf32>)
// CHECK:         %[[I:.*]] = tensor.insert_slice %[[R]] into %[[P]][0, 1, 1, 0] [1, 4, 4, 14] [1, 1, 1, 1]
// CHECK:         %[[C:.*]] = linalg.depthwise_conv_2d_nhwc_hwc {{.*}} ins(%[[I]], %[[W]] : tensor<1x6x6x16xf32>, tensor<3x3x16xf32>) outs(%{{.*}} : tensor<1x4x4x16xf32>)
// CHECK:         tensor.extract_slice %[[C]][0, 0, 0, 0] [1, 4, 4, 14] [1, 1, 1, 1]
func.func @depthwise_padded_input(%x: tensor<1x4x4x14xf32>) -> tensor<1x4x4x14xf32> {
  %z = arith.constant 0.0 : f32
  %w = arith.constant dense<1.0> : tensor<3x3x14xf32>
  %e6 = tensor.empty() : tensor<1x6x6x14xf32>
  %f6 = linalg.fill ins(%z : f32) outs(%e6 : tensor<1x6x6x14xf32>) -> tensor<1x6x6x14xf32>
  %s = tensor.extract_slice %f6[0, 1, 1, 0] [1, 4, 4, 14] [1, 1, 1, 1] : tensor<1x6x6x14xf32> to tensor<1x4x4x14xf32>
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x : tensor<1x4x4x14xf32>) outs(%s : tensor<1x4x4x14xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %z : f32
    linalg.yield %m : f32
  } -> tensor<1x4x4x14xf32>
  %p = tensor.insert_slice %r into %f6[0, 1, 1, 0] [1, 4, 4, 14] [1, 1, 1, 1] : tensor<1x4x4x14xf32> into tensor<1x6x6x14xf32>
  %e4 = tensor.empty() : tensor<1x4x4x14xf32>
  %f4 = linalg.fill ins(%z : f32) outs(%e4 : tensor<1x4x4x14xf32>) -> tensor<1x4x4x14xf32>
  %y = linalg.depthwise_conv_2d_nhwc_hwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
     ins(%p, %w : tensor<1x6x6x14xf32>, tensor<3x3x14xf32>) outs(%f4 : tensor<1x4x4x14xf32>) -> tensor<1x4x4x14xf32>
  return %y : tensor<1x4x4x14xf32>
}

// -----

// Any other input is copied into the channels of a zero fill.
// CHECK-LABEL: func.func @depthwise_plain_input
// CHECK-SAME:    %[[X:.*]]: tensor<1x6x6x14xf32>
// CHECK:         %[[P:.*]] = linalg.fill {{.*}} -> tensor<1x6x6x16xf32>
// CHECK:         %[[I:.*]] = tensor.insert_slice %[[X]] into %[[P]][0, 0, 0, 0] [1, 6, 6, 14] [1, 1, 1, 1]
// CHECK:         linalg.depthwise_conv_2d_nhwc_hwc {{.*}} ins(%[[I]], %{{.*}} : tensor<1x6x6x16xf32>, tensor<3x3x16xf32>)
// CHECK-LABEL: func.func @negative_depthwise_runtime_filter
// CHECK:         linalg.depthwise_conv_2d_nhwc_hwc {{.*}} -> tensor<1x4x4x14xf32>
// CHECK-NOT:     tensor.extract_slice
func.func @depthwise_plain_input(%x: tensor<1x6x6x14xf32>) -> tensor<1x4x4x14xf32> {
  %z = arith.constant 0.0 : f32
  %w = arith.constant dense<1.0> : tensor<3x3x14xf32>
  %e4 = tensor.empty() : tensor<1x4x4x14xf32>
  %f4 = linalg.fill ins(%z : f32) outs(%e4 : tensor<1x4x4x14xf32>) -> tensor<1x4x4x14xf32>
  %y = linalg.depthwise_conv_2d_nhwc_hwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
     ins(%x, %w : tensor<1x6x6x14xf32>, tensor<3x3x14xf32>) outs(%f4 : tensor<1x4x4x14xf32>) -> tensor<1x4x4x14xf32>
  return %y : tensor<1x4x4x14xf32>
}

func.func @negative_depthwise_runtime_filter(%x: tensor<1x6x6x14xf32>, %w: tensor<3x3x14xf32>) -> tensor<1x4x4x14xf32> {
  %z = arith.constant 0.0 : f32
  %e4 = tensor.empty() : tensor<1x4x4x14xf32>
  %f4 = linalg.fill ins(%z : f32) outs(%e4 : tensor<1x4x4x14xf32>) -> tensor<1x4x4x14xf32>
  %y = linalg.depthwise_conv_2d_nhwc_hwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
     ins(%x, %w : tensor<1x6x6x14xf32>, tensor<3x3x14xf32>) outs(%f4 : tensor<1x4x4x14xf32>) -> tensor<1x4x4x14xf32>
  return %y : tensor<1x4x4x14xf32>
}

// -----

// The padding's copy (nn-to-linalg's pad of a value no generic produced)
// writes into the padded tensor directly too.
// CHECK-LABEL: func.func @depthwise_padded_copy
// CHECK-SAME:    %[[X:.*]]: tensor<1x4x4x14xf32>
// CHECK:         %[[P:.*]] = linalg.fill {{.*}} -> tensor<1x6x6x16xf32>
// CHECK:         %[[S:.*]] = tensor.extract_slice %[[P]][0, 1, 1, 0] [1, 4, 4, 14] [1, 1, 1, 1]
// CHECK:         %[[C:.*]] = linalg.copy ins(%[[X]] : tensor<1x4x4x14xf32>) outs(%[[S]] : tensor<1x4x4x14xf32>)
// CHECK:         %[[I:.*]] = tensor.insert_slice %[[C]] into %[[P]][0, 1, 1, 0] [1, 4, 4, 14] [1, 1, 1, 1]
// CHECK:         linalg.depthwise_conv_2d_nhwc_hwc {{.*}} ins(%[[I]], %{{.*}} : tensor<1x6x6x16xf32>, tensor<3x3x16xf32>)
func.func @depthwise_padded_copy(%x: tensor<1x4x4x14xf32>) -> tensor<1x4x4x14xf32> {
  %z = arith.constant 0.0 : f32
  %w = arith.constant dense<1.0> : tensor<3x3x14xf32>
  %e6 = tensor.empty() : tensor<1x6x6x14xf32>
  %f6 = linalg.fill ins(%z : f32) outs(%e6 : tensor<1x6x6x14xf32>) -> tensor<1x6x6x14xf32>
  %s = tensor.extract_slice %f6[0, 1, 1, 0] [1, 4, 4, 14] [1, 1, 1, 1] : tensor<1x6x6x14xf32> to tensor<1x4x4x14xf32>
  %c = linalg.copy ins(%x : tensor<1x4x4x14xf32>) outs(%s : tensor<1x4x4x14xf32>) -> tensor<1x4x4x14xf32>
  %p = tensor.insert_slice %c into %f6[0, 1, 1, 0] [1, 4, 4, 14] [1, 1, 1, 1] : tensor<1x4x4x14xf32> into tensor<1x6x6x14xf32>
  %e4 = tensor.empty() : tensor<1x4x4x14xf32>
  %f4 = linalg.fill ins(%z : f32) outs(%e4 : tensor<1x4x4x14xf32>) -> tensor<1x4x4x14xf32>
  %y = linalg.depthwise_conv_2d_nhwc_hwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
     ins(%p, %w : tensor<1x6x6x14xf32>, tensor<3x3x14xf32>) outs(%f4 : tensor<1x4x4x14xf32>) -> tensor<1x4x4x14xf32>
  return %y : tensor<1x4x4x14xf32>
}
