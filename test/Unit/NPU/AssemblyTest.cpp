//===- AssemblyTest.cpp - NPU text assembly -------------------------------===//

#include "TestPrograms.h"

#include "tessera/NPU/Program.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

using namespace tessera::npu;
using tessera::npu::test::errorText;
using tessera::npu::test::makeSmallProgram;

namespace {

std::string print(const Program &p) {
  std::string text;
  llvm::raw_string_ostream os(text);
  printAssembly(p, os);
  return text;
}

std::string parseError(llvm::StringRef text) {
  llvm::Expected<Program> p = parseAssembly(text, "t.s");
  if (p)
    return "";
  return llvm::toString(p.takeError());
}

TEST(NPUAssembly, PrintParseRoundTrip) {
  Program p = makeSmallProgram();
  std::string text = print(p);
  llvm::Expected<Program> parsed = parseAssembly(text, "t.s");
  ASSERT_TRUE(bool(parsed)) << llvm::toString(parsed.takeError()) << "\n"
                            << text;
  EXPECT_EQ(*parsed, p) << text;
  EXPECT_EQ(print(*parsed), text);
}

TEST(NPUAssembly, CanonicalText) {
  Program p;
  p.dramBytes = 64;
  p.constants = {0x00, 0xff, 0x10};
  p.insts.resize(1); // finish
  Inst load;
  load.op = Opcode::DmaLoad;
  load.mem = 1;
  load.sram_addr = 0x40;
  load.dram_addr = 0x10;
  load.rows = 2;
  load.cols = 3;
  load.deps = PushNext | PopNext;
  p.insts.insert(p.insts.begin(), load);
  p.layers = {{"l", 0, 1}};
  EXPECT_EQ(print(p), "# Tessera NPU assembly (docs/npu/isa.md)\n"
                      ".hw_hash 0x0\n"
                      ".dram_bytes 64\n"
                      ".constants_addr 0x0\n"
                      ".layer \"l\"\n"
                      "dma_load mem=acc sram_addr=0x40 dram_addr=0x10 rows=2 "
                      "cols=3 pad_top=0 pad_bottom=0 pad_left=0 pad_right=0 "
                      "pop_next push_next\n"
                      ".endlayer\n"
                      "finish\n"
                      ".data 00ff10\n");
}

TEST(NPUAssembly, OverlappingLayersUseExplicitRanges) {
  Program p = makeSmallProgram();
  p.layers = {{"b", 4, 6}, {"a", 0, 5}, {"all", 0, 12}};
  std::string text = print(p);
  EXPECT_NE(text.find(".layer \"b\" 4 6\n.layer \"a\" 0 5\n"),
            std::string::npos)
      << text;
  llvm::Expected<Program> parsed = parseAssembly(text, "t.s");
  ASSERT_TRUE(bool(parsed)) << llvm::toString(parsed.takeError());
  EXPECT_EQ(*parsed, p);
}

TEST(NPUAssembly, HandWrittenInput) {
  // Hex and decimal, omitted fields default to 0, flags anywhere, comments,
  // bare names, hex data split over tokens.
  llvm::Expected<Program> p = parseAssembly(R"(
  # a comment line
  .dram_bytes 0x100   # trailing comment
  .tensor input x i32 [4] @ 16
  .tensor output "y \"q\" \\" i8 [] @ 0x20
  .layer first
  config_load push_next dram_stride=0x10 pad_value=-0x80
  .endlayer
  preload k=1 n=2 push_prev
  finish
  .data 0a0B 0c
)",
                                            "t.s");
  ASSERT_TRUE(bool(p)) << llvm::toString(p.takeError());
  EXPECT_EQ(p->dramBytes, 0x100u);
  ASSERT_EQ(p->tensors.size(), 2u);
  EXPECT_EQ(p->tensors[0].name, "x");
  EXPECT_EQ(p->tensors[0].type, ElemType::I32);
  EXPECT_EQ(p->tensors[0].bytes(), 16u);
  EXPECT_EQ(p->tensors[1].name, "y \"q\" \\");
  EXPECT_TRUE(p->tensors[1].shape.empty());
  EXPECT_EQ(p->tensors[1].kind, TensorKind::Output);
  ASSERT_EQ(p->insts.size(), 3u);
  EXPECT_EQ(p->insts[0].dram_stride, 16);
  EXPECT_EQ(p->insts[0].pad_value, -128);
  EXPECT_EQ(p->insts[0].deps, PushNext);
  EXPECT_EQ(p->insts[1].deps, PushPrev);
  ASSERT_EQ(p->layers.size(), 1u);
  EXPECT_EQ(p->layers[0], (LayerRange{"first", 0, 1}));
  EXPECT_EQ(p->constants, (std::vector<uint8_t>{0x0a, 0x0b, 0x0c}));
  llvm::Expected<Program> again = parseAssembly(print(*p), "u.s");
  ASSERT_TRUE(bool(again)) << llvm::toString(again.takeError());
  EXPECT_EQ(*again, *p);
}

TEST(NPUAssembly, Errors) {
  EXPECT_EQ(parseError("nop\n"), "t.s:1:1: error: unknown mnemonic 'nop'");
  EXPECT_EQ(parseError("\n  preload k=1 n=1 q=2\n"),
            "t.s:2:19: error: unknown field 'q' for preload (fields: sp_addr "
            "k n sp_stride)");
  EXPECT_EQ(parseError("finish x=1"),
            "t.s:1:8: error: unknown field 'x' for finish (fields: none)");
  EXPECT_EQ(parseError("preload k=1 k=2"),
            "t.s:1:13: error: duplicated field 'k'");
  EXPECT_EQ(
      parseError("dma_load rows=1024"),
      "t.s:1:15: error: value 1024 of field 'rows' out of range [0, 1023]");
  EXPECT_EQ(parseError("config_load pad_value=-129"),
            "t.s:1:23: error: value -129 of field 'pad_value' out of range "
            "[-128, 127]");
  EXPECT_EQ(parseError("config_load dram_stride=-1"),
            "t.s:1:25: error: value -1 of field 'dram_stride' out of range [0, "
            "4294967295]");
  EXPECT_EQ(parseError("dma_load pop_prev"),
            "t.s:1:10: error: flag 'pop_prev' is not allowed on the load queue "
            "(dma_load allows: pop_next push_next)");
  EXPECT_EQ(parseError("fence push_next"),
            "t.s:1:7: error: flag 'push_next' is not allowed on the control "
            "queue (fence allows none)");
  EXPECT_EQ(parseError("matmul pop_prev pop_prev"),
            "t.s:1:17: error: duplicated flag 'pop_prev'");
  EXPECT_EQ(parseError("matmul wait"),
            "t.s:1:8: error: unknown flag 'wait' (flags: pop_prev pop_next "
            "push_prev push_next)");
  EXPECT_EQ(parseError("matmul m"),
            "t.s:1:8: error: expected '=' and a value after field 'm'");
  EXPECT_EQ(parseError("matmul m="),
            "t.s:1:10: error: expected a value for field 'm'");
  EXPECT_EQ(parseError("matmul m=x"),
            "t.s:1:10: error: expected a number for field 'm', got 'x'");
  EXPECT_EQ(parseError("matmul m=12z"),
            "t.s:1:10: error: invalid number '12z'");
  EXPECT_EQ(parseError("matmul m=0x"), "t.s:1:10: error: invalid number '0x'");
  EXPECT_EQ(parseError("matmul m=99999999999999999999"),
            "t.s:1:10: error: number '99999999999999999999' does not fit in 64 "
            "bits");
  EXPECT_EQ(parseError("dma_load mem=2"),
            "t.s:1:14: error: expected sp or acc for field 'mem', got '2'");
  EXPECT_EQ(parseError("vec func=gelu"),
            "t.s:1:10: error: expected requant, relu, add, max or lut for "
            "field 'func', got 'gelu'");
  EXPECT_EQ(parseError("matmul = 1"),
            "t.s:1:8: error: expected a field=value or a flag, got '='");
  EXPECT_EQ(parseError("matmul m=1 $"),
            "t.s:1:12: error: unexpected character '$'");
  EXPECT_EQ(parseError(llvm::StringRef("fence \x01", 7)),
            "t.s:1:7: error: unexpected byte 0x01 (NPU assembly is text)");
  EXPECT_EQ(parseError("12"),
            "t.s:1:1: error: expected a mnemonic or a directive, got '12'");
  // Semantic rules, at the mnemonic.
  EXPECT_EQ(parseError("  dma_load cols=1"),
            "t.s:1:3: error: dma_load: rows must be at least 1");
  EXPECT_EQ(parseError("vec func=relu rows=1 cols=1 dst_mem=sp"),
            "t.s:1:1: error: vec: func=relu writes int32 and needs dst_mem=acc "
            "(only requant and lut write sp)");
  EXPECT_EQ(parseError("config_quant bias=1"),
            "t.s:1:1: error: config_quant: bias=1 needs per_channel=1 (the "
            "biases are the third int32 of each channel's parameters)");
  // Directives.
  EXPECT_EQ(parseError(".foo 1"),
            "t.s:1:1: error: unknown directive '.foo' (directives: .hw_hash "
            ".dram_bytes .constants_addr .tensor .data .layer .endlayer)");
  EXPECT_EQ(parseError(".dram_bytes 1\n.dram_bytes 2"),
            "t.s:2:1: error: duplicated .dram_bytes (first on line 1)");
  EXPECT_EQ(parseError(".dram_bytes -1"),
            "t.s:1:13: error: dram_bytes must not be negative");
  EXPECT_EQ(parseError(".dram_bytes"),
            "t.s:1:12: error: expected a number for dram_bytes");
  EXPECT_EQ(parseError(".hw_hash 1 2"),
            "t.s:1:12: error: unexpected '2' at end of line");
  EXPECT_EQ(parseError(".tensor inout a i8 [1] @ 0"),
            "t.s:1:9: error: expected input or output after .tensor");
  EXPECT_EQ(parseError(".tensor input a f32 [1] @ 0"),
            "t.s:1:17: error: expected an element type (i8, i32 or bf16), got "
            "'f32'");
  EXPECT_EQ(parseError(".tensor input a i8 1 @ 0"),
            "t.s:1:20: error: expected '[' before the shape");
  EXPECT_EQ(parseError(".tensor input a i8 [1 2] @ 0"),
            "t.s:1:23: error: expected ',' between dimensions");
  EXPECT_EQ(parseError(".tensor input a i8 [0] @ 0"),
            "t.s:1:21: error: dimension 0 is not at least 1");
  EXPECT_EQ(parseError(".tensor input a i8 [0x8000000000000000] @ 0"),
            "t.s:1:21: error: dimension 0x8000000000000000 does not fit in a "
            "signed 64-bit integer");
  EXPECT_EQ(parseError(".tensor input a i8 [1] 0"),
            "t.s:1:24: error: expected '@' before the DRAM address");
  EXPECT_EQ(parseError(".tensor input \"\" i8 [1] @ 0"),
            "t.s:1:15: error: tensor name: name is empty");
  EXPECT_EQ(parseError(".tensor input \"a\\n\" i8 [1] @ 0"),
            "t.s:1:17: error: unknown escape '\\n' (only \\\" and \\\\)");
  EXPECT_EQ(parseError(".tensor input \"a i8 [1] @ 0"),
            "t.s:1:15: error: unterminated string");
  EXPECT_EQ(
      parseError(".tensor input a i8 [1] @ 0\n.tensor output a i8 [1] @ 0"),
      "t.s:2:16: error: tensor 'a' is declared twice");
  EXPECT_EQ(parseError(".data 0g"), "t.s:1:8: error: invalid hex digit 'g'");
  EXPECT_EQ(parseError(".data abc"),
            "t.s:1:7: error: odd number of hex digits");
  EXPECT_EQ(parseError(".data"),
            "t.s:1:6: error: expected hex bytes after .data");
  EXPECT_EQ(parseError(".endlayer"),
            "t.s:1:1: error: .endlayer without an open .layer");
  EXPECT_EQ(
      parseError(".layer a\n.layer b"),
      "t.s:2:1: error: layer 'a' is still open (close it with .endlayer)");
  EXPECT_EQ(parseError(".layer a\nfinish"),
            "t.s:1:1: error: layer 'a' is not closed by .endlayer");
  // Whole-program rules, at the line responsible.
  EXPECT_EQ(parseError("# nothing\n"),
            "t.s:1:1: error: program has no instructions (it must end with "
            "finish)");
  EXPECT_EQ(parseError("fence\nfence\n"),
            "t.s:2:1: error: program does not end with finish");
  EXPECT_EQ(parseError("finish\nfinish\n"),
            "t.s:1:1: error: finish before the end of the program (only the "
            "last instruction may be finish)");
  EXPECT_EQ(parseError(".dram_bytes 4\n.data 0000\n.data 000000\nfinish"),
            "t.s:2:1: error: constants [0x0, 0x0 + 5) exceed dram_bytes 0x4");
  EXPECT_EQ(parseError(".tensor input a i32 [2] @ 0\n.dram_bytes 4\nfinish"),
            "t.s:1:1: error: tensor 'a': bytes [0x0, 0x0 + 8) exceed "
            "dram_bytes 0x4");
  EXPECT_EQ(parseError("finish\n.layer a 0 2"),
            "t.s:2:1: error: layer 'a': instructions [0, 2) are not a range "
            "within the 1 instructions of the program");
}

/// Every prefix and every single-character edit of a program's text either
/// fails with a located error or parses to a valid program that prints back
/// canonically (run under -fsanitize=address for out-of-bounds reads).
TEST(NPUAssemblyCorruption, PrefixesAndEdits) {
  std::string text = print(makeSmallProgram());
  auto check = [](const std::string &candidate) {
    llvm::Expected<Program> p = parseAssembly(candidate, "t.s");
    if (!p) {
      std::string message = llvm::toString(p.takeError());
      EXPECT_EQ(message.rfind("t.s:", 0), 0u) << message;
      EXPECT_NE(message.find(": error: "), std::string::npos) << message;
      return;
    }
    EXPECT_EQ(errorText(verifyProgram(*p)), "");
    llvm::Expected<Program> again = parseAssembly(print(*p), "u.s");
    ASSERT_TRUE(bool(again)) << llvm::toString(again.takeError());
    EXPECT_EQ(*again, *p);
  };
  for (size_t length = 0; length < text.size(); ++length)
    check(text.substr(0, length));
  for (size_t i = 0; i < text.size(); ++i) {
    for (char c :
         {'\0', ' ', '\n', '"', '\\', '#', '=', '9', 'x', '-', '[', '\xff'}) {
      std::string edited = text;
      edited[i] = c;
      check(edited);
    }
  }
}

TEST(NPUAssembly, ReadProgramFileByMagic) {
  Program p = makeSmallProgram();
  llvm::SmallString<128> binPath, asmPath;
  ASSERT_FALSE(llvm::sys::fs::createTemporaryFile("npu", "bin", binPath));
  ASSERT_FALSE(llvm::sys::fs::createTemporaryFile("npu", "s", asmPath));
  {
    std::error_code ec;
    llvm::raw_fd_ostream bin(binPath, ec);
    ASSERT_FALSE(ec);
    std::vector<uint8_t> bytes = encodeProgram(p);
    bin.write(reinterpret_cast<const char *>(bytes.data()), bytes.size());
    llvm::raw_fd_ostream text(asmPath, ec);
    ASSERT_FALSE(ec);
    printAssembly(p, text);
  }
  for (llvm::StringRef path : {binPath.str(), asmPath.str()}) {
    llvm::Expected<Program> read = readProgramFile(path);
    ASSERT_TRUE(bool(read)) << llvm::toString(read.takeError());
    EXPECT_EQ(*read, p);
  }
  llvm::sys::fs::remove(binPath);
  llvm::sys::fs::remove(asmPath);
  llvm::Expected<Program> missing = readProgramFile("/nonexistent/x.s");
  ASSERT_FALSE(bool(missing));
  EXPECT_EQ(llvm::toString(missing.takeError()),
            "cannot read '/nonexistent/x.s': No such file or directory");
  // A binary's errors name the file.
  std::string bytes(reinterpret_cast<const char *>(kBinaryMagic), 8);
  llvm::Expected<Program> bad = readProgram(bytes, "b.bin");
  ASSERT_FALSE(bool(bad));
  EXPECT_EQ(llvm::toString(bad.takeError()),
            "b.bin: npu binary: truncated: 8 bytes, the header alone is 144");
  // No magic but binary content: a damaged binary, not bad assembly.
  llvm::Expected<Program> notText =
      readProgram(llvm::StringRef("TSRNPX\0\x1a", 8), "c.bin");
  ASSERT_FALSE(bool(notText));
  EXPECT_EQ(llvm::toString(notText.takeError()),
            "c.bin: npu binary: bad magic (not a Tessera NPU binary, and not "
            "NPU assembly)");
  EXPECT_EQ(errorText(verifyProgram(p)), "");
}

} // namespace
