//===- CPUBackend.cpp - the CPU back end's registration -------------------===//
//
// Part of Tessera. The host CPU as a target: stages `llvm` and `obj` after the
// shared ones, and an artifact of a shared library plus manifest.json.
//
//===----------------------------------------------------------------------===//

#include "tessera/Codegen/CPU/CABI.h"
#include "tessera/Conversion/NNToLinalg/NNToLinalg.h"
#include "tessera/Driver/Driver.h"
#include "tessera/Driver/Target.h"
#include "tessera/Pipelines/Pipelines.h"
#include "tessera/Target/CPU/CPUTarget.h"
#include "tessera/Target/CPU/TargetCPU.h"

#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

using namespace mlir;

namespace tessera {

/// The ops the nn -> linalg patterns rewrite: what the CPU executes.
static bool isLoweredToLinalg(Operation *op) {
  struct Roots {
    /// By name: an OperationName belongs to one context, and the roots serve
    /// every context of the process (the explorer and the Python package
    /// compile in many).
    llvm::StringSet<> kinds;
    SmallVector<TypeID> interfaces, traits;
    bool any = false;
  };
  // Built once, from the first op's context (the patterns' roots do not
  // depend on anything else).
  static const Roots roots = [ctx = op->getContext()] {
    Roots r;
    NNToLinalgTypeConverter converter;
    RewritePatternSet patterns(ctx);
    populateNNToLinalgConversionPatterns(converter, patterns);
    for (const std::unique_ptr<RewritePattern> &pattern :
         patterns.getNativePatterns()) {
      if (std::optional<OperationName> kind = pattern->getRootKind())
        r.kinds.insert(kind->getStringRef());
      else if (std::optional<TypeID> id = pattern->getRootInterfaceID())
        r.interfaces.push_back(*id);
      else if (std::optional<TypeID> id = pattern->getRootTraitID())
        r.traits.push_back(*id);
      else
        r.any = true;
    }
    return r;
  }();
  // `nn.none` stands for absent operands; the patterns consume it. Control
  // flow becomes scf before the patterns run.
  if (roots.any || op->getName().getStringRef() == "nn.none" ||
      isNNControlFlowOp(op) ||
      roots.kinds.contains(op->getName().getStringRef()))
    return true;
  return llvm::any_of(
             roots.interfaces,
             [&](TypeID id) { return op->getName().hasInterface(id); }) ||
         llvm::any_of(roots.traits,
                      [&](TypeID id) { return op->getName().hasTrait(id); });
}

FailureOr<const TargetCPU *> getTargetCPU(Compilation &c) {
  if (!c.targetCPU) {
    llvm::Expected<TargetCPU> resolved =
        resolveTargetCPU(c.options.cpu.name, c.options.cpu.features);
    if (!resolved)
      return emitError(c.module.getLoc()) << toString(resolved.takeError());
    c.targetCPU = std::make_shared<const TargetCPU>(std::move(*resolved));
  }
  return c.targetCPU.get();
}

LogicalResult writeHostObject(Compilation &c, StringRef path) {
  FailureOr<const TargetCPU *> cpu = getTargetCPU(c);
  if (failed(cpu))
    return failure();
  return emitHostObject(c.module, path, **cpu);
}

LogicalResult lowerHostToLLVM(Compilation &c, StringRef statusFunction) {
  FailureOr<const TargetCPU *> targetCPU = getTargetCPU(c);
  if (failed(targetCPU) || failed(prepareForCABI(c.module)))
    return failure();
  const CPUCodegenOptions &cpu = c.options.cpu;
  PassManager pm(c.module.getContext());
  // The register tiles are chosen for the target CPU's vectors.
  buildCPUCodegenPipeline(pm, cpu.vectorizeElementwise, cpu.fuseElementwise,
                          cpu.convChannelTile, cpu.convPixelTile,
                          cpu.fuseEpilogues, cpu.approximateMath, cpu.fuseRows,
                          (*targetCPU)->getVectorBits());
  buildCPULLVMStagePipeline(pm);
  if (failed(pm.run(c.module)))
    return failure();
  return addRunEntryPoint(c.module, c.signature, statusFunction);
}

LogicalResult writeHostArtifact(Compilation &c, StringRef dir, StringRef target,
                                llvm::json::Object extra,
                                ArrayRef<ArrayRef<uint8_t>> extraObjects) {
  Location loc = c.module.getLoc();
  SmallString<256> object(dir), library(dir), manifest(dir);
  llvm::sys::path::append(object, "model.o");
  llvm::sys::path::append(library, "model.so");
  llvm::sys::path::append(manifest, "manifest.json");
  FailureOr<const TargetCPU *> cpu = getTargetCPU(c);
  if (failed(cpu) || failed(emitHostObject(c.module, object, **cpu)) ||
      failed(linkSharedLibrary(loc, object, library, extraObjects)) ||
      failed(writeManifest(loc, manifest, c.signature, "model.so", **cpu,
                           target, std::move(extra))))
    return failure();
  llvm::sys::fs::remove(object);
  return success();
}

void registerCPUBackend() {
  TargetInfo info;
  info.name = "cpu";
  info.description = "host CPU shared library + manifest (reference path)";
  info.stages.push_back({"llvm", "LLVM dialect: vectorized, bufferized, C ABI",
                         [](Compilation &c) { return lowerHostToLLVM(c); },
                         nullptr});
  info.stages.push_back({"obj", "native object for the target CPU (--cpu)",
                         [](Compilation &) { return success(); },
                         writeHostObject});
  info.writeArtifact = [](Compilation &c, StringRef dir) {
    return writeHostArtifact(c, dir);
  };
  info.supportsOp = isLoweredToLinalg;
  registerTarget(std::move(info));
}

} // namespace tessera
