// A TMA descriptor created in host code (nvgpu.tma.create.descriptor),
// lowered by mlir-opt for runtime-abi.test.
!desc = !nvgpu.tensormap.descriptor<tensor = memref<64x64xf16, 3>, swizzle = swizzle_128b, l2promo = none, oob = zero, interleave = none>
module attributes {gpu.container_module} {
func.func @main(%d: memref<128x128xf16>) -> !llvm.ptr {
  %c64 = arith.constant 64 : index
  %u = memref.cast %d : memref<128x128xf16> to memref<*xf16>
  %t = nvgpu.tma.create.descriptor %u box[%c64, %c64] : memref<*xf16> -> !desc
  %p = builtin.unrealized_conversion_cast %t : !desc to !llvm.ptr
  return %p : !llvm.ptr
}
}
