//===- Translations.cpp - raw NPU translations of tessera-translate -------===//
//
// File-to-file translations over the MLIR-free NPU library: assembly <->
// binary, a canonicalizing assembly round trip (used by the lit tests) and
// the generated encoding tables of docs/npu/isa.md.
//
//===----------------------------------------------------------------------===//

#include "tessera/Target/NPU/Translations.h"
#include "tessera/NPU/Program.h"

#include "mlir/Support/LLVM.h"
#include "mlir/Tools/mlir-translate/Translation.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/SourceMgr.h"

using namespace tessera::npu;

/// Reads the main buffer as a program (binary or assembly, by its magic);
/// errors go to stderr.
static std::optional<Program>
readMainBuffer(const std::shared_ptr<llvm::SourceMgr> &sourceMgr) {
  const llvm::MemoryBuffer *buffer =
      sourceMgr->getMemoryBuffer(sourceMgr->getMainFileID());
  llvm::Expected<Program> program =
      readProgram(buffer->getBuffer(), buffer->getBufferIdentifier());
  if (!program) {
    llvm::errs() << llvm::toString(program.takeError()) << '\n';
    return std::nullopt;
  }
  return std::move(*program);
}

/// Writes the markdown encoding table of every opcode, each between the
/// markers that test/NPU/asm/isa-doc.test looks for in docs/npu/isa.md.
static void printEncodingTables(llvm::raw_ostream &os) {
  auto bitRange = [](unsigned lsb, unsigned width) {
    if (width == 1)
      return std::to_string(lsb);
    return std::to_string(lsb) + "–" + std::to_string(lsb + width - 1);
  };
  auto kindName = [](FieldKind kind) -> llvm::StringRef {
    switch (kind) {
    case FieldKind::U:
      return "unsigned";
    case FieldKind::S:
      return "signed";
    case FieldKind::B:
      return "flag";
    case FieldKind::Mem:
      return "mem";
    case FieldKind::VFunc:
      return "vec func";
    }
    return "";
  };
  os << "<!-- BEGIN GENERATED OPCODES -->\n";
  os << "| opcode | mnemonic | queue | version | fields |\n";
  os << "|--------|----------|-------|---------|--------|\n";
  for (const OpcodeInfo &info : getOpcodes()) {
    os << "| " << llvm::format_hex(info.code, 4) << " | [`" << info.mnemonic
       << "`](#" << info.mnemonic << ") | " << getQueueName(info.queue) << " | "
       << info.version << " | ";
    if (getFields(info.op).empty())
      os << "none";
    llvm::interleave(
        getFields(info.op), os,
        [&](const FieldInfo &field) {
          os << field.name;
          if (field.version > info.version)
            os << " (v" << field.version << ")";
        },
        ", ");
    os << " |\n";
  }
  os << "<!-- END GENERATED OPCODES -->\n";
  for (const OpcodeInfo &info : getOpcodes()) {
    os << "<!-- BEGIN GENERATED ENCODING " << info.mnemonic << " -->\n";
    os << "| bits | field | kind | values |\n";
    os << "|------|-------|------|--------|\n";
    os << "| 0–7 | opcode | | " << llvm::format_hex(info.code, 4) << " |\n";
    bool covered[kInstBytes * 8] = {};
    for (unsigned bit = 0; bit < 12; ++bit)
      covered[bit] = true;
    uint8_t allowed = getAllowedDepFlags(info.queue);
    for (unsigned i = 0; i < 4; ++i) {
      os << "| " << 8 + i << " | " << getDepFlagName(kDepFlags[i])
         << " | flag | "
         << ((allowed & kDepFlags[i]) ? "0 or 1"
                                      : "0 (not allowed on this queue)")
         << " |\n";
    }
    for (const FieldInfo &field : getFields(info.op)) {
      for (unsigned bit = field.lsb; bit < field.lsb + field.width; ++bit)
        covered[bit] = true;
      os << "| " << bitRange(field.lsb, field.width) << " | " << field.name
         << " | " << kindName(field.kind) << " | ";
      if (field.kind == FieldKind::Mem)
        os << "0 = sp, 1 = acc";
      else if (field.kind == FieldKind::VFunc)
        for (unsigned i = 0; i < kNumVecFuncs; ++i) {
          os << (i ? ", " : "") << i << " = " << getVecFuncName(VecFunc(i));
          if (getVecFuncVersion(VecFunc(i)) > info.version)
            os << " (version " << getVecFuncVersion(VecFunc(i)) << ")";
        }
      else
        os << fieldMin(field) << " … " << fieldMax(field);
      if (field.version > info.version)
        os << " (version " << field.version << ")";
      os << " |\n";
    }
    std::string reserved;
    for (unsigned bit = 0; bit < kInstBytes * 8;) {
      if (covered[bit]) {
        ++bit;
        continue;
      }
      unsigned begin = bit;
      while (bit < kInstBytes * 8 && !covered[bit])
        ++bit;
      if (!reserved.empty())
        reserved += ", ";
      reserved += bitRange(begin, bit - begin);
    }
    os << "| " << reserved << " | reserved | | 0 |\n";
    os << "<!-- END GENERATED ENCODING " << info.mnemonic << " -->\n";
  }
}

void tessera::npu::registerNPUTranslations() {
  static mlir::TranslateRegistration asmToBin(
      "npu-asm-to-bin", "NPU assembly (or binary) to the NPU binary container",
      [](const std::shared_ptr<llvm::SourceMgr> &sourceMgr,
         llvm::raw_ostream &output, mlir::MLIRContext *) {
        std::optional<Program> program = readMainBuffer(sourceMgr);
        if (!program)
          return mlir::failure();
        std::vector<uint8_t> bytes = encodeProgram(*program);
        output.write(reinterpret_cast<const char *>(bytes.data()),
                     bytes.size());
        return mlir::success();
      });
  static mlir::TranslateRegistration binToAsm(
      "npu-bin-to-asm", "NPU binary container (or assembly) to NPU assembly",
      [](const std::shared_ptr<llvm::SourceMgr> &sourceMgr,
         llvm::raw_ostream &output, mlir::MLIRContext *) {
        std::optional<Program> program = readMainBuffer(sourceMgr);
        if (!program)
          return mlir::failure();
        printAssembly(*program, output);
        return mlir::success();
      });
  static mlir::TranslateRegistration roundtrip(
      "npu-asm-roundtrip",
      "parse NPU assembly, verify it and print it canonically",
      [](const std::shared_ptr<llvm::SourceMgr> &sourceMgr,
         llvm::raw_ostream &output, mlir::MLIRContext *) {
        const llvm::MemoryBuffer *buffer =
            sourceMgr->getMemoryBuffer(sourceMgr->getMainFileID());
        llvm::Expected<Program> program =
            parseAssembly(buffer->getBuffer(), buffer->getBufferIdentifier());
        if (!program) {
          llvm::errs() << llvm::toString(program.takeError()) << '\n';
          return mlir::failure();
        }
        printAssembly(*program, output);
        return mlir::success();
      });
  static mlir::TranslateRegistration isaTable(
      "npu-isa-table",
      "print the NPU encoding tables of docs/npu/isa.md (input ignored)",
      [](const std::shared_ptr<llvm::SourceMgr> &, llvm::raw_ostream &output,
         mlir::MLIRContext *) {
        printEncodingTables(output);
        return mlir::success();
      });
}
