//===- tessera-compile.cpp - Tessera's compiler driver --------------------===//
//
// Part of Tessera. Maps flags onto `tessera::CompileOptions` and calls
// `tessera::compile` (lib/Driver). Exit codes: 0 success, 1 the model could
// not be compiled (diagnostics say why), 2 bad command line.
//
//===----------------------------------------------------------------------===//

#include "tessera/Driver/Driver.h"
#include "tessera/Driver/Target.h"
#include "tessera/Target/CPU/TargetCPU.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/WithColor.h"

namespace cl = llvm::cl;

static cl::OptionCategory category("tessera-compile options");
static cl::opt<std::string> inputFile(cl::Positional, cl::desc("<model.onnx>"),
                                      cl::cat(category));
static cl::opt<std::string>
    outputPath("o",
               cl::desc("Artifact directory, or with --emit a file ('-' "
                        "for stdout)"),
               cl::value_desc("path"), cl::init("-"), cl::cat(category));
static cl::opt<std::string>
    target("target", cl::desc("Target (default: the first one listed below)"),
           cl::init(""), cl::cat(category));
static cl::opt<std::string> emit("emit",
                                 cl::desc("Stop after this stage and write it"),
                                 cl::value_desc("stage"), cl::init(""),
                                 cl::cat(category));
static cl::list<std::string>
    inputShapes("input-shape",
                cl::desc("Pin an input's dynamic dims: name=d0,d1,..."),
                cl::value_desc("name=d0,d1,..."), cl::cat(category));
static cl::opt<std::string>
    hardware("hw", cl::desc("Hardware description (targets that take one)"),
             cl::value_desc("file.yaml|preset"), cl::init(""),
             cl::cat(category));
static cl::opt<bool> elideWeights(
    "elide-weights",
    cl::desc("Elide large weights in the printed IR (smaller output)"),
    cl::init(false), cl::cat(category));
static cl::opt<bool>
    fuse("fuse",
         cl::desc("Graph fusion at the nn stage (nn.fused groups); "
                  "--fuse=false turns it off for debugging and A/B"),
         cl::init(true), cl::cat(category));
static cl::opt<bool> lowerQDQ(
    "lower-qdq",
    cl::desc("Run a pre-quantized model (QDQ, QLinearConv/MatMul) as the "
             "integer graph with the NPU's fixed-point requantize instead "
             "of ONNX's float one (docs/npu/numerics.md)"),
    cl::init(false), cl::cat(category));
static cl::opt<std::string>
    report("report",
           cl::desc("Print a report: 'fusion' (where each ONNX node ended, "
                    "after the nn stage), 'quant' (with --quantize: the "
                    "int8 graph's SQNR per layer and top-1 agreement), "
                    "'placement' (--target=npu: host or NPU per op, and why) "
                    "or 'kernels' (--target=gpu: launch shape, registers, "
                    "occupancy and roofline time per kernel)"),
           cl::value_desc("fusion|quant|placement|kernels"), cl::init(""),
           cl::cat(category));
static cl::opt<std::string>
    reportJson("report-json",
               cl::desc("Write the report as JSON ('-' for stdout): the one "
                        "--report names, else the placement report for "
                        "--target=npu, the quant report with --quantize, "
                        "else the fusion report"),
               cl::value_desc("file.json"), cl::init(""), cl::cat(category));
static cl::opt<std::string> npuPlacement(
    "npu-placement",
    cl::desc("--target=npu: placement overrides, host or npu per ONNX node "
             "(docs/npu/compiler.md)"),
    cl::value_desc("file.json"), cl::init(""), cl::cat(category));
static cl::opt<std::string> npuTiling(
    "npu-tiling",
    cl::desc("--target=npu: 'search' (the cost model's best tiling per "
             "layer, default) or 'greedy' (Gemmini's tiled_conv_auto policy, "
             "the baseline the search is measured against)"),
    cl::value_desc("search|greedy"), cl::init("search"), cl::cat(category));
static cl::opt<std::string>
    gpuChip("gpu-chip",
            cl::desc("--target=gpu: the GPU to compile for (sm_80, sm_86, "
                     "sm_89, sm_90, sm_90a; sm_90a adds warpgroup MMA)"),
            cl::value_desc("chip"), cl::init("sm_90"), cl::cat(category));
static cl::opt<std::string> gpuPrecision(
    "gpu-precision",
    cl::desc("--target=gpu: 'fp32', or 'fp16' (convolutions and matrix "
             "products with f16 operands and f32 accumulation on tensor "
             "cores)"),
    cl::value_desc("fp32|fp16"), cl::init("fp32"), cl::cat(category));
static cl::opt<bool> npuStrict(
    "npu-strict",
    cl::desc("--target=npu: a layer the NPU cannot tile for the hardware is "
             "an error naming it and the constraint, instead of running on "
             "the host"),
    cl::init(false), cl::cat(category));
static cl::opt<std::string>
    quantize("quantize",
             cl::desc("Quantize the graph after calibrating it (int8 only)"),
             cl::value_desc("int8"), cl::init(""), cl::cat(category));
static cl::opt<std::string> calibration(
    "calibration",
    cl::desc("Calibration input sets: one .npy per set (single-input "
             "models) or one subdirectory per set (docs/quantization.md)"),
    cl::value_desc("dir"), cl::init(""), cl::cat(category));
static cl::opt<std::string> calibrationCache(
    "calibration-cache",
    cl::desc("Calibration statistics: read when the file exists (the model "
             "digest must match), written after calibrating"),
    cl::value_desc("file.json"), cl::init(""), cl::cat(category));
static cl::opt<std::string>
    evaluation("evaluation",
               cl::desc("More input sets for the quant report (same layout)"),
               cl::value_desc("dir"), cl::init(""), cl::cat(category));
static cl::opt<std::string>
    observer("observer",
             cl::desc("How activation ranges are chosen from the statistics"),
             cl::value_desc("minmax|percentile|entropy"), cl::init("minmax"),
             cl::cat(category));
static cl::opt<double>
    percentile("percentile",
               cl::desc("The percentile observer's percentile (99.99)"),
               cl::init(99.99), cl::cat(category));
static cl::opt<std::string>
    activations("activations",
                cl::desc("Activation zero points: asymmetric (default) or "
                         "symmetric (zero point 0)"),
                cl::value_desc("symmetric|asymmetric"), cl::init("asymmetric"),
                cl::cat(category));
static cl::opt<bool> perChannel("per-channel",
                                cl::desc("Per-output-channel weight scales "
                                         "(default; --per-tensor: one)"),
                                cl::init(true), cl::cat(category));
static cl::opt<bool> perTensor("per-tensor",
                               cl::desc("One weight scale per tensor"),
                               cl::init(false), cl::cat(category));

static cl::opt<std::string>
    cpuName("cpu",
            cl::desc("The x86-64 CPU the code is compiled for: x86-64, "
                     "x86-64-v2, x86-64-v3, x86-64-v4, any CPU LLVM knows "
                     "(znver4, skylake-avx512, ...) or 'native' (this "
                     "host's, the default); the artifact refuses to load on "
                     "a host without its features (docs/cpu.md)"),
            cl::value_desc("name"), cl::init("native"), cl::cat(category));
static cl::opt<std::string> cpuFeatures(
    "cpu-features",
    cl::desc("Features to enable (+f) or disable (-f) on top of the --cpu's, "
             "comma-separated"),
    cl::value_desc("+f,-g,..."), cl::init(""), cl::cat(category));
static cl::opt<bool> printCPU(
    "print-cpu",
    cl::desc("Print the CPU --cpu and --cpu-features resolve to (default: "
             "this host's) as the manifest's 'cpu' section records it, and "
             "exit"),
    cl::init(false), cl::cat(category));

static cl::opt<bool>
    listTargets("list-targets",
                cl::desc("Print the targets and stages as Markdown"),
                cl::init(false), cl::cat(category));
// CPU code generation knobs, hidden: for A/B measurements (0: host's choice).
static cl::opt<bool> vectorizeElementwise("cpu-vectorize-elementwise",
                                          cl::init(true), cl::Hidden);
static cl::opt<bool> fuseElementwise("cpu-fuse-elementwise", cl::init(true),
                                     cl::Hidden);
static cl::opt<bool> approximateMath("cpu-approximate-math", cl::init(true),
                                     cl::Hidden);
static cl::opt<bool> fuseRows("cpu-fuse-rows", cl::init(true), cl::Hidden);
static cl::opt<unsigned> convChannelTile("cpu-conv-channel-tile", cl::init(0),
                                         cl::Hidden);
static cl::opt<unsigned> convPixelTile("cpu-conv-pixel-tile", cl::init(0),
                                       cl::Hidden);
static cl::opt<bool> fuseEpilogues("cpu-fuse-epilogues", cl::init(true),
                                   cl::Hidden);

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  tessera::registerAllTargets();
  cl::SetVersionPrinter([](llvm::raw_ostream &os) {
    os << "tessera-compile " << TESSERA_VERSION << " (LLVM/MLIR "
       << LLVM_VERSION_STRING << ")\n";
  });
  static std::string extra = tessera::describeTargets() +
                             "\nExit codes: 0 ok, 1 the model could not be "
                             "compiled, 2 bad command line.\n";
  cl::extrahelp extraHelp(extra.c_str());
  cl::HideUnrelatedOptions(category);
  if (!cl::ParseCommandLineOptions(argc, argv, "Tessera compiler driver\n",
                                   &llvm::errs()))
    return 2;
  if (listTargets) {
    llvm::outs() << tessera::describeTargetsMarkdown();
    return 0;
  }
  if (printCPU) {
    llvm::Expected<tessera::TargetCPU> cpu =
        tessera::resolveTargetCPU(cpuName, cpuFeatures);
    if (!cpu) {
      llvm::WithColor::error(llvm::errs(), "tessera-compile")
          << llvm::toString(cpu.takeError()) << "\n";
      return 2;
    }
    llvm::outs() << llvm::formatv("{0:2}", llvm::json::Value(cpu->toJSON()))
                 << "\n";
    return 0;
  }

  tessera::CompileOptions options;
  options.inputFile = inputFile;
  options.outputPath = outputPath;
  options.target = target;
  options.emitStage = emit;
  options.inputShapes.assign(inputShapes.begin(), inputShapes.end());
  options.hardware = hardware;
  options.elideWeights = elideWeights;
  options.fuse = fuse;
  options.lowerQDQ = lowerQDQ;
  options.report = report;
  options.reportJsonPath = reportJson;
  options.npuPlacementFile = npuPlacement;
  options.npuStrict = npuStrict;
  options.npuTiling = npuTiling;
  options.gpu.chip = gpuChip;
  options.gpu.precision = gpuPrecision;
  options.cpu = {
      vectorizeElementwise, fuseElementwise, convChannelTile, convPixelTile,
      fuseEpilogues,        approximateMath, fuseRows,        cpuName,
      cpuFeatures};
  if (activations != "symmetric" && activations != "asymmetric") {
    llvm::errs() << "tessera-compile: error: unknown --activations '"
                 << activations << "' (symmetric, asymmetric)\n";
    return 2;
  }
  options.quant.mode = quantize;
  options.quant.calibrationDir = calibration;
  options.quant.calibrationCache = calibrationCache;
  options.quant.evaluationDir = evaluation;
  options.quant.observer = observer;
  options.quant.percentile = percentile;
  options.quant.symmetricActivations = activations == "symmetric";
  options.quant.perChannel = perChannel && !perTensor;
  return tessera::compileAndReport(options, llvm::errs());
}
