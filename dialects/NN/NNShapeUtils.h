//===- NNShapeUtils.h - helpers shared by the shape functions ---*- C++ -*-===//
//
// Part of Tessera. Internal to the nn dialect library.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_DIALECT_NN_NNSHAPEUTILS_H
#define TESSERA_DIALECT_NN_NNSHAPEUTILS_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Operation.h"
#include "llvm/ADT/SmallVector.h"
#include <optional>

namespace tessera::nn {

using mlir::ShapedType;

/// True when `v` is the result of `nn.none` (an absent optional input).
bool isNone(mlir::Value v);

/// The shape of a ranked tensor value, or nullopt for unranked/none.
std::optional<llvm::SmallVector<int64_t>> getShape(mlir::Value v);

/// The element type of a tensor value (null for none).
mlir::Type getElementType(mlir::Value v);

/// Integer values of a constant operand (any integer element type), or
/// nullopt when the operand is not a known constant.
std::optional<llvm::SmallVector<int64_t>> getConstantInts(mlir::Value v);

/// Float values of a constant operand, or nullopt.
std::optional<llvm::SmallVector<double>> getConstantFloats(mlir::Value v);

/// The attribute `name` as integers (DenseI64ArrayAttr), or nullopt.
std::optional<llvm::SmallVector<int64_t>> getIntsAttr(mlir::Operation *op,
                                                      llvm::StringRef name);

/// The integer attribute `name`, or `dflt` when absent.
int64_t getIntAttr(mlir::Operation *op, llvm::StringRef name, int64_t dflt);

/// A ranked tensor type, or an unranked one when `shape` is nullopt.
mlir::Type makeTensor(std::optional<llvm::ArrayRef<int64_t>> shape,
                      mlir::Type elementType);

/// Normalizes `axis` into [0, rank) (or [0, rank] when `inclusive`); emits an
/// error naming `what` when it is out of range.
llvm::FailureOr<int64_t> normalizeAxis(mlir::Operation *op, int64_t axis,
                                       int64_t rank, llvm::StringRef what,
                                       bool inclusive = false);

/// Numpy multidirectional broadcast of `a` and `b`; emits an error on a
/// mismatch of two known dims that are not 1.
llvm::FailureOr<llvm::SmallVector<int64_t>>
broadcastShapes(mlir::Operation *op, llvm::ArrayRef<int64_t> a,
                llvm::ArrayRef<int64_t> b);

/// `a * b` on dims where either may be dynamic.
int64_t mulDims(int64_t a, int64_t b);

/// One dim of an ONNX Slice after clamping: elements start, start + step, ...
/// (`size` of them). Dynamic dims of the data have a dynamic size.
struct SliceDim {
  int64_t start = 0, step = 1, size = 0;
};

/// Resolves Slice's starts/ends/axes/steps against `shape` with ONNX's
/// clamping rules; emits an error on inconsistent operands.
llvm::FailureOr<llvm::SmallVector<SliceDim>>
computeSlice(mlir::Operation *op, llvm::ArrayRef<int64_t> shape,
             llvm::ArrayRef<int64_t> starts, llvm::ArrayRef<int64_t> ends,
             std::optional<llvm::ArrayRef<int64_t>> axes,
             std::optional<llvm::ArrayRef<int64_t>> steps);

/// Resolves Reshape's target shape (0 copies, -1 infers) against `input`.
llvm::FailureOr<llvm::SmallVector<int64_t>>
resolveReshape(mlir::Operation *op, llvm::ArrayRef<int64_t> input,
               llvm::ArrayRef<int64_t> target, bool allowZero);

} // namespace tessera::nn

#endif // TESSERA_DIALECT_NN_NNSHAPEUTILS_H
