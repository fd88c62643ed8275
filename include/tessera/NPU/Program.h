//===- Program.h - an NPU program and its container -------------*- C++ -*-===//
//
// An NPU program: the instruction stream, the constant DRAM image (weights,
// biases, requantization tables), the I/O tensor table, per-layer instruction
// ranges and the hash of the hardware description it was compiled for. Stored
// as a versioned binary container (docs/npu/binary-format.md) or as text
// assembly (docs/npu/isa.md); both round-trip exactly.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_NPU_PROGRAM_H
#define TESSERA_NPU_PROGRAM_H

#include "tessera/NPU/ISA.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <string>
#include <vector>

namespace tessera::npu {

enum class ElemType : uint8_t { I8 = 0, I32 = 1, BF16 = 2 };
unsigned getElemBytes(ElemType type);
llvm::StringRef getElemTypeName(ElemType type); ///< i8, i32, bf16

enum class TensorKind : uint8_t { Input = 0, Output = 1 };

/// A program input or output living in DRAM at [dramAddr, dramAddr + bytes),
/// dense row-major.
struct TensorDesc {
  std::string name;
  TensorKind kind = TensorKind::Input;
  ElemType type = ElemType::I8;
  llvm::SmallVector<int64_t, 4> shape;
  uint64_t dramAddr = 0;
  uint64_t bytes() const;
  bool operator==(const TensorDesc &other) const;
};

/// Instructions [begin, end) belong to one layer (keyed by ONNX node name).
struct LayerRange {
  std::string name;
  uint32_t begin = 0;
  uint32_t end = 0;
  bool operator==(const LayerRange &other) const;
};

struct Program {
  uint64_t hwHash = 0;
  uint64_t dramBytes = 0;          ///< DRAM the program uses, in bytes
  uint64_t constantsAddr = 0;      ///< where `constants` is placed in DRAM
  std::vector<uint8_t> constants;  ///< initial DRAM image of the constants
  std::vector<TensorDesc> tensors; ///< inputs and outputs
  std::vector<LayerRange> layers;
  std::vector<Inst> insts;
  bool operator==(const Program &other) const;
};

/// Binary container versions: encodeProgram writes 1.0 when every
/// instruction is ISA version 1 (so version-1 programs stay byte-identical)
/// and 2.0 when one needs ISA version 2; decodeProgram reads both.
constexpr uint16_t kBinaryVersionMajor = 1;
constexpr uint16_t kBinaryVersionMinor = 0;
constexpr uint16_t kBinaryVersionMajorMax = 2;

/// The container major version of a program: the highest getInstIsaVersion
/// of its instructions (1 or 2).
unsigned getBinaryVersionMajor(llvm::ArrayRef<Inst> insts);

/// Checks one instruction against the ISA (field ranges, reserved bits,
/// dependency flags allowed for its queue). Does not need a hardware
/// description.
llvm::Error verifyInst(const Inst &inst);
/// Checks a whole program: instructions, tensor/constant/layer tables within
/// dramBytes and the instruction count, ends with finish.
llvm::Error verifyProgram(const Program &program);

/// Encodes one instruction (the fields must be in range: verifyInst).
std::array<uint8_t, kInstBytes> encodeInst(const Inst &inst);
/// Decodes one instruction; unknown opcode, set reserved bits or bad flags
/// are errors.
llvm::Expected<Inst> decodeInst(llvm::ArrayRef<uint8_t> bytes);

/// Binary container.
std::vector<uint8_t> encodeProgram(const Program &program);
/// Validates everything (magic, version, sizes, offsets, each instruction)
/// without ever reading out of bounds.
llvm::Expected<Program> decodeProgram(llvm::ArrayRef<uint8_t> bytes);

/// Text assembly.
void printAssembly(const Program &program, llvm::raw_ostream &os);
/// Errors are located: "<bufferName>:<line>:<col>: error: ...".
llvm::Expected<Program> parseAssembly(llvm::StringRef text,
                                      llvm::StringRef bufferName);

/// The first 8 bytes of every binary container: "TSRNPU", NUL, 0x1a.
constexpr uint8_t kBinaryMagic[8] = {'T', 'S', 'R', 'N', 'P', 'U', 0x00, 0x1a};
/// Whether `bytes` starts with kBinaryMagic.
bool hasBinaryMagic(llvm::ArrayRef<uint8_t> bytes);

/// Reads a program from memory, binary or assembly (by content: the binary
/// magic, otherwise assembly). Errors start with `bufferName`.
llvm::Expected<Program> readProgram(llvm::StringRef contents,
                                    llvm::StringRef bufferName);

/// Reads a program from a file, binary or assembly (by content: the binary
/// magic, otherwise assembly).
llvm::Expected<Program> readProgramFile(llvm::StringRef path);

} // namespace tessera::npu

#endif // TESSERA_NPU_PROGRAM_H
