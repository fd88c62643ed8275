//===- NNShapesIndexing.cpp - shape functions of indexing and loss ops ----===//
//
// Part of Tessera. GatherElements, GatherND, ScatterElements, ScatterND,
// OneHot, Trilu, EyeLike and the two losses (NegativeLogLikelihoodLoss,
// SoftmaxCrossEntropyLoss). Index values of constant index operands are
// checked here, so an out-of-range constant index is a located error; index
// values only known at run time are wrapped and clamped by the lowering.
//
//===----------------------------------------------------------------------===//

#include "NN/NNShapeFunctions.h"
#include "NN/NNShapeUtils.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/TypeUtilities.h"

#include <cmath>

using namespace mlir;

namespace tessera::nn {

static bool isDyn(int64_t d) { return ShapedType::isDynamic(d); }
static constexpr int64_t kDyn = ShapedType::kDynamic;

/// Checks the `reduction` attribute of a scatter op: 'none', 'add' or 'mul'
/// (opset 16); 'max' and 'min' arrived with opset 18.
static LogicalResult checkScatterReduction(Operation *op) {
  auto attr = op->getAttrOfType<StringAttr>("reduction");
  StringRef r = attr ? attr.getValue() : "none";
  if (r == "none" || r == "add" || r == "mul")
    return success();
  if (r == "max" || r == "min")
    return op->emitOpError()
           << "reduction '" << r
           << "' needs opset 18, which is not supported (opset <= 17 "
              "allows 'none', 'add' and 'mul')";
  return op->emitOpError() << "reduction '" << r
                           << "' is not one of 'none', 'add' and 'mul'";
}

/// Checks the constant values of `indices` (when known) against [-dim, dim).
static LogicalResult checkConstantIndices(Operation *op, Value indices,
                                          int64_t dim, StringRef what) {
  if (isDyn(dim))
    return success();
  std::optional<SmallVector<int64_t>> values = getConstantInts(indices);
  if (!values)
    return success();
  for (int64_t v : *values)
    if (v < -dim || v >= dim)
      return op->emitOpError() << "index " << v << " is out of bounds for "
                               << what << " of size " << dim;
  return success();
}

/// The checks shared by GatherElements and ScatterElements: `data` and
/// `indices` have the same rank r >= 1, the axis is in [-r, r), indices are
/// no larger than data off the axis, constant indices are in range.
static FailureOr<int64_t> checkElementsOp(Operation *op, ArrayRef<int64_t> data,
                                          ArrayRef<int64_t> indices) {
  if (data.empty())
    return op->emitOpError("data must have rank >= 1");
  if (indices.size() != data.size())
    return op->emitOpError() << "indices must have the rank of data ("
                             << data.size() << "), got rank " << indices.size();
  FailureOr<int64_t> axis =
      normalizeAxis(op, getIntAttr(op, "axis", 0), data.size(), "axis");
  if (failed(axis))
    return failure();
  for (size_t d = 0; d < data.size(); ++d)
    if ((int64_t)d != *axis && !isDyn(data[d]) && !isDyn(indices[d]) &&
        indices[d] > data[d])
      return op->emitOpError()
             << "indices dim " << d << " (" << indices[d]
             << ") is larger than the data's (" << data[d] << ")";
  if (failed(checkConstantIndices(op, op->getOperand(1), data[*axis],
                                  "axis " + std::to_string(*axis))))
    return failure();
  return axis;
}

LogicalResult inferGatherElementsShape(Operation *op,
                                       SmallVectorImpl<Type> &types) {
  Type element = getElementType(op->getOperand(0));
  std::optional<SmallVector<int64_t>> data = getShape(op->getOperand(0));
  std::optional<SmallVector<int64_t>> indices = getShape(op->getOperand(1));
  if (!data || !indices) {
    types.push_back(makeTensor(
        indices ? std::optional<ArrayRef<int64_t>>(ArrayRef<int64_t>(*indices))
                : std::nullopt,
        element));
    return success();
  }
  if (failed(checkElementsOp(op, *data, *indices)))
    return failure();
  types.push_back(RankedTensorType::get(*indices, element));
  return success();
}

LogicalResult inferScatterElementsShape(Operation *op,
                                        SmallVectorImpl<Type> &types) {
  if (failed(checkScatterReduction(op)))
    return failure();
  Type dataType = op->getOperand(0).getType();
  std::optional<SmallVector<int64_t>> data = getShape(op->getOperand(0));
  std::optional<SmallVector<int64_t>> indices = getShape(op->getOperand(1));
  std::optional<SmallVector<int64_t>> updates = getShape(op->getOperand(2));
  if (getElementType(op->getOperand(2)) != getElementType(op->getOperand(0)))
    return op->emitOpError("updates must have the element type of data");
  if (data && indices) {
    if (failed(checkElementsOp(op, *data, *indices)))
      return failure();
    if (updates && failed(verifyCompatibleShape(*updates, *indices)))
      return op->emitOpError("updates must have the shape of indices");
  }
  types.push_back(dataType);
  return success();
}

/// GatherND/ScatterND: data rank r >= 1, indices rank q >= 1, 0 <= b <
/// min(q, r), the batch dims agree, the index tuple length m = indices[-1] is
/// in [1, r - b] (when static), and constant tuples are in range. Returns m
/// (dynamic when unknown).
static FailureOr<int64_t> checkNDOp(Operation *op, ArrayRef<int64_t> data,
                                    ArrayRef<int64_t> indices, int64_t b) {
  int64_t r = data.size(), q = indices.size();
  if (r < 1)
    return op->emitOpError("data must have rank >= 1");
  if (q < 1)
    return op->emitOpError("indices must have rank >= 1");
  if (b < 0 || b >= std::min(q, r))
    return op->emitOpError()
           << "batch_dims " << b << " must be in [0, " << std::min(q, r)
           << ") for data of rank " << r << " and indices of rank " << q;
  for (int64_t d = 0; d < b; ++d)
    if (!isDyn(data[d]) && !isDyn(indices[d]) && data[d] != indices[d])
      return op->emitOpError()
             << "batch dim " << d << " of indices (" << indices[d]
             << ") differs from the data's (" << data[d] << ")";
  int64_t m = indices.back();
  if (isDyn(m))
    return m;
  if (m < 1 || m > r - b)
    return op->emitOpError()
           << "the last dim of indices (" << m << ") must be in [1, " << r - b
           << "] for data of rank " << r << " and batch_dims " << b;
  if (std::optional<SmallVector<int64_t>> values =
          getConstantInts(op->getOperand(1))) {
    for (size_t i = 0; i < values->size(); ++i) {
      int64_t dim = data[b + i % m], v = (*values)[i];
      if (!isDyn(dim) && (v < -dim || v >= dim))
        return op->emitOpError()
               << "index " << v << " is out of bounds for data dim "
               << b + i % m << " of size " << dim;
    }
  }
  return m;
}

LogicalResult inferGatherNDShape(Operation *op, SmallVectorImpl<Type> &types) {
  Type element = getElementType(op->getOperand(0));
  std::optional<SmallVector<int64_t>> data = getShape(op->getOperand(0));
  std::optional<SmallVector<int64_t>> indices = getShape(op->getOperand(1));
  if (!data || !indices) {
    types.push_back(UnrankedTensorType::get(element));
    return success();
  }
  int64_t b = getIntAttr(op, "batch_dims", 0);
  FailureOr<int64_t> m = checkNDOp(op, *data, *indices, b);
  if (failed(m))
    return failure();
  if (isDyn(*m)) {
    types.push_back(UnrankedTensorType::get(element));
    return success();
  }
  SmallVector<int64_t> out(indices->begin(), indices->end() - 1);
  out.append(data->begin() + b + *m, data->end());
  types.push_back(RankedTensorType::get(out, element));
  return success();
}

LogicalResult inferScatterNDShape(Operation *op, SmallVectorImpl<Type> &types) {
  if (failed(checkScatterReduction(op)))
    return failure();
  if (getElementType(op->getOperand(2)) != getElementType(op->getOperand(0)))
    return op->emitOpError("updates must have the element type of data");
  Type dataType = op->getOperand(0).getType();
  std::optional<SmallVector<int64_t>> data = getShape(op->getOperand(0));
  std::optional<SmallVector<int64_t>> indices = getShape(op->getOperand(1));
  std::optional<SmallVector<int64_t>> updates = getShape(op->getOperand(2));
  if (data && indices) {
    FailureOr<int64_t> m = checkNDOp(op, *data, *indices, 0);
    if (failed(m))
      return failure();
    if (updates && !isDyn(*m)) {
      SmallVector<int64_t> expected(indices->begin(), indices->end() - 1);
      expected.append(data->begin() + *m, data->end());
      if (failed(verifyCompatibleShape(*updates, expected)))
        return op->emitOpError()
               << "updates must have the shape indices.shape[:-1] + "
                  "data.shape[m:] ("
               << RankedTensorType::get(expected,
                                        getElementType(op->getOperand(0)))
               << "), got " << op->getOperand(2).getType();
    }
  }
  types.push_back(dataType);
  return success();
}

LogicalResult inferOneHotShape(Operation *op, SmallVectorImpl<Type> &types) {
  Type element = getElementType(op->getOperand(2));
  std::optional<SmallVector<int64_t>> indices = getShape(op->getOperand(0));
  std::optional<SmallVector<int64_t>> depthShape = getShape(op->getOperand(1));
  std::optional<SmallVector<int64_t>> values = getShape(op->getOperand(2));
  if (depthShape && !(depthShape->empty() ||
                      (depthShape->size() == 1 &&
                       ((*depthShape)[0] == 1 || isDyn((*depthShape)[0])))))
    return op->emitOpError("depth must be a scalar or have one element");
  if (values &&
      !(values->size() == 1 && ((*values)[0] == 2 || isDyn((*values)[0]))))
    return op->emitOpError(
        "values must be a 1-D tensor of two elements [off_value, on_value]");
  if (!indices) {
    types.push_back(UnrankedTensorType::get(element));
    return success();
  }
  int64_t rank = indices->size() + 1;
  if (rank > kMaxRank)
    return op->emitOpError() << "result rank " << rank
                             << " is more than the supported " << kMaxRank;
  FailureOr<int64_t> axis =
      normalizeAxis(op, getIntAttr(op, "axis", -1), rank, "axis");
  if (failed(axis))
    return failure();
  int64_t depth = kDyn;
  std::optional<double> depthValue;
  if (std::optional<SmallVector<int64_t>> d =
          getConstantInts(op->getOperand(1));
      d && d->size() == 1)
    depthValue = (double)(*d)[0];
  else if (std::optional<SmallVector<double>> f =
               getConstantFloats(op->getOperand(1));
           f && f->size() == 1)
    depthValue = (*f)[0];
  if (depthValue) {
    double v = *depthValue;
    if (!(v >= 1) || v > (double)(int64_t(1) << 40)) {
      InFlightDiagnostic diag = op->emitOpError() << "depth ";
      if (std::abs(v) < 1e18 && v == std::trunc(v))
        diag << (int64_t)v;
      else
        diag << v;
      return diag << " must be in [1, 2^40]";
    }
    depth = (int64_t)v;
  }
  SmallVector<int64_t> out(indices->begin(), indices->end());
  out.insert(out.begin() + *axis, depth);
  types.push_back(RankedTensorType::get(out, element));
  return success();
}

LogicalResult inferTriluShape(Operation *op, SmallVectorImpl<Type> &types) {
  std::optional<SmallVector<int64_t>> x = getShape(op->getOperand(0));
  if (x && x->size() < 2)
    return op->emitOpError()
           << "input must have rank >= 2, got rank " << x->size();
  Value k = op->getOperand(1);
  if (!isNone(k))
    if (std::optional<SmallVector<int64_t>> s = getShape(k);
        s &&
        !(s->empty() || (s->size() == 1 && ((*s)[0] == 1 || isDyn((*s)[0])))))
      return op->emitOpError("k must be a scalar or have one element");
  types.push_back(op->getOperand(0).getType());
  return success();
}

/// The element type of an ONNX TensorProto data type code, or null.
static Type onnxElementType(MLIRContext *ctx, int64_t code) {
  auto sign = [&](unsigned w) { return IntegerType::get(ctx, w); };
  auto uns = [&](unsigned w) {
    return IntegerType::get(ctx, w, IntegerType::Unsigned);
  };
  switch (code) {
  case 1:
    return Float32Type::get(ctx);
  case 2:
    return uns(8);
  case 3:
    return sign(8);
  case 4:
    return uns(16);
  case 5:
    return sign(16);
  case 6:
    return sign(32);
  case 7:
    return sign(64);
  case 9:
    return sign(1);
  case 10:
    return Float16Type::get(ctx);
  case 11:
    return Float64Type::get(ctx);
  case 12:
    return uns(32);
  case 13:
    return uns(64);
  default:
    return Type();
  }
}

LogicalResult inferEyeLikeShape(Operation *op, SmallVectorImpl<Type> &types) {
  Type input = op->getOperand(0).getType();
  Type element = getElementType(op->getOperand(0));
  if (auto dtype = op->getAttrOfType<IntegerAttr>("dtype")) {
    element = onnxElementType(op->getContext(), dtype.getInt());
    if (!element)
      return op->emitOpError() << "dtype " << dtype.getInt()
                               << " is not a supported element type";
  }
  std::optional<SmallVector<int64_t>> x = getShape(op->getOperand(0));
  if (x && x->size() != 2)
    return op->emitOpError()
           << "input must have rank 2, got rank " << x->size();
  if (auto ranked = dyn_cast<RankedTensorType>(input))
    types.push_back(ranked.clone(element));
  else
    types.push_back(RankedTensorType::get({kDyn, kDyn}, element));
  return success();
}

/// NegativeLogLikelihoodLoss (input, target, weight) -> loss and
/// SoftmaxCrossEntropyLoss (scores, labels, weights) -> output, log_prob:
/// input (N, C, d1..dk), target (N, d1..dk), weight (C).
LogicalResult inferLossShape(Operation *op, SmallVectorImpl<Type> &types) {
  Type element = getElementType(op->getOperand(0));
  auto attr = op->getAttrOfType<StringAttr>("reduction");
  StringRef reduction = attr ? attr.getValue() : "mean";
  if (reduction != "none" && reduction != "sum" && reduction != "mean")
    return op->emitOpError() << "reduction '" << reduction
                             << "' is not one of 'none', 'sum' and 'mean'";
  std::optional<SmallVector<int64_t>> x = getShape(op->getOperand(0));
  std::optional<SmallVector<int64_t>> t = getShape(op->getOperand(1));
  Value weight = op->getOperand(2);
  if (!isNone(weight) && getElementType(weight) != element)
    return op->emitOpError("weights must have the element type of the input");
  if (x && x->size() < 2)
    return op->emitOpError() << "input must have rank >= 2 (N, C, d1, ...), "
                             << "got rank " << x->size();
  if (x && t) {
    if (t->size() != x->size() - 1)
      return op->emitOpError()
             << "target must have rank " << x->size() - 1
             << " (the input's without C), got rank " << t->size();
    for (size_t d = 0; d < t->size(); ++d) {
      int64_t xd = (*x)[d == 0 ? 0 : d + 1], td = (*t)[d];
      if (!isDyn(xd) && !isDyn(td) && xd != td)
        return op->emitOpError() << "target dim " << d << " (" << td
                                 << ") differs from the input's (" << xd << ")";
    }
  }
  if (x && !isNone(weight))
    if (std::optional<SmallVector<int64_t>> w = getShape(weight)) {
      if (w->size() != 1)
        return op->emitOpError()
               << "weights must be 1-D, got rank " << w->size();
      if (!isDyn((*w)[0]) && !isDyn((*x)[1]) && (*w)[0] != (*x)[1])
        return op->emitOpError()
               << "weights have " << (*w)[0] << " entries but there are "
               << (*x)[1] << " classes";
    }
  // Constant targets must name a class (or be the ignored index).
  if (x && !isDyn((*x)[1]))
    if (std::optional<SmallVector<int64_t>> values =
            getConstantInts(op->getOperand(1))) {
      auto ii = op->getAttrOfType<IntegerAttr>("ignore_index");
      for (int64_t v : *values)
        if ((v < 0 || v >= (*x)[1]) && !(ii && ii.getInt() == v))
          return op->emitOpError() << "target " << v << " is out of range for "
                                   << (*x)[1] << " classes";
    }
  if (reduction == "none")
    types.push_back(makeTensor(
        t ? std::optional<ArrayRef<int64_t>>(*t) : std::nullopt, element));
  else
    types.push_back(RankedTensorType::get({}, element));
  if (op->getNumResults() == 2)
    types.push_back(op->getOperand(0).getType());
  return success();
}

} // namespace tessera::nn
