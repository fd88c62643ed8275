// RUN: tessera-opt %s -split-input-file -convert-nn-to-linalg | FileCheck %s

// Reshape-like ops are views: one collapse or expand when the dims group.
// CHECK-LABEL: func.func @reshape
// CHECK:         %[[C:.*]] = tensor.collapse_shape %{{.*}} {{\[}}[0, 1], [2]] : tensor<2x3x4xf32> into tensor<6x4xf32>
// CHECK:         return %[[C]]
func.func @reshape(%x: tensor<2x3x4xf32>) -> tensor<6x4xf32> {
  %s = nn.constant dense<[6, 4]> : tensor<2xi64>
  %y = nn.reshape %x, %s : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<6x4xf32>
  return %y : tensor<6x4xf32>
}

// -----

// CHECK-LABEL: func.func @unsqueeze_scalar
// CHECK:         tensor.expand_shape %{{.*}} [] output_shape [1, 1] : tensor<f32> into tensor<1x1xf32>
func.func @unsqueeze_scalar(%x: tensor<f32>) -> tensor<1x1xf32> {
  %a = nn.constant dense<[0, 1]> : tensor<2xi64>
  %y = nn.unsqueeze %x, %a : (tensor<f32>, tensor<2xi64>) -> tensor<1x1xf32>
  return %y : tensor<1x1xf32>
}

// -----

// No perm reverses the dims.
// CHECK-LABEL: func.func @transpose_default
// CHECK:         linalg.transpose ins(%{{.*}} : tensor<2x3x4xf32>) outs(%{{.*}} : tensor<4x3x2xf32>) permutation = [2, 1, 0]
func.func @transpose_default(%x: tensor<2x3x4xf32>) -> tensor<4x3x2xf32> {
  %y = nn.transpose %x : (tensor<2x3x4xf32>) -> tensor<4x3x2xf32>
  return %y : tensor<4x3x2xf32>
}

// -----

// Each operand is copied into its window of the result (a linalg.copy, so
// no strided memref.copy is needed after bufferization).
// CHECK-LABEL: func.func @concat
// CHECK:         %[[E:.*]] = tensor.empty() : tensor<2x5xf32>
// CHECK:         %[[W0:.*]] = tensor.extract_slice %[[E]][0, 0] [2, 2] [1, 1]
// CHECK:         %[[C0:.*]] = linalg.copy ins(%{{.*}} : tensor<2x2xf32>) outs(%[[W0]] : tensor<2x2xf32>)
// CHECK:         %[[I0:.*]] = tensor.insert_slice %[[C0]] into %[[E]][0, 0] [2, 2] [1, 1]
// CHECK:         %[[W1:.*]] = tensor.extract_slice %[[I0]][0, 2] [2, 3] [1, 1]
// CHECK:         %[[C1:.*]] = linalg.copy ins(%{{.*}} : tensor<2x3xf32>) outs(%[[W1]] : tensor<2x3xf32>)
// CHECK:         tensor.insert_slice %[[C1]] into %[[I0]][0, 2] [2, 3] [1, 1]
func.func @concat(%a: tensor<2x2xf32>, %b: tensor<2x3xf32>) -> tensor<2x5xf32> {
  %y = nn.concat %a, %b {axis = -1 : i64} : (tensor<2x2xf32>, tensor<2x3xf32>) -> tensor<2x5xf32>
  return %y : tensor<2x5xf32>
}

// -----

// Part sizes come from the static result types.
// CHECK-LABEL: func.func @split
// CHECK:         tensor.extract_slice %{{.*}}[0, 0] [2, 4] [1, 1] : tensor<6x4xf32> to tensor<2x4xf32>
// CHECK:         linalg.copy
// CHECK:         tensor.extract_slice %{{.*}}[2, 0] [4, 4] [1, 1] : tensor<6x4xf32> to tensor<4x4xf32>
// CHECK:         linalg.copy
func.func @split(%x: tensor<6x4xf32>) -> (tensor<2x4xf32>, tensor<4x4xf32>) {
  %s = nn.constant dense<[2, 4]> : tensor<2xi64>
  %a, %b = nn.split %x, %s : (tensor<6x4xf32>, tensor<2xi64>) -> (tensor<2x4xf32>, tensor<4x4xf32>)
  return %a, %b : tensor<2x4xf32>, tensor<4x4xf32>
}

// -----

// Elements 8, 6, 4, 2: a stride-2 slice from 2, then reversed.
// CHECK-DAG:   #[[REV:.*]] = affine_map<(d0, d1) -> (-d0 + 3, d1)>
// CHECK-LABEL: func.func @slice_negative_step
// CHECK:         %[[S:.*]] = tensor.extract_slice %{{.*}}[2, 0] [4, 5] [2, 1] : tensor<10x5xf32> to tensor<4x5xf32>
// CHECK:         linalg.generic {indexing_maps = [#[[REV]], {{.*}}]{{.*}} ins(%[[S]] : tensor<4x5xf32>)
func.func @slice_negative_step(%x: tensor<10x5xf32>) -> tensor<4x5xf32> {
  %starts = nn.constant dense<[8]> : tensor<1xi64>
  %ends = nn.constant dense<[0]> : tensor<1xi64>
  %axes = nn.constant dense<[0]> : tensor<1xi64>
  %steps = nn.constant dense<[-2]> : tensor<1xi64>
  %y = nn.slice %x, %starts, %ends, %axes, %steps : (tensor<10x5xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<4x5xf32>
  return %y : tensor<4x5xf32>
}

// -----

// Runtime starts: out[i] = data[start + i * step], read with tensor.extract.
// CHECK-LABEL: func.func @slice_runtime
// CHECK:         tensor.extract %{{.*}}[%{{.*}}] : tensor<1xi64>
// CHECK:         linalg.generic
// CHECK:           arith.muli
// CHECK:           arith.addi
// CHECK:           tensor.extract %{{.*}}[%{{.*}}, %{{.*}}] : tensor<10x5xf32>
func.func @slice_runtime(%x: tensor<10x5xf32>, %starts: tensor<1xi64>, %ends: tensor<1xi64>) -> tensor<3x5xf32> {
  %n = nn.none
  %y = nn.slice %x, %starts, %ends, %n, %n : (tensor<10x5xf32>, tensor<1xi64>, tensor<1xi64>, none, none) -> tensor<3x5xf32>
  return %y : tensor<3x5xf32>
}

// -----

// Indices are read as an input; negative ones wrap by the axis size.
// CHECK-DAG:   #[[IDX:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-LABEL: func.func @gather
// CHECK:         linalg.generic {indexing_maps = [#[[IDX]], {{.*}}]{{.*}} ins(%{{.*}} : tensor<2x3xi64>)
// CHECK:           %[[K:.*]] = arith.index_cast %{{.*}} : i64 to index
// CHECK:           arith.cmpi slt, %[[K]]
// CHECK:           %[[I0:.*]] = linalg.index 0 : index
// CHECK:           tensor.extract %{{.*}}[%[[I0]], %{{.*}}] : tensor<5x4xf32>
func.func @gather(%x: tensor<5x4xf32>, %i: tensor<2x3xi64>) -> tensor<5x2x3xf32> {
  %y = nn.gather %x, %i {axis = 1 : i64} : (tensor<5x4xf32>, tensor<2x3xi64>) -> tensor<5x2x3xf32>
  return %y : tensor<5x2x3xf32>
}

// -----

// CHECK-DAG:   #[[BC:.*]] = affine_map<(d0, d1, d2) -> (d1, 0)>
// CHECK-LABEL: func.func @expand
// CHECK:         linalg.generic {indexing_maps = [#[[BC]], {{.*}}]{{.*}} ins(%{{.*}} : tensor<3x1xf32>) outs(%{{.*}} : tensor<2x3x4xf32>)
func.func @expand(%x: tensor<3x1xf32>) -> tensor<2x3x4xf32> {
  %s = nn.constant dense<[2, 1, 4]> : tensor<3xi64>
  %y = nn.expand %x, %s : (tensor<3x1xf32>, tensor<3xi64>) -> tensor<2x3x4xf32>
  return %y : tensor<2x3x4xf32>
}

// -----

// CHECK-DAG:   #[[MOD:.*]] = affine_map<(d0, d1) -> (d0 mod 2, d1)>
// CHECK-LABEL: func.func @tile
// CHECK:         linalg.generic {indexing_maps = [#[[MOD]], {{.*}}]{{.*}} ins(%{{.*}} : tensor<2x3xf32>) outs(%{{.*}} : tensor<4x3xf32>)
func.func @tile(%x: tensor<2x3xf32>) -> tensor<4x3xf32> {
  %r = nn.constant dense<[2, 1]> : tensor<2xi64>
  %y = nn.tile %x, %r : (tensor<2x3xf32>, tensor<2xi64>) -> tensor<4x3xf32>
  return %y : tensor<4x3xf32>
}

// -----

// The negative pad crops first; the value operand fills the rest.
// CHECK-LABEL: func.func @pad_constant
// CHECK:         %[[V:.*]] = tensor.extract %{{.*}}[] : tensor<f32>
// CHECK:         %[[CROP:.*]] = tensor.extract_slice %{{.*}}[0, 1] [3, 3] [1, 1] : tensor<3x4xf32> to tensor<3x3xf32>
// CHECK:         %[[F:.*]] = linalg.fill ins(%[[V]] : f32) outs(%{{.*}} : tensor<4x5xf32>)
// CHECK:         %[[W:.*]] = tensor.extract_slice %[[F]][1, 0] [3, 3] [1, 1]
// CHECK:         %[[C:.*]] = linalg.copy ins(%[[CROP]] : tensor<3x3xf32>) outs(%[[W]] : tensor<3x3xf32>)
// CHECK:         tensor.insert_slice %[[C]] into %[[F]][1, 0] [3, 3] [1, 1]
func.func @pad_constant(%x: tensor<3x4xf32>, %v: tensor<f32>) -> tensor<4x5xf32> {
  %p = nn.constant dense<[1, -1, 0, 2]> : tensor<4xi64>
  %y = nn.pad %x, %p, %v : (tensor<3x4xf32>, tensor<4xi64>, tensor<f32>) -> tensor<4x5xf32>
  return %y : tensor<4x5xf32>
}

// -----

// Reflect mirrors with period 2(n-1) = 6; the unpadded dim reads through.
// CHECK-LABEL: func.func @pad_reflect
// CHECK:         linalg.generic
// CHECK:           %[[I0:.*]] = linalg.index 0 : index
// CHECK:           arith.remsi %{{.*}}, %[[P:.*]] : index
// CHECK:           tensor.extract %{{.*}}[%[[I0]], %{{.*}}] : tensor<3x4xf32>
func.func @pad_reflect(%x: tensor<3x4xf32>) -> tensor<3x8xf32> {
  %p = nn.constant dense<[0, 2, 0, 2]> : tensor<4xi64>
  %n = nn.none
  %y = nn.pad %x, %p, %n {mode = "reflect"} : (tensor<3x4xf32>, tensor<4xi64>, none) -> tensor<3x8xf32>
  return %y : tensor<3x8xf32>
}

// -----

// Only the resized dims get index tables; nearest reads one element.
// CHECK-LABEL: func.func @resize_nearest
// CHECK:         %[[T2:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<4xi64>)
// CHECK:           math.ceil
// CHECK:         %[[T3:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<6xi64>)
// CHECK:         linalg.generic {{.*}} outs(%{{.*}} : tensor<1x1x4x6xf32>)
// CHECK:           tensor.extract %[[T2]]
// CHECK:           tensor.extract %[[T3]]
// CHECK-NOT:       arith.mulf
// CHECK:           linalg.yield
func.func @resize_nearest(%x: tensor<1x1x2x2xf32>) -> tensor<1x1x4x6xf32> {
  %n = nn.none
  %s = nn.constant dense<[1.0, 1.0, 2.0, 3.0]> : tensor<4xf32>
  %y = nn.resize %x, %n, %s, %n : (tensor<1x1x2x2xf32>, none, tensor<4xf32>, none) -> tensor<1x1x4x6xf32>
  return %y : tensor<1x1x4x6xf32>
}

// -----

// Runtime scales: two taps per resized dim, weights in f64, four products.
// CHECK-LABEL: func.func @resize_linear_runtime_scales
// CHECK:         tensor.extract %{{.*}}[%{{.*}}] : tensor<4xf32>
// CHECK:         %{{.*}}:4 = linalg.generic {{.*}} outs(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : tensor<4xi64>, tensor<4xi64>, tensor<4xf64>, tensor<4xf64>)
// CHECK:         linalg.generic {{.*}} outs(%{{.*}} : tensor<1x1x4x4xf32>)
// CHECK-COUNT-4:   tensor.extract %{{.*}} : tensor<1x1x2x2xf32>
// CHECK:           arith.truncf %{{.*}} : f64 to f32
func.func @resize_linear_runtime_scales(%x: tensor<1x1x2x2xf32>, %s: tensor<4xf32>) -> tensor<1x1x4x4xf32> {
  %n = nn.none
  %y = nn.resize %x, %n, %s, %n {mode = "linear"} : (tensor<1x1x2x2xf32>, none, tensor<4xf32>, none) -> tensor<1x1x4x4xf32>
  return %y : tensor<1x1x4x4xf32>
}

// -----

// DCR: reshape to (n, b, b, c, h, w), transpose, reshape back.
// CHECK-LABEL: func.func @depth_to_space
// CHECK:         tensor.expand_shape {{.*}} into tensor<1x2x2x2x2x3xf32>
// CHECK:         linalg.transpose {{.*}} permutation = [0, 3, 4, 1, 5, 2]
// CHECK:         tensor.collapse_shape {{.*}} into tensor<1x2x4x6xf32>
func.func @depth_to_space(%x: tensor<1x8x2x3xf32>) -> tensor<1x2x4x6xf32> {
  %y = nn.depth_to_space %x {blocksize = 2 : i64} : (tensor<1x8x2x3xf32>) -> tensor<1x2x4x6xf32>
  return %y : tensor<1x2x4x6xf32>
}

// -----

// CHECK-LABEL: func.func @shape
// CHECK:         %[[C:.*]] = arith.constant dense<[3, 4]> : tensor<2xi64>
// CHECK:         return %[[C]]
func.func @shape(%x: tensor<2x3x4xf32>) -> tensor<2xi64> {
  %y = nn.shape %x {start = 1 : i64} : (tensor<2x3x4xf32>) -> tensor<2xi64>
  return %y : tensor<2xi64>
}

// -----

// CHECK-LABEL: func.func @constant_of_shape
// CHECK:         %[[C:.*]] = arith.constant dense<7> : tensor<2x3xi32>
// CHECK:         return %[[C]]
func.func @constant_of_shape(%s: tensor<2xi64>) -> tensor<2x3xi32> {
  %y = nn.constant_of_shape %s {value = dense<7> : tensor<1xi32>} : (tensor<2xi64>) -> tensor<2x3xi32>
  return %y : tensor<2x3xi32>
}

// -----

// CHECK-LABEL: func.func @range
// CHECK:         %[[S:.*]] = tensor.extract %{{.*}}[] : tensor<f32>
// CHECK:         %[[D:.*]] = tensor.extract %{{.*}}[] : tensor<f32>
// CHECK:         linalg.generic {{.*}} outs(%{{.*}} : tensor<5xf32>)
// CHECK:           %[[I:.*]] = linalg.index 0 : index
// CHECK:           %[[F:.*]] = arith.sitofp %{{.*}} : i64 to f32
// CHECK:           %[[M:.*]] = arith.mulf %[[F]], %[[D]] : f32
// CHECK:           arith.addf %[[S]], %[[M]] : f32
func.func @range(%a: tensor<f32>, %l: tensor<f32>, %d: tensor<f32>) -> tensor<5xf32> {
  %y = nn.range %a, %l, %d : (tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<5xf32>
  return %y : tensor<5xf32>
}
