//===- GPUBackend.cpp - the gpu and gpu-emulate targets' registration -----===//
//
// Part of Tessera. `--target=gpu`: stages `tiled` (GEMM form, fusion, the
// pre-mapping loop nest), `gpu` (gpu.launch kernels, device memory), `ptx`
// (outlined kernels compiled by NVVM; written as the PTX text), `llvm` (host
// code calling the runtime's mgpu* functions) and `obj`; the artifact is the
// CPU target's (model.so + manifest.json) with the GPU runtime linked in.
// `--target=gpu-emulate` runs the `tiled` loop nest on the CPU instead: the
// same kernels' tiling, checked against the reference without a GPU.
//
//===----------------------------------------------------------------------===//

#include "Codegen.h"

#include "tessera/Codegen/CPU/CABI.h"
#include "tessera/Driver/Driver.h"
#include "tessera/Driver/Target.h"
#include "tessera/Pipelines/Pipelines.h"
#include "tessera/Target/CPU/CPUTarget.h"
#include "tessera/Target/GPU/GPUTarget.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/ToolOutputFile.h"

using namespace mlir;

namespace tessera {
namespace {

/// What the gpu target's stages hand on: the configuration and the kernels.
struct GPUState {
  gpu::CodegenConfig config;
  std::vector<gpu::KernelInfo> kernels;
  llvm::StringMap<gpu::PtxasKernelInfo> ptxas;
};

GPUState &getState(Compilation &c) {
  if (!c.targetState) {
    auto state = std::make_shared<GPUState>();
    // validate() checked the chip.
    state->config.target =
        llvm::cantFail(gpu::lookupGPUTarget(c.options.gpu.chip));
    state->config.precision = c.options.gpu.precision;
    c.targetState = state;
  }
  return *static_cast<GPUState *>(c.targetState.get());
}

llvm::Error validateGPU(const CompileOptions &options) {
  llvm::Expected<gpu::GPUTargetDesc> target =
      gpu::lookupGPUTarget(options.gpu.chip);
  if (!target)
    return llvm::createStringError("--gpu-chip: " +
                                   llvm::toString(target.takeError()));
  if (options.gpu.precision != "fp32" && options.gpu.precision != "fp16")
    return llvm::createStringError("unknown --gpu-precision '" +
                                   options.gpu.precision + "' (fp32, fp16)");
  if (options.gpu.precision == "fp16" && !target->hasMmaSync)
    return llvm::createStringError(
        "--gpu-precision=fp16 needs tensor cores with mma.sync (sm_80 or "
        "later), but --gpu-chip is " +
        options.gpu.chip);
  bool kernelsReport =
      options.report == "kernels" || getJSONReportKind(options) == "kernels";
  if (kernelsReport && !options.emitStage.empty() &&
      options.emitStage != "ptx" && options.emitStage != "llvm" &&
      options.emitStage != "obj")
    return llvm::createStringError("the kernels report needs the ptx stage, "
                                   "but --emit=" +
                                   options.emitStage + " stops before it");
  return llvm::Error::success();
}

LogicalResult runTiledStage(Compilation &c) {
  GPUState &state = getState(c);
  for (auto func : c.module.getOps<func::FuncOp>()) {
    if (func.isExternal())
      continue;
    if (failed(gpu::gemmify(func, state.config)) ||
        failed(gpu::fuseElementwise(func)))
      return failure();
    PassManager pm(c.module.getContext(), func::FuncOp::getOperationName());
    pm.addPass(createCanonicalizerPass());
    pm.addPass(createCSEPass());
    if (failed(pm.run(func)) || failed(gpu::tileForGPU(func, state.config)))
      return failure();
    // The tiling's full-size slices (K loop iter_args) fold away, or
    // bufferization would copy the block tile every step.
    if (failed(pm.run(func)))
      return failure();
  }
  return success();
}

/// Prints and writes the kernels report when asked for.
LogicalResult writeKernelsReport(Compilation &c, GPUState &state) {
  const CompileOptions &options = c.options;
  if (options.report == "kernels")
    gpu::printKernelReport(llvm::outs(), state.kernels, state.ptxas,
                           state.config.target);
  if (getJSONReportKind(options) != "kernels")
    return success();
  // The report is written before the artifact's directory exists: a path
  // inside it still works.
  StringRef parent = llvm::sys::path::parent_path(options.reportJsonPath);
  if (options.reportJsonPath != "-" && !parent.empty())
    (void)llvm::sys::fs::create_directories(parent);
  std::string error;
  auto output = openOutputFile(options.reportJsonPath, &error);
  if (!output)
    return emitError(c.module.getLoc())
           << "cannot write the kernels report: " << error;
  output->os() << llvm::formatv("{0:2}", gpu::kernelReportToJSON(
                                             state.kernels, state.ptxas,
                                             state.config.target))
               << "\n";
  output->keep();
  return success();
}

LogicalResult runPTXStage(Compilation &c) {
  GPUState &state = getState(c);
  if (failed(gpu::lowerKernelsToPTX(c.module, state.config)))
    return failure();
  FailureOr<std::string> ptx = gpu::getPTX(c.module);
  if (failed(ptx))
    return failure();
  // ptxas, where the CUDA toolkit is installed: every kernel must assemble
  // (a rejection is a compiler bug, reported with ptxas's message), and its
  // registers and spills go to the kernels report.
  std::optional<std::string> ptxas =
      ptx->empty() ? std::nullopt : gpu::findPtxas();
  if (ptxas) {
    llvm::Expected<llvm::StringMap<gpu::PtxasKernelInfo>> info =
        gpu::runPtxas(*ptxas, *ptx, state.config.target.chip);
    if (!info)
      return emitError(c.module.getLoc())
             << "internal error: ptxas rejects the generated PTX: "
             << llvm::toString(info.takeError());
    state.ptxas = std::move(*info);
  }
  // Kernel names: outlining names each launch's kernel after its function
  // in launch order; the mapping recorded the kernels in that order.
  std::vector<std::string> names;
  c.module.walk([&](mlir::gpu::LaunchFuncOp launch) {
    names.push_back(launch.getKernelName().str());
  });
  for (auto [info, name] : llvm::zip(state.kernels, names))
    info.name = name;
  return writeKernelsReport(c, state);
}

LogicalResult writePTX(Compilation &c, StringRef path) {
  FailureOr<std::string> ptx = gpu::getPTX(c.module);
  if (failed(ptx))
    return failure();
  std::string error;
  auto output = openOutputFile(path, &error);
  if (!output)
    return emitError(c.module.getLoc())
           << "cannot write " << path << ": " << error;
  output->os() << *ptx;
  output->keep();
  return success();
}

/// The host code: the runtime calls of the launches and copies, the LLVM
/// dialect with the C ABI entry point.
LogicalResult runHostLLVMStage(Compilation &c) {
  const char *pipeline =
      "func.func(gpu-async-region),expand-strided-metadata,"
      "lower-affine,convert-nvgpu-to-nvvm,convert-scf-to-cf,"
      "finalize-memref-to-llvm{use-generic-functions=1},"
      "convert-arith-to-llvm,convert-index-to-llvm,"
      "gpu-to-llvm{use-bare-pointers-for-host=true},"
      "convert-func-to-llvm{use-bare-ptr-memref-call-conv=1},"
      "convert-cf-to-llvm,canonicalize,reconcile-unrealized-casts";
  registerPipelineDependencies();
  PassManager pm(c.module.getContext());
  if (failed(parsePassPipeline(pipeline, pm)))
    return emitError(c.module.getLoc())
           << "internal error: invalid GPU host pipeline";
  if (failed(pm.run(c.module)))
    return failure();
  return addRunEntryPoint(c.module, c.signature, gpu::kGPUStatusFunction);
}

LogicalResult writeGPUArtifact(Compilation &c, StringRef dir) {
  GPUState &state = getState(c);
  llvm::json::Array kernels;
  for (const gpu::KernelInfo &k : state.kernels)
    kernels.push_back(
        llvm::json::Object{{"name", k.name},
                           {"strategy", k.strategy},
                           {"nodes", llvm::json::Array(k.nodes)}});
  llvm::json::Object extra{
      {"gpu", llvm::json::Object{{"chip", state.config.target.chip},
                                 {"precision", state.config.precision},
                                 {"kernels", std::move(kernels)}}}};
  return writeHostArtifact(c, dir, "gpu", std::move(extra),
                           {gpu::getGPURuntimeObject()});
}

} // namespace

void registerGPUBackend() {
  TargetInfo info;
  info.name = "gpu";
  info.description = "NVIDIA GPU: PTX kernels + host shared library "
                     "(--gpu-chip, --gpu-precision)";
  info.stages.push_back({"tiled",
                         "linalg in GEMM form, tiled into scf.forall loops "
                         "with GPU block/thread mappings (runs on the CPU "
                         "as the gpu-emulate target)",
                         runTiledStage, nullptr});
  info.stages.push_back(
      {"gpu", "gpu.launch kernels with shared memory, device buffers",
       [](Compilation &c) {
         GPUState &state = getState(c);
         return gpu::mapToGPU(c.module, state.config, state.kernels);
       },
       nullptr});
  info.stages.push_back({"ptx",
                         "kernels outlined and compiled to PTX (written as "
                         "PTX text)",
                         runPTXStage, writePTX});
  info.stages.push_back({"llvm",
                         "LLVM dialect: host code with the PTX "
                         "embedded and runtime calls",
                         runHostLLVMStage, nullptr});
  info.stages.push_back({"obj", "native object for the target CPU (--cpu)",
                         [](Compilation &) { return success(); },
                         writeHostObject});
  info.writeArtifact = writeGPUArtifact;
  // The kernels are made from the CPU target's linalg: the same ops.
  info.supportsOp = [](Operation *op) {
    return lookupTarget("cpu")->supportsOp(op);
  };
  info.validate = validateGPU;
  auto supportsOp = info.supportsOp;
  registerTarget(std::move(info));

  TargetInfo emulate;
  emulate.name = "gpu-emulate";
  emulate.description = "the gpu target's tiled loop nest (before GPU "
                        "mapping) run on the host CPU: checks tiling "
                        "without a GPU";
  emulate.stages.push_back({"tiled",
                            "linalg in GEMM form, tiled into scf.forall "
                            "loops with GPU block/thread mappings",
                            runTiledStage, nullptr});
  emulate.stages.push_back({"llvm", "LLVM dialect: the loops sequential, C ABI",
                            [](Compilation &c) {
                              if (failed(gpu::lowerTiledForCPU(c.module)))
                                return failure();
                              PassManager pm(c.module.getContext());
                              buildCPULLVMStagePipeline(pm);
                              if (failed(pm.run(c.module)))
                                return failure();
                              return addRunEntryPoint(c.module, c.signature);
                            },
                            nullptr});
  emulate.stages.push_back({"obj", "native object for the target CPU (--cpu)",
                            [](Compilation &) { return success(); },
                            writeHostObject});
  emulate.writeArtifact = [](Compilation &c, StringRef dir) {
    return writeHostArtifact(c, dir, "gpu-emulate");
  };
  emulate.supportsOp = supportsOp;
  emulate.validate = validateGPU;
  registerTarget(std::move(emulate));
}

} // namespace tessera
