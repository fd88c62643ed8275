//===- NNShapesCompute.cpp - shape functions of compute ops ---------------===//
//
// Part of Tessera. Convolutions, pooling, matrix products, normalizations and
// reductions, following the ONNX operator specifications.
//
//===----------------------------------------------------------------------===//

#include "NN/Einsum.h"
#include "NN/NNShapeFunctions.h"
#include "NN/NNShapeUtils.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/DenseMap.h"

using namespace mlir;

namespace tessera::nn {

static bool isDyn(int64_t d) { return ShapedType::isDynamic(d); }

namespace {
/// The spatial attributes shared by convolutions and pools, with ONNX
/// defaults applied and lengths checked.
struct WindowAttrs {
  StringRef autoPad = "NOTSET";
  SmallVector<int64_t> kernel, strides, dilations, pads;
};
} // namespace

static FailureOr<WindowAttrs>
getWindowAttrs(Operation *op, size_t spatial,
               ArrayRef<int64_t> kernelFromWeight) {
  WindowAttrs w;
  if (auto autoPad = op->getAttrOfType<StringAttr>("auto_pad"))
    w.autoPad = autoPad.getValue();
  if (w.autoPad != "NOTSET" && w.autoPad != "SAME_UPPER" &&
      w.autoPad != "SAME_LOWER" && w.autoPad != "VALID")
    return op->emitOpError() << "auto_pad must be NOTSET, SAME_UPPER, "
                                "SAME_LOWER or VALID, got '"
                             << w.autoPad << "'";
  auto get = [&](StringRef name, size_t size, int64_t dflt,
                 SmallVector<int64_t> &out) -> LogicalResult {
    std::optional<SmallVector<int64_t>> v = getIntsAttr(op, name);
    if (!v) {
      out.assign(size, dflt);
      return success();
    }
    if (v->size() != size)
      return op->emitOpError()
             << name << " has " << v->size() << " values, expected " << size;
    out = std::move(*v);
    return success();
  };
  std::optional<SmallVector<int64_t>> kernel = getIntsAttr(op, "kernel_shape");
  if (kernel) {
    if (kernel->size() != spatial)
      return op->emitOpError() << "kernel_shape has " << kernel->size()
                               << " values, expected " << spatial;
    for (auto [i, k] : llvm::enumerate(*kernel)) {
      if (k <= 0)
        return op->emitOpError() << "kernel_shape values must be positive";
      if (i < kernelFromWeight.size() && !isDyn(kernelFromWeight[i]) &&
          kernelFromWeight[i] != k)
        return op->emitOpError()
               << "kernel_shape[" << i << "] = " << k
               << " does not match the weight's " << kernelFromWeight[i];
    }
    w.kernel = std::move(*kernel);
  } else if (kernelFromWeight.size() == spatial) {
    w.kernel.assign(kernelFromWeight.begin(), kernelFromWeight.end());
  } else {
    return op->emitOpError("requires a kernel_shape attribute");
  }
  if (failed(get("strides", spatial, 1, w.strides)) ||
      failed(get("dilations", spatial, 1, w.dilations)) ||
      failed(get("pads", 2 * spatial, 0, w.pads)))
    return failure();
  for (int64_t s : w.strides)
    if (s <= 0)
      return op->emitOpError("strides must be positive");
  for (int64_t d : w.dilations)
    if (d <= 0)
      return op->emitOpError("dilations must be positive");
  for (int64_t p : w.pads)
    if (p < 0)
      return op->emitOpError("pads must be non-negative");
  return w;
}

/// The output size of one spatial dim of a sliding window.
static FailureOr<int64_t> windowOutput(Operation *op, const WindowAttrs &w,
                                       size_t i, int64_t in, bool ceilMode) {
  if (isDyn(in) || isDyn(w.kernel[i]))
    return ShapedType::kDynamic;
  int64_t s = w.strides[i];
  // Kernel, dilation and pads are positive attributes and `in` a static dim,
  // so saturating arithmetic keeps every intermediate in range; a saturated
  // result is refused by the bounds check of the inferred type.
  int64_t effective = addDims(mulDims(w.kernel[i] - 1, w.dilations[i]), 1);
  int64_t out;
  if (w.autoPad == "SAME_UPPER" || w.autoPad == "SAME_LOWER") {
    out = (addDims(in, s) - 1) / s;
  } else if (w.autoPad == "VALID") {
    out = in - effective < 0 ? 0 : (in - effective) / s + 1;
  } else {
    size_t spatial = w.strides.size();
    int64_t padBegin = w.pads[i],
            padded = addDims(addDims(in, padBegin), w.pads[i + spatial]);
    if (padded < effective)
      out = 0;
    else if (ceilMode) {
      out = (padded - effective) / s + ((padded - effective) % s != 0) + 1;
      // The last window must start inside the input or the begin padding.
      if (mulDims(out - 1, s) >= addDims(in, padBegin))
        --out;
    } else {
      out = (padded - effective) / s + 1;
    }
  }
  if (out <= 0)
    return op->emitOpError() << "spatial dimension " << i << " of size " << in
                             << " is smaller than the window (" << effective
                             << " after dilation and padding)";
  return out;
}

LogicalResult inferConvShape(Operation *op, SmallVectorImpl<Type> &types) {
  StringRef name = op->getName().getStringRef();
  unsigned wIndex = name == "nn.qlinear_conv" ? 3 : 1;
  Type element = getElementType(op->getOperand(0));
  if (name == "nn.conv_integer")
    element = IntegerType::get(op->getContext(), 32);
  else if (name == "nn.qlinear_conv")
    element = getElementType(op->getOperand(7));
  std::optional<SmallVector<int64_t>> x = getShape(op->getOperand(0));
  std::optional<SmallVector<int64_t>> w = getShape(op->getOperand(wIndex));
  if (!x || !w) {
    types.push_back(makeTensor(std::nullopt, element));
    return success();
  }
  if (x->size() < 3)
    return op->emitOpError()
           << "input must have rank >= 3 (N, C, spatial...), got rank "
           << x->size();
  if (w->size() != x->size())
    return op->emitOpError() << "weight rank " << w->size()
                             << " does not match input rank " << x->size();
  size_t spatial = x->size() - 2;
  int64_t group = getIntAttr(op, "group", 1);
  if (group <= 0)
    return op->emitOpError("group must be positive");
  int64_t c = (*x)[1], m = (*w)[0], cPerGroup = (*w)[1];
  if (!isDyn(c) && !isDyn(cPerGroup) && c != mulDims(cPerGroup, group))
    return op->emitOpError()
           << "input has " << c << " channels but the weight expects "
           << cPerGroup << " x group " << group;
  if (!isDyn(m) && m % group != 0)
    return op->emitOpError()
           << "weight's " << m << " output channels are not divisible by group "
           << group;
  if (name == "nn.conv" && !isNone(op->getOperand(2))) {
    std::optional<SmallVector<int64_t>> b = getShape(op->getOperand(2));
    if (b && (b->size() != 1 || (!isDyn((*b)[0]) && !isDyn(m) && (*b)[0] != m)))
      return op->emitOpError() << "bias must be 1-D with " << m << " elements";
  }
  FailureOr<WindowAttrs> attrs =
      getWindowAttrs(op, spatial, ArrayRef<int64_t>(*w).drop_front(2));
  if (failed(attrs))
    return failure();
  SmallVector<int64_t> out = {(*x)[0], m};
  for (size_t i = 0; i < spatial; ++i) {
    FailureOr<int64_t> d = windowOutput(op, *attrs, i, (*x)[i + 2], false);
    if (failed(d))
      return failure();
    out.push_back(*d);
  }
  types.push_back(RankedTensorType::get(out, element));
  return success();
}

LogicalResult inferConvTransposeShape(Operation *op,
                                      SmallVectorImpl<Type> &types) {
  Type element = getElementType(op->getOperand(0));
  std::optional<SmallVector<int64_t>> x = getShape(op->getOperand(0));
  std::optional<SmallVector<int64_t>> w = getShape(op->getOperand(1));
  if (!x || !w) {
    types.push_back(makeTensor(std::nullopt, element));
    return success();
  }
  if (x->size() < 3 || w->size() != x->size())
    return op->emitOpError()
           << "input and weight must have the same rank >= 3, got " << x->size()
           << " and " << w->size();
  size_t spatial = x->size() - 2;
  int64_t group = getIntAttr(op, "group", 1);
  if (group <= 0)
    return op->emitOpError("group must be positive");
  if (!isDyn((*x)[1]) && !isDyn((*w)[0]) && (*x)[1] != (*w)[0])
    return op->emitOpError() << "input has " << (*x)[1]
                             << " channels but the weight expects " << (*w)[0];
  FailureOr<WindowAttrs> attrs =
      getWindowAttrs(op, spatial, ArrayRef<int64_t>(*w).drop_front(2));
  if (failed(attrs))
    return failure();
  SmallVector<int64_t> outputPadding(spatial, 0);
  if (auto v = getIntsAttr(op, "output_padding")) {
    if (v->size() != spatial)
      return op->emitOpError() << "output_padding has " << v->size()
                               << " values, expected " << spatial;
    outputPadding = *v;
  }
  std::optional<SmallVector<int64_t>> outputShape =
      getIntsAttr(op, "output_shape");
  if (outputShape && outputShape->size() != spatial)
    return op->emitOpError() << "output_shape has " << outputShape->size()
                             << " values, expected " << spatial;
  SmallVector<int64_t> out = {(*x)[0], mulDims((*w)[1], group)};
  for (size_t i = 0; i < spatial; ++i) {
    if (outputShape) {
      out.push_back((*outputShape)[i]);
      continue;
    }
    int64_t in = (*x)[i + 2];
    if (isDyn(in)) {
      out.push_back(ShapedType::kDynamic);
      continue;
    }
    int64_t s = attrs->strides[i];
    if (attrs->autoPad == "SAME_UPPER" || attrs->autoPad == "SAME_LOWER") {
      out.push_back(mulDims(in, s));
      continue;
    }
    // Saturating on the positive terms; a saturated result is refused by the
    // bounds check of the inferred type.
    if (outputPadding[i] < 0)
      return op->emitOpError("output_padding must be non-negative");
    int64_t effective =
        addDims(mulDims(attrs->kernel[i] - 1, attrs->dilations[i]), 1);
    int64_t pads = attrs->autoPad == "VALID"
                       ? 0
                       : addDims(attrs->pads[i], attrs->pads[i + spatial]);
    int64_t d;
    if (in == 0) {
      d = addDims(outputPadding[i], effective) - s - pads;
    } else {
      int64_t grown =
          addDims(addDims(mulDims(s, in - 1), outputPadding[i]), effective);
      d = grown == kOverflowDim ? kOverflowDim : grown - pads;
    }
    if (d <= 0)
      return op->emitOpError()
             << "spatial dimension " << i << " of the result would be " << d;
    out.push_back(d);
  }
  types.push_back(RankedTensorType::get(out, element));
  return success();
}

LogicalResult inferPoolShape(Operation *op, SmallVectorImpl<Type> &types) {
  Type element = getElementType(op->getOperand(0));
  Type i64 = IntegerType::get(op->getContext(), 64);
  std::optional<SmallVector<int64_t>> x = getShape(op->getOperand(0));
  if (!x) {
    types.push_back(makeTensor(std::nullopt, element));
    if (op->getNumResults() == 2)
      types.push_back(makeTensor(std::nullopt, i64));
    return success();
  }
  if (x->size() < 3)
    return op->emitOpError()
           << "input must have rank >= 3 (N, C, spatial...), got rank "
           << x->size();
  size_t spatial = x->size() - 2;
  FailureOr<WindowAttrs> attrs = getWindowAttrs(op, spatial, {});
  if (failed(attrs))
    return failure();
  bool ceilMode = getIntAttr(op, "ceil_mode", 0) != 0;
  SmallVector<int64_t> out = {(*x)[0], (*x)[1]};
  for (size_t i = 0; i < spatial; ++i) {
    FailureOr<int64_t> d = windowOutput(op, *attrs, i, (*x)[i + 2], ceilMode);
    if (failed(d))
      return failure();
    out.push_back(*d);
  }
  types.push_back(RankedTensorType::get(out, element));
  if (op->getNumResults() == 2)
    types.push_back(RankedTensorType::get(out, i64));
  return success();
}

LogicalResult inferGlobalPoolShape(Operation *op,
                                   SmallVectorImpl<Type> &types) {
  Type element = getElementType(op->getOperand(0));
  std::optional<SmallVector<int64_t>> x = getShape(op->getOperand(0));
  if (!x) {
    types.push_back(makeTensor(std::nullopt, element));
    return success();
  }
  if (x->size() < 3)
    return op->emitOpError()
           << "input must have rank >= 3, got rank " << x->size();
  SmallVector<int64_t> out(x->size(), 1);
  out[0] = (*x)[0];
  out[1] = (*x)[1];
  types.push_back(RankedTensorType::get(out, element));
  return success();
}

LogicalResult inferGemmShape(Operation *op, SmallVectorImpl<Type> &types) {
  Type element = getElementType(op->getOperand(0));
  std::optional<SmallVector<int64_t>> a = getShape(op->getOperand(0));
  std::optional<SmallVector<int64_t>> b = getShape(op->getOperand(1));
  if (!a || !b) {
    types.push_back(makeTensor(
        ArrayRef<int64_t>{ShapedType::kDynamic, ShapedType::kDynamic},
        element));
    return success();
  }
  if (a->size() != 2 || b->size() != 2)
    return op->emitOpError() << "A and B must be 2-D, got ranks " << a->size()
                             << " and " << b->size();
  bool transA = getIntAttr(op, "transA", 0),
       transB = getIntAttr(op, "transB", 0);
  int64_t m = (*a)[transA ? 1 : 0], ka = (*a)[transA ? 0 : 1];
  int64_t kb = (*b)[transB ? 1 : 0], n = (*b)[transB ? 0 : 1];
  if (!isDyn(ka) && !isDyn(kb) && ka != kb)
    return op->emitOpError()
           << "inner dimensions differ: A gives " << ka << ", B gives " << kb;
  SmallVector<int64_t> out = {m, n};
  if (std::optional<SmallVector<int64_t>> c = getShape(op->getOperand(2))) {
    if (c->size() > 2)
      return op->emitOpError() << "C must have rank <= 2, got " << c->size();
    FailureOr<SmallVector<int64_t>> bc = broadcastShapes(op, out, *c);
    if (failed(bc))
      return failure();
    // C broadcasts to (M, N) unidirectionally.
    for (size_t i = 0; i < c->size(); ++i) {
      int64_t dc = (*c)[i], dout = out[2 - c->size() + i];
      if (!isDyn(dc) && !isDyn(dout) && dc != 1 && dc != dout)
        return op->emitOpError(
            "C is not unidirectionally broadcastable to (M, N)");
    }
  }
  types.push_back(RankedTensorType::get(out, element));
  return success();
}

LogicalResult inferMatMulShape(Operation *op, SmallVectorImpl<Type> &types) {
  StringRef name = op->getName().getStringRef();
  unsigned bIndex = name == "nn.qlinear_matmul" ? 3 : 1;
  Type element = getElementType(op->getOperand(0));
  if (name == "nn.matmul_integer")
    element = IntegerType::get(op->getContext(), 32);
  else if (name == "nn.qlinear_matmul")
    element = getElementType(op->getOperand(7));
  std::optional<SmallVector<int64_t>> a = getShape(op->getOperand(0));
  std::optional<SmallVector<int64_t>> b = getShape(op->getOperand(bIndex));
  if (!a || !b) {
    types.push_back(makeTensor(std::nullopt, element));
    return success();
  }
  if (a->empty() || b->empty())
    return op->emitOpError("operands must have rank >= 1");
  SmallVector<int64_t> sa = *a, sb = *b;
  bool vecA = sa.size() == 1, vecB = sb.size() == 1;
  if (vecA)
    sa.insert(sa.begin(), 1);
  if (vecB)
    sb.push_back(1);
  int64_t ka = sa.back(), kb = sb[sb.size() - 2];
  if (!isDyn(ka) && !isDyn(kb) && ka != kb)
    return op->emitOpError()
           << "inner dimensions differ: " << ka << " vs " << kb;
  FailureOr<SmallVector<int64_t>> batch =
      broadcastShapes(op, ArrayRef<int64_t>(sa).drop_back(2),
                      ArrayRef<int64_t>(sb).drop_back(2));
  if (failed(batch))
    return failure();
  SmallVector<int64_t> out = *batch;
  if (!vecA)
    out.push_back(sa[sa.size() - 2]);
  if (!vecB)
    out.push_back(sb.back());
  types.push_back(RankedTensorType::get(out, element));
  return success();
}

LogicalResult inferEinsumShape(Operation *op, SmallVectorImpl<Type> &types) {
  auto equationAttr = op->getAttrOfType<StringAttr>("equation");
  if (!equationAttr)
    return op->emitOpError("requires an equation");
  Type element =
      op->getNumOperands() ? getElementType(op->getOperand(0)) : Type();
  auto emitError = [&] { return op->emitOpError(); };
  EinsumParser parser(equationAttr.getValue(), emitError);
  if (failed(parser.checkNumInputs(op->getNumOperands())))
    return failure();
  // Sizes by label id; a size of 1 broadcasts against another.
  DenseMap<int64_t, int64_t> sizes;
  SmallVector<int64_t> ellipsis;
  for (auto [i, operand] : llvm::enumerate(op->getOperands())) {
    std::optional<SmallVector<int64_t>> shape = getShape(operand);
    if (!shape) {
      types.push_back(makeTensor(std::nullopt, element));
      return success();
    }
    FailureOr<SmallVector<int64_t>> ids = parser.parseInput(i, shape->size());
    if (failed(ids))
      return failure();
    for (size_t dim = 0; dim < ids->size(); ++dim) {
      int64_t id = (*ids)[dim];
      if (id >= kEinsumEllipsisBase) {
        // The ellipsis dims are contiguous, the first one is the outermost.
        int64_t ellipsisRank = id - kEinsumEllipsisBase + 1;
        FailureOr<SmallVector<int64_t>> b = broadcastShapes(
            op, ellipsis, ArrayRef<int64_t>(*shape).slice(dim, ellipsisRank));
        if (failed(b))
          return failure();
        ellipsis = *b;
        dim += ellipsisRank - 1;
        continue;
      }
      int64_t size = (*shape)[dim];
      auto it = sizes.find(id);
      if (it != sizes.end() && !isDyn(it->second) && !isDyn(size) &&
          it->second != size && it->second != 1 && size != 1)
        return op->emitOpError()
               << "label '" << getEinsumLabel(id) << "' has sizes "
               << it->second << " and " << size;
      if (it == sizes.end() || it->second == 1 || isDyn(it->second))
        sizes[id] = size;
    }
  }
  FailureOr<SmallVector<int64_t>> outIds = parser.parseOutput();
  if (failed(outIds))
    return failure();
  SmallVector<int64_t> out;
  for (int64_t id : *outIds)
    out.push_back(
        id >= kEinsumEllipsisBase
            ? ellipsis[ellipsis.size() - 1 - (id - kEinsumEllipsisBase)]
            : sizes.lookup(id));
  types.push_back(RankedTensorType::get(out, element));
  return success();
}

LogicalResult inferBatchNormShape(Operation *op, SmallVectorImpl<Type> &types) {
  std::optional<SmallVector<int64_t>> x = getShape(op->getOperand(0));
  if (x && x->size() < 2)
    return op->emitOpError("input must have rank >= 2");
  for (unsigned i = 1; i < 5; ++i) {
    std::optional<SmallVector<int64_t>> p = getShape(op->getOperand(i));
    if (!x || !p)
      continue;
    if (p->size() != 1 ||
        (!isDyn((*p)[0]) && !isDyn((*x)[1]) && (*p)[0] != (*x)[1]))
      return op->emitOpError() << "operand #" << i << " must be 1-D with "
                               << (*x)[1] << " elements (the channels)";
  }
  types.push_back(op->getOperand(0).getType());
  types.push_back(op->getOperand(3).getType());
  types.push_back(op->getOperand(4).getType());
  return success();
}

LogicalResult inferLayerNormShape(Operation *op, SmallVectorImpl<Type> &types) {
  Type input = op->getOperand(0).getType();
  types.push_back(input);
  Type stash = FloatType(Float32Type::get(op->getContext()));
  if (getIntAttr(op, "stash_type", 1) != 1)
    return op->emitOpError("stash_type must be 1 (float)");
  std::optional<SmallVector<int64_t>> x = getShape(op->getOperand(0));
  if (!x) {
    types.append(2, makeTensor(std::nullopt, stash));
    return success();
  }
  FailureOr<int64_t> axis =
      normalizeAxis(op, getIntAttr(op, "axis", -1), x->size(), "axis");
  if (failed(axis))
    return failure();
  SmallVector<int64_t> reduced = *x;
  for (size_t i = *axis; i < reduced.size(); ++i)
    reduced[i] = 1;
  types.append(2, RankedTensorType::get(reduced, stash));
  return success();
}

LogicalResult inferReduceShape(Operation *op, SmallVectorImpl<Type> &types) {
  Type element = getElementType(op->getOperand(0));
  bool keepDims = getIntAttr(op, "keepdims", 1) != 0;
  std::optional<SmallVector<int64_t>> x = getShape(op->getOperand(0));
  std::optional<SmallVector<int64_t>> axes;
  bool axesKnown = true;
  if (op->getNumOperands() > 1 && !isNone(op->getOperand(1))) {
    axes = getConstantInts(op->getOperand(1));
    axesKnown = axes.has_value();
  } else {
    axes = getIntsAttr(op, "axes");
  }
  if (!x) {
    types.push_back(makeTensor(std::nullopt, element));
    return success();
  }
  if (!axesKnown) {
    if (!keepDims) {
      types.push_back(makeTensor(std::nullopt, element));
      return success();
    }
    types.push_back(RankedTensorType::get(
        SmallVector<int64_t>(x->size(), ShapedType::kDynamic), element));
    return success();
  }
  SmallVector<bool> reduce(x->size(), false);
  if (!axes || axes->empty()) {
    if (getIntAttr(op, "noop_with_empty_axes", 0)) {
      types.push_back(op->getOperand(0).getType());
      return success();
    }
    reduce.assign(x->size(), true);
  } else {
    for (int64_t a : *axes) {
      FailureOr<int64_t> axis = normalizeAxis(op, a, x->size(), "axis");
      if (failed(axis))
        return failure();
      if (reduce[*axis])
        return op->emitOpError() << "axis " << a << " is repeated";
      reduce[*axis] = true;
    }
  }
  SmallVector<int64_t> out;
  for (size_t i = 0; i < x->size(); ++i) {
    if (!reduce[i])
      out.push_back((*x)[i]);
    else if (keepDims)
      out.push_back(1);
  }
  types.push_back(RankedTensorType::get(out, element));
  return success();
}

LogicalResult inferArgReduceShape(Operation *op, SmallVectorImpl<Type> &types) {
  Type i64 = IntegerType::get(op->getContext(), 64);
  std::optional<SmallVector<int64_t>> x = getShape(op->getOperand(0));
  if (!x) {
    types.push_back(makeTensor(std::nullopt, i64));
    return success();
  }
  FailureOr<int64_t> axis =
      normalizeAxis(op, getIntAttr(op, "axis", 0), x->size(), "axis");
  if (failed(axis))
    return failure();
  SmallVector<int64_t> out = *x;
  if (getIntAttr(op, "keepdims", 1))
    out[*axis] = 1;
  else
    out.erase(out.begin() + *axis);
  types.push_back(RankedTensorType::get(out, i64));
  return success();
}

} // namespace tessera::nn
