// RUN: tessera-opt %s -split-input-file -tessera-cpu-vectorize="vector-bits=256 pack-filter=0" | FileCheck %s --check-prefix=AVX2
// RUN: tessera-opt %s -split-input-file -tessera-cpu-vectorize="vector-bits=512 pack-filter=0" | FileCheck %s --check-prefix=AVX512
// RUN: tessera-opt %s -split-input-file -tessera-cpu-vectorize="vector-bits=128 pack-filter=0" | FileCheck %s --check-prefix=SSE
// RUN: tessera-opt %s -split-input-file -tessera-cpu-vectorize="vector-bits=512 pack-filter=0 channel-tile=64 pixel-tile=7" | FileCheck %s --check-prefix=EXPLICIT

// The conv register tile (output pixels x output channels) follows the
// vector registers. With AVX2's 16 registers of 8 floats, the tile must hold
// its accumulators, its weight vectors and one broadcast (7x32 would need 28
// accumulators); among those that fit, the most FMAs per load wins. AVX-512
// takes 32 channels x 8 pixels, else x 7: 7x64 needs 28 accumulators, 4
// weight vectors and a broadcast, one register too many, and spilled in the
// reduction loop (ResNet-50 ~8% slower). The channel-tile and pixel-tile
// options still select it for A/B runs.

// On AVX2, width 56 and 64 channels take 2 pixels x 32 channels (8 accumulators,
// 4 weight vectors, 8 FMAs per 6 loads).
// AVX2-LABEL: func.func @w56
// AVX2: vector<1x2x32xf32>
// AVX2-COUNT-2: vector.fma {{.*}} : vector<32xf32>
// AVX512-LABEL: func.func @w56
// AVX512: vector<1x8x32xf32>
// AVX512-NOT: vector<1x7x64xf32>
// SSE (tessera-compile --cpu=x86-64: 16 registers of 4 floats) applies
// AVX2's rule to its narrower vectors: 2 pixels x 16 channels.
// SSE-LABEL: func.func @w56
// SSE: vector<1x2x16xf32>
// EXPLICIT-LABEL: func.func @w56
// EXPLICIT: vector<1x7x64xf32>
func.func @w56(%x: tensor<1x58x58x8xf32>, %w: tensor<3x3x8x64xf32>, %o: tensor<1x56x56x64xf32>) -> tensor<1x56x56x64xf32> {
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
     ins(%x, %w : tensor<1x58x58x8xf32>, tensor<3x3x8x64xf32>) outs(%o : tensor<1x56x56x64xf32>) -> tensor<1x56x56x64xf32>
  return %y : tensor<1x56x56x64xf32>
}

// -----

// On AVX2, width 7 (ResNet's last stage): 7 pixels x 8 channels beats one pixel
// of 32 (7 FMAs per 8 loads against 4 per 5).
// AVX2-LABEL: func.func @w7
// AVX2: vector<1x7x8xf32>
// AVX2-COUNT-7: vector.fma {{.*}} : vector<8xf32>
// AVX512-LABEL: func.func @w7
// AVX512: vector<1x7x32xf32>
// SSE-LABEL: func.func @w7
// SSE: vector<1x7x4xf32>
func.func @w7(%x: tensor<1x7x7x16xf32>, %w: tensor<1x1x16x128xf32>, %o: tensor<1x7x7x128xf32>) -> tensor<1x7x7x128xf32> {
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
     ins(%x, %w : tensor<1x7x7x16xf32>, tensor<1x1x16x128xf32>) outs(%o : tensor<1x7x7x128xf32>) -> tensor<1x7x7x128xf32>
  return %y : tensor<1x7x7x128xf32>
}

// -----

// On AVX2, 48 channels are not a multiple of 32; 16 channels x 4 pixels
// (8 accumulators) beat 8 x 14 (14 FMAs per 15 loads). Widths of 3 vectors
// (24 channels) are not used: LLVM legalizes vector<24xf32> by shuffles.
// AVX2-LABEL: func.func @c48
// AVX2: vector<1x4x16xf32>
// AVX512-LABEL: func.func @c48
// AVX512: vector<1x7x16xf32>
func.func @c48(%x: tensor<1x28x28x8xf32>, %w: tensor<1x1x8x48xf32>, %o: tensor<1x28x28x48xf32>) -> tensor<1x28x28x48xf32> {
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
     ins(%x, %w : tensor<1x28x28x8xf32>, tensor<1x1x8x48xf32>) outs(%o : tensor<1x28x28x48xf32>) -> tensor<1x28x28x48xf32>
  return %y : tensor<1x28x28x48xf32>
}
