//===- ISATest.cpp - NPU ISA tables, encoder, decoder, verifier -----------===//

#include "tessera/NPU/ISA.h"
#include "tessera/NPU/Program.h"

#include "llvm/ADT/StringSet.h"

#include <gtest/gtest.h>

using namespace tessera::npu;

namespace {

std::string errorText(llvm::Error err) {
  return err ? llvm::toString(std::move(err)) : std::string();
}

template <typename T> std::string errorText(llvm::Expected<T> value) {
  return value ? std::string() : llvm::toString(value.takeError());
}

/// A valid instruction of `op` (every field at a value the semantic rules
/// accept).
Inst validInst(Opcode op) {
  Inst inst;
  inst.op = op;
  switch (op) {
  case Opcode::DmaLoad:
  case Opcode::DmaStore:
  case Opcode::Vec:
    inst.rows = inst.cols = 1;
    break;
  case Opcode::Preload:
    inst.k = inst.n = 1;
    break;
  case Opcode::Matmul:
    inst.m = 1;
    break;
  default:
    break;
  }
  if (op == Opcode::Vec)
    inst.dst_mem = int64_t(Mem::Accumulator);
  return inst;
}

std::array<uint8_t, kInstBytes> bytesOf(std::initializer_list<uint8_t> init) {
  std::array<uint8_t, kInstBytes> bytes{};
  std::copy(init.begin(), init.end(), bytes.begin());
  return bytes;
}

TEST(ISATables, OpcodesAreUniqueAndLookUp) {
  llvm::StringSet<> mnemonics;
  std::set<uint8_t> codes;
  for (const OpcodeInfo &info : getOpcodes()) {
    EXPECT_TRUE(mnemonics.insert(info.mnemonic).second) << info.mnemonic.str();
    EXPECT_TRUE(codes.insert(info.code).second);
    EXPECT_EQ(uint8_t(info.op), info.code);
    ASSERT_NE(lookupOpcode(info.code), nullptr);
    EXPECT_EQ(lookupOpcode(info.code)->op, info.op);
    ASSERT_NE(lookupOpcode(info.mnemonic), nullptr);
    EXPECT_EQ(lookupOpcode(info.mnemonic)->code, info.code);
    EXPECT_EQ(getOpcodeInfo(info.op).mnemonic, info.mnemonic);
  }
  EXPECT_EQ(getOpcodes().size(), 12u);
  EXPECT_EQ(lookupOpcode(uint8_t(0)), nullptr);
  EXPECT_EQ(lookupOpcode(uint8_t(0xff)), nullptr);
  EXPECT_EQ(lookupOpcode("nop"), nullptr);
  EXPECT_EQ(getOpcodeInfo(Opcode(0x77)).mnemonic, "<unknown>");
}

TEST(ISATables, FieldsAreContiguousDisjointAndInsideTheInstruction) {
  for (const OpcodeInfo &info : getOpcodes()) {
    bool used[kInstBytes * 8] = {};
    for (unsigned bit = 0; bit < 16; ++bit)
      used[bit] = true; // header
    llvm::StringSet<> names;
    for (const FieldInfo &field : getFields(info.op)) {
      EXPECT_EQ(field.op, info.op);
      EXPECT_TRUE(names.insert(field.name).second) << field.name.str();
      ASSERT_GE(field.width, 1u);
      ASSERT_LE(field.width, 63u);
      ASSERT_LE(field.lsb + field.width, kInstBytes * 8) << field.name.str();
      for (unsigned bit = field.lsb; bit < field.lsb + field.width; ++bit) {
        EXPECT_FALSE(used[bit])
            << info.mnemonic.str() << "." << field.name.str();
        used[bit] = true;
      }
      if (field.kind == FieldKind::B || field.kind == FieldKind::Mem) {
        EXPECT_EQ(field.width, 1u);
      }
    }
  }
  EXPECT_TRUE(getFields(Opcode::Finish).empty());
  EXPECT_TRUE(getFields(Opcode::Fence).empty());
  EXPECT_EQ(getFields(Opcode::DmaLoad).size(), 9u);
  EXPECT_EQ(getFields(Opcode::DmaLoad).front().name, "mem");
}

TEST(ISATables, FieldRanges) {
  const FieldInfo *padValue = nullptr, *rows = nullptr, *func = nullptr;
  for (const FieldInfo &f : getFields(Opcode::ConfigLoad))
    if (f.name == "pad_value")
      padValue = &f;
  for (const FieldInfo &f : getFields(Opcode::DmaLoad))
    if (f.name == "rows")
      rows = &f;
  for (const FieldInfo &f : getFields(Opcode::Vec))
    if (f.name == "func")
      func = &f;
  ASSERT_TRUE(padValue && rows && func);
  EXPECT_EQ(fieldMin(*padValue), -128);
  EXPECT_EQ(fieldMax(*padValue), 127);
  EXPECT_EQ(fieldMin(*rows), 0);
  EXPECT_EQ(fieldMax(*rows), 1023);
  EXPECT_EQ(fieldMin(*func), 0);
  EXPECT_EQ(fieldMax(*func), 4);
}

TEST(ISATables, NamesAndFlags) {
  for (unsigned i = 0; i < kNumVecFuncs; ++i)
    EXPECT_EQ(parseVecFunc(getVecFuncName(VecFunc(i))), VecFunc(i));
  EXPECT_EQ(parseVecFunc("gelu"), std::nullopt);
  EXPECT_EQ(getAllowedDepFlags(Queue::Load), PopNext | PushNext);
  EXPECT_EQ(getAllowedDepFlags(Queue::Store), PopPrev | PushPrev);
  EXPECT_EQ(getAllowedDepFlags(Queue::Execute), 0xf);
  EXPECT_EQ(getAllowedDepFlags(Queue::Control), 0);
  EXPECT_EQ(getDepFlagName(PushNext), "push_next");
  EXPECT_EQ(getMemName(Mem::Accumulator), "acc");
}

TEST(ISAInst, EqualityLooksAtEveryField) {
  Inst a = validInst(Opcode::Matmul), b = a;
  EXPECT_EQ(a, b);
  b.accumulate = 1;
  EXPECT_NE(a, b);
  b = a;
  b.dram_stride = 5; // not a matmul field, still part of the value
  EXPECT_NE(a, b);
  b = a;
  b.deps = PopPrev;
  EXPECT_NE(a, b);
}

/// Round trip with every field at its minimum, then its maximum, then a
/// pattern, for every opcode (the verifier's semantic rules are not applied:
/// decodeInst checks the encoding only).
TEST(ISAEncoding, RoundTripBoundaryValuesOfEveryField) {
  for (const OpcodeInfo &info : getOpcodes()) {
    for (int mode = 0; mode < 3; ++mode) {
      Inst inst;
      inst.op = info.op;
      inst.deps = getAllowedDepFlags(info.queue);
      for (const FieldInfo &field : getFields(info.op)) {
        int64_t value = mode == 0   ? fieldMin(field)
                        : mode == 1 ? fieldMax(field)
                                    : (fieldMax(field) / 3) | 1;
        inst.*field.member = value;
      }
      std::array<uint8_t, kInstBytes> bytes = encodeInst(inst);
      EXPECT_EQ(bytes[0], info.code);
      llvm::Expected<Inst> decoded = decodeInst(bytes);
      ASSERT_TRUE(bool(decoded)) << errorText(decoded.takeError());
      EXPECT_EQ(*decoded, inst) << info.mnemonic.str() << " mode " << mode;
      EXPECT_EQ(encodeInst(*decoded), bytes);
    }
    // Each field alone at its maximum: catches fields bleeding into
    // neighbours.
    for (const FieldInfo &field : getFields(info.op)) {
      Inst inst;
      inst.op = info.op;
      inst.*field.member =
          field.kind == FieldKind::S ? fieldMin(field) : fieldMax(field);
      llvm::Expected<Inst> decoded = decodeInst(encodeInst(inst));
      ASSERT_TRUE(bool(decoded)) << errorText(decoded.takeError());
      EXPECT_EQ(*decoded, inst)
          << info.mnemonic.str() << "." << field.name.str();
    }
  }
}

TEST(ISAEncoding, KnownBitPatterns) {
  // finish: just the opcode byte.
  Inst finish;
  finish.op = Opcode::Finish;
  EXPECT_EQ(encodeInst(finish), bytesOf({0x41}));

  // config_load dram_stride=0x12345678 sram_stride=0xabcdef pad_value=-1
  // push_next: byte 1 = flag bit 11 -> 0x08; bits 16..47 -> bytes 2..5;
  // bits 48..71 -> bytes 6..8; bits 72..79 -> byte 9.
  Inst config;
  config.op = Opcode::ConfigLoad;
  config.deps = PushNext;
  config.dram_stride = 0x12345678;
  config.sram_stride = 0xabcdef;
  config.pad_value = -1;
  EXPECT_EQ(encodeInst(config), bytesOf({0x01, 0x08, 0x78, 0x56, 0x34, 0x12,
                                         0xef, 0xcd, 0xab, 0xff}));

  // dma_load mem=acc sram_addr=4 dram_addr=1 rows=3 cols=1 pad_top=1
  // pad_right=2047 (not a valid acc load, but a valid encoding):
  //   bit 16 (mem) and bit 19 (sram_addr bit 2) -> byte 2 = 0x09
  //   bit 41 (dram_addr bit 0)                  -> byte 5 = 0x02
  //   bits 73,74 (rows = 3)                     -> byte 9 = 0x06
  //   bit 83 (cols bit 0)                       -> byte 10 = 0x08
  //   bit 97 (pad_top bit 0)                    -> byte 12 = 0x02
  //   bits 116..126 (pad_right)                 -> byte 14 = 0xf0, 15 = 0x7f
  Inst dma;
  dma.op = Opcode::DmaLoad;
  dma.mem = 1;
  dma.sram_addr = 4;
  dma.dram_addr = 1;
  dma.rows = 3;
  dma.cols = 1;
  dma.pad_top = 1;
  dma.pad_right = 2047;
  EXPECT_EQ(encodeInst(dma),
            bytesOf({0x10, 0x00, 0x09, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x06,
                     0x08, 0x00, 0x02, 0x00, 0xf0, 0x7f}));

  // vec func=max src_addr=0x10 dst_mem=acc rows=1 cols=2 pop_prev push_next:
  //   byte 1 = 0x01 | 0x08; func bits 16..19 = 3 -> byte 2 = 0x03;
  //   src_addr bit 4 -> bit 24 -> byte 3 = 0x01; dst_mem bit 68 -> byte 8
  //   bit 4 = 0x10; rows bit 93 -> byte 11 bit 5 = 0x20; cols = 2 -> bit
  //   104 -> byte 13 = 0x01.
  Inst vec;
  vec.op = Opcode::Vec;
  vec.deps = PopPrev | PushNext;
  vec.func = int64_t(VecFunc::Max);
  vec.src_addr = 0x10;
  vec.dst_mem = 1;
  vec.rows = 1;
  vec.cols = 2;
  EXPECT_EQ(encodeInst(vec),
            bytesOf({0x30, 0x09, 0x03, 0x01, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00,
                     0x00, 0x20, 0x00, 0x01}));

  // matmul accumulate=1: bit 126 -> byte 15 bit 6.
  Inst matmul;
  matmul.op = Opcode::Matmul;
  matmul.accumulate = 1;
  matmul.m = 0x3fff; // bits 64..77 -> byte 8 = 0xff, byte 9 = 0x3f
  EXPECT_EQ(encodeInst(matmul), bytesOf({0x21, 0, 0, 0, 0, 0, 0, 0, 0xff, 0x3f,
                                         0, 0, 0, 0, 0, 0x40}));

  for (const Inst &inst : {finish, config, dma, vec, matmul}) {
    llvm::Expected<Inst> decoded = decodeInst(encodeInst(inst));
    ASSERT_TRUE(bool(decoded)) << errorText(decoded.takeError());
    EXPECT_EQ(*decoded, inst);
  }
}

TEST(ISAEncoding, Version2BitPatterns) {
  // config_taps tap_cols=3 tap_stride=0x20 tap_row_stride=0x740:
  //   bits 16..21 = 3 -> byte 2 = 0x03; tap_stride bit 5 -> bit 27 -> byte 3
  //   = 0x08; tap_row_stride bits 6, 8, 9, 10 -> bits 52, 54, 55, 56 ->
  //   byte 6 = 0xd0, byte 7 = 0x01.
  Inst taps;
  taps.op = Opcode::ConfigTaps;
  taps.tap_cols = 3;
  taps.tap_stride = 0x20;
  taps.tap_row_stride = 0x740;
  EXPECT_EQ(encodeInst(taps),
            bytesOf({0x05, 0x00, 0x03, 0x08, 0x00, 0x00, 0xd0, 0x01}));
  // config_quant per_channel=1 bias=1 wide=1: bit 78 -> byte 9 = 0x40,
  // bit 103 -> byte 12 = 0x80, bit 104 -> byte 13 = 0x01.
  Inst quant;
  quant.op = Opcode::ConfigQuant;
  quant.per_channel = 1;
  quant.bias = 1;
  quant.wide = 1;
  EXPECT_EQ(encodeInst(quant),
            bytesOf({0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0x40, 0, 0, 0x80, 0x01}));
  // matmul m=1 depthwise: bit 64 -> byte 8 = 0x01, bit 127 -> byte 15.
  Inst matmul;
  matmul.op = Opcode::Matmul;
  matmul.m = 1;
  matmul.depthwise = 1;
  EXPECT_EQ(encodeInst(matmul),
            bytesOf({0x21, 0, 0, 0, 0, 0, 0, 0, 0x01, 0, 0, 0, 0, 0, 0, 0x80}));
  // vec func=lut rows=1 cols=1: func 4 -> byte 2 = 0x04, bit 93 -> byte 11
  // = 0x20, bit 103 -> byte 12 = 0x80.
  Inst lut;
  lut.op = Opcode::Vec;
  lut.func = int64_t(VecFunc::Lut);
  lut.rows = 1;
  lut.cols = 1;
  EXPECT_EQ(encodeInst(lut),
            bytesOf({0x30, 0, 0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0x20, 0x80}));
  for (const Inst &inst : {taps, quant, matmul, lut}) {
    llvm::Expected<Inst> decoded = decodeInst(encodeInst(inst));
    ASSERT_TRUE(bool(decoded)) << llvm::toString(decoded.takeError());
    EXPECT_TRUE(*decoded == inst);
    EXPECT_EQ(errorText(verifyInst(inst)), "");
  }

  // The version each needs, and what needs it.
  std::string feature;
  EXPECT_EQ(getInstIsaVersion(taps, &feature), 2u);
  EXPECT_EQ(feature, "config_taps");
  EXPECT_EQ(getInstIsaVersion(quant, &feature), 2u);
  EXPECT_EQ(feature, "config_quant bias");
  quant.bias = 0;
  EXPECT_EQ(getInstIsaVersion(quant, &feature), 2u);
  EXPECT_EQ(feature, "config_quant wide");
  quant.wide = 0;
  EXPECT_EQ(getInstIsaVersion(quant, &feature), 1u);
  EXPECT_EQ(feature, "");
  EXPECT_EQ(getInstIsaVersion(matmul, &feature), 2u);
  EXPECT_EQ(feature, "matmul depthwise");
  matmul.depthwise = 0;
  EXPECT_EQ(getInstIsaVersion(matmul), 1u);
  EXPECT_EQ(getInstIsaVersion(lut, &feature), 2u);
  EXPECT_EQ(feature, "vec func=lut");
  lut.func = int64_t(VecFunc::Max);
  EXPECT_EQ(getInstIsaVersion(lut), 1u);
  for (const OpcodeInfo &info : getOpcodes())
    EXPECT_EQ(info.version, info.op == Opcode::ConfigTaps ? 2u : 1u)
        << info.mnemonic.str();
}

TEST(ISAVerify, Version2Rules) {
  auto verifyError = [](const Inst &inst) {
    return errorText(verifyInst(inst));
  };
  Inst quant;
  quant.op = Opcode::ConfigQuant;
  quant.bias = 1;
  EXPECT_EQ(verifyError(quant),
            "config_quant: bias=1 needs per_channel=1 (the biases are the "
            "third int32 of each channel's parameters)");
  quant.per_channel = 1;
  EXPECT_EQ(verifyError(quant), "");
  quant.param_addr = 2;
  EXPECT_EQ(verifyError(quant),
            "config_quant: param_addr 0x2 is not a multiple of 4 (it "
            "addresses the accumulator, whose elements are int32)");
  // lut writes int8 to sp, and its table address is a scratchpad address.
  Inst lut;
  lut.op = Opcode::Vec;
  lut.func = int64_t(VecFunc::Lut);
  lut.rows = 1;
  lut.cols = 1;
  lut.src2_addr = 0x101;
  lut.dst_addr = 3;
  EXPECT_EQ(verifyError(lut), "");
  lut.dst_mem = int64_t(Mem::Accumulator);
  EXPECT_NE(verifyError(lut).find("vec: dst_addr 0x3 is not a multiple"),
            std::string::npos);
  Inst taps;
  taps.op = Opcode::ConfigTaps;
  taps.tap_cols = 64;
  EXPECT_EQ(verifyError(taps), "config_taps: tap_cols 64 out of range [0, 63]");
}

TEST(ISADecoding, Rejections) {
  auto decodeError = [](std::array<uint8_t, kInstBytes> bytes) {
    return errorText(decodeInst(bytes));
  };
  EXPECT_EQ(errorText(decodeInst(llvm::ArrayRef<uint8_t>())),
            "an instruction is 16 bytes, got 0");
  EXPECT_EQ(decodeError(bytesOf({0x55})), "unknown opcode 0x55");
  EXPECT_EQ(decodeError(bytesOf({0x00})), "unknown opcode 0x0");
  // Reserved header bits 12..15.
  EXPECT_EQ(decodeError(bytesOf({0x41, 0x10})),
            "finish: reserved bit 12 is set");
  // Bits above the last field: config_load ends at bit 79.
  EXPECT_EQ(decodeError(bytesOf({0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01})),
            "config_load: reserved bit 80 is set");
  std::array<uint8_t, kInstBytes> top = bytesOf({0x30});
  top[15] = 0x80;
  EXPECT_EQ(decodeError(top), "vec: reserved bit 127 is set");
  // config_quant ends at bit 104 (wide, version 2).
  std::array<uint8_t, kInstBytes> quant = bytesOf({0x04});
  quant[13] = 0x02;
  EXPECT_EQ(decodeError(quant), "config_quant: reserved bit 105 is set");
  // config_taps ends at bit 69.
  std::array<uint8_t, kInstBytes> taps = bytesOf({0x05});
  taps[8] = 0x40;
  EXPECT_EQ(decodeError(taps), "config_taps: reserved bit 70 is set");
  // Flags by queue.
  EXPECT_EQ(decodeError(bytesOf({0x10, PopPrev})),
            "dma_load: flag pop_prev is not allowed on the load queue");
  EXPECT_EQ(decodeError(bytesOf({0x01, PushPrev})),
            "config_load: flag push_prev is not allowed on the load queue");
  EXPECT_EQ(decodeError(bytesOf({0x11, PushNext})),
            "dma_store: flag push_next is not allowed on the store queue");
  EXPECT_EQ(decodeError(bytesOf({0x02, PopNext})),
            "config_store: flag pop_next is not allowed on the store queue");
  EXPECT_EQ(decodeError(bytesOf({0x40, PopPrev})),
            "fence: flag pop_prev is not allowed on the control queue");
  EXPECT_EQ(decodeError(bytesOf({0x41, PushNext})),
            "finish: flag push_next is not allowed on the control queue");
  EXPECT_EQ(decodeError(bytesOf({0x21, 0x0f})), ""); // execute: all four
  // Enumerations out of range: vec func 5..15.
  for (uint8_t func = 5; func < 16; ++func)
    EXPECT_EQ(decodeError(bytesOf({0x30, 0, func})),
              "vec: func " + std::to_string(func) + " out of range [0, 4]");
}

TEST(ISAVerify, AcceptsValidInstructions) {
  for (const OpcodeInfo &info : getOpcodes())
    EXPECT_EQ(errorText(verifyInst(validInst(info.op))), "")
        << info.mnemonic.str();
}

TEST(ISAVerify, Rejections) {
  auto verifyError = [](Inst inst) { return errorText(verifyInst(inst)); };
  Inst inst;
  inst.op = Opcode(0x99);
  EXPECT_EQ(verifyError(inst), "unknown opcode 0x99");

  inst = validInst(Opcode::DmaLoad);
  inst.deps = 0x10;
  EXPECT_EQ(verifyError(inst), "dma_load: unknown dependency flag bits 0x10");
  inst.deps = PushPrev;
  EXPECT_EQ(verifyError(inst),
            "dma_load: flag push_prev is not allowed on the load queue");
  inst = validInst(Opcode::Finish);
  inst.deps = PopNext;
  EXPECT_EQ(verifyError(inst),
            "finish: flag pop_next is not allowed on the control queue");

  // Field ranges.
  inst = validInst(Opcode::DmaLoad);
  inst.rows = 1024;
  EXPECT_EQ(verifyError(inst), "dma_load: rows 1024 out of range [0, 1023]");
  inst = validInst(Opcode::ConfigLoad);
  inst.pad_value = -129;
  EXPECT_EQ(verifyError(inst),
            "config_load: pad_value -129 out of range [-128, 127]");
  inst = validInst(Opcode::Vec);
  inst.func = 5;
  EXPECT_EQ(verifyError(inst), "vec: func 5 out of range [0, 4]");
  inst = validInst(Opcode::DmaStore);
  inst.mem = 2;
  EXPECT_EQ(verifyError(inst), "dma_store: mem 2 out of range [0, 1]");
  inst = validInst(Opcode::ConfigLoad);
  inst.dram_stride = -1;
  EXPECT_EQ(verifyError(inst),
            "config_load: dram_stride -1 out of range [0, 4294967295]");

  // Fields of another opcode.
  inst = validInst(Opcode::Finish);
  inst.rows = 3;
  EXPECT_EQ(verifyError(inst), "finish has no field rows (it is 3, must be 0)");

  // Semantic rules.
  inst = validInst(Opcode::DmaLoad);
  inst.rows = 0;
  EXPECT_EQ(verifyError(inst), "dma_load: rows must be at least 1");
  inst = validInst(Opcode::DmaStore);
  inst.cols = 0;
  EXPECT_EQ(verifyError(inst), "dma_store: cols must be at least 1");
  inst = validInst(Opcode::DmaLoad);
  inst.mem = 1;
  inst.sram_addr = 6;
  EXPECT_EQ(verifyError(inst),
            "dma_load: sram_addr 0x6 is not a multiple of 4 (it addresses "
            "the accumulator, whose elements are int32)");
  inst.sram_addr = 8;
  inst.pad_left = 1;
  EXPECT_EQ(verifyError(inst), "dma_load: padding is only allowed with mem=sp");
  inst.mem = 0;
  inst.sram_addr = 7;
  EXPECT_EQ(verifyError(inst), ""); // sp: any address, padding allowed
  inst = validInst(Opcode::Preload);
  inst.k = 0;
  EXPECT_EQ(verifyError(inst), "preload: k must be at least 1");
  inst.k = 1;
  inst.n = 0;
  EXPECT_EQ(verifyError(inst), "preload: n must be at least 1");
  inst = validInst(Opcode::Matmul);
  inst.m = 0;
  EXPECT_EQ(verifyError(inst), "matmul: m must be at least 1");
  inst.m = 1;
  inst.acc_addr = 2;
  EXPECT_NE(
      verifyError(inst).find("matmul: acc_addr 0x2 is not a multiple of 4"),
      std::string::npos);
  inst.acc_addr = 0;
  inst.acc_stride = 10;
  EXPECT_NE(verifyError(inst).find("matmul: acc_stride 0xa is not a multiple"),
            std::string::npos);
  inst = validInst(Opcode::Vec);
  inst.rows = 0;
  EXPECT_EQ(verifyError(inst), "vec: rows must be at least 1");
  inst = validInst(Opcode::Vec);
  inst.cols = 0;
  EXPECT_EQ(verifyError(inst), "vec: cols must be at least 1");
  inst = validInst(Opcode::Vec);
  inst.func = int64_t(VecFunc::Relu);
  inst.dst_mem = int64_t(Mem::Scratchpad);
  EXPECT_EQ(verifyError(inst), "vec: func=relu writes int32 and needs "
                               "dst_mem=acc (only requant and lut write sp)");
  inst.func = int64_t(VecFunc::Requant);
  inst.dst_addr = 3; // int8 destination: any address
  EXPECT_EQ(verifyError(inst), "");
  inst.dst_mem = int64_t(Mem::Accumulator);
  EXPECT_NE(verifyError(inst).find("vec: dst_addr 0x3 is not a multiple"),
            std::string::npos);
  inst = validInst(Opcode::Vec);
  inst.src_addr = 1;
  EXPECT_NE(verifyError(inst).find("vec: src_addr 0x1"), std::string::npos);
  inst = validInst(Opcode::Vec);
  inst.src2_addr = 2;
  EXPECT_NE(verifyError(inst).find("vec: src2_addr 0x2"), std::string::npos);
  inst = validInst(Opcode::ConfigExec);
  inst.src_stride = 5;
  EXPECT_NE(verifyError(inst).find("config_exec: src_stride 0x5"),
            std::string::npos);
  inst = validInst(Opcode::ConfigExec);
  inst.src2_stride = 6;
  EXPECT_NE(verifyError(inst).find("config_exec: src2_stride 0x6"),
            std::string::npos);
  inst.src2_stride = 0;
  inst.dst_stride = 7; // sp or acc: not checked here
  EXPECT_EQ(verifyError(inst), "");
  inst = validInst(Opcode::ConfigQuant);
  inst.clamp_lo = 5;
  inst.clamp_hi = 4;
  EXPECT_EQ(verifyError(inst),
            "config_quant: clamp_lo 5 is greater than clamp_hi 4");
  inst.clamp_hi = 5;
  inst.param_addr = 2; // ignored without per_channel
  EXPECT_EQ(verifyError(inst), "");
  inst.per_channel = 1;
  EXPECT_NE(verifyError(inst).find("config_quant: param_addr 0x2"),
            std::string::npos);
}

} // namespace
