// A launch, device memory (gpu.alloc, memcpy both ways, memset, dealloc)
// and streams, lowered by mlir-opt for runtime-abi.test.
module attributes {gpu.container_module} {
func.func @main(%h: memref<128xf32>) {
  %c1 = arith.constant 1 : index
  %c128 = arith.constant 128 : index
  %t0 = gpu.wait async
  %d, %t1 = gpu.alloc async [%t0] () : memref<128xf32>
  %t2 = gpu.memcpy async [%t1] %d, %h : memref<128xf32>, memref<128xf32>
  %cst = arith.constant 1.0 : f32
  %t3 = gpu.memset async [%t2] %d, %cst : memref<128xf32>, f32
  gpu.wait [%t3]
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1) threads(%tx, %ty, %tz) in (%sx = %c128, %sy = %c1, %sz = %c1) {
    %v = memref.load %d[%tx] : memref<128xf32>
    %w = arith.addf %v, %v : f32
    memref.store %w, %d[%tx] : memref<128xf32>
    gpu.terminator
  }
  %t4 = gpu.wait async
  %t5 = gpu.memcpy async [%t4] %h, %d : memref<128xf32>, memref<128xf32>
  %t6 = gpu.dealloc async [%t5] %d : memref<128xf32>
  gpu.wait [%t6]
  return
}
}
