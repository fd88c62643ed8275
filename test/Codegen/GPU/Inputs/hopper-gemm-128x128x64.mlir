// C[128,128] = A[128,64] x B[64,128] (f16 x f16 -> f32), the input of
// hopper-gemm-ptx.test.
func.func @gemm(%a: memref<128x64xf16>, %b: memref<64x128xf16>, %c: memref<128x128xf32>) {
  linalg.matmul ins(%a, %b : memref<128x64xf16>, memref<64x128xf16>) outs(%c : memref<128x128xf32>)
  return
}
