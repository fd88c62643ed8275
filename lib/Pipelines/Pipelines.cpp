//===- Pipelines.cpp - Tessera's compiler pipelines -------------------------===//
//
// Part of Tessera.
//
//===----------------------------------------------------------------------===//

#include "tessera/Pipelines/Pipelines.h"
#include "tessera/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

llvm::ArrayRef<tessera::StageInfo> tessera::getStages() {
  static const StageInfo stages[] = {
      {"nn", "nn dialect: imported, shapes inferred, shape subgraphs folded",
       true},
      {"linalg", "linalg/tensor on tensors (CPU path)", false},
      {"llvm", "LLVM dialect (CPU path)", false},
      {"obj", "native object (CPU path)", false},
      {"npu", "npu dialect, ISA level", false},
      {"ptx", "PTX for sm_90", false},
  };
  return stages;
}

llvm::ArrayRef<tessera::StageInfo> tessera::getTargets() {
  static const StageInfo targets[] = {
      {"cpu", "host CPU shared library (reference path)", false},
      {"npu", "Tessera NPU program (simulator)", false},
      {"gpu", "NVIDIA GPU (NVVM -> PTX, sm_90)", false},
  };
  return targets;
}

void tessera::buildNNStagePipeline(OpPassManager &pm, bool requireStatic) {
  OpPassManager &func = pm.nest<func::FuncOp>();
  func.addPass(createShapeInference());
  func.addPass(createCanonicalizerPass());
  func.addPass(createCSEPass());
  ShapeInferenceOptions options;
  options.requireStatic = requireStatic;
  func.addPass(createShapeInference(options));
}

namespace {
struct NNStageOptions : public PassPipelineOptions<NNStageOptions> {
  Option<bool> requireStatic{*this, "require-static",
                             llvm::cl::desc("Fail on any dynamic shape left"),
                             llvm::cl::init(true)};
};
} // namespace

void tessera::registerTesseraPipelines() {
  PassPipelineRegistration<NNStageOptions>(
      "tessera-nn-stage",
      "The `nn` stage of tessera-compile: infer shapes, fold shape subgraphs",
      [](OpPassManager &pm, const NNStageOptions &options) {
        buildNNStagePipeline(pm, options.requireStatic);
      });
}
