// RUN: tessera-opt %s -split-input-file -tessera-cpu-approximate-math | FileCheck %s
// RUN: tessera-opt %s -split-input-file -tessera-cpu-approximate-math=erf=0 | FileCheck %s --check-prefix=LIBERF

// Sigmoid's exp becomes a polynomial: the generic holds arith and math.fma
// only, so the elementwise vectorizer takes it.
// CHECK-LABEL: func.func @sigmoid
// CHECK:         linalg.generic
// CHECK-NOT:     math.exp
// CHECK:         math.fma
// CHECK:         arith.divf
// CHECK:         linalg.yield
func.func @sigmoid(%x: tensor<1x16xf32>) -> tensor<1x16xf32> {
  %one = arith.constant 1.0 : f32
  %e = tensor.empty() : tensor<1x16xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<1x16xf32>) outs(%e : tensor<1x16xf32>) {
  ^bb0(%in: f32, %out: f32):
    %n = arith.negf %in : f32
    %x1 = math.exp %n : f32
    %d = arith.addf %one, %x1 : f32
    %r = arith.divf %one, %d : f32
    linalg.yield %r : f32
  } -> tensor<1x16xf32>
  return %y : tensor<1x16xf32>
}

// -----

// tanh, erf and log too; erf stays a libm call with erf=0.
// CHECK-LABEL: func.func @others
// CHECK-NOT:     math.tanh
// CHECK-NOT:     math.erf
// CHECK-NOT:     math.log
// CHECK:         return
// LIBERF-LABEL: func.func @others
// LIBERF-NOT:     math.tanh
// LIBERF:         math.erf
// LIBERF-NOT:     math.tanh
// LIBERF:         return
func.func @others(%x: f32) -> (f32, f32, f32) {
  %a = math.tanh %x : f32
  %b = math.erf %x : f32
  %c = math.log %x : f32
  return %a, %b, %c : f32, f32, f32
}

// -----

// negative: f64 and sqrt (an LLVM intrinsic already) are left alone.
// CHECK-LABEL: func.func @negative_f64_and_sqrt
// CHECK:         math.exp %{{.*}} : f64
// CHECK:         math.sqrt %{{.*}} : f32
func.func @negative_f64_and_sqrt(%x: f64, %y: f32) -> (f64, f32) {
  %a = math.exp %x : f64
  %b = math.sqrt %y : f32
  return %a, %b : f64, f32
}
