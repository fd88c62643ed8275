// RUN: tessera-opt %s --tessera-gpu-gemmify --tessera-gpu-fuse-elementwise --canonicalize --tessera-gpu-tile --tessera-gpu-map --mlir-elide-elementsattrs-if-larger=32 | FileCheck %s --check-prefixes=CHECK,SIMT
// RUN: tessera-opt %s --tessera-gpu-gemmify=precision=fp16 --tessera-gpu-fuse-elementwise --canonicalize --tessera-gpu-tile=precision=fp16 --tessera-gpu-map=precision=fp16 --mlir-elide-elementsattrs-if-larger=32 | FileCheck %s --check-prefixes=CHECK,MMA

// Host code with one gpu.launch per kernel: device buffers (gpu.alloc) for
// the inputs, constants, intermediates and outputs; inputs and constants
// copied in, outputs copied back; the GEMM's operand tiles in shared-memory
// globals (memory space 3 for SIMT, the workgroup address space with
// ldmatrix + mma.sync for fp16); every device buffer freed.

// CHECK-DAG:   memref.global "private" constant @__constant_128xf32 : memref<128xf32>
// SIMT-DAG:    memref.global "private" constant @[[W:__constant_16x128xf32]] : memref<16x128xf32>
// MMA-DAG:     memref.global "private" constant @[[W:__constant_32x128xf16]] : memref<32x128xf16>
// CHECK-LABEL: func.func @main(
// CHECK-SAME:      %[[X:.*]]: memref<8x16xf32>, %[[Y:.*]]: memref<8x24xf32>)
// CHECK:         %[[DOUT:.*]] = gpu.alloc () : memref<8x24xf32>
// CHECK:         %[[DX:.*]] = gpu.alloc () : memref<8x16xf32>
// CHECK:         gpu.memcpy %[[DX]], %[[X]] : memref<8x16xf32>, memref<8x16xf32>
// The bias, padded: the GEMM's accumulator.
// CHECK:         %[[HB:.*]] = memref.get_global @__constant_128xf32
// CHECK:         %[[DB:.*]] = gpu.alloc () : memref<128xf32>
// CHECK:         gpu.memcpy %[[DB]], %[[HB]]
// CHECK:         %[[HW:.*]] = memref.get_global @[[W]]
// SIMT:          %[[DW:.*]] = gpu.alloc () : memref<16x128xf32>
// MMA:           %[[DW:.*]] = gpu.alloc () : memref<32x128xf16>
// CHECK:         gpu.memcpy %[[DW]], %[[HW]]
// The pack of A.
// CHECK:         gpu.launch blocks({{.*}}) in ({{.*}}) threads({{.*}}) in (%{{.*}} = %c256, %{{.*}} = %c1, %{{.*}} = %c1)
// CHECK:         } {tessera.gpu.kernel = {{{.*}}strategy = "elementwise"}}
// The GEMM: 16x16 threads (SIMT) or 2x2 warps (64x2 threads).
// SIMT:          gpu.launch blocks({{.*}}) in (%{{.*}} = %c1, %{{.*}} = %c1, %{{.*}} = %c1) threads({{.*}}) in (%{{.*}} = %c16, %{{.*}} = %c16, %{{.*}} = %c1)
// MMA:           gpu.launch blocks({{.*}}) in (%{{.*}} = %c1, %{{.*}} = %c1, %{{.*}} = %c1) threads({{.*}}) in (%{{.*}} = %c64, %{{.*}} = %c2, %{{.*}} = %c1)
// SIMT:            memref.get_global @[[SA:.*]] : memref<128x16xf32, 3>
// MMA:             %[[SA:.*]] = memref.get_global @[[SAN:.*]] : memref<128x32xf16, #gpu.address_space<workgroup>>
// CHECK:           gpu.barrier
// SIMT:            memref.get_global @[[SB:.*]] : memref<16x128xf32, 3>
// MMA:             memref.get_global @[[SBN:.*]] : memref<32x128xf16, #gpu.address_space<workgroup>>
// MMA:             nvgpu.ldmatrix %[[SA]]
// MMA:             nvgpu.mma.sync({{.*}}) {mmaShape = [16, 8, 16]}
// SIMT:            vector.load %{{.*}} : memref<128x16xf32, 3>, vector<16xf32>
// SIMT:            vector.load %{{.*}} : memref<16x128xf32, 3>, vector<8xf32>
// SIMT:            vector.fma %{{.*}} : vector<8xf32>
// The SIMT GEMM applies the ReLU after its K loop; with mma.sync the unpack
// does.
// SIMT:            arith.maximumf %{{.*}} : vector<8x8xf32>
// SIMT:          } {tessera.gpu.kernel = {{{.*}}strategy = "gemm-simt"}}
// MMA:           } {tessera.gpu.kernel = {{{.*}}strategy = "gemm-mma"}}
// The unpack.
// CHECK:         gpu.launch
// MMA:             arith.maximumf
// CHECK:         } {tessera.gpu.kernel = {{{.*}}strategy = "elementwise"}}
// CHECK:         gpu.memcpy %[[DOUT]], %{{.*}} : memref<8x24xf32>, memref<8x24xf32>
// CHECK-NEXT:    gpu.memcpy %[[Y]], %[[DOUT]] : memref<8x24xf32>, memref<8x24xf32>
// CHECK-DAG:     gpu.dealloc %[[DB]]
// CHECK-DAG:     gpu.dealloc %[[DW]]
// CHECK-DAG:     gpu.dealloc %[[DX]]
// CHECK-DAG:     gpu.dealloc %[[DOUT]]
// CHECK:         return
// SIMT-DAG:    memref.global "private" @{{.*}} : memref<128x16xf32, 3>
// SIMT-DAG:    memref.global "private" @{{.*}} : memref<16x128xf32, 3>
// MMA-DAG:     memref.global "private" @[[SAN]] : memref<128x32xf16, #gpu.address_space<workgroup>>
// MMA-DAG:     memref.global "private" @[[SBN]] : memref<32x128xf16, #gpu.address_space<workgroup>>
#map = affine_map<(d0, d1) -> (d0, d1)>
func.func @main(%a: tensor<8x16xf32>) -> tensor<8x24xf32> {
  %w = arith.constant dense<0.5> : tensor<16x24xf32>
  %bias = arith.constant dense<[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0, 17.0, 18.0, 19.0, 20.0, 21.0, 22.0, 23.0, 24.0]> : tensor<24xf32>
  %cst = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8x24xf32>
  %bb = linalg.broadcast ins(%bias : tensor<24xf32>) outs(%e : tensor<8x24xf32>) dimensions = [0]
  %r = linalg.matmul ins(%a, %w : tensor<8x16xf32>, tensor<16x24xf32>) outs(%bb : tensor<8x24xf32>) -> tensor<8x24xf32>
  %y = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel"]} ins(%r : tensor<8x24xf32>) outs(%e : tensor<8x24xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %cst : f32
    linalg.yield %m : f32
  } -> tensor<8x24xf32>
  return %y : tensor<8x24xf32>
}
