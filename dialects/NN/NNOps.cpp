//===- NNOps.cpp - nn dialect ---------------------------------------------===//
//
// Part of Tessera. Dialect registration, the hand-written ops and the
// verifier shared by every ONNX-mirroring op.
//
//===----------------------------------------------------------------------===//

#include "NN/NNOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectImplementation.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

using namespace mlir;
using namespace tessera::nn;

#include "NN/NNDialect.cpp.inc"
#include "NN/NNInterfaces.cpp.inc"

void NNDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "NN/NNOps.cpp.inc"
      >();
}

Operation *NNDialect::materializeConstant(OpBuilder &builder, Attribute value,
                                          Type type, Location loc) {
  if (isa<NoneType>(type))
    return NoneOp::create(builder, loc, type);
  auto elements = dyn_cast<ElementsAttr>(value);
  if (!elements || elements.getType() != type)
    return nullptr;
  return ConstantOp::create(builder, loc, type, elements);
}

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

OpFoldResult NoneOp::fold(FoldAdaptor) { return UnitAttr::get(getContext()); }

//===----------------------------------------------------------------------===//
// FusedOp
//===----------------------------------------------------------------------===//

StringRef FusedOp::getAnchorKind(Operation *op) {
  return llvm::TypeSwitch<Operation *, StringRef>(op)
      .Case<ConvOp>([](auto) { return "conv"; })
      .Case<ConvTransposeOp>([](auto) { return "conv_transpose"; })
      .Case<GemmOp>([](auto) { return "gemm"; })
      .Case<MatMulOp>([](auto) { return "matmul"; })
      .Default([](Operation *) { return StringRef(); });
}

Operation *FusedOp::getAnchor() {
  if (getKind() == "elementwise")
    return nullptr;
  for (Operation &op : getBody().front())
    if (!isa<ConstantOp, NoneOp>(op))
      return &op;
  return nullptr;
}

LogicalResult FusedOp::verify() {
  StringRef kind = getKind();
  if (kind != "conv" && kind != "conv_transpose" && kind != "gemm" &&
      kind != "matmul" && kind != "elementwise")
    return emitOpError() << "has unknown kind '" << kind
                         << "' (expected conv, conv_transpose, gemm, matmul "
                            "or elementwise)";
  return success();
}

LogicalResult FusedOp::verifyRegions() {
  Block &body = getBody().front();
  if (body.getArgumentTypes() != getInputs().getTypes())
    return emitOpError()
           << "body arguments must have the types of the operands";
  auto yield = dyn_cast<YieldOp>(body.getTerminator());
  if (!yield)
    return emitOpError() << "body must end in 'nn.yield'";
  if (yield.getValues().getTypes() != getResultTypes())
    return emitOpError() << "yields " << yield.getValues().getTypes()
                         << " but the op results are " << getResultTypes();
  Operation *first = nullptr;
  for (Operation &op : body) {
    if (op.getDialect() != (*this)->getDialect())
      return op.emitOpError() << "is not an nn op: only nn ops may be fused";
    if (isa<FusedOp>(op))
      return op.emitOpError() << "cannot be nested in 'nn.fused'";
    if (!first && !isa<ConstantOp, NoneOp, YieldOp>(op))
      first = &op;
    if (&op != first && !getAnchorKind(&op).empty())
      return op.emitOpError() << "is an anchor but not the group's first op";
  }
  StringRef anchorKind = first ? getAnchorKind(first) : StringRef();
  if (getKind() == "elementwise") {
    if (!anchorKind.empty())
      return emitOpError() << "of kind 'elementwise' starts with anchor '"
                           << first->getName() << "'";
    return success();
  }
  if (anchorKind != getKind())
    return emitOpError() << "of kind '" << getKind()
                         << "' must start with its anchor op, not "
                         << (first ? first->getName().getStringRef()
                                   : StringRef("nothing"));
  return success();
}

//===----------------------------------------------------------------------===//
// Integer quantization ops
//===----------------------------------------------------------------------===//

/// Checks that parameter `name` holds `count` values: one without `axis`, one
/// per slice along `axis` of `input` with it.
static LogicalResult verifyParameterCount(Operation *op, Value input,
                                          std::optional<int64_t> axis,
                                          StringRef name, size_t count) {
  if (!axis) {
    if (count != 1)
      return op->emitOpError()
             << "has " << count << " '" << name
             << "' values but no 'axis' (per tensor takes one)";
    return success();
  }
  auto type = dyn_cast<RankedTensorType>(input.getType());
  if (!type)
    return op->emitOpError() << "with 'axis' needs a ranked input";
  int64_t rank = type.getRank();
  if (*axis < -rank || *axis >= rank)
    return op->emitOpError()
           << "has axis " << *axis << " out of range for rank " << rank;
  int64_t dim = *axis < 0 ? *axis + rank : *axis;
  if (!type.isDynamicDim(dim) &&
      static_cast<int64_t>(count) != type.getDimSize(dim))
    return op->emitOpError()
           << "has " << count << " '" << name << "' values but dim " << dim
           << " has size " << type.getDimSize(dim);
  return success();
}

static LogicalResult verifyInt8(Operation *op, StringRef name, int64_t value) {
  if (value < -128 || value > 127)
    return op->emitOpError()
           << "'" << name << "' " << value << " is not an int8 value";
  return success();
}

LogicalResult RequantizeOp::verifyAttributes() {
  Operation *op = getOperation();
  if (failed(verifyParameterCount(op, getX(), getAxis(), "multiplier",
                                  getMultiplier().size())) ||
      failed(verifyParameterCount(op, getX(), getAxis(), "shift",
                                  getShift().size())))
    return failure();
  for (int32_t shift : getShift())
    if (shift < 0 || shift > 63)
      return emitOpError() << "shift " << shift << " is not in 0..63";
  // An int32 result (dst=acc) takes any int32 zero point and clamp.
  bool toInt8 = getY().getType().getElementType().isInteger(8);
  if (toInt8 &&
      (failed(verifyInt8(op, "zero_point",
                         static_cast<int32_t>(getZeroPoint()))) ||
       failed(verifyInt8(op, "clamp_lo", static_cast<int32_t>(getClampLo()))) ||
       failed(verifyInt8(op, "clamp_hi", static_cast<int32_t>(getClampHi())))))
    return failure();
  auto lo = static_cast<int32_t>(getClampLo());
  auto hi = static_cast<int32_t>(getClampHi());
  if (lo > hi)
    return emitOpError() << "clamp_lo " << lo << " is greater than clamp_hi "
                         << hi;
  return success();
}

/// The shared rules of quantize and dequantize.
static LogicalResult verifyScaleAndZeroPoint(Operation *op, Value input,
                                             std::optional<int64_t> axis,
                                             ArrayRef<float> scales,
                                             ArrayRef<int32_t> zeroPoints) {
  if (failed(verifyParameterCount(op, input, axis, "scale", scales.size())) ||
      failed(verifyParameterCount(op, input, axis, "zero_point",
                                  zeroPoints.size())))
    return failure();
  for (float scale : scales)
    if (!(scale > 0.0f) || std::isinf(scale))
      return op->emitOpError()
             << "scale " << scale << " is not positive and finite";
  for (int32_t zeroPoint : zeroPoints)
    if (failed(verifyInt8(op, "zero_point", zeroPoint)))
      return failure();
  return success();
}

LogicalResult QuantizeOp::verifyAttributes() {
  return verifyScaleAndZeroPoint(getOperation(), getX(), getAxis(), getScale(),
                                 getZeroPoint());
}

LogicalResult DequantizeOp::verifyAttributes() {
  return verifyScaleAndZeroPoint(getOperation(), getX(), getAxis(), getScale(),
                                 getZeroPoint());
}

LogicalResult LookupTableOp::verifyAttributes() {
  DenseIntElementsAttr table = getTable();
  auto type = dyn_cast<RankedTensorType>(table.getType());
  if (!type || type.getRank() != 1 || type.getDimSize(0) != 256 ||
      !type.getElementType().isSignlessInteger(8))
    return emitOpError() << "table must be a tensor<256xi8> (one int8 result "
                            "per int8 input), got "
                         << table.getType();
  return success();
}

LogicalResult tessera::nn::verifyInferredResultTypes(Operation *op) {
  auto iface = dyn_cast<ShapeInferenceOpInterface>(op);
  if (!iface)
    return success();
  SmallVector<Type> inferred;
  if (failed(iface.inferResultTypes(inferred)))
    return failure();
  if (inferred.size() != op->getNumResults())
    return op->emitOpError()
           << "has " << op->getNumResults()
           << " results but its operands imply " << inferred.size();
  for (auto [i, declaredAndInferred] :
       llvm::enumerate(llvm::zip(op->getResultTypes(), inferred))) {
    auto [declared, expected] = declaredAndInferred;
    if (getElementTypeOrSelf(declared) == getElementTypeOrSelf(expected) &&
        succeeded(verifyCompatibleShape(declared, expected)))
      continue;
    return op->emitOpError()
           << "result #" << i << " has type " << declared
           << " but its operands and attributes imply " << expected;
  }
  return success();
}

FailureOr<SmallVector<Type>>
tessera::nn::inferResultTypesQuietly(Operation *op) {
  auto iface = dyn_cast<ShapeInferenceOpInterface>(op);
  if (!iface)
    return failure();
  ScopedDiagnosticHandler silence(op->getContext(),
                                  [](Diagnostic &) { return success(); });
  SmallVector<Type> inferred;
  if (failed(iface.inferResultTypes(inferred)))
    return failure();
  return inferred;
}

#define GET_OP_CLASSES
#include "NN/NNOps.cpp.inc"

llvm::SmallVector<llvm::StringRef>
tessera::nn::getONNXNodeNames(mlir::Location loc) {
  llvm::SetVector<llvm::StringRef> names;
  loc->walk([&](mlir::Location inner) {
    if (auto name = llvm::dyn_cast<mlir::NameLoc>(inner))
      names.insert(name.getName().getValue());
    return mlir::WalkResult::advance();
  });
  return llvm::SmallVector<llvm::StringRef>(names.begin(), names.end());
}
