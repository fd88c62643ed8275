// RUN: tessera-opt %s -tessera-linalg-stage -tessera-cpu-codegen | FileCheck %s

// The CPU code generation pipeline on linalg: the matmul is tiled to
// registers and its k loop becomes vector FMAs; the elementwise ReLU is
// vectorized too.
// CHECK-LABEL: func.func @stage
// CHECK:         scf.for
// CHECK:           vector.fma
// CHECK:         arith.maximumf {{.*}} : vector<
// CHECK-NOT:     linalg.matmul
func.func @stage(%x: tensor<8x16xf32>, %w: tensor<16x32xf32>) -> tensor<8x32xf32> {
  %m = nn.matmul %x, %w : (tensor<8x16xf32>, tensor<16x32xf32>) -> tensor<8x32xf32>
  %r = nn.relu %m : (tensor<8x32xf32>) -> tensor<8x32xf32>
  return %r : tensor<8x32xf32>
}
