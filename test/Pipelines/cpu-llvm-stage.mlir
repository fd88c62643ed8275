// RUN: tessera-opt %s -tessera-linalg-stage -tessera-cpu-llvm-stage | FileCheck %s

// The CPU `llvm` stage as a named pipeline: bufferized, the result an
// out-param, everything in the LLVM dialect with bare-pointer arguments.
// CHECK-LABEL: llvm.func @stage
// CHECK-SAME:    (%{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr)
// CHECK-NOT:     tensor<
// CHECK-NOT:     memref<
// CHECK:         llvm.fcmp "ugt"
// CHECK:         llvm.select
// CHECK:         llvm.return
func.func @stage(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %r = nn.relu %x : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %r : tensor<2x3xf32>
}
