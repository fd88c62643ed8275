//===- NPUBackend.cpp - the npu back end's registration -------------------===//
//
// Part of Tessera. The NPU as a target: the npu partition at the end of the
// `nn` stage (host ops and NPU segments, tessera/Codegen/NPU/Passes.h), then
// stages `npu` (the segments' npu.program ops), `npu-asm` (their assembly),
// `llvm` (the host code: programs embedded, launches as runtime calls, the
// CPU pipeline) and `obj`; the artifact is the CPU one with an "npu" section
// in its manifest (docs/npu/compiler.md, "Artifact and runtime").
//
//===----------------------------------------------------------------------===//

#include "NPU/NPUOps.h"
#include "tessera/Codegen/CPU/CABI.h"
#include "tessera/Codegen/NPU/HostCode.h"
#include "tessera/Codegen/NPU/Passes.h"
#include "tessera/Driver/Driver.h"
#include "tessera/Driver/Target.h"
#include "tessera/NPU/Hardware.h"
#include "tessera/Pipelines/Pipelines.h"
#include "tessera/Target/CPU/CPUTarget.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/ToolOutputFile.h"

using namespace mlir;

namespace tessera {

static llvm::Error usageError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

/// The hardware description the options name (the edge preset by default).
static llvm::Expected<npu::HardwareDesc>
loadHardware(const CompileOptions &options) {
  return npu::loadHardwareDesc(options.hardware.empty() ? "edge"
                                                        : options.hardware);
}

static llvm::Error validateNPUOptions(const CompileOptions &options) {
  if (options.quant.mode.empty() && !options.lowerQDQ)
    return usageError(
        "the npu target runs the int8 graph: give --quantize=int8 (with "
        "--calibration=DIR or --calibration-cache=FILE) or --lower-qdq (a "
        "pre-quantized model)");
  llvm::Expected<npu::HardwareDesc> hw = loadHardware(options);
  if (!hw)
    return usageError("--hw: " + llvm::toString(hw.takeError()));
  if (!options.npuPlacementFile.empty() &&
      !llvm::sys::fs::exists(options.npuPlacementFile))
    return usageError("--npu-placement: cannot open '" +
                      options.npuPlacementFile + "'");
  return llvm::Error::success();
}

/// The end of the `nn` stage: the npu partition (a module that already
/// holds npu.program ops, e.g. hand-written segments, is not partitioned
/// again), then the host placement recorded for the manifest.
static LogicalResult partition(Compilation &c) {
  ModuleOp module = c.module;
  llvm::Expected<npu::HardwareDesc> hw = loadHardware(c.options);
  if (!hw)
    return emitError(module.getLoc()) << llvm::toString(hw.takeError());
  bool segmented = !module.getOps<npu::ProgramOp>().empty();
  if (!segmented) {
    NPUPartitionOptions options;
    options.hw = c.options.hardware.empty() ? "edge" : c.options.hardware;
    options.placementFile = c.options.npuPlacementFile;
    options.strict = c.options.npuStrict;
    options.tiling = c.options.npuTiling;
    if (getJSONReportKind(c.options) == "placement")
      options.placementReportJSON = c.options.reportJsonPath;
    options.printPlacementReport = c.options.report == "placement";
    PassManager pm(module.getContext());
    buildNPUPartitionPipeline(pm, options);
    if (failed(pm.run(module)))
      return failure();
  }
  if (!module->hasAttr(npu::NPUDialect::kHardwareAttrName))
    module->setAttr(npu::NPUDialect::kHardwareAttrName,
                    npu::HardwareAttr::get(module.getContext(), *hw));
  c.targetData["host_ops"] = collectHostPlacement(module);
  return success();
}

/// The translated programs of the module: those the `npu` stage kept
/// (nothing changes the module between it and `npu-asm` or `llvm`), or a
/// fresh translation.
static FailureOr<std::vector<NPUProgramInfo>> getPrograms(Compilation &c) {
  if (auto *kept =
          static_cast<std::vector<NPUProgramInfo> *>(c.targetState.get())) {
    std::vector<NPUProgramInfo> programs = std::move(*kept);
    c.targetState.reset();
    return programs;
  }
  return translateNPUPrograms(c.module);
}

/// Stage `npu`: every program translates (verified, addresses in range); the
/// translation is kept for the later stages.
static LogicalResult checkPrograms(Compilation &c) {
  FailureOr<std::vector<NPUProgramInfo>> programs =
      translateNPUPrograms(c.module);
  if (failed(programs))
    return failure();
  c.targetState =
      std::make_shared<std::vector<NPUProgramInfo>>(std::move(*programs));
  return success();
}

/// Writes the npu.program ops (and the module's hardware) as MLIR.
static LogicalResult writePrograms(Compilation &c, StringRef path) {
  std::string error;
  auto output = openOutputFile(path, &error);
  if (!output)
    return emitError(c.module.getLoc()) << error;
  OwningOpRef<ModuleOp> programs = ModuleOp::create(c.module.getLoc());
  if (Attribute hw = c.module->getAttr(npu::NPUDialect::kHardwareAttrName))
    (*programs)->setAttr(npu::NPUDialect::kHardwareAttrName, hw);
  OpBuilder b = OpBuilder::atBlockEnd(programs->getBody());
  for (auto program : c.module.getOps<npu::ProgramOp>())
    b.clone(*program.getOperation());
  OpPrintingFlags flags;
  if (c.options.elideWeights)
    flags.elideLargeElementsAttrs(16);
  programs->print(output->os(), flags);
  output->keep();
  return success();
}

/// Writes the assembly of every program, each under a `; <name>` header.
static LogicalResult writeAssembly(Compilation &c, StringRef path) {
  FailureOr<std::vector<NPUProgramInfo>> programs = getPrograms(c);
  if (failed(programs))
    return failure();
  std::string error;
  auto output = openOutputFile(path, &error);
  if (!output)
    return emitError(c.module.getLoc()) << error;
  for (const NPUProgramInfo &info : *programs) {
    output->os() << "; " << info.name << "\n";
    npu::printAssembly(info.program, output->os());
  }
  output->keep();
  return success();
}

/// Stage `llvm`: the programs embedded, the launches as runtime calls, then
/// the CPU back end's `llvm` stage on the host code.
static LogicalResult lowerToLLVM(Compilation &c) {
  ModuleOp module = c.module;
  FailureOr<std::vector<NPUProgramInfo>> programs = getPrograms(c);
  if (failed(programs))
    return failure();
  llvm::Expected<npu::HardwareDesc> hw = loadHardware(c.options);
  if (!hw)
    return emitError(module.getLoc()) << llvm::toString(hw.takeError());
  if (auto attr = module->getAttrOfType<npu::HardwareAttr>(
          npu::NPUDialect::kHardwareAttrName);
      attr && attr.getHash() != npu::hashHardwareDesc(*hw))
    return emitError(module.getLoc())
           << "the module was compiled for hardware '" << attr.getName()
           << "', not for --hw "
           << (c.options.hardware.empty() ? "edge" : c.options.hardware);
  llvm::json::Array manifests;
  for (NPUProgramInfo &info : *programs)
    manifests.push_back(std::move(info.manifest));
  c.targetData["hardware"] = npu::printHardwareDesc(*hw);
  c.targetData["hardware_name"] = hw->name;
  c.targetData["programs"] = std::move(manifests);
  if (failed(lowerNPULaunches(module, *programs)) ||
      failed(lowerHostToLLVM(c, "tessera_npu_status")))
    return failure();
  return success();
}

/// The artifact: the host's, with the "npu" section in the manifest.
static LogicalResult writeArtifact(Compilation &c, StringRef dir) {
  llvm::json::Object extra{{"npu", llvm::json::Object(c.targetData)}};
  return writeHostArtifact(c, dir, "npu", std::move(extra));
}

void registerNPUBackend() {
  TargetInfo info;
  info.name = "npu";
  info.description = "NPU segments on the simulator, host code as the CPU "
                     "target's (--hw, int8 graph)";
  info.stages.push_back({"npu",
                         "npu dialect: the NPU segments' npu.program ops "
                         "(instructions, constants, layers)",
                         checkPrograms, writePrograms});
  info.stages.push_back({"npu-asm",
                         "NPU assembly of every segment (`; segment_<k>` "
                         "headers)",
                         [](Compilation &) { return success(); },
                         writeAssembly});
  info.stages.push_back({"llvm",
                         "LLVM dialect: host code with the programs embedded "
                         "and launches as runtime calls",
                         lowerToLLVM, nullptr});
  info.stages.push_back({"obj", "native object for the target CPU (--cpu)",
                         [](Compilation &) { return success(); },
                         writeHostObject});
  info.writeArtifact = writeArtifact;
  // The host runs everything the NPU does not: what the CPU executes.
  info.supportsOp = [](Operation *op) {
    const TargetInfo *cpu = lookupTarget("cpu");
    return !cpu || !cpu->supportsOp || cpu->supportsOp(op);
  };
  info.takesHardware = true;
  info.validate = validateNPUOptions;
  info.extendNNStage = partition;
  registerTarget(std::move(info));
}

} // namespace tessera
