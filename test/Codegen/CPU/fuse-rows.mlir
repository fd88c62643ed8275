// RUN: tessera-opt %s -split-input-file -tessera-cpu-fuse-rows -mlir-print-debuginfo | FileCheck %s

#x = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#r = affine_map<(d0, d1, d2) -> (d0, d1)>

// Softmax as lowered from nn.softmax: max, exp, sum and divide become one
// loop over the 2 x 4 rows, each a vector of 32, located at all four ops.
// CHECK-LABEL: func.func @softmax
// CHECK-NOT:     linalg.generic
// CHECK:         scf.for %[[I:.*]] = %c0 to %c2
// CHECK:           scf.for %[[J:.*]] = %c0 to %c4
// CHECK:             tensor.extract_slice %{{.*}}[%[[I]], %[[J]], 0] [1, 1, 32]
// CHECK:             vector.reduction <maximumf>, %{{.*}} : vector<32xf32> into f32
// CHECK:             math.exp %{{.*}} : vector<1x1x32xf32>
// CHECK:             vector.reduction <add>, %{{.*}} fastmath<reassoc> : vector<32xf32> into f32
// CHECK:             arith.divf %{{.*}} : vector<1x1x32xf32>
// CHECK:             vector.transfer_write
// CHECK:             tensor.insert_slice %{{.*}}[%[[I]], %[[J]], 0] [1, 1, 32]
// CHECK:         } loc(#[[FUSED:.*]])
// CHECK-NOT:     linalg.generic
// CHECK:       #[[FUSED]] = loc(fused[#{{.*}}, #{{.*}}, #{{.*}}, #{{.*}}])
func.func @softmax(%x: tensor<2x4x32xf32>) -> tensor<2x4x32xf32> {
  %ninf = arith.constant 0xFF800000 : f32
  %zero = arith.constant 0.0 : f32
  %er = tensor.empty() : tensor<2x4xf32>
  %ex = tensor.empty() : tensor<2x4x32xf32>
  %f0 = linalg.fill ins(%ninf : f32) outs(%er : tensor<2x4xf32>) -> tensor<2x4xf32>
  %max = linalg.generic {indexing_maps = [#x, #r], iterator_types = ["parallel", "parallel", "reduction"]} ins(%x : tensor<2x4x32xf32>) outs(%f0 : tensor<2x4xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %m = arith.maximumf %acc, %in : f32
    linalg.yield %m : f32
  } -> tensor<2x4xf32> loc("max")
  %exp = linalg.generic {indexing_maps = [#x, #r, #x], iterator_types = ["parallel", "parallel", "parallel"]} ins(%x, %max : tensor<2x4x32xf32>, tensor<2x4xf32>) outs(%ex : tensor<2x4x32xf32>) {
  ^bb0(%in: f32, %m: f32, %out: f32):
    %s = arith.subf %in, %m : f32
    %e = math.exp %s : f32
    linalg.yield %e : f32
  } -> tensor<2x4x32xf32> loc("exp")
  %f1 = linalg.fill ins(%zero : f32) outs(%er : tensor<2x4xf32>) -> tensor<2x4xf32>
  %sum = linalg.generic {indexing_maps = [#x, #r], iterator_types = ["parallel", "parallel", "reduction"]} ins(%exp : tensor<2x4x32xf32>) outs(%f1 : tensor<2x4xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %s = arith.addf %acc, %in : f32
    linalg.yield %s : f32
  } -> tensor<2x4xf32> loc("sum")
  %y = linalg.generic {indexing_maps = [#x, #r, #x], iterator_types = ["parallel", "parallel", "parallel"]} ins(%exp, %sum : tensor<2x4x32xf32>, tensor<2x4xf32>) outs(%ex : tensor<2x4x32xf32>) {
  ^bb0(%in: f32, %s: f32, %out: f32):
    %d = arith.divf %in, %s : f32
    linalg.yield %d : f32
  } -> tensor<2x4x32xf32> loc("div")
  return %y : tensor<2x4x32xf32>
}

// -----

#x = affine_map<(d0, d1) -> (d0, d1)>
#r = affine_map<(d0, d1) -> (d0)>
#c = affine_map<(d0, d1) -> (d1)>

// Layer normalization: mean, centered squares, variance, 1/sqrt and the
// affine normalization, one loop over 8 rows of 64; gamma and beta are read
// whole in every row.
// CHECK-LABEL: func.func @layernorm
// CHECK-NOT:     linalg.generic
// CHECK:         scf.for
// CHECK:           vector.reduction <add>
// CHECK:           vector.reduction <add>
// CHECK:           math.sqrt %{{.*}} : vector<1xf32>
// CHECK:           tensor.insert_slice %{{.*}} [1, 64]
// CHECK-NOT:     linalg.generic
func.func @layernorm(%x: tensor<8x64xf32>, %g: tensor<64xf32>, %b: tensor<64xf32>) -> tensor<8x64xf32> {
  %zero = arith.constant 0.0 : f32
  %n = arith.constant 64.0 : f32
  %eps = arith.constant 1.0e-5 : f32
  %one = arith.constant 1.0 : f32
  %er = tensor.empty() : tensor<8xf32>
  %ex = tensor.empty() : tensor<8x64xf32>
  %f = linalg.fill ins(%zero : f32) outs(%er : tensor<8xf32>) -> tensor<8xf32>
  %s = linalg.generic {indexing_maps = [#x, #r], iterator_types = ["parallel", "reduction"]} ins(%x : tensor<8x64xf32>) outs(%f : tensor<8xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %a = arith.addf %acc, %in : f32
    linalg.yield %a : f32
  } -> tensor<8xf32>
  %mean = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%s : tensor<8xf32>) outs(%er : tensor<8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %d = arith.divf %in, %n : f32
    linalg.yield %d : f32
  } -> tensor<8xf32>
  %sq = linalg.generic {indexing_maps = [#x, #r, #x], iterator_types = ["parallel", "parallel"]} ins(%x, %mean : tensor<8x64xf32>, tensor<8xf32>) outs(%ex : tensor<8x64xf32>) {
  ^bb0(%in: f32, %m: f32, %out: f32):
    %d = arith.subf %in, %m : f32
    %q = arith.mulf %d, %d : f32
    linalg.yield %q : f32
  } -> tensor<8x64xf32>
  %v = linalg.generic {indexing_maps = [#x, #r], iterator_types = ["parallel", "reduction"]} ins(%sq : tensor<8x64xf32>) outs(%f : tensor<8xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %a = arith.addf %acc, %in : f32
    linalg.yield %a : f32
  } -> tensor<8xf32>
  %rstd = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%v : tensor<8xf32>) outs(%er : tensor<8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %d = arith.divf %in, %n : f32
    %e = arith.addf %d, %eps : f32
    %q = math.sqrt %e : f32
    %r = arith.divf %one, %q : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  %y = linalg.generic {indexing_maps = [#x, #r, #r, #c, #c, #x], iterator_types = ["parallel", "parallel"]} ins(%x, %mean, %rstd, %g, %b : tensor<8x64xf32>, tensor<8xf32>, tensor<8xf32>, tensor<64xf32>, tensor<64xf32>) outs(%ex : tensor<8x64xf32>) {
  ^bb0(%in: f32, %m: f32, %r: f32, %gg: f32, %bb: f32, %out: f32):
    %d = arith.subf %in, %m : f32
    %a = arith.mulf %d, %r : f32
    %c2 = arith.mulf %a, %gg : f32
    %o = arith.addf %c2, %bb : f32
    linalg.yield %o : f32
  } -> tensor<8x64xf32>
  return %y : tensor<8x64xf32>
}

// -----

#x = affine_map<(d0, d1) -> (d0, d1)>
#r = affine_map<(d0, d1) -> (d0)>

// The exp is also returned, so it stays a loop of its own, computed once;
// the row loop reads it for the sum and the divide.
// CHECK-LABEL: func.func @escaping_intermediate
// CHECK:         %[[EXP:.*]] = linalg.generic
// CHECK:           math.exp
// CHECK-NOT:     linalg.generic
// CHECK:         %[[LOOP:.*]] = scf.for
// CHECK:           tensor.extract_slice %[[EXP]]
// CHECK:           vector.reduction <add>
// CHECK:           arith.divf
// CHECK:         return %[[LOOP]], %[[EXP]]
func.func @escaping_intermediate(%x: tensor<4x32xf32>) -> (tensor<4x32xf32>, tensor<4x32xf32>) {
  %zero = arith.constant 0.0 : f32
  %er = tensor.empty() : tensor<4xf32>
  %ex = tensor.empty() : tensor<4x32xf32>
  %exp = linalg.generic {indexing_maps = [#x, #x], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<4x32xf32>) outs(%ex : tensor<4x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    %e = math.exp %in : f32
    linalg.yield %e : f32
  } -> tensor<4x32xf32>
  %f = linalg.fill ins(%zero : f32) outs(%er : tensor<4xf32>) -> tensor<4xf32>
  %sum = linalg.generic {indexing_maps = [#x, #r], iterator_types = ["parallel", "reduction"]} ins(%exp : tensor<4x32xf32>) outs(%f : tensor<4xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %s = arith.addf %acc, %in : f32
    linalg.yield %s : f32
  } -> tensor<4xf32>
  %y = linalg.generic {indexing_maps = [#x, #r, #x], iterator_types = ["parallel", "parallel"]} ins(%exp, %sum : tensor<4x32xf32>, tensor<4xf32>) outs(%ex : tensor<4x32xf32>) {
  ^bb0(%in: f32, %s: f32, %out: f32):
    %d = arith.divf %in, %s : f32
    linalg.yield %d : f32
  } -> tensor<4x32xf32>
  return %y, %exp : tensor<4x32xf32>, tensor<4x32xf32>
}

// -----

#x = affine_map<(d0, d1) -> (d0, d1)>
#r = affine_map<(d0, d1) -> (d0)>
#c = affine_map<(d0, d1) -> (d1)>

// negative: rows of 1000 (not a multiple of 16) and a reduction along the
// outer dim (not a row) are left to the other passes.
// CHECK-LABEL: func.func @negative_odd_row_and_column_reduction
// CHECK-NOT:     scf.for
// CHECK-COUNT-4: linalg.generic
func.func @negative_odd_row_and_column_reduction(%x: tensor<2x1000xf32>, %z: tensor<4x32xf32>) -> (tensor<2x1000xf32>, tensor<4x32xf32>) {
  %zero = arith.constant 0.0 : f32
  %er = tensor.empty() : tensor<2xf32>
  %ex = tensor.empty() : tensor<2x1000xf32>
  %f = linalg.fill ins(%zero : f32) outs(%er : tensor<2xf32>) -> tensor<2xf32>
  %sum = linalg.generic {indexing_maps = [#x, #r], iterator_types = ["parallel", "reduction"]} ins(%x : tensor<2x1000xf32>) outs(%f : tensor<2xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %s = arith.addf %acc, %in : f32
    linalg.yield %s : f32
  } -> tensor<2xf32>
  %y = linalg.generic {indexing_maps = [#x, #r, #x], iterator_types = ["parallel", "parallel"]} ins(%x, %sum : tensor<2x1000xf32>, tensor<2xf32>) outs(%ex : tensor<2x1000xf32>) {
  ^bb0(%in: f32, %s: f32, %out: f32):
    %d = arith.divf %in, %s : f32
    linalg.yield %d : f32
  } -> tensor<2x1000xf32>
  %ec = tensor.empty() : tensor<32xf32>
  %fc = linalg.fill ins(%zero : f32) outs(%ec : tensor<32xf32>) -> tensor<32xf32>
  %col = linalg.generic {indexing_maps = [#x, #c], iterator_types = ["reduction", "parallel"]} ins(%z : tensor<4x32xf32>) outs(%fc : tensor<32xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %s = arith.addf %acc, %in : f32
    linalg.yield %s : f32
  } -> tensor<32xf32>
  %ez = tensor.empty() : tensor<4x32xf32>
  %w = linalg.generic {indexing_maps = [#x, #c, #x], iterator_types = ["parallel", "parallel"]} ins(%z, %col : tensor<4x32xf32>, tensor<32xf32>) outs(%ez : tensor<4x32xf32>) {
  ^bb0(%in: f32, %s: f32, %out: f32):
    %d = arith.divf %in, %s : f32
    linalg.yield %d : f32
  } -> tensor<4x32xf32>
  return %y, %w : tensor<2x1000xf32>, tensor<4x32xf32>
}

// -----

// negative: global average pooling in NHWC reduces over H and W, not along
// a row: its [1, C] mean is not a row of the [1, H, W, C] input.
// CHECK-LABEL: func.func @negative_global_average_pool
// CHECK-NOT:     scf.for
// CHECK-COUNT-2: linalg.generic
func.func @negative_global_average_pool(%x: tensor<1x7x7x64xf32>) -> tensor<1x64xf32> {
  %zero = arith.constant 0.0 : f32
  %n = arith.constant 49.0 : f32
  %e = tensor.empty() : tensor<1x64xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x64xf32>) -> tensor<1x64xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d2, d3, d1)>, affine_map<(d0, d1, d2, d3) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction", "reduction"]} ins(%x : tensor<1x7x7x64xf32>) outs(%f : tensor<1x64xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %a = arith.addf %acc, %in : f32
    linalg.yield %a : f32
  } -> tensor<1x64xf32>
  %m = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%s : tensor<1x64xf32>) outs(%e : tensor<1x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    %d = arith.divf %in, %n : f32
    linalg.yield %d : f32
  } -> tensor<1x64xf32>
  return %m : tensor<1x64xf32>
}
