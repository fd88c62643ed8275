//===- Pipelines.cpp - Tessera's compiler pipelines -----------------------===//
//
// Part of Tessera.
//
//===----------------------------------------------------------------------===//

#include "tessera/Pipelines/Pipelines.h"
#include "tessera/Transforms/Passes.h"

#include "tessera/Codegen/CPU/Passes.h"
#include "tessera/Conversion/Passes.h"
#include "tessera/Quantization/Quantize.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void tessera::buildNNStagePipeline(OpPassManager &pm, bool requireStatic,
                                   bool fuse,
                                   const quant::QuantizeOptions *quantize,
                                   bool lowerQDQ) {
  // Shape inference, folding and recognition: the graph calibration
  // enumerates (tessera/Quantization/Quantize.h).
  quant::buildPreQuantizePipeline(pm, requireStatic);
  // A pre-quantized model's QDQ pairs and QLinear ops as the integer graph
  // (opt-in: otherwise they keep their ONNX semantics).
  if (lowerQDQ) {
    OpPassManager &func = pm.nest<func::FuncOp>();
    func.addPass(createLowerQDQ());
    func.addPass(createCanonicalizerPass());
    func.addPass(createCSEPass());
  }
  if (quantize)
    quant::addQuantizePass(pm, *quantize);
  // Graph-level fusion last, on the final graph: nn.fused groups.
  if (fuse) {
    OpPassManager &func = pm.nest<func::FuncOp>();
    func.addPass(createFuseEpilogues());
    func.addPass(createCanonicalizerPass());
  }
}

void tessera::buildLinalgStagePipeline(OpPassManager &pm) {
  pm.addPass(createConvertNNToLinalg());
  // The functions only: other top-level ops (the npu target's programs) have
  // nothing to fold.
  OpPassManager &funcs = pm.nest<func::FuncOp>();
  funcs.addPass(createCanonicalizerPass());
  funcs.addPass(createCSEPass());
}

void tessera::buildCPUCodegenPipeline(
    OpPassManager &pm, bool vectorizeElementwise, bool fuseElementwise,
    int64_t convChannelTile, int64_t convPixelTile, bool fuseEpilogues,
    bool approximateMath, bool fuseRows, int64_t vectorBits) {
  pm.nest<func::FuncOp>().addPass(createCPUConvLayout());
  pm.addPass(createCanonicalizerPass());
  // Output channel counts no tile divides (ShuffleNetV2's 58, 116, 232).
  pm.nest<func::FuncOp>().addPass(createCPUPadChannels());
  // Output widths no good pixel tile divides (SqueezeNet's 55, 27, 13).
  pm.nest<func::FuncOp>().addPass(createCPUPeelConvWidth());
  // exp/tanh/erf/log as arith polynomials, so their loops vectorize.
  if (approximateMath)
    pm.nest<func::FuncOp>().addPass(createCPUApproximateMath());
  // Elementwise chains as one loop, only where nothing is recomputed (not
  // upstream linalg-fuse-elementwise-ops: 33 -> 612 ms on the Transformer
  // encoder, see docs/cpu.md).
  if (fuseElementwise)
    pm.nest<func::FuncOp>().addPass(createCPUFuseElementwise());
  // Softmax and layer normalization as one vectorized loop over rows.
  if (fuseRows)
    pm.nest<func::FuncOp>().addPass(createCPUFuseRows());
  CPUVectorizeOptions options;
  options.vectorizeElementwise = vectorizeElementwise;
  options.channelTile = convChannelTile;
  options.pixelTile = convPixelTile;
  options.fuseEpilogues = fuseEpilogues;
  options.vectorBits = vectorBits;
  pm.addPass(createCPUVectorize(options));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  // After the last CSE, which merges identical fills and bias broadcasts.
  pm.nest<func::FuncOp>().addPass(createCPUUnshareInits());
}

void tessera::registerPipelineDependencies() {
  static bool once = [] {
    registerAllPasses();
    registerTesseraConversionPasses();
    registerTesseraCPUPasses();
    return true;
  }();
  (void)once;
}

void tessera::buildCPULLVMStagePipeline(OpPassManager &pm) {
  registerPipelineDependencies();
  // Results become out-params so the C ABI passes every buffer in. Vector
  // transfers are fully unrolled: the buffer-based lowering puts allocas in
  // loops, which overflowed the stack with wide conv tiles. Loops of lowered
  // control flow may carry newly allocated tensors.
  const char *pipeline =
      "eliminate-empty-tensors,empty-tensor-to-alloc-tensor,"
      "one-shot-bufferize{bufferize-function-boundaries "
      "allow-return-allocs-from-loops "
      "function-boundary-type-conversion=identity-layout-map},"
      "buffer-results-to-out-params{hoist-static-allocs=false "
      "modify-public-functions=true},"
      "canonicalize,cse,"
      "buffer-deallocation-pipeline,"
      "convert-linalg-to-loops,"
      "convert-vector-to-scf{full-unroll=true},expand-strided-metadata,"
      "lower-affine,"
      // f32 <-> bf16 casts as integer code (no __truncsfbf2 to link).
      "arith-expand{include-bf16=true},"
      "convert-scf-to-cf,convert-vector-to-llvm,"
      "finalize-memref-to-llvm{use-generic-functions=1},"
      "convert-math-to-llvm,convert-math-to-libm,convert-arith-to-llvm,"
      "convert-ub-to-llvm,convert-index-to-llvm,"
      "convert-func-to-llvm{use-bare-ptr-memref-call-conv=1},"
      "convert-cf-to-llvm,reconcile-unrealized-casts";
  if (failed(parsePassPipeline(pipeline, pm)))
    llvm::report_fatal_error("tessera: invalid built-in CPU pipeline");
}

namespace {
struct NNStageOptions : public PassPipelineOptions<NNStageOptions> {
  Option<bool> requireStatic{*this, "require-static",
                             llvm::cl::desc("Fail on any dynamic shape left"),
                             llvm::cl::init(true)};
  Option<bool> fuse{*this, "fuse",
                    llvm::cl::desc("Group ops into nn.fused (epilogue and "
                                   "elementwise fusion)"),
                    llvm::cl::init(true)};
  Option<bool> lowerQDQ{*this, "lower-qdq",
                        llvm::cl::desc("Lower QDQ pairs and QLinear ops to "
                                       "the integer graph (tessera-lower-qdq)"),
                        llvm::cl::init(false)};
  Option<std::string> quantizeStats{
      *this, "quantize-stats",
      llvm::cl::desc("Quantize to int8 with this calibration statistics "
                     "file (tessera-quantize, before fusion)"),
      llvm::cl::init("")};
  Option<std::string> quantizeObserver{
      *this, "quantize-observer",
      llvm::cl::desc("tessera-quantize observer: minmax, percentile, entropy"),
      llvm::cl::init("minmax")};
  Option<double> quantizePercentile{
      *this, "quantize-percentile",
      llvm::cl::desc("tessera-quantize percentile (percent)"),
      llvm::cl::init(99.99)};
  Option<bool> quantizeSymmetric{
      *this, "quantize-symmetric",
      llvm::cl::desc("tessera-quantize: symmetric activations"),
      llvm::cl::init(false)};
  Option<bool> quantizePerChannel{
      *this, "quantize-per-channel",
      llvm::cl::desc("tessera-quantize: per-channel weight scales"),
      llvm::cl::init(true)};
};
} // namespace

void tessera::registerTesseraPipelines() {
  PassPipelineRegistration<NNStageOptions>(
      "tessera-nn-stage",
      "The `nn` stage of tessera-compile: infer shapes, fold shape subgraphs",
      [](OpPassManager &pm, const NNStageOptions &options) {
        std::optional<quant::QuantizeOptions> quantize;
        if (!options.quantizeStats.empty()) {
          quantize.emplace();
          quantize->statsFile = options.quantizeStats;
          quantize->observer = options.quantizeObserver;
          quantize->percentile = options.quantizePercentile;
          quantize->symmetricActivations = options.quantizeSymmetric;
          quantize->perChannel = options.quantizePerChannel;
        }
        buildNNStagePipeline(pm, options.requireStatic, options.fuse,
                             quantize ? &*quantize : nullptr, options.lowerQDQ);
      });
  PassPipelineRegistration<>(
      "tessera-linalg-stage", "The `linalg` stage: nn to linalg on tensors",
      [](OpPassManager &pm) { buildLinalgStagePipeline(pm); });
  PassPipelineRegistration<>(
      "tessera-cpu-codegen", "CPU layout, tiling and vectorization on linalg",
      [](OpPassManager &pm) { buildCPUCodegenPipeline(pm); });
  PassPipelineRegistration<>(
      "tessera-cpu-llvm-stage",
      "The CPU `llvm` stage: bufferize and lower to the LLVM dialect",
      [](OpPassManager &pm) { buildCPULLVMStagePipeline(pm); });
}
