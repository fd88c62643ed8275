// A module in the form the npu partition leaves at the end of the nn stage
// (docs/npu/compiler.md): the host graph in @main, NCHW <-> NHWC transposes
// around one npu.launch, and the segment's npu.program: a 1x1 convolution
// of 16 channels as one 256 x 16 x 16 matmul whose weights rotate the
// channels (output channel c = input channel (c + 1) mod 16), requantized
// with scale 1 (multiplier 2^30, shift 30).
module {
  func.func @main(%x: tensor<1x16x8x32xi8> {nn.name = "x"}) -> (tensor<1x16x8x32xi8> {nn.name = "y"}) {
    %t = nn.transpose %x {npu.place = "host", npu.reason = "layout of the NPU segment's input", perm = array<i64: 0, 2, 3, 1>} : (tensor<1x16x8x32xi8>) -> tensor<1x8x32x16xi8> loc("Conv_0.in")
    %r = npu.launch @segment_0(%t) : (tensor<1x8x32x16xi8>) -> tensor<1x8x32x16xi8>
    %y = nn.transpose %r {npu.place = "host", npu.reason = "layout of the NPU segment's output", perm = array<i64: 0, 3, 1, 2>} : (tensor<1x8x32x16xi8>) -> tensor<1x16x8x32xi8> loc("Conv_0.out")
    return %y : tensor<1x16x8x32xi8>
  }
  npu.program @segment_0 attributes {dram_bytes = 16384} {
    npu.tensor input "segment_0.in0" at 0 : tensor<1x8x32x16xi8>
    npu.tensor output "segment_0.out0" at 4096 : tensor<1x8x32x16xi8>
    npu.constant "Conv_0.weights" at 8192 = dense<[[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], [0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], [0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0]]> : tensor<16x16xi8>
    npu.layer "Conv_0" attributes {tiling = "m256 k16 n16", predicted_cycles = 700 : i64, predicted_dram_bytes = 8448 : i64, macs = 65536 : i64, bound = "dram", predicted_energy_pj = 1000.0 : f64} {
      npu.config_load dram_stride = 16, sram_stride = 16, pad_value = 0
      npu.dma_load sp, sram_addr = 0, dram_addr = 0, rows = 256, cols = 16, pad = [0, 0, 0, 0]
      npu.dma_load sp, sram_addr = 4096, dram_addr = 8192, rows = 16, cols = 16, pad = [0, 0, 0, 0] push_next
      npu.preload sp_addr = 4096, k = 16, n = 16, sp_stride = 16 pop_prev
      npu.matmul sp_addr = 0, acc_addr = 0, m = 256, sp_stride = 16, acc_stride = 64
      npu.config_exec src_stride = 64, src2_stride = 0, dst_stride = 16
      npu.config_quant multiplier = 1073741824, shift = 30, zero_point = 0, clamp = [-128, 127], param_addr = 0
      npu.vec requant, src_addr = 0, src2_addr = 0, dst_mem = sp, dst_addr = 8192, rows = 256, cols = 16 push_next
      npu.config_store dram_stride = 16, sram_stride = 16
      npu.dma_store sp, sram_addr = 8192, dram_addr = 4096, rows = 256, cols = 16 pop_prev
    }
    npu.finish
  }
}
