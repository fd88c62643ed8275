//===- Calibrate.cpp - calibration and the quantization report ------------===//
//
// Part of Tessera.
//
//===----------------------------------------------------------------------===//

#include "tessera/Driver/Calibrate.h"
#include "NN/NNOps.h"
#include "tessera/Driver/Driver.h"
#include "tessera/Driver/Target.h"
#include "tessera/Quantization/ExposeActivations.h"
#include "tessera/Quantization/Statistics.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SHA256.h"
#include "llvm/Support/xxhash.h"

#include <algorithm>
#include <cmath>
#include <limits>

using namespace mlir;
namespace fs = llvm::sys::fs;
using tessera::runtime::HostTensor;

namespace tessera {

static llvm::Error fail(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

//===----------------------------------------------------------------------===//
// Input sets and the model digest
//===----------------------------------------------------------------------===//

/// Reads `path` and checks it against the model input `desc`.
static llvm::Expected<HostTensor> readInput(llvm::StringRef path,
                                            const TensorDesc &desc) {
  llvm::Expected<HostTensor> tensor = runtime::readTensorFile(path);
  if (!tensor)
    return tensor.takeError();
  if (tensor->dtype != desc.dtype || tensor->shape != desc.shape)
    return fail(path + ": input '" + desc.name + "' expects " + desc.dtype +
                " " + runtime::shapeString(desc.shape) + ", found " +
                tensor->dtype + " " + runtime::shapeString(tensor->shape));
  return tensor;
}

llvm::Expected<std::vector<InputSet>>
readInputSets(llvm::StringRef dir, llvm::ArrayRef<TensorDesc> inputs,
              llvm::StringRef what) {
  if (!fs::is_directory(dir))
    return fail(what + " directory '" + dir +
                "' does not exist or is not a directory");
  std::vector<std::string> files, subdirs;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; it != end && !ec;
       it.increment(ec)) {
    std::string path = it->path();
    if (fs::is_directory(path))
      subdirs.push_back(path);
    else if (llvm::StringRef(path).ends_with(".npy") ||
             llvm::StringRef(path).ends_with(".pb"))
      files.push_back(path);
  }
  if (ec)
    return fail(what + " directory '" + dir +
                "': cannot list: " + ec.message());
  llvm::sort(files);
  llvm::sort(subdirs);
  if (files.empty() && subdirs.empty())
    return fail(what + " directory '" + dir +
                "' holds no input sets (expected one .npy file per set, or "
                "one subdirectory per set)");
  if (!files.empty() && !subdirs.empty())
    return fail(what + " directory '" + dir +
                "' holds both files and subdirectories: use one layout");

  std::vector<InputSet> sets;
  if (!files.empty()) {
    if (inputs.size() != 1)
      return fail(what + " directory '" + dir +
                  "' holds one file per set, but the model has " +
                  llvm::Twine(inputs.size()) +
                  " inputs: use one subdirectory per set");
    for (const std::string &file : files) {
      llvm::Expected<HostTensor> tensor = readInput(file, inputs.front());
      if (!tensor)
        return tensor.takeError();
      sets.push_back({file, {}});
      sets.back().tensors.push_back(std::move(*tensor));
    }
    return sets;
  }
  for (const std::string &subdir : subdirs) {
    InputSet set{subdir, {}};
    for (auto [i, desc] : llvm::enumerate(inputs)) {
      std::string found;
      std::string index = "input_" + std::to_string(i);
      for (std::string name : {desc.name + ".npy", desc.name + ".pb",
                               index + ".pb", index + ".npy"}) {
        llvm::SmallString<256> path(subdir);
        llvm::sys::path::append(path, name);
        if (fs::exists(path)) {
          found = path.str().str();
          break;
        }
      }
      if (found.empty())
        return fail(what + " set '" + subdir + "' has no file for input '" +
                    desc.name + "' (expected " + desc.name + ".npy or " +
                    index + ".pb)");
      llvm::Expected<HostTensor> tensor = readInput(found, desc);
      if (!tensor)
        return tensor.takeError();
      set.tensors.push_back(std::move(*tensor));
    }
    sets.push_back(std::move(set));
  }
  return sets;
}

llvm::Expected<std::string> computeModelDigest(const CompileOptions &options) {
  auto buffer = llvm::MemoryBuffer::getFile(options.inputFile);
  if (!buffer)
    return fail(options.inputFile +
                ": cannot read: " + buffer.getError().message());
  // The file's hash, then the pins after it, each after a NUL.
  llvm::XXH128_hash_t file =
      llvm::xxh3_128bits(llvm::arrayRefFromStringRef((*buffer)->getBuffer()));
  std::string bytes;
  for (uint64_t half : {file.high64, file.low64})
    for (int i = 7; i >= 0; --i)
      bytes.push_back(char(half >> (8 * i)));
  for (const std::string &spec : options.inputShapes) {
    bytes.push_back('\0');
    bytes += spec;
  }
  llvm::XXH128_hash_t digest =
      llvm::xxh3_128bits(llvm::arrayRefFromStringRef(bytes));
  return llvm::formatv("xxh3-128:{0:x-16}{1:x-16}", digest.high64, digest.low64)
      .str();
}

llvm::Expected<std::string>
computeSHA256ModelDigest(const CompileOptions &options) {
  auto buffer = llvm::MemoryBuffer::getFile(options.inputFile);
  if (!buffer)
    return fail(options.inputFile +
                ": cannot read: " + buffer.getError().message());
  llvm::SHA256 hash;
  hash.update((*buffer)->getBuffer());
  for (const std::string &spec : options.inputShapes) {
    hash.update(llvm::StringRef("\0", 1));
    hash.update(spec);
  }
  return llvm::toHex(hash.final(), /*LowerCase=*/true);
}

//===----------------------------------------------------------------------===//
// The float and int8 graphs with their activations exposed
//===----------------------------------------------------------------------===//

/// A host artifact of the model with its activations as extra results.
struct ExposedModel {
  runtime::Artifact artifact;
  /// The model's own I/O (the exposed results follow its outputs).
  ModelSignature signature;
  /// The exposed results' keys, in order.
  SmallVector<std::string> keys;
  /// The float inputs' keys: (input index, key).
  SmallVector<std::pair<unsigned, std::string>> inputKeys;
  /// Quantized graph: each key's scale and zero point.
  llvm::StringMap<std::pair<double, int64_t>> quantParams;
  std::vector<QuantReport::FloatOp> floatOps;

  llvm::Expected<std::vector<HostTensor>> run(const InputSet &set) const {
    SmallVector<const HostTensor *> inputs;
    for (const HostTensor &tensor : set.tensors)
      inputs.push_back(&tensor);
    return artifact.run(inputs);
  }
};

/// The ONNX node names of `loc`, joined with ", ".
static std::string getNodeNames(Location loc) {
  return llvm::join(nn::getONNXNodeNames(loc), ", ");
}

/// Compiles the model for the host (graph fusion off: calibration sees the
/// graph the quantize pass sees) with its activations exposed: the float
/// graph, or with `quantized` the int8 graph. `afterNN` runs on the model's
/// signature once the `nn` stage is done (to read inputs before the slow
/// part).
static LogicalResult compileExposed(
    const CompileOptions &base, MLIRContext &context, bool quantized,
    ExposedModel &out,
    llvm::function_ref<LogicalResult(const ModelSignature &)> afterNN) {
  CompileOptions options = base;
  options.target = "cpu";
  options.emitStage.clear();
  options.report.clear();
  options.reportJsonPath.clear();
  options.fuse = false;
  // The calibration artifact runs here, whatever CPU the model is for.
  options.cpu.name = "native";
  options.cpu.features.clear();
  if (!quantized)
    options.quant = QuantizeDriverOptions();
  const TargetInfo *target = lookupTarget("cpu");
  if (!target)
    return emitError(UnknownLoc::get(&context))
           << "calibration needs the cpu target, which is not registered";
  OwningOpRef<ModuleOp> module = importModel(options, context);
  if (!module)
    return failure();
  Compilation c{*module, options, {}};
  for (const Stage *stage : getStages(*target)) {
    if (failed(stage->run(c)))
      return failure();
    if (stage->name != "nn")
      continue;
    out.signature = c.signature;
    if (failed(afterNN(c.signature)))
      return failure();
    auto func = module->lookupSymbol<func::FuncOp>("main");
    if (!func)
      return emitError(module->getLoc()) << "the model has no @main";
    for (const quant::QuantPoint &point : quant::enumerateQuantPoints(func))
      if (auto arg = dyn_cast<BlockArgument>(point.value))
        out.inputKeys.emplace_back(arg.getArgNumber(), point.key);
    if (quantized) {
      for (Operation &op : func.getBody().front()) {
        if (auto reason = op.getAttrOfType<StringAttr>("nn.quant_float"))
          out.floatOps.push_back({op.getName().getStringRef().str(),
                                  getNodeNames(op.getLoc()), reason.str()});
        auto key = op.getAttrOfType<StringAttr>("nn.quant_key");
        auto scale = op.getAttrOfType<FloatAttr>("nn.quant_scale");
        auto zeroPoint = op.getAttrOfType<IntegerAttr>("nn.quant_zero_point");
        if (key && scale && zeroPoint)
          out.quantParams[key.getValue()] = {scale.getValueAsDouble(),
                                             zeroPoint.getInt()};
      }
      out.keys = quant::exposeQuantizedActivations(func);
    } else {
      out.keys = quant::exposeActivations(func);
    }
    FailureOr<ModelSignature> signature = getModelSignature(*module);
    if (failed(signature))
      return failure();
    c.signature = std::move(*signature);
  }

  llvm::SmallString<128> dir;
  if (std::error_code ec = fs::createUniqueDirectory("tessera-calib", dir))
    return emitError(module->getLoc())
           << "cannot create a temporary directory: " << ec.message();
  LogicalResult written = target->writeArtifact(c, dir);
  llvm::Expected<runtime::Artifact> artifact =
      succeeded(written) ? runtime::Artifact::load(dir)
                         : llvm::Expected<runtime::Artifact>(
                               fail("the host artifact was not written"));
  // The library stays mapped once loaded; the files can go.
  (void)fs::remove_directories(dir);
  if (!artifact)
    return emitError(module->getLoc()) << toString(artifact.takeError());
  out.artifact = std::move(*artifact);
  return success();
}

//===----------------------------------------------------------------------===//
// Calibration
//===----------------------------------------------------------------------===//

/// The float32 data of `tensor`, or null.
static const float *getFloats(const HostTensor &tensor) {
  return tensor.dtype == "float32"
             ? reinterpret_cast<const float *>(tensor.data.data())
             : nullptr;
}

FailureOr<quant::CalibrationStats>
calibrate(const CompileOptions &options, MLIRContext &context,
          std::shared_ptr<ExposedModel> *floatModel) {
  Location loc = UnknownLoc::get(&context);
  std::vector<InputSet> sets;
  auto model = std::make_shared<ExposedModel>();
  ExposedModel &exposed = *model;
  if (failed(compileExposed(
          options, context, /*quantized=*/false, exposed,
          [&](const ModelSignature &signature) -> LogicalResult {
            auto read = readInputSets(options.quant.calibrationDir,
                                      signature.inputs, "calibration");
            if (!read)
              return emitError(loc) << toString(read.takeError());
            sets = std::move(*read);
            return success();
          })))
    return failure();

  size_t numInputs = exposed.inputKeys.size();
  size_t numOutputs = exposed.signature.outputs.size();
  std::vector<quant::StatsAccumulator> stats(numInputs + exposed.keys.size());
  for (int pass = 0; pass < 2; ++pass) {
    auto observe = [&](quant::StatsAccumulator &acc, const HostTensor &t) {
      const float *data = getFloats(t);
      if (!data)
        return;
      if (pass == 0)
        acc.observeRange(data, t.numElements());
      else
        acc.observeHistogram(data, t.numElements());
    };
    for (const InputSet &set : sets) {
      for (auto [i, entry] : llvm::enumerate(exposed.inputKeys))
        observe(stats[i], set.tensors[entry.first]);
      llvm::Expected<std::vector<HostTensor>> outputs = exposed.run(set);
      if (!outputs)
        return emitError(loc)
               << set.path
               << ": the float model failed: " << toString(outputs.takeError());
      for (size_t k = 0; k < exposed.keys.size(); ++k)
        observe(stats[numInputs + k], (*outputs)[numOutputs + k]);
    }
    if (pass == 0)
      for (quant::StatsAccumulator &acc : stats)
        acc.beginHistogram();
  }

  if (floatModel)
    *floatModel = model;
  quant::CalibrationStats result;
  result.numInputs = sets.size();
  for (auto [i, entry] : llvm::enumerate(exposed.inputKeys))
    result.add(entry.second, stats[i].finish());
  for (auto [k, key] : llvm::enumerate(exposed.keys))
    result.add(key, stats[numInputs + k].finish());
  return result;
}

//===----------------------------------------------------------------------===//
// The accuracy report
//===----------------------------------------------------------------------===//

double getSqnrDb(double sumSignal, double sumNoise) {
  if (sumNoise == 0)
    return std::numeric_limits<double>::infinity();
  return 10 * std::log10(sumSignal / sumNoise);
}

namespace {
struct ErrorSums {
  double signal = 0, noise = 0;
};
} // namespace

/// The values of `tensor` as doubles (one dtype dispatch per tensor, not
/// per element).
static std::vector<double> getValues(const HostTensor &tensor) {
  int64_t n = std::max<int64_t>(tensor.numElements(), 0);
  std::vector<double> values(n);
  auto copy = [&](auto type) {
    using T = decltype(type);
    const T *data = reinterpret_cast<const T *>(tensor.data.data());
    for (int64_t i = 0; i < n; ++i)
      values[i] = double(data[i]);
  };
  if (tensor.dtype == "float32")
    copy(float());
  else if (tensor.dtype == "int8")
    copy(int8_t());
  else if (tensor.dtype == "uint8")
    copy(uint8_t());
  else if (tensor.dtype == "int32")
    copy(int32_t());
  else
    for (int64_t i = 0; i < n; ++i)
      values[i] = tensor.getAsDouble(i);
  return values;
}

/// Adds `want` vs `got` (dequantized with `params` when given) to `sums`.
static void accumulate(ErrorSums &sums, const HostTensor &want,
                       const HostTensor &got,
                       const std::pair<double, int64_t> *params) {
  if (want.numElements() != got.numElements())
    return;
  std::vector<double> x = getValues(want), y = getValues(got);
  double scale = params ? params->first : 1.0;
  double zeroPoint = params ? double(params->second) : 0.0;
  for (size_t i = 0; i < x.size(); ++i) {
    double q = (y[i] - zeroPoint) * scale;
    sums.signal += x[i] * x[i];
    sums.noise += (x[i] - q) * (x[i] - q);
  }
}

/// Counts the rows (argmax over the last axis) where both outputs agree;
/// returns whether all do.
static bool countTop1(const HostTensor &want, const HostTensor &got,
                      QuantReport::Agreement &agreement) {
  int64_t n = want.numElements();
  if (want.shape.empty() || n != got.numElements() || n <= 0)
    return true;
  std::vector<double> x = getValues(want), y = getValues(got);
  int64_t last = std::max<int64_t>(want.shape.back(), 1);
  bool all = true;
  for (int64_t row = 0; row < n / last; ++row) {
    const double *a = x.data() + row * last, *b = y.data() + row * last;
    bool same =
        std::max_element(a, a + last) - a == std::max_element(b, b + last) - b;
    ++agreement.rows;
    agreement.agreeRows += same;
    all &= same;
  }
  return all;
}

FailureOr<QuantReport>
buildQuantReport(const CompileOptions &options, MLIRContext &context,
                 std::shared_ptr<ExposedModel> calibratedModel) {
  Location loc = UnknownLoc::get(&context);
  std::vector<InputSet> calibrationSets, evaluationSets;
  ExposedModel compiledFloat, intModel;
  const ExposedModel &floatModel =
      calibratedModel ? *calibratedModel : compiledFloat;
  auto readSets = [&](const ModelSignature &signature) -> LogicalResult {
    auto read = readInputSets(options.quant.calibrationDir, signature.inputs,
                              "calibration");
    if (!read)
      return emitError(loc) << toString(read.takeError());
    calibrationSets = std::move(*read);
    if (options.quant.evaluationDir.empty())
      return success();
    read = readInputSets(options.quant.evaluationDir, signature.inputs,
                         "evaluation");
    if (!read)
      return emitError(loc) << toString(read.takeError());
    evaluationSets = std::move(*read);
    return success();
  };
  // The float model calibration compiled, or a fresh one (a cached run).
  if (calibratedModel ? failed(readSets(calibratedModel->signature))
                      : failed(compileExposed(options, context,
                                              /*quantized=*/false,
                                              compiledFloat, readSets)))
    return failure();
  if (failed(compileExposed(options, context, /*quantized=*/true, intModel,
                            [](const ModelSignature &) { return success(); })))
    return failure();

  llvm::StringMap<size_t> floatIndex;
  size_t numOutputs = floatModel.signature.outputs.size();
  for (auto [k, key] : llvm::enumerate(floatModel.keys))
    floatIndex[key] = numOutputs + k;
  llvm::StringMap<unsigned> inputIndex;
  for (const auto &entry : floatModel.inputKeys)
    inputIndex[entry.second] = entry.first;

  std::vector<ErrorSums> layerSums(intModel.keys.size()),
      outputSums(numOutputs);
  auto runSets = [&](const std::vector<InputSet> &sets,
                     QuantReport::Agreement &agreement) -> LogicalResult {
    for (const InputSet &set : sets) {
      auto want = floatModel.run(set);
      if (!want)
        return emitError(loc)
               << set.path
               << ": the float model failed: " << toString(want.takeError());
      auto got = intModel.run(set);
      if (!got)
        return emitError(loc)
               << set.path
               << ": the int8 model failed: " << toString(got.takeError());
      bool all = true;
      for (size_t o = 0; o < numOutputs; ++o) {
        accumulate(outputSums[o], (*want)[o], (*got)[o], nullptr);
        all &= countTop1((*want)[o], (*got)[o], agreement);
      }
      ++agreement.sets;
      agreement.agree += all;
      for (auto [k, key] : llvm::enumerate(intModel.keys)) {
        auto params = intModel.quantParams.find(key);
        const HostTensor &value = (*got)[numOutputs + k];
        const std::pair<double, int64_t> *dequant =
            params != intModel.quantParams.end() && value.dtype != "float32"
                ? &params->second
                : nullptr;
        if (auto it = floatIndex.find(key); it != floatIndex.end())
          accumulate(layerSums[k], (*want)[it->second], value, dequant);
        else if (auto in = inputIndex.find(key); in != inputIndex.end())
          accumulate(layerSums[k], set.tensors[in->second], value, dequant);
      }
    }
    return success();
  };
  QuantReport report;
  if (failed(runSets(calibrationSets, report.calibration)) ||
      failed(runSets(evaluationSets, report.evaluation)))
    return failure();

  report.model = options.inputFile;
  report.observer = options.quant.observer;
  report.calibrationSets = calibrationSets.size();
  report.evaluationSets = evaluationSets.size();
  for (auto [k, key] : llvm::enumerate(intModel.keys)) {
    QuantReport::Layer layer;
    layer.key = key;
    llvm::StringRef base = llvm::StringRef(key).split('#').first;
    base = base.split(':').first;
    SmallVector<StringRef> names;
    base.split(names, '+');
    for (StringRef name : names)
      layer.nodes.push_back(name.str());
    layer.sqnrDb = getSqnrDb(layerSums[k].signal, layerSums[k].noise);
    report.layers.push_back(std::move(layer));
  }
  for (size_t o = 0; o < numOutputs; ++o)
    report.outputs.emplace_back(
        floatModel.signature.outputs[o].name,
        getSqnrDb(outputSums[o].signal, outputSums[o].noise));
  report.floatOps = intModel.floatOps;
  for (size_t i = 0; i < report.layers.size(); ++i)
    report.worst.push_back(i);
  std::stable_sort(report.worst.begin(), report.worst.end(),
                   [&](size_t a, size_t b) {
                     return report.layers[a].sqnrDb < report.layers[b].sqnrDb;
                   });
  if (report.worst.size() > 5)
    report.worst.resize(5);
  return report;
}

static std::string formatDb(double db) {
  return std::isfinite(db) ? llvm::formatv("{0:f2}", db).str() : "inf";
}

static std::string formatAgreement(const QuantReport::Agreement &a) {
  if (!a.sets)
    return "-";
  return llvm::formatv("{0}/{1} sets ({2:f1}% of {3} rows)", a.agree, a.sets,
                       a.rows ? 100.0 * a.agreeRows / a.rows : 100.0, a.rows)
      .str();
}

void printQuantTable(const QuantReport &report, llvm::raw_ostream &os) {
  os << "quantization report: " << report.model << " (int8, observer "
     << report.observer << ", " << report.calibrationSets
     << " calibration sets, " << report.evaluationSets << " evaluation sets)\n";
  os << llvm::formatv("{0,-40} {1,-40} {2,10}\n", "layer", "onnx nodes",
                      "SQNR(dB)");
  for (const QuantReport::Layer &layer : report.layers)
    os << llvm::formatv("{0,-40} {1,-40} {2,10}\n", layer.key,
                        llvm::join(layer.nodes, ","), formatDb(layer.sqnrDb));
  for (const auto &[name, db] : report.outputs)
    os << "output '" << name << "': SQNR " << formatDb(db) << " dB\n";
  os << "top-1 agreement: calibration " << formatAgreement(report.calibration)
     << "; evaluation " << formatAgreement(report.evaluation) << "\n";
  os << "left float: " << report.floatOps.size() << " ops\n";
  for (const QuantReport::FloatOp &op : report.floatOps)
    os << "  " << op.op << " '" << op.nodes << "': " << op.reason << "\n";
  os << "worst layers:";
  for (size_t i : report.worst)
    os << " " << report.layers[i].key << " ("
       << formatDb(report.layers[i].sqnrDb) << " dB)";
  os << "\n";
}

static llvm::json::Value dbToJSON(double db) {
  if (std::isfinite(db))
    return db;
  return nullptr;
}

static llvm::json::Value toJSON(const QuantReport::Agreement &a) {
  return llvm::json::Object{{"sets", a.sets},
                            {"agree", a.agree},
                            {"rows", a.rows},
                            {"agree_rows", a.agreeRows}};
}

llvm::json::Value toJSON(const QuantReport &report) {
  llvm::json::Array layers, outputs, floatOps, worst;
  for (const QuantReport::Layer &layer : report.layers) {
    llvm::json::Array nodes;
    for (const std::string &node : layer.nodes)
      nodes.push_back(node);
    layers.push_back(llvm::json::Object{{"key", layer.key},
                                        {"nodes", std::move(nodes)},
                                        {"sqnr_db", dbToJSON(layer.sqnrDb)}});
  }
  for (const auto &[name, db] : report.outputs)
    outputs.push_back(
        llvm::json::Object{{"name", name}, {"sqnr_db", dbToJSON(db)}});
  for (const QuantReport::FloatOp &op : report.floatOps)
    floatOps.push_back(llvm::json::Object{
        {"op", op.op}, {"nodes", op.nodes}, {"reason", op.reason}});
  for (size_t i : report.worst)
    worst.push_back(
        llvm::json::Object{{"key", report.layers[i].key},
                           {"sqnr_db", dbToJSON(report.layers[i].sqnrDb)}});
  return llvm::json::Object{
      {"model", report.model},
      {"quantize", "int8"},
      {"observer", report.observer},
      {"calibration_sets", report.calibrationSets},
      {"evaluation_sets", report.evaluationSets},
      {"layers", std::move(layers)},
      {"outputs", std::move(outputs)},
      {"top1", llvm::json::Object{{"calibration", toJSON(report.calibration)},
                                  {"evaluation", toJSON(report.evaluation)}}},
      {"float_ops", std::move(floatOps)},
      {"worst", std::move(worst)}};
}

} // namespace tessera
