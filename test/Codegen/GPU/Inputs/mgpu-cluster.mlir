// Events joining two streams, an f16 memset, a cluster launch and host
// registration, lowered by mlir-opt for runtime-abi.test.
module attributes {gpu.container_module} {
func.func @main(%h: memref<128xf16>, %u: memref<*xf32>) {
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c128 = arith.constant 128 : index
  gpu.host_register %u : memref<*xf32>
  %a0 = gpu.wait async
  %b0 = gpu.wait async
  %d, %t1 = gpu.alloc async [%a0] () : memref<128xf16>
  %e, %t2 = gpu.alloc async [%b0] () : memref<128xf16>
  %cst = arith.constant 1.0 : f16
  %t3 = gpu.memset async [%t1] %d, %cst : memref<128xf16>, f16
  %j = gpu.wait async [%t2, %t3]
  %t4 = gpu.memcpy async [%j] %e, %d : memref<128xf16>, memref<128xf16>
  %t5 = gpu.launch_func async [%t4] @k::@k clusters in (%c2, %c1, %c1) blocks in (%c2, %c1, %c1) threads in (%c128, %c1, %c1) args(%d : memref<128xf16>, %e : memref<128xf16>)
  gpu.wait [%t5]
  gpu.host_unregister %u : memref<*xf32>
  return
}
gpu.module @k {
  gpu.func @k(%d: memref<128xf16>, %e: memref<128xf16>) kernel {
    %tx = gpu.thread_id x
    %v = memref.load %d[%tx] : memref<128xf16>
    memref.store %v, %e[%tx] : memref<128xf16>
    gpu.return
  }
}
}
