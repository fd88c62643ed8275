// RUN: tessera-opt %s --tessera-gpu-gemmify --tessera-gpu-fuse-elementwise --canonicalize --tessera-gpu-tile | FileCheck %s --check-prefixes=CHECK,SIMT
// RUN: tessera-opt %s --tessera-gpu-gemmify=precision=fp16 --tessera-gpu-fuse-elementwise --canonicalize --tessera-gpu-tile=precision=fp16 | FileCheck %s --check-prefixes=CHECK,MMA

// The pre-mapping loop nest: every kernel an scf.forall over blocks holding
// scf.forall loops over threads. The GEMM: a 128x128 block tile, its K loop
// copying padded (nofold) A and B slices for shared memory, and the product
// tiled over threads (SIMT, 16x16 threads, 8x8 each) or warps (mma.sync,
// 2x2 warps, 64x64 each). Elementwise ops: one element per thread.

// CHECK-LABEL: func.func @matmul_relu(
// The pack of A (128 x K).
// CHECK:         scf.forall {{.*}} -> (tensor<128x{{16xf32|32xf16}}>) {
// CHECK:           scf.forall
// CHECK:           } {mapping = [#gpu.thread<linear_dim_1>, #gpu.thread<linear_dim_0>]}
// CHECK:         } {mapping = [#gpu.block<linear_dim_1>, #gpu.block<linear_dim_0>]}
// The GEMM kernel.
// CHECK:         scf.forall (%{{.*}}, %{{.*}}) in (1, 1) {{.*}} -> (tensor<128x128xf32>) {
// The accumulator's zero fill.
// SIMT:            scf.forall {{.*}} in (16, 16)
// SIMT:            } {mapping = [#gpu.thread<y>, #gpu.thread<x>]}
// MMA:             scf.forall {{.*}} in (32, 4)
// MMA:             } {mapping = [#gpu.thread<linear_dim_1>, #gpu.thread<linear_dim_0>]}
// The K loop: one step of 16 (fp32) or 32 (fp16) here.
// SIMT:            scf.for %{{.*}} = %{{.*}} to %c16{{.*}} step %c16
// MMA:             scf.for %{{.*}} = %{{.*}} to %c32{{.*}} step %c32
// SIMT:              scf.forall {{.*}} -> (tensor<128x16xf32>) {
// MMA:               scf.forall {{.*}} -> (tensor<128x32xf16>) {
// CHECK:               tensor.pad %{{.*}} nofold low[0, 0] high[0, 0]
// CHECK:             } {mapping = [#gpu.thread<linear_dim_1>, #gpu.thread<linear_dim_0>]}
// SIMT:              scf.forall {{.*}} -> (tensor<16x128xf32>) {
// MMA:               scf.forall {{.*}} -> (tensor<32x128xf16>) {
// CHECK:               tensor.pad %{{.*}} nofold low[0, 0] high[0, 0]
// CHECK:             } {mapping = [#gpu.thread<linear_dim_1>, #gpu.thread<linear_dim_0>]}
// SIMT:              scf.forall {{.*}} in (16, 16)
// SIMT:                linalg.matmul {{{.*}}tessera.gpu.gemm = "simt"} ins({{.*}} : tensor<8x16xf32>, tensor<16x8xf32>) outs({{.*}} : tensor<8x8xf32>)
// SIMT:              } {mapping = [#gpu.thread<y>, #gpu.thread<x>]}
// MMA:               scf.forall {{.*}} in (2, 2)
// MMA:                 linalg.matmul {{{.*}}tessera.gpu.gemm = "mma"} ins({{.*}} : tensor<64x32xf16>, tensor<32x64xf16>) outs({{.*}} : tensor<64x64xf32>)
// MMA:               } {mapping = [#gpu.warp<y>, #gpu.warp<x>]}
// CHECK:         } {mapping = [#gpu.block<y>, #gpu.block<x>]}
// The unpack with the ReLU fused into it: 8x24 threads, one element each.
// CHECK:         scf.forall {{.*}} in (1, 1) {{.*}} -> (tensor<8x24xf32>) {
// CHECK:           scf.forall {{.*}} in (8, 24)
// CHECK:             arith.addf
// CHECK:             arith.maximumf
// CHECK:           } {mapping = [#gpu.thread<linear_dim_1>, #gpu.thread<linear_dim_0>]}
// CHECK:         } {mapping = [#gpu.block<linear_dim_1>, #gpu.block<linear_dim_0>]}
// CHECK-NOT:     linalg.generic
// CHECK:         return
#map = affine_map<(d0, d1) -> (d0, d1)>
func.func @matmul_relu(%a: tensor<8x16xf32>, %b: tensor<16x24xf32>) -> tensor<8x24xf32> {
  %cst = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8x24xf32>
  %f = linalg.fill ins(%cst : f32) outs(%e : tensor<8x24xf32>) -> tensor<8x24xf32>
  %r = linalg.matmul ins(%a, %b : tensor<8x16xf32>, tensor<16x24xf32>) outs(%f : tensor<8x24xf32>) -> tensor<8x24xf32>
  %y = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel"]} ins(%r : tensor<8x24xf32>) outs(%e : tensor<8x24xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %cst : f32
    linalg.yield %m : f32
  } -> tensor<8x24xf32>
  return %y : tensor<8x24xf32>
}
