//===- Einsum.h - the einsum equation parser --------------------*- C++ -*-===//
//
// Part of Tessera. One parser of ONNX Einsum equations, used by the shape
// function of nn.einsum (which reports its errors) and by its lowering (which
// reads the labels of every operand and result dim).
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_DIALECT_NN_EINSUM_H
#define TESSERA_DIALECT_NN_EINSUM_H

#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"

#include <array>
#include <optional>
#include <string>

namespace tessera::nn {

/// Labels are ids: 'A'..'Z' are 0..25 and 'a'..'z' 26..51, so sorting ids
/// sorts labels as ASCII does. The dims an ellipsis stands for are
/// kEinsumEllipsisBase + k, k counted from the innermost ellipsis dim, so the
/// ellipsis dims of operands of different ranks align right (broadcasting).
constexpr int64_t kEinsumEllipsisBase = 52;

/// The letter of label id `id` (< kEinsumEllipsisBase).
char getEinsumLabel(int64_t id);

/// Starts an error about the equation; the parser streams the message into
/// it. A null function parses silently.
using EinsumErrorFn = llvm::function_ref<mlir::InFlightDiagnostic()>;

/// An einsum equation parsed term by term against its operands' ranks: first
/// every input term in order with parseInput, then parseOutput.
class EinsumParser {
public:
  /// Splits `equation` into its terms; spaces are ignored. `emitError` is
  /// kept: the callable it refers to must outlive the parser.
  EinsumParser(llvm::StringRef equation, EinsumErrorFn emitError);
  /// The terms point into the parser's own copy of the equation.
  EinsumParser(const EinsumParser &) = delete;
  EinsumParser &operator=(const EinsumParser &) = delete;

  /// Checks that the equation has one input term per operand.
  llvm::LogicalResult checkNumInputs(size_t numOperands);

  /// The label id of each dim of input `index`, an operand of rank `rank`
  /// (once checkNumInputs has succeeded).
  llvm::FailureOr<llvm::SmallVector<int64_t>> parseInput(size_t index,
                                                         int64_t rank);

  /// The label id of each result dim: the explicit output term (labels may
  /// repeat) or, without one, the ellipsis dims then the labels used once,
  /// in ASCII order.
  llvm::FailureOr<llvm::SmallVector<int64_t>> parseOutput();

private:
  std::string compact;
  llvm::SmallVector<llvm::StringRef> inputs;
  std::optional<llvm::StringRef> output;
  EinsumErrorFn emitError;
  /// The most dims an input's ellipsis stands for.
  int64_t ellipsisRank = 0;
  /// How often each letter occurs in the input terms parsed so far.
  std::array<int64_t, kEinsumEllipsisBase> letterCounts = {};
};

/// An einsum equation resolved against its operands' ranks.
struct EinsumSpec {
  /// The label id of each dim of each input.
  llvm::SmallVector<llvm::SmallVector<int64_t>> inputs;
  /// The label id of each result dim.
  llvm::SmallVector<int64_t> output;
};

/// Parses `equation` for operands of ranks `ranks`.
llvm::FailureOr<EinsumSpec> parseEinsum(llvm::StringRef equation,
                                        llvm::ArrayRef<int64_t> ranks,
                                        EinsumErrorFn emitError);

} // namespace tessera::nn

#endif // TESSERA_DIALECT_NN_EINSUM_H
