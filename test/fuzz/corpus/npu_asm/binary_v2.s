# Every ISA version 2 feature once (docs/npu/isa.md, "Version 2"): the
# container is written as version 2.0.
.dram_bytes 0x1000
config_taps tap_cols=3 tap_stride=16 tap_row_stride=64
preload k=9 n=16 sp_stride=16
matmul sp_addr=0x100 m=2 sp_stride=16 acc_stride=64 depthwise=1
config_quant per_channel=1 bias=1 wide=1 param_addr=0x100
vec func=requant dst_mem=acc dst_addr=0x400 rows=1 cols=16
vec func=lut src2_addr=0x100 dst_mem=sp dst_addr=0x200 rows=2 cols=16
finish
