//===- tessera-compile.cpp - Tessera's compiler driver --------------------===//
//
// Part of Tessera. `tessera-compile model.onnx --target=cpu -o DIR` imports an
// ONNX model and compiles it to an artifact (shared library + manifest);
// `--emit=<stage> -o FILE` stops after a stage and writes it.
//
// Exit codes: 0 success, 1 the model could not be compiled (diagnostics say
// why), 2 bad command line.
//
//===----------------------------------------------------------------------===//

#include "NN/NNOps.h"
#include "tessera/Pipelines/Pipelines.h"
#include "tessera/Target/CPU/CPUTarget.h"
#include "tessera/Target/ONNX/ImportONNX.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/WithColor.h"

using namespace mlir;
namespace cl = llvm::cl;

static cl::OptionCategory category("tessera-compile options");
static cl::opt<std::string> inputFile(cl::Positional, cl::desc("<model.onnx>"),
                                      cl::Required, cl::cat(category));
static cl::opt<std::string> outputFile("o",
                                       cl::desc("Output file ('-' for stdout)"),
                                       cl::value_desc("file"), cl::init("-"),
                                       cl::cat(category));
static cl::opt<std::string> target("target",
                                   cl::desc("Target: cpu, npu or gpu"),
                                   cl::init("npu"), cl::cat(category));
static cl::opt<std::string> emit("emit",
                                 cl::desc("Stop after this stage and print it"),
                                 cl::value_desc("stage"), cl::init(""),
                                 cl::cat(category));
static cl::list<std::string>
    inputShapes("input-shape",
                cl::desc("Pin an input's dynamic dims: name=d0,d1,..."),
                cl::value_desc("name=d0,d1,..."), cl::cat(category));
static cl::opt<bool> vectorizeElementwise(
    "cpu-vectorize-elementwise",
    cl::desc("CPU: also vectorize elementwise ops (for A/B measurements)"),
    cl::init(true), cl::Hidden, cl::cat(category));
static cl::opt<bool> fuseElementwise(
    "cpu-fuse-elementwise",
    cl::desc("CPU: fuse elementwise producer/consumer loops (experimental: "
             "slows the Transformer encoder 18x, so off)"),
    cl::init(false), cl::Hidden, cl::cat(category));
static cl::opt<unsigned> convChannelTile(
    "cpu-conv-channel-tile",
    cl::desc("CPU: output channels per convolution register tile (0: chosen "
             "for the host; for A/B measurements)"),
    cl::init(0), cl::Hidden, cl::cat(category));
static cl::opt<unsigned> convPixelTile(
    "cpu-conv-pixel-tile",
    cl::desc("CPU: output pixels per convolution register tile where it "
             "divides the width (0: chosen for the host; for A/B "
             "measurements)"),
    cl::init(0), cl::Hidden, cl::cat(category));
static cl::opt<bool> elideWeights(
    "elide-weights",
    cl::desc("Elide large weights in the printed IR (smaller output)"),
    cl::init(false), cl::cat(category));

static std::string describe(llvm::ArrayRef<tessera::StageInfo> infos) {
  std::string text;
  for (const tessera::StageInfo &info : infos)
    text += "    " + info.name.str() + std::string(8 - info.name.size(), ' ') +
            info.description.str() +
            (info.available ? "" : "  [not built yet]") + "\n";
  return text;
}

/// Prints diagnostics as `file: node 'name': error: message`.
static void printDiagnostic(Diagnostic &diag) {
  llvm::raw_ostream &os = llvm::errs();
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
    printDiagnostic(note);
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::SetVersionPrinter([](llvm::raw_ostream &os) {
    os << "tessera-compile " << TESSERA_VERSION << " (LLVM/MLIR "
       << LLVM_VERSION_STRING << ")\n";
  });
  static std::string extra = "\nTargets (--target):\n" +
                             describe(tessera::getTargets()) +
                             "\nStages (--emit), in pipeline order:\n" +
                             describe(tessera::getStages()) +
                             "\nExit codes: 0 ok, 1 the model could not be "
                             "compiled, 2 bad command line.\n";
  cl::extrahelp extraHelp(extra.c_str());
  cl::HideUnrelatedOptions(category);
  if (!cl::ParseCommandLineOptions(argc, argv, "Tessera compiler driver\n",
                                   &llvm::errs()))
    return 2;

  auto usage = [](const llvm::Twine &message) {
    llvm::WithColor::error(llvm::errs(), "tessera-compile") << message << "\n";
    return 2;
  };
  const tessera::StageInfo *targetInfo = nullptr;
  for (const tessera::StageInfo &info : tessera::getTargets())
    if (info.name == target)
      targetInfo = &info;
  if (!targetInfo)
    return usage("unknown target '" + target + "' (targets: cpu, npu, gpu)");
  const tessera::StageInfo *stageInfo = nullptr;
  for (const tessera::StageInfo &info : tessera::getStages())
    if (info.name == emit)
      stageInfo = &info;
  std::string names;
  for (const tessera::StageInfo &info : tessera::getStages())
    names += (names.empty() ? "" : ", ") + info.name.str();
  if (!emit.empty() && !stageInfo)
    return usage("unknown stage '" + emit + "' (stages: " + names + ")");
  if (!targetInfo->available &&
      (emit.empty() || (emit != "nn" && emit != "linalg")))
    return usage("the " + target +
                 " target's back end is not built yet; use --target=cpu, or "
                 "--emit=nn or --emit=linalg to stop before the back end");
  if (stageInfo && !stageInfo->available)
    return usage("stage '" + emit + "' is not built yet");
  if (stageInfo && target != "cpu" && (emit == "llvm" || emit == "obj"))
    return usage("stage '" + emit + "' belongs to the cpu target");
  if (emit.empty() && outputFile == "-")
    return usage("compiling an artifact needs -o DIR");

  tessera::ONNXImportOptions options;
  for (const std::string &spec : inputShapes) {
    std::string error = tessera::parseInputShapeSpec(spec, options);
    if (!error.empty())
      return usage(error);
  }

  // Every dialect and interface model (bufferization, LLVM translation) the
  // pipelines may need.
  DialectRegistry registry;
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registerAllToLLVMIRTranslations(registry);
  MLIRContext context(registry);
  context.getDiagEngine().registerHandler([](Diagnostic &diag) {
    printDiagnostic(diag);
    return success();
  });
  OwningOpRef<ModuleOp> module =
      tessera::importONNXFile(inputFile, &context, options);
  if (!module)
    return 1;

  auto print = [&](ModuleOp m) -> int {
    std::string error;
    auto output = openOutputFile(outputFile, &error);
    if (!output) {
      llvm::WithColor::error(llvm::errs(), "tessera-compile") << error << "\n";
      return 1;
    }
    OpPrintingFlags flags;
    if (elideWeights)
      flags.elideLargeResourceString(64);
    m->print(output->os(), flags);
    output->keep();
    return 0;
  };

  PassManager pm(&context);
  tessera::buildNNStagePipeline(pm, /*requireStatic=*/true);
  if (failed(pm.run(*module)))
    return 1;
  if (emit == "nn")
    return print(*module);
  FailureOr<tessera::ModelSignature> signature =
      tessera::getModelSignature(*module);
  if (failed(signature))
    return 1;

  PassManager linalgPM(&context);
  tessera::buildLinalgStagePipeline(linalgPM);
  if (failed(linalgPM.run(*module)))
    return 1;
  if (emit == "linalg")
    return print(*module);

  if (failed(tessera::prepareForCABI(*module)))
    return 1;
  PassManager llvmPM(&context);
  tessera::buildCPUCodegenPipeline(llvmPM, vectorizeElementwise,
                                   fuseElementwise, convChannelTile,
                                   convPixelTile);
  tessera::buildCPULLVMStagePipeline(llvmPM);
  if (failed(llvmPM.run(*module)) ||
      failed(tessera::addRunEntryPoint(*module, *signature)))
    return 1;
  if (emit == "llvm")
    return print(*module);
  if (emit == "obj")
    return failed(tessera::emitHostObject(*module, outputFile)) ? 1 : 0;

  // The artifact: DIR/model.so + DIR/manifest.json.
  Location loc = module->getLoc();
  if (std::error_code ec = llvm::sys::fs::create_directories(outputFile)) {
    emitError(loc) << "cannot create " << outputFile << ": " << ec.message();
    return 1;
  }
  SmallString<256> object(outputFile), library(outputFile),
      manifest(outputFile);
  llvm::sys::path::append(object, "model.o");
  llvm::sys::path::append(library, "model.so");
  llvm::sys::path::append(manifest, "manifest.json");
  if (failed(tessera::emitHostObject(*module, object)) ||
      failed(tessera::linkSharedLibrary(loc, object, library)) ||
      failed(tessera::writeManifest(loc, manifest, *signature, "model.so")))
    return 1;
  llvm::sys::fs::remove(object);
  return 0;
}
