//===- NPUOps.cpp - npu dialect -------------------------------------------===//
//
// Part of Tessera.
//
//===----------------------------------------------------------------------===//

#include "NPU/NPUOps.h"
#include "tessera/NPU/Hardware.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectImplementation.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace tessera::npu;

#include "NPU/NPUDialect.cpp.inc"
#include "NPU/NPUEnums.cpp.inc"
#include "NPU/NPUInterfaces.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "NPU/NPUAttrs.cpp.inc"

#define GET_OP_CLASSES
#include "NPU/NPUOps.cpp.inc"

void NPUDialect::initialize() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "NPU/NPUAttrs.cpp.inc"
      >();
  addOperations<
#define GET_OP_LIST
#include "NPU/NPUOps.cpp.inc"
      >();
}

LogicalResult NPUDialect::verifyOperationAttribute(Operation *op,
                                                   NamedAttribute attr) {
  // The placement of a host function's ops (tessera-npu-place).
  if (attr.getName() == "npu.place") {
    auto place = dyn_cast<StringAttr>(attr.getValue());
    if (!place || (place.getValue() != "host" && place.getValue() != "npu"))
      return op->emitError() << "'npu.place' must be \"host\" or \"npu\"";
    return success();
  }
  if (attr.getName() == "npu.reason" || attr.getName() == "npu.tiling") {
    if (!isa<StringAttr>(attr.getValue()))
      return op->emitError()
             << "'" << attr.getName().getValue() << "' must be a string";
    return success();
  }
  if (attr.getName() != kHardwareAttrName)
    return op->emitError() << "unknown npu attribute '"
                           << attr.getName().getValue() << "'";
  if (!isa<HardwareAttr>(attr.getValue()))
    return op->emitError() << "'" << kHardwareAttrName
                           << "' must be a #npu.hardware attribute";
  if (!isa<ModuleOp>(op))
    return op->emitError() << "'" << kHardwareAttrName
                           << "' belongs on a builtin.module";
  return success();
}

//===----------------------------------------------------------------------===//
// HardwareAttr
//===----------------------------------------------------------------------===//

HardwareAttr HardwareAttr::get(MLIRContext *context, const HardwareDesc &desc) {
  return HardwareAttr::get(context, desc.name, desc.rows, desc.cols,
                           desc.scratchpadBytes, desc.accumulatorBytes,
                           desc.vectorLanes, hashHardwareDesc(desc),
                           desc.isaVersion);
}

LogicalResult HardwareAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                   StringRef name, unsigned rows, unsigned cols,
                                   uint64_t scratchpadBytes,
                                   uint64_t accumulatorBytes,
                                   unsigned vectorLanes, uint64_t hash,
                                   unsigned isaVersion) {
  if (rows == 0 || cols == 0)
    return emitError() << "the array needs at least one row and one column, "
                          "got "
                       << rows << "x" << cols;
  if (scratchpadBytes == 0 || accumulatorBytes == 0)
    return emitError() << "scratchpad_bytes and accumulator_bytes must be "
                          "positive";
  if (vectorLanes == 0)
    return emitError() << "vector_lanes must be positive";
  if (isaVersion < 1 || isaVersion > kMaxIsaVersion)
    return emitError() << "isa_version must be 1 or 2, got " << isaVersion;
  return success();
}

//===----------------------------------------------------------------------===//
// Program structure
//===----------------------------------------------------------------------===//

/// Bytes of one element of an NPU tensor or constant, 0 if the element type
/// is not one the NPU stores (i8, i32, bf16).
static int64_t getNPUElementBytes(Type type) {
  if (type.isInteger(8))
    return 1;
  if (type.isInteger(32))
    return 4;
  if (type.isBF16())
    return 2;
  return 0;
}

LogicalResult TensorOp::verify() {
  auto type = cast<RankedTensorType>(getType());
  if (!type.hasStaticShape())
    return emitOpError() << "needs a static shape, got " << type;
  if (!getNPUElementBytes(type.getElementType()))
    return emitOpError() << "element type must be i8, i32 or bf16, got "
                         << type.getElementType();
  if (getDramAddr() < 0)
    return emitOpError() << "dram_addr must not be negative";
  return success();
}

LogicalResult ConstantOp::verify() {
  auto type = dyn_cast<ShapedType>(getValue().getType());
  if (!type || !getNPUElementBytes(type.getElementType()))
    return emitOpError() << "value must have i8, i32 or bf16 elements";
  if (getDramAddr() < 0)
    return emitOpError() << "dram_addr must not be negative";
  return success();
}

namespace {
/// A DRAM range some op of a program claims.
struct DramRange {
  Operation *op;
  int64_t begin, end;
};
} // namespace

LogicalResult ProgramOp::verify() {
  if (getDramBytes() && *getDramBytes() < 0)
    return emitOpError() << "dram_bytes must not be negative";
  llvm::StringMap<TensorOp> tensors;
  SmallVector<DramRange> ranges;
  for (Operation &op : getBody().front()) {
    if (auto tensor = dyn_cast<TensorOp>(op)) {
      auto [it, inserted] = tensors.try_emplace(tensor.getName(), tensor);
      if (!inserted)
        return tensor.emitOpError()
               << "redefines tensor '" << tensor.getName() << "'";
      auto type = cast<RankedTensorType>(tensor.getType());
      ranges.push_back({&op, tensor.getDramAddr(),
                        tensor.getDramAddr() +
                            type.getNumElements() *
                                getNPUElementBytes(type.getElementType())});
    } else if (auto constant = dyn_cast<ConstantOp>(op)) {
      auto type = cast<ShapedType>(constant.getValue().getType());
      ranges.push_back({&op, constant.getDramAddr(),
                        constant.getDramAddr() +
                            type.getNumElements() *
                                getNPUElementBytes(type.getElementType())});
    }
  }
  llvm::sort(ranges, [](const DramRange &a, const DramRange &b) {
    return a.begin < b.begin;
  });
  for (size_t i = 1; i < ranges.size(); ++i)
    if (ranges[i].begin < ranges[i - 1].end)
      return ranges[i].op->emitOpError()
             << "DRAM range [" << ranges[i].begin << ", " << ranges[i].end
             << ") overlaps [" << ranges[i - 1].begin << ", "
             << ranges[i - 1].end << ") of another tensor or constant";
  if (getDramBytes() && !ranges.empty()) {
    const DramRange &last =
        *llvm::max_element(ranges, [](const DramRange &a, const DramRange &b) {
          return a.end < b.end;
        });
    if (last.end > *getDramBytes())
      return last.op->emitOpError()
             << "DRAM range [" << last.begin << ", " << last.end
             << ") exceeds the program's dram_bytes = " << *getDramBytes();
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Tile ops
//===----------------------------------------------------------------------===//

namespace {
/// Extents are computed in 128 bits: the attributes are arbitrary i64 and
/// their products must not wrap before the range checks see them.
using Wide = __int128;

/// The checks shared by both tile ops; `rows` is the number of output rows
/// (M, or OH*OW) and `cols` the output channels.
template <typename TileOp>
LogicalResult verifyTileCommon(TileOp op, HardwareAttr hw, Wide rows,
                               Wide cols) {
  int64_t cStride = op.getCStride();
  if (Wide(cStride) < 4 * cols)
    return op.emitOpError() << "c stride " << cStride << " is below the "
                            << int64_t(4 * cols) << " bytes of one output row";
  bool anyRequant = op.getMultiplier() || op.getShift() || op.getZeroPoint() ||
                    op.getClampLo() || op.getClampHi() || op.getOutAddr() ||
                    op.getOutStride();
  bool allRequant = op.getMultiplier() && op.getShift() && op.getZeroPoint() &&
                    op.getClampLo() && op.getClampHi() && op.getOutAddr() &&
                    op.getOutStride();
  if (anyRequant && !allRequant)
    return op.emitOpError() << "requant needs multiplier, shift, zero_point, "
                               "clamp_lo, clamp_hi, out_addr and out_stride "
                               "together";
  if (allRequant) {
    // The epilogue becomes a config_quant: its fields obey the same table.
    for (const FieldInfo &field : getFields(Opcode::ConfigQuant)) {
      IntegerAttr value = op->template getAttrOfType<IntegerAttr>(field.name);
      if (!value)
        continue;
      int64_t v = value.getInt();
      if (v < fieldMin(field) || v > fieldMax(field))
        return op.emitOpError()
               << field.name << " = " << v << " does not fit its "
               << field.width << "-bit field [" << fieldMin(field) << ", "
               << fieldMax(field) << "]";
    }
    if (*op.getClampLo() > *op.getClampHi())
      return op.emitOpError() << "clamp_lo = " << *op.getClampLo()
                              << " is above clamp_hi = " << *op.getClampHi();
    if (Wide(*op.getOutStride()) < cols)
      return op.emitOpError()
             << "out stride " << *op.getOutStride() << " is below the "
             << int64_t(cols) << " bytes of one output row";
  }
  if (!hw)
    return success();
  auto fits = [&](StringRef what, MemorySpace mem, Wide addr,
                  Wide bytes) -> LogicalResult {
    uint64_t size = hw.getMemoryBytes(mem);
    if (addr >= 0 && addr + bytes <= Wide(size))
      return success();
    return op.emitOpError()
           << what << " [" << int64_t(addr) << ", " << int64_t(addr + bytes)
           << ") exceeds the " << size << "-byte "
           << (mem == MemorySpace::sp ? "scratchpad" : "accumulator")
           << " of hardware '" << hw.getName() << "'";
  };
  if (failed(fits("c", MemorySpace::acc, op.getCAddr(),
                  (rows - 1) * cStride + 4 * cols)))
    return failure();
  if (allRequant && failed(fits("out", MemorySpace::sp, *op.getOutAddr(),
                                (rows - 1) * *op.getOutStride() + cols)))
    return failure();
  return success();
}

/// `name` = value must be at least `min`.
template <typename TileOp>
LogicalResult checkAtLeast(TileOp op, StringRef name, int64_t value,
                           int64_t min) {
  if (value >= min)
    return success();
  return op.emitOpError() << name << " = " << value << " must be at least "
                          << min;
}
} // namespace

LogicalResult TileMatmulOp::verify() {
  for (auto [name, value] : {std::pair<StringRef, int64_t>{"m", getM()},
                             {"k", getK()},
                             {"n", getN()}})
    if (failed(checkAtLeast(*this, name, value, 1)))
      return failure();
  if (getAStride() < getK())
    return emitOpError() << "a stride " << getAStride()
                         << " is below the k = " << getK()
                         << " bytes of one row of a";
  if (getBStride() < getN())
    return emitOpError() << "b stride " << getBStride()
                         << " is below the n = " << getN()
                         << " bytes of one row of b";
  HardwareAttr hw = lookupHardware(*this);
  if (failed(verifyTileCommon(*this, hw, getM(), getN())))
    return failure();
  if (!hw)
    return success();
  uint64_t sp = hw.getScratchpadBytes();
  Wide aEnd = Wide(getAAddr()) + Wide(getM() - 1) * getAStride() + getK();
  if (getAAddr() < 0 || aEnd > Wide(sp))
    return emitOpError() << "a [" << getAAddr() << ", " << int64_t(aEnd)
                         << ") exceeds the " << sp
                         << "-byte scratchpad of hardware '" << hw.getName()
                         << "'";
  Wide bEnd = Wide(getBAddr()) + Wide(getK() - 1) * getBStride() + getN();
  if (getBAddr() < 0 || bEnd > Wide(sp))
    return emitOpError() << "b [" << getBAddr() << ", " << int64_t(bEnd)
                         << ") exceeds the " << sp
                         << "-byte scratchpad of hardware '" << hw.getName()
                         << "'";
  return success();
}

LogicalResult TileConvOp::verify() {
  for (auto [name, value] :
       {std::pair<StringRef, int64_t>{"channels", getInChannels()},
        {"kernel_h", getKernelH()},
        {"kernel_w", getKernelW()},
        {"stride_h", getStrideH()},
        {"stride_w", getStrideW()},
        {"out_h", getOutH()},
        {"out_w", getOutW()},
        {"out_channels", getOutChannels()}})
    if (failed(checkAtLeast(*this, name, value, 1)))
      return failure();
  Wide cin = getInChannels();
  Wide rowBytes = (Wide(getOutW() - 1) * getStrideW() + getKernelW()) * cin;
  if (Wide(getInRowStride()) < rowBytes)
    return emitOpError() << "row_stride " << getInRowStride()
                         << " is below the " << int64_t(rowBytes)
                         << " bytes of the input pixels one output row reads";
  if (getWStride() < getOutChannels())
    return emitOpError() << "w stride " << getWStride() << " is below the "
                         << getOutChannels()
                         << " bytes of one row of the weights";
  HardwareAttr hw = lookupHardware(*this);
  Wide rows = Wide(getOutH()) * getOutW();
  if (failed(verifyTileCommon(*this, hw, rows, getOutChannels())))
    return failure();
  if (!hw)
    return success();
  uint64_t sp = hw.getScratchpadBytes();
  Wide inEnd = Wide(getInAddr()) +
               (Wide(getOutH() - 1) * getStrideH() + getKernelH() - 1) *
                   getInRowStride() +
               rowBytes;
  if (getInAddr() < 0 || inEnd > Wide(sp))
    return emitOpError() << "in [" << getInAddr() << ", " << int64_t(inEnd)
                         << ") exceeds the " << sp
                         << "-byte scratchpad of hardware '" << hw.getName()
                         << "'";
  Wide wEnd = Wide(getWAddr()) +
              (Wide(getKernelH()) * getKernelW() * cin - 1) * getWStride() +
              getOutChannels();
  if (getWAddr() < 0 || wEnd > Wide(sp))
    return emitOpError() << "w [" << getWAddr() << ", " << int64_t(wEnd)
                         << ") exceeds the " << sp
                         << "-byte scratchpad of hardware '" << hw.getName()
                         << "'";
  return success();
}

//===----------------------------------------------------------------------===//
// LaunchOp
//===----------------------------------------------------------------------===//

LogicalResult LaunchOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  auto program =
      symbolTable.lookupNearestSymbolFrom<ProgramOp>(*this, getProgramAttr());
  if (!program)
    return emitOpError() << "names " << getProgramAttr()
                         << ", which is not an npu.program";
  SmallVector<Type> inputs, outputs;
  for (auto tensor : program.getBody().getOps<TensorOp>())
    (tensor.getKind() == IOKind::input ? inputs : outputs)
        .push_back(tensor.getType());
  auto check = [&](StringRef what, TypeRange got,
                   ArrayRef<Type> want) -> LogicalResult {
    if (got.size() != want.size())
      return emitOpError() << "has " << got.size() << " " << what
                           << " but program " << getProgramAttr() << " has "
                           << want.size();
    for (auto [i, pair] : llvm::enumerate(llvm::zip(got, want)))
      if (std::get<0>(pair) != std::get<1>(pair))
        return emitOpError() << what << " #" << i << " is " << std::get<0>(pair)
                             << " but program " << getProgramAttr()
                             << " declares " << std::get<1>(pair);
    return success();
  };
  if (failed(check("inputs", getInputs().getTypes(), inputs)))
    return failure();
  return check("results", getResults().getTypes(), outputs);
}
