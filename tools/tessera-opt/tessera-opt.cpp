//===- tessera-opt.cpp - Tessera's opt-style driver -----------------------===//
//
// Part of Tessera. Every Tessera dialect and pass plus the upstream ones.
//
//===----------------------------------------------------------------------===//

#include "NN/NNOps.h"
#include "NPU/NPUPasses.h"
#include "tessera/Codegen/CPU/Passes.h"
#include "tessera/Codegen/NPU/Passes.h"
#include "tessera/Conversion/Passes.h"
#include "tessera/Pipelines/Pipelines.h"
#include "tessera/Quantization/ExposeActivations.h"
#include "tessera/Quantization/Quantize.h"
#include "tessera/Transforms/Passes.h"
#include "tessera/Version.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "tessera/Codegen/GPU/GPU.h"

namespace tessera::gpu {
// Test-only pass of the Hopper GEMM emitter (TestHopperGemm.cpp).
void registerTestHopperGemmPass();
} // namespace tessera::gpu

int main(int argc, char **argv) {
  tessera::setVersionPrinter("tessera-opt");
  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  // tessera-gpu-ptx (gpu-module-to-binary) translates to LLVM IR.
  mlir::registerAllToLLVMIRTranslations(registry);
  mlir::registerAllPasses();
  registry.insert<tessera::nn::NNDialect>();
  registry.insert<tessera::npu::NPUDialect>();
  tessera::registerTesseraNPUPasses();
  tessera::registerTesseraPasses();
  tessera::registerTesseraQuantizationPasses();
  tessera::registerTesseraPipelines();
  tessera::registerTesseraConversionPasses();
  tessera::registerTesseraCPUPasses();
  tessera::registerNPUCodegenPasses();
  tessera::gpu::registerGPUCodegenPasses();
  tessera::quant::registerQuantizationPasses();
  tessera::gpu::registerTestHopperGemmPass();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "Tessera optimizer driver\n", registry));
}
