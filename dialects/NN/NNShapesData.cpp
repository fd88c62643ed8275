//===- NNShapesData.cpp - shape functions of data-movement ops ------------===//
//
// Part of Tessera. Reshapes, slicing, gathering, padding, resizing and the
// shape-computing ops (Shape, ConstantOfShape, Range). Where a result size
// depends on an operand's value, the value is read when it is a constant and
// the size is dynamic otherwise; folding then makes it static.
//
//===----------------------------------------------------------------------===//

#include "NN/NNShapeFunctions.h"
#include "NN/NNShapeUtils.h"

#include "mlir/IR/Builders.h"
#include "llvm/Support/CheckedArithmetic.h"

#include <cmath>

#include <limits>

using namespace mlir;

namespace tessera::nn {

static bool isDyn(int64_t d) { return ShapedType::isDynamic(d); }
static constexpr int64_t kDyn = ShapedType::kDynamic;

/// Checks that `rank` (of the result, computed from operand sizes or values)
/// is at most `kMaxRank` before anything is sized from it.
static LogicalResult checkRank(Operation *op, int64_t rank) {
  if (rank < 0 || rank > kMaxRank)
    return op->emitOpError() << "result rank " << rank
                             << " is more than the supported " << kMaxRank;
  return success();
}

/// Pushes a ranked result whose rank is `rank` and dims unknown, or an unranked
/// one when the rank itself is unknown.
static LogicalResult pushUnknown(Operation *op, SmallVectorImpl<Type> &types,
                                 std::optional<int64_t> rank, Type element) {
  if (rank && failed(checkRank(op, *rank)))
    return failure();
  if (!rank)
    types.push_back(UnrankedTensorType::get(element));
  else
    types.push_back(
        RankedTensorType::get(SmallVector<int64_t>(*rank, kDyn), element));
  return success();
}

/// The static length of a 1-D operand, if known.
static std::optional<int64_t> getLength(Value v) {
  std::optional<SmallVector<int64_t>> s = getShape(v);
  if (!s || s->size() != 1 || isDyn((*s)[0]))
    return std::nullopt;
  return (*s)[0];
}

FailureOr<SmallVector<int64_t>> resolveReshape(Operation *op,
                                               ArrayRef<int64_t> input,
                                               ArrayRef<int64_t> target,
                                               bool allowZero) {
  SmallVector<int64_t> out;
  int inferredIndex = -1;
  for (auto [i, d] : llvm::enumerate(target)) {
    if (d == -1) {
      if (inferredIndex >= 0)
        return op->emitOpError("shape has more than one -1");
      inferredIndex = i;
      out.push_back(kDyn);
    } else if (d == 0 && !allowZero) {
      if (i >= input.size())
        return op->emitOpError()
               << "shape[" << i << "] = 0 copies a dimension the input (rank "
               << input.size() << ") does not have";
      out.push_back(input[i]);
    } else if (d < 0) {
      return op->emitOpError() << "shape[" << i << "] = " << d << " is invalid";
    } else {
      out.push_back(d);
    }
  }
  bool inputStatic = llvm::none_of(input, isDyn);
  int64_t inputCount = 1, known = 1;
  for (int64_t d : input)
    inputCount = mulDims(inputCount, d);
  for (auto [i, d] : llvm::enumerate(out))
    if ((int)i != inferredIndex)
      known = mulDims(known, d);
  if (inferredIndex >= 0) {
    if (inputStatic && !isDyn(known)) {
      if (known == 0 || inputCount % known != 0)
        return op->emitOpError() << "cannot reshape " << inputCount
                                 << " elements into a shape with a -1 and "
                                 << known << " other elements";
      out[inferredIndex] = inputCount / known;
    }
    return out;
  }
  if (inputStatic && !isDyn(known) && known != inputCount)
    return op->emitOpError()
           << "cannot reshape " << inputCount << " elements into " << known;
  return out;
}

LogicalResult inferReshapeShape(Operation *op, SmallVectorImpl<Type> &types) {
  Type element = getElementType(op->getOperand(0));
  std::optional<SmallVector<int64_t>> x = getShape(op->getOperand(0));
  std::optional<SmallVector<int64_t>> target =
      getConstantInts(op->getOperand(1));
  if (!target)
    return pushUnknown(op, types, getLength(op->getOperand(1)), element);
  if (failed(checkRank(op, target->size())))
    return failure();
  if (!x) {
    // Only the rank is known; 0 entries and -1 stay dynamic.
    SmallVector<int64_t> out;
    for (int64_t d : *target)
      out.push_back(d > 0 ? d : kDyn);
    types.push_back(RankedTensorType::get(out, element));
    return success();
  }
  FailureOr<SmallVector<int64_t>> out =
      resolveReshape(op, *x, *target, getIntAttr(op, "allowzero", 0) != 0);
  if (failed(out))
    return failure();
  types.push_back(RankedTensorType::get(*out, element));
  return success();
}

LogicalResult inferFlattenShape(Operation *op, SmallVectorImpl<Type> &types) {
  Type element = getElementType(op->getOperand(0));
  std::optional<SmallVector<int64_t>> x = getShape(op->getOperand(0));
  if (!x)
    return pushUnknown(op, types, 2, element);
  FailureOr<int64_t> axis = normalizeAxis(
      op, getIntAttr(op, "axis", 1), x->size(), "axis", /*inclusive=*/true);
  if (failed(axis))
    return failure();
  int64_t outer = 1, inner = 1;
  for (size_t i = 0; i < x->size(); ++i)
    (i < (size_t)*axis ? outer : inner) =
        mulDims(i < (size_t)*axis ? outer : inner, (*x)[i]);
  types.push_back(RankedTensorType::get({outer, inner}, element));
  return success();
}

LogicalResult inferTransposeShape(Operation *op, SmallVectorImpl<Type> &types) {
  Type element = getElementType(op->getOperand(0));
  std::optional<SmallVector<int64_t>> x = getShape(op->getOperand(0));
  if (!x)
    return pushUnknown(op, types, std::nullopt, element);
  SmallVector<int64_t> perm;
  if (auto p = getIntsAttr(op, "perm"))
    perm = *p;
  else
    for (int64_t i = x->size() - 1; i >= 0; --i)
      perm.push_back(i);
  if (perm.size() != x->size())
    return op->emitOpError() << "perm has " << perm.size()
                             << " entries but the input has rank " << x->size();
  SmallVector<bool> seen(x->size(), false);
  SmallVector<int64_t> out;
  for (int64_t p : perm) {
    if (p < 0 || p >= (int64_t)x->size() || seen[p])
      return op->emitOpError("perm is not a permutation of the input dims");
    seen[p] = true;
    out.push_back((*x)[p]);
  }
  types.push_back(RankedTensorType::get(out, element));
  return success();
}

LogicalResult inferConcatShape(Operation *op, SmallVectorImpl<Type> &types) {
  if (op->getNumOperands() == 0)
    return op->emitOpError("expects at least one operand");
  Type element = getElementType(op->getOperand(0));
  std::optional<SmallVector<int64_t>> out;
  int64_t axis = 0;
  for (Value v : op->getOperands()) {
    if (getElementType(v) != element)
      return op->emitOpError()
             << "operands must have the same element type, got " << element
             << " and " << getElementType(v);
    std::optional<SmallVector<int64_t>> s = getShape(v);
    if (!s)
      return pushUnknown(op, types, std::nullopt, element);
    if (!out) {
      FailureOr<int64_t> a =
          normalizeAxis(op, getIntAttr(op, "axis", 0), s->size(), "axis");
      if (failed(a))
        return failure();
      axis = *a;
      out = *s;
      continue;
    }
    if (s->size() != out->size())
      return op->emitOpError() << "operands must have the same rank, got "
                               << out->size() << " and " << s->size();
    for (size_t i = 0; i < s->size(); ++i) {
      int64_t &d = (*out)[i];
      if ((int64_t)i == axis) {
        d = addDims(d, (*s)[i]);
        continue;
      }
      if (!isDyn(d) && !isDyn((*s)[i]) && d != (*s)[i])
        return op->emitOpError() << "operands differ in dimension " << i << " ("
                                 << d << " vs " << (*s)[i] << ")";
      if (isDyn(d))
        d = (*s)[i];
    }
  }
  types.push_back(RankedTensorType::get(*out, element));
  return success();
}

LogicalResult inferSplitShape(Operation *op, SmallVectorImpl<Type> &types) {
  Type element = getElementType(op->getOperand(0));
  unsigned n = op->getNumResults();
  std::optional<SmallVector<int64_t>> x = getShape(op->getOperand(0));
  if (!x) {
    types.append(n, UnrankedTensorType::get(element));
    return success();
  }
  FailureOr<int64_t> axis =
      normalizeAxis(op, getIntAttr(op, "axis", 0), x->size(), "axis");
  if (failed(axis))
    return failure();
  int64_t dim = (*x)[*axis];
  SmallVector<int64_t> sizes;
  if (!isNone(op->getOperand(1))) {
    std::optional<SmallVector<int64_t>> split =
        getConstantInts(op->getOperand(1));
    if (!split) {
      sizes.assign(n, kDyn);
    } else {
      if (split->size() != n)
        return op->emitOpError()
               << "split has " << split->size() << " entries but the op has "
               << n << " results";
      int64_t total = 0;
      for (int64_t s : *split) {
        if (s < 0)
          return op->emitOpError("split sizes must be non-negative");
        total = addDims(total, s);
      }
      if (total == kOverflowDim)
        return op->emitOpError("split sizes overflow int64");
      if (!isDyn(dim) && total != dim)
        return op->emitOpError()
               << "split sizes add up to " << total << " but axis " << *axis
               << " has size " << dim;
      sizes = *split;
    }
  } else if (isDyn(dim)) {
    sizes.assign(n, kDyn);
  } else {
    if (n == 0 || dim % n != 0)
      return op->emitOpError()
             << "axis " << *axis << " of size " << dim
             << " does not split evenly into " << n << " results";
    sizes.assign(n, dim / n);
  }
  for (int64_t s : sizes) {
    SmallVector<int64_t> out = *x;
    out[*axis] = s;
    types.push_back(RankedTensorType::get(out, element));
  }
  return success();
}

FailureOr<SmallVector<SliceDim>>
computeSlice(Operation *op, ArrayRef<int64_t> shape, ArrayRef<int64_t> starts,
             ArrayRef<int64_t> ends, std::optional<ArrayRef<int64_t>> axes,
             std::optional<ArrayRef<int64_t>> steps) {
  if (starts.size() != ends.size())
    return op->emitOpError("starts and ends must have the same length");
  if (axes && axes->size() != starts.size())
    return op->emitOpError("axes must have the length of starts");
  if (steps && steps->size() != starts.size())
    return op->emitOpError("steps must have the length of starts");
  SmallVector<SliceDim> dims;
  for (int64_t d : shape)
    dims.push_back({0, 1, d});
  SmallVector<bool> seen(shape.size(), false);
  for (size_t i = 0; i < starts.size(); ++i) {
    FailureOr<int64_t> axis =
        normalizeAxis(op, axes ? (*axes)[i] : (int64_t)i, shape.size(), "axis");
    if (failed(axis))
      return failure();
    if (seen[*axis])
      return op->emitOpError() << "axis " << *axis << " is repeated";
    seen[*axis] = true;
    int64_t step = steps ? (*steps)[i] : 1;
    if (step == 0)
      return op->emitOpError("steps must be non-zero");
    int64_t d = shape[*axis];
    if (isDyn(d)) {
      dims[*axis] = {0, step, kDyn};
      continue;
    }
    auto clampIndex = [&](int64_t v, int64_t lo, int64_t hi) {
      if (v < 0)
        v = v < -d ? lo : v + d;
      return std::min(std::max(v, lo), hi);
    };
    int64_t start, end;
    if (step > 0) {
      start = clampIndex(starts[i], 0, d);
      end = clampIndex(ends[i], 0, d);
    } else {
      start = clampIndex(starts[i], -1, d - 1);
      end = clampIndex(ends[i], -1, d - 1);
    }
    // start and end lie in [-1, d]; the forms below cannot overflow.
    int64_t size = 0;
    if (step > 0 && end > start)
      size = (end - start - 1) / step + 1;
    else if (step < 0 && start > end)
      size = (start - end - 1) / (step == std::numeric_limits<int64_t>::min()
                                      ? kOverflowDim
                                      : -step) +
             1;
    dims[*axis] = {start, step, size};
  }
  return dims;
}

LogicalResult inferSliceShape(Operation *op, SmallVectorImpl<Type> &types) {
  Type element = getElementType(op->getOperand(0));
  std::optional<SmallVector<int64_t>> x = getShape(op->getOperand(0));
  if (!x)
    return pushUnknown(op, types, std::nullopt, element);
  auto starts = getConstantInts(op->getOperand(1));
  auto ends = getConstantInts(op->getOperand(2));
  auto axes = getConstantInts(op->getOperand(3));
  auto steps = getConstantInts(op->getOperand(4));
  bool axesKnown = isNone(op->getOperand(3)) || axes;
  bool stepsKnown = isNone(op->getOperand(4)) || steps;
  if (!starts || !ends || !axesKnown || !stepsKnown) {
    // Dims that are certainly untouched keep their size.
    SmallVector<int64_t> out(x->size(), kDyn);
    if (axes)
      for (size_t i = 0; i < x->size(); ++i)
        if (!llvm::is_contained(*axes, (int64_t)i) &&
            !llvm::is_contained(*axes, (int64_t)i - (int64_t)x->size()))
          out[i] = (*x)[i];
    types.push_back(RankedTensorType::get(out, element));
    return success();
  }
  std::optional<ArrayRef<int64_t>> axesRef, stepsRef;
  if (axes)
    axesRef = *axes;
  if (steps)
    stepsRef = *steps;
  auto dims = computeSlice(op, *x, *starts, *ends, axesRef, stepsRef);
  if (failed(dims))
    return failure();
  SmallVector<int64_t> out;
  for (const SliceDim &d : *dims)
    out.push_back(d.size);
  types.push_back(RankedTensorType::get(out, element));
  return success();
}

LogicalResult inferGatherShape(Operation *op, SmallVectorImpl<Type> &types) {
  Type element = getElementType(op->getOperand(0));
  std::optional<SmallVector<int64_t>> data = getShape(op->getOperand(0));
  std::optional<SmallVector<int64_t>> indices = getShape(op->getOperand(1));
  if (!data || !indices)
    return pushUnknown(op, types, std::nullopt, element);
  if (data->empty())
    return op->emitOpError("data must have rank >= 1");
  FailureOr<int64_t> axis =
      normalizeAxis(op, getIntAttr(op, "axis", 0), data->size(), "axis");
  if (failed(axis))
    return failure();
  int64_t dim = (*data)[*axis];
  if (auto values = getConstantInts(op->getOperand(1)); values && !isDyn(dim))
    for (int64_t v : *values)
      if (v < -dim || v >= dim)
        return op->emitOpError()
               << "index " << v << " is out of bounds for axis " << *axis
               << " of size " << dim;
  SmallVector<int64_t> out(data->begin(), data->begin() + *axis);
  out.append(indices->begin(), indices->end());
  out.append(data->begin() + *axis + 1, data->end());
  types.push_back(RankedTensorType::get(out, element));
  return success();
}

LogicalResult inferSqueezeShape(Operation *op, SmallVectorImpl<Type> &types) {
  Type element = getElementType(op->getOperand(0));
  std::optional<SmallVector<int64_t>> x = getShape(op->getOperand(0));
  if (!x)
    return pushUnknown(op, types, std::nullopt, element);
  SmallVector<bool> drop(x->size(), false);
  if (!isNone(op->getOperand(1))) {
    std::optional<SmallVector<int64_t>> axes =
        getConstantInts(op->getOperand(1));
    if (!axes)
      return pushUnknown(op, types, std::nullopt, element);
    for (int64_t a : *axes) {
      FailureOr<int64_t> axis = normalizeAxis(op, a, x->size(), "axis");
      if (failed(axis))
        return failure();
      int64_t d = (*x)[*axis];
      if (!isDyn(d) && d != 1)
        return op->emitOpError()
               << "cannot squeeze axis " << *axis << " of size " << d;
      drop[*axis] = true;
    }
  } else {
    for (size_t i = 0; i < x->size(); ++i) {
      if (isDyn((*x)[i]))
        return pushUnknown(op, types, std::nullopt, element);
      drop[i] = (*x)[i] == 1;
    }
  }
  SmallVector<int64_t> out;
  for (size_t i = 0; i < x->size(); ++i)
    if (!drop[i])
      out.push_back((*x)[i]);
  types.push_back(RankedTensorType::get(out, element));
  return success();
}

LogicalResult inferUnsqueezeShape(Operation *op, SmallVectorImpl<Type> &types) {
  Type element = getElementType(op->getOperand(0));
  std::optional<SmallVector<int64_t>> x = getShape(op->getOperand(0));
  std::optional<SmallVector<int64_t>> axes = getConstantInts(op->getOperand(1));
  if (!x)
    return pushUnknown(op, types, std::nullopt, element);
  if (!axes) {
    std::optional<int64_t> n = getLength(op->getOperand(1));
    return pushUnknown(op, types,
                       n ? std::optional<int64_t>(addDims(x->size(), *n))
                         : std::nullopt,
                       element);
  }
  int64_t rank = x->size() + axes->size();
  if (failed(checkRank(op, rank)))
    return failure();
  SmallVector<bool> inserted(rank, false);
  for (int64_t a : *axes) {
    FailureOr<int64_t> axis = normalizeAxis(op, a, rank, "axis");
    if (failed(axis))
      return failure();
    if (inserted[*axis])
      return op->emitOpError() << "axis " << a << " is repeated";
    inserted[*axis] = true;
  }
  SmallVector<int64_t> out;
  size_t next = 0;
  for (int64_t i = 0; i < rank; ++i)
    out.push_back(inserted[i] ? 1 : (*x)[next++]);
  types.push_back(RankedTensorType::get(out, element));
  return success();
}

LogicalResult inferExpandShape(Operation *op, SmallVectorImpl<Type> &types) {
  Type element = getElementType(op->getOperand(0));
  std::optional<SmallVector<int64_t>> x = getShape(op->getOperand(0));
  std::optional<SmallVector<int64_t>> shape =
      getConstantInts(op->getOperand(1));
  if (!x)
    return pushUnknown(op, types, std::nullopt, element);
  if (!shape) {
    std::optional<int64_t> n = getLength(op->getOperand(1));
    if (!n)
      return pushUnknown(op, types, std::nullopt, element);
    return pushUnknown(op, types, std::max<int64_t>(*n, x->size()), element);
  }
  if (failed(checkRank(op, std::max<int64_t>(shape->size(), x->size()))))
    return failure();
  for (int64_t d : *shape)
    if (d < 0)
      return op->emitOpError()
             << "shape entries must be non-negative, got " << d;
  FailureOr<SmallVector<int64_t>> out = broadcastShapes(op, *x, *shape);
  if (failed(out))
    return failure();
  types.push_back(RankedTensorType::get(*out, element));
  return success();
}

LogicalResult inferTileShape(Operation *op, SmallVectorImpl<Type> &types) {
  Type element = getElementType(op->getOperand(0));
  std::optional<SmallVector<int64_t>> x = getShape(op->getOperand(0));
  if (!x)
    return pushUnknown(op, types, std::nullopt, element);
  std::optional<SmallVector<int64_t>> repeats =
      getConstantInts(op->getOperand(1));
  if (!repeats)
    return pushUnknown(op, types, x->size(), element);
  if (repeats->size() != x->size())
    return op->emitOpError() << "repeats has " << repeats->size()
                             << " entries but the input has rank " << x->size();
  SmallVector<int64_t> out;
  for (auto [d, r] : llvm::zip(*x, *repeats)) {
    if (r < 0)
      return op->emitOpError("repeats must be non-negative");
    out.push_back(mulDims(d, r));
  }
  types.push_back(RankedTensorType::get(out, element));
  return success();
}

LogicalResult inferPadShape(Operation *op, SmallVectorImpl<Type> &types) {
  Type element = getElementType(op->getOperand(0));
  std::optional<SmallVector<int64_t>> x = getShape(op->getOperand(0));
  if (!x)
    return pushUnknown(op, types, std::nullopt, element);
  auto mode = op->getAttrOfType<StringAttr>("mode");
  if (mode && mode.getValue() != "constant" && mode.getValue() != "reflect" &&
      mode.getValue() != "edge")
    return op->emitOpError() << "mode must be constant, reflect or edge, got '"
                             << mode.getValue() << "'";
  std::optional<SmallVector<int64_t>> pads = getConstantInts(op->getOperand(1));
  if (!pads)
    return pushUnknown(op, types, x->size(), element);
  size_t rank = x->size();
  if (pads->size() != 2 * rank)
    return op->emitOpError()
           << "pads has " << pads->size() << " entries, expected " << 2 * rank;
  SmallVector<int64_t> out;
  for (size_t i = 0; i < rank; ++i) {
    int64_t d = (*x)[i];
    if (isDyn(d)) {
      out.push_back(kDyn);
      continue;
    }
    std::optional<int64_t> r = llvm::checkedAdd(d, (*pads)[i]);
    if (r)
      r = llvm::checkedAdd(*r, (*pads)[i + rank]);
    if (!r)
      return op->emitOpError() << "pads overflow dimension " << i;
    if (*r < 0)
      return op->emitOpError() << "pads make dimension " << i << " negative";
    out.push_back(*r);
  }
  types.push_back(RankedTensorType::get(out, element));
  return success();
}

LogicalResult inferResizeShape(Operation *op, SmallVectorImpl<Type> &types) {
  Type element = getElementType(op->getOperand(0));
  std::optional<SmallVector<int64_t>> x = getShape(op->getOperand(0));
  if (!x)
    return pushUnknown(op, types, std::nullopt, element);
  Value scalesV = op->getOperand(2), sizesV = op->getOperand(3);
  // An empty scales tensor counts as absent (the opset-11 convention).
  std::optional<int64_t> scalesLength = getLength(scalesV);
  bool hasScales =
      !isNone(scalesV) && scalesLength != std::optional<int64_t>(0);
  bool hasSizes =
      !isNone(sizesV) && getLength(sizesV) != std::optional<int64_t>(0);
  if (hasScales == hasSizes)
    return op->emitOpError("exactly one of scales and sizes must be given");
  if (hasSizes) {
    std::optional<SmallVector<int64_t>> sizes = getConstantInts(sizesV);
    if (!sizes)
      return pushUnknown(op, types, x->size(), element);
    if (sizes->size() != x->size())
      return op->emitOpError()
             << "sizes has " << sizes->size()
             << " entries but the input has rank " << x->size();
    types.push_back(RankedTensorType::get(*sizes, element));
    return success();
  }
  std::optional<SmallVector<double>> scales = getConstantFloats(scalesV);
  if (!scales)
    return pushUnknown(op, types, x->size(), element);
  if (scales->size() != x->size())
    return op->emitOpError() << "scales has " << scales->size()
                             << " entries but the input has rank " << x->size();
  SmallVector<int64_t> out;
  for (auto [d, s] : llvm::zip(*x, *scales)) {
    if (!(s > 0) || !std::isfinite(s))
      return op->emitOpError("scales must be positive and finite");
    double scaled = isDyn(d) ? 0 : std::floor(d * (float)s);
    if (scaled >= 0x1p62)
      return op->emitOpError()
             << "scales make dimension " << out.size() << " too large";
    out.push_back(isDyn(d) ? kDyn : (int64_t)scaled);
  }
  types.push_back(RankedTensorType::get(out, element));
  return success();
}

static LogicalResult
inferBlockShape(Operation *op, SmallVectorImpl<Type> &types, bool toSpace) {
  Type element = getElementType(op->getOperand(0));
  std::optional<SmallVector<int64_t>> x = getShape(op->getOperand(0));
  if (!x)
    return pushUnknown(op, types, 4, element);
  if (x->size() != 4)
    return op->emitOpError()
           << "input must be 4-D (N, C, H, W), got rank " << x->size();
  int64_t b = getIntAttr(op, "blocksize", 0);
  if (b <= 0)
    return op->emitOpError("blocksize must be positive");
  // b * b must fit in int64 (and a larger block cannot divide any dim).
  if (b > (int64_t(1) << 31))
    return op->emitOpError() << "blocksize " << b << " is too large";
  if (auto mode = op->getAttrOfType<StringAttr>("mode"))
    if (mode.getValue() != "DCR" && mode.getValue() != "CRD")
      return op->emitOpError()
             << "mode must be DCR or CRD, got '" << mode.getValue() << "'";
  SmallVector<int64_t> out = *x;
  auto divide = [&](size_t i, int64_t by) -> LogicalResult {
    if (isDyn(out[i]))
      return success();
    if (out[i] % by != 0)
      return op->emitOpError() << "dimension " << i << " of size " << out[i]
                               << " is not divisible by " << by;
    out[i] /= by;
    return success();
  };
  if (toSpace) {
    if (failed(divide(1, b * b)))
      return failure();
    out[2] = mulDims(out[2], b);
    out[3] = mulDims(out[3], b);
  } else {
    if (failed(divide(2, b)) || failed(divide(3, b)))
      return failure();
    out[1] = mulDims(out[1], b * b);
  }
  types.push_back(RankedTensorType::get(out, element));
  return success();
}

LogicalResult inferDepthToSpaceShape(Operation *op,
                                     SmallVectorImpl<Type> &types) {
  return inferBlockShape(op, types, /*toSpace=*/true);
}

LogicalResult inferSpaceToDepthShape(Operation *op,
                                     SmallVectorImpl<Type> &types) {
  return inferBlockShape(op, types, /*toSpace=*/false);
}

LogicalResult inferShapeShape(Operation *op, SmallVectorImpl<Type> &types) {
  Type i64 = IntegerType::get(op->getContext(), 64);
  std::optional<SmallVector<int64_t>> x = getShape(op->getOperand(0));
  if (!x)
    return pushUnknown(op, types, 1, i64);
  int64_t rank = x->size();
  auto clampAxis = [&](int64_t a) {
    if (a < 0)
      a += rank;
    return std::min(std::max<int64_t>(a, 0), rank);
  };
  int64_t start = clampAxis(getIntAttr(op, "start", 0));
  int64_t end = clampAxis(getIntAttr(op, "end", rank));
  types.push_back(
      RankedTensorType::get({std::max<int64_t>(end - start, 0)}, i64));
  return success();
}

LogicalResult inferConstantOfShapeShape(Operation *op,
                                        SmallVectorImpl<Type> &types) {
  Type element = Float32Type::get(op->getContext());
  if (auto value = op->getAttrOfType<ElementsAttr>("value")) {
    if (getNumElementsChecked(value.getShapedType().getShape()) !=
        std::optional<int64_t>(1))
      return op->emitOpError("value must hold exactly one element");
    element = value.getElementType();
  }
  std::optional<SmallVector<int64_t>> shape =
      getConstantInts(op->getOperand(0));
  if (!shape)
    return pushUnknown(op, types, getLength(op->getOperand(0)), element);
  for (int64_t d : *shape)
    if (d < 0)
      return op->emitOpError()
             << "shape entries must be non-negative, got " << d;
  types.push_back(RankedTensorType::get(*shape, element));
  return success();
}

LogicalResult inferRangeShape(Operation *op, SmallVectorImpl<Type> &types) {
  Type element = getElementType(op->getOperand(0));
  for (Value v : op->getOperands()) {
    std::optional<SmallVector<int64_t>> s = getShape(v);
    if (s && !s->empty())
      return op->emitOpError("start, limit and delta must be scalars");
    if (getElementType(v) != element)
      return op->emitOpError("start, limit and delta must have the same type");
  }
  int64_t n = kDyn;
  if (auto ints = getConstantInts(op->getOperand(0))) {
    auto limit = getConstantInts(op->getOperand(1));
    auto delta = getConstantInts(op->getOperand(2));
    if (limit && delta) {
      if ((*delta)[0] == 0)
        return op->emitOpError("delta must be non-zero");
      // ceil((limit - start) / delta), computed in 128 bits.
      __int128 d = (*delta)[0], span = (__int128)(*limit)[0] - (*ints)[0];
      __int128 q = span / d;
      if (q * d != span && (span > 0) == (d > 0))
        ++q;
      if (q >= ((__int128)1 << 62))
        return op->emitOpError("start, limit and delta make too many elements");
      n = (int64_t)std::max<__int128>(0, q);
    }
  } else if (auto start = getConstantFloats(op->getOperand(0))) {
    auto limit = getConstantFloats(op->getOperand(1));
    auto delta = getConstantFloats(op->getOperand(2));
    if (limit && delta) {
      if ((*delta)[0] == 0)
        return op->emitOpError("delta must be non-zero");
      double count = std::ceil(((*limit)[0] - (*start)[0]) / (*delta)[0]);
      if (!std::isfinite(count) || count >= 0x1p62)
        return op->emitOpError("start, limit and delta make too many elements");
      n = std::max<int64_t>(0, (int64_t)count);
    }
  }
  types.push_back(RankedTensorType::get({n}, element));
  return success();
}

} // namespace tessera::nn
