// RUN: tessera-opt %s --tessera-test-hopper-gemm --split-input-file --verify-diagnostics

func.func @m_not_128(%a: memref<100x64xf16>, %b: memref<64x128xf16>, %c: memref<100x128xf32>) {
  // expected-error @+1 {{hopper gemm: M=100, N=128, K=64 not supported: M and N must be positive multiples of 128 and K a positive multiple of 64}}
  linalg.matmul ins(%a, %b : memref<100x64xf16>, memref<64x128xf16>) outs(%c : memref<100x128xf32>)
  return
}

// -----

func.func @n_not_128(%a: memref<128x64xf16>, %b: memref<64x192xf16>, %c: memref<128x192xf32>) {
  // expected-error @+1 {{hopper gemm: M=128, N=192, K=64 not supported}}
  linalg.matmul ins(%a, %b : memref<128x64xf16>, memref<64x192xf16>) outs(%c : memref<128x192xf32>)
  return
}

// -----

func.func @k_not_64(%a: memref<128x96xf16>, %b: memref<96x128xf16>, %c: memref<128x128xf32>) {
  // expected-error @+1 {{hopper gemm: M=128, N=128, K=96 not supported}}
  linalg.matmul ins(%a, %b : memref<128x96xf16>, memref<96x128xf16>) outs(%c : memref<128x128xf32>)
  return
}

// -----

func.func @shared_operand(%a: memref<128x64xf16, 3>, %b: memref<64x128xf16>, %c: memref<128x128xf32>) {
  // expected-error @+1 {{hopper gemm: A must be in global (device) memory, got memory space 3}}
  linalg.matmul ins(%a, %b : memref<128x64xf16, 3>, memref<64x128xf16>) outs(%c : memref<128x128xf32>)
  return
}

// -----

func.func @strided_operand(%a: memref<128x64xf16, strided<[128, 1]>>, %b: memref<64x128xf16>, %c: memref<128x128xf32>) {
  // expected-error @+1 {{hopper gemm: A must be a static, identity-layout 2-D memref of f16, got memref<128x64xf16, strided<[128, 1]>>}}
  linalg.matmul ins(%a, %b : memref<128x64xf16, strided<[128, 1]>>, memref<64x128xf16>) outs(%c : memref<128x128xf32>)
  return
}

// -----

func.func @inside_launch(%a: memref<128x64xf16>, %b: memref<64x128xf16>, %c: memref<128x128xf32>) {
  %c1 = arith.constant 1 : index
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c1, %z = %c1) threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    // expected-error @+1 {{hopper gemm: must be emitted in host code, outside gpu.launch and gpu.module}}
    linalg.matmul ins(%a, %b : memref<128x64xf16>, memref<64x128xf16>) outs(%c : memref<128x128xf32>)
    gpu.terminator
  }
  return
}
