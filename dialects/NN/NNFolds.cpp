//===- NNFolds.cpp - folders of nn ops ------------------------------------===//
//
// Part of Tessera. Folders that make shape subgraphs (Shape -> Gather ->
// Concat -> Reshape and friends) disappear once input shapes are pinned, and
// identities (a reshape to the same type, an inference-mode Dropout). Values
// are computed only for small tensors: weights are folded by dedicated passes,
// never by the canonicalizer.
//
//===----------------------------------------------------------------------===//

#include "NN/NNOps.h"
#include "NN/NNShapeUtils.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/CheckedArithmetic.h"

#include <cmath>
#include <functional>
#include <limits>

using namespace mlir;
using namespace tessera::nn;

/// Constants above this many elements are never materialized by a folder.
static constexpr int64_t kMaxFoldElements = 4096;

/// Splat constants (ConstantOfShape) above this many elements are not folded:
/// the op is left for the lowering, which allocates it at run time.
static constexpr int64_t kMaxSplatFoldElements = int64_t(1) << 24;

/// The element count of a static tensor type when it is at most `limit`.
static std::optional<int64_t> smallCount(Type type, int64_t limit) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (!tensor || !tensor.hasStaticShape())
    return std::nullopt;
  std::optional<int64_t> count = getNumElementsChecked(tensor.getShape());
  if (!count || *count > limit)
    return std::nullopt;
  return count;
}

namespace {
/// The values of a small constant, as int64 or double.
struct Values {
  bool isFloat = false;
  SmallVector<int64_t> ints;
  SmallVector<double> floats;
  size_t size() const { return isFloat ? floats.size() : ints.size(); }
  double asDouble(size_t i) const {
    return isFloat ? floats[i] : (double)ints[i];
  }
};
} // namespace

static std::optional<Values> getValues(Attribute attr) {
  auto dense = dyn_cast_or_null<DenseElementsAttr>(attr);
  if (!dense || !smallCount(dense.getType(), kMaxFoldElements))
    return std::nullopt;
  Values v;
  Type element = dense.getElementType();
  if (auto intType = dyn_cast<IntegerType>(element)) {
    for (const APInt &x : dense.getValues<APInt>())
      v.ints.push_back(intType.isUnsigned() || intType.getWidth() == 1
                           ? (int64_t)x.getZExtValue()
                           : x.getSExtValue());
    return v;
  }
  if (isa<FloatType>(element)) {
    v.isFloat = true;
    for (const APFloat &x : dense.getValues<APFloat>())
      v.floats.push_back(x.convertToDouble());
    return v;
  }
  return std::nullopt;
}

/// Builds a dense constant of `type` (which must be static) from `v`,
/// converting between integers and floats as a Cast would.
static Attribute makeAttr(Type type, const Values &v) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  std::optional<int64_t> count = smallCount(type, kMaxFoldElements);
  if (!tensor || !count || *count != (int64_t)v.size())
    return {};
  Type element = tensor.getElementType();
  if (auto intType = dyn_cast<IntegerType>(element)) {
    SmallVector<APInt> values;
    for (size_t i = 0; i < v.size(); ++i) {
      int64_t x = v.isFloat ? (int64_t)v.floats[i] : v.ints[i];
      if (intType.getWidth() == 1)
        x = v.isFloat ? v.floats[i] != 0 : v.ints[i] != 0;
      values.push_back(APInt(intType.getWidth(), (uint64_t)x,
                             /*isSigned=*/!intType.isUnsigned(),
                             /*implicitTrunc=*/true));
    }
    return DenseElementsAttr::get(tensor, values);
  }
  if (auto floatType = dyn_cast<FloatType>(element)) {
    SmallVector<APFloat> values;
    for (size_t i = 0; i < v.size(); ++i) {
      APFloat x(v.asDouble(i));
      bool lost;
      x.convert(floatType.getFloatSemantics(), APFloat::rmNearestTiesToEven,
                &lost);
      values.push_back(x);
    }
    return DenseElementsAttr::get(tensor, values);
  }
  return {};
}

static SmallVector<int64_t> stridesOf(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> strides(shape.size(), 1);
  for (int64_t i = (int64_t)shape.size() - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * shape[i + 1];
  return strides;
}

/// Builds the result `type` by reading, for every result index, the element
/// of `in` that `map` names (the common shape of gather, slice, transpose,
/// tile and broadcast).
static Attribute
gatherInto(Type type, const Values &in,
           llvm::function_ref<int64_t(ArrayRef<int64_t>)> map) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  std::optional<int64_t> maybeCount = smallCount(type, kMaxFoldElements);
  if (!tensor || !maybeCount)
    return {};
  ArrayRef<int64_t> shape = tensor.getShape();
  int64_t count = *maybeCount;
  Values out;
  out.isFloat = in.isFloat;
  SmallVector<int64_t> index(shape.size(), 0);
  for (int64_t flat = 0; flat < count; ++flat) {
    int64_t src = map(index);
    if (src < 0 || src >= (int64_t)in.size())
      return {};
    if (in.isFloat)
      out.floats.push_back(in.floats[src]);
    else
      out.ints.push_back(in.ints[src]);
    for (int64_t d = (int64_t)shape.size() - 1; d >= 0; --d) {
      if (++index[d] < shape[d])
        break;
      index[d] = 0;
    }
  }
  return makeAttr(type, out);
}

/// The flat index into a tensor of `shape` that broadcasts to `index`.
static int64_t broadcastIndex(ArrayRef<int64_t> shape,
                              ArrayRef<int64_t> index) {
  SmallVector<int64_t> strides = stridesOf(shape);
  int64_t offset = index.size() - shape.size(), flat = 0;
  for (size_t i = 0; i < shape.size(); ++i)
    flat += (shape[i] == 1 ? 0 : index[i + offset]) * strides[i];
  return flat;
}

static std::optional<SmallVector<int64_t>> staticShape(Value v) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  if (!type || !type.hasStaticShape())
    return std::nullopt;
  return SmallVector<int64_t>(type.getShape());
}

/// Folds a broadcasting elementwise op whose operands are all constants.
static Attribute foldElementwise(
    Operation *op, ArrayRef<Attribute> operands,
    llvm::function_ref<std::optional<double>(ArrayRef<double>)> floatFn,
    llvm::function_ref<std::optional<int64_t>(ArrayRef<int64_t>)> intFn) {
  auto type = dyn_cast<RankedTensorType>(op->getResult(0).getType());
  if (!type || !smallCount(type, kMaxFoldElements))
    return {};
  SmallVector<Values> values;
  SmallVector<SmallVector<int64_t>> shapes;
  for (auto [attr, operand] : llvm::zip(operands, op->getOperands())) {
    std::optional<Values> v = getValues(attr);
    std::optional<SmallVector<int64_t>> s = staticShape(operand);
    if (!v || !s)
      return {};
    values.push_back(std::move(*v));
    shapes.push_back(std::move(*s));
  }
  bool isFloat = values.front().isFloat;
  Values out;
  out.isFloat = isFloat;
  ArrayRef<int64_t> shape = type.getShape();
  SmallVector<int64_t> index(shape.size(), 0);
  for (int64_t flat = 0; flat < type.getNumElements(); ++flat) {
    if (isFloat) {
      SmallVector<double> args;
      for (auto [v, s] : llvm::zip(values, shapes))
        args.push_back(v.asDouble(broadcastIndex(s, index)));
      std::optional<double> r = floatFn(args);
      if (!r)
        return {};
      out.floats.push_back(*r);
    } else {
      SmallVector<int64_t> args;
      for (auto [v, s] : llvm::zip(values, shapes)) {
        if (v.isFloat)
          return {};
        args.push_back(v.ints[broadcastIndex(s, index)]);
      }
      std::optional<int64_t> r = intFn(args);
      if (!r)
        return {};
      out.ints.push_back(*r);
    }
    for (int64_t d = (int64_t)shape.size() - 1; d >= 0; --d) {
      if (++index[d] < shape[d])
        break;
      index[d] = 0;
    }
  }
  // Comparisons produce i1 from operands of another type.
  if (!isa<FloatType>(type.getElementType()) && out.isFloat) {
    Values asInts;
    for (double d : out.floats)
      asInts.ints.push_back((int64_t)d);
    return makeAttr(type, asInts);
  }
  return makeAttr(type, out);
}

/// Returns `input` when the op does not change its type (for ops that never
/// move elements: Identity, Cast, a one-input Concat).
static OpFoldResult foldIdentityType(Operation *op, Value input) {
  if (input.getType() == op->getResult(0).getType())
    return input;
  return {};
}

/// Returns `input` when the op keeps its static shape (a reshape to the same
/// shape). Equal types with unknown dims say nothing: a Squeeze of an
/// unranked tensor has an unranked result too.
static OpFoldResult foldSameStaticShape(Operation *op, Value input) {
  auto type = dyn_cast<RankedTensorType>(input.getType());
  if (type && type.hasStaticShape() && type == op->getResult(0).getType())
    return input;
  return {};
}

/// Reshapes a constant to the op's static result type.
static OpFoldResult foldReshapeConstant(Operation *op, Attribute input) {
  auto dense = dyn_cast_or_null<DenseElementsAttr>(input);
  auto type = dyn_cast<RankedTensorType>(op->getResult(0).getType());
  if (!dense || !type || !type.hasStaticShape() ||
      type.getElementType() != dense.getElementType())
    return {};
  if (!dense.isSplat() && !smallCount(dense.getType(), kMaxFoldElements))
    return {};
  return dense.reshape(type);
}

//===----------------------------------------------------------------------===//
// Shape computations.
//===----------------------------------------------------------------------===//

OpFoldResult ShapeOp::fold(FoldAdaptor) {
  auto input = dyn_cast<RankedTensorType>(getData().getType());
  auto type = dyn_cast<RankedTensorType>(getShape().getType());
  if (!input || !type || !type.hasStaticShape())
    return {};
  int64_t rank = input.getRank();
  auto clampAxis = [&](int64_t a) {
    if (a < 0)
      a += rank;
    return std::min(std::max<int64_t>(a, 0), rank);
  };
  int64_t start = clampAxis(getStart());
  int64_t end = clampAxis(getEnd() ? *getEnd() : rank);
  Values v;
  for (int64_t i = start; i < end; ++i) {
    if (input.isDynamicDim(i))
      return {};
    v.ints.push_back(input.getDimSize(i));
  }
  return makeAttr(type, v);
}

OpFoldResult ConstantOfShapeOp::fold(FoldAdaptor) {
  auto type = dyn_cast<RankedTensorType>(getOutput().getType());
  if (!type || !smallCount(type, kMaxSplatFoldElements))
    return {};
  if (auto value = getValueAttr()) {
    auto dense = dyn_cast<DenseElementsAttr>(value);
    if (!dense)
      return {};
    return DenseElementsAttr::get(type, dense.getValues<Attribute>()[0]);
  }
  return DenseElementsAttr::get(
      type, cast<Attribute>(FloatAttr::get(type.getElementType(), 0.0)));
}

OpFoldResult RangeOp::fold(FoldAdaptor adaptor) {
  auto type = dyn_cast<RankedTensorType>(getOutput().getType());
  std::optional<Values> start = getValues(adaptor.getStart());
  std::optional<Values> delta = getValues(adaptor.getDelta());
  std::optional<int64_t> count = smallCount(type, kMaxFoldElements);
  if (!type || !count || !start || !delta || start->size() != 1 ||
      delta->size() != 1)
    return {};
  Values out;
  out.isFloat = start->isFloat;
  for (int64_t i = 0; i < *count; ++i) {
    if (out.isFloat) {
      out.floats.push_back(start->floats[0] + i * delta->floats[0]);
      continue;
    }
    std::optional<int64_t> step = llvm::checkedMul(i, delta->ints[0]);
    std::optional<int64_t> value =
        step ? llvm::checkedAdd(start->ints[0], *step) : std::nullopt;
    if (!value)
      return {};
    out.ints.push_back(*value);
  }
  return makeAttr(type, out);
}

OpFoldResult GatherOp::fold(FoldAdaptor adaptor) {
  std::optional<Values> data = getValues(adaptor.getData());
  std::optional<Values> indices = getValues(adaptor.getIndices());
  std::optional<SmallVector<int64_t>> dataShape = staticShape(getData());
  std::optional<SmallVector<int64_t>> indicesShape = staticShape(getIndices());
  if (!data || !indices || !dataShape || !indicesShape || indices->isFloat)
    return {};
  int64_t rank = dataShape->size();
  int64_t axis = static_cast<int64_t>(getAxis());
  if (axis < 0)
    axis += rank;
  if (axis < 0 || axis >= rank)
    return {};
  SmallVector<int64_t> dataStrides = stridesOf(*dataShape);
  SmallVector<int64_t> indexStrides = stridesOf(*indicesShape);
  int64_t q = indicesShape->size(), dim = (*dataShape)[axis];
  return gatherInto(getOutput().getType(), *data, [&](ArrayRef<int64_t> idx) {
    int64_t flatIndex = 0;
    for (int64_t j = 0; j < q; ++j)
      flatIndex += idx[axis + j] * indexStrides[j];
    int64_t k = indices->ints[flatIndex];
    if (k < 0)
      k += dim;
    if (k < 0 || k >= dim)
      return (int64_t)-1;
    int64_t src = k * dataStrides[axis];
    for (int64_t i = 0; i < axis; ++i)
      src += idx[i] * dataStrides[i];
    for (int64_t i = axis + 1; i < rank; ++i)
      src += idx[i + q - 1] * dataStrides[i];
    return src;
  });
}

OpFoldResult ConcatOp::fold(FoldAdaptor adaptor) {
  if (getInputs().size() == 1)
    return foldIdentityType(*this, getInputs()[0]);
  auto type = dyn_cast<RankedTensorType>(getConcatResult().getType());
  if (!type || !smallCount(type, kMaxFoldElements))
    return {};
  int64_t rank = type.getRank();
  int64_t axis = static_cast<int64_t>(getAxis());
  if (axis < 0)
    axis += rank;
  Values out;
  SmallVector<Values> parts;
  SmallVector<int64_t> blocks;
  int64_t outer = 1;
  for (int64_t i = 0; i < axis; ++i)
    outer *= type.getDimSize(i);
  for (auto [attr, operand] : llvm::zip(adaptor.getInputs(), getInputs())) {
    std::optional<Values> v = getValues(attr);
    if (!v)
      return {};
    out.isFloat = v->isFloat;
    blocks.push_back(outer ? v->size() / outer : 0);
    parts.push_back(std::move(*v));
  }
  for (int64_t o = 0; o < outer; ++o)
    for (auto [part, block] : llvm::zip(parts, blocks))
      for (int64_t i = 0; i < block; ++i) {
        if (part.isFloat)
          out.floats.push_back(part.floats[o * block + i]);
        else
          out.ints.push_back(part.ints[o * block + i]);
      }
  return makeAttr(type, out);
}

OpFoldResult SliceOp::fold(FoldAdaptor adaptor) {
  if (OpFoldResult same = foldSameStaticShape(*this, getData())) {
    // Only a slice that provably keeps everything is an identity.
    auto starts = getConstantInts(getStarts());
    auto steps = getConstantInts(getSteps());
    if (starts && llvm::all_of(*starts, [](int64_t s) { return s == 0; }) &&
        (isNone(getSteps()) ||
         (steps && llvm::all_of(*steps, [](int64_t s) { return s == 1; }))))
      return same;
  }
  std::optional<Values> data = getValues(adaptor.getData());
  std::optional<SmallVector<int64_t>> shape = staticShape(getData());
  auto starts = getConstantInts(getStarts());
  auto ends = getConstantInts(getEnds());
  auto axes = getConstantInts(getAxes());
  auto steps = getConstantInts(getSteps());
  if (!data || !shape || !starts || !ends || (!isNone(getAxes()) && !axes) ||
      (!isNone(getSteps()) && !steps))
    return {};
  std::optional<ArrayRef<int64_t>> axesRef, stepsRef;
  if (axes)
    axesRef = *axes;
  if (steps)
    stepsRef = *steps;
  auto dims = computeSlice(*this, *shape, *starts, *ends, axesRef, stepsRef);
  if (failed(dims))
    return {};
  SmallVector<int64_t> strides = stridesOf(*shape);
  return gatherInto(getOutput().getType(), *data, [&](ArrayRef<int64_t> idx) {
    int64_t src = 0;
    for (size_t i = 0; i < idx.size(); ++i)
      src += ((*dims)[i].start + idx[i] * (*dims)[i].step) * strides[i];
    return src;
  });
}

OpFoldResult TransposeOp::fold(FoldAdaptor adaptor) {
  std::optional<Values> data = getValues(adaptor.getData());
  std::optional<SmallVector<int64_t>> shape = staticShape(getData());
  if (!data || !shape)
    return {};
  SmallVector<int64_t> perm;
  if (auto p = getPerm())
    perm.assign(p->begin(), p->end());
  else
    for (int64_t i = shape->size() - 1; i >= 0; --i)
      perm.push_back(i);
  SmallVector<int64_t> strides = stridesOf(*shape);
  return gatherInto(getTransposed().getType(), *data,
                    [&](ArrayRef<int64_t> idx) {
                      int64_t src = 0;
                      for (size_t i = 0; i < idx.size(); ++i)
                        src += idx[i] * strides[perm[i]];
                      return src;
                    });
}

OpFoldResult TileOp::fold(FoldAdaptor adaptor) {
  std::optional<Values> data = getValues(adaptor.getInput());
  std::optional<SmallVector<int64_t>> shape = staticShape(getInput());
  if (!data || !shape)
    return {};
  SmallVector<int64_t> strides = stridesOf(*shape);
  return gatherInto(getOutput().getType(), *data, [&](ArrayRef<int64_t> idx) {
    int64_t src = 0;
    for (size_t i = 0; i < idx.size(); ++i)
      src += (idx[i] % (*shape)[i]) * strides[i];
    return src;
  });
}

OpFoldResult ExpandOp::fold(FoldAdaptor adaptor) {
  if (OpFoldResult same = foldSameStaticShape(*this, getInput()))
    return same;
  std::optional<Values> data = getValues(adaptor.getInput());
  std::optional<SmallVector<int64_t>> shape = staticShape(getInput());
  if (!data || !shape)
    return {};
  return gatherInto(getOutput().getType(), *data, [&](ArrayRef<int64_t> idx) {
    return broadcastIndex(*shape, idx);
  });
}

OpFoldResult ReshapeOp::fold(FoldAdaptor adaptor) {
  if (OpFoldResult same = foldSameStaticShape(*this, getData()))
    return same;
  return foldReshapeConstant(*this, adaptor.getData());
}

OpFoldResult FlattenOp::fold(FoldAdaptor adaptor) {
  if (OpFoldResult same = foldSameStaticShape(*this, getInput()))
    return same;
  return foldReshapeConstant(*this, adaptor.getInput());
}

OpFoldResult SqueezeOp::fold(FoldAdaptor adaptor) {
  if (OpFoldResult same = foldSameStaticShape(*this, getData()))
    return same;
  return foldReshapeConstant(*this, adaptor.getData());
}

OpFoldResult UnsqueezeOp::fold(FoldAdaptor adaptor) {
  return foldReshapeConstant(*this, adaptor.getData());
}

OpFoldResult IdentityOp::fold(FoldAdaptor) {
  return foldIdentityType(*this, getInput());
}

OpFoldResult CastOp::fold(FoldAdaptor adaptor) {
  if (OpFoldResult same = foldIdentityType(*this, getInput()))
    return same;
  std::optional<Values> v = getValues(adaptor.getInput());
  if (!v)
    return {};
  // Float to integer casts truncate toward zero (as C does), like ONNX.
  return makeAttr(getOutput().getType(), *v);
}

LogicalResult DropoutOp::fold(FoldAdaptor adaptor,
                              SmallVectorImpl<OpFoldResult> &results) {
  // In inference mode Dropout is the identity and its mask all true.
  if (!isNone(getTrainingMode())) {
    std::optional<Values> mode = getValues(adaptor.getTrainingMode());
    if (!mode || mode->size() != 1 || mode->ints.empty() || mode->ints[0] != 0)
      return failure();
  }
  if (getData().getType() != getOutput().getType())
    return failure();
  auto maskType = dyn_cast<RankedTensorType>(getMask().getType());
  if (!getMask().use_empty() && (!maskType || !maskType.hasStaticShape()))
    return failure();
  results.push_back(getData());
  if (maskType && maskType.hasStaticShape())
    results.push_back(DenseElementsAttr::get(maskType, true));
  else
    results.push_back(OpFoldResult());
  return success();
}

//===----------------------------------------------------------------------===//
// Elementwise arithmetic on small constants (shape arithmetic).
//===----------------------------------------------------------------------===//

static constexpr int64_t kInt64Min = std::numeric_limits<int64_t>::min();

#define FOLD_BINARY(OP, FLOAT_EXPR, INT_EXPR)                                  \
  OpFoldResult OP::fold(FoldAdaptor adaptor) {                                 \
    return foldElementwise(                                                    \
        *this, adaptor.getOperands(),                                          \
        [](ArrayRef<double> a) -> std::optional<double> {                      \
          return FLOAT_EXPR;                                                   \
        },                                                                     \
        [](ArrayRef<int64_t> a) -> std::optional<int64_t> {                    \
          return INT_EXPR;                                                     \
        });                                                                    \
  }

// Integer results that overflow int64 are not folded.
FOLD_BINARY(AddOp, a[0] + a[1], llvm::checkedAdd(a[0], a[1]))
FOLD_BINARY(SubOp, a[0] - a[1], llvm::checkedSub(a[0], a[1]))
FOLD_BINARY(MulOp, a[0] * a[1], llvm::checkedMul(a[0], a[1]))
// Integer division truncates toward zero, as ONNX's reference does.
FOLD_BINARY(DivOp, a[0] / a[1],
            a[1] == 0 || (a[0] == kInt64Min && a[1] == -1)
                ? std::optional<int64_t>()
                : a[0] / a[1])
FOLD_BINARY(EqualOp, a[0] == a[1], a[0] == a[1])
FOLD_BINARY(LessOp, a[0] < a[1], a[0] < a[1])
FOLD_BINARY(GreaterOp, a[0] > a[1], a[0] > a[1])
FOLD_BINARY(WhereOp, a[0] != 0 ? a[1] : a[2], a[0] != 0 ? a[1] : a[2])
FOLD_BINARY(NotOp, a[0] == 0, a[0] == 0)
FOLD_BINARY(NegOp, -a[0], a[0] == kInt64Min ? std::optional<int64_t>() : -a[0])
FOLD_BINARY(AbsOp, std::fabs(a[0]),
            a[0] == kInt64Min ? std::optional<int64_t>()
                              : (a[0] < 0 ? -a[0] : a[0]))
FOLD_BINARY(MaxOp, *std::max_element(a.begin(), a.end()),
            *std::max_element(a.begin(), a.end()))
FOLD_BINARY(MinOp, *std::min_element(a.begin(), a.end()),
            *std::min_element(a.begin(), a.end()))
#undef FOLD_BINARY

OpFoldResult ReduceProdOp::fold(FoldAdaptor adaptor) {
  std::optional<Values> v = getValues(adaptor.getData());
  auto type = dyn_cast<RankedTensorType>(getReduced().getType());
  // Only whole-tensor products (the element count of a shape) fold.
  if (!v || v->isFloat || !type || type.getNumElements() != 1 ||
      (getAxes() && getAxes()->size() != 0 &&
       cast<RankedTensorType>(getData().getType()).getRank() !=
           (int64_t)getAxes()->size()))
    return {};
  Values out;
  out.ints.push_back(1);
  for (int64_t x : v->ints) {
    std::optional<int64_t> product = llvm::checkedMul(out.ints[0], x);
    if (!product)
      return {};
    out.ints[0] = *product;
  }
  return makeAttr(type, out);
}

OpFoldResult SizeOp::fold(FoldAdaptor) {
  auto input = dyn_cast<RankedTensorType>(getData().getType());
  if (!input || !input.hasStaticShape())
    return {};
  std::optional<int64_t> count = getNumElementsChecked(input.getShape());
  if (!count)
    return {};
  Values v;
  v.ints.push_back(*count);
  return makeAttr(getSize().getType(), v);
}

/// The window sum_k a[k] cos(2 pi k n / N') (signs in `a`) of a static 1-D
/// result, N' = N when periodic and N - 1 otherwise, computed in double.
static Attribute foldWindow(Type type, bool periodic, ArrayRef<double> a) {
  std::optional<int64_t> count = smallCount(type, kMaxFoldElements);
  if (!count)
    return {};
  Values v;
  v.isFloat = true;
  double denominator = static_cast<double>(periodic ? *count : *count - 1);
  for (int64_t n = 0; n < *count; ++n) {
    double value = 0;
    for (auto [k, coefficient] : llvm::enumerate(a))
      value += coefficient *
               std::cos(2.0 * M_PI * static_cast<double>(k * n) / denominator);
    v.floats.push_back(value);
  }
  return makeAttr(type, v);
}

OpFoldResult HannWindowOp::fold(FoldAdaptor) {
  return foldWindow(getOutput().getType(), getPeriodic() != 0, {0.5, -0.5});
}

OpFoldResult HammingWindowOp::fold(FoldAdaptor) {
  return foldWindow(getOutput().getType(), getPeriodic() != 0,
                    {25.0 / 46.0, -(1.0 - 25.0 / 46.0)});
}

OpFoldResult BlackmanWindowOp::fold(FoldAdaptor) {
  return foldWindow(getOutput().getType(), getPeriodic() != 0,
                    {0.42, -0.5, 0.08});
}
//===----------------------------------------------------------------------===//
// NonZero
//===----------------------------------------------------------------------===//

/// The coordinates of the nonzero elements of a constant, row-major: its
/// result size is known only from the values.
OpFoldResult NonZeroOp::fold(FoldAdaptor adaptor) {
  auto type = dyn_cast<RankedTensorType>(getY().getType());
  auto input = dyn_cast<RankedTensorType>(getX().getType());
  std::optional<Values> values = getValues(adaptor.getX());
  if (!type || !type.hasStaticShape() || !input || !values ||
      input.getRank() == 0)
    return {};
  ArrayRef<int64_t> shape = input.getShape();
  int64_t rank = shape.size();
  SmallVector<SmallVector<int64_t>> coords(rank);
  for (size_t i = 0; i < values->size(); ++i) {
    if (values->asDouble(i) == 0)
      continue;
    int64_t rest = i;
    for (int64_t d = rank - 1; d >= 0; --d) {
      coords[d].push_back(rest % shape[d]);
      rest /= shape[d];
    }
  }
  Values v;
  for (const SmallVector<int64_t> &c : coords)
    v.ints.append(c.begin(), c.end());
  return makeAttr(type, v);
}
