//===- NPUInst.cpp - instruction ops <-> tessera::npu::Inst ---------------===//
//
// Part of Tessera. The instruction ops carry the fields of ISA.def under their
// table names, so the conversion in both directions and the range checks walk
// the ISA table instead of naming fields: a field added to ISA.def needs only
// the matching ODS attribute.
//
//===----------------------------------------------------------------------===//

#include "NPU/NPUOps.h"
#include "tessera/NPU/Program.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"

using namespace mlir;
using namespace tessera::npu;

HardwareAttr tessera::npu::lookupHardware(Operation *op) {
  for (Operation *it = op; it; it = it->getParentOp())
    if (auto hw =
            it->getAttrOfType<HardwareAttr>(NPUDialect::kHardwareAttrName))
      return hw;
  return {};
}

namespace {
/// Readers of one field from its typed property; false when a required one
/// is missing (the generic path below then names it).
bool readField(IntegerAttr attr, int64_t &out) {
  if (!attr)
    return false;
  out = attr.getValue().getSExtValue();
  return true;
}
bool readField(UnitAttr attr, int64_t &out) {
  out = attr ? 1 : 0;
  return true;
}
bool readField(MemorySpaceAttr attr, int64_t &out) {
  if (!attr)
    return false;
  out = static_cast<int64_t>(attr.getValue());
  return true;
}
bool readField(VectorFuncAttr attr, int64_t &out) {
  if (!attr)
    return false;
  out = static_cast<int64_t>(attr.getValue());
  return true;
}

/// The fields and flags of an `OpT` from its properties, without looking
/// attributes up by name (every instruction of a program is translated and
/// verified this way: ResNet-50 has about 234,000).
template <typename OpT> bool readTyped(Operation *op, Inst &inst) {
  auto typed = cast<OpT>(op);
  const auto &props = typed.getProperties();
  bool ok = true;
#define TESSERA_NPU_FIELD(OP, MEMBER, LSB, WIDTH, KIND, VERSION)               \
  if constexpr (std::is_same_v<OpT, OP##Op>)                                   \
    ok &= readField(props.MEMBER, inst.MEMBER);
#include "tessera/NPU/ISA.def"
  int64_t flag = 0;
  readField(props.pop_prev, flag);
  inst.deps |= flag ? PopPrev : 0;
  readField(props.pop_next, flag);
  inst.deps |= flag ? PopNext : 0;
  readField(props.push_prev, flag);
  inst.deps |= flag ? PushPrev : 0;
  readField(props.push_next, flag);
  inst.deps |= flag ? PushNext : 0;
  return ok;
}
/// The control instructions have neither fields nor flags.
template <> bool readTyped<FenceOp>(Operation *, Inst &) { return true; }
template <> bool readTyped<FinishOp>(Operation *, Inst &) { return true; }
} // namespace

FailureOr<Inst> tessera::npu::toInst(InstOpInterface instOp) {
  Operation *op = instOp.getOperation();
  Inst inst;
  inst.op = instOp.getOpcode();
  bool typed = false;
  switch (inst.op) {
#define TESSERA_NPU_OPCODE(ENUM, MNEMONIC, CODE, QUEUE, ...)                   \
  case Opcode::ENUM:                                                           \
    typed = readTyped<ENUM##Op>(op, inst);                                     \
    break;
#include "tessera/NPU/ISA.def"
  }
  if (typed)
    return inst;
  // A required field is missing: the generic path names it.
  inst = Inst();
  inst.op = instOp.getOpcode();
  for (const FieldInfo &field : getFields(inst.op)) {
    Attribute attr = op->getAttr(field.name);
    int64_t value = 0;
    switch (field.kind) {
    case FieldKind::B:
      value = attr ? 1 : 0;
      break;
    case FieldKind::Mem:
      if (auto mem = dyn_cast_or_null<MemorySpaceAttr>(attr)) {
        value = static_cast<int64_t>(mem.getValue());
        break;
      }
      return op->emitOpError() << "has no memory space '" << field.name << "'";
    case FieldKind::VFunc:
      if (auto func = dyn_cast_or_null<VectorFuncAttr>(attr)) {
        value = static_cast<int64_t>(func.getValue());
        break;
      }
      return op->emitOpError()
             << "has no vector function '" << field.name << "'";
    case FieldKind::U:
    case FieldKind::S:
      if (auto integer = dyn_cast_or_null<IntegerAttr>(attr)) {
        value = integer.getValue().getSExtValue();
        break;
      }
      return op->emitOpError() << "has no integer field '" << field.name << "'";
    }
    inst.*field.member = value;
  }
  for (DepFlag flag : kDepFlags)
    if (op->hasAttr(getDepFlagName(flag)))
      inst.deps |= flag;
  return inst;
}

InstOpInterface tessera::npu::createInstOp(OpBuilder &builder, Location loc,
                                           const Inst &inst) {
  return InstOpBuilder(builder.getContext()).create(builder, loc, inst);
}

InstOpBuilder::InstOpBuilder(MLIRContext *context)
    : context(context), unit(UnitAttr::get(context)), opcodes(256) {}

Attribute InstOpBuilder::getValue(const FieldInfo &field, int64_t value) {
  Attribute &attr = values[{unsigned(field.kind), value}];
  if (attr)
    return attr;
  switch (field.kind) {
  case FieldKind::B:
    attr = unit;
    break;
  case FieldKind::Mem:
    attr = MemorySpaceAttr::get(context, MemorySpace(value));
    break;
  case FieldKind::VFunc:
    attr = VectorFuncAttr::get(context, VectorFunc(value));
    break;
  case FieldKind::U:
  case FieldKind::S:
    attr = IntegerAttr::get(IntegerType::get(context, 64), value);
    break;
  }
  return attr;
}

InstOpInterface InstOpBuilder::create(OpBuilder &builder, Location loc,
                                      const Inst &inst) {
  OpcodeEntry &entry = opcodes[uint8_t(inst.op)];
  if (!entry.name) {
    entry.name.emplace(("npu." + getOpcodeInfo(inst.op).mnemonic).str(),
                       context);
    for (const FieldInfo &field : getFields(inst.op))
      entry.slots.push_back(
          {StringAttr::get(context, field.name), &field, DepFlag(0)});
    for (DepFlag flag : kDepFlags)
      entry.slots.push_back(
          {StringAttr::get(context, getDepFlagName(flag)), nullptr, flag});
  }
  // The fields go straight into the op's properties: no attribute
  // dictionary is built (and kept in the context) per instruction.
  Operation *op = builder.create(OperationState(loc, *entry.name));
  for (const Slot &slot : entry.slots) {
    if (!slot.field) {
      if (inst.deps & slot.flag)
        op->setInherentAttr(slot.name, unit);
      continue;
    }
    int64_t value = inst.*slot.field->member;
    if (slot.field->kind == FieldKind::B && !value)
      continue;
    op->setInherentAttr(slot.name, getValue(*slot.field, value));
  }
  return cast<InstOpInterface>(op);
}

static StringRef getMemoryName(MemorySpace mem) {
  return mem == MemorySpace::sp ? "scratchpad" : "accumulator";
}

/// Checks that [addr, addr + bytes) lies in `mem` of `hw`.
static LogicalResult checkFits(Operation *op, HardwareAttr hw, StringRef what,
                               MemorySpace mem, int64_t addr, int64_t bytes) {
  uint64_t size = hw.getMemoryBytes(mem);
  if (addr >= 0 && bytes >= 0 && uint64_t(addr) + uint64_t(bytes) <= size)
    return success();
  return op->emitOpError() << what << " [" << addr << ", " << addr + bytes
                           << ") exceeds the " << size << "-byte "
                           << getMemoryName(mem) << " of hardware '"
                           << hw.getName() << "'";
}

/// The checks against the hardware that the instruction determines alone.
/// Strides set by earlier config instructions and k/n of the last preload
/// are not known here, so those extents are bounded by one row or element;
/// the simulator checks the full extents when it runs.
static LogicalResult verifyAgainstHardware(Operation *op, const Inst &inst,
                                           HardwareAttr hw) {
  auto mem = [](int64_t value) { return MemorySpace(value); };
  auto elemBytes = [](MemorySpace m) { return m == MemorySpace::sp ? 1 : 4; };
  switch (inst.op) {
  case Opcode::DmaLoad: {
    MemorySpace m = mem(inst.mem);
    return checkFits(
        op, hw, "first row of the destination block", m, inst.sram_addr,
        (inst.pad_left + inst.cols + inst.pad_right) * elemBytes(m));
  }
  case Opcode::DmaStore: {
    MemorySpace m = mem(inst.mem);
    return checkFits(op, hw, "first row of the source block", m, inst.sram_addr,
                     inst.cols * elemBytes(m));
  }
  case Opcode::Preload:
    if (inst.k > hw.getRows())
      return op->emitOpError()
             << "k = " << inst.k << " exceeds the " << hw.getRows()
             << " rows of the array of hardware '" << hw.getName() << "'";
    if (inst.n > hw.getCols())
      return op->emitOpError()
             << "n = " << inst.n << " exceeds the " << hw.getCols()
             << " columns of the array of hardware '" << hw.getName() << "'";
    return checkFits(op, hw, "weight block", MemorySpace::sp, inst.sp_addr,
                     inst.k == 0 ? 0 : (inst.k - 1) * inst.sp_stride + inst.n);
  case Opcode::Matmul:
    if (inst.m == 0)
      return success();
    if (failed(checkFits(op, hw, "input rows", MemorySpace::sp, inst.sp_addr,
                         (inst.m - 1) * inst.sp_stride + 1)))
      return failure();
    return checkFits(op, hw, "output rows", MemorySpace::acc, inst.acc_addr,
                     (inst.m - 1) * inst.acc_stride + 4);
  case Opcode::Vec: {
    if (failed(checkFits(op, hw, "first source row", MemorySpace::acc,
                         inst.src_addr, 4 * inst.cols)))
      return failure();
    auto func = VectorFunc(inst.func);
    if (func == VectorFunc::lut &&
        failed(checkFits(op, hw, "lut table", MemorySpace::sp, inst.src2_addr,
                         256)))
      return failure();
    if ((func == VectorFunc::add || func == VectorFunc::max) &&
        failed(checkFits(op, hw, "first row of the second source",
                         MemorySpace::acc, inst.src2_addr, 4 * inst.cols)))
      return failure();
    MemorySpace dst = mem(inst.dst_mem);
    return checkFits(op, hw, "first destination row", dst, inst.dst_addr,
                     inst.cols * elemBytes(dst));
  }
  case Opcode::ConfigQuant:
    if (!inst.per_channel)
      return success();
    return checkFits(op, hw,
                     inst.bias ? "first per-channel parameter triple"
                               : "first per-channel parameter pair",
                     MemorySpace::acc, inst.param_addr, inst.bias ? 12 : 8);
  default:
    return success();
  }
}

LogicalResult tessera::npu::verifyInstOp(Operation *op) {
  auto instOp = dyn_cast<InstOpInterface>(op);
  if (!instOp)
    return op->emitOpError() << "is not an npu instruction";
  FailureOr<Inst> inst = toInst(instOp);
  if (failed(inst))
    return failure();

  for (const FieldInfo &field : getFields(inst->op)) {
    int64_t value = (*inst).*field.member;
    if (value < fieldMin(field) || value > fieldMax(field))
      return op->emitOpError()
             << field.name << " = " << value << " does not fit its "
             << field.width << "-bit field [" << fieldMin(field) << ", "
             << fieldMax(field) << "]";
  }

  Queue queue = getOpcodeInfo(inst->op).queue;
  uint8_t forbidden = inst->deps & ~getAllowedDepFlags(queue);
  for (DepFlag flag : kDepFlags)
    if (forbidden & flag)
      return op->emitOpError()
             << getDepFlagName(flag) << " is not allowed on a "
             << getQueueName(queue) << "-queue instruction";

  if (inst->op == Opcode::Vec &&
      VectorFunc(inst->func) != VectorFunc::requant &&
      VectorFunc(inst->func) != VectorFunc::lut &&
      MemorySpace(inst->dst_mem) != MemorySpace::acc)
    return op->emitOpError() << stringifyVectorFunc(VectorFunc(inst->func))
                             << " writes int32 and needs dst_mem = acc";
  if (inst->op == Opcode::ConfigQuant && inst->clamp_lo > inst->clamp_hi)
    return op->emitOpError() << "clamp_lo = " << inst->clamp_lo
                             << " is above clamp_hi = " << inst->clamp_hi;

  // Whatever else the ISA library rejects, in its words.
  if (llvm::Error error = verifyInst(*inst))
    return op->emitOpError() << llvm::toString(std::move(error));

  if (HardwareAttr hw = lookupHardware(op)) {
    std::string feature;
    if (getInstIsaVersion(*inst, &feature) > hw.getIsaVersion())
      return op->emitOpError()
             << "needs ISA version 2 (" << feature << "), but hardware '"
             << hw.getName() << "' has isa_version " << hw.getIsaVersion();
    return verifyAgainstHardware(op, *inst, hw);
  }
  return success();
}
