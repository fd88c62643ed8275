# One 16x16x16 tile: c = clamp(requant(a @ w), 0, 127) and the int32 acc = a @ w,
# w in the constants.
.dram_bytes 0x800
.constants_addr 0x0
.tensor input "a" i8 [16, 16] @ 0x100
.tensor output "c" i8 [16, 16] @ 0x200
.tensor output "acc" i32 [16, 16] @ 0x400

.layer gemm
config_load dram_stride=16 sram_stride=16
dma_load sram_addr=0 dram_addr=0 rows=16 cols=16
dma_load sram_addr=0x100 dram_addr=0x100 rows=16 cols=16 push_next
config_exec pop_prev src_stride=64 dst_stride=16
config_quant multiplier=0x40000000 shift=38 clamp_lo=0 clamp_hi=127
preload k=16 n=16 sp_stride=16
matmul sp_addr=0x100 m=16 sp_stride=16 acc_stride=64
vec func=requant dst_mem=sp dst_addr=0x200 rows=16 cols=16 push_next
.endlayer
.layer store
config_store dram_stride=16 sram_stride=16
dma_store pop_prev sram_addr=0x200 dram_addr=0x200 rows=16 cols=16
config_store dram_stride=64 sram_stride=64
dma_store mem=acc sram_addr=0 dram_addr=0x400 rows=16 cols=16
.endlayer
finish
.data 0102030405060708090a0b0c0d0e0f10f1f2f3f4f5f6f7f8f9fafbfcfdfeff00
.data 7f807f807f807f807f807f807f807f807f807f807f807f807f807f807f807f80
.data 0102030405060708090a0b0c0d0e0f10f1f2f3f4f5f6f7f8f9fafbfcfdfeff00
.data 7f807f807f807f807f807f807f807f807f807f807f807f807f807f807f807f80
.data 0102030405060708090a0b0c0d0e0f10f1f2f3f4f5f6f7f8f9fafbfcfdfeff00
.data 7f807f807f807f807f807f807f807f807f807f807f807f807f807f807f807f80
.data 0102030405060708090a0b0c0d0e0f10f1f2f3f4f5f6f7f8f9fafbfcfdfeff00
.data 7f807f807f807f807f807f807f807f807f807f807f807f807f807f807f807f80
