//===- NNShapesMisc.cpp - shape functions of the smaller operators --------===//
//
// Part of Tessera. Mod, BitShift, CastLike, IsInf/IsNaN, Hardmax, the Lp,
// LRN and mean-variance normalizations, CumSum, TopK, Size, ReverseSequence
// and the window generators. Each checks what a model can get wrong (axes,
// attribute values, operand ranks, element types) and reports it at the op.
//
//===----------------------------------------------------------------------===//

#include "NN/NNShapeFunctions.h"
#include "NN/NNShapeUtils.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/TypeUtilities.h"

using namespace mlir;

namespace tessera::nn {

static Type withElement(Type tensor, Type element) {
  if (auto ranked = dyn_cast<RankedTensorType>(tensor))
    return RankedTensorType::get(ranked.getShape(), element);
  return UnrankedTensorType::get(element);
}

/// Checks that the scalar attribute `name` (default `dflt`) is one of
/// `allowed`.
static LogicalResult checkIntAttrIn(Operation *op, StringRef name, int64_t dflt,
                                    ArrayRef<int64_t> allowed) {
  int64_t value = getIntAttr(op, name, dflt);
  if (llvm::is_contained(allowed, value))
    return success();
  InFlightDiagnostic diag = op->emitOpError();
  diag << "attribute '" << name << "' must be ";
  llvm::interleave(
      allowed, [&](int64_t v) { diag << v; }, [&] { diag << " or "; });
  return diag << ", got " << value;
}

/// Checks the `axis` attribute of `op` against the rank of its first operand
/// (when known).
static LogicalResult checkAxisAttr(Operation *op, int64_t dflt) {
  std::optional<SmallVector<int64_t>> x = getShape(op->getOperand(0));
  if (!x)
    return success();
  return normalizeAxis(op, getIntAttr(op, "axis", dflt), x->size(), "axis");
}

LogicalResult inferModShape(Operation *op, SmallVectorImpl<Type> &types) {
  if (failed(checkIntAttrIn(op, "fmod", 0, {0, 1})))
    return failure();
  if (isa<FloatType>(getElementType(op->getOperand(0))) &&
      getIntAttr(op, "fmod", 0) != 1)
    return op->emitOpError(
        "requires fmod = 1 for floating-point inputs (fmod = 0 is the "
        "integer remainder with the divisor's sign)");
  return inferBroadcastShape(op, types);
}

LogicalResult inferBitShiftShape(Operation *op, SmallVectorImpl<Type> &types) {
  auto direction = op->getAttrOfType<StringAttr>("direction");
  if (!direction ||
      (direction.getValue() != "LEFT" && direction.getValue() != "RIGHT"))
    return op->emitOpError()
           << "attribute 'direction' must be \"LEFT\" or \"RIGHT\", got "
           << (direction ? "\"" + direction.getValue().str() + "\""
                         : std::string("none"));
  return inferBroadcastShape(op, types);
}

LogicalResult inferCastLikeShape(Operation *op, SmallVectorImpl<Type> &types) {
  types.push_back(withElement(op->getOperand(0).getType(),
                              getElementType(op->getOperand(1))));
  return success();
}

LogicalResult inferFloatPredicateShape(Operation *op,
                                       SmallVectorImpl<Type> &types) {
  types.push_back(withElement(op->getOperand(0).getType(),
                              IntegerType::get(op->getContext(), 1)));
  return success();
}

LogicalResult inferAxisSameAsFirstShape(Operation *op,
                                        SmallVectorImpl<Type> &types) {
  if (failed(checkAxisAttr(op, -1)))
    return failure();
  return inferSameAsFirstShape(op, types);
}

LogicalResult inferLpNormShape(Operation *op, SmallVectorImpl<Type> &types) {
  if (failed(checkIntAttrIn(op, "p", 2, {1, 2})) ||
      failed(checkAxisAttr(op, -1)))
    return failure();
  return inferSameAsFirstShape(op, types);
}

LogicalResult inferLRNShape(Operation *op, SmallVectorImpl<Type> &types) {
  int64_t size = getIntAttr(op, "size", 0);
  if (size < 1)
    return op->emitOpError()
           << "attribute 'size' must be positive, got " << size;
  std::optional<SmallVector<int64_t>> x = getShape(op->getOperand(0));
  if (x && x->size() < 3)
    return op->emitOpError()
           << "expects an input of rank >= 3 (N x C x D1 ...), got rank "
           << x->size();
  return inferSameAsFirstShape(op, types);
}

LogicalResult inferMeanVarianceNormShape(Operation *op,
                                         SmallVectorImpl<Type> &types) {
  std::optional<SmallVector<int64_t>> x = getShape(op->getOperand(0));
  SmallVector<int64_t> axes =
      getIntsAttr(op, "axes").value_or(SmallVector<int64_t>{0, 2, 3});
  if (x) {
    SmallVector<bool> seen(x->size(), false);
    for (int64_t a : axes) {
      FailureOr<int64_t> axis = normalizeAxis(op, a, x->size(), "axis");
      if (failed(axis))
        return failure();
      if (seen[*axis])
        return op->emitOpError() << "axis " << a << " is repeated";
      seen[*axis] = true;
    }
  }
  return inferSameAsFirstShape(op, types);
}

/// The value of a scalar (0-d or one-element 1-D) integer operand, checking
/// its rank; nullopt when it is not constant.
static FailureOr<std::optional<int64_t>>
getScalarOperand(Operation *op, Value v, StringRef what) {
  std::optional<SmallVector<int64_t>> shape = getShape(v);
  if (shape && (shape->size() > 1 || (shape->size() == 1 && (*shape)[0] != 1 &&
                                      !ShapedType::isDynamic((*shape)[0]))))
    return op->emitOpError() << what
                             << " must be a scalar or a 1-D tensor of one "
                                "element";
  std::optional<SmallVector<int64_t>> values = getConstantInts(v);
  if (!values || values->size() != 1)
    return std::optional<int64_t>();
  return std::optional<int64_t>((*values)[0]);
}

LogicalResult inferCumSumShape(Operation *op, SmallVectorImpl<Type> &types) {
  FailureOr<std::optional<int64_t>> axis =
      getScalarOperand(op, op->getOperand(1), "axis");
  if (failed(axis))
    return failure();
  std::optional<SmallVector<int64_t>> x = getShape(op->getOperand(0));
  if (*axis && x && failed(normalizeAxis(op, **axis, x->size(), "axis")))
    return failure();
  types.push_back(op->getOperand(0).getType());
  return success();
}

LogicalResult inferTopKShape(Operation *op, SmallVectorImpl<Type> &types) {
  Type element = getElementType(op->getOperand(0));
  Type i64 = IntegerType::get(op->getContext(), 64);
  FailureOr<std::optional<int64_t>> k =
      getScalarOperand(op, op->getOperand(1), "K");
  if (failed(k))
    return failure();
  std::optional<SmallVector<int64_t>> x = getShape(op->getOperand(0));
  if (!x) {
    types.push_back(UnrankedTensorType::get(element));
    types.push_back(UnrankedTensorType::get(i64));
    return success();
  }
  FailureOr<int64_t> axis =
      normalizeAxis(op, getIntAttr(op, "axis", -1), x->size(), "axis");
  if (failed(axis))
    return failure();
  SmallVector<int64_t> out = *x;
  out[*axis] = ShapedType::kDynamic;
  if (*k) {
    int64_t dim = (*x)[*axis];
    if (**k < 0 || (!ShapedType::isDynamic(dim) && **k > dim))
      return op->emitOpError() << "K = " << **k << " is out of range for axis "
                               << *axis << " of size " << dim;
    out[*axis] = **k;
  }
  types.push_back(RankedTensorType::get(out, element));
  types.push_back(RankedTensorType::get(out, i64));
  return success();
}

LogicalResult inferSizeShape(Operation *op, SmallVectorImpl<Type> &types) {
  types.push_back(
      RankedTensorType::get({}, IntegerType::get(op->getContext(), 64)));
  return success();
}

LogicalResult inferReverseSequenceShape(Operation *op,
                                        SmallVectorImpl<Type> &types) {
  std::optional<SmallVector<int64_t>> x = getShape(op->getOperand(0));
  std::optional<SmallVector<int64_t>> lens = getShape(op->getOperand(1));
  if (lens && lens->size() != 1)
    return op->emitOpError()
           << "sequence_lens must be 1-D, got rank " << lens->size();
  if (x) {
    if (x->size() < 2)
      return op->emitOpError()
             << "expects an input of rank >= 2, got rank " << x->size();
    int64_t batch = getIntAttr(op, "batch_axis", 1);
    int64_t time = getIntAttr(op, "time_axis", 0);
    if ((batch != 0 && batch != 1) || (time != 0 && time != 1) || batch == time)
      return op->emitOpError()
             << "batch_axis and time_axis must be 0 and 1 in some order, got "
             << batch << " and " << time;
    int64_t b = (*x)[batch];
    if (lens && !ShapedType::isDynamic(b) &&
        !ShapedType::isDynamic((*lens)[0]) && (*lens)[0] != b)
      return op->emitOpError() << "sequence_lens has " << (*lens)[0]
                               << " elements but the batch axis has size " << b;
    if (std::optional<SmallVector<int64_t>> values =
            getConstantInts(op->getOperand(1))) {
      int64_t t = (*x)[time];
      for (int64_t v : *values)
        if (v < 0 || (!ShapedType::isDynamic(t) && v > t))
          return op->emitOpError() << "sequence length " << v
                                   << " is out of range for a time axis of "
                                      "size "
                                   << t;
    }
  }
  types.push_back(op->getOperand(0).getType());
  return success();
}

/// The element type of an ONNX TensorProto data type the windows can produce.
static Type windowElementType(MLIRContext *ctx, int64_t dtype) {
  switch (dtype) {
  case 1:
    return Float32Type::get(ctx);
  case 10:
    return Float16Type::get(ctx);
  case 11:
    return Float64Type::get(ctx);
  case 16:
    return BFloat16Type::get(ctx);
  case 2:
    return IntegerType::get(ctx, 8, IntegerType::Unsigned);
  case 3:
    return IntegerType::get(ctx, 8);
  case 4:
    return IntegerType::get(ctx, 16, IntegerType::Unsigned);
  case 5:
    return IntegerType::get(ctx, 16);
  case 6:
    return IntegerType::get(ctx, 32);
  case 7:
    return IntegerType::get(ctx, 64);
  case 12:
    return IntegerType::get(ctx, 32, IntegerType::Unsigned);
  case 13:
    return IntegerType::get(ctx, 64, IntegerType::Unsigned);
  default:
    return nullptr;
  }
}

LogicalResult inferWindowShape(Operation *op, SmallVectorImpl<Type> &types) {
  int64_t dtype = getIntAttr(op, "output_datatype", 1);
  Type element = windowElementType(op->getContext(), dtype);
  if (!element)
    return op->emitOpError() << "attribute 'output_datatype' " << dtype
                             << " is not a numeric ONNX data type";
  if (failed(checkIntAttrIn(op, "periodic", 1, {0, 1})))
    return failure();
  FailureOr<std::optional<int64_t>> size =
      getScalarOperand(op, op->getOperand(0), "size");
  if (failed(size))
    return failure();
  int64_t n = ShapedType::kDynamic;
  if (*size) {
    if (**size < 0 || **size > (int64_t(1) << 40))
      return op->emitOpError() << "size " << **size << " is out of range";
    n = **size;
  }
  types.push_back(RankedTensorType::get({n}, element));
  return success();
}

} // namespace tessera::nn
