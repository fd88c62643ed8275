// C[256,256] = A[256,128] x B[128,256] (f16 x f16 -> f32), the input of
// hopper-gemm-ptx.test.
func.func @gemm(%a: memref<256x128xf16>, %b: memref<128x256xf16>, %c: memref<256x256xf32>) {
  linalg.matmul ins(%a, %b : memref<256x128xf16>, memref<128x256xf16>) outs(%c : memref<256x256xf32>)
  return
}
