// RUN: tessera-opt %s -split-input-file -convert-nn-to-linalg | FileCheck %s

// Mod with fmod = 0 on integers: the remainder takes the divisor's sign; a
// divisor of 0 or -1 gives 0 without trapping.
// CHECK-LABEL: func.func @mod_int
// CHECK:         linalg.generic
// CHECK:           %[[TRIVIAL:.*]] = arith.ori
// CHECK:           %[[SAFE:.*]] = arith.select %[[TRIVIAL]]
// CHECK:           %[[R:.*]] = arith.remsi %{{.*}}, %[[SAFE]] : i32
// CHECK:           arith.xori
// CHECK:           arith.addi %[[R]], %[[SAFE]] : i32
func.func @mod_int(%a: tensor<4xi32>, %b: tensor<4xi32>) -> tensor<4xi32> {
  %y = nn.mod %a, %b : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32>
  return %y : tensor<4xi32>
}

// -----

// fmod = 1 on floats is C's fmod; f16 computes in f32.
// CHECK-LABEL: func.func @mod_f16
// CHECK:           arith.extf
// CHECK:           arith.remf %{{.*}}, %{{.*}} : f32
// CHECK:           arith.truncf
func.func @mod_f16(%a: tensor<4xf16>, %b: tensor<4xf16>) -> tensor<4xf16> {
  %y = nn.mod %a, %b {fmod = 1 : i64} : (tensor<4xf16>, tensor<4xf16>) -> tensor<4xf16>
  return %y : tensor<4xf16>
}

// -----

// CHECK-LABEL: func.func @bit_shift
// CHECK:           %[[FAR:.*]] = arith.cmpi uge, %{{.*}}, %c8_i8 : i8
// CHECK:           %[[S:.*]] = arith.shrui
// CHECK:           arith.select %[[FAR]], %{{.*}}, %[[S]] : i8
func.func @bit_shift(%a: tensor<4xui8>, %b: tensor<4xui8>) -> tensor<4xui8> {
  %y = nn.bit_shift %a, %b {direction = "RIGHT"} : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
  return %y : tensor<4xui8>
}

// -----

// CHECK-LABEL: func.func @cast_like
// CHECK:           arith.truncf %{{.*}} : f32 to bf16
func.func @cast_like(%a: tensor<4xf32>, %b: tensor<1xbf16>) -> tensor<4xbf16> {
  %y = nn.cast_like %a, %b : (tensor<4xf32>, tensor<1xbf16>) -> tensor<4xbf16>
  return %y : tensor<4xbf16>
}

// -----

// CHECK-LABEL: func.func @is_inf_positive
// CHECK:           arith.cmpf oeq, %{{.*}}, %cst : f32
// CHECK-NOT:       arith.cmpf
// CHECK:           linalg.yield
// CHECK-LABEL: func.func @is_nan
// CHECK:           arith.cmpf uno
// CHECK-LABEL: func.func @celu
// CHECK:           math.expm1
// CHECK:           arith.minimumf
// CHECK:           arith.maximumf
func.func @is_inf_positive(%a: tensor<4xf32>) -> tensor<4xi1> {
  %y = nn.is_inf %a {detect_negative = 0 : i64} : (tensor<4xf32>) -> tensor<4xi1>
  return %y : tensor<4xi1>
}
func.func @is_nan(%a: tensor<4xf32>) -> tensor<4xi1> {
  %y = nn.is_nan %a : (tensor<4xf32>) -> tensor<4xi1>
  return %y : tensor<4xi1>
}
func.func @celu(%a: tensor<4xf32>) -> tensor<4xf32> {
  %y = nn.celu %a : (tensor<4xf32>) -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @size
// CHECK:         %[[C:.*]] = arith.constant dense<6> : tensor<i64>
// CHECK:         return %[[C]]
func.func @size(%a: tensor<2x3xf32>) -> tensor<i64> {
  %y = nn.size %a : (tensor<2x3xf32>) -> tensor<i64>
  return %y : tensor<i64>
}

// -----

// ReduceLogSumExp subtracts the maximum (0 when it is infinite) before exp.
// CHECK-LABEL: func.func @reduce_log_sum_exp
// CHECK:         %[[MAX:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]
// CHECK:           arith.maximumf
// CHECK:         %[[SHIFT:.*]] = linalg.generic {{.*}} ins(%[[MAX]]
// CHECK:           math.absf
// CHECK:           arith.select
// CHECK:         %[[SUM:.*]] = linalg.generic {{.*}} ins(%{{.*}}, %[[SHIFT]] : tensor<2x3xf32>, tensor<2xf32>)
// CHECK:           arith.subf
// CHECK:           math.exp
// CHECK:         linalg.generic {{.*}} ins(%[[SUM]], %[[SHIFT]]
// CHECK:           math.log
// CHECK:           arith.addf
// CHECK:         tensor.expand_shape
func.func @reduce_log_sum_exp(%a: tensor<2x3xf32>) -> tensor<2x1xf32> {
  %y = nn.reduce_log_sum_exp %a {axes = array<i64: 1>} : (tensor<2x3xf32>) -> tensor<2x1xf32>
  return %y : tensor<2x1xf32>
}

// -----

// CHECK-LABEL: func.func @reduce_l1
// CHECK:           math.absi
// CHECK:           arith.addi
// CHECK-LABEL: func.func @reduce_sum_square
// CHECK:           arith.mulf
// CHECK:           arith.addf
// CHECK-LABEL: func.func @reduce_log_sum
// CHECK:           arith.addf
// CHECK:           math.log
func.func @reduce_l1(%a: tensor<2x3xi32>) -> tensor<2xi32> {
  %y = nn.reduce_l1 %a {axes = array<i64: -1>, keepdims = 0 : i64} : (tensor<2x3xi32>) -> tensor<2xi32>
  return %y : tensor<2xi32>
}
func.func @reduce_sum_square(%a: tensor<2x3xf32>) -> tensor<1x1xf32> {
  %y = nn.reduce_sum_square %a : (tensor<2x3xf32>) -> tensor<1x1xf32>
  return %y : tensor<1x1xf32>
}
func.func @reduce_log_sum(%a: tensor<2x3xf32>) -> tensor<3xf32> {
  %y = nn.reduce_log_sum %a {axes = array<i64: 0>, keepdims = 0 : i64} : (tensor<2x3xf32>) -> tensor<3xf32>
  return %y : tensor<3xf32>
}

// -----

// CumSum (exclusive, reverse) sums x[j] over j > i with one extra reduction
// loop.
// CHECK-DAG: #[[READ:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[WRITE:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @cum_sum
// CHECK:         linalg.generic {indexing_maps = [#[[READ]], #[[WRITE]]], iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK:           %[[I:.*]] = linalg.index 1
// CHECK:           %[[J:.*]] = linalg.index 2
// CHECK:           arith.cmpi ugt, %[[J]], %[[I]]
func.func @cum_sum(%a: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %ax = nn.constant dense<1> : tensor<i64>
  %y = nn.cum_sum %a, %ax {exclusive = 1 : i64, reverse = 1 : i64} : (tensor<2x3xf32>, tensor<i64>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

// A runtime CumSum axis selects among the sums along every axis.
// CHECK-LABEL: func.func @cum_sum_runtime_axis
// CHECK:         tensor.extract
// CHECK:         scf.if
// CHECK:           linalg.generic
// CHECK:         } else {
// CHECK:           linalg.generic
func.func @cum_sum_runtime_axis(%a: tensor<2x3xf32>, %ax: tensor<i32>) -> tensor<2x3xf32> {
  %y = nn.cum_sum %a, %ax : (tensor<2x3xf32>, tensor<i32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

// TopK ranks every element (ties go to the lower index), then gathers ranks
// 0 .. K-1.
// CHECK-LABEL: func.func @top_k
// CHECK:         %[[RANKS:.*]] = linalg.generic
// CHECK:           arith.cmpf ogt
// CHECK:           arith.cmpf oeq
// CHECK:           arith.cmpi ult
// CHECK:         %{{.*}}:2 = linalg.generic {{.*}} ins(%{{.*}}, %[[RANKS]] : tensor<2x5xf32>, tensor<2x5xi64>) outs(%{{.*}}, %{{.*}} : tensor<2x3xf32>, tensor<2x3xi64>)
func.func @top_k(%a: tensor<2x5xf32>) -> (tensor<2x3xf32>, tensor<2x3xi64>) {
  %k = nn.constant dense<[3]> : tensor<1xi64>
  %v, %i = nn.top_k %a, %k : (tensor<2x5xf32>, tensor<1xi64>) -> (tensor<2x3xf32>, tensor<2x3xi64>)
  return %v, %i : tensor<2x3xf32>, tensor<2x3xi64>
}

// -----

// A window of static length folds to its values.
// CHECK-LABEL: func.func @hann_window
// CHECK:         arith.constant dense<[0.000000e+00, 0.146446615, 5.000000e-01, 0.853553414, 1.000000e+00, 0.853553414, 5.000000e-01, 0.146446615]> : tensor<8xf32>
func.func @hann_window(%s: tensor<i64>) -> tensor<8xf32> {
  %y = nn.hann_window %s : (tensor<i64>) -> tensor<8xf32>
  return %y : tensor<8xf32>
}

// -----

// LRN sums the squares over a zero-padded channel window.
// CHECK-DAG: #[[WINDOW:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1 + d4, d2, d3)>
// CHECK-LABEL: func.func @lrn
// CHECK:         tensor.pad %{{.*}} low[0, 1, 0, 0] high[0, 1, 0, 0]
// CHECK:         linalg.generic {indexing_maps = [#[[WINDOW]], {{.*}}], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
// CHECK:           math.powf
func.func @lrn(%a: tensor<1x4x2x2xf32>) -> tensor<1x4x2x2xf32> {
  %y = nn.lrn %a {size = 3 : i64} : (tensor<1x4x2x2xf32>) -> tensor<1x4x2x2xf32>
  return %y : tensor<1x4x2x2xf32>
}

// -----

// CHECK-LABEL: func.func @reverse_sequence
// CHECK:         linalg.generic
// CHECK:           arith.minsi
// CHECK:           tensor.extract %{{.*}}[%{{.*}}, %{{.*}}] : tensor<3x2xf32>
func.func @reverse_sequence(%a: tensor<3x2xf32>, %l: tensor<2xi64>) -> tensor<3x2xf32> {
  %y = nn.reverse_sequence %a, %l : (tensor<3x2xf32>, tensor<2xi64>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

// Hardmax: the first index of the maximum, then a one-hot.
// CHECK-LABEL: func.func @hardmax
// CHECK:         arith.maximumf
// CHECK:         %[[FIRST:.*]] = linalg.generic
// CHECK:           arith.minsi
// CHECK:         linalg.generic {{.*}} ins(%{{.*}}, %[[FIRST]]
// CHECK:           arith.cmpi eq
func.func @hardmax(%a: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %y = nn.hardmax %a : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func.func @lp_normalization
// CHECK:           math.absf
// CHECK:           arith.divf
// CHECK-LABEL: func.func @mean_variance_normalization
// CHECK:           math.sqrt
func.func @lp_normalization(%a: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %y = nn.lp_normalization %a {p = 1 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}
func.func @mean_variance_normalization(%a: tensor<2x3x2x2xf32>) -> tensor<2x3x2x2xf32> {
  %y = nn.mean_variance_normalization %a : (tensor<2x3x2x2xf32>) -> tensor<2x3x2x2xf32>
  return %y : tensor<2x3x2x2xf32>
}
