//===- Evaluate.cpp - model preparation and point evaluation --------------===//
//
// Part of Tessera. The evaluation half of the co-design explorer
// (tessera/Explore/Explore.h, docs/explore.md "Evaluation"):
//
//   prepareModel       imports a model once per sweep, draws seeded
//                      calibration and simulation inputs where none are
//                      given, calibrates and writes the int8 nn module;
//   evaluateAnalytic   places and tiles that module for one hardware point
//                      with the compiler's own placement (placeModule) and
//                      sums the cost model's per-layer predictions;
//   evaluateSimulated  compiles the model for the point into an npu
//                      artifact, runs it on the simulator and reads the
//                      per-layer report.
//
//===----------------------------------------------------------------------===//

#include "Support.h"
#include "tessera/Codegen/NPU/Placement.h"
#include "tessera/Driver/Calibrate.h"
#include "tessera/Driver/Driver.h"
#include "tessera/Driver/Target.h"
#include "tessera/Explore/Explore.h"
#include "tessera/Pipelines/ModelSignature.h"
#include "tessera/Runtime/Run.h"
#include "tessera/Runtime/Runtime.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/LockFileManager.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/xxhash.h"

#include <chrono>
#include <cmath>
#include <cstring>
#include <memory>

using namespace mlir;
using namespace tessera;
using namespace tessera::explore;
namespace fs = llvm::sys::fs;
namespace path = llvm::sys::path;

namespace {

/// Version of what prepareModel writes; part of its digest, so that files
/// of an older layout are made again.
constexpr llvm::StringLiteral kPrepareFormat = "tessera-explore-model";
constexpr int64_t kPrepareVersion = 1;

/// The placement's host throughput and transfer bandwidth (the cost rule's
/// defaults, tessera-npu-place host-gmacs and host-gbps).
constexpr double kHostGmacs = 20;
constexpr double kHostGbps = 10;

llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

/// "model '<path>': <message>", the prefix of every error about a model.
llvm::Error modelError(const ModelSpec &spec, const llvm::Twine &message) {
  return makeError("model '" + spec.path + "': " + message);
}

/// Diagnostics text without a trailing newline.
std::string trimLog(llvm::StringRef log) { return log.rtrim().str(); }

//===----------------------------------------------------------------------===//
// Deterministic standard-normal inputs
//===----------------------------------------------------------------------===//

/// Fills `out` with standard-normal float32 values from `seed`: Box-Muller
/// over pairs of SplitMix64 uniforms.
void fillStandardNormal(uint64_t seed, llvm::MutableArrayRef<float> out) {
  SplitMix64 generator(seed);
  constexpr double kTwoPi = 6.283185307179586476925286766559;
  for (size_t i = 0; i < out.size(); i += 2) {
    double radius = std::sqrt(-2.0 * std::log(generator.openUnit()));
    double angle = kTwoPi * generator.openUnit();
    out[i] = float(radius * std::cos(angle));
    if (i + 1 < out.size())
      out[i + 1] = float(radius * std::sin(angle));
  }
}

/// The seed of one tensor: `seed` mixed with the stream (calibration set k
/// or the simulation) and the input's position, so that no two tensors of a
/// preparation share values.
uint64_t getTensorSeed(uint64_t seed, uint64_t stream, uint64_t input) {
  SplitMix64 mix(seed ^ (stream * 0x9e3779b97f4a7c15ULL));
  for (uint64_t i = 0; i <= input; ++i)
    mix.next();
  return mix.next();
}

/// Stream number of the simulation inputs (calibration set k is stream k).
constexpr uint64_t kSimulationStream = 0x53494d554c415445ULL; // "SIMULATE"

//===----------------------------------------------------------------------===//
// Files
//===----------------------------------------------------------------------===//

/// A fresh name beside `file`, for writing it before a rename.
std::string getTempName(llvm::StringRef file) {
  llvm::SmallString<256> temp;
  fs::createUniquePath(file + ".tmp-%%%%%%%%", temp, /*MakeAbsolute=*/false);
  return temp.str().str();
}

/// Renames `temp` over `file` (atomic on one file system); removes `temp`
/// on failure.
llvm::Error commitFile(llvm::StringRef temp, llvm::StringRef file) {
  if (std::error_code ec = fs::rename(temp, file)) {
    (void)fs::remove(temp);
    return makeError("cannot write '" + file + "': " + ec.message());
  }
  return llvm::Error::success();
}

/// Writes a float32 .npy of `shape` with standard-normal values from `seed`,
/// atomically.
llvm::Error writeNormalNpy(llvm::StringRef file, llvm::ArrayRef<int64_t> shape,
                           uint64_t seed) {
  std::optional<int64_t> bytes = runtime::getByteSize(shape, "float32");
  if (!bytes)
    return makeError("'" + file + "': tensor of shape " +
                     runtime::shapeString(shape) + " is too large");
  runtime::HostTensor tensor;
  tensor.dtype = "float32";
  tensor.shape.assign(shape.begin(), shape.end());
  std::vector<float> values(*bytes / sizeof(float));
  fillStandardNormal(seed, values);
  tensor.data.resize(*bytes);
  std::memcpy(tensor.data.data(), values.data(), *bytes);
  std::string temp = getTempName(file);
  if (llvm::Error error = runtime::writeNpy(temp, tensor)) {
    (void)fs::remove(temp);
    return error;
  }
  return commitFile(temp, file);
}

/// Hashes the names and bytes of every regular file under `dir`, in name
/// order, into `hash` (the identity of a calibration directory).
llvm::Error hashDirectory(llvm::StringRef dir, std::string &hash) {
  std::vector<std::string> files;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; it != end && !ec;
       it.increment(ec))
    if (it->type() == fs::file_type::regular_file)
      files.push_back(it->path());
  if (ec)
    return makeError("cannot read calibration directory '" + dir +
                     "': " + ec.message());
  llvm::sort(files);
  for (const std::string &file : files) {
    llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buffer =
        llvm::MemoryBuffer::getFile(file);
    if (!buffer)
      return makeError("cannot read '" + file +
                       "': " + buffer.getError().message());
    llvm::ArrayRef<uint8_t> bytes(
        reinterpret_cast<const uint8_t *>((*buffer)->getBufferStart()),
        (*buffer)->getBufferSize());
    hash += file.substr(dir.size()) + "=" +
            llvm::utohexstr(llvm::xxh3_64bits(bytes)) + "\n";
  }
  return llvm::Error::success();
}

/// A file name for an input: its own name when that is a plain file name,
/// else `input_<i>` (both layouts docs/quantization.md reads).
std::string getInputFileStem(const TensorDesc &input, size_t index) {
  bool plain = !input.name.empty() && input.name != "." && input.name != ".." &&
               llvm::all_of(input.name, [](char c) {
                 return llvm::isAlnum(c) || c == '_' || c == '-' || c == '.';
               });
  return plain ? input.name : "input_" + std::to_string(index);
}

//===----------------------------------------------------------------------===//
// Compiler plumbing
//===----------------------------------------------------------------------===//

/// A context with every dialect the compiler's inputs may hold, its
/// diagnostics printed (as tessera-compile prints them) into `log`.
std::unique_ptr<MLIRContext> makeContext(llvm::raw_ostream *log) {
  DialectRegistry registry;
  registerCompilerDialects(registry);
  auto context = std::make_unique<MLIRContext>(registry);
  // One context per thread or per call: its own thread pool would only
  // compete with the sweep's workers.
  context->disableMultithreading();
  if (log)
    printDiagnostics(*context, *log);
  return context;
}

/// The compile options every step of a model starts from.
CompileOptions getBaseOptions(const ModelSpec &spec) {
  CompileOptions options;
  options.inputFile = spec.path;
  options.inputShapes = spec.inputShapes;
  options.lowerQDQ = spec.lowerQDQ;
  return options;
}

/// The model's inputs after import with the pins; errors name the model.
llvm::Expected<std::vector<TensorDesc>> readModelInputs(const ModelSpec &spec) {
  CompileOptions options = getBaseOptions(spec);
  options.emitStage = "nn";
  if (llvm::Error error = validateOptions(options))
    return modelError(spec, llvm::toString(std::move(error)));
  std::string log;
  llvm::raw_string_ostream logStream(log);
  std::unique_ptr<MLIRContext> context = makeContext(&logStream);
  OwningOpRef<ModuleOp> module = importModel(options, *context);
  if (!module)
    return modelError(spec, "does not import:\n" + trimLog(log));
  auto main = module->lookupSymbol<func::FuncOp>("main");
  if (!main)
    return modelError(spec, "the imported module has no @main");
  std::vector<TensorDesc> inputs;
  for (auto [i, type] : llvm::enumerate(main.getArgumentTypes())) {
    TensorDesc desc;
    auto name = main.getArgAttrOfType<StringAttr>(i, "nn.name");
    desc.name = name ? name.str() : "input" + std::to_string(i);
    auto tensor = dyn_cast<RankedTensorType>(type);
    if (!tensor)
      return modelError(spec, "input '" + desc.name + "' is not a tensor");
    std::string shape;
    llvm::raw_string_ostream shapeStream(shape);
    llvm::interleave(
        tensor.getShape(), shapeStream,
        [&](int64_t d) {
          if (ShapedType::isDynamic(d))
            shapeStream << '?';
          else
            shapeStream << d;
        },
        ",");
    if (!tensor.hasStaticShape())
      return modelError(spec, "input '" + desc.name +
                                  "' has a dynamic shape [" + shape +
                                  "]: pin it with input_shapes: [" + desc.name +
                                  "=d0,d1,...]");
    desc.dtype = getDTypeName(tensor.getElementType());
    desc.shape.assign(tensor.getShape().begin(), tensor.getShape().end());
    inputs.push_back(std::move(desc));
  }
  return inputs;
}

//===----------------------------------------------------------------------===//
// Preparation
//===----------------------------------------------------------------------===//

/// Everything the prepared files depend on, hashed.
llvm::Expected<std::string> computePrepareDigest(const ModelSpec &spec,
                                                 uint64_t seed) {
  llvm::Expected<std::string> modelDigest =
      computeModelDigest(getBaseOptions(spec));
  if (!modelDigest)
    return modelError(spec, llvm::toString(modelDigest.takeError()));
  std::string key;
  llvm::raw_string_ostream os(key);
  os << kPrepareFormat << " " << kPrepareVersion << "\nmodel " << *modelDigest
     << "\nlower_qdq " << spec.lowerQDQ << "\nseed " << seed << "\n";
  for (const std::string &pin : spec.inputShapes)
    os << "pin " << pin << "\n";
  if (!spec.lowerQDQ) {
    if (spec.calibrationDir.empty()) {
      os << "samples " << spec.calibrationSamples << "\n";
    } else {
      std::string hash;
      if (llvm::Error error = hashDirectory(spec.calibrationDir, hash))
        return modelError(spec, llvm::toString(std::move(error)));
      os << "calibration " << spec.calibrationDir << "\n" << hash;
    }
  }
  return llvm::utohexstr(llvm::xxh3_64bits(key), /*LowerCase=*/true, 16);
}

std::string getModelName(const ModelSpec &spec) {
  return spec.name.empty() ? path::stem(spec.path).str() : spec.name;
}

std::string joinPath(llvm::StringRef a, llvm::StringRef b) {
  llvm::SmallString<256> joined(a);
  path::append(joined, b);
  return joined.str().str();
}

/// The prepared model `dir/prepare.json` describes, when its digest is
/// `digest` and its files exist.
std::optional<PreparedModel> readPrepared(const ModelSpec &spec,
                                          llvm::StringRef dir,
                                          llvm::StringRef digest) {
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buffer =
      llvm::MemoryBuffer::getFile(joinPath(dir, "prepare.json"));
  if (!buffer)
    return std::nullopt;
  llvm::Expected<llvm::json::Value> json =
      llvm::json::parse((*buffer)->getBuffer());
  if (!json) {
    llvm::consumeError(json.takeError());
    return std::nullopt;
  }
  const llvm::json::Object *object = json->getAsObject();
  if (!object || object->getString("format") != kPrepareFormat ||
      object->getInteger("version") != kPrepareVersion ||
      object->getString("digest") != digest)
    return std::nullopt;
  PreparedModel model;
  model.spec = spec;
  model.dir = dir.str();
  std::optional<llvm::StringRef> quantized = object->getString("quantized");
  std::optional<llvm::StringRef> stats = object->getString("stats");
  const llvm::json::Array *inputs = object->getArray("simulation_inputs");
  if (!quantized || !stats || !inputs)
    return std::nullopt;
  model.quantizedModule = joinPath(dir, *quantized);
  if (!fs::exists(model.quantizedModule))
    return std::nullopt;
  if (!stats->empty()) {
    model.statsFile = joinPath(dir, *stats);
    if (!fs::exists(model.statsFile))
      return std::nullopt;
  }
  for (const llvm::json::Value &input : *inputs) {
    std::optional<llvm::StringRef> text = input.getAsString();
    if (!text)
      return std::nullopt;
    auto [name, file] = text->split('=');
    std::string full = joinPath(dir, file);
    if (!fs::exists(full))
      return std::nullopt;
    model.simulationInputs.push_back(name.str() + "=" + full);
  }
  return model;
}

/// Does the preparation (the caller holds the lock).
llvm::Expected<PreparedModel> prepareUnlocked(const ModelSpec &spec,
                                              llvm::StringRef dir,
                                              llvm::StringRef digest,
                                              uint64_t seed) {
  llvm::Expected<std::vector<TensorDesc>> inputs = readModelInputs(spec);
  if (!inputs)
    return inputs.takeError();
  for (const TensorDesc &input : *inputs)
    if (input.dtype != "float32")
      return modelError(spec, "input '" + input.name + "' is " + input.dtype +
                                  ": seeded inputs are drawn for float32 "
                                  "inputs only");
  bool drawCalibration = !spec.lowerQDQ && spec.calibrationDir.empty();
  if (drawCalibration && spec.calibrationSamples == 0)
    return modelError(spec, "calibration_samples must be at least 1");

  PreparedModel model;
  model.spec = spec;
  model.dir = dir.str();

  // The calibration sets: set<k>/<input>.npy, one subdirectory per set.
  std::string calibrationDir = spec.calibrationDir;
  if (drawCalibration) {
    calibrationDir = joinPath(dir, "calibration");
    for (unsigned set = 0; set < spec.calibrationSamples; ++set) {
      std::string setDir =
          joinPath(calibrationDir, "set" + std::to_string(set));
      if (std::error_code ec = fs::create_directories(setDir))
        return modelError(spec,
                          "cannot create '" + setDir + "': " + ec.message());
      for (auto [i, input] : llvm::enumerate(*inputs)) {
        std::string file =
            joinPath(setDir, getInputFileStem(input, i) + ".npy");
        if (llvm::Error error =
                writeNormalNpy(file, input.shape, getTensorSeed(seed, set, i)))
          return modelError(spec, llvm::toString(std::move(error)));
      }
    }
    // Sets of an earlier preparation with more samples.
    for (unsigned set = spec.calibrationSamples;; ++set) {
      std::string setDir =
          joinPath(calibrationDir, "set" + std::to_string(set));
      if (!fs::exists(setDir))
        break;
      if (std::error_code ec = fs::remove_directories(setDir))
        return modelError(spec,
                          "cannot remove '" + setDir + "': " + ec.message());
    }
  }

  // The statistics cache and the int8 nn module, each written under a
  // temporary name and renamed.
  CompileOptions options = getBaseOptions(spec);
  options.emitStage = "nn";
  // The layers' ONNX node names are their locations.
  options.printDebugInfo = true;
  std::string statsFile, statsTemp;
  if (!spec.lowerQDQ) {
    statsFile = joinPath(dir, "stats.json");
    statsTemp = getTempName(statsFile);
    options.quant.mode = "int8";
    options.quant.calibrationDir = calibrationDir;
    options.quant.calibrationCache = statsTemp;
  }
  std::string quantized = joinPath(dir, "quantized.mlir");
  std::string quantizedTemp = getTempName(quantized);
  options.outputPath = quantizedTemp;
  {
    std::string log;
    llvm::raw_string_ostream logStream(log);
    std::unique_ptr<MLIRContext> context = makeContext(&logStream);
    if (failed(compile(options, *context))) {
      (void)fs::remove(quantizedTemp);
      if (!statsTemp.empty())
        (void)fs::remove(statsTemp);
      return modelError(spec, "does not quantize:\n" + trimLog(log));
    }
  }
  if (!statsTemp.empty())
    if (llvm::Error error = commitFile(statsTemp, statsFile))
      return modelError(spec, llvm::toString(std::move(error)));
  if (llvm::Error error = commitFile(quantizedTemp, quantized))
    return modelError(spec, llvm::toString(std::move(error)));
  model.quantizedModule = quantized;
  model.statsFile = statsFile;

  // The simulation inputs.
  std::string simDir = joinPath(dir, "sim");
  if (std::error_code ec = fs::create_directories(simDir))
    return modelError(spec, "cannot create '" + simDir + "': " + ec.message());
  llvm::json::Array relativeInputs;
  for (auto [i, input] : llvm::enumerate(*inputs)) {
    std::string relative = "sim/" + getInputFileStem(input, i) + ".npy";
    std::string file = joinPath(dir, relative);
    if (llvm::Error error = writeNormalNpy(
            file, input.shape, getTensorSeed(seed, kSimulationStream, i)))
      return modelError(spec, llvm::toString(std::move(error)));
    model.simulationInputs.push_back(input.name + "=" + file);
    relativeInputs.push_back(input.name + "=" + relative);
  }

  // The record, last: its presence with the digest means done.
  llvm::json::Object record{
      {"format", kPrepareFormat},
      {"version", kPrepareVersion},
      {"digest", digest},
      {"model", spec.path},
      {"quantized", "quantized.mlir"},
      {"stats", spec.lowerQDQ ? "" : "stats.json"},
      {"calibration", drawCalibration ? "calibration" : spec.calibrationDir},
      {"simulation_inputs", std::move(relativeInputs)}};
  std::string recordFile = joinPath(dir, "prepare.json");
  if (llvm::Error error = llvm::writeToOutput(
          recordFile, [&](llvm::raw_ostream &os) -> llvm::Error {
            os << llvm::formatv("{0:2}", llvm::json::Value(std::move(record)))
               << "\n";
            return llvm::Error::success();
          }))
    return modelError(spec, "cannot write '" + recordFile +
                                "': " + llvm::toString(std::move(error)));
  return model;
}

} // namespace

llvm::Expected<PreparedModel>
tessera::explore::prepareModel(const ModelSpec &spec, llvm::StringRef outDir,
                               uint64_t seed) {
  registerAllTargets();
  if (!fs::exists(spec.path))
    return modelError(spec, "no such file");
  if (fs::is_directory(spec.path))
    return modelError(spec, "is a directory, not an ONNX file");
  llvm::Expected<std::string> digest = computePrepareDigest(spec, seed);
  if (!digest)
    return digest.takeError();
  std::string dir = joinPath(joinPath(outDir, "models"), getModelName(spec));
  if (std::optional<PreparedModel> model = readPrepared(spec, dir, *digest))
    return *model;
  if (std::error_code ec = fs::create_directories(dir))
    return modelError(spec, "cannot create '" + dir + "': " + ec.message());

  // One preparation at a time per directory (processes and threads); the
  // others wait and then find its files. Every file is also written under a
  // temporary name and renamed, so a reader never sees half a file.
  std::string lockName = joinPath(dir, "prepare");
  for (;;) {
    llvm::LockFileManager lock(lockName);
    llvm::Expected<bool> owned = lock.tryLock();
    if (!owned) {
      // No lock to be had (a file system without links): prepare anyway.
      llvm::consumeError(owned.takeError());
      return prepareUnlocked(spec, dir, *digest, seed);
    }
    if (*owned) {
      if (std::optional<PreparedModel> model = readPrepared(spec, dir, *digest))
        return *model;
      return prepareUnlocked(spec, dir, *digest, seed);
    }
    switch (lock.waitForUnlockFor(std::chrono::seconds(3600))) {
    case llvm::WaitForUnlockResult::Success:
    case llvm::WaitForUnlockResult::OwnerDied:
      if (std::optional<PreparedModel> model = readPrepared(spec, dir, *digest))
        return *model;
      continue; // the owner failed: try again ourselves
    case llvm::WaitForUnlockResult::Timeout:
      (void)lock.unsafeMaybeUnlock();
      continue;
    }
  }
}

//===----------------------------------------------------------------------===//
// Analytic evaluation
//===----------------------------------------------------------------------===//

namespace {

/// One parsed int8 module, in a context of its own: the module's weights
/// are context-owned resources, freed only with the context.
struct CachedModule {
  std::unique_ptr<MLIRContext> context;
  OwningOpRef<ModuleOp> module; // destroyed before its context
  std::string path;
  fs::UniqueID id;
  llvm::sys::TimePoint<> modified;
  uint64_t size = 0;
};

/// The modules a thread evaluated last, the most recent first: enough for
/// the models of a sweep, each evaluated in turn at every point.
constexpr size_t kCachedModules = 4;

/// The cached module of `file`, parsed again when the file changed.
llvm::Expected<CachedModule *>
getCachedModule(std::vector<std::unique_ptr<CachedModule>> &cache,
                llvm::StringRef file) {
  fs::file_status status;
  if (std::error_code ec = fs::status(file, status))
    return makeError("cannot open '" + file + "': " + ec.message());
  auto it = llvm::find_if(cache, [&](const std::unique_ptr<CachedModule> &m) {
    return m->path == file;
  });
  if (it != cache.end()) {
    std::unique_ptr<CachedModule> entry = std::move(*it);
    cache.erase(it);
    if (entry->id == status.getUniqueID() &&
        entry->modified == status.getLastModificationTime() &&
        entry->size == status.getSize()) {
      cache.insert(cache.begin(), std::move(entry));
      return cache.front().get();
    }
  }
  auto entry = std::make_unique<CachedModule>();
  entry->context = makeContext(nullptr);
  std::string log;
  {
    ScopedDiagnosticHandler handler(entry->context.get(), [&](Diagnostic &d) {
      log += d.str() + "\n";
      return success();
    });
    entry->module = parseSourceFile<ModuleOp>(file, entry->context.get());
  }
  if (!entry->module)
    return makeError("cannot parse '" + file + "': " + trimLog(log));
  entry->path = file.str();
  entry->id = status.getUniqueID();
  entry->modified = status.getLastModificationTime();
  entry->size = status.getSize();
  cache.insert(cache.begin(), std::move(entry));
  if (cache.size() > kCachedModules)
    cache.pop_back();
  return cache.front().get();
}

/// Latency, utilization and the totals of `result` from its layers and
/// NPU cycles.
void finishTotals(ModelResult &result, const npu::HardwareDesc &hw) {
  result.latencyMicroseconds = double(result.npuCycles) / hw.clockMHz +
                               result.hostMicroseconds +
                               result.transferMicroseconds;
  double peak = double(result.npuCycles) * double(hw.peakMacsPerCycle());
  result.utilization = peak > 0 ? double(result.npuMacs) / peak : 0;
}

} // namespace

llvm::Expected<ModelResult>
tessera::explore::evaluateAnalytic(const PreparedModel &model,
                                   const npu::HardwareDesc &hw) {
  // A context and module per thread and model, parsed once; every
  // evaluation places a clone.
  thread_local std::vector<std::unique_ptr<CachedModule>> cache;
  llvm::Expected<CachedModule *> cached =
      getCachedModule(cache, model.quantizedModule);
  if (!cached)
    return modelError(model.spec, llvm::toString(cached.takeError()));
  MLIRContext *context = (*cached)->context.get();
  OwningOpRef<ModuleOp> module = (*cached)->module->clone();

  npu::PlacementOptions options;
  options.hostGmacs = kHostGmacs;
  options.hostGbps = kHostGbps;
  std::string log;
  FailureOr<npu::Placement> placement = [&] {
    ScopedDiagnosticHandler handler(context, [&](Diagnostic &d) {
      log += d.str() + "\n";
      return success();
    });
    return npu::placeModule(*module, hw, options);
  }();
  if (failed(placement))
    return modelError(model.spec, "placement for '" + hw.name +
                                      "' failed: " + trimLog(log));

  ModelResult result;
  result.model = getModelName(model.spec);
  for (const npu::PlacementRow &row : placement->rows) {
    if (!row.isLayer())
      continue;
    LayerResult layer;
    layer.name = row.node;
    layer.kind = row.kind;
    layer.place = row.npu ? "npu" : "host";
    layer.macs = row.macs;
    result.macs += row.macs;
    if (row.npu) {
      layer.tiling = row.tiling;
      layer.bound = npu::getBoundName(row.cost.bound).str();
      layer.predictedCycles = row.cost.cycles;
      layer.dramBytes = row.cost.dramRead + row.cost.dramWritten;
      layer.energyPJ = row.cost.energy.total();
      ++result.npuLayers;
      result.npuCycles += row.cost.cycles;
      result.npuMacs += row.macs;
      result.dramBytes += layer.dramBytes;
      result.energy += row.cost.energy;
    } else {
      layer.reason = row.reason;
      layer.hostMicroseconds = row.hostMicroseconds;
      ++result.hostLayers;
      result.hostMicroseconds += row.hostMicroseconds;
    }
    result.layers.push_back(std::move(layer));
  }
  uint64_t boundaryBytes = 0;
  for (const npu::PlacementSegment &segment : placement->segments)
    boundaryBytes += segment.inputBytes + segment.outputBytes;
  result.segments = placement->segments.size();
  result.transferMicroseconds = double(boundaryBytes) / (kHostGbps * 1e3);
  result.predictedNPUCycles = result.npuCycles;
  finishTotals(result, hw);
  return result;
}

//===----------------------------------------------------------------------===//
// Simulated evaluation
//===----------------------------------------------------------------------===//

namespace {

/// Removes a directory tree when it goes out of scope.
struct DirectoryRemover {
  std::string dir;
  ~DirectoryRemover() {
    if (!dir.empty())
      (void)fs::remove_directories(dir);
  }
};

std::optional<uint64_t> getUnsigned(const llvm::json::Object &object,
                                    llvm::StringRef key) {
  std::optional<int64_t> value = object.getInteger(key);
  if (!value || *value < 0)
    return std::nullopt;
  return uint64_t(*value);
}

std::optional<sim::Energy> getEnergy(const llvm::json::Object &object) {
  const llvm::json::Object *energy = object.getObject("energy_pj");
  if (!energy)
    return std::nullopt;
  sim::Energy e;
  std::pair<llvm::StringRef, double *> fields[] = {
      {"array", &e.array},
      {"scratchpad", &e.scratchpad},
      {"accumulator", &e.accumulator},
      {"dram", &e.dram},
      {"vector", &e.vector},
      {"leakage", &e.leakage}};
  for (auto [key, field] : fields) {
    std::optional<double> value = energy->getNumber(key);
    if (!value)
      return std::nullopt;
    *field = *value;
  }
  return e;
}

/// Overlays the simulation's NPU report on the analytic `result`.
llvm::Error applyReport(const llvm::json::Value &report, ModelResult &result,
                        const npu::HardwareDesc &hw,
                        const std::string &reportFile) {
  auto malformed = [&](const llvm::Twine &what) {
    return makeError("NPU report '" + reportFile + "': " + what);
  };
  const llvm::json::Object *root = report.getAsObject();
  const llvm::json::Object *total = root ? root->getObject("total") : nullptr;
  const llvm::json::Array *layers = root ? root->getArray("layers") : nullptr;
  if (!total || !layers)
    return malformed("no \"total\" or \"layers\"");
  std::optional<uint64_t> cycles = getUnsigned(*total, "cycles");
  std::optional<uint64_t> dram = getUnsigned(*total, "dram_bytes");
  std::optional<sim::Energy> energy = getEnergy(*total);
  if (!cycles || !dram || !energy)
    return malformed("the total has no cycles, dram_bytes or energy_pj");

  SmallVector<LayerResult *> npuLayers;
  for (LayerResult &layer : result.layers)
    if (layer.place == "npu")
      npuLayers.push_back(&layer);
  if (npuLayers.size() != layers->size())
    return makeError("the artifact runs " + llvm::Twine(layers->size()) +
                     " NPU layers, the analytic placement " +
                     llvm::Twine(npuLayers.size()));
  result.worstLayerError = 0;
  result.worstLayer.clear();
  for (auto [layer, value] : llvm::zip(npuLayers, *layers)) {
    const llvm::json::Object *object = value.getAsObject();
    if (!object)
      return malformed("a layer is not an object");
    std::optional<llvm::StringRef> name = object->getString("name");
    std::optional<uint64_t> layerCycles = getUnsigned(*object, "cycles");
    std::optional<uint64_t> layerDram = getUnsigned(*object, "dram_bytes");
    std::optional<sim::Energy> layerEnergy = getEnergy(*object);
    if (!name || !layerCycles || !layerDram || !layerEnergy)
      return malformed("a layer has no name, cycles, dram_bytes or energy_pj");
    if (*name != layer->name)
      return makeError("the artifact's NPU layer '" + *name +
                       "' is not the analytic placement's '" + layer->name +
                       "'");
    layer->simulatedCycles = *layerCycles;
    layer->dramBytes = *layerDram;
    layer->energyPJ = layerEnergy->total();
    if (layer->predictedCycles > 0) {
      double error = std::fabs(
          double(*layerCycles) / double(layer->predictedCycles) - 1.0);
      if (result.worstLayer.empty() || error > result.worstLayerError) {
        result.worstLayerError = error;
        result.worstLayer = layer->name;
      }
    }
  }
  result.simulated = true;
  result.npuCycles = *cycles;
  result.dramBytes = *dram;
  result.energy = *energy;
  result.agreement =
      result.predictedNPUCycles > 0
          ? double(*cycles) / double(result.predictedNPUCycles) - 1.0
          : 0;
  finishTotals(result, hw);
  return llvm::Error::success();
}

} // namespace

llvm::Expected<ModelResult>
tessera::explore::evaluateSimulated(const PreparedModel &model,
                                    const npu::HardwareDesc &hw,
                                    llvm::StringRef workDir) {
  registerAllTargets();
  // The placement the artifact will have, with the predictions.
  llvm::Expected<ModelResult> result = evaluateAnalytic(model, hw);
  if (!result)
    return result.takeError();

  llvm::SmallString<256> work(workDir);
  if (std::error_code ec = fs::make_absolute(work))
    return modelError(model.spec,
                      "cannot find '" + workDir + "': " + ec.message());
  if (std::error_code ec = fs::create_directories(work))
    return modelError(model.spec,
                      "cannot create '" + workDir + "': " + ec.message());
  // createUniqueDirectory puts a relative prefix in the system's temporary
  // directory: the prefix is absolute.
  llvm::SmallString<256> dir;
  if (std::error_code ec = fs::createUniqueDirectory(
          joinPath(work, getModelName(model.spec) + "-sim"), dir))
    return modelError(model.spec, "cannot create a directory under '" +
                                      workDir + "': " + ec.message());
  DirectoryRemover remover{dir.str().str()};

  std::string hwFile = joinPath(dir, "hardware.yaml");
  if (llvm::Error error = llvm::writeToOutput(
          hwFile, [&](llvm::raw_ostream &os) -> llvm::Error {
            os << npu::printHardwareDesc(hw);
            return llvm::Error::success();
          }))
    return modelError(model.spec, "cannot write '" + hwFile +
                                      "': " + llvm::toString(std::move(error)));

  CompileOptions options = getBaseOptions(model.spec);
  options.target = "npu";
  options.hardware = hwFile;
  options.outputPath = joinPath(dir, "artifact");
  if (!model.spec.lowerQDQ) {
    options.quant.mode = "int8";
    options.quant.calibrationCache = model.statsFile;
  }
  {
    std::string log;
    llvm::raw_string_ostream logStream(log);
    std::unique_ptr<MLIRContext> context = makeContext(&logStream);
    if (failed(compile(options, *context)))
      return modelError(model.spec, "does not compile for '" + hw.name +
                                        "':\n" + trimLog(log));
  }

  runtime::RunOptions run;
  run.artifactDir = options.outputPath;
  run.inputs = model.simulationInputs;
  run.npuReportJSON = joinPath(dir, "npu-report.json");
  std::string out, err;
  llvm::raw_string_ostream outStream(out), errStream(err);
  if (runtime::runArtifact(run, outStream, errStream) != runtime::RunStatus::Ok)
    return modelError(model.spec, "the simulated run on '" + hw.name +
                                      "' failed:\n" + trimLog(out + err));

  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buffer =
      llvm::MemoryBuffer::getFile(run.npuReportJSON);
  if (!buffer)
    return modelError(model.spec, "the simulated run wrote no NPU report: " +
                                      buffer.getError().message());
  llvm::Expected<llvm::json::Value> report =
      llvm::json::parse((*buffer)->getBuffer());
  if (!report)
    return modelError(model.spec, "NPU report '" + run.npuReportJSON + "': " +
                                      llvm::toString(report.takeError()));
  if (llvm::Error error = applyReport(*report, *result, hw, run.npuReportJSON))
    return modelError(model.spec, llvm::toString(std::move(error)));
  return result;
}
