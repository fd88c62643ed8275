// C[4096,4096] = A[4096,4096] x B[4096,4096] (f16 x f16 -> f32), the input of
// hopper-gemm-ptx.test.
func.func @gemm(%a: memref<4096x4096xf16>, %b: memref<4096x4096xf16>, %c: memref<4096x4096xf32>) {
  linalg.matmul ins(%a, %b : memref<4096x4096xf16>, memref<4096x4096xf16>) outs(%c : memref<4096x4096xf32>)
  return
}
