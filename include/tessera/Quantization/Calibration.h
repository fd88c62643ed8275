//===- Calibration.h - quantization points and their statistics -*- C++ -*-===//
//
// Part of Tessera. The contract between calibration (which runs the float
// model and records what every activation held) and the quantization passes
// (which read those records to choose scales): the float activations of a
// graph enumerated in one deterministic order, each with a stable key built
// from its ONNX node names, and the statistics file that maps keys to
// ranges and histograms. Calibrating once and quantizing many times (for
// another target or hardware point) works because both sides enumerate the
// same graph the same way.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_QUANTIZATION_CALIBRATION_H
#define TESSERA_QUANTIZATION_CALIBRATION_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Value.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace tessera::quant {

/// A float activation of the graph: a function argument or the result of an
/// op that is not a constant.
struct QuantPoint {
  mlir::Value value;
  /// Unique within the function and stable across compilations of the same
  /// model with the same options: the argument's `nn.name` ("input"), or the
  /// ONNX node names of the defining op's location joined with '+' (a
  /// FusedLoc after folding: "conv1+bn1"), with ":<i>" for result i of a
  /// multi-result op, and "#<n>" appended to the n-th repeat of a key.
  std::string key;
};

/// Every float tensor activation of `func`'s body (top-level ops only), in
/// order: arguments first, then op results in program order.
llvm::SmallVector<QuantPoint> enumerateQuantPoints(mlir::func::FuncOp func);

/// Counts of values in `bins` equal-width bins over [lo, hi]; a value at hi
/// falls in the last bin.
struct Histogram {
  double lo = 0, hi = 0;
  std::vector<uint64_t> counts;

  /// The bin `x` falls in (clamped to the range).
  size_t getBin(double x) const;
};

/// What calibration observed for one activation over every input.
struct TensorStats {
  double min = 0, max = 0;
  /// Number of values observed (elements x inputs).
  uint64_t count = 0;
  /// Over [min', max'] covering every value observed; empty when the
  /// calibration recorded none.
  Histogram histogram;
};

/// The statistics file (JSON, `--calibration-cache`).
struct CalibrationStats {
  static constexpr const char *kFormat = "tessera-calibration";
  static constexpr int64_t kVersion = 1;

  /// SHA-256 (hex) of the model file's bytes and the `--input-shape` pins:
  /// a cache made for another model is refused.
  std::string modelDigest;
  /// Number of calibration input sets run.
  int64_t numInputs = 0;
  /// Keys in enumeration order, and the statistics of each.
  std::vector<std::string> keys;
  llvm::StringMap<TensorStats> tensors;

  const TensorStats *lookup(llvm::StringRef key) const;
  void add(llvm::StringRef key, TensorStats stats);
};

/// Reads a statistics file. Every problem (unreadable, not JSON, wrong
/// format or version, a missing or mistyped field, min > max, a histogram
/// with no bins) is an error naming the file and the JSON path.
llvm::Expected<CalibrationStats> readCalibrationStats(llvm::StringRef path);

/// Parses the statistics from a JSON text; `path` only names it in errors.
llvm::Expected<CalibrationStats> parseCalibrationStats(llvm::StringRef text,
                                                       llvm::StringRef path);

/// Writes `stats` as JSON (deterministic: same stats, same bytes).
llvm::Error writeCalibrationStats(llvm::StringRef path,
                                  const CalibrationStats &stats);

} // namespace tessera::quant

#endif // TESSERA_QUANTIZATION_CALIBRATION_H
