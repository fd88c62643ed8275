//===- tessera-run.cpp - run a Tessera artifact ---------------------------===//
//
// Part of Tessera.
//
//   tessera-run DIR --input name=FILE ... [--expect name=FILE ...]
//               [--relTol R --absTol A] [--output-dir OUT]
//
// FILE is .npy or an ONNX TensorProto (.pb). A bare `--input FILE.pb` binds
// by the tensor's own name; `#k=FILE` binds by position. Prints the max
// abs/rel error per compared output; exit 0 ok, 1 mismatch or error, 2 bad
// command line.
//
//===----------------------------------------------------------------------===//

#include "tessera/Runtime/Runtime.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/WithColor.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>

using namespace llvm;
using namespace tessera::runtime;

static cl::OptionCategory category("tessera-run options");
static cl::opt<std::string> artifactDir(cl::Positional,
                                        cl::desc("<artifact dir>"),
                                        cl::Required, cl::cat(category));
static cl::list<std::string>
    inputArgs("input", cl::desc("name=FILE, #k=FILE or FILE.pb"),
              cl::cat(category));
static cl::list<std::string>
    expectArgs("expect", cl::desc("name=FILE, #k=FILE or FILE.pb"),
               cl::cat(category));
static cl::opt<double> relTol("rtol", cl::desc("Relative tolerance"),
                              cl::init(1e-3), cl::cat(category));
static cl::opt<double> absTol("atol", cl::desc("Absolute tolerance"),
                              cl::init(1e-5), cl::cat(category));
static cl::opt<std::string> outputDir("output-dir",
                                      cl::desc("Write outputs as .npy here"),
                                      cl::init(""), cl::cat(category));
static cl::opt<bool>
    randomInputs("random-inputs",
                 cl::desc("Fill inputs not given with uniform [-1, 1) values"),
                 cl::init(false), cl::cat(category));
static cl::opt<unsigned> benchmark(
    "benchmark",
    cl::desc("Also time N runs (after 2 warm-up runs) and print the median"),
    cl::init(0), cl::cat(category));

static int error(const Twine &message, int code = 1) {
  WithColor::error(errs(), "tessera-run") << message << "\n";
  return code;
}

/// Binds `args` to positions of `specs`; returns false after reporting.
static bool bindTensors(ArrayRef<std::string> args, ArrayRef<TensorSpec> specs,
                        StringRef what,
                        std::vector<std::optional<HostTensor>> &bound) {
  bound.assign(specs.size(), std::nullopt);
  for (const std::string &arg : args) {
    StringRef a(arg), key, file;
    if (a.contains('=')) {
      std::tie(key, file) = a.split('=');
    } else {
      file = a;
    }
    Expected<HostTensor> tensor = readTensorFile(file);
    if (!tensor) {
      error(toString(tensor.takeError()));
      return false;
    }
    if (key.empty())
      key = tensor->name;
    int64_t index = -1;
    if (key.starts_with("#")) {
      if (key.drop_front().getAsInteger(10, index) || index < 0 ||
          index >= (int64_t)specs.size()) {
        error("--" + what + " " + a + ": no " + what + " #" + key.drop_front() +
                  " (the model has " + Twine(specs.size()) + ")",
              2);
        return false;
      }
    } else {
      for (auto [i, spec] : llvm::enumerate(specs))
        if (spec.name == key)
          index = i;
      if (index < 0) {
        std::string names;
        for (const TensorSpec &s : specs)
          names += (names.empty() ? "" : ", ") + s.name;
        error("--" + what + " " + a + ": the model has no " + what +
                  " named '" + key + "' (" + what + "s: " + names + ")",
              2);
        return false;
      }
    }
    // numpy has no bfloat16: a uint16 tensor binds to a bfloat16 one as its
    // bit patterns (what --output-dir writes, and how the ONNX test data
    // stores bfloat16).
    if (specs[index].dtype == "bfloat16" && tensor->dtype == "uint16")
      tensor->dtype = "bfloat16";
    bound[index] = std::move(*tensor);
  }
  return true;
}

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(category);
  if (!cl::ParseCommandLineOptions(argc, argv, "Run a Tessera artifact\n",
                                   &errs()))
    return 2;
  Expected<Artifact> artifact = Artifact::load(artifactDir);
  if (!artifact)
    return error(toString(artifact.takeError()));

  std::vector<std::optional<HostTensor>> inputs, expected;
  if (!bindTensors(inputArgs, artifact->getInputs(), "input", inputs) ||
      !bindTensors(expectArgs, artifact->getOutputs(), "output", expected))
    return 1;
  SmallVector<const HostTensor *> given;
  std::mt19937 rng(0);
  for (auto [spec, tensor] : llvm::zip(artifact->getInputs(), inputs)) {
    if (!tensor && randomInputs && spec.dtype == "float32") {
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
    given.push_back(&*tensor);
  }
  Expected<std::vector<HostTensor>> outputs = artifact->run(given);
  if (!outputs)
    return error(toString(outputs.takeError()));
  if (benchmark > 0) {
    std::vector<double> times;
    for (unsigned i = 0; i < benchmark + 2; ++i) {
      auto start = std::chrono::steady_clock::now();
      Expected<std::vector<HostTensor>> again = artifact->run(given);
      if (!again)
        return error(toString(again.takeError()));
      if (i >= 2)
        times.push_back(std::chrono::duration<double, std::milli>(
                            std::chrono::steady_clock::now() - start)
                            .count());
    }
    std::sort(times.begin(), times.end());
    outs() << "latency: median " << format("%.3f", times[times.size() / 2])
           << " ms, min " << format("%.3f", times.front()) << " ms over "
           << times.size() << " runs\n";
  }

  if (!outputDir.empty()) {
    if (std::error_code ec = sys::fs::create_directories(outputDir))
      return error(outputDir + ": " + ec.message());
    for (const HostTensor &t : *outputs) {
      SmallString<256> path(outputDir);
      std::string file = t.name;
      for (char &c : file)
        if (!isalnum((unsigned char)c) && c != '_' && c != '-' && c != '.')
          c = '_';
      sys::path::append(path, file + ".npy");
      if (Error err = writeNpy(path, t))
        return error(toString(std::move(err)));
    }
  }

  bool mismatch = false;
  for (auto [i, want] : llvm::enumerate(expected)) {
    if (!want)
      continue;
    const HostTensor &got = (*outputs)[i];
    if (want->shape != got.shape) {
      outs() << got.name << ": shape mismatch\n";
      mismatch = true;
      continue;
    }
    double maxAbs = 0, maxRel = 0;
    int64_t bad = 0;
    for (int64_t k = 0, n = got.numElements(); k < n; ++k) {
      double g = got.getAsDouble(k), w = want->getAsDouble(k);
      if (std::isnan(g) && std::isnan(w))
        continue;
      double diff = std::fabs(g - w);
      if (std::isinf(g) && std::isinf(w) && (g > 0) == (w > 0))
        diff = 0;
      maxAbs = std::max(maxAbs, diff);
      if (w != 0)
        maxRel = std::max(maxRel, diff / std::fabs(w));
      if (!(diff <= absTol + relTol * std::fabs(w)))
        ++bad;
    }
    outs() << got.name << ": max abs error " << format("%.3g", maxAbs)
           << ", max rel error " << format("%.3g", maxRel)
           << (bad ? ", " + std::to_string(bad) +
                         " element(s) out of tolerance: MISMATCH"
                   : std::string(": ok"))
           << "\n";
    mismatch |= bad != 0;
  }
  return mismatch ? 1 : 0;
}
