// RUN: tessera-opt %s -tessera-linalg-stage | FileCheck %s

// The `linalg` stage of tessera-compile as a named pipeline: nn lowered to
// linalg on tensors, then cleaned (no nn op is left, constants are arith).
// CHECK-LABEL: func.func @stage
// CHECK-NOT:     nn.
// CHECK:         linalg.matmul
// CHECK:         linalg.generic
// CHECK:           arith.maximumf
// CHECK-NOT:     nn.
func.func @stage(%x: tensor<2x3xf32>) -> tensor<2x4xf32> {
  %w = nn.constant dense<1.0> : tensor<3x4xf32>
  %m = nn.matmul %x, %w : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x4xf32>
  %r = nn.relu %m : (tensor<2x4xf32>) -> tensor<2x4xf32>
  return %r : tensor<2x4xf32>
}
