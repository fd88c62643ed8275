// RUN: tessera-opt %s | FileCheck %s
// RUN: tessera-opt %s | tessera-opt | FileCheck %s
// RUN: tessera-opt %s --mlir-print-op-generic | tessera-opt | FileCheck %s

// Every instruction op, the program structure and the macro ops round-trip
// through the custom and the generic form.

// CHECK: module attributes {npu.hardware = #npu.hardware<name = "edge", rows = 16, cols = 16, scratchpad_bytes = 262144, accumulator_bytes = 65536, vector_lanes = 16, hash = 42>}
module attributes {npu.hardware = #npu.hardware<name = "edge", rows = 16, cols = 16, scratchpad_bytes = 262144, accumulator_bytes = 65536, vector_lanes = 16, hash = 42>} {
  // CHECK-LABEL: npu.program @all attributes {dram_bytes = 65536 : i64} {
  npu.program @all attributes {dram_bytes = 65536} {
    // CHECK-NEXT: npu.tensor input "x" at 0 : tensor<16x16xi8>
    npu.tensor input "x" at 0 : tensor<16x16xi8>
    // CHECK-NEXT: npu.tensor output "y" at 256 : tensor<16x16xi8>
    npu.tensor output "y" at 256 : tensor<16x16xi8>
    // CHECK-NEXT: npu.constant "w" at 512 = dense<1> : tensor<16x16xi8>
    npu.constant "w" at 512 = dense<1> : tensor<16x16xi8>
    // CHECK-NEXT: npu.constant at 1024 = dense<[1, -2]> : tensor<2xi32>
    npu.constant at 1024 = dense<[1, -2]> : tensor<2xi32>
    // CHECK-NEXT: npu.layer "Gemm_0" {
    npu.layer "Gemm_0" {
      // CHECK-NEXT: npu.config_load dram_stride = 16, sram_stride = 16, pad_value = -128
      npu.config_load dram_stride = 16, sram_stride = 16, pad_value = -128
      // CHECK-NEXT: npu.dma_load sp, sram_addr = 0, dram_addr = 0, rows = 16, cols = 16, pad = [0, 1, 2, 3]
      npu.dma_load sp, sram_addr = 0, dram_addr = 0, rows = 16, cols = 16, pad = [0, 1, 2, 3]
      // CHECK-NEXT: npu.dma_load sp, sram_addr = 4096, dram_addr = 512, rows = 16, cols = 16, pad = [0, 0, 0, 0] push_next
      npu.dma_load sp, sram_addr = 4096, dram_addr = 512, rows = 16, cols = 16, pad = [0, 0, 0, 0] push_next
      // CHECK-NEXT: npu.preload sp_addr = 4096, k = 16, n = 16, sp_stride = 16 pop_prev
      npu.preload sp_addr = 4096, k = 16, n = 16, sp_stride = 16 pop_prev
      // CHECK-NEXT: npu.matmul sp_addr = 0, acc_addr = 0, m = 16, sp_stride = 16, acc_stride = 64 push_prev
      npu.matmul sp_addr = 0, acc_addr = 0, m = 16, sp_stride = 16, acc_stride = 64 push_prev
      // CHECK-NEXT: npu.matmul sp_addr = 0, acc_addr = 0, m = 16, sp_stride = 16, acc_stride = 64 accumulate
      npu.matmul sp_addr = 0, acc_addr = 0, m = 16, sp_stride = 16, acc_stride = 64 accumulate
      // CHECK-NEXT: npu.config_exec src_stride = 64, src2_stride = 64, dst_stride = 16
      npu.config_exec src_stride = 64, src2_stride = 64, dst_stride = 16
      // CHECK-NEXT: npu.vec add, src_addr = 0, src2_addr = 1024, dst_mem = acc, dst_addr = 0, rows = 16, cols = 16
      npu.vec add, src_addr = 0, src2_addr = 1024, dst_mem = acc, dst_addr = 0, rows = 16, cols = 16
      // CHECK-NEXT: npu.config_quant multiplier = -1073741824, shift = 33, zero_point = -3, clamp = [-128, 127], param_addr = 2048 per_channel
      npu.config_quant multiplier = -1073741824, shift = 33, zero_point = -3, clamp = [-128, 127], param_addr = 2048 per_channel
      // CHECK-NEXT: npu.vec requant, src_addr = 0, src2_addr = 0, dst_mem = sp, dst_addr = 8192, rows = 16, cols = 16 pop_next push_next
      npu.vec requant, src_addr = 0, src2_addr = 0, dst_mem = sp, dst_addr = 8192, rows = 16, cols = 16 pop_next push_next
    }
    // CHECK: npu.config_store dram_stride = 16, sram_stride = 16
    npu.config_store dram_stride = 16, sram_stride = 16
    // CHECK-NEXT: npu.dma_store sp, sram_addr = 8192, dram_addr = 256, rows = 16, cols = 16 pop_prev push_prev
    npu.dma_store sp, sram_addr = 8192, dram_addr = 256, rows = 16, cols = 16 pop_prev push_prev
    // CHECK-NEXT: npu.fence
    npu.fence
    // CHECK-NEXT: npu.tile_matmul m = 64, k = 64, n = 64, a = sp[0] stride 64, b = sp[4096] stride 64, c = acc[0] stride 256 accumulate relu requant(multiplier = 1073741824, shift = 36, zero_point = 0, clamp = [-128, 127]) out = sp[8192] stride 64 pop_prev push_next
    npu.tile_matmul m = 64, k = 64, n = 64, a = sp[0] stride 64, b = sp[4096] stride 64, c = acc[0] stride 256 accumulate relu requant(multiplier = 1073741824, shift = 36, zero_point = 0, clamp = [-128, 127]) out = sp[8192] stride 64 pop_prev push_next
    // CHECK-NEXT: npu.tile_matmul m = 16, k = 16, n = 16, a = sp[0] stride 16, b = sp[256] stride 16, c = acc[0] stride 64{{$}}
    npu.tile_matmul m = 16, k = 16, n = 16, a = sp[0] stride 16, b = sp[256] stride 16, c = acc[0] stride 64
    // CHECK-NEXT: npu.tile_conv in = sp[0] row_stride 288, channels = 16, kernel = [3, 3], strides = [1, 1], out = [16, 16, 16], w = sp[8192] stride 16, c = acc[0] stride 64 relu
    npu.tile_conv in = sp[0] row_stride 288, channels = 16, kernel = [3, 3], strides = [1, 1], out = [16, 16, 16], w = sp[8192] stride 16, c = acc[0] stride 64 relu
    // CHECK-NEXT: npu.finish
    npu.finish
  }
}

// A program without a hardware description: only the ISA table applies.
// CHECK-LABEL: npu.program @no_hw {
npu.program @no_hw {
  // CHECK-NEXT: npu.preload sp_addr = 16777215, k = 511, n = 511, sp_stride = 16777215
  npu.preload sp_addr = 16777215, k = 511, n = 511, sp_stride = 16777215
}
