//===- NNShapesDetection.cpp - shape functions of detection ops -----------===//
//
// Part of Tessera. GridSample, RoiAlign, Det, MaxUnpool and NonZero,
// following the ONNX operator specifications.
//
//===----------------------------------------------------------------------===//

#include "NN/NNShapeFunctions.h"
#include "NN/NNShapeUtils.h"

#include "mlir/IR/Builders.h"

using namespace mlir;

namespace tessera::nn {

/// NonZero of a constant with at most this many elements is folded (the
/// limit of NNFolds.cpp's materialized constants).
static constexpr size_t kMaxNonZeroFoldElements = 4096;

static bool isDyn(int64_t d) { return ShapedType::isDynamic(d); }

/// Emits an error unless both dims are static and differ.
static bool conflict(int64_t a, int64_t b) {
  return !isDyn(a) && !isDyn(b) && a != b;
}

/// Checks that the string attribute `name` is one of `allowed`.
static LogicalResult checkChoice(Operation *op, StringRef name,
                                 ArrayRef<StringRef> allowed) {
  auto attr = op->getAttrOfType<StringAttr>(name);
  if (!attr || llvm::is_contained(allowed, attr.getValue()))
    return success();
  InFlightDiagnostic diag = op->emitOpError();
  diag << name << " must be ";
  for (auto [i, a] : llvm::enumerate(allowed))
    diag << (i == 0                    ? ""
             : i + 1 == allowed.size() ? " or "
                                       : ", ")
         << "'" << a << "'";
  diag << ", got '" << attr.getValue() << "'";
  return diag;
}

LogicalResult inferGridSampleShape(Operation *op,
                                   SmallVectorImpl<Type> &types) {
  Type element = getElementType(op->getOperand(0));
  if (!isa<FloatType>(element))
    return op->emitOpError()
           << "X must have a floating-point element type, got " << element;
  if (!isa<FloatType>(getElementType(op->getOperand(1))))
    return op->emitOpError("grid must have a floating-point element type");
  if (failed(checkChoice(op, "mode", {"bilinear", "nearest", "bicubic"})) ||
      failed(
          checkChoice(op, "padding_mode", {"zeros", "border", "reflection"})))
    return failure();
  std::optional<SmallVector<int64_t>> x = getShape(op->getOperand(0));
  std::optional<SmallVector<int64_t>> grid = getShape(op->getOperand(1));
  if (x && x->size() != 4)
    return op->emitOpError()
           << "X must be 4-D (N, C, H, W), got rank " << x->size();
  if (grid && grid->size() != 4)
    return op->emitOpError()
           << "grid must be 4-D (N, H_out, W_out, 2), got rank "
           << grid->size();
  if (grid && conflict((*grid)[3], 2))
    return op->emitOpError()
           << "grid's last dimension must be 2, got " << (*grid)[3];
  if (x && grid && conflict((*x)[0], (*grid)[0]))
    return op->emitOpError()
           << "X has batch " << (*x)[0] << " but grid has " << (*grid)[0];
  int64_t k = ShapedType::kDynamic;
  SmallVector<int64_t> out = {x ? (*x)[0] : k, x ? (*x)[1] : k,
                              grid ? (*grid)[1] : k, grid ? (*grid)[2] : k};
  if (isDyn(out[0]) && grid)
    out[0] = (*grid)[0];
  types.push_back(RankedTensorType::get(out, element));
  return success();
}

LogicalResult inferRoiAlignShape(Operation *op, SmallVectorImpl<Type> &types) {
  Type element = getElementType(op->getOperand(0));
  if (failed(checkChoice(op, "mode", {"avg", "max"})) ||
      failed(checkChoice(op, "coordinate_transformation_mode",
                         {"half_pixel", "output_half_pixel"})))
    return failure();
  int64_t oh = getIntAttr(op, "output_height", 1),
          ow = getIntAttr(op, "output_width", 1);
  if (oh <= 0 || ow <= 0)
    return op->emitOpError() << "output_height and output_width must be "
                                "positive, got "
                             << oh << " and " << ow;
  if (getIntAttr(op, "sampling_ratio", 0) < 0)
    return op->emitOpError("sampling_ratio must be non-negative");
  std::optional<SmallVector<int64_t>> x = getShape(op->getOperand(0));
  std::optional<SmallVector<int64_t>> rois = getShape(op->getOperand(1));
  std::optional<SmallVector<int64_t>> batch = getShape(op->getOperand(2));
  if (x && x->size() != 4)
    return op->emitOpError()
           << "X must be 4-D (N, C, H, W), got rank " << x->size();
  if (rois && (rois->size() != 2 || conflict((*rois)[1], 4)))
    return op->emitOpError("rois must have shape (num_rois, 4)");
  if (batch && batch->size() != 1)
    return op->emitOpError()
           << "batch_indices must be 1-D, got rank " << batch->size();
  if (rois && batch && conflict((*rois)[0], (*batch)[0]))
    return op->emitOpError()
           << "rois has " << (*rois)[0] << " rows but batch_indices has "
           << (*batch)[0] << " values";
  if (std::optional<SmallVector<int64_t>> indices =
          getConstantInts(op->getOperand(2))) {
    for (auto [i, b] : llvm::enumerate(*indices))
      if (b < 0 || (x && !isDyn((*x)[0]) && b >= (*x)[0]))
        return op->emitOpError() << "batch_indices[" << i << "] = " << b
                                 << " is out of range for a batch of "
                                 << (x ? (*x)[0] : ShapedType::kDynamic);
  }
  int64_t k = ShapedType::kDynamic;
  int64_t numRois = rois ? (*rois)[0] : k;
  if (isDyn(numRois) && batch)
    numRois = (*batch)[0];
  types.push_back(
      RankedTensorType::get({numRois, x ? (*x)[1] : k, oh, ow}, element));
  return success();
}

LogicalResult inferDetShape(Operation *op, SmallVectorImpl<Type> &types) {
  Type element = getElementType(op->getOperand(0));
  std::optional<SmallVector<int64_t>> x = getShape(op->getOperand(0));
  if (!x) {
    types.push_back(makeTensor(std::nullopt, element));
    return success();
  }
  int64_t r = x->size();
  if (r < 2)
    return op->emitOpError() << "X must have rank >= 2, got rank " << r;
  if (conflict((*x)[r - 2], (*x)[r - 1]))
    return op->emitOpError() << "X must hold square matrices, got "
                             << (*x)[r - 2] << "x" << (*x)[r - 1];
  types.push_back(
      RankedTensorType::get(ArrayRef<int64_t>(*x).drop_back(2), element));
  return success();
}

LogicalResult inferMaxUnpoolShape(Operation *op, SmallVectorImpl<Type> &types) {
  Type element = getElementType(op->getOperand(0));
  std::optional<SmallVector<int64_t>> x = getShape(op->getOperand(0));
  std::optional<SmallVector<int64_t>> ind = getShape(op->getOperand(1));
  std::optional<SmallVector<int64_t>> kernel = getIntsAttr(op, "kernel_shape");
  if (!kernel)
    return op->emitOpError("requires a kernel_shape attribute");
  size_t spatial = kernel->size();
  if (spatial == 0)
    return op->emitOpError("kernel_shape must not be empty");
  for (int64_t k : *kernel)
    if (k <= 0)
      return op->emitOpError("kernel_shape values must be positive");
  SmallVector<int64_t> strides(spatial, 1), pads(2 * spatial, 0);
  if (std::optional<SmallVector<int64_t>> s = getIntsAttr(op, "strides")) {
    if (s->size() != spatial)
      return op->emitOpError()
             << "strides has " << s->size() << " values, expected " << spatial;
    strides = *s;
  }
  if (std::optional<SmallVector<int64_t>> p = getIntsAttr(op, "pads")) {
    if (p->size() != 2 * spatial)
      return op->emitOpError()
             << "pads has " << p->size() << " values, expected " << 2 * spatial;
    pads = *p;
  }
  for (int64_t s : strides)
    if (s <= 0)
      return op->emitOpError("strides must be positive");
  for (int64_t p : pads)
    if (p < 0)
      return op->emitOpError("pads must be non-negative");
  if (x && x->size() != spatial + 2)
    return op->emitOpError() << "X must have rank " << spatial + 2
                             << " (N, C and one dim per kernel_shape value), "
                                "got rank "
                             << x->size();
  if (x && ind) {
    if (ind->size() != x->size())
      return op->emitOpError("I must have the shape of X");
    for (size_t i = 0; i < x->size(); ++i)
      if (conflict((*x)[i], (*ind)[i]))
        return op->emitOpError("I must have the shape of X");
  }
  if (!x) {
    types.push_back(makeTensor(std::nullopt, element));
    return success();
  }
  SmallVector<int64_t> out = {(*x)[0], (*x)[1]};
  for (size_t i = 0; i < spatial; ++i) {
    int64_t in = (*x)[i + 2];
    if (isDyn(in)) {
      out.push_back(ShapedType::kDynamic);
      continue;
    }
    int64_t size =
        addDims(mulDims(in - 1 < 0 ? 0 : in - 1, strides[i]), (*kernel)[i]) -
        pads[i] - pads[i + spatial];
    if (size <= 0)
      return op->emitOpError() << "spatial dimension " << i
                               << " has a non-positive output size " << size;
    out.push_back(size);
  }
  Value shapeOperand = op->getOperand(2);
  if (!isNone(shapeOperand)) {
    std::optional<SmallVector<int64_t>> shape = getConstantInts(shapeOperand);
    if (!shape) {
      // A computed output_shape: only the rank is known.
      types.push_back(RankedTensorType::get(
          SmallVector<int64_t>(x->size(), ShapedType::kDynamic), element));
      return success();
    }
    if (shape->size() != x->size())
      return op->emitOpError() << "output_shape has " << shape->size()
                               << " values, expected " << x->size();
    for (size_t i = 0; i < shape->size(); ++i) {
      int64_t s = (*shape)[i];
      if (s < 0 || (i < 2 && conflict(s, out[i])) ||
          (i >= 2 && !isDyn(out[i]) && s < out[i]))
        return op->emitOpError() << "output_shape[" << i << "] = " << s
                                 << " is smaller than the unpooled size "
                                 << out[i] << " or does not match the input";
    }
    out = *shape;
  }
  types.push_back(RankedTensorType::get(out, element));
  return success();
}

LogicalResult inferNonZeroShape(Operation *op, SmallVectorImpl<Type> &types) {
  Type i64 = IntegerType::get(op->getContext(), 64);
  std::optional<SmallVector<int64_t>> x = getShape(op->getOperand(0));
  if (!x) {
    types.push_back(RankedTensorType::get(
        {ShapedType::kDynamic, ShapedType::kDynamic}, i64));
    return success();
  }
  int64_t rank = x->size();
  // The count of a small constant (the NonZero folder materializes it);
  // otherwise the result size depends on input values.
  int64_t count = ShapedType::kDynamic;
  std::optional<SmallVector<double>> values =
      getConstantFloats(op->getOperand(0));
  if (!values) {
    if (std::optional<SmallVector<int64_t>> ints =
            getConstantInts(op->getOperand(0)))
      values = SmallVector<double>(ints->begin(), ints->end());
  }
  if (rank > 0 && values && values->size() <= kMaxNonZeroFoldElements)
    count = llvm::count_if(*values, [](double v) { return v != 0; });
  types.push_back(RankedTensorType::get({rank, count}, i64));
  return success();
}

} // namespace tessera::nn
