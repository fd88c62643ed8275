// RUN: tessera-opt %s -convert-nn-to-linalg | FileCheck %s

// nn.fused lowers by inlining its body: the operands replace the block
// arguments, the yielded value the result, and the body's ops lower as
// usual (the conv, then the Relu on its result).
// CHECK-LABEL: func.func @conv_relu
// CHECK-SAME:    (%[[X:.*]]: tensor<1x2x4x4xf32>, %[[W:.*]]: tensor<2x2x1x1xf32>)
// CHECK-NOT:   nn.
// CHECK:       %[[C:.*]] = linalg.conv_2d_nchw_fchw {{.*}} ins(%[[X]], %[[W]] :
// CHECK:       %[[R:.*]] = linalg.generic {{.*}} ins(%[[C]] : tensor<1x2x4x4xf32>)
// CHECK:         arith.maximumf
// CHECK:       return %[[R]]
func.func @conv_relu(%x: tensor<1x2x4x4xf32>, %w: tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32> {
  %0 = nn.fused "conv" (%x, %w) : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32> {
  ^bb0(%a: tensor<1x2x4x4xf32>, %b: tensor<2x2x1x1xf32>):
    %none = nn.none
    %c = nn.conv %a, %b, %none : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>, none) -> tensor<1x2x4x4xf32>
    %r = nn.relu %c : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
    nn.yield %r : tensor<1x2x4x4xf32>
  }
  return %0 : tensor<1x2x4x4xf32>
}

// Small constants inside the body become arith constants.
// CHECK-LABEL: func.func @elementwise
// CHECK-NOT:   nn.
// CHECK:       arith.constant
// CHECK:       linalg.generic
// CHECK:         math.exp
// CHECK:       linalg.generic
// CHECK:         arith.mulf
func.func @elementwise(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = nn.fused "elementwise" (%x) : (tensor<4xf32>) -> tensor<4xf32> {
  ^bb0(%a: tensor<4xf32>):
    %k = nn.constant dense<2.0> : tensor<f32>
    %e = nn.exp %a : (tensor<4xf32>) -> tensor<4xf32>
    %m = nn.mul %e, %k : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
    nn.yield %m : tensor<4xf32>
  }
  return %0 : tensor<4xf32>
}
