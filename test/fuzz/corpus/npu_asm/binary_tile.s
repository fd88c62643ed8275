# One 16x16x16 int8 tile: C = clamp(requant(A x B), 0, 127), i.e. requantize
# and ReLU in one vec. B (the weights) is the constants image at DRAM 0x0.
# Hand-written style: omitted fields are 0, flags anywhere, hex or decimal.
.dram_bytes 0x1000
.tensor input "A" i8 [16, 16] @ 0x100
.tensor output "C" i8 [16, 16] @ 0x200

.layer gemm
config_load dram_stride=16 sram_stride=16
dma_load sram_addr=0 dram_addr=0 rows=16 cols=16            # B -> sp[0x0]
dma_load sram_addr=0x100 dram_addr=0x100 rows=16 cols=16 push_next  # A -> sp[0x100]
config_exec pop_prev src_stride=64 dst_stride=16
config_quant multiplier=0x40000000 shift=31 clamp_lo=0 clamp_hi=127
preload k=16 n=16 sp_stride=16
matmul sp_addr=0x100 m=16 sp_stride=16 acc_stride=64
vec func=requant dst_mem=sp dst_addr=0x200 rows=16 cols=16 push_next
.endlayer
.layer store
config_store dram_stride=16 sram_stride=16
dma_store pop_prev sram_addr=0x200 dram_addr=0x200 rows=16 cols=16
.endlayer
finish
.data 0b30557a9fc4e90e33587da2c7ec11365b80a5caef14395e83a8cdf2173c6186
.data abd0f51a3f6489aed3f81d42678cb1d6fb20456a8fb4d9fe23486d92b7dc0126
.data 4b7095badf04294e7398bde2072c51769bc0e50a2f54799ec3e80d32577ca1c6
.data eb10355a7fa4c9ee13385d82a7ccf1163b6085aacff4193e6388add2f71c4166
.data 8bb0d5fa1f44698eb3d8fd22476c91b6db00254a6f94b9de03284d7297bce106
.data 2b50759abfe4092e53789dc2e70c31567ba0c5ea0f34597ea3c8ed12375c81a6
.data cbf0153a5f84a9cef3183d6287acd1f61b40658aafd4f91e43688db2d7fc2146
.data 6b90b5daff24496e93b8dd02274c7196bbe0052a4f7499bee3082d52779cc1e6
