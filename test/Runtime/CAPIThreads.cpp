//===- CAPIThreads.cpp - concurrent runs of one loaded model --------------===//
//
// Part of Tessera. tessera-capi-threads DIR THREADS RUNS: loads the artifact
// DIR twice (two models of one library path), runs every (thread, run) input
// once on one thread on the second model for the reference, then THREADS
// threads each run their RUNS inputs at once on the first model (odd threads
// also on the second), half into runtime-allocated outputs, half into their
// own buffers; every output must equal the reference bit for bit.
// c-api-threads.test runs it built against libtessera_runtime.so, and
// c-api-tsan.test built with ThreadSanitizer together with the runtime's
// sources (tessera-capi-threads-tsan).
//
//===----------------------------------------------------------------------===//

#include "tessera/tessera_runtime.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

using Bytes = std::vector<unsigned char>;

struct Model {
  tessera_model *model = nullptr;
  std::vector<tessera_tensor_info> inputs, outputs;
};

bool load(const char *dir, Model &m) {
  if (tessera_model_load(dir, &m.model) != TESSERA_OK) {
    std::fprintf(stderr, "error: %s\n", tessera_last_error());
    return false;
  }
  m.inputs.resize(tessera_model_num_inputs(m.model));
  m.outputs.resize(tessera_model_num_outputs(m.model));
  for (size_t i = 0; i < m.inputs.size(); ++i)
    tessera_model_input_info(m.model, i, &m.inputs[i]);
  for (size_t i = 0; i < m.outputs.size(); ++i)
    tessera_model_output_info(m.model, i, &m.outputs[i]);
  return true;
}

/// The inputs of (thread, run): floats in [-1, 1), other dtypes any bytes.
std::vector<Bytes> makeInputs(const Model &m, unsigned seed) {
  uint32_t state = seed * 2654435761u + 12345u;
  auto next = [&] {
    state = state * 1664525u + 1013904223u;
    return state >> 8;
  };
  std::vector<Bytes> inputs;
  for (const tessera_tensor_info &info : m.inputs) {
    Bytes bytes(info.byte_size);
    if (info.dtype == TESSERA_DTYPE_FLOAT32) {
      for (size_t i = 0; i + 4 <= bytes.size(); i += 4) {
        float v = float(next() % 2000) / 1000.0f - 1.0f;
        std::memcpy(&bytes[i], &v, 4);
      }
    } else {
      for (unsigned char &b : bytes)
        b = (unsigned char)next();
    }
    inputs.push_back(std::move(bytes));
  }
  return inputs;
}

/// Runs `m` on `inputs`; the outputs' bytes, or false with the message.
bool run(const Model &m, std::vector<Bytes> &inputs, bool ownBuffers,
         std::vector<Bytes> &results) {
  std::vector<tessera_tensor> in(m.inputs.size()), out(m.outputs.size());
  for (size_t i = 0; i < in.size(); ++i)
    in[i] = {m.inputs[i].dtype, m.inputs[i].rank, m.inputs[i].shape,
             inputs[i].data(), inputs[i].size()};
  results.assign(m.outputs.size(), Bytes());
  for (size_t i = 0; ownBuffers && i < out.size(); ++i) {
    results[i].resize(m.outputs[i].byte_size);
    out[i] = {m.outputs[i].dtype, m.outputs[i].rank, m.outputs[i].shape,
              results[i].data(), results[i].size()};
  }
  if (tessera_model_run(m.model, in.data(), in.size(), out.data(),
                        out.size()) != TESSERA_OK) {
    std::fprintf(stderr, "error: %s\n", tessera_last_error());
    return false;
  }
  if (!ownBuffers)
    for (size_t i = 0; i < out.size(); ++i) {
      auto *data = static_cast<unsigned char *>(out[i].data);
      results[i].assign(data, data + out[i].byte_size);
      tessera_free(out[i].data);
    }
  return true;
}

} // namespace

int main(int argc, char **argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: tessera-capi-threads DIR THREADS RUNS\n");
    return 2;
  }
  const char *dir = argv[1];
  int threads = std::atoi(argv[2]), runs = std::atoi(argv[3]);
  if (threads <= 0 || runs <= 0) {
    std::fprintf(stderr, "error: THREADS and RUNS must be positive\n");
    return 2;
  }
  Model first, second;
  if (!load(dir, first) || !load(dir, second))
    return 1;
  // The single-threaded reference, on the second model: the threads' first
  // runs on the first are its first ones (an npu device decodes its programs
  // then).
  std::vector<std::vector<Bytes>> inputs(threads * runs),
      expected(threads * runs);
  for (int i = 0; i < threads * runs; ++i) {
    inputs[i] = makeInputs(first, unsigned(i));
    if (!run(second, inputs[i], false, expected[i]))
      return 1;
  }
  std::atomic<int> failures{0}, mismatches{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      for (int r = 0; r < runs; ++r) {
        int i = t * runs + r;
        std::vector<Bytes> got;
        for (const Model *m : {&first, &second}) {
          if (m == &second && t % 2 == 0)
            continue;
          std::vector<Bytes> in = inputs[i];
          if (!run(*m, in, r % 2 == 1, got))
            ++failures;
          else if (got != expected[i])
            ++mismatches;
        }
      }
    });
  for (std::thread &thread : pool)
    thread.join();
  std::string target = tessera_model_target(first.model);
  tessera_model_free(first.model);
  tessera_model_free(second.model);
  if (failures || mismatches) {
    std::fprintf(stderr,
                 "error: %d failed runs, %d runs whose outputs differ from "
                 "the single-threaded run\n",
                 failures.load(), mismatches.load());
    return 1;
  }
  std::printf("ok: %s artifact, %d threads x %d runs: outputs equal the "
              "single-threaded runs\n",
              target.c_str(), threads, runs);
  return 0;
}
