// RUN: tessera-opt %s --tessera-test-hopper-gemm --cse | FileCheck %s
// Canonicalization keeps the pointer casts around the launch.
// RUN: tessera-opt %s --tessera-test-hopper-gemm --canonicalize | FileCheck %s --check-prefix=CANON
// CANON: llvm.inttoptr
// CANON: gpu.launch
// CANON: builtin.unrealized_conversion_cast %{{.*}} : !llvm.ptr to !nvgpu.tensormap.descriptor

// The IR emitHopperGemm builds for C[256,128] = A[256,256] x B[256,128]: the
// external shared array, two TMA descriptors in host code (crossing into the
// kernel as pointers), a launch of (N/128, M/128) blocks of 128 threads with
// 96 KiB of dynamic shared memory, a 3-stage mbarrier pipeline over the 4 K
// slices, warpgroup MMA, and the epilogue through shared memory. With a
// fourth argument memref<128xf32> the test pass adds bias[col] and applies
// max(0, .).

// CHECK: memref.global "public" @__tessera_hopper_smem : memref<0xi8, 3> {alignment = 1024 : i64}
// CHECK-LABEL: func.func @gemm(
// CHECK-SAME: %[[A:[a-z0-9]+]]: memref<256x256xf16>, %[[B:[a-z0-9]+]]: memref<256x128xf16>, %[[C:[a-z0-9]+]]: memref<256x128xf32>, %[[BIAS:[a-z0-9]+]]: memref<128xf32>
// CHECK-NOT: linalg.matmul
// CHECK: %[[CA:.*]] = memref.cast %[[A]] : memref<256x256xf16> to memref<*xf16>
// CHECK-DAG: %[[C128:.*]] = arith.constant 128 : index
// CHECK-DAG: %[[C64:.*]] = arith.constant 64 : index
// CHECK: %[[DA:.*]] = nvgpu.tma.create.descriptor %[[CA]] box[%[[C128]], %[[C64]]] : memref<*xf16> -> <tensor = memref<128x64xf16, 3>, swizzle = swizzle_128b, l2promo = l2promo_256b, oob = zero, interleave = none>
// CHECK: %[[CB:.*]] = memref.cast %[[B]] : memref<256x128xf16> to memref<*xf16>
// CHECK: %[[DB:.*]] = nvgpu.tma.create.descriptor %[[CB]] box[%[[C64]], %[[C64]]] : memref<*xf16> -> <tensor = memref<64x64xf16, 3>, swizzle = swizzle_128b
// CHECK: %[[UA:.*]] = builtin.unrealized_conversion_cast %[[DA]] : {{.*}} to !llvm.ptr
// CHECK: %[[IA:.*]] = llvm.ptrtoint %[[UA]] : !llvm.ptr to i64
// CHECK: %[[PA:.*]] = llvm.inttoptr %[[IA]] : i64 to !llvm.ptr
// CHECK: %[[UB:.*]] = builtin.unrealized_conversion_cast %[[DB]] : {{.*}} to !llvm.ptr
// CHECK: %[[IB:.*]] = llvm.ptrtoint %[[UB]] : !llvm.ptr to i64
// CHECK: %[[PB:.*]] = llvm.inttoptr %[[IB]] : i64 to !llvm.ptr
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[SMEM:.*]] = arith.constant 98304 : i32
// CHECK-DAG: %[[C2:.*]] = arith.constant 2 : index
// CHECK: gpu.launch blocks(%[[BX:.*]], %[[BY:.*]], %{{.*}}) in (%{{.*}} = %[[C1]], %{{.*}} = %[[C2]], %{{.*}} = %[[C1]]) threads(%[[TX:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %[[C128]], %{{.*}} = %[[C1]], %{{.*}} = %[[C1]]) dynamic_shared_memory_size %[[SMEM]]
// CHECK: %[[TA:.*]] = builtin.unrealized_conversion_cast %[[PA]] : !llvm.ptr to !nvgpu.tensormap.descriptor<tensor = memref<128x64xf16, 3>
// CHECK: %[[TB:.*]] = builtin.unrealized_conversion_cast %[[PB]] : !llvm.ptr to !nvgpu.tensormap.descriptor<tensor = memref<64x64xf16, 3>
// CHECK: %[[COL0:.*]] = arith.muli %[[BX]], %[[C128]]
// CHECK: %[[ROW0:.*]] = arith.muli %[[BY]], %[[C128]]
// CHECK: %[[LEADER:.*]] = arith.cmpi eq, %[[TX]]
// CHECK: memref.get_global @__tessera_hopper_smem : memref<0xi8, 3>
// CHECK: %[[BUF:.*]] = memref.reinterpret_cast {{.*}} sizes: [98304], strides: [1] : memref<0xi8, 3> to memref<98304xi8, 3>
// CHECK: %[[BARS:.*]] = nvgpu.mbarrier.create -> <memorySpace = #gpu.address_space<workgroup>, num_barriers = 3>
// CHECK-COUNT-3: nvgpu.mbarrier.init %[[BARS]][%{{.*}}], %[[C1]], predicate = %[[LEADER]]
// CHECK: nvvm.fence.mbarrier.init
// CHECK-NEXT: gpu.barrier
// CHECK: nvgpu.tma.prefetch.descriptor %[[TA]], predicate = %[[LEADER]]
// CHECK: nvgpu.tma.prefetch.descriptor %[[TB]], predicate = %[[LEADER]]
// Prologue: slices 0 and 1.
// CHECK: scf.if %[[LEADER]] {
// CHECK: nvgpu.mbarrier.arrive.expect_tx %[[BARS]][%{{.*}}], %{{.*}} :
// CHECK: nvgpu.tma.async.load %[[TA]][%{{.*}}, %[[ROW0]]], %[[BARS]]
// CHECK: nvgpu.tma.async.load %[[TB]][%[[COL0]], %{{.*}}], %[[BARS]]
// CHECK: nvgpu.tma.async.load %[[TB]][%{{.*}}, %{{.*}}], %[[BARS]]
// CHECK: nvgpu.mbarrier.arrive.expect_tx
// CHECK: nvgpu.tma.async.load
// CHECK: nvgpu.tma.async.load
// CHECK: nvgpu.tma.async.load
// CHECK-NOT: nvgpu.tma.async.load
// CHECK: }
// CHECK: %[[INIT:.*]] = nvgpu.warpgroup.mma.init.accumulator -> <fragmented = vector<128x128xf32>>
// CHECK: %[[ACC:.*]] = scf.for %[[KT:.*]] = %{{.*}} to %{{.*}} step %[[C1]] iter_args(%[[IT:.*]] = %[[INIT]])
// CHECK: nvgpu.mbarrier.try_wait.parity %[[BARS]]
// CHECK: %[[WA:.*]] = nvgpu.warpgroup.generate.descriptor %{{.*}}, %[[TA]] : memref<128x64xf16, 3>
// CHECK: %[[WB:.*]] = nvgpu.warpgroup.generate.descriptor %{{.*}}, %[[TB]] : memref<64x128xf16, 3>
// CHECK: %[[NEXT:.*]] = nvgpu.warpgroup.mma %[[WA]], %[[WB]], %[[IT]] {transposeB}
// CHECK-NEXT: gpu.barrier
// CHECK: scf.if
// CHECK: nvgpu.mbarrier.arrive.expect_tx
// CHECK-COUNT-3: nvgpu.tma.async.load
// CHECK: scf.yield %[[NEXT]]
// CHECK: nvvm.wgmma.wait.group.sync.aligned 0
// CHECK-NEXT: gpu.barrier
// CHECK: %[[STAGE:.*]] = memref.view %[[BUF]][%{{.*}}][] : memref<98304xi8, 3> to memref<128x136xf32, 3>
// CHECK: %[[SUB:.*]] = memref.subview %[[STAGE]][0, 0] [128, 128] [1, 1]
// CHECK: nvgpu.warpgroup.mma.store %[[ACC]], %[[SUB]]
// CHECK-NEXT: gpu.barrier
// CHECK: scf.for
// CHECK: %[[V:.*]] = vector.load %[[STAGE]][{{.*}}] : memref<128x136xf32, 3>, vector<4xf32>
// CHECK: vector.extract %[[V]][0]
// CHECK: memref.load %[[BIAS]]
// CHECK: arith.addf
// CHECK: arith.maximumf
// CHECK-COUNT-3: arith.maximumf
// CHECK: vector.store %{{.*}}, %[[C]][%{{.*}}, %{{.*}}] : memref<256x128xf32>, vector<4xf32>
// CHECK: gpu.terminator
func.func @gemm(%a: memref<256x256xf16>, %b: memref<256x128xf16>, %c: memref<256x128xf32>, %bias: memref<128xf32>) {
  linalg.matmul ins(%a, %b : memref<256x256xf16>, memref<256x128xf16>) outs(%c : memref<256x128xf32>)
  return
}

// Other element types are not taken: the matmul stays.
// CHECK-LABEL: func.func @f32_matmul
// CHECK: linalg.matmul
func.func @f32_matmul(%a: memref<128x64xf32>, %b: memref<64x128xf32>, %c: memref<128x128xf32>) {
  linalg.matmul ins(%a, %b : memref<128x64xf32>, memref<64x128xf32>) outs(%c : memref<128x128xf32>)
  return
}

// One K slice: one stage, the single prologue load, and the loop's own
// wait for the stage before reloading it.
// CHECK-LABEL: func.func @one_slice
// CHECK: %[[S1:.*]] = arith.constant 69632 : i32
// CHECK: dynamic_shared_memory_size %[[S1]]
// CHECK: nvgpu.mbarrier.create -> <memorySpace = #gpu.address_space<workgroup>>
// CHECK: nvgpu.warpgroup.mma %
// CHECK-NEXT: gpu.barrier
// CHECK-NEXT: nvvm.wgmma.wait.group.sync.aligned 0
// CHECK-NEXT: gpu.barrier
func.func @one_slice(%a: memref<128x64xf16>, %b: memref<64x128xf16>, %c: memref<128x128xf32>) {
  linalg.matmul ins(%a, %b : memref<128x64xf16>, memref<64x128xf16>) outs(%c : memref<128x128xf32>)
  return
}

// N % 256 == 0: the wide kernel. (N/256, M/128) blocks of two warpgroups,
// four 64x64 boxes of B per slice (48 KiB per stage with A), each
// warpgroup multiplying its 64 rows of A (8 KiB into the stage) by the
// 64x256 B tile into a 64x256 accumulator, the stores of both warpgroups
// through one 64-row view of the 128 x 264 staging tile.
// CHECK-LABEL: func.func @wide
// CHECK-DAG: %[[W256:.*]] = arith.constant 256 : index
// CHECK-DAG: %[[WSMEM:.*]] = arith.constant 135168 : i32
// CHECK: gpu.launch blocks({{.*}}) in (%{{.*}} = %[[WGX:.*]], %{{.*}} = %[[WGY:.*]], %{{.*}}) threads(%[[WTX:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %[[W256]], {{.*}}) dynamic_shared_memory_size %[[WSMEM]]
// CHECK: %[[WG:.*]] = arith.divui %[[WTX]], %{{.*}} : index
// CHECK: nvgpu.mbarrier.create -> <memorySpace = #gpu.address_space<workgroup>, num_barriers = 2>
// CHECK: scf.if
// CHECK: nvgpu.mbarrier.arrive.expect_tx %{{.*}}[%{{.*}}], %{{.*}} :
// CHECK-COUNT-5: nvgpu.tma.async.load
// CHECK-NOT: nvgpu.tma.async.load
// CHECK: nvgpu.warpgroup.mma.init.accumulator -> <fragmented = vector<64x256xf32>>
// CHECK: scf.for
// CHECK: nvgpu.mbarrier.try_wait.parity
// CHECK: %[[AOFF:.*]] = arith.muli %[[WG]], %{{.*}} : index
// CHECK: %[[AOFF2:.*]] = arith.addi %{{.*}}, %[[AOFF]] : index
// CHECK: %[[WA:.*]] = memref.view %{{.*}}[%[[AOFF2]]][] : memref<135168xi8, 3> to memref<64x64xf16, 3>
// CHECK: %[[WB:.*]] = memref.view %{{.*}} : memref<135168xi8, 3> to memref<64x256xf16, 3>
// CHECK: nvgpu.warpgroup.generate.descriptor %[[WA]], {{.*}} -> <tensor = memref<64x64xf16, 3>>
// CHECK: nvgpu.warpgroup.generate.descriptor %[[WB]], {{.*}} -> <tensor = memref<64x256xf16, 3>>
// CHECK: nvgpu.warpgroup.mma {{.*}} {transposeB} : <tensor = memref<64x64xf16, 3>>, <tensor = memref<64x256xf16, 3>>, <fragmented = vector<64x256xf32>> -> <fragmented = vector<64x256xf32>>
// CHECK: scf.if
// CHECK: nvgpu.mbarrier.arrive.expect_tx
// CHECK-COUNT-5: nvgpu.tma.async.load
// CHECK: %[[WST:.*]] = memref.view %{{.*}} : memref<135168xi8, 3> to memref<128x264xf32, 3>
// CHECK: %[[WSUB:.*]] = memref.subview %[[WST]][0, 0] [64, 256] [1, 1] : memref<128x264xf32, 3> to memref<64x256xf32, strided<[264, 1]>, 3>
// CHECK: nvgpu.warpgroup.mma.store %{{.*}}, %[[WSUB]]
// CHECK: scf.for
// CHECK-COUNT-2: vector.store %{{.*}} : memref<256x256xf32>, vector<4xf32>
func.func @wide(%a: memref<256x128xf16>, %b: memref<128x256xf16>, %c: memref<256x256xf32>) {
  linalg.matmul ins(%a, %b : memref<256x128xf16>, memref<128x256xf16>) outs(%c : memref<256x256xf32>)
  return
}
