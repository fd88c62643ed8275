#include "tessera/Codegen/GPU/GPU.h"
#include "mlir/IR/Diagnostics.h"
using namespace mlir;
namespace tessera::gpu {
llvm::Expected<GPUTargetDesc> lookupGPUTarget(llvm::StringRef chip) {
  GPUTargetDesc d; d.chip = chip.str(); d.features = "+ptx80"; d.part = "H100";
  d.smCount = 132; d.hasMmaSync = true; d.hasWgmma = chip == "sm_90a";
  if (chip != "sm_90" && chip != "sm_90a" && chip != "sm_80") return llvm::createStringError("unknown chip " + chip.str());
  if (chip == "sm_80") d.features = "+ptx70";
  return d;
}
std::optional<std::string> findPtxas() { return std::nullopt; }
llvm::Expected<llvm::StringMap<PtxasKernelInfo>> runPtxas(llvm::StringRef, llvm::StringRef, llvm::StringRef) { return llvm::StringMap<PtxasKernelInfo>(); }
void printKernelReport(llvm::raw_ostream &os, llvm::ArrayRef<KernelInfo> kernels, const llvm::StringMap<PtxasKernelInfo> &, const GPUTargetDesc &) {
  for (auto &k : kernels) os << k.name << " " << k.strategy << " grid " << k.grid[0] << "," << k.grid[1] << "," << k.grid[2] << " block " << k.block[0] << "," << k.block[1] << "," << k.block[2] << " smem " << k.staticSharedBytes << " flops " << k.flops << " bytes " << k.bytes << " nodes " << (k.nodes.empty() ? "" : k.nodes[0]) << "\n";
}
llvm::json::Value kernelReportToJSON(llvm::ArrayRef<KernelInfo>, const llvm::StringMap<PtxasKernelInfo> &, const GPUTargetDesc &) { return llvm::json::Object{}; }
FailureOr<Operation *> emitHopperGemm(OpBuilder &, Location loc, const HopperGemmSpec &) { return emitError(loc) << "no hopper yet"; }
}
