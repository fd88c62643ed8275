//===- BinaryTest.cpp - NPU binary container ------------------------------===//

#include "TestPrograms.h"

#include "tessera/NPU/Program.h"

#include <gtest/gtest.h>

#include <cstdio>

using namespace tessera::npu;
using tessera::npu::test::errorText;
using tessera::npu::test::makeSmallProgram;

namespace {

using Bytes = std::vector<uint8_t>;

// Layout constants of docs/npu/binary-format.md, restated independently.
constexpr size_t kHeader = 144;
constexpr size_t kSectionTable = 64;
enum { Insts, Consts, Tensors, Layers, Strings };

uint64_t getLE(const Bytes &b, size_t offset, unsigned n) {
  uint64_t v = 0;
  for (unsigned i = 0; i < n; ++i)
    v |= uint64_t(b[offset + i]) << (8 * i);
  return v;
}

void setLE(Bytes &b, size_t offset, uint64_t v, unsigned n) {
  for (unsigned i = 0; i < n; ++i)
    b[offset + i] = uint8_t(v >> (8 * i));
}

/// FNV-1a 64 over the file without bytes 16..23.
void fixChecksum(Bytes &b) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < b.size(); ++i) {
    if (i >= 16 && i < 24)
      continue;
    h = (h ^ b[i]) * 0x100000001b3ull;
  }
  setLE(b, 16, h, 8);
}

uint64_t sectionOffset(const Bytes &b, unsigned s) {
  return getLE(b, kSectionTable + 16 * s, 8);
}
uint64_t sectionSize(const Bytes &b, unsigned s) {
  return getLE(b, kSectionTable + 16 * s + 8, 8);
}

std::string decodeError(const Bytes &b) {
  llvm::Expected<Program> p = decodeProgram(b);
  if (p)
    return "";
  return llvm::toString(p.takeError());
}

/// Encodes a program (without verifying it) and returns the decoder's
/// message.
std::string decodeErrorOf(const Program &p) {
  return decodeError(encodeProgram(p));
}

TEST(NPUBinary, RoundTrip) {
  Program p = makeSmallProgram();
  ASSERT_EQ(errorText(verifyProgram(p)), "");
  Bytes bytes = encodeProgram(p);
  llvm::Expected<Program> decoded = decodeProgram(bytes);
  ASSERT_TRUE(bool(decoded)) << llvm::toString(decoded.takeError());
  EXPECT_EQ(*decoded, p);
  EXPECT_EQ(encodeProgram(*decoded), bytes);

  // The smallest program: one finish, empty tables.
  Program tiny;
  tiny.insts.resize(1);
  llvm::Expected<Program> tinyDecoded = decodeProgram(encodeProgram(tiny));
  ASSERT_TRUE(bool(tinyDecoded)) << llvm::toString(tinyDecoded.takeError());
  EXPECT_EQ(*tinyDecoded, tiny);
}

TEST(NPUBinary, Layout) {
  Program p = makeSmallProgram();
  Bytes b = encodeProgram(p);
  const uint8_t magic[8] = {'T', 'S', 'R', 'N', 'P', 'U', 0, 0x1a};
  EXPECT_TRUE(std::equal(magic, magic + 8, b.begin()));
  EXPECT_TRUE(hasBinaryMagic(b));
  EXPECT_EQ(getLE(b, 8, 2), 1u);
  EXPECT_EQ(getLE(b, 10, 2), 0u);
  EXPECT_EQ(getLE(b, 12, 4), kHeader);
  EXPECT_EQ(getLE(b, 24, 8), b.size());
  EXPECT_EQ(getLE(b, 32, 8), p.hwHash);
  EXPECT_EQ(getLE(b, 40, 8), p.dramBytes);
  EXPECT_EQ(getLE(b, 48, 8), p.constantsAddr);
  EXPECT_EQ(sectionOffset(b, Insts), kHeader);
  EXPECT_EQ(sectionSize(b, Insts), 16 * p.insts.size());
  EXPECT_EQ(sectionSize(b, Consts), p.constants.size());
  EXPECT_EQ(sectionSize(b, Layers), 16 * p.layers.size());
  // Two rank-2 tensors: 8-byte table header + 2 * (24 + 16).
  EXPECT_EQ(sectionSize(b, Tensors), 8u + 2 * 40);
  for (unsigned s = 0; s < 5; ++s)
    EXPECT_EQ(sectionOffset(b, s) % 16, 0u);
  // Instruction i is encodeInst(insts[i]) at the instruction section.
  for (size_t i = 0; i < p.insts.size(); ++i) {
    std::array<uint8_t, kInstBytes> inst = encodeInst(p.insts[i]);
    EXPECT_TRUE(
        std::equal(inst.begin(), inst.end(), b.begin() + kHeader + 16 * i));
  }
  Bytes copy = b;
  fixChecksum(copy);
  EXPECT_EQ(copy, b);
}

TEST(NPUBinary, VersionFollowsTheInstructions) {
  // Version-1 instructions only: a 1.0 file, byte-identical to before.
  Program p = makeSmallProgram();
  Bytes b = encodeProgram(p);
  EXPECT_EQ(getLE(b, 8, 2), 1u);
  EXPECT_EQ(getLE(b, 10, 2), 0u);
  EXPECT_EQ(getBinaryVersionMajor(p.insts), 1u);

  // Each version-2 feature alone makes a 2.0 file that reads back equal.
  auto check = [&](const Program &v2, llvm::StringRef what) {
    SCOPED_TRACE(what.str());
    ASSERT_EQ(errorText(verifyProgram(v2)), "");
    Bytes bytes = encodeProgram(v2);
    EXPECT_EQ(getLE(bytes, 8, 2), 2u);
    EXPECT_EQ(getLE(bytes, 10, 2), 0u);
    llvm::Expected<Program> decoded = decodeProgram(bytes);
    ASSERT_TRUE(bool(decoded)) << llvm::toString(decoded.takeError());
    EXPECT_EQ(*decoded, v2);
    EXPECT_EQ(encodeProgram(*decoded), bytes);
    // The same instructions in a 1.0 container are refused.
    setLE(bytes, 8, 1, 2);
    fixChecksum(bytes);
    EXPECT_NE(decodeError(bytes).find(
                  "is an ISA version 2 instruction, but the file is "
                  "version 1.0"),
              std::string::npos)
        << decodeError(bytes);
  };
  Program v2 = p;
  v2.insts[6].depthwise = 1; // matmul
  check(v2, "depthwise");
  v2 = p;
  v2.insts[4].per_channel = 1; // config_quant
  v2.insts[4].multiplier = 0;
  v2.insts[4].shift = 0;
  v2.insts[4].bias = 1;
  check(v2, "bias");
  v2 = p;
  v2.insts[4].wide = 1;
  check(v2, "wide");
  v2 = p;
  Inst taps;
  taps.op = Opcode::ConfigTaps;
  taps.tap_cols = 3;
  taps.tap_stride = 16;
  taps.tap_row_stride = 96;
  v2.insts.insert(v2.insts.begin() + 3, taps);
  v2.layers.clear();
  check(v2, "config_taps");
  v2 = p;
  Inst lut;
  lut.op = Opcode::Vec;
  lut.func = int64_t(VecFunc::Lut);
  lut.rows = 1;
  lut.cols = 1;
  lut.src2_addr = 3; // a scratchpad address: any alignment
  v2.insts.insert(v2.insts.begin() + 3, lut);
  v2.layers.clear();
  check(v2, "lut");
}

TEST(NPUBinary, IdentificationErrors) {
  Bytes good = encodeProgram(makeSmallProgram());
  Bytes b = good;
  b[0] = 'X';
  EXPECT_EQ(decodeError(b), "npu binary: bad magic (not a Tessera NPU binary)");
  EXPECT_EQ(decodeError(Bytes()),
            "npu binary: bad magic (not a Tessera NPU binary)");

  b = good;
  setLE(b, 8, 3, 2);
  EXPECT_EQ(decodeError(b), "npu binary: unsupported NPU binary version 3.0 "
                            "(this build reads 1.0 and 2.0)");
  b = good;
  setLE(b, 8, 0, 2);
  EXPECT_EQ(decodeError(b), "npu binary: unsupported NPU binary version 0.0 "
                            "(this build reads 1.0 and 2.0)");
  b = good;
  setLE(b, 10, 1, 2);
  EXPECT_EQ(decodeError(b), "npu binary: unsupported NPU binary version 1.1 "
                            "(this build reads up to 1.0)");
  b = good;
  setLE(b, 8, 2, 2);
  setLE(b, 10, 1, 2);
  EXPECT_EQ(decodeError(b), "npu binary: unsupported NPU binary version 2.1 "
                            "(this build reads up to 2.0)");

  b.assign(good.begin(), good.begin() + 10);
  EXPECT_EQ(decodeError(b),
            "npu binary: truncated: 10 bytes, the header alone is 144");
  b.assign(good.begin(), good.begin() + 100);
  EXPECT_EQ(decodeError(b),
            "npu binary: truncated: 100 bytes, the header alone is 144");
  b.assign(good.begin(), good.end() - 1);
  EXPECT_EQ(decodeError(b), "npu binary: truncated: the header says " +
                                std::to_string(good.size()) + " bytes, got " +
                                std::to_string(good.size() - 1));
  b = good;
  b.push_back(0);
  EXPECT_EQ(decodeError(b), "npu binary: the header says " +
                                std::to_string(good.size()) + " bytes, got " +
                                std::to_string(good.size() + 1) +
                                " (trailing bytes)");
  b = good;
  setLE(b, 12, 160, 4);
  EXPECT_EQ(decodeError(b), "npu binary: header size 160, version 1.0 has 144");

  b = good;
  b[200] ^= 0x04;
  std::string message = decodeError(b);
  EXPECT_EQ(message.rfind("npu binary: checksum mismatch (stored 0x", 0), 0u)
      << message;
  EXPECT_NE(message.find("): the file is corrupted"), std::string::npos);

  b = good;
  setLE(b, 56, 1, 8);
  fixChecksum(b);
  EXPECT_EQ(decodeError(b), "npu binary: header (offset 0x38): reserved field "
                            "is 0x1, must be 0");
}

TEST(NPUBinary, SectionTableErrors) {
  Bytes good = encodeProgram(makeSmallProgram());
  Bytes b = good;
  setLE(b, kSectionTable + 16 * Strings + 8, 1 << 20, 8); // strings too long
  fixChecksum(b);
  std::string message = decodeError(b);
  EXPECT_EQ(message.rfind("npu binary: section table (offset 0x80): strings "
                          "section [",
                          0),
            0u)
      << message;
  EXPECT_NE(message.find("is not within the file"), std::string::npos);

  b = good; // offset + size overflows 64 bits
  setLE(b, kSectionTable + 16 * Consts + 8, ~uint64_t(0) - 8, 8);
  fixChecksum(b);
  EXPECT_NE(decodeError(b).find("constants section ["), std::string::npos);

  b = good; // overlaps the header
  setLE(b, kSectionTable + 16 * Insts, 16, 8);
  fixChecksum(b);
  EXPECT_NE(decodeError(b).find("instructions section [0x10"),
            std::string::npos);

  b = good; // out of order: layers before tensors
  setLE(b, kSectionTable + 16 * Layers, sectionOffset(good, Tensors), 8);
  fixChecksum(b);
  EXPECT_NE(decodeError(b).find("layers section"), std::string::npos);

  b = good;
  setLE(b, kSectionTable + 16 * Insts + 8, sectionSize(good, Insts) - 4, 8);
  fixChecksum(b);
  EXPECT_EQ(decodeError(b), "npu binary: instructions section (offset 0x90): "
                            "size 188 is not a multiple of 16");
}

TEST(NPUBinary, InstructionErrors) {
  Program p = makeSmallProgram();
  Bytes good = encodeProgram(p);
  Bytes b = good;
  b[kHeader + 16 * 4 + 13] |= 0x02; // config_quant bit 105
  fixChecksum(b);
  EXPECT_EQ(decodeError(b), "npu binary: instruction 4 (offset 0xd0): "
                            "config_quant: reserved bit 105 is set");
  // Bit 127 of matmul is the version-2 flag depthwise: not in a 1.0 file.
  b = good;
  b[kHeader + 16 * 6 + 15] |= 0x80;
  fixChecksum(b);
  EXPECT_EQ(decodeError(b), "npu binary: instruction 6 (offset 0xf0): matmul "
                            "depthwise is an ISA version 2 instruction, but "
                            "the file is version 1.0 (a program with "
                            "version-2 instructions is a 2.0 file)");
  setLE(b, 8, 2, 2);
  fixChecksum(b);
  EXPECT_EQ(decodeError(b), "");
  b = good;
  b[kHeader + 16 * 2] = 0x77;
  fixChecksum(b);
  EXPECT_EQ(decodeError(b),
            "npu binary: instruction 2 (offset 0xb0): unknown opcode 0x77");
  b = good;
  b[kHeader + 16 * 1 + 1] = PopPrev; // on a dma_load
  fixChecksum(b);
  EXPECT_EQ(decodeError(b),
            "npu binary: instruction 1 (offset 0xa0): dma_load: "
            "flag pop_prev is not allowed on the load queue");

  // Valid encodings that fail verifyInst.
  Program bad = p;
  bad.insts[1].rows = 0;
  EXPECT_EQ(decodeErrorOf(bad), "npu binary: instruction 1 (offset 0xa0): "
                                "dma_load: rows must be at least 1");

  bad = p;
  bad.insts.pop_back();
  EXPECT_EQ(decodeErrorOf(bad), "npu binary: instructions section (offset "
                                "0x90): program does not end with finish "
                                "(instruction 10 is fence)");
  bad = p;
  bad.insts[10].op = Opcode::Finish;
  EXPECT_EQ(decodeErrorOf(bad),
            "npu binary: instructions section (offset 0x90): instruction 10: "
            "finish before the end of the program (only the last instruction "
            "may be finish)");
  bad = p;
  bad.insts.clear();
  bad.layers.clear();
  EXPECT_EQ(decodeErrorOf(bad), "npu binary: instructions section (offset "
                                "0x90): program has no instructions (it must "
                                "end with finish)");
}

TEST(NPUBinary, TableErrors) {
  Program p = makeSmallProgram();
  Program bad = p;
  bad.constantsAddr = 0xff0;
  EXPECT_EQ(decodeErrorOf(bad), "npu binary: constants section (offset 0x150): "
                                "constants [0xff0, 0xff0 + 40) exceed "
                                "dram_bytes 0x1000");
  bad = p;
  bad.tensors[1].dramAddr = 0xf01;
  EXPECT_EQ(decodeErrorOf(bad),
            "npu binary: tensor 1 (offset 0x1b0): tensor 'layer/out:0': bytes "
            "[0xf01, 0xf01 + 256) exceed dram_bytes 0x1000");
  bad = p;
  bad.tensors[0].shape = {16, 0};
  EXPECT_EQ(decodeErrorOf(bad), "npu binary: tensor 0 (offset 0x188): tensor "
                                "'a': dimension 0 is not at least 1");
  bad = p;
  bad.tensors[0].shape = {int64_t(1) << 40, int64_t(1) << 40};
  EXPECT_NE(decodeErrorOf(bad).find("exceed dram_bytes"), std::string::npos);
  bad = p;
  bad.tensors[1].dramAddr = 0x2f0;
  EXPECT_EQ(decodeErrorOf(bad),
            "npu binary: tensors section (offset 0x180): tensor 'a' [0x200, "
            "0x300) and tensor 'layer/out:0' [0x2f0, 0x3f0) overlap in DRAM");
  bad = p;
  bad.tensors[0].dramAddr = 0x120;
  EXPECT_EQ(decodeErrorOf(bad),
            "npu binary: tensors section (offset 0x180): the constants "
            "[0x100, 0x128) and tensor 'a' [0x120, 0x220) overlap in DRAM");
  bad = p;
  bad.tensors[1].name = "a";
  EXPECT_EQ(decodeErrorOf(bad), "npu binary: tensor 1 (offset 0x1b0): tensor "
                                "'a' is declared twice");
  bad = p;
  bad.tensors[0].name = "";
  EXPECT_EQ(decodeErrorOf(bad),
            "npu binary: tensor 0 (offset 0x188): name is empty");
  bad = p;
  bad.tensors[0].name = "a\nb";
  EXPECT_EQ(decodeErrorOf(bad), "npu binary: tensor 0 (offset 0x188): name "
                                "contains the control character 0xa");
  bad = p;
  bad.tensors[0].name = "\xff\xfe";
  EXPECT_EQ(decodeErrorOf(bad),
            "npu binary: tensor 0 (offset 0x188): name is not valid UTF-8");
  bad = p;
  bad.layers[1].end = 13;
  EXPECT_EQ(
      decodeErrorOf(bad),
      "npu binary: layer 1 (offset 0x1f0): layer 'gemm': instructions "
      "[3, 13) are not a range within the 12 instructions of the program");
  bad = p;
  bad.layers[0].begin = 4;
  EXPECT_NE(decodeErrorOf(bad).find("layer 'load': instructions [4, 3)"),
            std::string::npos);

  // Raw edits of the tensor records.
  Bytes good = encodeProgram(p);
  uint64_t tensors = sectionOffset(good, Tensors);
  Bytes b = good;
  b[tensors + 8 + 8] = 2; // kind
  fixChecksum(b);
  EXPECT_EQ(decodeError(b),
            "npu binary: tensor 0 (offset 0x188): unknown kind 2");
  b = good;
  b[tensors + 8 + 9] = 3; // type
  fixChecksum(b);
  EXPECT_EQ(decodeError(b),
            "npu binary: tensor 0 (offset 0x188): unknown element type 3");
  b = good;
  setLE(b, tensors + 8 + 12, 9, 4); // reserved
  fixChecksum(b);
  EXPECT_EQ(decodeError(b), "npu binary: tensor 0 (offset 0x188): reserved "
                            "field is 0x9, must be 0");
  b = good;
  setLE(b, tensors + 4, 1, 4); // table reserved
  fixChecksum(b);
  EXPECT_EQ(decodeError(b), "npu binary: tensors section (offset 0x184): "
                            "reserved field is 0x1, must be 0");
  b = good;
  setLE(b, tensors + 8 + 4, 1000, 4); // name length
  fixChecksum(b);
  EXPECT_EQ(decodeError(b), "npu binary: tensor 0 (offset 0x188): name [0x0, "
                            "0x0 + 1000) is outside the string table of 30 "
                            "bytes");
  b = good;
  setLE(b, tensors, 3, 4); // count: one record too many
  fixChecksum(b);
  EXPECT_EQ(decodeError(b),
            "npu binary: tensor 2 (offset 0x1d8): truncated record");
  b = good;
  setLE(b, tensors, 1, 4); // count: one record too few
  fixChecksum(b);
  EXPECT_EQ(decodeError(b), "npu binary: tensors section (offset 0x1b0): 40 "
                            "bytes after the last tensor");
  b = good;
  setLE(b, tensors + 8 + 40 + 10, 200, 2); // rank of tensor 1
  fixChecksum(b);
  EXPECT_EQ(decodeError(b), "npu binary: tensor 1 (offset 0x1b0): truncated "
                            "record (rank 200)");
  b = good;
  setLE(b, kSectionTable + 16 * Tensors + 8, 4, 8); // shorter than its header
  fixChecksum(b);
  EXPECT_EQ(decodeError(b), "npu binary: tensors section (offset 0x180): "
                            "truncated table header");
  b = good;
  setLE(b, kSectionTable + 16 * Layers + 8, 17, 8);
  fixChecksum(b);
  EXPECT_EQ(decodeError(b), "npu binary: layers section (offset 0x1e0): size "
                            "17 is not a multiple of 16");
}

/// Every prefix of a valid binary is rejected, none is read past its end
/// (run under -fsanitize=address to check the latter).
TEST(NPUBinaryCorruption, EveryTruncation) {
  Bytes good = encodeProgram(makeSmallProgram());
  for (size_t length = 0; length < good.size(); ++length) {
    // A fresh allocation of exactly `length` bytes so that ASan sees any
    // read past it.
    Bytes prefix(good.begin(), good.begin() + length);
    llvm::Expected<Program> p = decodeProgram(prefix);
    EXPECT_FALSE(bool(p)) << "length " << length;
    if (!p)
      llvm::consumeError(p.takeError());
  }
}

/// A single-bit flip anywhere is caught (by the checksum, or by the identity
/// checks that precede it).
TEST(NPUBinaryCorruption, EveryBitFlip) {
  Program original = makeSmallProgram();
  Bytes good = encodeProgram(original);
  for (size_t bit = 0; bit < good.size() * 8; ++bit) {
    Bytes b = good;
    b[bit / 8] ^= uint8_t(1u << (bit % 8));
    llvm::Expected<Program> p = decodeProgram(b);
    EXPECT_FALSE(bool(p)) << "bit " << bit;
    if (!p)
      llvm::consumeError(p.takeError());
  }
}

/// The same flips with the checksum recomputed, so that they reach the
/// structural checks: each is rejected or decodes to a program that passes
/// verifyProgram and re-encodes to the same bytes.
TEST(NPUBinaryCorruption, EveryBitFlipWithValidChecksum) {
  Program original = makeSmallProgram();
  Bytes good = encodeProgram(original);
  unsigned accepted = 0, rejected = 0;
  for (size_t bit = 0; bit < good.size() * 8; ++bit) {
    if (bit / 8 >= 16 && bit / 8 < 24)
      continue; // the checksum itself
    Bytes b = good;
    b[bit / 8] ^= uint8_t(1u << (bit % 8));
    fixChecksum(b);
    llvm::Expected<Program> p = decodeProgram(b);
    if (!p) {
      ++rejected;
      llvm::consumeError(p.takeError());
      continue;
    }
    ++accepted;
    EXPECT_EQ(errorText(verifyProgram(*p)), "") << "bit " << bit;
    llvm::Expected<Program> again = decodeProgram(encodeProgram(*p));
    ASSERT_TRUE(bool(again)) << "bit " << bit;
    EXPECT_EQ(*again, *p) << "bit " << bit;
  }
  // Flips in constants, addresses and most fields give other valid programs;
  // flips in magic, version, sizes, offsets and reserved bits do not.
  EXPECT_GT(accepted, 0u);
  EXPECT_GT(rejected, 0u);
  std::printf("bit flips with a valid checksum: %u rejected, %u decoded to "
              "another valid program\n",
              rejected, accepted);
}

/// Random multi-byte corruption with a valid checksum never crashes.
TEST(NPUBinaryCorruption, RandomBytesWithValidChecksum) {
  Bytes good = encodeProgram(makeSmallProgram());
  uint64_t state = 0x9e3779b97f4a7c15ull;
  auto next = [&] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  for (unsigned trial = 0; trial < 20000; ++trial) {
    Bytes b = good;
    unsigned edits = 1 + next() % 4;
    for (unsigned e = 0; e < edits; ++e) {
      size_t at = 24 + next() % (b.size() - 24);
      b[at] = uint8_t(next());
    }
    fixChecksum(b);
    llvm::Expected<Program> p = decodeProgram(b);
    if (!p) {
      llvm::consumeError(p.takeError());
      continue;
    }
    EXPECT_EQ(errorText(verifyProgram(*p)), "");
  }
}

} // namespace
