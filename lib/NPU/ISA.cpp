//===- ISA.cpp - Tessera NPU instruction tables ---------------------------===//
//
// Turns ISA.def into the opcode and field tables every other part of the NPU
// (encoder, decoder, assembly, simulator) reads, so that no instruction is
// described twice.
//
//===----------------------------------------------------------------------===//

#include "tessera/NPU/ISA.h"

#include "llvm/ADT/Twine.h"

#include <array>
#include <utility>
#include <vector>

using namespace tessera::npu;

static constexpr OpcodeInfo kOpcodes[] = {
#define TESSERA_NPU_OPCODE(ENUM, MNEMONIC, CODE, QUEUE, VERSION)               \
  {Opcode::ENUM, MNEMONIC, CODE, Queue::QUEUE, VERSION},
#include "tessera/NPU/ISA.def"
};

static const FieldInfo kFields[] = {
#define TESSERA_NPU_FIELD(OP, MEMBER, LSB, WIDTH, KIND, VERSION)               \
  {Opcode::OP, #MEMBER, &Inst::MEMBER, LSB, WIDTH, FieldKind::KIND, VERSION},
#include "tessera/NPU/ISA.def"
};

namespace {
/// Per opcode byte: its OpcodeInfo (or a placeholder for unknown bytes, so
/// getOpcodeInfo can return a reference for any value) and its field slice.
struct Tables {
  std::vector<OpcodeInfo> infos;
  std::array<std::pair<unsigned, unsigned>, 256> fieldSlices{};
  std::array<bool, 256> known{};

  Tables() {
    infos.reserve(256);
    for (unsigned code = 0; code < 256; ++code)
      infos.push_back(
          {Opcode(code), "<unknown>", uint8_t(code), Queue::Control, 1});
    for (const OpcodeInfo &info : kOpcodes) {
      infos[info.code] = info;
      known[info.code] = true;
    }
    // ISA.def lists the fields of an opcode right after it, so each opcode's
    // fields form one contiguous slice (checked by the unit tests).
    unsigned numFields = std::size(kFields);
    for (unsigned i = 0; i < numFields;) {
      unsigned begin = i;
      uint8_t code = uint8_t(kFields[i].op);
      while (i < numFields && uint8_t(kFields[i].op) == code)
        ++i;
      fieldSlices[code] = {begin, i - begin};
    }
  }
};
} // namespace

static const Tables &getTables() {
  static const Tables tables;
  return tables;
}

llvm::ArrayRef<OpcodeInfo> tessera::npu::getOpcodes() { return kOpcodes; }

llvm::ArrayRef<FieldInfo> tessera::npu::getFields(Opcode op) {
  auto [begin, count] = getTables().fieldSlices[uint8_t(op)];
  return llvm::ArrayRef<FieldInfo>(kFields).slice(begin, count);
}

const OpcodeInfo *tessera::npu::lookupOpcode(uint8_t code) {
  const Tables &tables = getTables();
  return tables.known[code] ? &tables.infos[code] : nullptr;
}

const OpcodeInfo *tessera::npu::lookupOpcode(llvm::StringRef mnemonic) {
  for (const OpcodeInfo &info : kOpcodes)
    if (info.mnemonic == mnemonic)
      return &info;
  return nullptr;
}

const OpcodeInfo &tessera::npu::getOpcodeInfo(Opcode op) {
  return getTables().infos[uint8_t(op)];
}

llvm::StringRef tessera::npu::getVecFuncName(VecFunc func) {
  switch (func) {
  case VecFunc::Requant:
    return "requant";
  case VecFunc::Relu:
    return "relu";
  case VecFunc::Add:
    return "add";
  case VecFunc::Max:
    return "max";
  case VecFunc::Lut:
    return "lut";
  }
  return "<unknown>";
}

unsigned tessera::npu::getVecFuncVersion(VecFunc func) {
  return func == VecFunc::Lut ? 2 : 1;
}

unsigned tessera::npu::getInstIsaVersion(const Inst &inst,
                                         std::string *feature) {
  if (feature)
    feature->clear();
  const OpcodeInfo &info = getOpcodeInfo(inst.op);
  auto found = [&](const llvm::Twine &what) {
    if (feature)
      *feature = what.str();
    return 2u;
  };
  if (info.version >= 2)
    return found(info.mnemonic);
  if (inst.op == Opcode::Vec && getVecFuncVersion(VecFunc(inst.func)) >= 2)
    return found(info.mnemonic + " func=" + getVecFuncName(VecFunc(inst.func)));
  for (const FieldInfo &field : getFields(inst.op))
    if (field.version >= 2 && inst.*field.member != 0)
      return found(info.mnemonic + " " + field.name);
  return 1;
}

std::optional<VecFunc> tessera::npu::parseVecFunc(llvm::StringRef name) {
  for (unsigned i = 0; i < kNumVecFuncs; ++i)
    if (getVecFuncName(VecFunc(i)) == name)
      return VecFunc(i);
  return std::nullopt;
}

int64_t tessera::npu::fieldMin(const FieldInfo &field) {
  if (field.kind == FieldKind::S)
    return -(int64_t(1) << (field.width - 1));
  return 0;
}

int64_t tessera::npu::fieldMax(const FieldInfo &field) {
  switch (field.kind) {
  case FieldKind::U:
    return (int64_t(1) << field.width) - 1;
  case FieldKind::S:
    return (int64_t(1) << (field.width - 1)) - 1;
  case FieldKind::B:
  case FieldKind::Mem:
    return 1;
  case FieldKind::VFunc:
    return kNumVecFuncs - 1;
  }
  return 0;
}

llvm::StringRef tessera::npu::getQueueName(Queue queue) {
  switch (queue) {
  case Queue::Load:
    return "load";
  case Queue::Execute:
    return "execute";
  case Queue::Store:
    return "store";
  case Queue::Control:
    return "control";
  }
  return "<unknown>";
}

uint8_t tessera::npu::getAllowedDepFlags(Queue queue) {
  switch (queue) {
  case Queue::Load:
    return PopNext | PushNext;
  case Queue::Execute:
    return PopPrev | PopNext | PushPrev | PushNext;
  case Queue::Store:
    return PopPrev | PushPrev;
  case Queue::Control:
    return 0;
  }
  return 0;
}

llvm::StringRef tessera::npu::getDepFlagName(DepFlag flag) {
  switch (flag) {
  case PopPrev:
    return "pop_prev";
  case PopNext:
    return "pop_next";
  case PushPrev:
    return "push_prev";
  case PushNext:
    return "push_next";
  }
  return "<unknown>";
}

llvm::StringRef tessera::npu::getMemName(Mem mem) {
  return mem == Mem::Scratchpad ? "sp" : "acc";
}

bool Inst::operator==(const Inst &other) const {
  if (op != other.op || deps != other.deps)
    return false;
  // Every member of Inst is some opcode's field, so comparing through the
  // whole field table compares the whole struct, including fields `op` does
  // not have (which verifyInst requires to be zero).
  for (const FieldInfo &field : kFields)
    if (this->*field.member != other.*field.member)
      return false;
  return true;
}
