// Errors of the ISA version 2 ops (run by ../isa-v2.mlir).

// On hardware with isa_version 1 every version-2 instruction is rejected.
module attributes {npu.hardware = #npu.hardware<name = "edge-v1", rows = 16, cols = 16, scratchpad_bytes = 262144, accumulator_bytes = 65536, vector_lanes = 16, hash = 0, isa_version = 1>} {
  npu.program @p {
    // expected-error @+1 {{'npu.config_taps' op needs ISA version 2 (config_taps), but hardware 'edge-v1' has isa_version 1}}
    npu.config_taps tap_cols = 3, tap_stride = 32, tap_row_stride = 1856
  }
}

// -----

module attributes {npu.hardware = #npu.hardware<name = "edge-v1", rows = 16, cols = 16, scratchpad_bytes = 262144, accumulator_bytes = 65536, vector_lanes = 16, hash = 0, isa_version = 1>} {
  npu.program @p {
    // expected-error @+1 {{'npu.matmul' op needs ISA version 2 (matmul depthwise), but hardware 'edge-v1' has isa_version 1}}
    npu.matmul sp_addr = 0, acc_addr = 0, m = 4, sp_stride = 32, acc_stride = 128 depthwise
  }
}

// -----

module attributes {npu.hardware = #npu.hardware<name = "edge-v1", rows = 16, cols = 16, scratchpad_bytes = 262144, accumulator_bytes = 65536, vector_lanes = 16, hash = 0, isa_version = 1>} {
  npu.program @p {
    // expected-error @+1 {{'npu.vec' op needs ISA version 2 (vec func=lut), but hardware 'edge-v1' has isa_version 1}}
    npu.vec lut, src_addr = 0, src2_addr = 0, dst_mem = sp, dst_addr = 0, rows = 1, cols = 1
  }
}

// -----

module attributes {npu.hardware = #npu.hardware<name = "edge-v1", rows = 16, cols = 16, scratchpad_bytes = 262144, accumulator_bytes = 65536, vector_lanes = 16, hash = 0, isa_version = 1>} {
  npu.program @p {
    // expected-error @+1 {{'npu.config_quant' op needs ISA version 2 (config_quant wide), but hardware 'edge-v1' has isa_version 1}}
    npu.config_quant multiplier = 1, shift = 0, zero_point = 0, clamp = [-128, 127], param_addr = 0 wide
  }
}

// -----

// Version-1 instructions are fine on it.
module attributes {npu.hardware = #npu.hardware<name = "edge-v1", rows = 16, cols = 16, scratchpad_bytes = 262144, accumulator_bytes = 65536, vector_lanes = 16, hash = 0, isa_version = 1>} {
  npu.program @p {
    npu.config_quant multiplier = 1, shift = 0, zero_point = 0, clamp = [-128, 127], param_addr = 0
    npu.vec max, src_addr = 0, src2_addr = 0, dst_mem = acc, dst_addr = 0, rows = 1, cols = 1
  }
}

// -----

// bias needs per_channel; the lut table must fit the scratchpad.
module attributes {npu.hardware = #npu.hardware<name = "edge", rows = 16, cols = 16, scratchpad_bytes = 262144, accumulator_bytes = 65536, vector_lanes = 16, hash = 0>} {
  npu.program @p {
    // expected-error @+1 {{'npu.config_quant' op config_quant: bias=1 needs per_channel=1 (the biases are the third int32 of each channel's parameters)}}
    npu.config_quant multiplier = 1, shift = 0, zero_point = 0, clamp = [-128, 127], param_addr = 0 bias
  }
}

// -----

module attributes {npu.hardware = #npu.hardware<name = "edge", rows = 16, cols = 16, scratchpad_bytes = 262144, accumulator_bytes = 65536, vector_lanes = 16, hash = 0>} {
  npu.program @p {
    // expected-error @+1 {{'npu.vec' op lut table [262000, 262256) exceeds the 262144-byte scratchpad of hardware 'edge'}}
    npu.vec lut, src_addr = 0, src2_addr = 262000, dst_mem = sp, dst_addr = 0, rows = 1, cols = 1
  }
}

// -----

module attributes {npu.hardware = #npu.hardware<name = "edge", rows = 16, cols = 16, scratchpad_bytes = 262144, accumulator_bytes = 65536, vector_lanes = 16, hash = 0>} {
  npu.program @p {
    // expected-error @+1 {{'npu.config_quant' op first per-channel parameter triple [65528, 65540) exceeds the 65536-byte accumulator of hardware 'edge'}}
    npu.config_quant multiplier = 0, shift = 0, zero_point = 0, clamp = [-128, 127], param_addr = 65528 per_channel bias
  }
}

// -----

// expected-error @+1 {{isa_version must be 1 or 2, got 3}}
module attributes {npu.hardware = #npu.hardware<name = "edge", rows = 16, cols = 16, scratchpad_bytes = 262144, accumulator_bytes = 65536, vector_lanes = 16, hash = 0, isa_version = 3>} {
}
