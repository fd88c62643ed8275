//===- Calibrate.h - calibration and the quantization report ----*- C++ -*-===//
//
// Part of Tessera. `tessera-compile --quantize=int8`: the calibration input
// sets read from a directory, the float model compiled once for the host
// with every activation exposed and run over them to record the statistics
// the quantize pass reads, and the accuracy report that runs the float and
// the int8 graphs side by side (docs/quantization.md).
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_DRIVER_CALIBRATE_H
#define TESSERA_DRIVER_CALIBRATE_H

#include "tessera/Pipelines/ModelSignature.h"
#include "tessera/Quantization/Calibration.h"
#include "tessera/Runtime/Runtime.h"

#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <memory>
#include <string>
#include <vector>

namespace tessera {

struct CompileOptions;

/// One set of model inputs, in the model's input order.
struct InputSet {
  /// The file or subdirectory it came from.
  std::string path;
  std::vector<runtime::HostTensor> tensors;
};

/// Reads the input sets of `dir`: either one `.npy` file per set (a
/// single-input model; sorted by name) or one subdirectory per set holding
/// `<input name>.npy|.pb` or `input_<i>.npy|.pb` (the ONNX test-data
/// layout). Every tensor must match `inputs` in dtype and shape. `what`
/// ("calibration", "evaluation") names the directory in errors.
llvm::Expected<std::vector<InputSet>>
readInputSets(llvm::StringRef dir, llvm::ArrayRef<TensorDesc> inputs,
              llvm::StringRef what);

/// The calibration cache's key for the model file's bytes and the
/// `--input-shape` pins: "xxh3-128:" and 32 hex digits (XXH3-128, not a
/// cryptographic hash: it tells models apart, it does not authenticate them).
llvm::Expected<std::string> computeModelDigest(const CompileOptions &options);

/// The digest caches written before the XXH3 one had: SHA-256 (64 hex
/// digits) of the same bytes; such caches are still read.
llvm::Expected<std::string>
computeSHA256ModelDigest(const CompileOptions &options);

/// The float (or int8) model compiled for the host with its activations
/// exposed and loaded (Calibrate.cpp).
struct ExposedModel;

/// Compiles the float model for the host with its activations exposed, runs
/// it over the calibration sets (twice: range, then histogram) and returns
/// the statistics; `floatModel`, when given, receives the loaded model for
/// the report. Problems are diagnostics on `context`.
mlir::FailureOr<quant::CalibrationStats>
calibrate(const CompileOptions &options, mlir::MLIRContext &context,
          std::shared_ptr<ExposedModel> *floatModel = nullptr);

/// The accuracy of the int8 graph against the float one.
struct QuantReport {
  struct Layer {
    std::string key;
    std::vector<std::string> nodes;
    double sqnrDb = 0;
  };
  struct FloatOp {
    std::string op, nodes, reason;
  };
  struct Agreement {
    int64_t sets = 0, agree = 0, rows = 0, agreeRows = 0;
  };
  std::string model;
  std::string observer;
  int64_t calibrationSets = 0, evaluationSets = 0;
  std::vector<Layer> layers;
  /// Per model output: SQNR over every set.
  std::vector<std::pair<std::string, double>> outputs;
  Agreement calibration, evaluation;
  std::vector<FloatOp> floatOps;
  /// Indices into `layers`, worst first (at most 5).
  std::vector<size_t> worst;
};

/// Compiles the float (unless calibration left `floatModel`) and the
/// quantized graph (options.quant.statsFile set) with their activations
/// exposed and runs both over the calibration and evaluation sets.
mlir::FailureOr<QuantReport>
buildQuantReport(const CompileOptions &options, mlir::MLIRContext &context,
                 std::shared_ptr<ExposedModel> floatModel = nullptr);

/// The report as a table: one row per layer, then the outputs, top-1
/// agreement, the ops left float and the worst layers.
void printQuantTable(const QuantReport &report, llvm::raw_ostream &os);

/// The report as JSON (schema in docs/quantization.md).
llvm::json::Value toJSON(const QuantReport &report);

/// SQNR in dB of `sumSignal` over `sumNoise` (inf when the noise is 0).
double getSqnrDb(double sumSignal, double sumNoise);

} // namespace tessera

#endif // TESSERA_DRIVER_CALIBRATE_H
