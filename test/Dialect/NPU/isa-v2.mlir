// RUN: tessera-opt %s -split-input-file | FileCheck %s
// RUN: tessera-opt %S/Inputs/isa-v2-errors.mlir -split-input-file -verify-diagnostics

// The ISA version 2 instructions as ops (docs/npu/isa.md, "Version 2"): they
// print and parse back, and verify on version-2 hardware (the default,
// which the hardware attribute does not print).

// CHECK: module attributes {npu.hardware = #npu.hardware<name = "edge", rows = 16, cols = 16, scratchpad_bytes = 262144, accumulator_bytes = 65536, vector_lanes = 16, hash = 0>}
// CHECK: npu.config_taps tap_cols = 3, tap_stride = 32, tap_row_stride = 1856
// CHECK: npu.matmul sp_addr = 0, acc_addr = 0, m = 4, sp_stride = 32, acc_stride = 128 depthwise
// CHECK: npu.matmul sp_addr = 0, acc_addr = 0, m = 4, sp_stride = 32, acc_stride = 128 accumulate depthwise
// CHECK: npu.config_quant multiplier = 0, shift = 0, zero_point = 0, clamp = [-128, 127], param_addr = 1024 per_channel bias wide
// CHECK: npu.vec lut, src_addr = 0, src2_addr = 4097, dst_mem = sp, dst_addr = 8192, rows = 4, cols = 32
module attributes {npu.hardware = #npu.hardware<name = "edge", rows = 16, cols = 16, scratchpad_bytes = 262144, accumulator_bytes = 65536, vector_lanes = 16, hash = 0, isa_version = 2>} {
  npu.program @v2 {
    npu.config_taps tap_cols = 3, tap_stride = 32, tap_row_stride = 1856
    npu.preload sp_addr = 4096, k = 9, n = 16, sp_stride = 16
    npu.matmul sp_addr = 0, acc_addr = 0, m = 4, sp_stride = 32, acc_stride = 128 depthwise
    npu.matmul sp_addr = 0, acc_addr = 0, m = 4, sp_stride = 32, acc_stride = 128 accumulate depthwise
    npu.config_quant multiplier = 0, shift = 0, zero_point = 0, clamp = [-128, 127], param_addr = 1024 per_channel bias wide
    npu.vec lut, src_addr = 0, src2_addr = 4097, dst_mem = sp, dst_addr = 8192, rows = 4, cols = 32
    npu.finish
  }
}
