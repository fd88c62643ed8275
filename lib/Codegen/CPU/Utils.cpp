//===- Utils.cpp - helpers of the CPU code generation passes --------------===//
//
// Part of Tessera.
//
//===----------------------------------------------------------------------===//

#include "Utils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include <cstring>
#include <vector>

using namespace mlir;

Value tessera::cpu_codegen::permuteConstant(RewriterBase &rewriter,
                                            Location loc, Value v,
                                            ArrayRef<int64_t> perm,
                                            ArrayRef<int64_t> viewShape) {
  auto cst = v.getDefiningOp<arith::ConstantOp>();
  if (!cst)
    return nullptr;
  auto type = dyn_cast<RankedTensorType>(v.getType());
  if (!type)
    return nullptr;
  if (viewShape.empty())
    viewShape = type.getShape();
  if (!type.hasStaticShape() ||
      (int64_t)perm.size() != (int64_t)viewShape.size() ||
      ShapedType::getNumElements(viewShape) != type.getNumElements())
    return nullptr;
  SmallVector<int64_t> shape;
  for (int64_t p : perm)
    shape.push_back(viewShape[p]);
  auto newType = RankedTensorType::get(shape, type.getElementType());
  unsigned bits = type.getElementTypeBitWidth();
  if (bits % 8 != 0)
    return nullptr;
  ArrayRef<char> raw;
  if (auto dense = dyn_cast<DenseElementsAttr>(cst.getValue())) {
    if (dense.isSplat())
      return arith::ConstantOp::create(rewriter, loc, newType,
                                       dense.resizeSplat(newType));
    raw = dense.getRawData();
  } else if (auto resource =
                 dyn_cast<DenseResourceElementsAttr>(cst.getValue())) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return nullptr;
    raw = blob->getData();
  } else {
    return nullptr;
  }
  size_t elem = bits / 8;
  int64_t rank = shape.size(), count = type.getNumElements();
  if ((int64_t)raw.size() != count * (int64_t)elem)
    return nullptr;
  SmallVector<int64_t> oldStrides(rank, 1);
  for (int64_t i = rank - 2; i >= 0; --i)
    oldStrides[i] = oldStrides[i + 1] * viewShape[i + 1];
  std::vector<char> out(raw.size());
  SmallVector<int64_t> index(rank, 0);
  for (int64_t flat = 0; flat < count; ++flat) {
    int64_t src = 0;
    for (int64_t d = 0; d < rank; ++d)
      src += index[d] * oldStrides[perm[d]];
    std::memcpy(out.data() + flat * elem, raw.data() + src * elem, elem);
    for (int64_t d = rank - 1; d >= 0; --d) {
      if (++index[d] < shape[d])
        break;
      index[d] = 0;
    }
  }
  AsmResourceBlob blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(
      ArrayRef<char>(out), alignof(double));
  auto attr = DenseResourceElementsAttr::get(newType, "weights_transposed",
                                             std::move(blob));
  return arith::ConstantOp::create(rewriter, loc, newType, attr);
}

Value tessera::cpu_codegen::padConstantLastDim(RewriterBase &rewriter,
                                               Location loc, Value v,
                                               int64_t size) {
  auto cst = v.getDefiningOp<arith::ConstantOp>();
  auto type = dyn_cast<RankedTensorType>(v.getType());
  if (!cst || !type || !type.hasStaticShape() || type.getRank() == 0)
    return nullptr;
  int64_t last = type.getDimSize(type.getRank() - 1);
  unsigned bits = type.getElementTypeBitWidth();
  if (size < last || bits % 8 != 0)
    return nullptr;
  size_t elem = bits / 8;
  int64_t count = type.getNumElements();
  std::vector<char> data;
  if (auto dense = dyn_cast<DenseElementsAttr>(cst.getValue())) {
    ArrayRef<char> raw = dense.getRawData();
    if (dense.isSplat()) {
      if ((int64_t)raw.size() != (int64_t)elem)
        return nullptr;
      for (int64_t i = 0; i < count; ++i)
        data.insert(data.end(), raw.begin(), raw.end());
    } else {
      data.assign(raw.begin(), raw.end());
    }
  } else if (auto resource =
                 dyn_cast<DenseResourceElementsAttr>(cst.getValue())) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return nullptr;
    ArrayRef<char> raw = blob->getData();
    data.assign(raw.begin(), raw.end());
  } else {
    return nullptr;
  }
  if ((int64_t)data.size() != count * (int64_t)elem)
    return nullptr;
  int64_t rows = last == 0 ? 0 : count / last;
  std::vector<char> out(rows * size * elem, 0);
  for (int64_t r = 0; r < rows; ++r)
    std::memcpy(out.data() + r * size * elem, data.data() + r * last * elem,
                last * elem);
  SmallVector<int64_t> shape(type.getShape());
  shape.back() = size;
  auto newType = RankedTensorType::get(shape, type.getElementType());
  AsmResourceBlob blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(
      ArrayRef<char>(out), alignof(double));
  auto attr = DenseResourceElementsAttr::get(newType, "weights_padded",
                                             std::move(blob));
  return arith::ConstantOp::create(rewriter, loc, newType, attr);
}
