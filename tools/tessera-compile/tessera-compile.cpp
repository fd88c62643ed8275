//===- tessera-compile.cpp - Tessera's compiler driver ----------------------===//
//
// Part of Tessera. `tessera-compile model.onnx --emit=<stage> -o FILE`: import
// an ONNX model and run the pipeline stages up to the requested one.
//
// Exit codes: 0 success, 1 the model could not be compiled (diagnostics say
// why), 2 bad command line.
//
//===----------------------------------------------------------------------===//

#include "NN/NNOps.h"
#include "tessera/Pipelines/Pipelines.h"
#include "tessera/Target/ONNX/ImportONNX.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/WithColor.h"

using namespace mlir;
namespace cl = llvm::cl;

static cl::OptionCategory category("tessera-compile options");
static cl::opt<std::string> inputFile(cl::Positional, cl::desc("<model.onnx>"),
                                      cl::Required, cl::cat(category));
static cl::opt<std::string> outputFile("o", cl::desc("Output file ('-' for stdout)"),
                                       cl::value_desc("file"), cl::init("-"),
                                       cl::cat(category));
static cl::opt<std::string> target("target", cl::desc("Target: cpu, npu or gpu"),
                                   cl::init("npu"), cl::cat(category));
static cl::opt<std::string> emit("emit", cl::desc("Stop after this stage and print it"),
                                 cl::value_desc("stage"), cl::init(""),
                                 cl::cat(category));
static cl::list<std::string> inputShapes(
    "input-shape", cl::desc("Pin an input's dynamic dims: name=d0,d1,..."),
    cl::value_desc("name=d0,d1,..."), cl::cat(category));
static cl::opt<bool> elideWeights(
    "elide-weights", cl::desc("Print weights as placeholders (smaller output)"),
    cl::init(false), cl::cat(category));

static std::string describe(llvm::ArrayRef<tessera::StageInfo> infos) {
  std::string text;
  for (const tessera::StageInfo &info : infos)
    text += "    " + info.name.str() + std::string(8 - info.name.size(), ' ') +
            info.description.str() + (info.available ? "" : "  [not built yet]") +
            "\n";
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
  const char *kind = diag.getSeverity() == DiagnosticSeverity::Error     ? "error"
                     : diag.getSeverity() == DiagnosticSeverity::Warning ? "warning"
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
  static std::string extra =
      "\nTargets (--target):\n" + describe(tessera::getTargets()) +
      "\nStages (--emit), in pipeline order:\n" + describe(tessera::getStages()) +
      "\nExit codes: 0 ok, 1 the model could not be compiled, 2 bad command line.\n";
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
  if (emit.empty() || !stageInfo) {
    std::string names;
    for (const tessera::StageInfo &info : tessera::getStages())
      names += (names.empty() ? "" : ", ") + info.name.str();
    if (emit.empty() && !targetInfo->available)
      return usage("the " + target +
                   " target's back end is not built yet; pass --emit=nn to "
                   "stop after the nn stage");
    if (!emit.empty())
      return usage("unknown stage '" + emit + "' (stages: " + names + ")");
  }
  if (!stageInfo->available)
    return usage("stage '" + emit + "' is not built yet (available: nn)");

  tessera::ONNXImportOptions options;
  for (const std::string &spec : inputShapes) {
    std::string error = tessera::parseInputShapeSpec(spec, options);
    if (!error.empty())
      return usage(error);
  }

  MLIRContext context;
  context.getDiagEngine().registerHandler([](Diagnostic &diag) {
    printDiagnostic(diag);
    return success();
  });
  OwningOpRef<ModuleOp> module =
      tessera::importONNXFile(inputFile, &context, options);
  if (!module)
    return 1;

  PassManager pm(&context);
  tessera::buildNNStagePipeline(pm, /*requireStatic=*/true);
  if (failed(pm.run(*module)))
    return 1;

  std::string error;
  auto output = openOutputFile(outputFile, &error);
  if (!output) {
    llvm::WithColor::error(llvm::errs(), "tessera-compile") << error << "\n";
    return 1;
  }
  OpPrintingFlags flags;
  if (elideWeights)
    flags.elideLargeResourceString(64);
  module->print(output->os(), flags);
  output->keep();
  return 0;
}
