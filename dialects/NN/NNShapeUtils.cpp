//===- NNShapeUtils.cpp - helpers shared by the shape functions -----------===//
//
// Part of Tessera.
//
//===----------------------------------------------------------------------===//

#include "NN/NNShapeUtils.h"
#include "NN/NNOps.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/Support/CheckedArithmetic.h"

using namespace mlir;

namespace tessera::nn {

std::optional<int64_t> getNumElementsChecked(ArrayRef<int64_t> shape) {
  if (llvm::any_of(shape, [](int64_t d) { return d < 0; }))
    return std::nullopt;
  // A zero dim makes the tensor empty, however large the others.
  if (llvm::is_contained(shape, 0))
    return 0;
  int64_t count = 1;
  for (int64_t d : shape) {
    std::optional<int64_t> next = llvm::checkedMul(count, d);
    if (!next)
      return std::nullopt;
    count = *next;
  }
  return count;
}

LogicalResult checkTypeBounds(Operation *op, Type type, const Twine &what) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (!tensor)
    return success();
  if (tensor.getRank() > kMaxRank)
    return op->emitOpError() << what << " has rank " << tensor.getRank()
                             << ", more than the supported " << kMaxRank;
  SmallVector<int64_t> known;
  for (int64_t d : tensor.getShape()) {
    if (d == kOverflowDim)
      return op->emitOpError()
             << what << " has a dimension that overflows int64";
    if (!ShapedType::isDynamic(d))
      known.push_back(d);
  }
  unsigned bits = tensor.getElementType().isIntOrFloat()
                      ? tensor.getElementType().getIntOrFloatBitWidth()
                      : 64;
  std::optional<int64_t> count = getNumElementsChecked(known);
  if (!count || !llvm::checkedMul(*count, std::max<int64_t>(1, bits / 8)))
    return op->emitOpError()
           << what << " (" << type << ") has more bytes than int64 can count";
  return success();
}

LogicalResult inferResultTypesBounded(
    Operation *op, SmallVectorImpl<Type> &types,
    LogicalResult (*fn)(Operation *, SmallVectorImpl<Type> &)) {
  for (auto [i, type] : llvm::enumerate(op->getOperandTypes()))
    if (failed(checkTypeBounds(op, type, "operand #" + Twine(i))))
      return failure();
  for (auto [i, type] : llvm::enumerate(op->getResultTypes()))
    if (failed(checkTypeBounds(op, type, "result #" + Twine(i))))
      return failure();
  size_t first = types.size();
  if (failed(fn(op, types)))
    return failure();
  for (size_t i = first; i < types.size(); ++i)
    if (failed(checkTypeBounds(op, types[i],
                               "inferred result #" + Twine(i - first))))
      return failure();
  return success();
}

bool isNone(Value v) { return !v || isa<NoneType>(v.getType()); }

std::optional<SmallVector<int64_t>> getShape(Value v) {
  if (isNone(v))
    return std::nullopt;
  auto type = dyn_cast<RankedTensorType>(v.getType());
  if (!type)
    return std::nullopt;
  return SmallVector<int64_t>(type.getShape());
}

Type getElementType(Value v) {
  if (isNone(v))
    return nullptr;
  return getElementTypeOrSelf(v.getType());
}

static DenseElementsAttr getConstantElements(Value v) {
  if (isNone(v))
    return nullptr;
  Attribute attr;
  if (!matchPattern(v, m_Constant(&attr)))
    return nullptr;
  return dyn_cast<DenseElementsAttr>(attr);
}

std::optional<SmallVector<int64_t>> getConstantInts(Value v) {
  DenseElementsAttr elements = getConstantElements(v);
  if (!elements || !isa<IntegerType>(elements.getElementType()) ||
      !getNumElementsChecked(elements.getType().getShape()) ||
      elements.getNumElements() > kMaxConstantValues)
    return std::nullopt;
  bool isUnsigned = elements.getElementType().isUnsignedInteger();
  SmallVector<int64_t> values;
  values.reserve(elements.getNumElements());
  for (const APInt &value : elements.getValues<APInt>())
    values.push_back(isUnsigned ? (int64_t)value.getZExtValue()
                                : value.getSExtValue());
  return values;
}

std::optional<SmallVector<double>> getConstantFloats(Value v) {
  DenseElementsAttr elements = getConstantElements(v);
  if (!elements || !isa<FloatType>(elements.getElementType()) ||
      !getNumElementsChecked(elements.getType().getShape()) ||
      elements.getNumElements() > kMaxConstantValues)
    return std::nullopt;
  SmallVector<double> values;
  for (const APFloat &value : elements.getValues<APFloat>())
    values.push_back(value.convertToDouble());
  return values;
}

std::optional<SmallVector<int64_t>> getIntsAttr(Operation *op, StringRef name) {
  auto attr = op->getAttrOfType<DenseI64ArrayAttr>(name);
  if (!attr)
    return std::nullopt;
  return SmallVector<int64_t>(attr.asArrayRef());
}

int64_t getIntAttr(Operation *op, StringRef name, int64_t dflt) {
  auto attr = op->getAttrOfType<IntegerAttr>(name);
  return attr ? attr.getInt() : dflt;
}

Type makeTensor(std::optional<ArrayRef<int64_t>> shape, Type elementType) {
  if (!shape)
    return UnrankedTensorType::get(elementType);
  return RankedTensorType::get(*shape, elementType);
}

FailureOr<int64_t> normalizeAxis(Operation *op, int64_t axis, int64_t rank,
                                 StringRef what, bool inclusive) {
  // Inclusive axes (Flatten's) range over [-rank, rank].
  int64_t limit = inclusive ? rank + 1 : rank;
  int64_t normalized = axis < 0 ? axis + rank : axis;
  if (normalized < 0 || normalized >= limit)
    return op->emitOpError() << what << " " << axis << " is out of range for "
                             << "rank " << rank;
  return normalized;
}

FailureOr<SmallVector<int64_t>>
broadcastShapes(Operation *op, ArrayRef<int64_t> a, ArrayRef<int64_t> b) {
  size_t rank = std::max(a.size(), b.size());
  SmallVector<int64_t> result(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da == 1) {
      result[i] = db;
    } else if (db == 1) {
      result[i] = da;
    } else if (ShapedType::isDynamic(da)) {
      result[i] = db;
    } else if (ShapedType::isDynamic(db) || da == db) {
      result[i] = da;
    } else {
      return op->emitOpError()
             << "operands are not broadcast-compatible: dimension " << i
             << " of the result would need " << da << " and " << db;
    }
  }
  return result;
}

int64_t mulDims(int64_t a, int64_t b) {
  if (ShapedType::isDynamic(a) || ShapedType::isDynamic(b))
    return ShapedType::kDynamic;
  std::optional<int64_t> product = llvm::checkedMul(a, b);
  return product ? *product : kOverflowDim;
}

int64_t addDims(int64_t a, int64_t b) {
  if (ShapedType::isDynamic(a) || ShapedType::isDynamic(b))
    return ShapedType::kDynamic;
  std::optional<int64_t> sum = llvm::checkedAdd(a, b);
  return sum ? *sum : kOverflowDim;
}

} // namespace tessera::nn
