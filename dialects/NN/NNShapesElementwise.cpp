//===- NNShapesElementwise.cpp - shape functions of elementwise ops -------===//
//
// Part of Tessera. Unary, broadcasting binary/variadic, comparison, cast,
// dropout and (de)quantization ops.
//
//===----------------------------------------------------------------------===//

#include "NN/NNShapeFunctions.h"
#include "NN/NNShapeUtils.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/TypeUtilities.h"

using namespace mlir;

namespace tessera::nn {

LogicalResult inferSameAsFirstShape(Operation *op,
                                    SmallVectorImpl<Type> &types) {
  Type type = op->getOperand(0).getType();
  types.assign(op->getNumResults(), type);
  return success();
}

LogicalResult inferConvertElementShape(Operation *op,
                                       SmallVectorImpl<Type> &types) {
  Type element = getElementTypeOrSelf(op->getResult(0).getType());
  std::optional<SmallVector<int64_t>> shape = getShape(op->getOperand(0));
  std::optional<ArrayRef<int64_t>> ref;
  if (shape)
    ref = ArrayRef<int64_t>(*shape);
  types.push_back(makeTensor(ref, element));
  return success();
}

/// Broadcasts every non-none operand; nullopt when one of them is unranked.
static FailureOr<std::optional<SmallVector<int64_t>>>
broadcastOperands(Operation *op, ValueRange operands) {
  SmallVector<int64_t> shape;
  for (Value v : operands) {
    if (isNone(v))
      continue;
    std::optional<SmallVector<int64_t>> s = getShape(v);
    if (!s)
      return std::optional<SmallVector<int64_t>>();
    FailureOr<SmallVector<int64_t>> b = broadcastShapes(op, shape, *s);
    if (failed(b))
      return failure();
    shape = std::move(*b);
  }
  return std::optional<SmallVector<int64_t>>(std::move(shape));
}

static LogicalResult inferBroadcastWithElement(Operation *op,
                                               ValueRange operands,
                                               Type element,
                                               SmallVectorImpl<Type> &types) {
  if (operands.empty())
    return op->emitOpError("expects at least one operand");
  auto shape = broadcastOperands(op, operands);
  if (failed(shape))
    return failure();
  std::optional<ArrayRef<int64_t>> ref;
  if (*shape)
    ref = ArrayRef<int64_t>(**shape);
  types.push_back(makeTensor(ref, element));
  return success();
}

LogicalResult inferBroadcastShape(Operation *op, SmallVectorImpl<Type> &types) {
  if (op->getNumOperands() == 0)
    return op->emitOpError("expects at least one operand");
  Type element = getElementType(op->getOperand(0));
  for (Value v : op->getOperands().drop_front()) {
    // Pow's exponent may have its own type; every other op's operands share
    // one.
    if (op->getName().getStringRef() != "nn.pow" &&
        getElementType(v) != element)
      return op->emitOpError()
             << "operands must have the same element type, got " << element
             << " and " << getElementType(v);
  }
  return inferBroadcastWithElement(op, op->getOperands(), element, types);
}

LogicalResult inferCompareShape(Operation *op, SmallVectorImpl<Type> &types) {
  if (op->getNumOperands() != 2)
    return op->emitOpError("expects two operands");
  if (getElementType(op->getOperand(0)) != getElementType(op->getOperand(1)))
    return op->emitOpError() << "operands must have the same element type, got "
                             << getElementType(op->getOperand(0)) << " and "
                             << getElementType(op->getOperand(1));
  return inferBroadcastWithElement(
      op, op->getOperands(), IntegerType::get(op->getContext(), 1), types);
}

LogicalResult inferWhereShape(Operation *op, SmallVectorImpl<Type> &types) {
  Type element = getElementType(op->getOperand(1));
  if (element != getElementType(op->getOperand(2)))
    return op->emitOpError()
           << "branches must have the same element type, got " << element
           << " and " << getElementType(op->getOperand(2));
  return inferBroadcastWithElement(op, op->getOperands(), element, types);
}

static Type withElement(Type tensor, Type element) {
  if (auto ranked = dyn_cast<RankedTensorType>(tensor))
    return RankedTensorType::get(ranked.getShape(), element);
  return UnrankedTensorType::get(element);
}

LogicalResult inferCastShape(Operation *op, SmallVectorImpl<Type> &types) {
  auto to = op->getAttrOfType<TypeAttr>("to");
  if (!to)
    return op->emitOpError("requires a 'to' type attribute");
  types.push_back(withElement(op->getOperand(0).getType(), to.getValue()));
  return success();
}

LogicalResult inferDropoutShape(Operation *op, SmallVectorImpl<Type> &types) {
  Type input = op->getOperand(0).getType();
  types.push_back(input);
  types.push_back(withElement(input, IntegerType::get(op->getContext(), 1)));
  return success();
}

/// Checks a per-tensor or per-axis scale/zero-point operand against the
/// quantized tensor `x`.
static LogicalResult verifyQuantParam(Operation *op, Value x, Value param,
                                      StringRef what) {
  if (isNone(param))
    return success();
  std::optional<SmallVector<int64_t>> p = getShape(param);
  std::optional<SmallVector<int64_t>> s = getShape(x);
  if (!p || !s)
    return success();
  if (p->empty())
    return success();
  if (p->size() != 1)
    return op->emitOpError() << what << " must be a scalar or a 1-D tensor";
  FailureOr<int64_t> axis =
      normalizeAxis(op, getIntAttr(op, "axis", 1), s->size(), "axis");
  if (failed(axis))
    return failure();
  int64_t dim = (*s)[*axis];
  if (!ShapedType::isDynamic(dim) && !ShapedType::isDynamic((*p)[0]) &&
      (*p)[0] != dim)
    return op->emitOpError()
           << what << " has " << (*p)[0] << " elements but axis " << *axis
           << " has size " << dim;
  return success();
}

LogicalResult inferQuantizeShape(Operation *op, SmallVectorImpl<Type> &types) {
  Value x = op->getOperand(0), scale = op->getOperand(1),
        zeroPoint = op->getOperand(2);
  if (failed(verifyQuantParam(op, x, scale, "y_scale")) ||
      failed(verifyQuantParam(op, x, zeroPoint, "y_zero_point")))
    return failure();
  Type element = isNone(zeroPoint) ? IntegerType::get(op->getContext(), 8,
                                                      IntegerType::Unsigned)
                                   : getElementType(zeroPoint);
  types.push_back(withElement(x.getType(), element));
  return success();
}

LogicalResult inferDequantizeShape(Operation *op,
                                   SmallVectorImpl<Type> &types) {
  Value x = op->getOperand(0), scale = op->getOperand(1),
        zeroPoint = op->getOperand(2);
  if (failed(verifyQuantParam(op, x, scale, "x_scale")) ||
      failed(verifyQuantParam(op, x, zeroPoint, "x_zero_point")))
    return failure();
  if (!isNone(zeroPoint) && getElementType(zeroPoint) != getElementType(x))
    return op->emitOpError()
           << "x_zero_point must have the element type of x ("
           << getElementType(x) << "), got " << getElementType(zeroPoint);
  types.push_back(withElement(x.getType(), getElementType(scale)));
  return success();
}

LogicalResult inferDynamicQuantizeShape(Operation *op,
                                        SmallVectorImpl<Type> &types) {
  MLIRContext *ctx = op->getContext();
  Type u8 = IntegerType::get(ctx, 8, IntegerType::Unsigned);
  types.push_back(withElement(op->getOperand(0).getType(), u8));
  types.push_back(RankedTensorType::get({}, Float32Type::get(ctx)));
  types.push_back(RankedTensorType::get({}, u8));
  return success();
}

} // namespace tessera::nn
