//===- Driver.cpp - the compile entry point -------------------------------===//
//
// Part of Tessera.
//
//===----------------------------------------------------------------------===//

#include "tessera/Driver/Driver.h"
#include "NN/NNOps.h"
#include "NPU/NPUOps.h"
#include "tessera/Driver/Calibrate.h"
#include "tessera/Driver/FusionReport.h"
#include "tessera/Driver/Target.h"
#include "tessera/Target/CPU/TargetCPU.h"
#include "tessera/Target/ONNX/ImportONNX.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/WithColor.h"

using namespace mlir;

namespace tessera {

const TargetInfo *getTarget(const CompileOptions &options) {
  return options.target.empty() ? getDefaultTarget()
                                : lookupTarget(options.target);
}

static llvm::Error usageError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

llvm::Error validateOptions(const CompileOptions &options) {
  if (options.inputFile.empty())
    return usageError("no model given (tessera-compile MODEL.onnx ...)");
  const TargetInfo *target = getTarget(options);
  if (!target) {
    SmallVector<StringRef> names;
    for (const TargetInfo &info : getRegisteredTargets())
      names.push_back(info.name);
    return usageError("unknown target '" + options.target +
                      "' (targets: " + llvm::join(names, ", ") + ")");
  }
  if (!options.emitStage.empty()) {
    SmallVector<StringRef> names;
    bool found = false;
    for (const Stage *stage : getStages(*target)) {
      names.push_back(stage->name);
      found |= stage->name == options.emitStage;
    }
    if (!found)
      return usageError("unknown stage '" + options.emitStage + "' for the " +
                        target->name +
                        " target (stages: " + llvm::join(names, ", ") + ")");
  }
  if (options.emitStage.empty() && options.outputPath == "-")
    return usageError("compiling an artifact needs -o DIR");
  if (!options.report.empty() && options.report != "fusion" &&
      options.report != "quant" && options.report != "placement" &&
      options.report != "kernels")
    return usageError("unknown report '" + options.report +
                      "' (reports: fusion, quant, placement, kernels)");
  if (target->name != "gpu" &&
      (options.report == "kernels" || getJSONReportKind(options) == "kernels"))
    return usageError("the kernels report needs --target=gpu");
  if (target->name != "npu" && (options.report == "placement" ||
                                getJSONReportKind(options) == "placement"))
    return usageError("the placement report needs --target=npu");
  if (target->name != "npu" && !options.npuPlacementFile.empty())
    return usageError("--npu-placement needs --target=npu");
  if (target->name != "npu" && options.npuStrict)
    return usageError("--npu-strict needs --target=npu");
  if (options.npuTiling != "search" && options.npuTiling != "greedy")
    return usageError("unknown --npu-tiling '" + options.npuTiling +
                      "' (search, greedy)");
  if (target->name != "npu" && options.npuTiling != "search")
    return usageError("--npu-tiling needs --target=npu");
  // The GPU flags are compared against their defaults (sm_90, fp32).
  const GPUDriverOptions gpuDefaults;
  if (target->name != "gpu" && target->name != "gpu-emulate") {
    if (options.gpu.chip != gpuDefaults.chip)
      return usageError("--gpu-chip needs --target=gpu or gpu-emulate");
    if (options.gpu.precision != gpuDefaults.precision)
      return usageError("--gpu-precision needs --target=gpu or gpu-emulate");
  }
  // Every target's host code is compiled for the CPU the flags name.
  if (llvm::Expected<TargetCPU> cpu =
          resolveTargetCPU(options.cpu.name, options.cpu.features);
      !cpu)
    return cpu.takeError();
  const QuantizeDriverOptions &quant = options.quant;
  if (!quant.mode.empty() && quant.mode != "int8")
    return usageError("unknown --quantize mode '" + quant.mode +
                      "' (modes: int8)");
  if (!quant.mode.empty() && quant.calibrationDir.empty() &&
      quant.calibrationCache.empty())
    return usageError("--quantize=int8 needs calibration inputs "
                      "(--calibration=DIR) or a statistics cache "
                      "(--calibration-cache=FILE)");
  if (quant.mode.empty() &&
      (!quant.calibrationDir.empty() || !quant.calibrationCache.empty() ||
       !quant.evaluationDir.empty()))
    return usageError("--calibration, --calibration-cache and --evaluation "
                      "need --quantize=int8");
  if (quant.observer != "minmax" && quant.observer != "percentile" &&
      quant.observer != "entropy")
    return usageError("unknown observer '" + quant.observer +
                      "' (observers: minmax, percentile, entropy)");
  if (!(quant.percentile > 0 && quant.percentile <= 100))
    return usageError("--percentile must be in (0, 100]");
  std::string jsonReport = getJSONReportKind(options);
  bool quantReport = options.report == "quant" || jsonReport == "quant";
  if (quantReport && (quant.mode.empty() || quant.calibrationDir.empty()))
    return usageError("the quant report needs --quantize=int8 and "
                      "--calibration=DIR (the inputs it runs)");
  if ((options.report == "fusion" || options.report == "placement" ||
       jsonReport == "fusion" || jsonReport == "placement") &&
      !options.emitStage.empty()) {
    // The fusion report reads the `nn` stage's output.
    for (const Stage *stage : getStages(*target)) {
      if (stage->name == "nn")
        break;
      if (stage->name == options.emitStage)
        return usageError(
            "the " + (options.report.empty() ? jsonReport : options.report) +
            " report needs the nn stage, but --emit=" + options.emitStage +
            " stops before it");
    }
  }
  if (!options.hardware.empty() && !target->takesHardware)
    return usageError("the " + target->name +
                      " target takes no hardware description (--hw)");
  ONNXImportOptions importOptions;
  for (const std::string &spec : options.inputShapes) {
    std::string error = parseInputShapeSpec(spec, importOptions);
    if (!error.empty())
      return usageError(error);
  }
  if (target->validate)
    return target->validate(options);
  return llvm::Error::success();
}

std::string getJSONReportKind(const CompileOptions &options) {
  if (options.reportJsonPath.empty())
    return "";
  if (!options.report.empty())
    return options.report;
  if (options.target == "npu")
    return "placement";
  return options.quant.mode.empty() ? "fusion" : "quant";
}

/// Reports, all at once, every op of the `nn` stage the target cannot
/// execute, each at its ONNX node.
static LogicalResult checkSupport(const TargetInfo &target, ModuleOp module) {
  if (!target.supportsOp)
    return success();
  bool ok = true;
  module.walk([&](Operation *op) {
    // A group's terminator is structure; its ops are asked about one by one.
    if (isa<nn::YieldOp>(op))
      return;
    if (op->getDialect() && op->getDialect()->getNamespace() == "nn" &&
        !target.supportsOp(op)) {
      emitError(op->getLoc())
          << "the " << target.name << " target cannot execute '"
          << op->getName() << "'";
      ok = false;
    }
  });
  return success(ok);
}

/// Writes the module after `stage` to the output path.
static LogicalResult writeStage(Compilation &c, const Stage &stage) {
  if (stage.write)
    return stage.write(c, c.options.outputPath);
  std::string error;
  auto output = openOutputFile(c.options.outputPath, &error);
  if (!output)
    return emitError(c.module.getLoc()) << error;
  OpPrintingFlags flags;
  if (c.options.elideWeights)
    flags.elideLargeResourceString(64);
  if (c.options.printDebugInfo)
    flags.enableDebugInfo();
  c.module->print(output->os(), flags);
  output->keep();
  return success();
}

/// Prints and writes the fusion report the options ask for.
static LogicalResult writeFusionReport(const CompileOptions &options,
                                       ArrayRef<ONNXNodeRecord> nodes,
                                       ModuleOp module) {
  FusionReport report =
      buildFusionReport(options.inputFile, nodes, module, options.fuse);
  if (options.report == "fusion")
    printFusionTable(report, llvm::outs());
  if (getJSONReportKind(options) != "fusion")
    return success();
  std::string error;
  auto output = openOutputFile(options.reportJsonPath, &error);
  if (!output)
    return emitError(module.getLoc())
           << "cannot write the fusion report: " << error;
  output->os() << llvm::formatv("{0:2}", toJSON(report)) << "\n";
  output->keep();
  return success();
}

/// Sets `options.quant.statsFile`: the calibration cache when it exists
/// (its digest must match the model), else calibrates and writes the cache
/// (or `tempFile`, created here).
static LogicalResult
prepareStatistics(CompileOptions &options, MLIRContext &context,
                  llvm::SmallString<128> &tempFile,
                  std::shared_ptr<ExposedModel> &floatModel) {
  Location loc = UnknownLoc::get(&context);
  QuantizeDriverOptions &quant = options.quant;
  llvm::Expected<std::string> digest = computeModelDigest(options);
  if (!digest)
    return emitError(loc) << toString(digest.takeError());
  if (!quant.calibrationCache.empty() &&
      llvm::sys::fs::exists(quant.calibrationCache)) {
    llvm::Expected<quant::CalibrationStats> stats =
        quant::readCalibrationStats(quant.calibrationCache);
    if (!stats)
      return emitError(loc) << toString(stats.takeError());
    // A cache written before the XXH3 digest holds the SHA-256 one.
    if (!StringRef(stats->modelDigest).starts_with("xxh3-128:")) {
      digest = computeSHA256ModelDigest(options);
      if (!digest)
        return emitError(loc) << toString(digest.takeError());
    }
    if (stats->modelDigest != *digest)
      return emitError(loc)
             << "calibration cache '" << quant.calibrationCache
             << "' was made for another model or input shapes: its digest is "
             << stats->modelDigest << ", this model's is " << *digest
             << " (delete the file to recalibrate)";
    quant.statsFile = quant.calibrationCache;
    return success();
  }
  if (quant.calibrationDir.empty())
    return emitError(loc) << "calibration cache '" << quant.calibrationCache
                          << "' does not exist and no --calibration=DIR was "
                             "given to make it";
  FailureOr<quant::CalibrationStats> stats =
      calibrate(options, context, &floatModel);
  if (failed(stats))
    return failure();
  stats->modelDigest = *digest;
  std::string path = quant.calibrationCache;
  if (path.empty()) {
    if (std::error_code ec = llvm::sys::fs::createTemporaryFile(
            "tessera-calibration", "json", tempFile))
      return emitError(loc)
             << "cannot create a temporary file: " << ec.message();
    path = tempFile.str().str();
  }
  if (llvm::Error error = quant::writeCalibrationStats(path, *stats))
    return emitError(loc) << toString(std::move(error));
  quant.statsFile = path;
  return success();
}

/// Prints and writes the quant report the options ask for.
static LogicalResult
writeQuantReport(const CompileOptions &options, MLIRContext &context,
                 std::shared_ptr<ExposedModel> floatModel) {
  FailureOr<QuantReport> report =
      buildQuantReport(options, context, std::move(floatModel));
  if (failed(report))
    return failure();
  if (options.report == "quant")
    printQuantTable(*report, llvm::outs());
  if (getJSONReportKind(options) != "quant")
    return success();
  std::string error;
  auto output = openOutputFile(options.reportJsonPath, &error);
  if (!output)
    return emitError(UnknownLoc::get(&context))
           << "cannot write the quant report: " << error;
  output->os() << llvm::formatv("{0:2}", toJSON(*report)) << "\n";
  output->keep();
  return success();
}

OwningOpRef<ModuleOp> importModel(const CompileOptions &options,
                                  MLIRContext &context) {
  // A module already in the nn dialect (tests of the stages after import,
  // e.g. hand-written NPU segments).
  if (StringRef(options.inputFile).ends_with(".mlir"))
    return parseSourceFile<ModuleOp>(options.inputFile, &context);
  ONNXImportOptions importOptions;
  for (const std::string &spec : options.inputShapes)
    (void)parseInputShapeSpec(spec, importOptions);
  return importONNXFile(options.inputFile, &context, importOptions);
}

LogicalResult compile(const CompileOptions &compileOptions,
                      MLIRContext &context) {
  if (llvm::Error error = validateOptions(compileOptions))
    return emitError(UnknownLoc::get(&context)) << toString(std::move(error));
  CompileOptions options = compileOptions;
  llvm::SmallString<128> tempStats;
  llvm::FileRemover removeTempStats;
  if (!options.quant.mode.empty()) {
    // The float model calibration compiled (none with a cache) serves the
    // report too.
    std::shared_ptr<ExposedModel> floatModel;
    if (failed(prepareStatistics(options, context, tempStats, floatModel)))
      return failure();
    if (!tempStats.empty())
      removeTempStats.setFile(tempStats);
    bool wantsQuantReport =
        options.report == "quant" || getJSONReportKind(options) == "quant";
    if (wantsQuantReport &&
        failed(writeQuantReport(options, context, std::move(floatModel))))
      return failure();
  }
  const TargetInfo &target = *getTarget(options);
  OwningOpRef<ModuleOp> module = importModel(options, context);
  if (!module)
    return failure();
  bool wantsReport =
      options.report == "fusion" || getJSONReportKind(options) == "fusion";
  std::vector<ONNXNodeRecord> nodes;
  if (wantsReport)
    nodes = recordONNXNodes(*module);
  Compilation c{*module, options, {}};
  for (const Stage *stage : getStages(target)) {
    if (failed(stage->run(c)))
      return failure();
    if (stage == &getSharedStages().front() && target.extendNNStage &&
        failed(target.extendNNStage(c)))
      return failure();
    if (wantsReport && stage->name == "nn" &&
        failed(writeFusionReport(options, nodes, c.module)))
      return failure();
    if (stage->name == options.emitStage)
      return writeStage(c, *stage);
    if (stage == &getSharedStages().front() &&
        failed(checkSupport(target, c.module)))
      return failure();
  }

  Location loc = c.module.getLoc();
  if (std::error_code ec =
          llvm::sys::fs::create_directories(options.outputPath))
    return emitError(loc) << "cannot create " << options.outputPath << ": "
                          << ec.message();
  return target.writeArtifact(c, options.outputPath);
}

int compileAndReport(const CompileOptions &options, llvm::raw_ostream &os) {
  if (llvm::Error error = validateOptions(options)) {
    llvm::WithColor::error(os, "tessera-compile")
        << llvm::toString(std::move(error)) << "\n";
    return 2;
  }
  DialectRegistry registry;
  registerCompilerDialects(registry);
  MLIRContext context(registry);
  printDiagnostics(context, os);
  return failed(compile(options, context)) ? 1 : 0;
}

void registerAllTargets() {
  static bool once = [] {
    registerCPUBackend();
    registerNPUBackend();
    registerGPUBackend();
    return true;
  }();
  (void)once;
}

void registerCompilerDialects(DialectRegistry &registry) {
  registerAllDialects(registry);
  // What an .mlir input may hold besides the upstream dialects.
  registry.insert<nn::NNDialect, npu::NPUDialect>();
  registerAllExtensions(registry);
  registerAllToLLVMIRTranslations(registry);
}

/// Prints one diagnostic and its notes as `file: node 'name': kind: text`.
static void printDiagnostic(Diagnostic &diag, llvm::raw_ostream &os) {
  std::string where;
  Location loc = diag.getLocation();
  if (auto name = dyn_cast<NameLoc>(loc)) {
    if (auto file = dyn_cast<FileLineColLoc>(name.getChildLoc()))
      where = file.getFilename().str() + ": ";
    where += "node '" + name.getName().str() + "': ";
  } else if (auto file = dyn_cast<FileLineColLoc>(loc)) {
    where = file.getFilename().str();
    if (file.getLine())
      where += ":" + std::to_string(file.getLine()) + ":" +
               std::to_string(file.getColumn());
    where += ": ";
  }
  const char *kind = diag.getSeverity() == DiagnosticSeverity::Error ? "error"
                     : diag.getSeverity() == DiagnosticSeverity::Warning
                         ? "warning"
                         : "note";
  os << where << kind << ": " << diag.str() << "\n";
  for (Diagnostic &note : diag.getNotes())
    printDiagnostic(note, os);
}

void printDiagnostics(MLIRContext &context, llvm::raw_ostream &os) {
  // A user sees the ONNX node in the message's location; a dump of the
  // generic IR of the op would only bury it.
  context.printOpOnDiagnostic(false);
  context.getDiagEngine().registerHandler([&os](Diagnostic &diag) {
    printDiagnostic(diag, os);
    return success();
  });
}

} // namespace tessera
