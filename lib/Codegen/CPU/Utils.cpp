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
