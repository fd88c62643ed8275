//===- Target.h - the seam between the driver and the back ends -*- C++ -*-===//
//
// Part of Tessera. Every back end (CPU today; NPU and GPU as they are built)
// describes itself to the driver with one `TargetInfo`: its name, the stages
// it adds after the shared `nn` and `linalg` stages (what `--emit` can stop
// after), how each stage is produced and written, how an artifact is written,
// and which `nn` ops it executes natively. The driver, `--help`, the stage and
// target errors and the documentation's stage table all read the registry, so
// a new back end adds one registration and no special cases.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_DRIVER_TARGET_H
#define TESSERA_DRIVER_TARGET_H

#include "tessera/Pipelines/ModelSignature.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace tessera {

struct CompileOptions;

struct TargetCPU;

/// What travels from stage to stage of one compilation.
struct Compilation {
  mlir::ModuleOp module;
  const CompileOptions &options;
  /// The model's I/O, read at the `nn` stage (names, dtypes, shapes).
  ModelSignature signature;
  /// What a target's stages record for its artifact manifest (the npu
  /// target: the host/NPU placement and each program's layers).
  llvm::json::Object targetData = {};
  /// What a target's stage computed for its later stages, valid while the
  /// module is unchanged (the npu target: the programs the `npu` stage
  /// translated, reused by `llvm`); null for none.
  std::shared_ptr<void> targetState = nullptr;
  /// The CPU the host code is compiled for, resolved from the options'
  /// `--cpu`/`--cpu-features` once (getTargetCPU).
  std::shared_ptr<const TargetCPU> targetCPU = nullptr;
};

/// A stage `--emit` can stop after.
struct Stage {
  std::string name;
  std::string description;
  /// Lowers the module from the previous stage to this one.
  std::function<mlir::LogicalResult(Compilation &)> run;
  /// Writes this stage's output to `path`; when empty, the driver prints the
  /// module as MLIR text.
  std::function<mlir::LogicalResult(Compilation &, llvm::StringRef path)> write;
};

/// One back end, as the driver sees it.
struct TargetInfo {
  std::string name;
  std::string description;
  /// The stages after the shared ones (`getSharedStages()`), in order.
  std::vector<Stage> stages;
  /// Writes the artifact for the module after the last stage into the
  /// directory `dir` (created by the driver).
  std::function<mlir::LogicalResult(Compilation &, llvm::StringRef dir)>
      writeArtifact;
  /// Whether the back end executes `op`, an op of the `nn` stage, natively.
  /// The driver reports every op it does not, at once, before lowering.
  std::function<bool(mlir::Operation *op)> supportsOp;
  /// Whether the target reads a hardware description (`--hw`).
  bool takesHardware = false;
  /// Target-specific checks of the command line (run by validateOptions,
  /// before the model is read); null for none.
  std::function<llvm::Error(const CompileOptions &)> validate;
  /// Runs at the end of the shared `nn` stage, after the shared pipeline and
  /// before the driver checks op support (the npu target partitions the
  /// graph into host ops and NPU segments here); null for none.
  std::function<mlir::LogicalResult(Compilation &)> extendNNStage;
};

/// The target-independent stages every target starts with: `nn`, `linalg`.
llvm::ArrayRef<Stage> getSharedStages();

/// Adds a target to the registry. The first registered target is the default
/// one. Registering a name twice is a programming error and aborts.
/// Registration happens at start-up; pointers into the registry are stable
/// after that.
void registerTarget(TargetInfo info);

/// Registers every back end built into this Tessera (idempotent; call it
/// before any lookup).
void registerAllTargets();

/// The host part every target shares, the CPU back end's: stage `llvm` (C
/// ABI, CPU code generation, bufferization, LLVM dialect, `tessera_run`
/// returning `statusFunction`'s result when one is named) ...
mlir::LogicalResult lowerHostToLLVM(Compilation &c,
                                    llvm::StringRef statusFunction = "");
/// The CPU `c`'s host code is compiled for (`--cpu`, `--cpu-features`),
/// resolved on first use; an error at the module when the options name none.
mlir::FailureOr<const TargetCPU *> getTargetCPU(Compilation &c);

/// The `obj` stage every target shares: the host code as an object file for
/// the target CPU.
mlir::LogicalResult writeHostObject(Compilation &c, llvm::StringRef path);

/// ... and the artifact: DIR/model.so + DIR/manifest.json naming `target`,
/// with the manifest's `extra` keys; `extraObjects` (object file bytes) are
/// linked into model.so besides the CPU runtime support (the GPU runtime).
mlir::LogicalResult
writeHostArtifact(Compilation &c, llvm::StringRef dir,
                  llvm::StringRef target = "cpu", llvm::json::Object extra = {},
                  llvm::ArrayRef<llvm::ArrayRef<uint8_t>> extraObjects = {});

/// The built-in back ends' registrations, called by registerAllTargets.
void registerCPUBackend();
void registerNPUBackend();
void registerGPUBackend();

/// The registered targets, in registration order.
llvm::ArrayRef<TargetInfo> getRegisteredTargets();

/// The target named `name`, or null.
const TargetInfo *lookupTarget(llvm::StringRef name);

/// The default target (the first registered), or null when none is.
const TargetInfo *getDefaultTarget();

/// The stages of `target` in order: the shared ones, then its own.
llvm::SmallVector<const Stage *> getStages(const TargetInfo &target);

/// A `--help` section listing the targets and, per target, its stages.
std::string describeTargets();

/// The same as a Markdown table (`tessera-compile --list-targets`, from
/// which docs/generated/Targets.md is made).
std::string describeTargetsMarkdown();

} // namespace tessera

#endif // TESSERA_DRIVER_TARGET_H
