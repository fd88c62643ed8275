//===- Program.cpp - NPU instruction and program verification -------------===//
//
// The rules every instruction and program must satisfy independently of a
// hardware description (docs/npu/isa.md, "Verification rules"). The binary
// decoder and the assembly parser both end here, so that a program accepted by
// one is accepted by the other.
//
//===----------------------------------------------------------------------===//

#include "tessera/NPU/Program.h"

#include "ProgramDetail.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/Support/ConvertUTF.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/MemoryBuffer.h"

using namespace tessera::npu;
using llvm::Error;

Error detail::makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

//===----------------------------------------------------------------------===//
// Small helpers of Program.h
//===----------------------------------------------------------------------===//

unsigned tessera::npu::getElemBytes(ElemType type) {
  switch (type) {
  case ElemType::I8:
    return 1;
  case ElemType::I32:
    return 4;
  case ElemType::BF16:
    return 2;
  }
  return 0;
}

llvm::StringRef tessera::npu::getElemTypeName(ElemType type) {
  switch (type) {
  case ElemType::I8:
    return "i8";
  case ElemType::I32:
    return "i32";
  case ElemType::BF16:
    return "bf16";
  }
  return "<unknown>";
}

uint64_t TensorDesc::bytes() const {
  // Saturates instead of wrapping so that a huge shape fails the DRAM range
  // check instead of passing it with a small wrapped size.
  uint64_t result = getElemBytes(type);
  for (int64_t dim : shape) {
    if (dim < 0)
      return UINT64_MAX;
    result = llvm::SaturatingMultiply(result, uint64_t(dim));
  }
  return result;
}

bool TensorDesc::operator==(const TensorDesc &other) const {
  return name == other.name && kind == other.kind && type == other.type &&
         shape == other.shape && dramAddr == other.dramAddr;
}

bool LayerRange::operator==(const LayerRange &other) const {
  return name == other.name && begin == other.begin && end == other.end;
}

bool Program::operator==(const Program &other) const {
  return hwHash == other.hwHash && dramBytes == other.dramBytes &&
         constantsAddr == other.constantsAddr && constants == other.constants &&
         tensors == other.tensors && layers == other.layers &&
         insts == other.insts;
}

//===----------------------------------------------------------------------===//
// verifyInst
//===----------------------------------------------------------------------===//

static std::string hex(uint64_t value) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << llvm::format_hex(value, 0);
  return text;
}

/// Accumulator addresses and strides address int32 elements.
static Error checkMultipleOf4(const OpcodeInfo &info, const Inst &inst,
                              int64_t Inst::*member, llvm::StringRef name) {
  int64_t value = inst.*member;
  if (value % 4 == 0)
    return Error::success();
  return detail::makeError(info.mnemonic + ": " + name + " " + hex(value) +
                           " is not a multiple of 4 (it addresses the "
                           "accumulator, whose elements are int32)");
}

static Error checkAtLeast1(const OpcodeInfo &info, int64_t value,
                           llvm::StringRef name) {
  if (value >= 1)
    return Error::success();
  return detail::makeError(info.mnemonic + ": " + name + " must be at least 1");
}

/// The semantic rules of one opcode whose fields are already in range.
static Error verifySemantics(const OpcodeInfo &info, const Inst &inst) {
  switch (inst.op) {
  case Opcode::ConfigLoad:
  case Opcode::ConfigStore:
  case Opcode::ConfigTaps:
  case Opcode::Fence:
  case Opcode::Finish:
    return Error::success();
  case Opcode::ConfigExec:
    // Both sources of `vec` are accumulator rows; the destination stride is
    // not checked because the destination memory is chosen by each `vec`.
    if (Error err =
            checkMultipleOf4(info, inst, &Inst::src_stride, "src_stride"))
      return err;
    return checkMultipleOf4(info, inst, &Inst::src2_stride, "src2_stride");
  case Opcode::ConfigQuant:
    if (inst.clamp_lo > inst.clamp_hi)
      return detail::makeError(
          info.mnemonic + ": clamp_lo " + llvm::Twine(inst.clamp_lo) +
          " is greater than clamp_hi " + llvm::Twine(inst.clamp_hi));
    if (inst.bias && !inst.per_channel)
      return detail::makeError(info.mnemonic +
                               ": bias=1 needs per_channel=1 (the biases "
                               "are the third int32 of each channel's "
                               "parameters)");
    if (inst.per_channel)
      return checkMultipleOf4(info, inst, &Inst::param_addr, "param_addr");
    return Error::success();
  case Opcode::DmaLoad:
  case Opcode::DmaStore:
    if (Error err = checkAtLeast1(info, inst.rows, "rows"))
      return err;
    if (Error err = checkAtLeast1(info, inst.cols, "cols"))
      return err;
    if (inst.mem != int64_t(Mem::Accumulator))
      return Error::success();
    if (inst.op == Opcode::DmaLoad &&
        (inst.pad_top || inst.pad_bottom || inst.pad_left || inst.pad_right))
      return detail::makeError(info.mnemonic +
                               ": padding is only allowed with mem=sp");
    return checkMultipleOf4(info, inst, &Inst::sram_addr, "sram_addr");
  case Opcode::Preload:
    if (Error err = checkAtLeast1(info, inst.k, "k"))
      return err;
    return checkAtLeast1(info, inst.n, "n");
  case Opcode::Matmul:
    if (Error err = checkAtLeast1(info, inst.m, "m"))
      return err;
    if (Error err = checkMultipleOf4(info, inst, &Inst::acc_addr, "acc_addr"))
      return err;
    return checkMultipleOf4(info, inst, &Inst::acc_stride, "acc_stride");
  case Opcode::Vec:
    if (Error err = checkAtLeast1(info, inst.rows, "rows"))
      return err;
    if (Error err = checkAtLeast1(info, inst.cols, "cols"))
      return err;
    if (Error err = checkMultipleOf4(info, inst, &Inst::src_addr, "src_addr"))
      return err;
    // The table of lut is int8 in the scratchpad; every other src2_addr is
    // an accumulator address.
    if (inst.func != int64_t(VecFunc::Lut))
      if (Error err =
              checkMultipleOf4(info, inst, &Inst::src2_addr, "src2_addr"))
        return err;
    if (inst.dst_mem == int64_t(Mem::Scratchpad)) {
      if (inst.func != int64_t(VecFunc::Requant) &&
          inst.func != int64_t(VecFunc::Lut))
        return detail::makeError(
            info.mnemonic + ": func=" + getVecFuncName(VecFunc(inst.func)) +
            " writes int32 and needs dst_mem=acc (only requant and lut "
            "write sp)");
      return Error::success();
    }
    return checkMultipleOf4(info, inst, &Inst::dst_addr, "dst_addr");
  }
  return Error::success();
}

/// The fields of the other opcodes that `op` does not have, each member once
/// (the first in table order), computed once per opcode: verifyInst runs on
/// every instruction of every program.
static llvm::ArrayRef<const FieldInfo *> getForeignFields(Opcode op) {
  static const std::vector<std::vector<const FieldInfo *>> table = [] {
    std::vector<std::vector<const FieldInfo *>> result(256);
    for (const OpcodeInfo &info : getOpcodes()) {
      llvm::ArrayRef<FieldInfo> own = getFields(info.op);
      std::vector<const FieldInfo *> &foreign = result[uint8_t(info.op)];
      for (const OpcodeInfo &other : getOpcodes())
        for (const FieldInfo &field : getFields(other.op)) {
          auto same = [&](const FieldInfo &f) {
            return f.member == field.member;
          };
          if (llvm::none_of(own, same) &&
              llvm::none_of(foreign, [&](const FieldInfo *f) {
                return f->member == field.member;
              }))
            foreign.push_back(&field);
        }
    }
    return result;
  }();
  return table[uint8_t(op)];
}

Error tessera::npu::verifyInst(const Inst &inst) {
  const OpcodeInfo *info = lookupOpcode(uint8_t(inst.op));
  if (!info)
    return detail::makeError("unknown opcode " + hex(uint8_t(inst.op)));
  if (inst.deps & ~0xfu)
    return detail::makeError(info->mnemonic +
                             ": unknown dependency flag bits " +
                             hex(inst.deps & ~0xfu));
  if (Error err = detail::verifyDepFlags(*info, inst.deps))
    return err;

  llvm::ArrayRef<FieldInfo> fields = getFields(inst.op);
  for (const FieldInfo &field : fields) {
    int64_t value = inst.*field.member;
    if (value < fieldMin(field) || value > fieldMax(field))
      return detail::makeError(info->mnemonic + ": " + field.name + " " +
                               llvm::Twine(value) + " out of range [" +
                               llvm::Twine(fieldMin(field)) + ", " +
                               llvm::Twine(fieldMax(field)) + "]");
  }
  // A field of another opcode would be dropped by the encoder, so a nonzero
  // one means the producer meant something the instruction cannot say.
  for (const FieldInfo *field : getForeignFields(inst.op))
    if (inst.*field->member != 0)
      return detail::makeError(info->mnemonic + " has no field " + field->name +
                               " (it is " + llvm::Twine(inst.*field->member) +
                               ", must be 0)");
  return verifySemantics(*info, inst);
}

//===----------------------------------------------------------------------===//
// verifyProgram
//===----------------------------------------------------------------------===//

Error detail::verifyName(llvm::StringRef name) {
  if (name.empty())
    return makeError("name is empty");
  const auto *begin = reinterpret_cast<const llvm::UTF8 *>(name.data());
  if (!llvm::isLegalUTF8String(&begin, begin + name.size()))
    return makeError("name is not valid UTF-8");
  for (unsigned char c : name)
    if (c < 0x20 || c == 0x7f)
      return makeError("name contains the control character " + hex(c));
  return Error::success();
}

Error detail::verifyDepFlags(const OpcodeInfo &info, unsigned deps) {
  uint8_t allowed = getAllowedDepFlags(info.queue);
  for (DepFlag flag : kDepFlags)
    if ((deps & flag) && !(allowed & flag))
      return makeError(info.mnemonic + ": flag " + getDepFlagName(flag) +
                       " is not allowed on the " + getQueueName(info.queue) +
                       " queue");
  return Error::success();
}

/// Whether [addr, addr + size) lies inside [0, limit), without overflow.
static bool withinLimit(uint64_t addr, uint64_t size, uint64_t limit) {
  return addr <= limit && size <= limit - addr;
}

Error detail::verifyTensor(const TensorDesc &tensor, uint64_t dramBytes) {
  if (Error err = verifyName(tensor.name))
    return makeError("tensor: " + llvm::toString(std::move(err)));
  std::string prefix = "tensor '" + tensor.name + "': ";
  if (tensor.kind != TensorKind::Input && tensor.kind != TensorKind::Output)
    return makeError(prefix + "unknown kind " + llvm::Twine(int(tensor.kind)));
  if (getElemBytes(tensor.type) == 0)
    return makeError(prefix + "unknown element type " +
                     llvm::Twine(int(tensor.type)));
  for (int64_t dim : tensor.shape)
    if (dim < 1)
      return makeError(prefix + "dimension " + llvm::Twine(dim) +
                       " is not at least 1");
  uint64_t bytes = tensor.bytes();
  if (!withinLimit(tensor.dramAddr, bytes, dramBytes))
    return makeError(prefix + "bytes [" + hex(tensor.dramAddr) + ", " +
                     hex(tensor.dramAddr) + " + " + llvm::Twine(bytes) +
                     ") exceed dram_bytes " + hex(dramBytes));
  return Error::success();
}

Error detail::verifyDisjoint(const Program &program, int *culprit) {
  // The DRAM image the host prepares: every tensor and the constants own
  // their bytes. An input over the weights, or two tensors sharing bytes,
  // would make the result depend on the order the host writes them in.
  struct Region {
    uint64_t begin, end;
    std::string what;
    int tensor; // index in program.tensors, -1 for the constants
  };
  std::vector<Region> regions;
  if (!program.constants.empty())
    regions.push_back({program.constantsAddr,
                       program.constantsAddr + program.constants.size(),
                       "the constants", -1});
  for (size_t i = 0; i < program.tensors.size(); ++i) {
    const TensorDesc &tensor = program.tensors[i];
    regions.push_back({tensor.dramAddr, tensor.dramAddr + tensor.bytes(),
                       "tensor '" + tensor.name + "'", int(i)});
  }
  llvm::sort(regions, [](const Region &a, const Region &b) {
    return a.begin < b.begin;
  });
  // Sorted by start, the first overlap (if any) is between neighbours.
  for (size_t i = 1; i < regions.size(); ++i) {
    const Region &a = regions[i - 1], &b = regions[i];
    if (b.begin < a.end) {
      if (culprit)
        *culprit = b.tensor >= 0 ? b.tensor : a.tensor;
      return makeError(a.what + " [" + hex(a.begin) + ", " + hex(a.end) +
                       ") and " + b.what + " [" + hex(b.begin) + ", " +
                       hex(b.end) + ") overlap in DRAM");
    }
  }
  return Error::success();
}

Error detail::verifyLayer(const LayerRange &layer, uint64_t numInsts) {
  if (Error err = verifyName(layer.name))
    return makeError("layer: " + llvm::toString(std::move(err)));
  if (layer.begin > layer.end || layer.end > numInsts)
    return makeError("layer '" + layer.name + "': instructions [" +
                     llvm::Twine(layer.begin) + ", " + llvm::Twine(layer.end) +
                     ") are not a range within the " + llvm::Twine(numInsts) +
                     " instructions of the program");
  return Error::success();
}

Error detail::verifyConstants(uint64_t constantsAddr, uint64_t constantsSize,
                              uint64_t dramBytes) {
  if (withinLimit(constantsAddr, constantsSize, dramBytes))
    return Error::success();
  return makeError("constants [" + hex(constantsAddr) + ", " +
                   hex(constantsAddr) + " + " + llvm::Twine(constantsSize) +
                   ") exceed dram_bytes " + hex(dramBytes));
}

Error detail::verifyFinish(llvm::ArrayRef<Inst> insts) {
  if (insts.empty())
    return makeError("program has no instructions (it must end with finish)");
  for (size_t i = 0; i + 1 < insts.size(); ++i)
    if (insts[i].op == Opcode::Finish)
      return makeError("instruction " + llvm::Twine(i) +
                       ": finish before the end of the program (only the "
                       "last instruction may be finish)");
  if (insts.back().op != Opcode::Finish)
    return makeError("program does not end with finish (instruction " +
                     llvm::Twine(insts.size() - 1) + " is " +
                     getOpcodeInfo(insts.back().op).mnemonic + ")");
  return Error::success();
}

Error tessera::npu::verifyProgram(const Program &program) {
  for (size_t i = 0; i < program.insts.size(); ++i)
    if (Error err = verifyInst(program.insts[i]))
      return detail::makeError("instruction " + llvm::Twine(i) + ": " +
                               llvm::toString(std::move(err)));
  if (Error err = detail::verifyFinish(program.insts))
    return err;
  if (Error err = detail::verifyConstants(
          program.constantsAddr, program.constants.size(), program.dramBytes))
    return err;
  llvm::StringSet<> names;
  for (const TensorDesc &tensor : program.tensors) {
    if (Error err = detail::verifyTensor(tensor, program.dramBytes))
      return err;
    if (!names.insert(tensor.name).second)
      return detail::makeError("tensor '" + tensor.name +
                               "' is declared twice");
  }
  if (Error err = detail::verifyDisjoint(program))
    return err;
  for (const LayerRange &layer : program.layers)
    if (Error err = detail::verifyLayer(layer, program.insts.size()))
      return err;
  return Error::success();
}

//===----------------------------------------------------------------------===//
// Reading
//===----------------------------------------------------------------------===//

bool tessera::npu::hasBinaryMagic(llvm::ArrayRef<uint8_t> bytes) {
  return bytes.size() >= sizeof(kBinaryMagic) &&
         std::equal(std::begin(kBinaryMagic), std::end(kBinaryMagic),
                    bytes.begin());
}

llvm::Expected<Program> tessera::npu::readProgram(llvm::StringRef contents,
                                                  llvm::StringRef bufferName) {
  llvm::ArrayRef<uint8_t> bytes(
      reinterpret_cast<const uint8_t *>(contents.data()), contents.size());
  // Assembly is text: a NUL byte means a binary whose magic is damaged (or
  // not an NPU file at all), which the assembly parser would only report as
  // a stray character.
  if (!hasBinaryMagic(bytes) && contents.find('\0') != llvm::StringRef::npos)
    return detail::makeError(bufferName +
                             ": npu binary: bad magic (not a Tessera NPU "
                             "binary, and not NPU assembly)");
  if (!hasBinaryMagic(bytes))
    return parseAssembly(contents, bufferName);
  llvm::Expected<Program> program = decodeProgram(bytes);
  if (!program)
    return detail::makeError(bufferName + ": " +
                             llvm::toString(program.takeError()));
  return program;
}

llvm::Expected<Program> tessera::npu::readProgramFile(llvm::StringRef path) {
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buffer =
      llvm::MemoryBuffer::getFileOrSTDIN(path, /*IsText=*/false);
  if (!buffer)
    return detail::makeError("cannot read '" + path +
                             "': " + buffer.getError().message());
  return readProgram((*buffer)->getBuffer(), path);
}
