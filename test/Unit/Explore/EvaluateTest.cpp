//===- EvaluateTest.cpp - model preparation and point evaluation ----------===//
//
// Part of Tessera. prepareModel, evaluateAnalytic and evaluateSimulated on
// the bundled example CNN (python/scripts/make_example.py, generated at test
// time): the placement's layers and totals, a hardware point too small for
// any tiling, the simulator's agreement and its cycles against a run of the
// same artifact, determinism, thread safety, reuse of prepared files and
// the errors naming the model.
//
//===----------------------------------------------------------------------===//

#include "tessera/Driver/Driver.h"
#include "tessera/Driver/Target.h"
#include "tessera/Explore/Explore.h"
#include "tessera/Runtime/Run.h"
#include "tessera/Runtime/Runtime.h"

#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"

#include "gtest/gtest.h"

#include <cmath>
#include <thread>

using namespace tessera;
using namespace tessera::explore;
namespace fs = llvm::sys::fs;

namespace {

std::string join(llvm::StringRef a, llvm::StringRef b) {
  llvm::SmallString<256> joined(a);
  llvm::sys::path::append(joined, b);
  return joined.str().str();
}

std::string readFile(llvm::StringRef file) {
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buffer =
      llvm::MemoryBuffer::getFile(file);
  return buffer ? (*buffer)->getBuffer().str() : std::string();
}

/// Runs /usr/bin/python3 with `args`; true on exit code 0.
bool runPython(llvm::ArrayRef<llvm::StringRef> args) {
  std::vector<llvm::StringRef> argv{TESSERA_PYTHON};
  argv.insert(argv.end(), args.begin(), args.end());
  std::optional<llvm::StringRef> redirects[] = {std::nullopt, llvm::StringRef(),
                                                llvm::StringRef()};
  return llvm::sys::ExecuteAndWait(TESSERA_PYTHON, argv, std::nullopt,
                                   redirects) == 0;
}

npu::HardwareDesc getPreset(llvm::StringRef name) {
  llvm::Expected<npu::HardwareDesc> hw = npu::loadHardwareDesc(name);
  EXPECT_TRUE(bool(hw)) << llvm::toString(hw.takeError());
  return *hw;
}

const LayerResult *findLayer(const ModelResult &result,
                             llvm::StringRef prefix) {
  for (const LayerResult &layer : result.layers)
    if (llvm::StringRef(layer.name).starts_with(prefix))
      return &layer;
  return nullptr;
}

/// Everything two evaluations must agree on.
void expectSameResult(const ModelResult &a, const ModelResult &b) {
  EXPECT_EQ(a.model, b.model);
  EXPECT_EQ(a.latencyMicroseconds, b.latencyMicroseconds);
  EXPECT_EQ(a.npuCycles, b.npuCycles);
  EXPECT_EQ(a.predictedNPUCycles, b.predictedNPUCycles);
  EXPECT_EQ(a.hostMicroseconds, b.hostMicroseconds);
  EXPECT_EQ(a.transferMicroseconds, b.transferMicroseconds);
  EXPECT_EQ(a.macs, b.macs);
  EXPECT_EQ(a.npuMacs, b.npuMacs);
  EXPECT_EQ(a.utilization, b.utilization);
  EXPECT_EQ(a.dramBytes, b.dramBytes);
  EXPECT_EQ(a.energy.total(), b.energy.total());
  EXPECT_EQ(a.npuLayers, b.npuLayers);
  EXPECT_EQ(a.hostLayers, b.hostLayers);
  EXPECT_EQ(a.segments, b.segments);
  EXPECT_EQ(a.simulated, b.simulated);
  EXPECT_EQ(a.agreement, b.agreement);
  EXPECT_EQ(a.worstLayerError, b.worstLayerError);
  EXPECT_EQ(a.worstLayer, b.worstLayer);
  ASSERT_EQ(a.layers.size(), b.layers.size());
  for (auto [x, y] : llvm::zip(a.layers, b.layers)) {
    EXPECT_EQ(x.name, y.name);
    EXPECT_EQ(x.kind, y.kind);
    EXPECT_EQ(x.place, y.place);
    EXPECT_EQ(x.reason, y.reason);
    EXPECT_EQ(x.tiling, y.tiling);
    EXPECT_EQ(x.bound, y.bound);
    EXPECT_EQ(x.macs, y.macs);
    EXPECT_EQ(x.predictedCycles, y.predictedCycles);
    EXPECT_EQ(x.simulatedCycles, y.simulatedCycles);
    EXPECT_EQ(x.dramBytes, y.dramBytes);
    EXPECT_EQ(x.energyPJ, y.energyPJ);
    EXPECT_EQ(x.hostMicroseconds, y.hostMicroseconds);
  }
}

class ExploreEvaluateTest : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    if (!runPython({"-c", "import onnx, numpy"})) {
      skipReason = TESSERA_PYTHON " has no onnx and numpy";
      return;
    }
    llvm::SmallString<128> dir;
    ASSERT_FALSE(fs::createUniqueDirectory("tessera-explore-test", dir));
    root = dir.str().str();
    modelFile = join(root, "tiny_cnn.onnx");
    ASSERT_TRUE(runPython(
        {TESSERA_SOURCE_DIR "/python/scripts/make_example.py", modelFile}));
    spec.path = modelFile;
    spec.inputShapes = {"input=1,3,32,32"};
    llvm::Expected<PreparedModel> prepared =
        prepareModel(spec, join(root, "out"), 7);
    ASSERT_TRUE(bool(prepared)) << llvm::toString(prepared.takeError());
    model = new PreparedModel(std::move(*prepared));
  }

  static void TearDownTestSuite() {
    delete model;
    model = nullptr;
    if (!root.empty())
      (void)fs::remove_directories(root);
  }

  void SetUp() override {
    if (!skipReason.empty())
      GTEST_SKIP() << skipReason;
    ASSERT_NE(model, nullptr);
  }

  static std::string root, modelFile, skipReason;
  static ModelSpec spec;
  static PreparedModel *model;
};

std::string ExploreEvaluateTest::root;
std::string ExploreEvaluateTest::modelFile;
std::string ExploreEvaluateTest::skipReason;
ModelSpec ExploreEvaluateTest::spec;
PreparedModel *ExploreEvaluateTest::model = nullptr;

TEST_F(ExploreEvaluateTest, PreparesTheFiles) {
  EXPECT_EQ(model->dir, join(join(join(root, "out"), "models"), "tiny_cnn"));
  EXPECT_TRUE(fs::exists(model->quantizedModule));
  EXPECT_TRUE(fs::exists(model->statsFile));
  EXPECT_NE(readFile(model->quantizedModule).find("nn.conv_integer"),
            std::string::npos);
  ASSERT_EQ(model->simulationInputs.size(), 1u);
  EXPECT_EQ(model->simulationInputs[0],
            "input=" + join(join(model->dir, "sim"), "input.npy"));
  // Standard-normal values of the input's shape.
  for (std::string file :
       {join(join(model->dir, "sim"), "input.npy"),
        join(join(join(model->dir, "calibration"), "set0"), "input.npy"),
        join(join(join(model->dir, "calibration"), "set1"), "input.npy")}) {
    llvm::Expected<runtime::HostTensor> tensor = runtime::readNpy(file);
    ASSERT_TRUE(bool(tensor)) << llvm::toString(tensor.takeError());
    EXPECT_EQ(tensor->dtype, "float32");
    EXPECT_EQ(runtime::shapeString(tensor->shape), "[1,3,32,32]");
    const float *values = reinterpret_cast<const float *>(tensor->data.data());
    double sum = 0, squares = 0;
    int64_t n = tensor->numElements();
    for (int64_t i = 0; i < n; ++i) {
      sum += values[i];
      squares += double(values[i]) * values[i];
    }
    double mean = sum / n, variance = squares / n - mean * mean;
    EXPECT_LT(std::fabs(mean), 0.06) << file;
    EXPECT_LT(std::fabs(variance - 1), 0.08) << file;
  }
  EXPECT_FALSE(fs::exists(join(join(model->dir, "calibration"), "set2")));
  // The two sets and the simulation input differ.
  EXPECT_NE(readFile(join(join(model->dir, "sim"), "input.npy")),
            readFile(join(join(join(model->dir, "calibration"), "set0"),
                          "input.npy")));
  EXPECT_NE(readFile(join(join(join(model->dir, "calibration"), "set1"),
                          "input.npy")),
            readFile(join(join(join(model->dir, "calibration"), "set0"),
                          "input.npy")));
}

TEST_F(ExploreEvaluateTest, AnalyticOnEdgePutsTheConvsOnTheNPU) {
  npu::HardwareDesc edge = getPreset("edge");
  llvm::Expected<ModelResult> result = evaluateAnalytic(*model, edge);
  ASSERT_TRUE(bool(result)) << llvm::toString(result.takeError());
  EXPECT_EQ(result->model, "tiny_cnn");
  EXPECT_FALSE(result->simulated);
  for (llvm::StringRef conv : {"stem.conv", "block.conv1", "block.conv2"}) {
    const LayerResult *layer = findLayer(*result, conv);
    ASSERT_NE(layer, nullptr) << conv.str();
    EXPECT_EQ(layer->kind, "conv");
    EXPECT_EQ(layer->place, "npu") << layer->reason;
    EXPECT_GT(layer->predictedCycles, 0u);
    EXPECT_GT(layer->macs, 0u);
    EXPECT_FALSE(layer->tiling.empty());
    EXPECT_FALSE(layer->bound.empty());
  }
  // The classifier's matrix product is too small: the cost rule keeps it
  // on the host.
  const LayerResult *fc = findLayer(*result, "fc");
  ASSERT_NE(fc, nullptr);
  EXPECT_EQ(fc->kind, "matmul");
  EXPECT_EQ(fc->place, "host");
  EXPECT_EQ(llvm::StringRef(fc->reason).find("cheaper on the host"), 0u);
  EXPECT_EQ(fc->hostMicroseconds, double(fc->macs) / 20e3);

  uint64_t cycles = 0, macs = 0, npuMacs = 0, dram = 0;
  double energy = 0, host = 0;
  unsigned npuLayers = 0, hostLayers = 0;
  for (const LayerResult &layer : result->layers) {
    macs += layer.macs;
    if (layer.place == "npu") {
      ++npuLayers;
      cycles += layer.predictedCycles;
      npuMacs += layer.macs;
      dram += layer.dramBytes;
      energy += layer.energyPJ;
      EXPECT_FALSE(layer.simulatedCycles);
    } else {
      ++hostLayers;
      host += layer.hostMicroseconds;
    }
  }
  EXPECT_EQ(result->npuCycles, cycles);
  EXPECT_EQ(result->predictedNPUCycles, cycles);
  EXPECT_EQ(result->macs, macs);
  EXPECT_EQ(result->npuMacs, npuMacs);
  EXPECT_EQ(result->dramBytes, dram);
  EXPECT_NEAR(result->energy.total(), energy, 1e-6 * energy);
  EXPECT_EQ(result->npuLayers, npuLayers);
  EXPECT_EQ(result->hostLayers, hostLayers);
  EXPECT_EQ(result->hostMicroseconds, host);
  EXPECT_EQ(result->segments, 1u);
  // The segment reads the int8 image and writes the pooled features.
  EXPECT_DOUBLE_EQ(result->transferMicroseconds, (3 * 32 * 32 + 16) / 1e4);
  EXPECT_DOUBLE_EQ(result->latencyMicroseconds,
                   double(cycles) / edge.clockMHz + host +
                       result->transferMicroseconds);
  EXPECT_DOUBLE_EQ(result->utilization,
                   double(npuMacs) / (double(cycles) * edge.rows * edge.cols));
  EXPECT_GT(result->utilization, 0);
  EXPECT_LE(result->utilization, 1);
}

TEST_F(ExploreEvaluateTest, ATinyScratchpadSendsTheConvsToTheHost) {
  npu::HardwareDesc edge = getPreset("edge");
  llvm::Expected<npu::HardwareDesc> tiny =
      npu::overrideHardwareDesc(edge, {"scratchpad.kib=1"}, "edge");
  ASSERT_TRUE(bool(tiny)) << llvm::toString(tiny.takeError());
  llvm::Expected<ModelResult> base = evaluateAnalytic(*model, edge);
  llvm::Expected<ModelResult> result = evaluateAnalytic(*model, *tiny);
  ASSERT_TRUE(bool(base)) << llvm::toString(base.takeError());
  ASSERT_TRUE(bool(result)) << llvm::toString(result.takeError());
  for (llvm::StringRef conv : {"stem.conv", "block.conv1", "block.conv2"}) {
    const LayerResult *layer = findLayer(*result, conv);
    ASSERT_NE(layer, nullptr) << conv.str();
    EXPECT_EQ(layer->place, "host");
    EXPECT_NE(layer->reason.find("scratchpad"), std::string::npos)
        << layer->reason;
    EXPECT_EQ(layer->predictedCycles, 0u);
    EXPECT_EQ(layer->hostMicroseconds, double(layer->macs) / 20e3);
  }
  EXPECT_GT(result->hostLayers, base->hostLayers);
  EXPECT_LT(result->npuMacs, base->npuMacs);
  EXPECT_GT(result->latencyMicroseconds, base->latencyMicroseconds);
}

TEST_F(ExploreEvaluateTest, EvaluationsAreIdenticalAcrossCallsAndThreads) {
  npu::HardwareDesc mid = getPreset("mid");
  llvm::Expected<ModelResult> first = evaluateAnalytic(*model, mid);
  llvm::Expected<ModelResult> second = evaluateAnalytic(*model, mid);
  ASSERT_TRUE(bool(first)) << llvm::toString(first.takeError());
  ASSERT_TRUE(bool(second)) << llvm::toString(second.takeError());
  expectSameResult(*first, *second);

  // Other threads parse their own copy of the module.
  std::vector<std::optional<ModelResult>> results(4);
  std::vector<std::thread> threads;
  for (unsigned i = 0; i < results.size(); ++i)
    threads.emplace_back([&, i] {
      llvm::Expected<ModelResult> result = evaluateAnalytic(*model, mid);
      if (result)
        results[i] = std::move(*result);
      else
        llvm::consumeError(result.takeError());
    });
  for (std::thread &thread : threads)
    thread.join();
  for (const std::optional<ModelResult> &result : results) {
    ASSERT_TRUE(result.has_value());
    expectSameResult(*first, *result);
  }
}

TEST_F(ExploreEvaluateTest, SimulatedAgreesAndMatchesARun) {
  npu::HardwareDesc edge = getPreset("edge");
  std::string work = join(root, "work");
  llvm::Expected<ModelResult> analytic = evaluateAnalytic(*model, edge);
  llvm::Expected<ModelResult> simulated = evaluateSimulated(*model, edge, work);
  ASSERT_TRUE(bool(analytic)) << llvm::toString(analytic.takeError());
  ASSERT_TRUE(bool(simulated)) << llvm::toString(simulated.takeError());
  EXPECT_TRUE(simulated->simulated);
  EXPECT_EQ(simulated->predictedNPUCycles, analytic->npuCycles);
  EXPECT_LT(std::fabs(simulated->agreement), 0.03);
  EXPECT_DOUBLE_EQ(simulated->agreement,
                   double(simulated->npuCycles) / analytic->npuCycles - 1);
  EXPECT_LT(simulated->worstLayerError, 0.05);
  EXPECT_FALSE(simulated->worstLayer.empty());
  EXPECT_EQ(simulated->npuLayers, analytic->npuLayers);
  EXPECT_EQ(simulated->segments, analytic->segments);
  EXPECT_DOUBLE_EQ(simulated->latencyMicroseconds,
                   double(simulated->npuCycles) / edge.clockMHz +
                       simulated->hostMicroseconds +
                       simulated->transferMicroseconds);
  for (const LayerResult &layer : simulated->layers) {
    EXPECT_EQ(layer.simulatedCycles.has_value(), layer.place == "npu")
        << layer.name;
  }
  // The artifact is gone.
  std::error_code ec;
  EXPECT_EQ(fs::directory_iterator(work, ec), fs::directory_iterator());

  // A second point in the same process (a compile in another context).
  llvm::Expected<ModelResult> mid =
      evaluateSimulated(*model, getPreset("mid"), work);
  ASSERT_TRUE(bool(mid)) << llvm::toString(mid.takeError());
  EXPECT_LT(std::fabs(mid->agreement), 0.03);
  EXPECT_NE(mid->npuCycles, simulated->npuCycles);

  // Both points again, at once on two threads: the same results.
  std::optional<ModelResult> parallel[2];
  std::string errors[2];
  {
    std::vector<std::thread> threads;
    for (unsigned i = 0; i < 2; ++i)
      threads.emplace_back([&, i] {
        llvm::Expected<ModelResult> result =
            evaluateSimulated(*model, i == 0 ? edge : getPreset("mid"), work);
        if (result)
          parallel[i] = std::move(*result);
        else
          errors[i] = llvm::toString(result.takeError());
      });
    for (std::thread &thread : threads)
      thread.join();
  }
  ASSERT_TRUE(parallel[0].has_value()) << errors[0];
  ASSERT_TRUE(parallel[1].has_value()) << errors[1];
  expectSameResult(*parallel[0], *simulated);
  expectSameResult(*parallel[1], *mid);

  // The same compile and run, as tessera-compile and tessera-run do them.
  registerAllTargets();
  std::string hwFile = join(root, "edge.yaml");
  {
    std::error_code error;
    llvm::raw_fd_ostream os(hwFile, error);
    ASSERT_FALSE(error);
    os << npu::printHardwareDesc(edge);
  }
  CompileOptions options;
  options.inputFile = modelFile;
  options.inputShapes = spec.inputShapes;
  options.target = "npu";
  options.hardware = hwFile;
  options.quant.mode = "int8";
  options.quant.calibrationCache = model->statsFile;
  options.outputPath = join(root, "artifact");
  std::string log;
  llvm::raw_string_ostream logStream(log);
  ASSERT_EQ(compileAndReport(options, logStream), 0) << log;
  runtime::RunOptions run;
  run.artifactDir = options.outputPath;
  run.inputs = model->simulationInputs;
  run.npuReportJSON = join(root, "report.json");
  std::string out, err;
  llvm::raw_string_ostream outStream(out), errStream(err);
  ASSERT_EQ(runtime::runArtifact(run, outStream, errStream),
            runtime::RunStatus::Ok)
      << err;
  llvm::Expected<llvm::json::Value> report =
      llvm::json::parse(readFile(run.npuReportJSON));
  ASSERT_TRUE(bool(report)) << llvm::toString(report.takeError());
  const llvm::json::Object *total = report->getAsObject()->getObject("total");
  ASSERT_NE(total, nullptr);
  EXPECT_EQ(total->getInteger("cycles"), int64_t(simulated->npuCycles));
  EXPECT_EQ(total->getInteger("dram_bytes"), int64_t(simulated->dramBytes));
  const llvm::json::Array *layers = report->getAsObject()->getArray("layers");
  ASSERT_NE(layers, nullptr);
  EXPECT_EQ(layers->size(), simulated->npuLayers);
}

TEST_F(ExploreEvaluateTest, PreparingAgainReusesTheFiles) {
  fs::file_status before;
  ASSERT_FALSE(fs::status(model->quantizedModule, before));
  llvm::Expected<PreparedModel> again =
      prepareModel(spec, join(root, "out"), 7);
  ASSERT_TRUE(bool(again)) << llvm::toString(again.takeError());
  EXPECT_EQ(again->quantizedModule, model->quantizedModule);
  EXPECT_EQ(again->statsFile, model->statsFile);
  EXPECT_EQ(again->simulationInputs, model->simulationInputs);
  fs::file_status after;
  ASSERT_FALSE(fs::status(model->quantizedModule, after));
  EXPECT_EQ(before.getUniqueID(), after.getUniqueID());
  EXPECT_EQ(before.getLastModificationTime(), after.getLastModificationTime());
}

TEST_F(ExploreEvaluateTest, PreparationIsDeterministicAndConcurrent) {
  // Two threads prepare the same model in a fresh directory at once; the
  // files are those of the first preparation, byte for byte.
  std::string out = join(root, "out2");
  std::vector<std::optional<PreparedModel>> prepared(2);
  std::vector<std::string> errors(2);
  std::vector<std::thread> threads;
  for (unsigned i = 0; i < prepared.size(); ++i)
    threads.emplace_back([&, i] {
      llvm::Expected<PreparedModel> result = prepareModel(spec, out, 7);
      if (result)
        prepared[i] = std::move(*result);
      else
        errors[i] = llvm::toString(result.takeError());
    });
  for (std::thread &thread : threads)
    thread.join();
  for (unsigned i = 0; i < prepared.size(); ++i) {
    ASSERT_TRUE(prepared[i].has_value()) << errors[i];
    EXPECT_EQ(readFile(prepared[i]->quantizedModule),
              readFile(model->quantizedModule));
    EXPECT_EQ(readFile(prepared[i]->statsFile), readFile(model->statsFile));
    EXPECT_EQ(
        readFile(prepared[i]->simulationInputs[0].substr(strlen("input="))),
        readFile(model->simulationInputs[0].substr(strlen("input="))));
  }
  // No temporary files are left.
  std::error_code ec;
  for (fs::directory_iterator it(prepared[0]->dir, ec), end; it != end && !ec;
       it.increment(ec))
    EXPECT_EQ(it->path().find(".tmp-"), std::string::npos) << it->path();

  // Another seed draws other inputs.
  llvm::Expected<PreparedModel> other =
      prepareModel(spec, join(root, "out3"), 8);
  ASSERT_TRUE(bool(other)) << llvm::toString(other.takeError());
  EXPECT_NE(readFile(other->simulationInputs[0].substr(strlen("input="))),
            readFile(model->simulationInputs[0].substr(strlen("input="))));
}

TEST_F(ExploreEvaluateTest, APreQuantizedModelNeedsNoCalibration) {
  std::string dir = join(root, "qdq");
  ASSERT_FALSE(fs::create_directories(dir));
  ASSERT_TRUE(runPython(
      {TESSERA_SOURCE_DIR "/test/Quantization/Inputs/make_qdq_model.py", dir}));
  ModelSpec qdq;
  qdq.path = join(dir, "model.onnx");
  qdq.name = "qdq";
  qdq.lowerQDQ = true;
  llvm::Expected<PreparedModel> prepared =
      prepareModel(qdq, join(root, "out"), 0);
  ASSERT_TRUE(bool(prepared)) << llvm::toString(prepared.takeError());
  EXPECT_TRUE(prepared->statsFile.empty());
  EXPECT_FALSE(fs::exists(join(prepared->dir, "calibration")));
  EXPECT_NE(readFile(prepared->quantizedModule).find("nn.conv_integer"),
            std::string::npos);
  ASSERT_EQ(prepared->simulationInputs.size(), 1u);
  EXPECT_EQ(prepared->simulationInputs[0],
            "x=" + join(join(prepared->dir, "sim"), "x.npy"));

  npu::HardwareDesc edge = getPreset("edge");
  llvm::Expected<ModelResult> analytic = evaluateAnalytic(*prepared, edge);
  ASSERT_TRUE(bool(analytic)) << llvm::toString(analytic.takeError());
  EXPECT_EQ(analytic->model, "qdq");
  // The int8 conv runs on the NPU; the other layers stay on the host.
  const LayerResult *conv = findLayer(*analytic, "conv1");
  ASSERT_NE(conv, nullptr);
  EXPECT_EQ(conv->place, "npu") << conv->reason;
  EXPECT_EQ(analytic->npuLayers, 1u);
  llvm::Expected<ModelResult> simulated =
      evaluateSimulated(*prepared, edge, join(root, "work"));
  ASSERT_TRUE(bool(simulated)) << llvm::toString(simulated.takeError());
  EXPECT_EQ(simulated->npuLayers, analytic->npuLayers);
  EXPECT_EQ(simulated->predictedNPUCycles, analytic->npuCycles);
  EXPECT_LT(std::fabs(simulated->agreement), 0.03);
}

TEST_F(ExploreEvaluateTest, ErrorsNameTheModel) {
  auto expectError = [&](const ModelSpec &bad, llvm::StringRef what) {
    llvm::Expected<PreparedModel> result =
        prepareModel(bad, join(root, "errors"), 0);
    ASSERT_FALSE(bool(result)) << bad.path;
    std::string message = llvm::toString(result.takeError());
    EXPECT_EQ(message.find("model '" + bad.path + "': "), 0u) << message;
    EXPECT_NE(message.find(what.str()), std::string::npos) << message;
  };
  ModelSpec missing = spec;
  missing.path = join(root, "missing.onnx");
  expectError(missing, "no such file");

  ModelSpec garbage = spec;
  garbage.path = join(root, "garbage.onnx");
  {
    std::error_code error;
    llvm::raw_fd_ostream os(garbage.path, error);
    ASSERT_FALSE(error);
    os << "this is not an ONNX model\n";
  }
  expectError(garbage, "does not import");
  expectError(garbage, "not a valid ONNX protobuf");

  ModelSpec dynamic = spec;
  dynamic.inputShapes.clear();
  expectError(dynamic, "input 'input' dim 0 ('batch') is dynamic");

  ModelSpec directory = spec;
  directory.path = root;
  expectError(directory, "is a directory, not an ONNX file");

  // Only float32 inputs are drawn.
  ModelSpec integer = spec;
  integer.path = join(root, "int64_input.onnx");
  integer.inputShapes.clear();
  ASSERT_TRUE(runPython(
      {"-c",
       "import sys, onnx; from onnx import helper, TensorProto as T; "
       "g = helper.make_graph([helper.make_node('Cast', ['ids'], ['y'], "
       "name='cast', to=T.FLOAT)], 'g', "
       "[helper.make_tensor_value_info('ids', T.INT64, [1, 8])], "
       "[helper.make_tensor_value_info('y', T.FLOAT, [1, 8])]); "
       "m = helper.make_model(g, opset_imports=[helper.make_opsetid('', 17)]); "
       "m.ir_version = 8; onnx.save(m, sys.argv[1])",
       integer.path}));
  expectError(integer, "input 'ids' is int64: seeded inputs are drawn for "
                       "float32 inputs only");

  ModelSpec noSamples = spec;
  noSamples.calibrationSamples = 0;
  expectError(noSamples, "calibration_samples must be at least 1");
}

} // namespace
