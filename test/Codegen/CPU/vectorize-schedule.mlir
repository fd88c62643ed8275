// RUN: env TESSERA_DUMP_CPU_TRANSFORM=1 tessera-opt %s -tessera-cpu-vectorize="vector-bits=256" -o /dev/null 2>&1 | FileCheck %s

// The transform schedule the pass builds (TESSERA_DUMP_CPU_TRANSFORM=1 prints
// it): per group of ops sharing a register tile, convs first, then matmuls
// and batch matmuls in the order of the IR, depthwise convs and elementwise
// ops; then the cleanup, hoisting and the lowering of contractions to outer
// products.
// CHECK-LABEL: transform.named_sequence @__transform_main
// CHECK-SAME:    (%[[ROOT:.*]]: !transform.any_op {transform.readonly})
// CHECK:         %[[C:.*]] = transform.structured.match ops{["linalg.conv_2d_nhwc_hwcf"]} attributes {tessera.cpu_tile = array<i64: 2, 32>} in %[[ROOT]]
// CHECK:         %[[C1:.*]], %{{.*}}:3 = transform.structured.tile_using_for %[[C]] tile_sizes [1, 1, 0, 32, 0, 0, 0]
// CHECK:         %[[C2:.*]], %{{.*}} = transform.structured.tile_using_for %[[C1]] tile_sizes [0, 0, 2, 0, 0, 0, 0]
// CHECK:         %[[C3:.*]], %{{.*}}:3 = transform.structured.tile_using_for %[[C2]] tile_sizes [0, 0, 0, 0, 1, 1, 1]
// CHECK:         %[[C4:.*]] = transform.structured.decompose %[[C3]]
// CHECK:         transform.structured.vectorize %[[C4]]
// CHECK:         %[[B:.*]] = transform.structured.match ops{["linalg.batch_matmul"]} attributes {tessera.cpu_tile = array<i64: 6, 16>}
// CHECK:         %[[B1:.*]], %{{.*}}:3 = transform.structured.tile_using_for %[[B]] tile_sizes [1, 6, 16, 0]
// CHECK:         %[[B2:.*]], %{{.*}} = transform.structured.tile_using_for %[[B1]] tile_sizes [0, 0, 0, 1]
// CHECK:         transform.structured.vectorize %[[B2]]
// CHECK:         %[[M:.*]] = transform.structured.match ops{["linalg.matmul"]} attributes {tessera.cpu_tile = array<i64: 6, 16>}
// CHECK:         %[[M1:.*]], %{{.*}}:2 = transform.structured.tile_using_for %[[M]] tile_sizes [6, 16, 0]
// CHECK:         %[[M2:.*]], %{{.*}} = transform.structured.tile_using_for %[[M1]] tile_sizes [0, 0, 1]
// CHECK:         transform.structured.vectorize %[[M2]]
// CHECK:         %[[D:.*]] = transform.structured.match ops{["linalg.depthwise_conv_2d_nhwc_hwc"]} attributes {tessera.cpu_tile = array<i64: 7, 16>}
// CHECK:         %[[D1:.*]], %{{.*}}:3 = transform.structured.tile_using_for %[[D]] tile_sizes [1, 1, 0, 16, 0, 0]
// CHECK:         %[[D2:.*]], %{{.*}} = transform.structured.tile_using_for %[[D1]] tile_sizes [0, 0, 7, 0, 0, 0]
// CHECK:         %[[D3:.*]], %{{.*}}:2 = transform.structured.tile_using_for %[[D2]] tile_sizes [0, 0, 0, 0, 1, 1]
// CHECK:         %[[D4:.*]] = transform.structured.decompose %[[D3]]
// CHECK:         transform.structured.vectorize %[[D4]]
// CHECK:         %[[E:.*]] = transform.structured.match ops{["linalg.generic", "linalg.fill", "linalg.copy", "linalg.transpose"]} attributes {tessera.cpu_ew = array<i64: 2, 16>}
// CHECK:         %[[E1:.*]], %{{.*}}:2 = transform.structured.tile_using_for %[[E]] tile_sizes [1, 16]
// CHECK:         transform.structured.vectorize %[[E1]]
// CHECK:         %[[F:.*]] = transform.structured.match ops{["func.func"]} in %[[ROOT]]
// CHECK:         transform.apply_patterns to %[[F]] {
// CHECK-NEXT:      transform.apply_patterns.canonicalization
// CHECK:         transform.apply_cse to %[[F]]
// CHECK:         %[[L:.*]] = transform.structured.match ops{["scf.for"]} in %[[ROOT]]
// CHECK:         transform.apply_licm to %[[L]]
// CHECK:         transform.foreach %[[L]]
// CHECK:           transform.loop.hoist_loop_invariant_subsets
// CHECK:         transform.apply_patterns to %[[F]] {
// CHECK-NEXT:      transform.apply_patterns.vector.lower_contraction
// CHECK-NEXT:      transform.apply_patterns.vector.transfer_permutation_patterns
// CHECK-NEXT:      transform.apply_patterns.vector.lower_outerproduct
// CHECK-NEXT:      transform.apply_patterns.canonicalization
// CHECK:         transform.yield
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @schedule(%x: tensor<1x58x58x8xf32>, %w: tensor<3x3x8x64xf32>, %o: tensor<1x56x56x64xf32>,
                    %dx: tensor<1x16x16x16xf32>, %dw: tensor<3x3x16xf32>, %do: tensor<1x14x14x16xf32>,
                    %a: tensor<12x64xf32>, %b: tensor<64x32xf32>, %c: tensor<12x32xf32>,
                    %ba: tensor<2x12x64xf32>, %bb: tensor<2x64x32xf32>, %bc: tensor<2x12x32xf32>,
                    %e: tensor<12x32xf32>)
    -> (tensor<1x56x56x64xf32>, tensor<1x14x14x16xf32>, tensor<12x32xf32>, tensor<2x12x32xf32>, tensor<12x32xf32>) {
  %dy = linalg.depthwise_conv_2d_nhwc_hwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
     ins(%dx, %dw : tensor<1x16x16x16xf32>, tensor<3x3x16xf32>) outs(%do : tensor<1x14x14x16xf32>) -> tensor<1x14x14x16xf32>
  %bm = linalg.batch_matmul ins(%ba, %bb : tensor<2x12x64xf32>, tensor<2x64x32xf32>) outs(%bc : tensor<2x12x32xf32>) -> tensor<2x12x32xf32>
  %m = linalg.matmul ins(%a, %b : tensor<12x64xf32>, tensor<64x32xf32>) outs(%c : tensor<12x32xf32>) -> tensor<12x32xf32>
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
     ins(%x, %w : tensor<1x58x58x8xf32>, tensor<3x3x8x64xf32>) outs(%o : tensor<1x56x56x64xf32>) -> tensor<1x56x56x64xf32>
  %z = arith.constant 0.0 : f32
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%m : tensor<12x32xf32>) outs(%e : tensor<12x32xf32>) {
  ^bb0(%p: f32, %q: f32):
    %v = arith.maximumf %p, %z : f32
    linalg.yield %v : f32
  } -> tensor<12x32xf32>
  return %y, %dy, %m, %bm, %r : tensor<1x56x56x64xf32>, tensor<1x14x14x16xf32>, tensor<12x32xf32>, tensor<2x12x32xf32>, tensor<12x32xf32>
}
