// RUN: tessera-opt %s -split-input-file -tessera-cpu-fuse-elementwise -mlir-print-debuginfo | FileCheck %s

#id = affine_map<(d0, d1) -> (d0, d1)>

// SiLU: the sigmoid's only use is the multiply, read element for element:
// one loop, located at both ONNX nodes.
// CHECK-LABEL: func.func @silu
// CHECK:         linalg.generic
// CHECK:           arith.divf
// CHECK:           arith.mulf
// CHECK:         } -> tensor<4x16xf32> loc(#[[FUSED:.*]])
// CHECK-NOT:     linalg.generic
// CHECK:         return
// CHECK:       #[[SIG:.*]] = loc("sig")
// CHECK:       #[[MUL:.*]] = loc("mul")
// CHECK:       #[[FUSED]] = loc(fused[#[[SIG]], #[[MUL]]])
func.func @silu(%x: tensor<4x16xf32>) -> tensor<4x16xf32> {
  %one = arith.constant 1.0 : f32
  %e = tensor.empty() : tensor<4x16xf32>
  %s = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<4x16xf32>) outs(%e : tensor<4x16xf32>) {
  ^bb0(%in: f32, %out: f32):
    %n = arith.negf %in : f32
    %x1 = math.exp %n : f32
    %d = arith.addf %one, %x1 : f32
    %r = arith.divf %one, %d : f32
    linalg.yield %r : f32
  } -> tensor<4x16xf32> loc("sig")
  %y = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]} ins(%x, %s : tensor<4x16xf32>, tensor<4x16xf32>) outs(%e : tensor<4x16xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %m = arith.mulf %a, %b : f32
    linalg.yield %m : f32
  } -> tensor<4x16xf32> loc("mul")
  return %y : tensor<4x16xf32>
}

// -----

#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d1)>

// Residual add + ReLU + scale: three ops, one loop (the bias read by
// broadcast stays an operand of the fused op).
// CHECK-LABEL: func.func @chain
// CHECK:         linalg.generic
// CHECK:           arith.addf
// CHECK:           arith.maximumf
// CHECK:           arith.mulf
// CHECK-NOT:     linalg.generic
// CHECK:         return
func.func @chain(%x: tensor<4x16xf32>, %r: tensor<4x16xf32>, %b: tensor<16xf32>) -> tensor<4x16xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x16xf32>
  %a = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]} ins(%x, %r : tensor<4x16xf32>, tensor<4x16xf32>) outs(%e : tensor<4x16xf32>) {
  ^bb0(%p: f32, %q: f32, %out: f32):
    %s = arith.addf %p, %q : f32
    linalg.yield %s : f32
  } -> tensor<4x16xf32>
  %relu = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%a : tensor<4x16xf32>) outs(%e : tensor<4x16xf32>) {
  ^bb0(%p: f32, %out: f32):
    %m = arith.maximumf %p, %zero : f32
    linalg.yield %m : f32
  } -> tensor<4x16xf32>
  %y = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]} ins(%relu, %b : tensor<4x16xf32>, tensor<16xf32>) outs(%e : tensor<4x16xf32>) {
  ^bb0(%p: f32, %q: f32, %out: f32):
    %m = arith.mulf %p, %q : f32
    linalg.yield %m : f32
  } -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}

// -----

#id = affine_map<(d0, d1) -> (d0, d1)>

// negative: the add has two uses; fusing would compute it twice.
// CHECK-LABEL: func.func @negative_two_uses
// CHECK-COUNT-3: linalg.generic
func.func @negative_two_uses(%x: tensor<4x16xf32>) -> (tensor<4x16xf32>, tensor<4x16xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x16xf32>
  %a = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<4x16xf32>) outs(%e : tensor<4x16xf32>) {
  ^bb0(%p: f32, %out: f32):
    %s = arith.addf %p, %p : f32
    linalg.yield %s : f32
  } -> tensor<4x16xf32>
  %b = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%a : tensor<4x16xf32>) outs(%e : tensor<4x16xf32>) {
  ^bb0(%p: f32, %out: f32):
    %m = arith.maximumf %p, %zero : f32
    linalg.yield %m : f32
  } -> tensor<4x16xf32>
  %c = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%a : tensor<4x16xf32>) outs(%e : tensor<4x16xf32>) {
  ^bb0(%p: f32, %out: f32):
    %m = arith.minimumf %p, %zero : f32
    linalg.yield %m : f32
  } -> tensor<4x16xf32>
  return %b, %c : tensor<4x16xf32>, tensor<4x16xf32>
}

// -----

#id = affine_map<(d0, d1) -> (d0, d1)>
#red = affine_map<(d0, d1) -> (d0)>

// negative: never into a reduction (upstream's fusion recomputed producers
// inside softmax/layernorm and matmul loops).
// CHECK-LABEL: func.func @negative_reduction_consumer
// CHECK-COUNT-2: linalg.generic
func.func @negative_reduction_consumer(%x: tensor<4x16xf32>, %init: tensor<4xf32>) -> tensor<4xf32> {
  %e = tensor.empty() : tensor<4x16xf32>
  %a = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<4x16xf32>) outs(%e : tensor<4x16xf32>) {
  ^bb0(%p: f32, %out: f32):
    %s = math.exp %p : f32
    linalg.yield %s : f32
  } -> tensor<4x16xf32>
  %r = linalg.generic {indexing_maps = [#id, #red], iterator_types = ["parallel", "reduction"]} ins(%a : tensor<4x16xf32>) outs(%init : tensor<4xf32>) {
  ^bb0(%p: f32, %acc: f32):
    %s = arith.addf %p, %acc : f32
    linalg.yield %s : f32
  } -> tensor<4xf32>
  return %r : tensor<4xf32>
}

// -----

#id = affine_map<(d0, d1) -> (d0, d1)>
#col = affine_map<(d0, d1) -> (d1)>
#t = affine_map<(d0, d1) -> (d1, d0)>

// negative: a producer read by broadcast (computed once per row of the
// consumer if fused) or transposed (strided reads) stays apart.
// CHECK-LABEL: func.func @negative_broadcast_and_transpose
// CHECK-COUNT-4: linalg.generic
func.func @negative_broadcast_and_transpose(%v: tensor<16xf32>, %x: tensor<16x16xf32>) -> (tensor<4x16xf32>, tensor<16x16xf32>) {
  %e1 = tensor.empty() : tensor<16xf32>
  %a = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%v : tensor<16xf32>) outs(%e1 : tensor<16xf32>) {
  ^bb0(%p: f32, %out: f32):
    %s = math.exp %p : f32
    linalg.yield %s : f32
  } -> tensor<16xf32>
  %e2 = tensor.empty() : tensor<4x16xf32>
  %b = linalg.generic {indexing_maps = [#col, #id], iterator_types = ["parallel", "parallel"]} ins(%a : tensor<16xf32>) outs(%e2 : tensor<4x16xf32>) {
  ^bb0(%p: f32, %out: f32):
    %s = arith.addf %p, %p : f32
    linalg.yield %s : f32
  } -> tensor<4x16xf32>
  %e3 = tensor.empty() : tensor<16x16xf32>
  %c = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<16x16xf32>) outs(%e3 : tensor<16x16xf32>) {
  ^bb0(%p: f32, %out: f32):
    %s = math.exp %p : f32
    linalg.yield %s : f32
  } -> tensor<16x16xf32>
  %d = linalg.generic {indexing_maps = [#t, #id], iterator_types = ["parallel", "parallel"]} ins(%c : tensor<16x16xf32>) outs(%e3 : tensor<16x16xf32>) {
  ^bb0(%p: f32, %out: f32):
    %s = arith.addf %p, %p : f32
    linalg.yield %s : f32
  } -> tensor<16x16xf32>
  return %b, %d : tensor<4x16xf32>, tensor<16x16xf32>
}

// -----

#id = affine_map<(d0, d1) -> (d0, d1)>

// The integer graph's elementwise chains (an int8 Add: widen to i32, rescale,
// add) fuse like f32 ones: one loop from the i8 inputs to the i32 sum.
// CHECK-LABEL: func.func @int_chain
// CHECK:         linalg.generic
// CHECK:           arith.extsi
// CHECK:           arith.muli
// CHECK:           arith.addi
// CHECK:         } -> tensor<4x16xi32>
// CHECK-NOT:     linalg.generic
// CHECK:         return
func.func @int_chain(%a: tensor<4x16xi8>, %b: tensor<4x16xi32>) -> tensor<4x16xi32> {
  %c = arith.constant 3 : i32
  %e = tensor.empty() : tensor<4x16xi32>
  %w = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%a : tensor<4x16xi8>) outs(%e : tensor<4x16xi32>) {
  ^bb0(%in: i8, %out: i32):
    %x = arith.extsi %in : i8 to i32
    linalg.yield %x : i32
  } -> tensor<4x16xi32> loc("cast")
  %m = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%w : tensor<4x16xi32>) outs(%e : tensor<4x16xi32>) {
  ^bb0(%in: i32, %out: i32):
    %x = arith.muli %in, %c : i32
    linalg.yield %x : i32
  } -> tensor<4x16xi32> loc("rescale")
  %s = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]} ins(%m, %b : tensor<4x16xi32>, tensor<4x16xi32>) outs(%e : tensor<4x16xi32>) {
  ^bb0(%x: i32, %y: i32, %out: i32):
    %r = arith.addi %x, %y : i32
    linalg.yield %r : i32
  } -> tensor<4x16xi32> loc("add")
  return %s : tensor<4x16xi32>
}

// -----

#id = affine_map<(d0, d1) -> (d0, d1)>

// negative: other element types (f64 here) are not what the vectorizer
// takes; they stay separate.
// CHECK-LABEL: func.func @negative_f64
// CHECK-COUNT-2: linalg.generic
func.func @negative_f64(%x: tensor<4x16xf64>) -> tensor<4x16xf64> {
  %e = tensor.empty() : tensor<4x16xf64>
  %n = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<4x16xf64>) outs(%e : tensor<4x16xf64>) {
  ^bb0(%in: f64, %out: f64):
    %r = arith.negf %in : f64
    linalg.yield %r : f64
  } -> tensor<4x16xf64>
  %y = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%n : tensor<4x16xf64>) outs(%e : tensor<4x16xf64>) {
  ^bb0(%in: f64, %out: f64):
    %r = arith.negf %in : f64
    linalg.yield %r : f64
  } -> tensor<4x16xf64>
  return %y : tensor<4x16xf64>
}
