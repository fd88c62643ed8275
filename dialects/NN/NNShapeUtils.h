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
#include <limits>
#include <optional>

namespace tessera::nn {

using mlir::ShapedType;

/// The largest rank an nn op may take or produce. Ranks beyond it are refused
/// with an error at the op before anything is sized from them.
constexpr int64_t kMaxRank = 128;

/// Constant operands with more elements than this are not read by shape
/// functions and folders (they are treated as unknown values).
constexpr int64_t kMaxConstantValues = int64_t(1) << 20;

/// What `mulDims`/`addDims` return when a static result overflows int64; the
/// bounds check refuses any type with such a dim.
constexpr int64_t kOverflowDim = std::numeric_limits<int64_t>::max();

/// The number of elements of a static `shape`, or nullopt when it overflows
/// int64 (or a dim is dynamic or negative).
std::optional<int64_t> getNumElementsChecked(llvm::ArrayRef<int64_t> shape);

/// Checks that `type` (when a ranked tensor) has a rank of at most `kMaxRank`,
/// no overflowed dim, and a size in bytes that int64 represents; emits an
/// error at `op` naming `what` otherwise.
llvm::LogicalResult checkTypeBounds(mlir::Operation *op, mlir::Type type,
                                    const llvm::Twine &what);

/// True when `v` is the result of `nn.none` (an absent optional input).
bool isNone(mlir::Value v);

/// The shape of a ranked tensor value, or nullopt for unranked/none.
std::optional<llvm::SmallVector<int64_t>> getShape(mlir::Value v);

/// The element type of a tensor value (null for none).
mlir::Type getElementType(mlir::Value v);

/// Integer values of a constant operand (any integer element type), or
/// nullopt when the operand is not a known constant or has more than
/// `kMaxConstantValues` elements.
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

/// `a * b` on non-negative dims where either may be dynamic; `kOverflowDim`
/// when the product overflows.
int64_t mulDims(int64_t a, int64_t b);

/// `a + b` on non-negative dims where either may be dynamic; `kOverflowDim`
/// when the sum overflows.
int64_t addDims(int64_t a, int64_t b);

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
