//===- Run.cpp - the run entry point --------------------------------------===//
//
// Part of Tessera.
//
//===----------------------------------------------------------------------===//

#include "tessera/Runtime/Run.h"
#include "tessera/Runtime/NPUDevice.h"
#include "tessera/Runtime/NPUReport.h"
#include "tessera/Runtime/Runtime.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/WithColor.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <optional>
#include <random>

using namespace llvm;

namespace tessera::runtime {

namespace {
/// One run's state: the options and the streams it reports to.
class Runner {
public:
  Runner(const RunOptions &options, raw_ostream &out, raw_ostream &err)
      : options(options), out(out), err(err) {}
  RunStatus run();

private:
  RunStatus error(const Twine &message, RunStatus status = RunStatus::Failed) {
    WithColor::error(err, "tessera-run") << message << "\n";
    return status;
  }
  std::optional<RunStatus>
  bindTensors(ArrayRef<std::string> args, ArrayRef<TensorSpec> specs,
              StringRef what, std::vector<std::optional<HostTensor>> &bound);
  std::optional<RunStatus>
  completeInputs(const Artifact &artifact,
                 std::vector<std::optional<HostTensor>> &inputs);
  std::optional<RunStatus> benchmark(const Artifact &artifact,
                                     ArrayRef<const HostTensor *> given);
  std::optional<RunStatus> writeOutputs(ArrayRef<HostTensor> outputs);
  std::optional<RunStatus> writeNPUReports(const NPUDevice &device);
  std::optional<RunStatus> printGPUProfile(const Artifact &artifact);
  bool compare(const HostTensor &got, const HostTensor &want);

  const RunOptions &options;
  raw_ostream &out, &err;
};
} // namespace

/// Binds `args` to positions of `specs`; a status after reporting a problem.
std::optional<RunStatus>
Runner::bindTensors(ArrayRef<std::string> args, ArrayRef<TensorSpec> specs,
                    StringRef what,
                    std::vector<std::optional<HostTensor>> &bound) {
  bound.assign(specs.size(), std::nullopt);
  for (const std::string &arg : args) {
    StringRef a(arg), key, file;
    if (a.contains('='))
      std::tie(key, file) = a.split('=');
    else
      file = a;
    Expected<HostTensor> tensor = readTensorFile(file);
    if (!tensor)
      return error(toString(tensor.takeError()));
    if (key.empty())
      key = tensor->name;
    int64_t index = -1;
    if (key.starts_with("#")) {
      if (key.drop_front().getAsInteger(10, index) || index < 0 ||
          index >= (int64_t)specs.size())
        return error("--" + what + " " + a + ": no " + what + " #" +
                         key.drop_front() + " (the model has " +
                         Twine(specs.size()) + ")",
                     RunStatus::BadOptions);
    } else {
      for (auto [i, spec] : llvm::enumerate(specs))
        if (spec.name == key)
          index = i;
      if (index < 0) {
        std::string names;
        for (const TensorSpec &s : specs)
          names += (names.empty() ? "" : ", ") + s.name;
        return error("--" + what + " " + a + ": the model has no " + what +
                         " named '" + key + "' (" + what + "s: " + names + ")",
                     RunStatus::BadOptions);
      }
    }
    // numpy has no bfloat16: a uint16 tensor binds to a bfloat16 one as its
    // bit patterns (what --output-dir writes, and how the ONNX test data
    // stores bfloat16).
    if (specs[index].dtype == "bfloat16" && tensor->dtype == "uint16")
      tensor->dtype = "bfloat16";
    // A tensor that does not match the model is refused here, naming its
    // file, before anything is allocated for the run.
    const TensorSpec &spec = specs[index];
    if (tensor->dtype != spec.dtype ||
        ArrayRef<int64_t>(tensor->shape) != ArrayRef<int64_t>(spec.shape))
      return error(what + " '" + spec.name + "' is " + tensor->dtype + " " +
                   shapeString(tensor->shape) + ", but the model expects " +
                   spec.dtype + " " + shapeString(spec.shape) + " (" + file +
                   ")");
    bound[index] = std::move(*tensor);
  }
  return std::nullopt;
}

/// Fills the inputs not given with random values where asked to.
std::optional<RunStatus>
Runner::completeInputs(const Artifact &artifact,
                       std::vector<std::optional<HostTensor>> &inputs) {
  std::mt19937 rng(0);
  for (auto [spec, tensor] : llvm::zip(artifact.getInputs(), inputs)) {
    if (!tensor && options.randomInputs && spec.dtype == "float32") {
      HostTensor t;
      t.name = spec.name;
      t.dtype = spec.dtype;
      t.shape = spec.shape;
      std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
      std::vector<float> values(t.numElements());
      for (float &v : values)
        v = dist(rng);
      t.data.assign(reinterpret_cast<char *>(values.data()),
                    reinterpret_cast<char *>(values.data() + values.size()));
      tensor = std::move(t);
    }
    if (!tensor)
      return error("missing input '" + spec.name + "'; pass --input " +
                   spec.name + "=FILE");
  }
  return std::nullopt;
}

std::optional<RunStatus> Runner::benchmark(const Artifact &artifact,
                                           ArrayRef<const HostTensor *> given) {
  std::vector<double> times;
  for (unsigned i = 0; i < options.benchmarkRuns + 2; ++i) {
    auto start = std::chrono::steady_clock::now();
    Expected<std::vector<HostTensor>> again = artifact.run(given);
    if (!again)
      return error(toString(again.takeError()));
    if (i >= 2)
      times.push_back(std::chrono::duration<double, std::milli>(
                          std::chrono::steady_clock::now() - start)
                          .count());
  }
  std::sort(times.begin(), times.end());
  out << "latency: median " << format("%.3f", times[times.size() / 2])
      << " ms, min " << format("%.3f", times.front()) << " ms over "
      << times.size() << " runs\n";
  return std::nullopt;
}

std::optional<RunStatus> Runner::writeOutputs(ArrayRef<HostTensor> outputs) {
  if (std::error_code ec = sys::fs::create_directories(options.outputDir))
    return error(options.outputDir + ": " + ec.message());
  for (const HostTensor &t : outputs) {
    SmallString<256> path(options.outputDir);
    std::string file = t.name;
    for (char &c : file)
      if (!isalnum((unsigned char)c) && c != '_' && c != '-' && c != '.')
        c = '_';
    sys::path::append(path, file + ".npy");
    if (Error e = writeNpy(path, t))
      return error(toString(std::move(e)));
  }
  return std::nullopt;
}

/// Writes what `write` prints to `path` ('-' for `out`).
static Error writeReportFile(StringRef path, raw_ostream &out,
                             function_ref<void(raw_ostream &)> write) {
  if (path == "-") {
    write(out);
    return Error::success();
  }
  std::error_code ec;
  ToolOutputFile file(path, ec, sys::fs::OF_Text);
  if (ec)
    return createStringError(ec, path + ": " + ec.message());
  write(file.os());
  file.keep();
  return Error::success();
}

std::optional<RunStatus> Runner::writeNPUReports(const NPUDevice &device) {
  if (options.npuReport)
    printNPUReportTable(device, out);
  std::pair<const std::string *, std::function<void(raw_ostream &)>> files[] = {
      {&options.npuReportJSON,
       [&](raw_ostream &os) {
         os << formatv("{0:2}", npuReportToJSON(device)) << "\n";
       }},
      {&options.npuReportCSV,
       [&](raw_ostream &os) { printNPUReportCSV(device, os); }},
      {&options.npuTrace, [&](raw_ostream &os) { printNPUTrace(device, os); }}};
  for (auto &[path, write] : files)
    if (!path->empty())
      if (Error e = writeReportFile(*path, out, write))
        return error(toString(std::move(e)));
  return std::nullopt;
}

/// The per-kernel times of the runs, from the CUDA runtime's JSON.
std::optional<RunStatus> Runner::printGPUProfile(const Artifact &artifact) {
  std::string text = artifact.getGPUProfileJSON();
  Expected<json::Value> parsed = json::parse(text);
  const json::Array *kernels = parsed ? parsed->getAsArray() : nullptr;
  if (!kernels) {
    if (!parsed)
      consumeError(parsed.takeError());
    return error("the GPU profile is not a JSON array: " + text);
  }
  size_t width = 6;
  for (const json::Value &k : *kernels)
    if (const json::Object *o = k.getAsObject())
      width = std::max(width, o->getString("kernel").value_or("").size());
  out << "gpu profile (" << kernels->size() << " kernel"
      << (kernels->size() == 1 ? "" : "s") << "):\n";
  out << "  " << left_justify("kernel", width) << "  launches  total ms"
      << "   mean ms    min ms    max ms\n";
  for (const json::Value &k : *kernels) {
    const json::Object *o = k.getAsObject();
    if (!o)
      continue;
    auto number = [&](StringRef key) { return o->getNumber(key).value_or(0); };
    out << "  " << left_justify(o->getString("kernel").value_or(""), width)
        << format("  %8lld  %8.3f  %8.3f  %8.3f  %8.3f\n",
                  (long long)o->getInteger("launches").value_or(0),
                  number("total_ms"), number("mean_ms"), number("min_ms"),
                  number("max_ms"));
  }
  return std::nullopt;
}

/// Prints the errors of one output; true when it is within tolerance.
bool Runner::compare(const HostTensor &got, const HostTensor &want) {
  if (want.shape != got.shape) {
    out << got.name << ": shape mismatch\n";
    return false;
  }
  double maxAbs = 0, maxRel = 0;
  int64_t bad = 0;
  for (int64_t k = 0, n = got.numElements(); k < n; ++k) {
    double g = got.getAsDouble(k), w = want.getAsDouble(k);
    if (std::isnan(g) && std::isnan(w))
      continue;
    double diff = std::fabs(g - w);
    if (std::isinf(g) && std::isinf(w) && (g > 0) == (w > 0))
      diff = 0;
    maxAbs = std::max(maxAbs, diff);
    if (w != 0)
      maxRel = std::max(maxRel, diff / std::fabs(w));
    if (!(diff <= options.absTol + options.relTol * std::fabs(w)))
      ++bad;
  }
  out << got.name << ": max abs error " << format("%.3g", maxAbs)
      << ", max rel error " << format("%.3g", maxRel)
      << (bad ? ", " + std::to_string(bad) +
                    " element(s) out of tolerance: MISMATCH"
              : std::string(": ok"))
      << "\n";
  return bad == 0;
}

RunStatus Runner::run() {
  Expected<Artifact> artifact = Artifact::load(options.artifactDir);
  if (!artifact)
    return error(toString(artifact.takeError()));
  std::vector<std::optional<HostTensor>> inputs, expected;
  if (std::optional<RunStatus> status =
          bindTensors(options.inputs, artifact->getInputs(), "input", inputs))
    return *status;
  if (std::optional<RunStatus> status = bindTensors(
          options.expects, artifact->getOutputs(), "output", expected))
    return *status;
  if (std::optional<RunStatus> status = completeInputs(*artifact, inputs))
    return *status;
  SmallVector<const HostTensor *> given;
  for (std::optional<HostTensor> &tensor : inputs)
    given.push_back(&*tensor);

  NPUDevice *npu = artifact->getNPUDevice();
  bool wantsNPUReports = options.npuReport || !options.npuReportJSON.empty() ||
                         !options.npuReportCSV.empty() ||
                         !options.npuTrace.empty();
  if (wantsNPUReports && !npu)
    return error("the NPU reports need an artifact of tessera-compile "
                 "--target=npu",
                 RunStatus::BadOptions);
  if (options.gpuProfile && !artifact->isGPU())
    return error("--gpu-profile needs an artifact of tessera-compile "
                 "--target=gpu",
                 RunStatus::BadOptions);
  // The reports cover the first run (not the benchmark's); the GPU profile
  // every run.
  if (npu)
    npu->setRecording(true, !options.npuTrace.empty());
  if (options.gpuProfile)
    artifact->setGPUProfiling(true);
  Expected<std::vector<HostTensor>> outputs = artifact->run(given);
  if (npu)
    npu->setRecording(false);
  if (!outputs)
    return error(toString(outputs.takeError()));
  if (npu && wantsNPUReports)
    if (std::optional<RunStatus> status = writeNPUReports(*npu))
      return *status;
  if (options.benchmarkRuns > 0)
    if (std::optional<RunStatus> status = benchmark(*artifact, given))
      return *status;
  if (options.gpuProfile)
    if (std::optional<RunStatus> status = printGPUProfile(*artifact))
      return *status;
  if (!options.outputDir.empty())
    if (std::optional<RunStatus> status = writeOutputs(*outputs))
      return *status;
  bool ok = true;
  for (auto [i, want] : llvm::enumerate(expected))
    if (want)
      ok &= compare((*outputs)[i], *want);
  return ok ? RunStatus::Ok : RunStatus::Failed;
}

RunStatus runArtifact(const RunOptions &options, raw_ostream &out,
                      raw_ostream &err) {
  return Runner(options, out, err).run();
}

} // namespace tessera::runtime
