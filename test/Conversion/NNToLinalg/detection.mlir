// RUN: tessera-opt %s -split-input-file -convert-nn-to-linalg | FileCheck %s

// Bilinear GridSample: one generic over the output reading the grid's two
// coordinates and gathering the four neighbours with tensor.extract.
// CHECK-LABEL: func.func @grid_sample_bilinear
// CHECK:         linalg.generic {{.*}} outs(%{{.*}} : tensor<1x2x3x5xf32>)
// CHECK-COUNT-2:   tensor.extract %{{.*}} : tensor<1x3x5x2xf32>
// CHECK-COUNT-4:   tensor.extract %{{.*}} : tensor<1x2x4x4xf32>
// CHECK:           linalg.yield
func.func @grid_sample_bilinear(%x: tensor<1x2x4x4xf32>, %g: tensor<1x3x5x2xf32>) -> tensor<1x2x3x5xf32> {
  %y = nn.grid_sample %x, %g : (tensor<1x2x4x4xf32>, tensor<1x3x5x2xf32>) -> tensor<1x2x3x5xf32>
  return %y : tensor<1x2x3x5xf32>
}

// -----

// Bicubic with reflection: sixteen gathers, the coordinates rounded by floor
// and folded by the reflection (trunc of the period count).
// CHECK-LABEL: func.func @grid_sample_bicubic_reflection
// CHECK:         linalg.generic
// CHECK:           math.trunc
// CHECK-COUNT-16:  tensor.extract %{{.*}} : tensor<1x1x2x2xf32>
func.func @grid_sample_bicubic_reflection(%x: tensor<1x1x2x2xf32>, %g: tensor<1x2x2x2xf32>) -> tensor<1x1x2x2xf32> {
  %y = nn.grid_sample %x, %g {mode = "bicubic", padding_mode = "reflection"} : (tensor<1x1x2x2xf32>, tensor<1x2x2x2xf32>) -> tensor<1x1x2x2xf32>
  return %y : tensor<1x1x2x2xf32>
}

// -----

// Nearest rounds half to even.
// CHECK-LABEL: func.func @grid_sample_nearest
// CHECK:         math.roundeven
// CHECK-COUNT-1:   tensor.extract %{{.*}} : tensor<1x1x4x4xf32>
func.func @grid_sample_nearest(%x: tensor<1x1x4x4xf32>, %g: tensor<1x2x2x2xf32>) -> tensor<1x1x2x2xf32> {
  %y = nn.grid_sample %x, %g {mode = "nearest", padding_mode = "border"} : (tensor<1x1x4x4xf32>, tensor<1x2x2x2xf32>) -> tensor<1x1x2x2xf32>
  return %y : tensor<1x1x2x2xf32>
}

// -----

// RoiAlign: the sampling grid of each bin is a pair of scf.for loops whose
// bounds come from the box at run time; avg divides by the sample count.
// CHECK-LABEL: func.func @roi_align_avg
// CHECK:         linalg.generic {{.*}} outs(%{{.*}} : tensor<3x2x2x2xf32>)
// CHECK:           math.ceil
// CHECK:           scf.for
// CHECK:             scf.for
// CHECK-COUNT-4:       tensor.extract %{{.*}} : tensor<2x2x8x8xf32>
// CHECK:           arith.divf
func.func @roi_align_avg(%x: tensor<2x2x8x8xf32>, %r: tensor<3x4xf32>, %b: tensor<3xi64>) -> tensor<3x2x2x2xf32> {
  %y = nn.roi_align %x, %r, %b {output_height = 2 : i64, output_width = 2 : i64} : (tensor<2x2x8x8xf32>, tensor<3x4xf32>, tensor<3xi64>) -> tensor<3x2x2x2xf32>
  return %y : tensor<3x2x2x2xf32>
}

// -----

// Max mode with a fixed sampling ratio: no ceil, no division.
// CHECK-LABEL: func.func @roi_align_max
// CHECK-NOT:     math.ceil
// CHECK:         arith.maximumf
// CHECK:         return
func.func @roi_align_max(%x: tensor<1x1x8x8xf32>, %r: tensor<1x4xf32>, %b: tensor<1xi64>) -> tensor<1x1x2x2xf32> {
  %y = nn.roi_align %x, %r, %b {mode = "max", sampling_ratio = 2 : i64, output_height = 2 : i64, output_width = 2 : i64} : (tensor<1x1x8x8xf32>, tensor<1x4xf32>, tensor<1xi64>) -> tensor<1x1x2x2xf32>
  return %y : tensor<1x1x2x2xf32>
}

// -----

// Det: a loop over the batch, a private copy of each matrix, and per column
// a pivot search, a row swap and the elimination below the pivot.
// CHECK-LABEL: func.func @det
// CHECK:         scf.for {{.*}} -> (tensor<6xf32>)
// CHECK:           linalg.generic {{.*}} outs(%{{.*}} : tensor<3x3xf32>)
// CHECK:           scf.for {{.*}} -> (tensor<3x3xf32>, f32)
// CHECK:             math.absf
// CHECK:             scf.for {{.*}} -> (index, f32)
// CHECK:             tensor.insert
// CHECK:             arith.negf
// CHECK:             arith.divf
// CHECK:           tensor.insert %{{.*}} : tensor<6xf32>
// CHECK:         tensor.expand_shape {{.*}} into tensor<2x3xf32>
func.func @det(%x: tensor<2x3x3x3xf32>) -> tensor<2x3xf32> {
  %y = nn.det %x : (tensor<2x3x3x3xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

// MaxUnpool: zeros, then each value stored at its flat index.
// CHECK-LABEL: func.func @max_unpool
// CHECK:         linalg.fill {{.*}} -> tensor<32xf32>
// CHECK:         scf.for {{.*}} -> (tensor<32xf32>)
// CHECK:           tensor.extract %{{.*}} : tensor<8xi64>
// CHECK:           tensor.insert %{{.*}} : tensor<32xf32>
// CHECK:         tensor.expand_shape {{.*}} into tensor<1x2x4x4xf32>
func.func @max_unpool(%x: tensor<1x2x2x2xf32>, %i: tensor<1x2x2x2xi64>) -> tensor<1x2x4x4xf32> {
  %n = nn.none
  %y = nn.max_unpool %x, %i, %n {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<1x2x2x2xf32>, tensor<1x2x2x2xi64>, none) -> tensor<1x2x4x4xf32>
  return %y : tensor<1x2x4x4xf32>
}

// -----

// A constant output_shape larger than the unpooled shape: the unpooled
// tensor is zero-extended at the end of each dim.
// CHECK-LABEL: func.func @max_unpool_output_shape
// CHECK:         scf.for {{.*}} -> (tensor<16xf32>)
// CHECK:         tensor.expand_shape {{.*}} into tensor<1x1x4x4xf32>
// CHECK:         linalg.generic {{.*}} outs(%{{.*}} : tensor<1x1x5x5xf32>)
// CHECK:           tensor.extract %{{.*}} : tensor<1x1x4x4xf32>
// CHECK:           arith.select
func.func @max_unpool_output_shape(%x: tensor<1x1x2x2xf32>, %i: tensor<1x1x2x2xi64>) -> tensor<1x1x5x5xf32> {
  %s = nn.constant dense<[1, 1, 5, 5]> : tensor<4xi64>
  %y = nn.max_unpool %x, %i, %s {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<1x1x2x2xf32>, tensor<1x1x2x2xi64>, tensor<4xi64>) -> tensor<1x1x5x5xf32>
  return %y : tensor<1x1x5x5xf32>
}
