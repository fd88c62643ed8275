// RUN: tessera-opt %s -tessera-fuse-epilogues -split-input-file | FileCheck %s
// RUN: tessera-opt %s -tessera-fuse-epilogues=fuse-elementwise=false -split-input-file | FileCheck %s --check-prefix=NOEW
// RUN: tessera-opt %s -tessera-fuse-epilogues -split-input-file -mlir-print-debuginfo | FileCheck %s --check-prefix=LOC

// ResNet basic block tail: conv + bias Add + residual Add + Relu. Weights
// and the residual are operands; the group's location fuses all four.
// CHECK-LABEL: func.func @resnet_block
// CHECK-SAME:    (%[[X:.*]]: tensor<1x4x8x8xf32>, %[[RES:.*]]: tensor<1x4x8x8xf32>)
// CHECK:       %[[W:.*]] = nn.constant dense_resource<w> : tensor<4x4x3x3xf32>
// CHECK:       %[[B:.*]] = nn.constant dense_resource<b> : tensor<4x1x1xf32>
// CHECK:       %[[F:.*]] = nn.fused "conv" (%[[X]], %[[W]], %[[B]], %[[RES]]) : (tensor<1x4x8x8xf32>, tensor<4x4x3x3xf32>, tensor<4x1x1xf32>, tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32> {
// CHECK-NEXT:  ^bb0(%[[A0:.*]]: tensor<1x4x8x8xf32>, %[[A1:.*]]: tensor<4x4x3x3xf32>, %[[A2:.*]]: tensor<4x1x1xf32>, %[[A3:.*]]: tensor<1x4x8x8xf32>):
// CHECK-NEXT:    %[[NONE:.*]] = nn.none
// CHECK-NEXT:    %[[C:.*]] = nn.conv %[[A0]], %[[A1]], %[[NONE]]
// CHECK-NEXT:    %[[S:.*]] = nn.add %[[C]], %[[A2]]
// CHECK-NEXT:    %[[T:.*]] = nn.add %[[S]], %[[A3]]
// CHECK-NEXT:    %[[R:.*]] = nn.relu %[[T]]
// CHECK-NEXT:    nn.yield %[[R]]
// CHECK-NEXT:  }
// CHECK-NEXT:  return %[[F]]
// LOC-LABEL:   func.func @resnet_block
// LOC:         nn.conv {{.*}} loc(#[[CONV:[a-z0-9_]+]])
// LOC:         } loc(#[[GROUP:[a-z0-9_]+]])
// LOC:         #[[CONV]] = loc("conv")
// LOC-NEXT:    #[[BIAS:.*]] = loc("bias")
// LOC-NEXT:    #[[ADD:.*]] = loc("add")
// LOC-NEXT:    #[[RELU:.*]] = loc("relu")
// LOC:         #[[GROUP]] = loc(fused[#[[CONV]], #[[BIAS]], #[[ADD]], #[[RELU]]])
func.func @resnet_block(%x: tensor<1x4x8x8xf32>, %res: tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32> {
  %none = nn.none
  %w = nn.constant dense_resource<w> : tensor<4x4x3x3xf32>
  %b = nn.constant dense_resource<b> : tensor<4x1x1xf32>
  %c = nn.conv %x, %w, %none {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x4x8x8xf32>, tensor<4x4x3x3xf32>, none) -> tensor<1x4x8x8xf32> loc("conv")
  %s = nn.add %c, %b : (tensor<1x4x8x8xf32>, tensor<4x1x1xf32>) -> tensor<1x4x8x8xf32> loc("bias")
  %t = nn.add %s, %res : (tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32> loc("add")
  %r = nn.relu %t : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32> loc("relu")
  return %r : tensor<1x4x8x8xf32>
}
{-#
  dialect_resources: {
    builtin: {
      w: "0x04000000",
      b: "0x04000000"
    }
  }
#-}

// -----

// MobileNetV2 / EfficientNet projection: conv + residual Add with no
// activation after it; the Add still joins the group. The residual has a
// second use, which does not matter: only the chain's own values must be
// single-use.
// CHECK-LABEL: func.func @conv_residual_no_activation
// CHECK-SAME:    (%[[X:.*]]: tensor<1x2x4x4xf32>, %[[W:.*]]: tensor<2x2x1x1xf32>, %[[B:.*]]: tensor<2xf32>, %[[RES:.*]]: tensor<1x2x4x4xf32>)
// CHECK:       %[[F:.*]] = nn.fused "conv" (%[[X]], %[[W]], %[[B]], %[[RES]])
// CHECK:         nn.conv
// CHECK-NEXT:    nn.add
// CHECK-NEXT:    nn.yield
// CHECK:       nn.mul %[[F]], %[[RES]]
// NOEW-LABEL:  func.func @conv_residual_no_activation
// NOEW:        nn.fused "conv"
func.func @conv_residual_no_activation(%x: tensor<1x2x4x4xf32>, %w: tensor<2x2x1x1xf32>, %b: tensor<2xf32>, %res: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %c = nn.conv %x, %w, %b : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  %s = nn.add %c, %res : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %m = nn.mul %s, %res : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  return %m : tensor<1x2x4x4xf32>
}

// -----

// MobileNet: conv + Clip(0, 6); the scalar bounds live in the body.
// CHECK-LABEL: func.func @conv_relu6
// CHECK:       nn.fused "conv" (%{{.*}}, %{{.*}}, %{{.*}}) : (tensor<1x2x4x4xf32>, tensor<2x1x3x3xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32> {
// CHECK:         nn.constant dense<0.000000e+00> : tensor<f32>
// CHECK:         nn.constant dense<6.000000e+00> : tensor<f32>
// CHECK:         nn.conv
// CHECK-NEXT:    nn.clip
// CHECK-NEXT:    nn.yield
func.func @conv_relu6(%x: tensor<1x2x4x4xf32>, %w: tensor<2x1x3x3xf32>, %b: tensor<2xf32>) -> tensor<1x2x4x4xf32> {
  %lo = nn.constant dense<0.0> : tensor<f32>
  %hi = nn.constant dense<6.0> : tensor<f32>
  %c = nn.conv %x, %w, %b {group = 2 : i64, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x2x4x4xf32>, tensor<2x1x3x3xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  %r = nn.clip %c, %lo, %hi : (tensor<1x2x4x4xf32>, tensor<f32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  return %r : tensor<1x2x4x4xf32>
}

// -----

// Decomposed SiLU after a conv: the conv's two uses are the gate; Sigmoid
// and Mul stay two ops inside the group.
// CHECK-LABEL: func.func @conv_silu
// CHECK:       nn.fused "conv"
// CHECK:         %[[C:.*]] = nn.conv
// CHECK-NEXT:    %[[S:.*]] = nn.sigmoid %[[C]]
// CHECK-NEXT:    %[[M:.*]] = nn.mul %[[C]], %[[S]]
// CHECK-NEXT:    nn.yield %[[M]]
func.func @conv_silu(%x: tensor<1x2x4x4xf32>, %w: tensor<2x2x1x1xf32>, %b: tensor<2xf32>) -> tensor<1x2x4x4xf32> {
  %c = nn.conv %x, %w, %b : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  %s = nn.sigmoid %c : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %m = nn.mul %c, %s : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  return %m : tensor<1x2x4x4xf32>
}

// -----

// Squeeze-and-excitation: the [N, C, 1, 1] scale, computed elsewhere (here
// by its own group: conv + Sigmoid), is an operand of the conv's group.
// CHECK-LABEL: func.func @se_scale
// CHECK:       %[[SE:.*]] = nn.fused "conv" (%{{.*}}, %{{.*}}, %{{.*}}) : (tensor<1x2x1x1xf32>, tensor<2x2x1x1xf32>, tensor<2xf32>) -> tensor<1x2x1x1xf32>
// CHECK:         nn.sigmoid
// CHECK:       nn.fused "conv" (%{{.*}}, %{{.*}}, %{{.*}}, %[[SE]]) : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>, tensor<2xf32>, tensor<1x2x1x1xf32>) -> tensor<1x2x4x4xf32>
// CHECK:         nn.conv
// CHECK-NEXT:    nn.mul %{{.*}}, %arg{{.*}} : (tensor<1x2x4x4xf32>, tensor<1x2x1x1xf32>)
// CHECK-NEXT:    nn.yield
func.func @se_scale(%x: tensor<1x2x4x4xf32>, %p: tensor<1x2x1x1xf32>, %w: tensor<2x2x1x1xf32>, %b: tensor<2xf32>) -> tensor<1x2x4x4xf32> {
  %e = nn.conv %p, %w, %b : (tensor<1x2x1x1xf32>, tensor<2x2x1x1xf32>, tensor<2xf32>) -> tensor<1x2x1x1xf32>
  %s = nn.sigmoid %e : (tensor<1x2x1x1xf32>) -> tensor<1x2x1x1xf32>
  %c = nn.conv %x, %w, %b : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  %m = nn.mul %c, %s : (tensor<1x2x4x4xf32>, tensor<1x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  return %m : tensor<1x2x4x4xf32>
}

// -----

// CHECK-LABEL: func.func @gemm_relu
// CHECK:       nn.fused "gemm"
// CHECK:         nn.gemm
// CHECK-NEXT:    nn.relu
// CHECK-NEXT:    nn.yield
func.func @gemm_relu(%a: tensor<2x3xf32>, %b: tensor<4x3xf32>, %c: tensor<4xf32>) -> tensor<2x4xf32> {
  %g = nn.gemm %a, %b, %c {transB = 1 : i64} : (tensor<2x3xf32>, tensor<4x3xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  %r = nn.relu %g : (tensor<2x4xf32>) -> tensor<2x4xf32>
  return %r : tensor<2x4xf32>
}

// -----

// MatMul + bias Add along the last dim + Relu; the bias (more than 16
// elements) is an operand.
// CHECK-LABEL: func.func @matmul_bias_relu
// CHECK:       %[[BIAS:.*]] = nn.constant
// CHECK:       nn.fused "matmul" (%{{.*}}, %{{.*}}, %[[BIAS]])
// CHECK:         nn.matmul
// CHECK-NEXT:    nn.add
// CHECK-NEXT:    nn.relu
// CHECK-NEXT:    nn.yield
func.func @matmul_bias_relu(%a: tensor<2x8x3xf32>, %b: tensor<3x32xf32>) -> tensor<2x8x32xf32> {
  %bias = nn.constant dense<1.0> : tensor<32xf32>
  %m = nn.matmul %a, %b : (tensor<2x8x3xf32>, tensor<3x32xf32>) -> tensor<2x8x32xf32>
  %s = nn.add %m, %bias : (tensor<2x8x32xf32>, tensor<32xf32>) -> tensor<2x8x32xf32>
  %r = nn.relu %s : (tensor<2x8x32xf32>) -> tensor<2x8x32xf32>
  return %r : tensor<2x8x32xf32>
}

// -----

// Elementwise chains without an anchor: Exp -> Mul by a constant -> Tanh.
// CHECK-LABEL: func.func @elementwise_chain
// CHECK:       nn.fused "elementwise" (%{{.*}}) : (tensor<2x3xf32>) -> tensor<2x3xf32>
// CHECK:         nn.exp
// CHECK-NEXT:    nn.mul
// CHECK-NEXT:    nn.tanh
// CHECK-NEXT:    nn.yield
// NOEW-LABEL: func.func @elementwise_chain
// NOEW-NOT:   nn.fused
func.func @elementwise_chain(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %k = nn.constant dense<2.0> : tensor<f32>
  %e = nn.exp %x : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %m = nn.mul %e, %k : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  %t = nn.tanh %m : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %t : tensor<2x3xf32>
}

// -----

// The conv's output has two uses that are no gate: nothing is grouped.
// CHECK-LABEL: func.func @negative_multi_use_conv
// NOEW-LABEL:  func.func @negative_multi_use_conv
// CHECK-NOT:   nn.fused
func.func @negative_multi_use_conv(%x: tensor<1x2x4x4xf32>, %w: tensor<2x2x1x1xf32>, %b: tensor<2xf32>) -> (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) {
  %c = nn.conv %x, %w, %b : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  %r = nn.relu %c : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  return %r, %c : tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>
}

// -----

// An activation after a reduction joins no group, and a lone activation
// is no chain.
// CHECK-LABEL: func.func @negative_activation_after_reduction
// CHECK-NOT:   nn.fused
func.func @negative_activation_after_reduction(%x: tensor<2x3xf32>) -> tensor<2x1xf32> {
  %axes = nn.constant dense<1> : tensor<1xi64>
  %s = nn.reduce_sum %x, %axes : (tensor<2x3xf32>, tensor<1xi64>) -> tensor<2x1xf32>
  %r = nn.relu %s : (tensor<2x1xf32>) -> tensor<2x1xf32>
  return %r : tensor<2x1xf32>
}

// -----

// The Add's other operand is neither a channel-broadcast constant nor of
// the output's shape (followed by an activation): the conv stays alone.
// CHECK-LABEL: func.func @negative_non_broadcast_add
// CHECK-NOT:   nn.fused
func.func @negative_non_broadcast_add(%x: tensor<1x2x4x4xf32>, %w: tensor<2x2x1x1xf32>, %b: tensor<2xf32>, %y: tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %c = nn.conv %x, %w, %b : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  %s = nn.add %c, %y : (tensor<1x2x4x4xf32>, tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32>
  return %s : tensor<1x2x4x4xf32>
}

// -----

// A constant broadcast along H, not the channel, is no bias.
// CHECK-LABEL: func.func @negative_bias_wrong_axis
// CHECK-NOT:   nn.fused
func.func @negative_bias_wrong_axis(%x: tensor<1x2x4x3xf32>, %w: tensor<2x2x1x1xf32>, %b: tensor<2xf32>) -> tensor<1x2x4x3xf32> {
  %k = nn.constant dense<1.0> : tensor<4x1xf32>
  %c = nn.conv %x, %w, %b : (tensor<1x2x4x3xf32>, tensor<2x2x1x1xf32>, tensor<2xf32>) -> tensor<1x2x4x3xf32>
  %s = nn.add %c, %k : (tensor<1x2x4x3xf32>, tensor<4x1xf32>) -> tensor<1x2x4x3xf32>
  return %s : tensor<1x2x4x3xf32>
}

// -----

// Softmax and data movement never join a group.
// CHECK-LABEL: func.func @negative_softmax_reshape
// CHECK-NOT:   nn.fused
func.func @negative_softmax_reshape(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>) -> tensor<8xf32> {
  %shape = nn.constant dense<8> : tensor<1xi64>
  %m = nn.matmul %a, %b : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x4xf32>
  %s = nn.softmax %m : (tensor<2x4xf32>) -> tensor<2x4xf32>
  %r = nn.reshape %s, %shape : (tensor<2x4xf32>, tensor<1xi64>) -> tensor<8xf32>
  return %r : tensor<8xf32>
}

// -----

// An inference BatchNormalization with constant parameters (before
// tessera-fold-graph folds it into the weights) and a LeakyRelu.
// CHECK-LABEL: func.func @conv_bn_leaky
// CHECK:       nn.fused "conv"
// CHECK:         nn.conv
// CHECK-NEXT:    nn.batch_normalization
// CHECK-NEXT:    nn.leaky_relu
// CHECK-NEXT:    nn.yield
func.func @conv_bn_leaky(%x: tensor<1x2x4x4xf32>, %w: tensor<2x2x1x1xf32>, %b: tensor<2xf32>) -> tensor<1x2x4x4xf32> {
  %s = nn.constant dense<1.0> : tensor<2xf32>
  %c = nn.conv %x, %w, %b : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  %y, %m, %v = nn.batch_normalization %c, %s, %s, %s, %s : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>)
  %r = nn.leaky_relu %y : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  return %r : tensor<1x2x4x4xf32>
}

// -----

// A Clip whose bounds are computed is no activation (nor an elementwise op
// the pass groups): nothing is grouped.
// CHECK-LABEL: func.func @negative_clip_dynamic_bounds
// CHECK-NOT:   nn.fused
func.func @negative_clip_dynamic_bounds(%x: tensor<1x2x4x4xf32>, %w: tensor<2x2x1x1xf32>, %b: tensor<2xf32>, %lo: tensor<f32>, %hi: tensor<f32>) -> tensor<1x2x4x4xf32> {
  %c = nn.conv %x, %w, %b : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  %r = nn.clip %c, %lo, %hi : (tensor<1x2x4x4xf32>, tensor<f32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %e = nn.exp %r : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  return %e : tensor<1x2x4x4xf32>
}
