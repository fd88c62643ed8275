// RUN: tessera-opt %s -split-input-file -verify-diagnostics

// Field ranges come from the ISA table (include/tessera/NPU/ISA.def).

npu.program @p {
  // expected-error @+1 {{'npu.preload' op k = 512 does not fit its 9-bit field [0, 511]}}
  npu.preload sp_addr = 0, k = 512, n = 16, sp_stride = 16
}

// -----

npu.program @p {
  // expected-error @+1 {{'npu.config_load' op pad_value = 128 does not fit its 8-bit field [-128, 127]}}
  npu.config_load dram_stride = 16, sram_stride = 16, pad_value = 128
}

// -----

npu.program @p {
  // expected-error @+1 {{'npu.dma_store' op dram_addr = -1 does not fit its 32-bit field [0, 4294967295]}}
  npu.dma_store sp, sram_addr = 0, dram_addr = -1, rows = 1, cols = 1
}

// -----

// Dependency flags the instruction's queue does not have.

npu.program @p {
  // expected-error @+1 {{'npu.dma_load' op pop_prev is not allowed on a load-queue instruction}}
  npu.dma_load sp, sram_addr = 0, dram_addr = 0, rows = 1, cols = 1, pad = [0, 0, 0, 0] pop_prev
}

// -----

npu.program @p {
  // expected-error @+1 {{'npu.config_store' op push_next is not allowed on a store-queue instruction}}
  npu.config_store dram_stride = 16, sram_stride = 16 push_next
}

// -----

npu.program @p {
  // expected-error @+1 {{'npu.vec' op relu writes int32 and needs dst_mem = acc}}
  npu.vec relu, src_addr = 0, src2_addr = 0, dst_mem = sp, dst_addr = 0, rows = 1, cols = 1
}

// -----

// What the ISA library's verifyInst rejects beyond the field table, in its
// words.

npu.program @p {
  // expected-error @+1 {{'npu.dma_load' op dma_load: padding is only allowed with mem=sp}}
  npu.dma_load acc, sram_addr = 0, dram_addr = 0, rows = 1, cols = 16, pad = [0, 0, 2, 2]
}

// -----

npu.program @p {
  // expected-error @+1 {{'npu.config_quant' op clamp_lo = 10 is above clamp_hi = 0}}
  npu.config_quant multiplier = 1, shift = 0, zero_point = 0, clamp = [10, 0], param_addr = 0
}

// -----

// Against the module's hardware description (edge: 16x16 array, 256 KiB
// scratchpad, 64 KiB accumulator).

module attributes {npu.hardware = #npu.hardware<name = "edge", rows = 16, cols = 16, scratchpad_bytes = 262144, accumulator_bytes = 65536, vector_lanes = 16, hash = 0>} {
  npu.program @p {
    // expected-error @+1 {{'npu.preload' op k = 32 exceeds the 16 rows of the array of hardware 'edge'}}
    npu.preload sp_addr = 0, k = 32, n = 16, sp_stride = 16
  }
}

// -----

module attributes {npu.hardware = #npu.hardware<name = "edge", rows = 16, cols = 16, scratchpad_bytes = 262144, accumulator_bytes = 65536, vector_lanes = 16, hash = 0>} {
  npu.program @p {
    // expected-error @+1 {{'npu.preload' op n = 17 exceeds the 16 columns of the array of hardware 'edge'}}
    npu.preload sp_addr = 0, k = 16, n = 17, sp_stride = 16
  }
}

// -----

module attributes {npu.hardware = #npu.hardware<name = "edge", rows = 16, cols = 16, scratchpad_bytes = 262144, accumulator_bytes = 65536, vector_lanes = 16, hash = 0>} {
  npu.program @p {
    // expected-error @+1 {{'npu.preload' op weight block [262000, 262256) exceeds the 262144-byte scratchpad of hardware 'edge'}}
    npu.preload sp_addr = 262000, k = 16, n = 16, sp_stride = 16
  }
}

// -----

module attributes {npu.hardware = #npu.hardware<name = "edge", rows = 16, cols = 16, scratchpad_bytes = 262144, accumulator_bytes = 65536, vector_lanes = 16, hash = 0>} {
  npu.program @p {
    // expected-error @+1 {{'npu.matmul' op input rows [262143, 262159) exceeds the 262144-byte scratchpad of hardware 'edge'}}
    npu.matmul sp_addr = 262143, acc_addr = 0, m = 16, sp_stride = 1, acc_stride = 64
  }
}

// -----

module attributes {npu.hardware = #npu.hardware<name = "edge", rows = 16, cols = 16, scratchpad_bytes = 262144, accumulator_bytes = 65536, vector_lanes = 16, hash = 0>} {
  npu.program @p {
    // expected-error @+1 {{'npu.matmul' op output rows [0, 65540) exceeds the 65536-byte accumulator of hardware 'edge'}}
    npu.matmul sp_addr = 0, acc_addr = 0, m = 1025, sp_stride = 16, acc_stride = 64
  }
}

// -----

module attributes {npu.hardware = #npu.hardware<name = "edge", rows = 16, cols = 16, scratchpad_bytes = 262144, accumulator_bytes = 65536, vector_lanes = 16, hash = 0>} {
  npu.program @p {
    // expected-error @+1 {{'npu.dma_load' op first row of the destination block [262140, 262160) exceeds the 262144-byte scratchpad of hardware 'edge'}}
    npu.dma_load sp, sram_addr = 262140, dram_addr = 0, rows = 1, cols = 16, pad = [0, 0, 2, 2]
  }
}

// -----

module attributes {npu.hardware = #npu.hardware<name = "edge", rows = 16, cols = 16, scratchpad_bytes = 262144, accumulator_bytes = 65536, vector_lanes = 16, hash = 0>} {
  npu.program @p {
    // expected-error @+1 {{'npu.dma_load' op first row of the destination block [65520, 65584) exceeds the 65536-byte accumulator of hardware 'edge'}}
    npu.dma_load acc, sram_addr = 65520, dram_addr = 0, rows = 1, cols = 16, pad = [0, 0, 0, 0]
  }
}

// -----

module attributes {npu.hardware = #npu.hardware<name = "edge", rows = 16, cols = 16, scratchpad_bytes = 262144, accumulator_bytes = 65536, vector_lanes = 16, hash = 0>} {
  npu.program @p {
    // expected-error @+1 {{'npu.dma_store' op first row of the source block [262140, 262156) exceeds the 262144-byte scratchpad of hardware 'edge'}}
    npu.dma_store sp, sram_addr = 262140, dram_addr = 0, rows = 1, cols = 16
  }
}

// -----

module attributes {npu.hardware = #npu.hardware<name = "edge", rows = 16, cols = 16, scratchpad_bytes = 262144, accumulator_bytes = 65536, vector_lanes = 16, hash = 0>} {
  npu.program @p {
    // expected-error @+1 {{'npu.vec' op first source row [65536, 65600) exceeds the 65536-byte accumulator of hardware 'edge'}}
    npu.vec relu, src_addr = 65536, src2_addr = 0, dst_mem = acc, dst_addr = 0, rows = 1, cols = 16
  }
}

// -----

module attributes {npu.hardware = #npu.hardware<name = "edge", rows = 16, cols = 16, scratchpad_bytes = 262144, accumulator_bytes = 65536, vector_lanes = 16, hash = 0>} {
  npu.program @p {
    // expected-error @+1 {{'npu.vec' op first row of the second source [65532, 65596) exceeds the 65536-byte accumulator of hardware 'edge'}}
    npu.vec max, src_addr = 0, src2_addr = 65532, dst_mem = acc, dst_addr = 0, rows = 1, cols = 16
  }
}

// -----

module attributes {npu.hardware = #npu.hardware<name = "edge", rows = 16, cols = 16, scratchpad_bytes = 262144, accumulator_bytes = 65536, vector_lanes = 16, hash = 0>} {
  npu.program @p {
    // expected-error @+1 {{'npu.vec' op first destination row [262136, 262152) exceeds the 262144-byte scratchpad of hardware 'edge'}}
    npu.vec requant, src_addr = 0, src2_addr = 0, dst_mem = sp, dst_addr = 262136, rows = 1, cols = 16
  }
}

// -----

module attributes {npu.hardware = #npu.hardware<name = "edge", rows = 16, cols = 16, scratchpad_bytes = 262144, accumulator_bytes = 65536, vector_lanes = 16, hash = 0>} {
  npu.program @p {
    // expected-error @+1 {{'npu.config_quant' op first per-channel parameter pair [65532, 65540) exceeds the 65536-byte accumulator of hardware 'edge'}}
    npu.config_quant multiplier = 1, shift = 0, zero_point = 0, clamp = [-128, 127], param_addr = 65532 per_channel
  }
}

// -----

// The hardware attribute itself.

// expected-error @+1 {{the array needs at least one row and one column, got 0x16}}
module attributes {npu.hardware = #npu.hardware<name = "bad", rows = 0, cols = 16, scratchpad_bytes = 262144, accumulator_bytes = 65536, vector_lanes = 16, hash = 0>} {
}

// -----

// expected-error @+1 {{scratchpad_bytes and accumulator_bytes must be positive}}
module attributes {npu.hardware = #npu.hardware<name = "bad", rows = 16, cols = 16, scratchpad_bytes = 0, accumulator_bytes = 65536, vector_lanes = 16, hash = 0>} {
}

// -----

// expected-error @+1 {{vector_lanes must be positive}}
module attributes {npu.hardware = #npu.hardware<name = "bad", rows = 16, cols = 16, scratchpad_bytes = 1, accumulator_bytes = 1, vector_lanes = 0, hash = 0>} {
}

// -----

// expected-error @+1 {{'npu.hardware' must be a #npu.hardware attribute}}
module attributes {npu.hardware = "edge"} {
}

// -----

// expected-error @+1 {{'npu.hardware' belongs on a builtin.module}}
npu.program @p attributes {npu.hardware = #npu.hardware<name = "edge", rows = 16, cols = 16, scratchpad_bytes = 262144, accumulator_bytes = 65536, vector_lanes = 16, hash = 0>} {
}

// -----

// expected-error @+1 {{unknown npu attribute 'npu.hw'}}
module attributes {npu.hw = 1} {
}

// -----

// Program structure.

npu.program @p {
  npu.tensor input "x" at 0 : tensor<4xi8>
  // expected-error @+1 {{'npu.tensor' op redefines tensor 'x'}}
  npu.tensor output "x" at 16 : tensor<4xi8>
}

// -----

npu.program @p {
  // expected-error @+1 {{'npu.tensor' op element type must be i8, i32 or bf16, got 'f32'}}
  npu.tensor input "x" at 0 : tensor<4xf32>
}

// -----

npu.program @p {
  // expected-error @+1 {{'npu.tensor' op needs a static shape, got 'tensor<?xi8>'}}
  npu.tensor input "x" at 0 : tensor<?xi8>
}

// -----

npu.program @p {
  // expected-error @+1 {{'npu.tensor' op dram_addr must not be negative}}
  npu.tensor input "x" at -4 : tensor<4xi8>
}

// -----

npu.program @p {
  // expected-error @+1 {{'npu.constant' op value must have i8, i32 or bf16 elements}}
  npu.constant at 0 = dense<1.0> : tensor<4xf32>
}

// -----

npu.program @p {
  // expected-error @+1 {{'npu.constant' op dram_addr must not be negative}}
  npu.constant at -1 = dense<1> : tensor<4xi8>
}

// -----

npu.program @p {
  npu.tensor input "x" at 0 : tensor<4xi32>
  // expected-error @+1 {{'npu.constant' op DRAM range [8, 12) overlaps [0, 16) of another tensor or constant}}
  npu.constant at 8 = dense<1> : tensor<4xi8>
}

// -----

npu.program @p attributes {dram_bytes = 16} {
  // expected-error @+1 {{'npu.tensor' op DRAM range [8, 24) exceeds the program's dram_bytes = 16}}
  npu.tensor input "x" at 8 : tensor<4xi32>
}

// -----

// expected-error @+1 {{'npu.program' op dram_bytes must not be negative}}
npu.program @p attributes {dram_bytes = -1} {
}

// -----

// expected-error @+1 {{'npu.layer' op expects parent op 'npu.program'}}
npu.layer "l" {
}

// -----

// Macro tile ops.

npu.program @p {
  // expected-error @+1 {{'npu.tile_matmul' op k = 0 must be at least 1}}
  npu.tile_matmul m = 16, k = 0, n = 16, a = sp[0] stride 16, b = sp[256] stride 16, c = acc[0] stride 64
}

// -----

npu.program @p {
  // expected-error @+1 {{'npu.tile_matmul' op a stride 8 is below the k = 16 bytes of one row of a}}
  npu.tile_matmul m = 16, k = 16, n = 16, a = sp[0] stride 8, b = sp[256] stride 16, c = acc[0] stride 64
}

// -----

npu.program @p {
  // expected-error @+1 {{'npu.tile_matmul' op b stride 8 is below the n = 16 bytes of one row of b}}
  npu.tile_matmul m = 16, k = 16, n = 16, a = sp[0] stride 16, b = sp[256] stride 8, c = acc[0] stride 64
}

// -----

npu.program @p {
  // expected-error @+1 {{'npu.tile_matmul' op c stride 32 is below the 64 bytes of one output row}}
  npu.tile_matmul m = 16, k = 16, n = 16, a = sp[0] stride 16, b = sp[256] stride 16, c = acc[0] stride 32
}

// -----

npu.program @p {
  // expected-error @+1 {{'npu.tile_matmul' op requant needs multiplier, shift, zero_point, clamp_lo, clamp_hi, out_addr and out_stride together}}
  "npu.tile_matmul"() <{m = 16, k = 16, n = 16, a_addr = 0, a_stride = 16, b_addr = 256, b_stride = 16, c_addr = 0, c_stride = 64, multiplier = 1}> : () -> ()
}

// -----

npu.program @p {
  // expected-error @+1 {{'npu.tile_matmul' op shift = 64 does not fit its 6-bit field [0, 63]}}
  npu.tile_matmul m = 16, k = 16, n = 16, a = sp[0] stride 16, b = sp[256] stride 16, c = acc[0] stride 64 requant(multiplier = 1, shift = 64, zero_point = 0, clamp = [-128, 127]) out = sp[512] stride 16
}

// -----

npu.program @p {
  // expected-error @+1 {{'npu.tile_matmul' op clamp_lo = 1 is above clamp_hi = 0}}
  npu.tile_matmul m = 16, k = 16, n = 16, a = sp[0] stride 16, b = sp[256] stride 16, c = acc[0] stride 64 requant(multiplier = 1, shift = 0, zero_point = 0, clamp = [1, 0]) out = sp[512] stride 16
}

// -----

npu.program @p {
  // expected-error @+1 {{'npu.tile_matmul' op out stride 8 is below the 16 bytes of one output row}}
  npu.tile_matmul m = 16, k = 16, n = 16, a = sp[0] stride 16, b = sp[256] stride 16, c = acc[0] stride 64 requant(multiplier = 1, shift = 0, zero_point = 0, clamp = [-128, 127]) out = sp[512] stride 8
}

// -----

module attributes {npu.hardware = #npu.hardware<name = "edge", rows = 16, cols = 16, scratchpad_bytes = 262144, accumulator_bytes = 65536, vector_lanes = 16, hash = 0>} {
  npu.program @p {
    // expected-error @+1 {{'npu.tile_matmul' op a [0, 327680) exceeds the 262144-byte scratchpad of hardware 'edge'}}
    npu.tile_matmul m = 1024, k = 320, n = 16, a = sp[0] stride 320, b = sp[0] stride 16, c = acc[0] stride 64
  }
}

// -----

module attributes {npu.hardware = #npu.hardware<name = "edge", rows = 16, cols = 16, scratchpad_bytes = 262144, accumulator_bytes = 65536, vector_lanes = 16, hash = 0>} {
  npu.program @p {
    // expected-error @+1 {{'npu.tile_matmul' op b [262000, 262256) exceeds the 262144-byte scratchpad of hardware 'edge'}}
    npu.tile_matmul m = 16, k = 16, n = 16, a = sp[0] stride 16, b = sp[262000] stride 16, c = acc[0] stride 64
  }
}

// -----

module attributes {npu.hardware = #npu.hardware<name = "edge", rows = 16, cols = 16, scratchpad_bytes = 262144, accumulator_bytes = 65536, vector_lanes = 16, hash = 0>} {
  npu.program @p {
    // expected-error @+1 {{'npu.tile_matmul' op c [0, 81920) exceeds the 65536-byte accumulator of hardware 'edge'}}
    npu.tile_matmul m = 320, k = 16, n = 64, a = sp[0] stride 16, b = sp[8192] stride 64, c = acc[0] stride 256
  }
}

// -----

module attributes {npu.hardware = #npu.hardware<name = "edge", rows = 16, cols = 16, scratchpad_bytes = 262144, accumulator_bytes = 65536, vector_lanes = 16, hash = 0>} {
  npu.program @p {
    // expected-error @+1 {{'npu.tile_matmul' op out [262100, 262356) exceeds the 262144-byte scratchpad of hardware 'edge'}}
    npu.tile_matmul m = 16, k = 16, n = 16, a = sp[0] stride 16, b = sp[256] stride 16, c = acc[0] stride 64 requant(multiplier = 1, shift = 0, zero_point = 0, clamp = [-128, 127]) out = sp[262100] stride 16
  }
}

// -----

npu.program @p {
  // expected-error @+1 {{'npu.tile_conv' op stride_w = 0 must be at least 1}}
  npu.tile_conv in = sp[0] row_stride 288, channels = 16, kernel = [3, 3], strides = [1, 0], out = [16, 16, 16], w = sp[8192] stride 16, c = acc[0] stride 64
}

// -----

npu.program @p {
  // expected-error @+1 {{'npu.tile_conv' op row_stride 256 is below the 288 bytes of the input pixels one output row reads}}
  npu.tile_conv in = sp[0] row_stride 256, channels = 16, kernel = [3, 3], strides = [1, 1], out = [16, 16, 16], w = sp[8192] stride 16, c = acc[0] stride 64
}

// -----

npu.program @p {
  // expected-error @+1 {{'npu.tile_conv' op w stride 8 is below the 16 bytes of one row of the weights}}
  npu.tile_conv in = sp[0] row_stride 288, channels = 16, kernel = [3, 3], strides = [1, 1], out = [16, 16, 16], w = sp[8192] stride 8, c = acc[0] stride 64
}

// -----

module attributes {npu.hardware = #npu.hardware<name = "edge", rows = 16, cols = 16, scratchpad_bytes = 262144, accumulator_bytes = 65536, vector_lanes = 16, hash = 0>} {
  npu.program @p {
    // expected-error @+1 {{'npu.tile_conv' op in [261000, 266184) exceeds the 262144-byte scratchpad of hardware 'edge'}}
    npu.tile_conv in = sp[261000] row_stride 288, channels = 16, kernel = [3, 3], strides = [1, 1], out = [16, 16, 16], w = sp[0] stride 16, c = acc[0] stride 64
  }
}

// -----

module attributes {npu.hardware = #npu.hardware<name = "edge", rows = 16, cols = 16, scratchpad_bytes = 262144, accumulator_bytes = 65536, vector_lanes = 16, hash = 0>} {
  npu.program @p {
    // expected-error @+1 {{'npu.tile_conv' op w [262000, 264304) exceeds the 262144-byte scratchpad of hardware 'edge'}}
    npu.tile_conv in = sp[0] row_stride 288, channels = 16, kernel = [3, 3], strides = [1, 1], out = [16, 16, 16], w = sp[262000] stride 16, c = acc[0] stride 64
  }
}

// -----

module attributes {npu.hardware = #npu.hardware<name = "edge", rows = 16, cols = 16, scratchpad_bytes = 262144, accumulator_bytes = 65536, vector_lanes = 16, hash = 0>} {
  npu.program @p {
    // expected-error @+1 {{'npu.tile_conv' op c [0, 130880) exceeds the 65536-byte accumulator of hardware 'edge'}}
    npu.tile_conv in = sp[0] row_stride 288, channels = 16, kernel = [3, 3], strides = [1, 1], out = [32, 16, 16], w = sp[65536] stride 16, c = acc[0] stride 256
  }
}
