// RUN: tessera-opt %s -split-input-file -tessera-cpu-vectorize=vector-bits=512 -canonicalize -mlir-print-debuginfo -mlir-print-local-scope | FileCheck %s
// RUN: tessera-opt %s -split-input-file -tessera-cpu-vectorize="vector-bits=512 fuse-epilogues=0" -canonicalize | FileCheck %s --check-prefix=OFF
// RUN: env TESSERA_DUMP_CPU_TRANSFORM=1 tessera-opt %s -split-input-file -tessera-cpu-vectorize=vector-bits=512 -o /dev/null 2>&1 | FileCheck %s --check-prefix=SCHED

// The schedule of a tile cut out with its epilogue: only the reduction is
// tiled (one tap and input channel at a time), then the epilogue's ops are
// vectorized whole.
// SCHED:       %[[C:.*]] = transform.structured.match ops{["linalg.conv_2d_nhwc_hwcf"]} attributes {tessera.cpu_fused = array<i64: 0, 0>}
// SCHED-NEXT:  %[[T:.*]], %{{.*}}:3 = transform.structured.tile_using_for %[[C]] tile_sizes [0, 0, 0, 0, 1, 1, 1]
// SCHED-NEXT:  %[[D:.*]] = transform.structured.decompose %[[T]]
// SCHED-NEXT:  transform.structured.vectorize %[[D]]
// SCHED-NEXT:  %[[E:.*]] = transform.structured.match ops{["linalg.generic", "linalg.fill", "linalg.broadcast"]} attributes {tessera.cpu_epilogue = array<i64: 0, 0>}
// SCHED-NEXT:  transform.structured.vectorize %[[E]]

// The bias broadcast, the conv, the residual add and the ReLU of one
// register tile (7 pixels x 32 channels, weights packed by blocks of 32
// channels) in one loop nest: the accumulator starts as the broadcast bias
// and goes through the add and the max in registers; one store per tile.
// CHECK-LABEL: func.func @conv_residual_relu
// CHECK:         scf.for {{.*}} step %c32
// CHECK:           scf.for
// CHECK:             scf.for {{.*}} step %c7
// CHECK:               vector.broadcast {{.*}} : vector<32xf32> to vector<1x7x32xf32>
// CHECK-COUNT-7:       vector.fma {{.*}} : vector<32xf32>
// CHECK:               vector.transfer_read %arg1
// CHECK:               arith.addf {{.*}} : vector<1x1x7x32xf32>
// CHECK:               arith.maximumf {{.*}} : vector<1x1x7x32xf32>
// CHECK:               vector.transfer_write {{.*}} loc(fused["relu", "add"])
// CHECK-NOT:     vector.transfer_write
// CHECK-NOT:     linalg.
// OFF-LABEL: func.func @conv_residual_relu
// OFF:         linalg.broadcast
// OFF:         arith.addf {{.*}} : vector<1x1x1x16xf32>
// OFF:         arith.maximumf {{.*}} : vector<1x1x1x16xf32>
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @conv_residual_relu(%x: tensor<1x16x16x8xf32>, %r: tensor<1x14x14x128xf32>) -> tensor<1x14x14x128xf32> {
  %w = arith.constant dense<1.0> : tensor<3x3x8x128xf32>
  %bias = arith.constant dense<0.5> : tensor<128xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x14x14x128xf32>
  %b = linalg.broadcast ins(%bias : tensor<128xf32>) outs(%e : tensor<1x14x14x128xf32>) dimensions = [0, 1, 2]
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
     ins(%x, %w : tensor<1x16x16x8xf32>, tensor<3x3x8x128xf32>) outs(%b : tensor<1x14x14x128xf32>) -> tensor<1x14x14x128xf32>
  %a = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%y, %r : tensor<1x14x14x128xf32>, tensor<1x14x14x128xf32>) outs(%e : tensor<1x14x14x128xf32>) {
  ^bb0(%p: f32, %q: f32, %o: f32):
    %s = arith.addf %p, %q : f32
    linalg.yield %s : f32
  } -> tensor<1x14x14x128xf32> loc("add")
  %m = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%a : tensor<1x14x14x128xf32>) outs(%e : tensor<1x14x14x128xf32>) {
  ^bb0(%p: f32, %o: f32):
    %s = arith.maximumf %p, %z : f32
    linalg.yield %s : f32
  } -> tensor<1x14x14x128xf32> loc("relu")
  return %m : tensor<1x14x14x128xf32>
}

// -----

// SiLU, x * sigmoid(x), reads the conv twice: both generics join the
// epilogue, merged into one, and the conv is computed once per tile.
// CHECK-LABEL: func.func @conv_silu
// CHECK:         scf.for {{.*}} step %c7
// CHECK-COUNT-7:   vector.fma {{.*}} : vector<32xf32>
// CHECK:           math.exp {{.*}} : vector<1x1x7x32xf32>
// CHECK:           arith.divf {{.*}} : vector<1x1x7x32xf32>
// CHECK:           arith.mulf {{.*}} : vector<1x1x7x32xf32>
// CHECK:           vector.transfer_write {{.*}} loc(fused["mul", "sigmoid"])
// CHECK-NOT:     vector.fma
// CHECK-NOT:     vector.transfer_write
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @conv_silu(%x: tensor<1x14x14x8xf32>, %w: tensor<1x1x8x32xf32>) -> tensor<1x14x14x32xf32> {
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %e = tensor.empty() : tensor<1x14x14x32xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x14x14x32xf32>) -> tensor<1x14x14x32xf32>
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
     ins(%x, %w : tensor<1x14x14x8xf32>, tensor<1x1x8x32xf32>) outs(%f : tensor<1x14x14x32xf32>) -> tensor<1x14x14x32xf32>
  %s = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%y : tensor<1x14x14x32xf32>) outs(%e : tensor<1x14x14x32xf32>) {
  ^bb0(%p: f32, %o: f32):
    %n = arith.negf %p : f32
    %x1 = math.exp %n : f32
    %d = arith.addf %x1, %one : f32
    %r = arith.divf %one, %d : f32
    linalg.yield %r : f32
  } -> tensor<1x14x14x32xf32> loc("sigmoid")
  %m = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%y, %s : tensor<1x14x14x32xf32>, tensor<1x14x14x32xf32>) outs(%e : tensor<1x14x14x32xf32>) {
  ^bb0(%p: f32, %q: f32, %o: f32):
    %r = arith.mulf %p, %q : f32
    linalg.yield %r : f32
  } -> tensor<1x14x14x32xf32> loc("mul")
  return %m : tensor<1x14x14x32xf32>
}

// -----

// Depthwise conv + Clip: 7 pixels x 32 channels, clipped in registers.
// CHECK-LABEL: func.func @depthwise_clip
// CHECK:         vector.fma {{.*}} : vector<1x7x32xf32>
// CHECK:         arith.maximumf {{.*}} : vector<1x1x7x32xf32>
// CHECK:         arith.minimumf {{.*}} : vector<1x1x7x32xf32>
// CHECK:         vector.transfer_write
// CHECK-NOT:     vector.transfer_write
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @depthwise_clip(%x: tensor<1x16x16x32xf32>, %w: tensor<3x3x32xf32>, %o: tensor<1x14x14x32xf32>) -> tensor<1x14x14x32xf32> {
  %lo = arith.constant 0.0 : f32
  %hi = arith.constant 6.0 : f32
  %y = linalg.depthwise_conv_2d_nhwc_hwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
     ins(%x, %w : tensor<1x16x16x32xf32>, tensor<3x3x32xf32>) outs(%o : tensor<1x14x14x32xf32>) -> tensor<1x14x14x32xf32>
  %e = tensor.empty() : tensor<1x14x14x32xf32>
  %c = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%y : tensor<1x14x14x32xf32>) outs(%e : tensor<1x14x14x32xf32>) {
  ^bb0(%p: f32, %q: f32):
    %a = arith.maximumf %p, %lo : f32
    %b = arith.minimumf %a, %hi : f32
    linalg.yield %b : f32
  } -> tensor<1x14x14x32xf32>
  return %c : tensor<1x14x14x32xf32>
}

// -----

// MatMul + bias + ReLU with constant weights: loops over blocks of 16
// packed columns and 6 x 16 tiles; the zero fill, the k loop of FMAs, the
// bias add and the max in registers, one store per tile.
// CHECK-LABEL: func.func @matmul_bias_relu
// CHECK-DAG:     arith.constant dense_resource<weights_transposed> : tensor<2x4x16xf32>
// CHECK:         scf.for {{.*}} to %c32 step %c16
// CHECK:           arith.divui
// CHECK:           scf.for {{.*}} step %c6
// CHECK:             scf.for {{.*}} iter_args(%[[ACC:.*]] = %cst{{.*}}) -> (vector<6x16xf32>)
// CHECK:               vector.fma {{.*}}, {{.*}}, %[[ACC]] : vector<6x16xf32>
// CHECK:             arith.addf {{.*}} : vector<6x16xf32>
// CHECK:             arith.maximumf {{.*}} : vector<6x16xf32>
// CHECK:             vector.transfer_write
// CHECK-NOT:     vector.transfer_write
func.func @matmul_bias_relu(%a: tensor<12x4xf32>, %bias: tensor<32xf32>) -> tensor<12x32xf32> {
  %b = arith.constant dense<[[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0, 17.0, 18.0, 19.0, 20.0, 21.0, 22.0, 23.0, 24.0, 25.0, 26.0, 27.0, 28.0, 29.0, 30.0, 31.0], [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0, 17.0, 18.0, 19.0, 20.0, 21.0, 22.0, 23.0, 24.0, 25.0, 26.0, 27.0, 28.0, 29.0, 30.0, 31.0], [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0, 17.0, 18.0, 19.0, 20.0, 21.0, 22.0, 23.0, 24.0, 25.0, 26.0, 27.0, 28.0, 29.0, 30.0, 31.0], [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0, 17.0, 18.0, 19.0, 20.0, 21.0, 22.0, 23.0, 24.0, 25.0, 26.0, 27.0, 28.0, 29.0, 30.0, 31.0]]> : tensor<4x32xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<12x32xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<12x32xf32>) -> tensor<12x32xf32>
  %m = linalg.matmul ins(%a, %b : tensor<12x4xf32>, tensor<4x32xf32>) outs(%f : tensor<12x32xf32>) -> tensor<12x32xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%m, %bias : tensor<12x32xf32>, tensor<32xf32>) outs(%e : tensor<12x32xf32>) {
  ^bb0(%p: f32, %q: f32, %o: f32):
    %s = arith.addf %p, %q : f32
    %t = arith.maximumf %s, %zero : f32
    linalg.yield %t : f32
  } -> tensor<12x32xf32>
  return %r : tensor<12x32xf32>
}

// -----

// A matmul on the rows of a [1, S, D] activation reaches its bias add and
// ReLU through an expand_shape adding a unit dim: the reshape moves below
// them (they lose the unit loop dim) and they join the matmul's tiles.
// CHECK-LABEL: func.func @matmul_expand_bias_relu
// CHECK:         scf.for {{.*}} iter_args({{.*}}) -> (vector<6x16xf32>)
// CHECK:           vector.fma {{.*}} : vector<6x16xf32>
// CHECK:         arith.addf {{.*}} : vector<6x16xf32>
// CHECK:         arith.maximumf {{.*}} : vector<6x16xf32>
// CHECK:         vector.transfer_write
// CHECK-NOT:     vector.transfer_write
// CHECK:         tensor.expand_shape {{.*}} into tensor<1x12x16xf32>
#bias = affine_map<(d0, d1, d2) -> (d2)>
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
func.func @matmul_expand_bias_relu(%a: tensor<12x8xf32>, %b: tensor<8x16xf32>, %c: tensor<12x16xf32>, %bias: tensor<16xf32>) -> tensor<1x12x16xf32> {
  %zero = arith.constant 0.0 : f32
  %m = linalg.matmul ins(%a, %b : tensor<12x8xf32>, tensor<8x16xf32>) outs(%c : tensor<12x16xf32>) -> tensor<12x16xf32>
  %x = tensor.expand_shape %m [[0, 1], [2]] output_shape [1, 12, 16] : tensor<12x16xf32> into tensor<1x12x16xf32>
  %e = tensor.empty() : tensor<1x12x16xf32>
  %s = linalg.generic {indexing_maps = [#bias, #id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%bias, %x : tensor<16xf32>, tensor<1x12x16xf32>) outs(%e : tensor<1x12x16xf32>) {
  ^bb0(%p: f32, %q: f32, %o: f32):
    %t = arith.addf %p, %q : f32
    linalg.yield %t : f32
  } -> tensor<1x12x16xf32>
  %r = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%s : tensor<1x12x16xf32>) outs(%e : tensor<1x12x16xf32>) {
  ^bb0(%p: f32, %o: f32):
    %t = arith.maximumf %p, %zero : f32
    linalg.yield %t : f32
  } -> tensor<1x12x16xf32>
  return %r : tensor<1x12x16xf32>
}

// -----

// CHECK-LABEL: func.func @batch_matmul_relu
// CHECK:         vector.fma {{.*}} : vector<1x6x16xf32>
// CHECK:         arith.maximumf {{.*}} : vector<1x6x16xf32>
// CHECK-NOT:     linalg.
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
func.func @batch_matmul_relu(%a: tensor<2x12x8xf32>, %b: tensor<2x8x16xf32>, %c: tensor<2x12x16xf32>) -> tensor<2x12x16xf32> {
  %zero = arith.constant 0.0 : f32
  %m = linalg.batch_matmul ins(%a, %b : tensor<2x12x8xf32>, tensor<2x8x16xf32>) outs(%c : tensor<2x12x16xf32>) -> tensor<2x12x16xf32>
  %e = tensor.empty() : tensor<2x12x16xf32>
  %r = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%m : tensor<2x12x16xf32>) outs(%e : tensor<2x12x16xf32>) {
  ^bb0(%p: f32, %o: f32):
    %t = arith.maximumf %p, %zero : f32
    linalg.yield %t : f32
  } -> tensor<2x12x16xf32>
  return %r : tensor<2x12x16xf32>
}

// -----

// The conv's result is also returned: it must be stored whole, so the ReLU
// stays a loop of its own (16-wide).
// CHECK-LABEL: func.func @negative_conv_result_escapes
// CHECK:         arith.maximumf {{.*}} : vector<1x1x1x16xf32>
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @negative_conv_result_escapes(%x: tensor<1x14x14x8xf32>, %w: tensor<1x1x8x32xf32>, %o: tensor<1x14x14x32xf32>) -> (tensor<1x14x14x32xf32>, tensor<1x14x14x32xf32>) {
  %z = arith.constant 0.0 : f32
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
     ins(%x, %w : tensor<1x14x14x8xf32>, tensor<1x1x8x32xf32>) outs(%o : tensor<1x14x14x32xf32>) -> tensor<1x14x14x32xf32>
  %e = tensor.empty() : tensor<1x14x14x32xf32>
  %m = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%y : tensor<1x14x14x32xf32>) outs(%e : tensor<1x14x14x32xf32>) {
  ^bb0(%p: f32, %q: f32):
    %s = arith.maximumf %p, %z : f32
    linalg.yield %s : f32
  } -> tensor<1x14x14x32xf32>
  return %y, %m : tensor<1x14x14x32xf32>, tensor<1x14x14x32xf32>
}

// -----

// A reduction over the conv's result (global average pooling) and erf (a
// libm call, not vectorized) are not epilogues.
// CHECK-LABEL: func.func @negative_reduction_and_erf
// CHECK:         linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction", "reduction"]
// CHECK:         math.erf {{.*}} : f32
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#sum = affine_map<(d0, d1, d2, d3) -> (d0, d2, d3, d1)>
#out = affine_map<(d0, d1, d2, d3) -> (d0, d1)>
func.func @negative_reduction_and_erf(%x: tensor<1x14x14x8xf32>, %w: tensor<1x1x8x32xf32>, %o: tensor<1x14x14x32xf32>, %acc: tensor<1x32xf32>) -> (tensor<1x32xf32>, tensor<1x14x14x32xf32>) {
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
     ins(%x, %w : tensor<1x14x14x8xf32>, tensor<1x1x8x32xf32>) outs(%o : tensor<1x14x14x32xf32>) -> tensor<1x14x14x32xf32>
  %s = linalg.generic {indexing_maps = [#sum, #out], iterator_types = ["parallel", "parallel", "reduction", "reduction"]}
      ins(%y : tensor<1x14x14x32xf32>) outs(%acc : tensor<1x32xf32>) {
  ^bb0(%p: f32, %q: f32):
    %a = arith.addf %p, %q : f32
    linalg.yield %a : f32
  } -> tensor<1x32xf32>
  %y2 = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
     ins(%x, %w : tensor<1x14x14x8xf32>, tensor<1x1x8x32xf32>) outs(%o : tensor<1x14x14x32xf32>) -> tensor<1x14x14x32xf32>
  %e = tensor.empty() : tensor<1x14x14x32xf32>
  %g = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%y2 : tensor<1x14x14x32xf32>) outs(%e : tensor<1x14x14x32xf32>) {
  ^bb0(%p: f32, %q: f32):
    %r = math.erf %p : f32
    linalg.yield %r : f32
  } -> tensor<1x14x14x32xf32>
  return %s, %g : tensor<1x32xf32>, tensor<1x14x14x32xf32>
}
