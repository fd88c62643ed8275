// RUN: tessera-opt %s -split-input-file -convert-nn-to-linalg -canonicalize -cse | FileCheck %s

// The input projections of every step and both directions are one matmul
// (W of both directions side by side, Wb + Rb broadcast into its init); each
// direction is an scf.for over the steps with h, c and Y as iter_args. A step
// accumulates H * R^T into its projection, updates c and h in place (their
// generics write into the iter_args), masks by sequence_lens and writes Y.
// The reverse direction reads step 4 - t.
// CHECK-LABEL: func.func @lstm_bidirectional
// CHECK:         %[[X:.*]] = tensor.collapse_shape %arg0 {{\[}}[0, 1], [2]] : tensor<5x3x4xf32> into tensor<15x4xf32>
// CHECK:         linalg.transpose ins(%arg1 : tensor<2x8x4xf32>) {{.*}} permutation = [2, 0, 1]
// CHECK:         %[[WT:.*]] = tensor.collapse_shape {{.*}} : tensor<4x2x8xf32> into tensor<4x16xf32>
// CHECK:         %[[BIAS:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<15x16xf32>)
// CHECK:         %[[PROJ:.*]] = linalg.matmul ins(%[[X]], %[[WT]] : tensor<15x4xf32>, tensor<4x16xf32>) outs(%[[BIAS]] : tensor<15x16xf32>)
// CHECK:         %[[XW:.*]] = tensor.expand_shape %[[PROJ]] {{.*}} into tensor<5x3x16xf32>
// CHECK:         %[[FWD:.*]]:3 = scf.for %[[T:.*]] = %c0 to %c5 step %c1 iter_args(%[[H:.*]] = %{{.*}}, %[[C:.*]] = %{{.*}}, %[[Y:.*]] = %{{.*}}) -> (tensor<3x2xf32>, tensor<3x2xf32>, tensor<5x2x3x2xf32>)
// CHECK:           %[[STEP:.*]] = tensor.extract_slice %[[XW]][%[[T]], 0, 0] [1, 3, 8] [1, 1, 1]
// CHECK:           %[[G:.*]] = linalg.matmul ins(%[[H]], %{{.*}} : tensor<3x2xf32>, tensor<2x8xf32>) outs(%[[STEP]] : tensor<3x8xf32>)
// CHECK:           %[[CN:.*]] = linalg.generic {{.*}} ins({{.*}}, %arg4 : {{.*}}tensor<3xi32>) outs(%[[C]] : tensor<3x2xf32>)
// CHECK:           %[[HN:.*]] = linalg.generic {{.*}} ins({{.*}}, %[[CN]], %arg4 : {{.*}}) outs(%[[H]] : tensor<3x2xf32>)
// CHECK:           %[[YT:.*]] = linalg.generic {{.*}} ins(%[[HN]], %arg4 : tensor<3x2xf32>, tensor<3xi32>)
// CHECK:           %[[YN:.*]] = tensor.insert_slice %[[YT]] into %[[Y]][%[[T]], 0, 0, 0] [1, 1, 3, 2]
// CHECK:           scf.yield %[[HN]], %[[CN]], %[[YN]]
// CHECK:         scf.for %[[T2:.*]] = %c0 to %c5 step %c1 iter_args({{.*}}, {{.*}}, %{{.*}} = %[[FWD]]#2)
// CHECK:           %[[TA:.*]] = arith.subi %c4, %[[T2]] : index
// CHECK:           tensor.extract_slice %[[XW]][%[[TA]], 0, 8] [1, 3, 8] [1, 1, 1]
// CHECK:           tensor.insert_slice %{{.*}} into %{{.*}}[%[[TA]], 1, 0, 0] [1, 1, 3, 2]
func.func @lstm_bidirectional(%x: tensor<5x3x4xf32>, %w: tensor<2x8x4xf32>, %r: tensor<2x8x2xf32>, %b: tensor<2x16xf32>, %lens: tensor<3xi32>) -> (tensor<5x2x3x2xf32>, tensor<2x3x2xf32>, tensor<2x3x2xf32>) {
  %none = nn.none
  %y, %yh, %yc = nn.lstm %x, %w, %r, %b, %lens, %none, %none, %none {direction = "bidirectional", hidden_size = 2 : i64} : (tensor<5x3x4xf32>, tensor<2x8x4xf32>, tensor<2x8x2xf32>, tensor<2x16xf32>, tensor<3xi32>, none, none, none) -> (tensor<5x2x3x2xf32>, tensor<2x3x2xf32>, tensor<2x3x2xf32>)
  return %y, %yh, %yc : tensor<5x2x3x2xf32>, tensor<2x3x2xf32>, tensor<2x3x2xf32>
}

// -----

// GRU with linear_before_reset = 0: the reset gate scales h before the
// second recurrent matmul (H_r * Rh^T accumulated into the h projection).
// CHECK-LABEL: func.func @gru_reset_before
// CHECK:         scf.for
// CHECK:           %[[ZR:.*]] = linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<3x2xf32>, tensor<2x4xf32>) outs(%{{.*}} : tensor<3x4xf32>)
// CHECK:           %[[RH:.*]] = linalg.generic
// CHECK:           %[[CAND:.*]] = linalg.matmul ins(%[[RH]], %{{.*}} : tensor<3x2xf32>, tensor<2x2xf32>) outs(%{{.*}} : tensor<3x2xf32>)
// CHECK:           linalg.generic {{.*}} ins(%{{.*}}, %[[CAND]] : tensor<3x2xf32>, tensor<3x2xf32>)
func.func @gru_reset_before(%x: tensor<5x3x4xf32>, %w: tensor<1x6x4xf32>, %r: tensor<1x6x2xf32>) -> (tensor<5x1x3x2xf32>, tensor<1x3x2xf32>) {
  %none = nn.none
  %y, %yh = nn.gru %x, %w, %r, %none, %none, %none : (tensor<5x3x4xf32>, tensor<1x6x4xf32>, tensor<1x6x2xf32>, none, none, none) -> (tensor<5x1x3x2xf32>, tensor<1x3x2xf32>)
  return %y, %yh : tensor<5x1x3x2xf32>, tensor<1x3x2xf32>
}

// -----

// layout = 1 transposes X and initial_h to time-major and Y, Y_h back; f16
// computes in f32.
// CHECK-LABEL: func.func @rnn_batch_first_f16
// CHECK:         arith.extf
// CHECK:         linalg.transpose ins(%{{.*}} : tensor<3x5x4xf32>) {{.*}} permutation = [1, 0, 2]
// CHECK:         scf.for
// CHECK:         linalg.transpose ins(%{{.*}} : tensor<5x1x3x2xf32>) {{.*}} permutation = [2, 0, 1, 3]
// CHECK:         arith.truncf
func.func @rnn_batch_first_f16(%x: tensor<3x5x4xf16>, %w: tensor<1x2x4xf16>, %r: tensor<1x2x2xf16>, %h0: tensor<3x1x2xf16>) -> (tensor<3x5x1x2xf16>, tensor<3x1x2xf16>) {
  %none = nn.none
  %y, %yh = nn.rnn %x, %w, %r, %none, %none, %h0 {layout = 1 : i64} : (tensor<3x5x4xf16>, tensor<1x2x4xf16>, tensor<1x2x2xf16>, none, none, tensor<3x1x2xf16>) -> (tensor<3x5x1x2xf16>, tensor<3x1x2xf16>)
  return %y, %yh : tensor<3x5x1x2xf16>, tensor<3x1x2xf16>
}
