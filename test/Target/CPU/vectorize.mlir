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

// -----

// Matmuls take 6 x 16 register tiles over a k loop, the accumulator carried
// in registers.
// CHECK-LABEL: func.func @matmul
// CHECK:         scf.for {{.*}} step %c6
// CHECK:           scf.for {{.*}} step %c16
// CHECK:             vector.transfer_read {{.*}} vector<6x16xf32>
// CHECK:             scf.for {{.*}} iter_args({{.*}}) -> (vector<6x16xf32>)
// CHECK:               arith.mulf {{.*}} : vector<6x16x1xf32>
// CHECK-NOT:     linalg.matmul
func.func @matmul(%a: tensor<12x64xf32>, %b: tensor<64x32xf32>, %c: tensor<12x32xf32>) -> tensor<12x32xf32> {
  %r = linalg.matmul ins(%a, %b : tensor<12x64xf32>, tensor<64x32xf32>) outs(%c : tensor<12x32xf32>) -> tensor<12x32xf32>
  return %r : tensor<12x32xf32>
}

// -----

// CHECK-LABEL: func.func @batch_matmul
// CHECK:         scf.for
// CHECK:           vector.transfer_read {{.*}} vector<1x6x16xf32>
// CHECK-NOT:     linalg.batch_matmul
func.func @batch_matmul(%a: tensor<2x12x64xf32>, %b: tensor<2x64x32xf32>, %c: tensor<2x12x32xf32>) -> tensor<2x12x32xf32> {
  %r = linalg.batch_matmul ins(%a, %b : tensor<2x12x64xf32>, tensor<2x64x32xf32>) outs(%c : tensor<2x12x32xf32>) -> tensor<2x12x32xf32>
  return %r : tensor<2x12x32xf32>
}
