// RUN: tessera-opt %s --tessera-npu-expand-tiles -split-input-file | FileCheck %s

// The edge array is 16x16: k is blocked by 16 rows, n by 16 columns.

module attributes {npu.hardware = #npu.hardware<name = "edge", rows = 16, cols = 16, scratchpad_bytes = 262144, accumulator_bytes = 65536, vector_lanes = 16, hash = 0>} {
  // CHECK-LABEL: npu.program @blocks
  npu.program @blocks {
    // One preload per (n block, k block); accumulate on the k blocks after
    // the first; partial blocks at the edges (k = 20 = 16 + 4, n = 24 = 16 + 8).
    // CHECK-NEXT: npu.preload sp_addr = 4096, k = 16, n = 16, sp_stride = 24 pop_prev{{$}}
    // CHECK-NEXT: npu.matmul sp_addr = 0, acc_addr = 0, m = 8, sp_stride = 20, acc_stride = 96{{$}}
    // CHECK-NEXT: npu.preload sp_addr = 4480, k = 4, n = 16, sp_stride = 24{{$}}
    // CHECK-NEXT: npu.matmul sp_addr = 16, acc_addr = 0, m = 8, sp_stride = 20, acc_stride = 96 accumulate{{$}}
    // CHECK-NEXT: npu.preload sp_addr = 4112, k = 16, n = 8, sp_stride = 24{{$}}
    // CHECK-NEXT: npu.matmul sp_addr = 0, acc_addr = 64, m = 8, sp_stride = 20, acc_stride = 96{{$}}
    // CHECK-NEXT: npu.preload sp_addr = 4496, k = 4, n = 8, sp_stride = 24{{$}}
    // CHECK-NEXT: npu.matmul sp_addr = 16, acc_addr = 64, m = 8, sp_stride = 20, acc_stride = 96 accumulate push_next{{$}}
    // CHECK-NEXT: npu.finish
    npu.tile_matmul m = 8, k = 20, n = 24, a = sp[0] stride 20, b = sp[4096] stride 24, c = acc[0] stride 96 pop_prev push_next
    npu.finish
  }
}

// -----

module attributes {npu.hardware = #npu.hardware<name = "edge", rows = 16, cols = 16, scratchpad_bytes = 262144, accumulator_bytes = 65536, vector_lanes = 16, hash = 0>} {
  // CHECK-LABEL: npu.program @accumulate
  npu.program @accumulate {
    // An accumulating tile accumulates from its first k block on.
    // CHECK-NEXT: npu.preload sp_addr = 256, k = 16, n = 16, sp_stride = 16
    // CHECK-NEXT: npu.matmul sp_addr = 0, acc_addr = 0, m = 16, sp_stride = 16, acc_stride = 64 accumulate
    // CHECK-NEXT: }
    npu.tile_matmul m = 16, k = 16, n = 16, a = sp[0] stride 16, b = sp[256] stride 16, c = acc[0] stride 64 accumulate
  }
}

// -----

module attributes {npu.hardware = #npu.hardware<name = "edge", rows = 16, cols = 16, scratchpad_bytes = 262144, accumulator_bytes = 65536, vector_lanes = 16, hash = 0>} {
  // CHECK-LABEL: npu.program @relu_requant
  npu.program @relu_requant {
    // A ReLU before a requantization with a non-negative multiplier is its
    // lower clamp raised to the zero point: no vec relu.
    // CHECK:      npu.matmul {{.*}} m = 16, sp_stride = 16, acc_stride = 64{{$}}
    // CHECK-NEXT: npu.config_exec src_stride = 64, src2_stride = 0, dst_stride = 32
    // CHECK-NEXT: npu.config_quant multiplier = 1073741824, shift = 36, zero_point = 3, clamp = [3, 127], param_addr = 0
    // CHECK-NEXT: npu.vec requant, src_addr = 0, src2_addr = 0, dst_mem = sp, dst_addr = 8192, rows = 16, cols = 16 push_next
    // CHECK-NEXT: }
    npu.tile_matmul m = 16, k = 16, n = 16, a = sp[0] stride 16, b = sp[256] stride 16, c = acc[0] stride 64 relu requant(multiplier = 1073741824, shift = 36, zero_point = 3, clamp = [-128, 127]) out = sp[8192] stride 32 push_next
  }
}

// -----

module attributes {npu.hardware = #npu.hardware<name = "edge", rows = 16, cols = 16, scratchpad_bytes = 262144, accumulator_bytes = 65536, vector_lanes = 16, hash = 0>} {
  // CHECK-LABEL: npu.program @relu_negative_multiplier
  npu.program @relu_negative_multiplier {
    // A negative multiplier reverses the order: the ReLU runs on the int32.
    // CHECK:      npu.matmul
    // CHECK-NEXT: npu.config_exec src_stride = 64, src2_stride = 0, dst_stride = 64
    // CHECK-NEXT: npu.vec relu, src_addr = 0, src2_addr = 0, dst_mem = acc, dst_addr = 0, rows = 16, cols = 16
    // CHECK-NEXT: npu.config_exec src_stride = 64, src2_stride = 0, dst_stride = 16
    // CHECK-NEXT: npu.config_quant multiplier = -5, shift = 0, zero_point = 0, clamp = [-128, 127], param_addr = 0
    // CHECK-NEXT: npu.vec requant, src_addr = 0, src2_addr = 0, dst_mem = sp, dst_addr = 4096, rows = 16, cols = 16
    npu.tile_matmul m = 16, k = 16, n = 16, a = sp[0] stride 16, b = sp[256] stride 16, c = acc[0] stride 64 relu requant(multiplier = -5, shift = 0, zero_point = 0, clamp = [-128, 127]) out = sp[4096] stride 16
  }
}

// -----

module attributes {npu.hardware = #npu.hardware<name = "edge", rows = 16, cols = 16, scratchpad_bytes = 262144, accumulator_bytes = 65536, vector_lanes = 16, hash = 0>} {
  // CHECK-LABEL: npu.program @relu_only
  npu.program @relu_only {
    // A ReLU alone stays int32 in the accumulator; vec rows are blocked at
    // the 10-bit field's 1023.
    // CHECK:      npu.config_exec src_stride = 64, src2_stride = 0, dst_stride = 64
    // CHECK-NEXT: npu.vec relu, src_addr = 0, src2_addr = 0, dst_mem = acc, dst_addr = 0, rows = 1023, cols = 16
    // CHECK-NEXT: npu.vec relu, src_addr = 65472, src2_addr = 0, dst_mem = acc, dst_addr = 65472, rows = 1, cols = 16
    // CHECK-NEXT: }
    npu.tile_matmul m = 1024, k = 16, n = 16, a = sp[0] stride 16, b = sp[16384] stride 16, c = acc[0] stride 64 relu
  }
}

// -----

module attributes {npu.hardware = #npu.hardware<name = "edge", rows = 16, cols = 16, scratchpad_bytes = 262144, accumulator_bytes = 65536, vector_lanes = 16, hash = 0>} {
  // CHECK-LABEL: npu.program @conv3x3
  npu.program @conv3x3 {
    // A 3x3 convolution over a padded 4x4x16 image: one preload per kernel
    // tap (weights in HWIO rows of 16 bytes), one matmul per output row
    // streaming its 2 pixels; every tap after the first accumulates.
    // CHECK-NEXT: npu.preload sp_addr = 4096, k = 16, n = 16, sp_stride = 16
    // CHECK-NEXT: npu.matmul sp_addr = 0, acc_addr = 0, m = 2, sp_stride = 16, acc_stride = 64{{$}}
    // CHECK-NEXT: npu.matmul sp_addr = 64, acc_addr = 128, m = 2, sp_stride = 16, acc_stride = 64{{$}}
    // CHECK-NEXT: npu.preload sp_addr = 4352, k = 16, n = 16, sp_stride = 16
    // CHECK-NEXT: npu.matmul sp_addr = 16, acc_addr = 0, m = 2, sp_stride = 16, acc_stride = 64 accumulate
    // CHECK-NEXT: npu.matmul sp_addr = 80, acc_addr = 128, m = 2, sp_stride = 16, acc_stride = 64 accumulate
    // CHECK-COUNT-6: npu.preload
    // CHECK:      npu.preload sp_addr = 6144, k = 16, n = 16, sp_stride = 16
    // CHECK-NEXT: npu.matmul sp_addr = 160, acc_addr = 0, m = 2, sp_stride = 16, acc_stride = 64 accumulate
    // CHECK-NEXT: npu.matmul sp_addr = 224, acc_addr = 128, m = 2, sp_stride = 16, acc_stride = 64 accumulate push_next
    // CHECK-NEXT: }
    npu.tile_conv in = sp[0] row_stride 64, channels = 16, kernel = [3, 3], strides = [1, 1], out = [2, 2, 16], w = sp[4096] stride 16, c = acc[0] stride 64 push_next
  }
}

// -----

module attributes {npu.hardware = #npu.hardware<name = "edge", rows = 16, cols = 16, scratchpad_bytes = 262144, accumulator_bytes = 65536, vector_lanes = 16, hash = 0>} {
  // CHECK-LABEL: npu.program @conv1x1
  npu.program @conv1x1 {
    // A 1x1 convolution whose image rows follow each other is one matmul
    // over all 32 output pixels per n block.
    // CHECK-NEXT: npu.preload sp_addr = 4096, k = 16, n = 16, sp_stride = 24
    // CHECK-NEXT: npu.matmul sp_addr = 0, acc_addr = 0, m = 32, sp_stride = 16, acc_stride = 128 accumulate
    // CHECK-NEXT: npu.preload sp_addr = 4112, k = 16, n = 8, sp_stride = 24
    // CHECK-NEXT: npu.matmul sp_addr = 0, acc_addr = 64, m = 32, sp_stride = 16, acc_stride = 128 accumulate
    // CHECK-NEXT: }
    npu.tile_conv in = sp[0] row_stride 128, channels = 16, kernel = [1, 1], strides = [1, 1], out = [4, 8, 24], w = sp[4096] stride 24, c = acc[0] stride 128 accumulate
  }
}

// -----

module attributes {npu.hardware = #npu.hardware<name = "edge", rows = 16, cols = 16, scratchpad_bytes = 262144, accumulator_bytes = 65536, vector_lanes = 16, hash = 0>} {
  // CHECK-LABEL: npu.program @conv_strided
  npu.program @conv_strided {
    // Stride 2: pixels 2*8 bytes apart in a row, rows 2*80 bytes apart.
    // CHECK-NEXT: npu.preload sp_addr = 4096, k = 8, n = 8, sp_stride = 8
    // CHECK-NEXT: npu.matmul sp_addr = 0, acc_addr = 0, m = 4, sp_stride = 16, acc_stride = 32
    // CHECK-NEXT: npu.matmul sp_addr = 160, acc_addr = 128, m = 4, sp_stride = 16, acc_stride = 32
    // CHECK-NEXT: }
    npu.tile_conv in = sp[0] row_stride 80, channels = 8, kernel = [1, 1], strides = [2, 2], out = [2, 4, 8], w = sp[4096] stride 8, c = acc[0] stride 32
  }
}
