// C = max(0, A x B + bias) at the bench shape, the input of
// hopper-gemm-ptx.test: the fourth argument is the bias of the test pass.
func.func @gemm_bias_relu(%a: memref<4096x4096xf16>, %b: memref<4096x4096xf16>, %c: memref<4096x4096xf32>, %bias: memref<4096xf32>) {
  linalg.matmul ins(%a, %b : memref<4096x4096xf16>, memref<4096x4096xf16>) outs(%c : memref<4096x4096xf32>)
  return
}
