//===- TargetRegistry.cpp - the registered back ends ----------------------===//
//
// Part of Tessera.
//
//===----------------------------------------------------------------------===//

#include "tessera/Driver/Target.h"
#include "tessera/Pipelines/Pipelines.h"

#include "mlir/Pass/PassManager.h"
#include "llvm/Support/ErrorHandling.h"


using namespace mlir;

namespace tessera {

/// Runs a pass pipeline built by `build` on the compilation's module.
static LogicalResult runPipeline(Compilation &c,
                                 llvm::function_ref<void(OpPassManager &)> build) {
  PassManager pm(c.module.getContext());
  build(pm);
  return pm.run(c.module);
}

ArrayRef<Stage> getSharedStages() {
  static const Stage stages[] = {
      {"nn", "nn dialect: imported, shapes inferred, shape subgraphs folded",
       [](Compilation &c) -> LogicalResult {
         if (failed(runPipeline(c, [](OpPassManager &pm) {
               buildNNStagePipeline(pm, /*requireStatic=*/true);
             })))
           return failure();
         FailureOr<ModelSignature> signature = getModelSignature(c.module);
         if (failed(signature))
           return failure();
         c.signature = std::move(*signature);
         return success();
       },
       nullptr},
      {"linalg", "linalg/tensor/arith/math on tensors",
       [](Compilation &c) {
         return runPipeline(
             c, [](OpPassManager &pm) { buildLinalgStagePipeline(pm); });
       },
       nullptr},
  };
  return stages;
}

/// Targets register once, at start-up (registerAllTargets), before any
/// lookup: pointers into the registry stay valid after that.
static std::vector<TargetInfo> &getRegistry() {
  static std::vector<TargetInfo> registry;
  return registry;
}

void registerTarget(TargetInfo info) {
  if (lookupTarget(info.name))
    llvm::report_fatal_error("tessera: target '" + llvm::Twine(info.name) +
                             "' registered twice");
  getRegistry().push_back(std::move(info));
}

ArrayRef<TargetInfo> getRegisteredTargets() { return getRegistry(); }

const TargetInfo *lookupTarget(StringRef name) {
  for (const TargetInfo &info : getRegistry())
    if (info.name == name)
      return &info;
  return nullptr;
}

const TargetInfo *getDefaultTarget() {
  return getRegistry().empty() ? nullptr : &getRegistry().front();
}

SmallVector<const Stage *> getStages(const TargetInfo &target) {
  SmallVector<const Stage *> stages;
  for (const Stage &stage : getSharedStages())
    stages.push_back(&stage);
  for (const Stage &stage : target.stages)
    stages.push_back(&stage);
  return stages;
}

std::string describeTargets() {
  std::string text = "\nTargets (--target; the first is the default) and "
                     "their stages (--emit), in pipeline order:\n";
  auto line = [&](StringRef indent, StringRef name, StringRef description) {
    text += indent.str() + name.str();
    text += std::string(name.size() < 8 ? 8 - name.size() : 1, ' ');
    text += description.str() + "\n";
  };
  for (const TargetInfo &target : getRegistry()) {
    line("  ", target.name, target.description);
    for (const Stage *stage : getStages(target))
      line("      ", stage->name, stage->description);
  }
  return text;
}

std::string describeTargetsMarkdown() {
  std::string text = "| target | stage (`--emit`) | what it is |\n"
                     "|---|---|---|\n";
  for (const TargetInfo &target : getRegistry()) {
    text += "| `" + target.name + "` | (artifact) | " + target.description +
            " |\n";
    for (const Stage *stage : getStages(target))
      text += "| | `" + stage->name + "` | " + stage->description + " |\n";
  }
  return text;
}

} // namespace tessera
