// RUN: tessera-opt %s -split-input-file -tessera-cpu-vectorize -canonicalize | FileCheck %s

// A conv whose output width and channels take a register tile becomes
// loops around 7 x 16-wide FMAs with the accumulator in registers.
// CHECK-LABEL: func.func @tiled
// CHECK:         scf.for {{.*}} step %c16
// CHECK:           scf.for {{.*}} step %c7
// CHECK:             vector.transfer_read {{.*}} vector<1x7x16xf32>
// CHECK-COUNT-7:     vector.fma {{.*}} : vector<16xf32>
// CHECK:             vector.transfer_write
// CHECK-NOT:     linalg.conv_2d_nhwc_hwcf
func.func @tiled(%x: tensor<1x16x16x8xf32>, %w: tensor<3x3x8x32xf32>, %o: tensor<1x14x14x32xf32>) -> tensor<1x14x14x32xf32> {
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
     ins(%x, %w : tensor<1x16x16x8xf32>, tensor<3x3x8x32xf32>) outs(%o : tensor<1x14x14x32xf32>) -> tensor<1x14x14x32xf32>
  return %y : tensor<1x14x14x32xf32>
}

// -----

// Output channels that are not a multiple of 8 keep the conv as it is.
// CHECK-LABEL: func.func @negative_odd_channels
// CHECK:         linalg.conv_2d_nhwc_hwcf
// CHECK-NOT:     vector.fma
func.func @negative_odd_channels(%x: tensor<1x8x8x3xf32>, %w: tensor<3x3x3x5xf32>, %o: tensor<1x6x6x5xf32>) -> tensor<1x6x6x5xf32> {
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
     ins(%x, %w : tensor<1x8x8x3xf32>, tensor<3x3x3x5xf32>) outs(%o : tensor<1x6x6x5xf32>) -> tensor<1x6x6x5xf32>
  return %y : tensor<1x6x6x5xf32>
}
