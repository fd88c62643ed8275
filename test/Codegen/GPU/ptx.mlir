// RUN: tessera-opt %s --tessera-gpu-gemmify --tessera-gpu-fuse-elementwise --canonicalize --tessera-gpu-tile --tessera-gpu-map --tessera-gpu-ptx --mlir-elide-elementsattrs-if-larger=32 | FileCheck %s --check-prefixes=CHECK,SIMT
// RUN: tessera-opt %s --tessera-gpu-gemmify="chip=sm_80 precision=fp16" --tessera-gpu-fuse-elementwise --canonicalize --tessera-gpu-tile="chip=sm_80 precision=fp16" --tessera-gpu-map="chip=sm_80 precision=fp16" --tessera-gpu-ptx="chip=sm_80 precision=fp16" --mlir-elide-elementsattrs-if-larger=32 | FileCheck %s --check-prefixes=CHECK,MMA
// RUN: tessera-opt %s --tessera-gpu-gemmify="chip=sm_90a precision=fp16" --tessera-gpu-fuse-elementwise --canonicalize --tessera-gpu-tile="chip=sm_90a precision=fp16" --tessera-gpu-map="chip=sm_90a precision=fp16" --tessera-gpu-ptx="chip=sm_90a precision=fp16" --mlir-elide-elementsattrs-if-larger=32 | FileCheck %s --check-prefixes=CHECK,WGMMA

// The launches outlined into one gpu.module, compiled by NVVM for the chip:
// a gpu.binary holding the PTX text; host code keeps gpu.launch_func.

// CHECK-LABEL: func.func @main(
// CHECK-NOT:     gpu.launch blocks
// CHECK:         gpu.launch_func @main_kernel::@main_kernel blocks in
// SIMT:          gpu.launch_func @main_kernel::@main_kernel_0 blocks in (%c1, %c1, %c1) threads in (%c16, %c16, %c1)
// MMA:           gpu.launch_func @main_kernel::@main_kernel_0 blocks in (%c1, %c1, %c1) threads in (%c64, %c2, %c1)
// The warpgroup GEMM: 128 threads and dynamic shared memory.
// WGMMA:         gpu.launch_func @main_kernel::@main_kernel_1 blocks in (%c1, %c1, %c1) threads in (%c128, %c1, %c1) dynamic_shared_memory_size
// CHECK:         return
// CHECK-NOT:   gpu.module
// SIMT:        gpu.binary @main_kernel [#gpu.object<#nvvm.target<O = 3, chip = "sm_90", features = "+ptx80"{{.*}}>, properties = {{.*}}, assembly = "{{.*}}.version 8.0\0A.target sm_90\0A
// MMA:         gpu.binary @main_kernel [#gpu.object<#nvvm.target<O = 3, chip = "sm_80", features = "+ptx70"{{.*}}>, properties = {{.*}}, assembly = "{{.*}}.version 7.0\0A.target sm_80\0A
// WGMMA:       gpu.binary @main_kernel [#gpu.object<#nvvm.target<O = 3, chip = "sm_90a", features = "+ptx80"{{.*}}>, properties = {{.*}}, assembly = "{{.*}}.target sm_90a\0A
// CHECK-SAME:    .entry main_kernel(
// SIMT-SAME:     fma.rn.f32
// MMA-SAME:      ldmatrix.sync.aligned.m8n8.x4.shared.b16
// MMA-SAME:      mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32
// WGMMA-SAME:    wgmma.mma_async.sync.aligned.m64n128k16.f32.f16.f16
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
