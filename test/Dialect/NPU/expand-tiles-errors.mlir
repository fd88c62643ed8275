// RUN: tessera-opt %s --tessera-npu-expand-tiles -split-input-file -verify-diagnostics

npu.program @p {
  // expected-error @+1 {{'npu.tile_matmul' op needs the module's npu.hardware attribute to be expanded (tessera-npu-attach-hw)}}
  npu.tile_matmul m = 16, k = 16, n = 16, a = sp[0] stride 16, b = sp[256] stride 16, c = acc[0] stride 64
}

// -----

// The tile fits the 8 MiB scratchpad, but its row stride does not fit the
// 24-bit stride field of the matmul it becomes.
module attributes {npu.hardware = #npu.hardware<name = "big", rows = 16, cols = 16, scratchpad_bytes = 16777216, accumulator_bytes = 65536, vector_lanes = 16, hash = 0>} {
  npu.program @p {
    // expected-error @+1 {{'npu.matmul' op sp_stride = 16777216 does not fit its 24-bit field [0, 16777215]}}
    npu.tile_matmul m = 1, k = 16, n = 16, a = sp[0] stride 16777216, b = sp[256] stride 16, c = acc[0] stride 64
  }
}
