//===- Pipeline.cpp - the NPU partition pipeline --------------------------===//
//
// Part of Tessera. buildNPUPartitionPipeline and its tessera-opt
// registration, `--tessera-npu-partition`.
//
//===----------------------------------------------------------------------===//

#include "NPU/NPUPasses.h"
#include "tessera/Codegen/NPU/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void tessera::buildNPUPartitionPipeline(OpPassManager &pm,
                                        const NPUPartitionOptions &options) {
  pm.addPass(createNPUAttachHardware(NPUAttachHardwareOptions{options.hw}));
  NPUPlaceOptions place;
  place.hw = options.hw;
  place.strict = options.strict;
  place.tiling = options.tiling;
  place.placementFile = options.placementFile;
  place.report = options.printPlacementReport;
  place.reportJSON = options.placementReportJSON;
  pm.addPass(createNPUPlace(place));
  pm.addPass(createNPUOutline(NPUOutlineOptions{options.hw}));
  // On the host functions only: the programs' instruction ops have nothing
  // to fold, and walking (and re-verifying) them is most of the cost.
  OpPassManager &host = pm.nest<func::FuncOp>();
  host.addPass(createCanonicalizerPass());
  host.addPass(createCSEPass());
}

namespace {
struct PartitionPipelineOptions
    : public PassPipelineOptions<PartitionPipelineOptions> {
  Option<std::string> hw{*this, "hw",
                         llvm::cl::desc("Preset name or YAML hardware "
                                        "description"),
                         llvm::cl::init("edge")};
  Option<std::string> placementFile{
      *this, "placement-file", llvm::cl::desc("JSON placement override file"),
      llvm::cl::init("")};
  Option<std::string> reportJSON{
      *this, "report-json",
      llvm::cl::desc("Write the placement report as JSON ('-': stdout)"),
      llvm::cl::init("")};
  Option<bool> report{*this, "report",
                      llvm::cl::desc("Print the placement table"),
                      llvm::cl::init(false)};
  Option<std::string> tiling{
      *this, "tiling",
      llvm::cl::desc("'search' (default) or 'greedy' (Gemmini's policy)"),
      llvm::cl::init("search")};
  Option<bool> strict{*this, "strict",
                      llvm::cl::desc("A layer no tiling fits is an error"),
                      llvm::cl::init(false)};
};
} // namespace

void tessera::registerNPUCodegenPasses() {
  registerTesseraNPUCodegenPasses();
  PassPipelineRegistration<PartitionPipelineOptions>(
      "tessera-npu-partition",
      "The NPU partition at the end of the `nn` stage for --target=npu: "
      "attach the hardware, place, outline, canonicalize",
      [](OpPassManager &pm, const PartitionPipelineOptions &options) {
        NPUPartitionOptions partition;
        partition.hw = options.hw;
        partition.placementFile = options.placementFile;
        partition.placementReportJSON = options.reportJSON;
        partition.printPlacementReport = options.report;
        partition.strict = options.strict;
        partition.tiling = options.tiling;
        buildNPUPartitionPipeline(pm, partition);
      });
}
