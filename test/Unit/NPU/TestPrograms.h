//===- TestPrograms.h - small NPU programs for the unit tests ---*- C++ -*-===//

#ifndef TESSERA_TEST_UNIT_NPU_TESTPROGRAMS_H
#define TESSERA_TEST_UNIT_NPU_TESTPROGRAMS_H

#include "tessera/NPU/Program.h"

namespace tessera::npu::test {

/// The message of an error, "" for success.
inline std::string errorText(llvm::Error err) {
  return err ? llvm::toString(std::move(err)) : std::string();
}

/// One 16x16x16 int8 matmul tile with requantization: every opcode, every
/// table, a few constants. Valid (verifyProgram accepts it).
inline Program makeSmallProgram() {
  Program p;
  p.hwHash = 0x0123456789abcdefull;
  p.dramBytes = 0x1000;
  p.constantsAddr = 0x100;
  for (unsigned i = 0; i < 40; ++i)
    p.constants.push_back(uint8_t(i * 7 + 1));
  TensorDesc a;
  a.name = "a";
  a.kind = TensorKind::Input;
  a.type = ElemType::I8;
  a.shape = {16, 16};
  a.dramAddr = 0x200;
  TensorDesc c;
  c.name = "layer/out:0";
  c.kind = TensorKind::Output;
  c.type = ElemType::I8;
  c.shape = {16, 16};
  c.dramAddr = 0x400;
  p.tensors = {a, c};

  auto add = [&](Opcode op) -> Inst & {
    Inst inst;
    inst.op = op;
    p.insts.push_back(inst);
    return p.insts.back();
  };
  Inst *i = &add(Opcode::ConfigLoad);
  i->dram_stride = 16;
  i->sram_stride = 16;
  i->pad_value = -3;
  i = &add(Opcode::DmaLoad); // weights
  i->dram_addr = 0x100;
  i->rows = 16;
  i->cols = 16;
  i = &add(Opcode::DmaLoad); // activations
  i->sram_addr = 0x100;
  i->dram_addr = 0x200;
  i->rows = 16;
  i->cols = 16;
  i->deps = PushNext;
  i = &add(Opcode::ConfigExec);
  i->src_stride = 64;
  i->dst_stride = 16;
  i->deps = PopPrev;
  i = &add(Opcode::ConfigQuant);
  i->multiplier = 1 << 30;
  i->shift = 37;
  i->zero_point = -5;
  i->clamp_lo = -128;
  i->clamp_hi = 127;
  i = &add(Opcode::Preload);
  i->k = 16;
  i->n = 16;
  i->sp_stride = 16;
  i = &add(Opcode::Matmul);
  i->sp_addr = 0x100;
  i->m = 16;
  i->sp_stride = 16;
  i->acc_stride = 64;
  i = &add(Opcode::Vec);
  i->func = int64_t(VecFunc::Requant);
  i->dst_mem = int64_t(Mem::Scratchpad);
  i->dst_addr = 0x200;
  i->rows = 16;
  i->cols = 16;
  i->deps = PushNext;
  i = &add(Opcode::ConfigStore);
  i->dram_stride = 16;
  i->sram_stride = 16;
  i = &add(Opcode::DmaStore);
  i->sram_addr = 0x200;
  i->dram_addr = 0x400;
  i->rows = 16;
  i->cols = 16;
  i->deps = PopPrev;
  add(Opcode::Fence);
  add(Opcode::Finish);

  p.layers = {
      {"load", 0, 3}, {"gemm", 3, 8}, {"empty", 8, 8}, {"store", 8, 10}};
  return p;
}

} // namespace tessera::npu::test

#endif // TESSERA_TEST_UNIT_NPU_TESTPROGRAMS_H
