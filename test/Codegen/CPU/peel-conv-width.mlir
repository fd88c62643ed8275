// RUN: tessera-opt %s -split-input-file -tessera-cpu-peel-conv-width | FileCheck %s

// A 3x3 convolution over a padded 15-wide input (13 output columns): 7
// columns, then 6, on slices of the same input and init.
// CHECK-LABEL: func.func @peel_3x3
// CHECK-SAME:    %[[X:.*]]: tensor<1x15x15x8xf32>, %[[W:.*]]: tensor<3x3x8x16xf32>, %[[I:.*]]: tensor<1x13x13x16xf32>
// CHECK:         %[[X0:.*]] = tensor.extract_slice %[[X]][0, 0, 0, 0] [1, 15, 9, 8] [1, 1, 1, 1]
// CHECK:         %[[I0:.*]] = tensor.extract_slice %[[I]][0, 0, 0, 0] [1, 13, 7, 16] [1, 1, 1, 1]
// CHECK:         %[[C0:.*]] = linalg.conv_2d_nhwc_hwcf {{.*}} ins(%[[X0]], %[[W]] : tensor<1x15x9x8xf32>, tensor<3x3x8x16xf32>) outs(%[[I0]] : tensor<1x13x7x16xf32>)
// CHECK:         %[[R0:.*]] = tensor.insert_slice %[[C0]] into %[[I]][0, 0, 0, 0] [1, 13, 7, 16] [1, 1, 1, 1]
// CHECK:         %[[X1:.*]] = tensor.extract_slice %[[X]][0, 0, 7, 0] [1, 15, 8, 8] [1, 1, 1, 1]
// CHECK:         %[[I1:.*]] = tensor.extract_slice %[[R0]][0, 0, 7, 0] [1, 13, 6, 16] [1, 1, 1, 1]
// CHECK:         %[[C1:.*]] = linalg.conv_2d_nhwc_hwcf {{.*}} ins(%[[X1]], %[[W]] : tensor<1x15x8x8xf32>, tensor<3x3x8x16xf32>) outs(%[[I1]] : tensor<1x13x6x16xf32>)
// CHECK:         %[[R1:.*]] = tensor.insert_slice %[[C1]] into %[[R0]][0, 0, 7, 0] [1, 13, 6, 16] [1, 1, 1, 1]
// CHECK:         return %[[R1]]
func.func @peel_3x3(%x: tensor<1x15x15x8xf32>, %w: tensor<3x3x8x16xf32>, %init: tensor<1x13x13x16xf32>) -> tensor<1x13x13x16xf32> {
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
     ins(%x, %w : tensor<1x15x15x8xf32>, tensor<3x3x8x16xf32>) outs(%init : tensor<1x13x13x16xf32>) -> tensor<1x13x13x16xf32>
  return %y : tensor<1x13x13x16xf32>
}

// -----

// Strided: output columns 21..26 of a stride-2 3x3 convolution read input
// columns 42..54.
// CHECK-LABEL: func.func @peel_strided
// CHECK:         tensor.extract_slice %{{.*}}[0, 0, 0, 0] [1, 55, 43, 4] [1, 1, 1, 1]
// CHECK:         linalg.conv_2d_nhwc_hwcf {{.*}} -> tensor<1x27x21x16xf32>
// CHECK:         tensor.extract_slice %{{.*}}[0, 0, 42, 0] [1, 55, 13, 4] [1, 1, 1, 1]
// CHECK:         linalg.conv_2d_nhwc_hwcf {{.*}} -> tensor<1x27x6x16xf32>
func.func @peel_strided(%x: tensor<1x55x55x4xf32>, %w: tensor<3x3x4x16xf32>, %init: tensor<1x27x27x16xf32>) -> tensor<1x27x27x16xf32> {
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
     ins(%x, %w : tensor<1x55x55x4xf32>, tensor<3x3x4x16xf32>) outs(%init : tensor<1x27x27x16xf32>) -> tensor<1x27x27x16xf32>
  return %y : tensor<1x27x27x16xf32>
}

// -----

// Widths that tile (multiples of 6, 7 or 8) and narrow ones: unchanged.
// CHECK-LABEL: func.func @negative_widths
// CHECK-COUNT-3: linalg.conv_2d_nhwc_hwcf
// CHECK-NOT:     tensor.extract_slice
func.func @negative_widths(%x14: tensor<1x14x14x4xf32>, %x16: tensor<1x16x16x4xf32>, %x5: tensor<1x5x5x4xf32>, %w: tensor<1x1x4x16xf32>, %i14: tensor<1x14x14x16xf32>, %i16: tensor<1x16x16x16xf32>, %i5: tensor<1x5x5x16xf32>) -> (tensor<1x14x14x16xf32>, tensor<1x16x16x16xf32>, tensor<1x5x5x16xf32>) {
  %a = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
     ins(%x14, %w : tensor<1x14x14x4xf32>, tensor<1x1x4x16xf32>) outs(%i14 : tensor<1x14x14x16xf32>) -> tensor<1x14x14x16xf32>
  %b = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
     ins(%x16, %w : tensor<1x16x16x4xf32>, tensor<1x1x4x16xf32>) outs(%i16 : tensor<1x16x16x16xf32>) -> tensor<1x16x16x16xf32>
  %c = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
     ins(%x5, %w : tensor<1x5x5x4xf32>, tensor<1x1x4x16xf32>) outs(%i5 : tensor<1x5x5x16xf32>) -> tensor<1x5x5x16xf32>
  return %a, %b, %c : tensor<1x14x14x16xf32>, tensor<1x16x16x16xf32>, tensor<1x5x5x16xf32>
}
