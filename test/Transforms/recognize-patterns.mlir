// RUN: tessera-opt %s -split-input-file -tessera-recognize-patterns -mlir-print-debuginfo -mlir-print-local-scope | FileCheck %s

// SiLU in both operand orders.
// CHECK-LABEL: func.func @silu
// CHECK: %[[A:.*]] = nn.silu %arg0 {{.*}} loc(fused["mul", "sig"])
// CHECK: %[[B:.*]] = nn.silu %arg0 {{.*}} loc(fused["mul2", "sig2"])
// CHECK: return %[[A]], %[[B]]
func.func @silu(%x: tensor<2x8xf32>) -> (tensor<2x8xf32>, tensor<2x8xf32>) {
  %s = nn.sigmoid %x : (tensor<2x8xf32>) -> tensor<2x8xf32> loc("sig")
  %y = nn.mul %x, %s : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32> loc("mul")
  %s2 = nn.sigmoid %x : (tensor<2x8xf32>) -> tensor<2x8xf32> loc("sig2")
  %y2 = nn.mul %s2, %x : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32> loc("mul2")
  return %y, %y2 : tensor<2x8xf32>, tensor<2x8xf32>
}

// -----

// The sigmoid has another use, or is of another value.
// CHECK-LABEL: func.func @negative_silu
// CHECK-NOT: nn.silu
// CHECK-COUNT-2: nn.mul
func.func @negative_silu(%x: tensor<2x8xf32>, %z: tensor<2x8xf32>) -> (tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>) {
  %s = nn.sigmoid %x : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %y = nn.mul %x, %s : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %s2 = nn.sigmoid %z : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %y2 = nn.mul %x, %s2 : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  return %y, %s, %y2 : tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>
}

// -----

// HardSwish: x * hard_sigmoid(x), x * clip(x + 3, 0, 6) / 6 and
// x * (clip(3 + x, 0, 6) * (1/6)).
// CHECK-LABEL: func.func @hard_swish
// CHECK: %[[A:.*]] = nn.hard_swish %arg0 {{.*}} loc(fused["mul", "hs"])
// CHECK: %[[B:.*]] = nn.hard_swish %arg0 {{.*}} loc(fused["div", {{.*}}"mul2", "clip", "add"{{.*}}])
// CHECK: %[[C:.*]] = nn.hard_swish %arg0
// CHECK: return %[[A]], %[[B]], %[[C]]
func.func @hard_swish(%x: tensor<2x8xf32>) -> (tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>) {
  %h = nn.hard_sigmoid %x {alpha = 0.16666667 : f32} : (tensor<2x8xf32>) -> tensor<2x8xf32> loc("hs")
  %y = nn.mul %x, %h : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32> loc("mul")
  %three = nn.constant dense<3.0> : tensor<f32>
  %zero = nn.constant dense<0.0> : tensor<f32>
  %six = nn.constant dense<6.0> : tensor<f32>
  %a = nn.add %x, %three : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32> loc("add")
  %c = nn.clip %a, %zero, %six : (tensor<2x8xf32>, tensor<f32>, tensor<f32>) -> tensor<2x8xf32> loc("clip")
  %m = nn.mul %x, %c : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32> loc("mul2")
  %y2 = nn.div %m, %six : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32> loc("div")
  %sixth = nn.constant dense<0.166666672> : tensor<f32>
  %a3 = nn.add %three, %x : (tensor<f32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %c3 = nn.clip %a3, %zero, %six : (tensor<2x8xf32>, tensor<f32>, tensor<f32>) -> tensor<2x8xf32>
  %q3 = nn.mul %c3, %sixth : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %y3 = nn.mul %x, %q3 : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  return %y, %y2, %y3 : tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>
}

// -----

// Wrong constants: hard_sigmoid's default alpha 0.2, clip to 5, x + 2.
// CHECK-LABEL: func.func @negative_hard_swish
// CHECK-NOT: nn.hard_swish
func.func @negative_hard_swish(%x: tensor<2x8xf32>) -> (tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>) {
  %h = nn.hard_sigmoid %x : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %y = nn.mul %x, %h : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %three = nn.constant dense<3.0> : tensor<f32>
  %zero = nn.constant dense<0.0> : tensor<f32>
  %five = nn.constant dense<5.0> : tensor<f32>
  %six = nn.constant dense<6.0> : tensor<f32>
  %a = nn.add %x, %three : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %c = nn.clip %a, %zero, %five : (tensor<2x8xf32>, tensor<f32>, tensor<f32>) -> tensor<2x8xf32>
  %m = nn.mul %x, %c : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %y2 = nn.div %m, %six : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %two = nn.constant dense<2.0> : tensor<f32>
  %a3 = nn.add %x, %two : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %c3 = nn.clip %a3, %zero, %six : (tensor<2x8xf32>, tensor<f32>, tensor<f32>) -> tensor<2x8xf32>
  %m3 = nn.mul %x, %c3 : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %y3 = nn.div %m3, %six : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  return %y, %y2, %y3 : tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>
}

// -----

// Gelu, erf form, as PyTorch exports it: (x * (1 + erf(x / 1.4142135))) * 0.5,
// and (x * 0.5) * (1 + erf(x * 0.70710678)), and x * ((erf(..) + 1) * 0.5).
// CHECK-LABEL: func.func @gelu_erf
// CHECK: %[[A:.*]] = nn.gelu %arg0 {{.*}} loc(fused["half", "mul", {{.*}}"add", {{.*}}"erf", "div"{{.*}}])
// CHECK-NOT: approximate
// CHECK: %[[B:.*]] = nn.gelu %arg0
// CHECK: %[[C:.*]] = nn.gelu %arg0
// CHECK: return %[[A]], %[[B]], %[[C]]
func.func @gelu_erf(%x: tensor<2x8xf32>) -> (tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>) {
  %sqrt2 = nn.constant dense<1.41421354> : tensor<f32>
  %one = nn.constant dense<1.0> : tensor<f32>
  %half = nn.constant dense<0.5> : tensor<f32>
  %d = nn.div %x, %sqrt2 : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32> loc("div")
  %e = nn.erf %d : (tensor<2x8xf32>) -> tensor<2x8xf32> loc("erf")
  %a = nn.add %e, %one : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32> loc("add")
  %m = nn.mul %x, %a : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32> loc("mul")
  %y = nn.mul %m, %half : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32> loc("half")
  %rs = nn.constant dense<0.707106769> : tensor<f32>
  %h2 = nn.mul %x, %half : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %d2 = nn.mul %x, %rs : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %e2 = nn.erf %d2 : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %a2 = nn.add %one, %e2 : (tensor<f32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %y2 = nn.mul %h2, %a2 : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %d3 = nn.div %x, %sqrt2 : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %e3 = nn.erf %d3 : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %a3 = nn.add %e3, %one : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %q3 = nn.mul %a3, %half : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %y3 = nn.mul %x, %q3 : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  return %y, %y2, %y3 : tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>
}

// -----

// Gelu, tanh form, with x^3 as Pow and as x * x * x.
// CHECK-LABEL: func.func @gelu_tanh
// CHECK: %[[A:.*]] = nn.gelu %arg0 {approximate = "tanh"}
// CHECK: %[[B:.*]] = nn.gelu %arg0 {approximate = "tanh"}
// CHECK: return %[[A]], %[[B]]
func.func @gelu_tanh(%x: tensor<2x8xf32>) -> (tensor<2x8xf32>, tensor<2x8xf32>) {
  %three = nn.constant dense<3.0> : tensor<f32>
  %k = nn.constant dense<0.044715> : tensor<f32>
  %c = nn.constant dense<0.797884583> : tensor<f32>
  %one = nn.constant dense<1.0> : tensor<f32>
  %half = nn.constant dense<0.5> : tensor<f32>
  %p = nn.pow %x, %three : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %kp = nn.mul %k, %p : (tensor<f32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %s = nn.add %x, %kp : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %u = nn.mul %s, %c : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %t = nn.tanh %u : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %a = nn.add %t, %one : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %h = nn.mul %x, %half : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %y = nn.mul %h, %a : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %xx = nn.mul %x, %x : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %xxx = nn.mul %xx, %x : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %kp2 = nn.mul %xxx, %k : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %s2 = nn.add %kp2, %x : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %u2 = nn.mul %c, %s2 : (tensor<f32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %t2 = nn.tanh %u2 : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %a2 = nn.add %one, %t2 : (tensor<f32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %m2 = nn.mul %x, %a2 : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %y2 = nn.mul %m2, %half : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  return %y, %y2 : tensor<2x8xf32>, tensor<2x8xf32>
}

// -----

// Wrong constants (x / 2, a 0.4 factor, 0.05 * x^3) and a shared erf.
// CHECK-LABEL: func.func @negative_gelu
// CHECK-NOT: nn.gelu
func.func @negative_gelu(%x: tensor<2x8xf32>) -> (tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>) {
  %two = nn.constant dense<2.0> : tensor<f32>
  %one = nn.constant dense<1.0> : tensor<f32>
  %half = nn.constant dense<0.5> : tensor<f32>
  %d = nn.div %x, %two : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %e = nn.erf %d : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %a = nn.add %e, %one : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %m = nn.mul %x, %a : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %y = nn.mul %m, %half : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %sqrt2 = nn.constant dense<1.41421354> : tensor<f32>
  %f = nn.constant dense<0.4> : tensor<f32>
  %d2 = nn.div %x, %sqrt2 : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %e2 = nn.erf %d2 : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %a2 = nn.add %e2, %one : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %m2 = nn.mul %x, %a2 : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %y2 = nn.mul %m2, %f : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %three = nn.constant dense<3.0> : tensor<f32>
  %k = nn.constant dense<0.05> : tensor<f32>
  %c = nn.constant dense<0.797884583> : tensor<f32>
  %p = nn.pow %x, %three : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %kp = nn.mul %k, %p : (tensor<f32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %s = nn.add %x, %kp : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %u = nn.mul %s, %c : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %t = nn.tanh %u : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %a3 = nn.add %t, %one : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %h3 = nn.mul %x, %half : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %y3 = nn.mul %h3, %a3 : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %d4 = nn.div %x, %sqrt2 : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %e4 = nn.erf %d4 : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %a4 = nn.add %e4, %one : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %m4 = nn.mul %x, %a4 : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %y4 = nn.mul %m4, %half : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %z4 = nn.add %y4, %e4 : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  return %y, %y2, %y3, %z4 : tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>
}

// -----

// LayerNorm over the last axis with Pow, then * gamma + beta.
// CHECK-LABEL: func.func @layer_norm
// CHECK: %[[Y:.*]], %{{.*}}, %{{.*}} = nn.layer_normalization %arg0, %[[G:.*]], %[[B:.*]] {axis = 2 : i64} : (tensor<2x3x4xf32>, tensor<4xf32>, tensor<4xf32>) -> (tensor<2x3x4xf32>, tensor<2x3x1xf32>, tensor<2x3x1xf32>) loc(fused["div"{{.*}}"gamma", "beta"])
// CHECK-NEXT: return %[[Y]]
func.func @layer_norm(%x: tensor<2x3x4xf32>) -> tensor<2x3x4xf32> {
  %m = nn.reduce_mean %x {axes = array<i64: -1>} : (tensor<2x3x4xf32>) -> tensor<2x3x1xf32>
  %d = nn.sub %x, %m : (tensor<2x3x4xf32>, tensor<2x3x1xf32>) -> tensor<2x3x4xf32>
  %two = nn.constant dense<2.0> : tensor<f32>
  %p = nn.pow %d, %two : (tensor<2x3x4xf32>, tensor<f32>) -> tensor<2x3x4xf32>
  %v = nn.reduce_mean %p {axes = array<i64: -1>} : (tensor<2x3x4xf32>) -> tensor<2x3x1xf32>
  %eps = nn.constant dense<1.0e-5> : tensor<f32>
  %ve = nn.add %v, %eps : (tensor<2x3x1xf32>, tensor<f32>) -> tensor<2x3x1xf32>
  %s = nn.sqrt %ve : (tensor<2x3x1xf32>) -> tensor<2x3x1xf32>
  %n = nn.div %d, %s : (tensor<2x3x4xf32>, tensor<2x3x1xf32>) -> tensor<2x3x4xf32> loc("div")
  %g = nn.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %gy = nn.mul %n, %g : (tensor<2x3x4xf32>, tensor<4xf32>) -> tensor<2x3x4xf32> loc("gamma")
  %b = nn.constant dense<[0.5, 0.5, 0.5, 1.5]> : tensor<4xf32>
  %y = nn.add %gy, %b : (tensor<2x3x4xf32>, tensor<4xf32>) -> tensor<2x3x4xf32> loc("beta")
  return %y : tensor<2x3x4xf32>
}

// -----

// Over the last two axes with Mul(d, d) and no affine: Scale is ones.
// CHECK-LABEL: func.func @layer_norm_two_axes
// CHECK: %[[ONES:.*]] = nn.constant dense<1.000000e+00> : tensor<3x4xf32>
// CHECK: %[[NONE:.*]] = nn.none
// CHECK: nn.layer_normalization %arg0, %[[ONES]], %[[NONE]] {axis = 1 : i64, epsilon = 1.000000e-03 : f32}
func.func @layer_norm_two_axes(%x: tensor<2x3x4xf32>) -> tensor<2x3x4xf32> {
  %m = nn.reduce_mean %x {axes = array<i64: 1, 2>} : (tensor<2x3x4xf32>) -> tensor<2x1x1xf32>
  %d = nn.sub %x, %m : (tensor<2x3x4xf32>, tensor<2x1x1xf32>) -> tensor<2x3x4xf32>
  %p = nn.mul %d, %d : (tensor<2x3x4xf32>, tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  %v = nn.reduce_mean %p {axes = array<i64: 2, 1>} : (tensor<2x3x4xf32>) -> tensor<2x1x1xf32>
  %eps = nn.constant dense<1.0e-3> : tensor<f32>
  %ve = nn.add %eps, %v : (tensor<f32>, tensor<2x1x1xf32>) -> tensor<2x1x1xf32>
  %s = nn.sqrt %ve : (tensor<2x1x1xf32>) -> tensor<2x1x1xf32>
  %n = nn.div %d, %s : (tensor<2x3x4xf32>, tensor<2x1x1xf32>) -> tensor<2x3x4xf32>
  return %n : tensor<2x3x4xf32>
}

// -----

// Not LayerNorm: mean over a non-trailing axis, a variance over another
// axis, and x - mean used elsewhere.
// CHECK-LABEL: func.func @negative_layer_norm
// CHECK-NOT: nn.layer_normalization
func.func @negative_layer_norm(%x: tensor<2x3x4xf32>) -> (tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>) {
  %two = nn.constant dense<2.0> : tensor<f32>
  %eps = nn.constant dense<1.0e-5> : tensor<f32>
  %m = nn.reduce_mean %x {axes = array<i64: 1>} : (tensor<2x3x4xf32>) -> tensor<2x1x4xf32>
  %d = nn.sub %x, %m : (tensor<2x3x4xf32>, tensor<2x1x4xf32>) -> tensor<2x3x4xf32>
  %p = nn.pow %d, %two : (tensor<2x3x4xf32>, tensor<f32>) -> tensor<2x3x4xf32>
  %v = nn.reduce_mean %p {axes = array<i64: 1>} : (tensor<2x3x4xf32>) -> tensor<2x1x4xf32>
  %ve = nn.add %v, %eps : (tensor<2x1x4xf32>, tensor<f32>) -> tensor<2x1x4xf32>
  %s = nn.sqrt %ve : (tensor<2x1x4xf32>) -> tensor<2x1x4xf32>
  %n = nn.div %d, %s : (tensor<2x3x4xf32>, tensor<2x1x4xf32>) -> tensor<2x3x4xf32>
  %m2 = nn.reduce_mean %x {axes = array<i64: -1>} : (tensor<2x3x4xf32>) -> tensor<2x3x1xf32>
  %d2 = nn.sub %x, %m2 : (tensor<2x3x4xf32>, tensor<2x3x1xf32>) -> tensor<2x3x4xf32>
  %p2 = nn.pow %d2, %two : (tensor<2x3x4xf32>, tensor<f32>) -> tensor<2x3x4xf32>
  %v2 = nn.reduce_mean %p2 {axes = array<i64: 1, 2>} : (tensor<2x3x4xf32>) -> tensor<2x1x1xf32>
  %ve2 = nn.add %v2, %eps : (tensor<2x1x1xf32>, tensor<f32>) -> tensor<2x1x1xf32>
  %s2 = nn.sqrt %ve2 : (tensor<2x1x1xf32>) -> tensor<2x1x1xf32>
  %n2 = nn.div %d2, %s2 : (tensor<2x3x4xf32>, tensor<2x1x1xf32>) -> tensor<2x3x4xf32>
  %m3 = nn.reduce_mean %x {axes = array<i64: -1>} : (tensor<2x3x4xf32>) -> tensor<2x3x1xf32>
  %d3 = nn.sub %x, %m3 : (tensor<2x3x4xf32>, tensor<2x3x1xf32>) -> tensor<2x3x4xf32>
  %p3 = nn.pow %d3, %two : (tensor<2x3x4xf32>, tensor<f32>) -> tensor<2x3x4xf32>
  %v3 = nn.reduce_mean %p3 {axes = array<i64: -1>} : (tensor<2x3x4xf32>) -> tensor<2x3x1xf32>
  %ve3 = nn.add %v3, %eps : (tensor<2x3x1xf32>, tensor<f32>) -> tensor<2x3x1xf32>
  %s3 = nn.sqrt %ve3 : (tensor<2x3x1xf32>) -> tensor<2x3x1xf32>
  %n3 = nn.div %d3, %s3 : (tensor<2x3x4xf32>, tensor<2x3x1xf32>) -> tensor<2x3x4xf32>
  return %n, %n2, %n3, %d3 : tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>
}

// -----

// Softmax with and without the max stabilization.
// CHECK-LABEL: func.func @softmax
// CHECK: %[[A:.*]] = nn.softmax %arg0 {axis = 1 : i64} {{.*}} loc(fused["div", "exp", "sum", {{.*}}"sub", "max"])
// CHECK: %[[B:.*]] = nn.softmax %arg0 {axis = 0 : i64}
// CHECK: return %[[A]], %[[B]]
func.func @softmax(%x: tensor<2x8xf32>) -> (tensor<2x8xf32>, tensor<2x8xf32>) {
  %mx = nn.reduce_max %x {axes = array<i64: -1>} : (tensor<2x8xf32>) -> tensor<2x1xf32> loc("max")
  %z = nn.sub %x, %mx : (tensor<2x8xf32>, tensor<2x1xf32>) -> tensor<2x8xf32> loc("sub")
  %e = nn.exp %z : (tensor<2x8xf32>) -> tensor<2x8xf32> loc("exp")
  %ax = nn.constant dense<[1]> : tensor<1xi64>
  %s = nn.reduce_sum %e, %ax : (tensor<2x8xf32>, tensor<1xi64>) -> tensor<2x1xf32> loc("sum")
  %y = nn.div %e, %s : (tensor<2x8xf32>, tensor<2x1xf32>) -> tensor<2x8xf32> loc("div")
  %e2 = nn.exp %x : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %ax0 = nn.constant dense<[0]> : tensor<1xi64>
  %s2 = nn.reduce_sum %e2, %ax0 : (tensor<2x8xf32>, tensor<1xi64>) -> tensor<1x8xf32>
  %y2 = nn.div %e2, %s2 : (tensor<2x8xf32>, tensor<1x8xf32>) -> tensor<2x8xf32>
  return %y, %y2 : tensor<2x8xf32>, tensor<2x8xf32>
}

// -----

// Not Softmax: max over another axis, a sum over two axes, a shared exp.
// CHECK-LABEL: func.func @negative_softmax
// CHECK-NOT: nn.softmax
func.func @negative_softmax(%x: tensor<2x8xf32>) -> (tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>) {
  %mx = nn.reduce_max %x {axes = array<i64: 0>} : (tensor<2x8xf32>) -> tensor<1x8xf32>
  %z = nn.sub %x, %mx : (tensor<2x8xf32>, tensor<1x8xf32>) -> tensor<2x8xf32>
  %e = nn.exp %z : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %ax = nn.constant dense<[1]> : tensor<1xi64>
  %s = nn.reduce_sum %e, %ax : (tensor<2x8xf32>, tensor<1xi64>) -> tensor<2x1xf32>
  %y = nn.div %e, %s : (tensor<2x8xf32>, tensor<2x1xf32>) -> tensor<2x8xf32>
  %e2 = nn.exp %x : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %ax2 = nn.constant dense<[0, 1]> : tensor<2xi64>
  %s2 = nn.reduce_sum %e2, %ax2 : (tensor<2x8xf32>, tensor<2xi64>) -> tensor<1x1xf32>
  %y2 = nn.div %e2, %s2 : (tensor<2x8xf32>, tensor<1x1xf32>) -> tensor<2x8xf32>
  %e3 = nn.exp %x : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %s3 = nn.reduce_sum %e3, %ax : (tensor<2x8xf32>, tensor<1xi64>) -> tensor<2x1xf32>
  %y3 = nn.div %e3, %s3 : (tensor<2x8xf32>, tensor<2x1xf32>) -> tensor<2x8xf32>
  return %y, %y2, %y3, %e3 : tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>
}
