//===- ConstantUtils.h - reading and building nn constants ------*- C++ -*-===//
//
// Part of Tessera. Helpers the graph rewrites of lib/Transforms share: the
// values of an `nn.constant` of any size (dense or resource blob) as
// doubles, new constants from such values, and splat scalars.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_LIB_TRANSFORMS_CONSTANTUTILS_H
#define TESSERA_LIB_TRANSFORMS_CONSTANTUTILS_H

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/Value.h"

#include <optional>
#include <vector>

namespace tessera::transforms {

/// Constants above this many elements are never built by a graph rewrite.
constexpr int64_t kMaxBuiltElements = int64_t(1) << 26;

/// Constants above this many elements are built as `dense_resource` blobs.
constexpr int64_t kResourceThreshold = 4096;

/// The values of a static constant tensor, row-major, as doubles.
struct ConstTensor {
  mlir::RankedTensorType type;
  std::vector<double> values;
  llvm::ArrayRef<int64_t> shape() const { return type.getShape(); }
};

/// The values of `v` when it is an `nn.constant` of a static float or
/// integer tensor type with at most `maxElements` elements.
std::optional<ConstTensor>
readConstant(mlir::Value v, int64_t maxElements = kMaxBuiltElements);

/// The elements of `v`, in place, when it is an `nn.constant` of a static
/// signless int8 tensor stored element by element (dense or a resource
/// blob; not a splat): the int8 weights of the quantized graph without a
/// conversion per element.
std::optional<llvm::ArrayRef<int8_t>> getI8ConstantData(mlir::Value v);

/// The single value of `v` when it is an `nn.constant` whose elements are all
/// equal (a scalar, a one-element tensor or a splat).
std::optional<double> getSplatValue(mlir::Value v);

/// True when `v` is an `nn.constant` (of any size).
bool isConstant(mlir::Value v);

/// Builds the attribute for `values` of static `type` (float or integer
/// elements): dense elements when small, a resource blob above
/// kResourceThreshold. Null when the type is not supported.
mlir::ElementsAttr buildElements(mlir::RankedTensorType type,
                                 llvm::ArrayRef<double> values);

/// Creates an `nn.constant` of `type` holding `values`; null on failure.
mlir::Value createConstant(mlir::RewriterBase &rewriter, mlir::Location loc,
                           mlir::RankedTensorType type,
                           llvm::ArrayRef<double> values);

/// The row-major offset into a tensor of `shape` of the element that
/// numpy-style broadcasting reads for result index `index` (whose rank is at
/// least the rank of `shape`).
int64_t broadcastOffset(llvm::ArrayRef<int64_t> shape,
                        llvm::ArrayRef<int64_t> index);

/// Advances a row-major multi-index over `shape`.
void nextIndex(llvm::MutableArrayRef<int64_t> index,
               llvm::ArrayRef<int64_t> shape);

/// True when `a` is within relative tolerance `rtol` of the expected `b`.
bool isClose(double a, double b, double rtol = 1e-4);

} // namespace tessera::transforms

#endif // TESSERA_LIB_TRANSFORMS_CONSTANTUTILS_H
