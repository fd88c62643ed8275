// RUN: tessera-translate --npu-to-asm %s | FileCheck %s
// RUN: tessera-translate --npu-to-asm %s -o %t.s
// RUN: tessera-translate --npu-to-bin %s -o %t.bin
// RUN: tessera-translate --npu-bin-to-asm %t.bin | diff %t.s -
// The inverse import gives npu IR that translates to the same program.
// RUN: tessera-translate --import-npu %t.bin | tessera-translate --npu-to-asm | diff %t.s -
// RUN: tessera-translate --import-npu %t.s | FileCheck %s --check-prefix=IMPORT

module attributes {npu.hardware = #npu.hardware<name = "edge", rows = 16, cols = 16, scratchpad_bytes = 262144, accumulator_bytes = 65536, vector_lanes = 16, hash = 4660>} {
  npu.program @gemm attributes {dram_bytes = 8192} {
    npu.tensor input "x" at 0 : tensor<16x16xi8>
    npu.tensor output "y" at 256 : tensor<16x16xi8>
    npu.constant "w" at 1024 = dense<1> : tensor<16x16xi8>
    npu.constant "bias" at 1536 = dense<[1, -2]> : tensor<2xi32>
    npu.layer "load" {
      npu.config_load dram_stride = 16, sram_stride = 16, pad_value = 0
      npu.dma_load sp, sram_addr = 0, dram_addr = 0, rows = 16, cols = 16, pad = [0, 0, 0, 0]
      npu.dma_load sp, sram_addr = 256, dram_addr = 1024, rows = 16, cols = 16, pad = [0, 0, 0, 0] push_next
    }
    npu.layer "Gemm_0" {
      npu.preload sp_addr = 256, k = 16, n = 16, sp_stride = 16 pop_prev
      npu.matmul sp_addr = 0, acc_addr = 0, m = 16, sp_stride = 16, acc_stride = 64
      npu.config_exec src_stride = 64, src2_stride = 0, dst_stride = 16
      npu.config_quant multiplier = 1073741824, shift = 31, zero_point = -1, clamp = [-128, 127], param_addr = 0
      npu.vec requant, src_addr = 0, src2_addr = 0, dst_mem = sp, dst_addr = 512, rows = 16, cols = 16 push_next
    }
    npu.config_store dram_stride = 16, sram_stride = 16
    npu.dma_store sp, sram_addr = 512, dram_addr = 256, rows = 16, cols = 16 pop_prev
    npu.finish
  }
}

// CHECK: .hw_hash 0x1234
// CHECK: .dram_bytes 8192
// CHECK: .constants_addr 0x400
// CHECK-NEXT: .tensor input "x" i8 [16, 16] @ 0x0
// CHECK-NEXT: .tensor output "y" i8 [16, 16] @ 0x100
// CHECK-NEXT: .layer "load"
// CHECK-NEXT: config_load dram_stride=16 sram_stride=16 pad_value=0
// CHECK-NEXT: dma_load mem=sp sram_addr=0x0 dram_addr=0x0 rows=16 cols=16
// CHECK-NEXT: dma_load mem=sp sram_addr=0x100 dram_addr=0x400 rows=16 cols=16 {{.*}}push_next
// CHECK-NEXT: .endlayer
// CHECK-NEXT: .layer "Gemm_0"
// CHECK-NEXT: preload sp_addr=0x100 k=16 n=16 sp_stride=16 pop_prev
// CHECK-NEXT: matmul sp_addr=0x0 acc_addr=0x0 m=16 sp_stride=16 acc_stride=64 accumulate=0
// CHECK-NEXT: config_exec src_stride=64 src2_stride=0 dst_stride=16
// CHECK-NEXT: config_quant multiplier=1073741824 shift=31 zero_point=-1 clamp_lo=-128 clamp_hi=127 per_channel=0 param_addr=0x0
// CHECK-NEXT: vec func=requant src_addr=0x0 src2_addr=0x0 dst_mem=sp dst_addr=0x200 rows=16 cols=16 push_next
// CHECK-NEXT: .endlayer
// CHECK-NEXT: config_store dram_stride=16 sram_stride=16
// CHECK-NEXT: dma_store mem=sp sram_addr=0x200 dram_addr=0x100 rows=16 cols=16 pop_prev
// CHECK-NEXT: finish
// The weights (256 ones), zeros up to the bias, the bias little-endian.
// CHECK-NEXT: .data 0101010101010101010101010101010101010101010101010101010101010101
// CHECK: .data 0000000000000000000000000000000000000000000000000000000000000000
// CHECK: .data 01000000feffffff

// IMPORT: npu.program @main attributes {dram_bytes = 8192 : i64, hw_hash = 4660 : i64} {
// IMPORT-NEXT: npu.tensor input "x" at 0 : tensor<16x16xi8>
// IMPORT-NEXT: npu.tensor output "y" at 256 : tensor<16x16xi8>
// IMPORT-NEXT: npu.constant at 1024 = dense<"0x{{[0-9A-F]+}}"> : tensor<520xi8>
// IMPORT-NEXT: npu.layer "load" {
// IMPORT-NEXT: npu.config_load
// IMPORT: npu.layer "Gemm_0" {
// IMPORT-NEXT: npu.preload sp_addr = 256, k = 16, n = 16, sp_stride = 16 pop_prev
// IMPORT: }
// IMPORT-NEXT: npu.config_store
// IMPORT-NEXT: npu.dma_store
// IMPORT-NEXT: npu.finish
