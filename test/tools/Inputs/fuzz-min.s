.hw_hash 0
.dram_bytes 16
finish
