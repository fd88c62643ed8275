// RUN: tessera-opt %s -split-input-file -tessera-cpu-vectorize=channel-tile=32 -canonicalize | FileCheck %s

// A conv whose output width and channels take a register tile becomes
// loops around 7 x 32-wide FMAs with the accumulator in registers.
// CHECK-LABEL: func.func @tiled
// CHECK:         scf.for {{.*}} step %c32
// CHECK:           scf.for {{.*}} step %c7
// CHECK:             vector.transfer_read {{.*}} vector<1x7x32xf32>
// CHECK-COUNT-7:     vector.fma {{.*}} : vector<32xf32>
// CHECK:             vector.transfer_write
// CHECK-NOT:     linalg.conv_2d_nhwc_hwcf
func.func @tiled(%x: tensor<1x16x16x8xf32>, %w: tensor<3x3x8x64xf32>, %o: tensor<1x14x14x64xf32>) -> tensor<1x14x14x64xf32> {
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
     ins(%x, %w : tensor<1x16x16x8xf32>, tensor<3x3x8x64xf32>) outs(%o : tensor<1x14x14x64xf32>) -> tensor<1x14x14x64xf32>
  return %y : tensor<1x14x14x64xf32>
}

// -----

// Constant weights are packed by blocks of the tile's output channels,
// [F/32][KH][KW][C][32], and the conv runs once per block on one contiguous
// filter slice, writing its channels of the output.
// CHECK-LABEL: func.func @packed_filter
// CHECK-DAG:     %[[W:.*]] = arith.constant dense_resource<weights_transposed> : tensor<2x1x1x2x32xf32>
// CHECK-DAG:     %[[C2:.*]] = arith.constant 2 : index
// CHECK:         scf.for %[[FB:.*]] = %{{.*}} to %[[C2]] step %{{.*}} iter_args(%[[ACC:.*]] = %{{.*}}) -> (tensor<1x14x14x64xf32>)
// CHECK:           %[[WB:.*]] = tensor.extract_slice %[[W]][%[[FB]], 0, 0, 0, 0] [1, 1, 1, 2, 32] [1, 1, 1, 1, 1] : tensor<2x1x1x2x32xf32> to tensor<1x1x2x32xf32>
// CHECK:           %[[OFF:.*]] = arith.muli %[[FB]], %{{.*}} : index
// CHECK:           vector.transfer_read %[[WB]]
// CHECK-COUNT-7:   vector.fma {{.*}} : vector<32xf32>
// CHECK:           tensor.insert_slice %{{.*}} into %[[ACC]][0, 0, 0, %[[OFF]]] [1, 14, 14, 32] [1, 1, 1, 1]
// CHECK-NOT:     linalg.conv_2d_nhwc_hwcf
func.func @packed_filter(%x: tensor<1x14x14x2xf32>, %o: tensor<1x14x14x64xf32>) -> tensor<1x14x14x64xf32> {
  %w = arith.constant dense<[[[[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0, 17.0, 18.0, 19.0, 20.0, 21.0, 22.0, 23.0, 24.0, 25.0, 26.0, 27.0, 28.0, 29.0, 30.0, 31.0, 32.0, 33.0, 34.0, 35.0, 36.0, 37.0, 38.0, 39.0, 40.0, 41.0, 42.0, 43.0, 44.0, 45.0, 46.0, 47.0, 48.0, 49.0, 50.0, 51.0, 52.0, 53.0, 54.0, 55.0, 56.0, 57.0, 58.0, 59.0, 60.0, 61.0, 62.0, 63.0], [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0, 17.0, 18.0, 19.0, 20.0, 21.0, 22.0, 23.0, 24.0, 25.0, 26.0, 27.0, 28.0, 29.0, 30.0, 31.0, 32.0, 33.0, 34.0, 35.0, 36.0, 37.0, 38.0, 39.0, 40.0, 41.0, 42.0, 43.0, 44.0, 45.0, 46.0, 47.0, 48.0, 49.0, 50.0, 51.0, 52.0, 53.0, 54.0, 55.0, 56.0, 57.0, 58.0, 59.0, 60.0, 61.0, 62.0, 63.0]]]]> : tensor<1x1x2x64xf32>
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
     ins(%x, %w : tensor<1x14x14x2xf32>, tensor<1x1x2x64xf32>) outs(%o : tensor<1x14x14x64xf32>) -> tensor<1x14x14x64xf32>
  return %y : tensor<1x14x14x64xf32>
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
// in registers; each k step is one fused multiply-add of broadcasts (not a
// separate mulf and addf, which LLVM leaves as two instructions).
// CHECK-LABEL: func.func @matmul
// CHECK:         scf.for {{.*}} step %c6
// CHECK:           scf.for {{.*}} step %c16
// CHECK:             vector.transfer_read {{.*}} vector<6x16xf32>
// CHECK:             scf.for {{.*}} iter_args(%[[ACC:.*]] = {{.*}}) -> (vector<6x16xf32>)
// CHECK-NOT:           arith.mulf
// CHECK:               %[[FMA:.*]] = vector.fma {{.*}}, {{.*}}, %[[ACC]] : vector<6x16xf32>
// CHECK-NEXT:          scf.yield %[[FMA]]
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

// -----

// f32 elementwise generics are tiled to 16-wide vectors.
// CHECK-LABEL: func.func @elementwise
// CHECK:         scf.for
// CHECK:           arith.maximumf {{.*}} : vector<1x16xf32>
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @elementwise(%x: tensor<4x32xf32>) -> tensor<4x32xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x32xf32>
  %y = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<4x32xf32>) outs(%e : tensor<4x32xf32>) {
  ^bb0(%a: f32, %b: f32):
    %m = arith.maximumf %a, %z : f32
    linalg.yield %m : f32
  } -> tensor<4x32xf32>
  return %y : tensor<4x32xf32>
}

// -----

// Booleans (stored as packed bits in vectors) and libm-only math stay scalar.
// CHECK-LABEL: func.func @negative_bool_and_erf
// CHECK-NOT:     vector.
#id1 = affine_map<(d0) -> (d0)>
func.func @negative_bool_and_erf(%x: tensor<32xi1>, %y: tensor<32xf32>) -> (tensor<32xi1>, tensor<32xf32>) {
  %t = arith.constant true
  %e = tensor.empty() : tensor<32xi1>
  %n = linalg.generic {indexing_maps = [#id1, #id1], iterator_types = ["parallel"]}
      ins(%x : tensor<32xi1>) outs(%e : tensor<32xi1>) {
  ^bb0(%a: i1, %b: i1):
    %r = arith.xori %a, %t : i1
    linalg.yield %r : i1
  } -> tensor<32xi1>
  %f = tensor.empty() : tensor<32xf32>
  %g = linalg.generic {indexing_maps = [#id1, #id1], iterator_types = ["parallel"]}
      ins(%y : tensor<32xf32>) outs(%f : tensor<32xf32>) {
  ^bb0(%a: f32, %b: f32):
    %r = math.erf %a : f32
    linalg.yield %r : f32
  } -> tensor<32xf32>
  return %n, %g : tensor<32xi1>, tensor<32xf32>
}

// -----

// Depthwise convolutions: 7 pixels x 16 channels tiles, one 2-D FMA per tap.
// CHECK-LABEL: func.func @depthwise
// CHECK:         vector.fma {{.*}} : vector<1x7x16xf32>
// CHECK-NOT:     linalg.depthwise_conv_2d_nhwc_hwc
func.func @depthwise(%x: tensor<1x16x16x16xf32>, %w: tensor<3x3x16xf32>, %o: tensor<1x14x14x16xf32>) -> tensor<1x14x14x16xf32> {
  %y = linalg.depthwise_conv_2d_nhwc_hwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
     ins(%x, %w : tensor<1x16x16x16xf32>, tensor<3x3x16xf32>) outs(%o : tensor<1x14x14x16xf32>) -> tensor<1x14x14x16xf32>
  return %y : tensor<1x14x14x16xf32>
}

// -----

// Constant matmul weights are packed by blocks of the tile's columns,
// [N/16][K][16], and the matmul runs once per block on one contiguous
// K x 16 slice, writing its columns of the output.
// CHECK-LABEL: func.func @packed_matmul
// CHECK-DAG:     %[[W:.*]] = arith.constant dense_resource<weights_transposed> : tensor<2x4x16xf32>
// CHECK-DAG:     %[[C2:.*]] = arith.constant 2 : index
// CHECK:         scf.for %[[NB:.*]] = %{{.*}} to %[[C2]] step %{{.*}} iter_args(%[[ACC:.*]] = %{{.*}}) -> (tensor<6x32xf32>)
// CHECK:           tensor.extract_slice %[[W]][%[[NB]], 0, 0] [1, 4, 16] [1, 1, 1] : tensor<2x4x16xf32> to tensor<4x16xf32>
// CHECK:           %[[OFF:.*]] = arith.muli %[[NB]], %{{.*}} : index
// CHECK:           vector.fma {{.*}} : vector<6x16xf32>
// CHECK:           tensor.insert_slice %{{.*}} into %[[ACC]][0, %[[OFF]]] [6, 16] [1, 1]
// CHECK-NOT:     linalg.matmul
func.func @packed_matmul(%a: tensor<6x4xf32>, %o: tensor<6x32xf32>) -> tensor<6x32xf32> {
  %b = arith.constant dense<[[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0, 17.0, 18.0, 19.0, 20.0, 21.0, 22.0, 23.0, 24.0, 25.0, 26.0, 27.0, 28.0, 29.0, 30.0, 31.0], [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0, 17.0, 18.0, 19.0, 20.0, 21.0, 22.0, 23.0, 24.0, 25.0, 26.0, 27.0, 28.0, 29.0, 30.0, 31.0], [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0, 17.0, 18.0, 19.0, 20.0, 21.0, 22.0, 23.0, 24.0, 25.0, 26.0, 27.0, 28.0, 29.0, 30.0, 31.0], [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0, 17.0, 18.0, 19.0, 20.0, 21.0, 22.0, 23.0, 24.0, 25.0, 26.0, 27.0, 28.0, 29.0, 30.0, 31.0]]> : tensor<4x32xf32>
  %y = linalg.matmul ins(%a, %b : tensor<6x4xf32>, tensor<4x32xf32>) outs(%o : tensor<6x32xf32>) -> tensor<6x32xf32>
  return %y : tensor<6x32xf32>
}

// -----

// Ops on buffers are left as they are.
// CHECK-LABEL: func.func @negative_memref
// CHECK:         linalg.conv_2d_nhwc_hwcf
// CHECK:         linalg.matmul
// CHECK:         linalg.depthwise_conv_2d_nhwc_hwc
// CHECK-NOT:     vector.
func.func @negative_memref(%x: memref<1x16x16x8xf32>, %w: memref<3x3x8x64xf32>, %o: memref<1x14x14x64xf32>,
                           %a: memref<12x64xf32>, %b: memref<64x32xf32>, %c: memref<12x32xf32>,
                           %dx: memref<1x16x16x16xf32>, %dw: memref<3x3x16xf32>, %do: memref<1x14x14x16xf32>) {
  linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
     ins(%x, %w : memref<1x16x16x8xf32>, memref<3x3x8x64xf32>) outs(%o : memref<1x14x14x64xf32>)
  linalg.matmul ins(%a, %b : memref<12x64xf32>, memref<64x32xf32>) outs(%c : memref<12x32xf32>)
  linalg.depthwise_conv_2d_nhwc_hwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
     ins(%dx, %dw : memref<1x16x16x16xf32>, memref<3x3x16xf32>) outs(%do : memref<1x14x14x16xf32>)
  return
}

// -----

// A tile attribute already in the input does not make an op part of the
// group with that tile: the f64 conv tagged 7 x 32 stays as it is, untagged,
// while the f32 conv gets 7 x 32 tiles.
// CHECK-LABEL: func.func @negative_stale_tag
// CHECK:         vector.fma {{.*}} : vector<32xf32>
// CHECK:         linalg.conv_2d_nhwc_hwcf
// CHECK-NOT:       tessera.cpu_tile
// CHECK-SAME:      -> tensor<1x14x14x64xf64>
func.func @negative_stale_tag(%x: tensor<1x16x16x8xf32>, %w: tensor<3x3x8x64xf32>, %o: tensor<1x14x14x64xf32>,
                              %xd: tensor<1x16x16x8xf64>, %wd: tensor<3x3x8x64xf64>, %od: tensor<1x14x14x64xf64>)
    -> (tensor<1x14x14x64xf32>, tensor<1x14x14x64xf64>) {
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
     ins(%x, %w : tensor<1x16x16x8xf32>, tensor<3x3x8x64xf32>) outs(%o : tensor<1x14x14x64xf32>) -> tensor<1x14x14x64xf32>
  %yd = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>, tessera.cpu_tile = array<i64: 7, 32>}
     ins(%xd, %wd : tensor<1x16x16x8xf64>, tensor<3x3x8x64xf64>) outs(%od : tensor<1x14x14x64xf64>) -> tensor<1x14x14x64xf64>
  return %y, %yd : tensor<1x14x14x64xf32>, tensor<1x14x14x64xf64>
}

// -----

// The int8 path: an i8 x i8 conv into i32 takes the f32 conv's register tile
// (as many lanes), its operands sign-extended in the tile; the requantize's
// i64 products vectorize like any elementwise op.
// CHECK-LABEL: func.func @conv_i8_i32
// CHECK:         arith.extsi {{.*}} to vector<{{.*}}xi32>
// CHECK:         arith.muli {{.*}} : vector<32xi32>
// CHECK:         arith.addi {{.*}} : vector<{{.*}}32xi32>
func.func @conv_i8_i32(%x: tensor<1x16x16x8xi8>, %w: tensor<3x3x8x64xi8>, %o: tensor<1x14x14x64xi32>) -> tensor<1x14x14x64xi32> {
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
     ins(%x, %w : tensor<1x16x16x8xi8>, tensor<3x3x8x64xi8>) outs(%o : tensor<1x14x14x64xi32>) -> tensor<1x14x14x64xi32>
  return %y : tensor<1x14x14x64xi32>
}

// -----

// CHECK-LABEL: func.func @requantize_i64
// CHECK:         arith.muli {{.*}} : vector<1x16xi64>
// CHECK:         arith.trunci {{.*}} : vector<1x16xi64> to vector<1x16xi8>
#id2 = affine_map<(d0, d1) -> (d0, d1)>
func.func @requantize_i64(%x: tensor<4x32xi32>) -> tensor<4x32xi8> {
  %m = arith.constant 1690499128 : i64
  %e = tensor.empty() : tensor<4x32xi8>
  %y = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<4x32xi32>) outs(%e : tensor<4x32xi8>) {
  ^bb0(%a: i32, %b: i8):
    %w = arith.extsi %a : i32 to i64
    %p = arith.muli %w, %m : i64
    %t = arith.trunci %p : i64 to i8
    linalg.yield %t : i8
  } -> tensor<4x32xi8>
  return %y : tensor<4x32xi8>
}

// -----

// Other integer widths (i16 here) keep scalar loops.
// CHECK-LABEL: func.func @negative_conv_i16
// CHECK-NOT:     vector.
func.func @negative_conv_i16(%x: tensor<1x16x16x8xi16>, %w: tensor<3x3x8x64xi16>, %o: tensor<1x14x14x64xi16>) -> tensor<1x14x14x64xi16> {
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
     ins(%x, %w : tensor<1x16x16x8xi16>, tensor<3x3x8x64xi16>) outs(%o : tensor<1x14x14x64xi16>) -> tensor<1x14x14x64xi16>
  return %y : tensor<1x14x14x64xi16>
}
