// RUN: tessera-opt %s | tessera-opt | FileCheck %s

// nn.fused round-trips: kind, operands, body with its arguments, nn.yield.
// CHECK-LABEL: func.func @conv_group
// CHECK:       %[[F:.*]] = nn.fused "conv" (%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) : (tensor<1x2x4x4xf32>, tensor<2x2x3x3xf32>, tensor<2xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
// CHECK-NEXT:  ^bb0(%[[X:.*]]: tensor<1x2x4x4xf32>, %[[W:.*]]: tensor<2x2x3x3xf32>, %[[B:.*]]: tensor<2xf32>, %[[R:.*]]: tensor<1x2x4x4xf32>):
// CHECK-NEXT:    %[[C:.*]] = nn.conv %[[X]], %[[W]], %[[B]]
// CHECK-NEXT:    %[[A:.*]] = nn.add %[[C]], %[[R]]
// CHECK-NEXT:    %[[Y:.*]] = nn.relu %[[A]]
// CHECK-NEXT:    nn.yield %[[Y]] : tensor<1x2x4x4xf32>
// CHECK-NEXT:  }
// CHECK-NEXT:  return %[[F]]
func.func @conv_group(%x: tensor<1x2x4x4xf32>, %w: tensor<2x2x3x3xf32>, %b: tensor<2xf32>, %r: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %0 = nn.fused "conv" (%x, %w, %b, %r) : (tensor<1x2x4x4xf32>, tensor<2x2x3x3xf32>, tensor<2xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  ^bb0(%a0: tensor<1x2x4x4xf32>, %a1: tensor<2x2x3x3xf32>, %a2: tensor<2xf32>, %a3: tensor<1x2x4x4xf32>):
    %c = nn.conv %a0, %a1, %a2 {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x2x4x4xf32>, tensor<2x2x3x3xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
    %s = nn.add %c, %a3 : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
    %y = nn.relu %s : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
    nn.yield %y : tensor<1x2x4x4xf32>
  }
  return %0 : tensor<1x2x4x4xf32>
}

// Small constants live in the body; "elementwise" has no anchor.
// CHECK-LABEL: func.func @elementwise_group
// CHECK:       nn.fused "elementwise" (%{{.*}}) : (tensor<4xf32>) -> tensor<4xf32> {
// CHECK:         nn.constant dense<6.000000e+00> : tensor<f32>
// CHECK:         nn.clip
// CHECK:         nn.yield
func.func @elementwise_group(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = nn.fused "elementwise" (%x) : (tensor<4xf32>) -> tensor<4xf32> {
  ^bb0(%a: tensor<4xf32>):
    %lo = nn.constant dense<0.0> : tensor<f32>
    %hi = nn.constant dense<6.0> : tensor<f32>
    %e = nn.exp %a : (tensor<4xf32>) -> tensor<4xf32>
    %c = nn.clip %e, %lo, %hi : (tensor<4xf32>, tensor<f32>, tensor<f32>) -> tensor<4xf32>
    nn.yield %c : tensor<4xf32>
  }
  return %0 : tensor<4xf32>
}
