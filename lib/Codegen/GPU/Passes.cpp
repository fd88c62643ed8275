//===- Passes.cpp - the GPU code generation steps as tessera-opt passes ---===//
//
// Part of Tessera. Each step of Codegen.h as a pass, so lit tests can run
// them one at a time: tessera-gpu-gemmify, tessera-gpu-fuse-elementwise,
// tessera-gpu-tile, tessera-gpu-map, tessera-gpu-ptx. Each takes the
// options `chip` (default sm_90) and `precision` (fp32 or fp16).
//
//===----------------------------------------------------------------------===//

#include "Codegen.h"

#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassRegistry.h"

using namespace mlir;

namespace tessera::gpu {
namespace {

template <typename Derived>
struct GPUPassBase : public PassWrapper<Derived, OperationPass<ModuleOp>> {
  GPUPassBase() = default;
  GPUPassBase(const GPUPassBase &other)
      : PassWrapper<Derived, OperationPass<ModuleOp>>(other) {}

  Pass::Option<std::string> chip{
      *this, "chip", llvm::cl::desc("GPU chip (sm_80, sm_90a, ...)"),
      llvm::cl::init("sm_90")};
  Pass::Option<std::string> precision{
      *this, "precision", llvm::cl::desc("fp32 or fp16 GEMM operands"),
      llvm::cl::init("fp32")};

  /// The configuration, or failure after reporting a bad option.
  FailureOr<CodegenConfig> getConfig() {
    llvm::Expected<GPUTargetDesc> target = lookupGPUTarget(chip);
    if (!target) {
      emitError(this->getOperation().getLoc())
          << llvm::toString(target.takeError());
      return failure();
    }
    if (precision != "fp32" && precision != "fp16") {
      emitError(this->getOperation().getLoc())
          << "unknown precision '" << precision << "' (fp32 or fp16)";
      return failure();
    }
    CodegenConfig config;
    config.target = std::move(*target);
    config.precision = precision;
    return config;
  }

  /// Runs `step` on every function; fails the pass when one fails.
  void forEachFunc(llvm::function_ref<LogicalResult(func::FuncOp)> step) {
    for (auto func : this->getOperation().template getOps<func::FuncOp>())
      if (!func.isExternal() && failed(step(func)))
        return this->signalPassFailure();
  }
};

#define TESSERA_GPU_PASS(Name, Arg, Desc)                                      \
  struct Name : public GPUPassBase<Name> {                                     \
    MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(Name)                         \
    StringRef getArgument() const final { return Arg; }                        \
    StringRef getDescription() const final { return Desc; }                    \
    void runOnOperation() override;                                            \
  };

TESSERA_GPU_PASS(GemmifyPass, "tessera-gpu-gemmify",
                 "Convolutions and matrix products as packed, padded GEMMs")
TESSERA_GPU_PASS(FuseElementwisePass, "tessera-gpu-fuse-elementwise",
                 "Merge elementwise generics into their only consumer")
TESSERA_GPU_PASS(TilePass, "tessera-gpu-tile",
                 "The pre-mapping loop nest of every GPU kernel")
TESSERA_GPU_PASS(MapPass, "tessera-gpu-map",
                 "gpu.launch kernels with device memory from the tiled IR")
TESSERA_GPU_PASS(PTXPass, "tessera-gpu-ptx",
                 "Outline the kernels and compile them to PTX")
#undef TESSERA_GPU_PASS

void GemmifyPass::runOnOperation() {
  FailureOr<CodegenConfig> config = getConfig();
  if (failed(config))
    return signalPassFailure();
  forEachFunc([&](func::FuncOp f) { return gemmify(f, *config); });
}

void FuseElementwisePass::runOnOperation() {
  forEachFunc([&](func::FuncOp f) { return fuseElementwise(f); });
}

void TilePass::runOnOperation() {
  FailureOr<CodegenConfig> config = getConfig();
  if (failed(config))
    return signalPassFailure();
  forEachFunc([&](func::FuncOp f) { return tileForGPU(f, *config); });
}

void MapPass::runOnOperation() {
  FailureOr<CodegenConfig> config = getConfig();
  if (failed(config))
    return signalPassFailure();
  std::vector<KernelInfo> kernels;
  if (failed(mapToGPU(getOperation(), *config, kernels)))
    signalPassFailure();
}

void PTXPass::runOnOperation() {
  FailureOr<CodegenConfig> config = getConfig();
  if (failed(config) || failed(lowerKernelsToPTX(getOperation(), *config)))
    signalPassFailure();
}

} // namespace

void registerGPUCodegenPasses() {
  PassRegistration<GemmifyPass>();
  PassRegistration<FuseElementwisePass>();
  PassRegistration<TilePass>();
  PassRegistration<MapPass>();
  PassRegistration<PTXPass>();
}

} // namespace tessera::gpu
