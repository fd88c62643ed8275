//===- Driver.h - the compile entry point -----------------------*- C++ -*-===//
//
// Part of Tessera. `tessera-compile` maps its flags onto `CompileOptions` and
// calls `compile`; tests, the Python package and sweep tools call the same
// entry point. Everything the compiler reports goes through the context's
// diagnostic engine; `printDiagnostics` installs the handler the tools use.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_DRIVER_DRIVER_H
#define TESSERA_DRIVER_DRIVER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"
#include "mlir/Support/LLVM.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

namespace tessera {

struct TargetInfo;

/// CPU code generation knobs, for A/B measurements (defaults are the tuned
/// choices).
struct CPUCodegenOptions {
  bool vectorizeElementwise = true;
  /// Fuse elementwise producer/consumer loops where nothing is recomputed
  /// (tessera-cpu-fuse-elementwise).
  bool fuseElementwise = true;
  /// Output channels / pixels per convolution register tile; 0 = chosen for
  /// the host.
  unsigned convChannelTile = 0;
  unsigned convPixelTile = 0;
  /// Compute the elementwise epilogues of convs and matmuls in their register
  /// tiles.
  bool fuseEpilogues = true;
  /// Polynomial exp/tanh/erf/log (vectorizable) instead of libm calls.
  bool approximateMath = true;
  /// Softmax / layer normalization chains as one vectorized row loop.
  bool fuseRows = true;
  /// The CPU the code is compiled for (`--cpu`): an x86-64 CPU LLVM knows
  /// (x86-64, x86-64-v3, znver4, ...) or "native", the host's (docs/cpu.md,
  /// "Compiling for another CPU").
  std::string name = "native";
  /// `--cpu-features`: comma-separated `+feature` / `-feature`, applied
  /// after the CPU's own.
  std::string features;
};

/// `--quantize=int8` and its calibration (docs/quantization.md).
struct QuantizeDriverOptions {
  /// "int8", or empty for a float compilation.
  std::string mode;
  /// Calibration input sets (a directory, layout in docs/quantization.md).
  std::string calibrationDir;
  /// The statistics file: read when it exists (its digest must match the
  /// model), written after calibrating.
  std::string calibrationCache;
  /// More input sets, for the accuracy report only.
  std::string evaluationDir;
  /// "minmax", "percentile" or "entropy".
  std::string observer = "minmax";
  double percentile = 99.99;
  bool symmetricActivations = false;
  bool perChannel = true;
  /// The statistics the quantize pass reads; set by `compile`.
  std::string statsFile;
};

/// Everything one compilation needs.
struct GPUDriverOptions {
  /// The GPU (`--gpu-chip`): sm_80, sm_86, sm_89, sm_90, sm_90a.
  std::string chip = "sm_90";
  /// "fp32", or "fp16": f16 GEMM operands with f32 accumulation on tensor
  /// cores (`--gpu-precision`).
  std::string precision = "fp32";
};

struct CompileOptions {
  /// The ONNX model.
  std::string inputFile;
  /// With `emitStage`: a file ('-' for stdout); otherwise the artifact
  /// directory.
  std::string outputPath = "-";
  /// A registered target's name; empty for the default target.
  std::string target;
  /// Stop after this stage and write it; empty for a full artifact.
  std::string emitStage;
  /// `name=d0,d1,...` pins of dynamic input dims.
  std::vector<std::string> inputShapes;
  /// A hardware description (YAML file or preset name), for targets that
  /// take one.
  std::string hardware;
  /// Elide large weights when printing IR.
  bool elideWeights = false;
  /// Print locations (the ONNX node names) with the IR of `emitStage`, so
  /// that the stage parsed back still names its ops' nodes.
  bool printDebugInfo = false;
  /// Graph fusion at the `nn` stage (nn.fused groups); off for debugging
  /// and A/B measurements.
  bool fuse = true;
  /// Run a pre-quantized model's QDQ patterns and QLinear ops as the integer
  /// graph with the NPU's fixed-point requantize (`tessera-lower-qdq`)
  /// instead of ONNX's float requantize.
  bool lowerQDQ = false;
  /// A report to print to stdout after the `nn` stage: "fusion" (where each
  /// ONNX node ended: fused, recognized, folded or unfused), "quant" (the
  /// int8 graph's accuracy against the float one), "placement" (the npu
  /// target: which ops run on the host and which in NPU segments, and why),
  /// "kernels" (the gpu target: every kernel's launch shape, registers,
  /// occupancy and roofline estimate), or empty.
  std::string report;
  /// A file ('-' for stdout) for the report as JSON: the one `report` names;
  /// without it, the placement report for the npu target, else the quant
  /// report with --quantize, else the fusion report. Empty for none.
  std::string reportJsonPath;
  /// The npu target: a JSON file of placement overrides (host or npu per
  /// ONNX node, docs/npu/compiler.md); empty for none.
  std::string npuPlacementFile;
  /// The npu target: a layer no tiling of which fits the hardware is an
  /// error (naming the op and the constraint) instead of a host fallback.
  bool npuStrict = false;
  /// The npu target's tiling policy: "search" or "greedy" (the baseline).
  std::string npuTiling = "search";
  CPUCodegenOptions cpu;
  QuantizeDriverOptions quant;
  GPUDriverOptions gpu;
};

/// Which report `reportJsonPath` writes ("fusion", "quant" or
/// "placement"), or "" when none is asked for.
std::string getJSONReportKind(const CompileOptions &options);

/// Checks the options against the registry (target, stage, output, shapes)
/// without reading the model. A failure is a bad command line.
llvm::Error validateOptions(const CompileOptions &options);

/// The target the options name (the default one when they name none), or
/// null when there is no such target.
const TargetInfo *getTarget(const CompileOptions &options);

/// Imports `options.inputFile` with the `--input-shape` pins (already
/// checked by validateOptions), or parses it when it is an `.mlir` file (a
/// module in the nn dialect); null after reporting a diagnostic.
mlir::OwningOpRef<mlir::ModuleOp> importModel(const CompileOptions &options,
                                              mlir::MLIRContext &context);

/// Imports the model, runs the target's pipeline up to `emitStage` (or to
/// the end) and writes the stage's output or the artifact. Problems are
/// reported as diagnostics on `context`; bad options too.
mlir::LogicalResult compile(const CompileOptions &options,
                            mlir::MLIRContext &context);

/// What `tessera-compile` does with its options: validates them, compiles in
/// a fresh context and prints every diagnostic to `os`. Returns the exit
/// code: 0 success, 1 the model could not be compiled, 2 bad options.
int compileAndReport(const CompileOptions &options, llvm::raw_ostream &os);

/// Adds every dialect, interface and translation the pipelines may need.
void registerCompilerDialects(mlir::DialectRegistry &registry);

/// Prints the context's diagnostics to `os` as `file: node 'name': error:
/// message` (the ONNX node a diagnostic is about, where known).
void printDiagnostics(mlir::MLIRContext &context, llvm::raw_ostream &os);

} // namespace tessera

#endif // TESSERA_DRIVER_DRIVER_H
