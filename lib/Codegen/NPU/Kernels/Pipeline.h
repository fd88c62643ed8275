//===- Pipeline.h - the software-pipelined step loop of a layer -*- C++ -*-===//
//
// Part of Tessera. Every NPU kernel is a sequence of steps, each computing
// one output tile: fill an input and/or a weight buffer (load queue),
// compute and write an output buffer (execute queue), store it (store
// queue). This file owns what is common to all kernels: the loop order and
// the double-buffer slots, the dependency tokens that make the overlap safe,
// the program order (the fills of step k+1 before the compute of step k), and
// the cost model's overlapped schedule of the steps.
//
// Tokens: every fill pushes load->execute once and the step that first uses
// it pops once; every step pushes execute->load once when done with its
// buffers, and a fill that overwrites a buffer pops until the last step that
// read it is done; likewise execute->store per step and store->execute
// before an output buffer is overwritten. At the end every token still in a
// channel is consumed and the queues drain (a fence), so layers concatenate.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_LIB_CODEGEN_NPU_KERNELS_PIPELINE_H
#define TESSERA_LIB_CODEGEN_NPU_KERNELS_PIPELINE_H

#include "Emitter.h"

#include "tessera/Codegen/NPU/Layer.h"

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/Support/Parallel.h"

#include <functional>
#include <optional>
#include <vector>

namespace tessera::npu::kernels {

inline int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

inline llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

/// The error of a layer no tiling of which fits: what the smallest tiling
/// violates (`smallest`, its check), or the bare fact when it would fit.
llvm::Error noTilingFits(llvm::StringRef layer, llvm::Error smallest);

/// A layer's code: `emit` writes the instructions into a keeping emitter
/// and the constants image, `price` turns the emitter into the prediction.
LayerCode
emitLayerCode(const HardwareDesc &hw,
              llvm::function_ref<void(Emitter &, std::vector<uint8_t> *)> emit,
              llvm::function_ref<LayerCost(const Emitter &)> price);

/// Every distinct `ceil(extent / n)`: the tile sizes that split `extent`
/// into a different number of tiles.
std::vector<int64_t> getTileSizes(int64_t extent);

/// Checks that a layer's input, output and constants lie within the 4 GiB
/// the DMA addresses.
llvm::Error checkDramRanges(llvm::StringRef layer, const LayerAddresses &at,
                            uint64_t inputBytes, uint64_t outputBytes,
                            uint64_t constantBytes);

/// The candidate with the fewest predicted cycles (ties: fewer DRAM bytes);
/// candidates whose estimate fails are skipped. None when none is left.
/// The candidates are priced in parallel (llvm::parallelFor); the pick is
/// the same as in order.
template <typename Tiling, typename Estimate>
std::optional<std::pair<Tiling, LayerCost>>
pickCheapest(const std::vector<Tiling> &candidates, Estimate estimate) {
  std::vector<std::optional<LayerCost>> costs(candidates.size());
  llvm::parallelFor(0, candidates.size(), [&](size_t i) {
    llvm::Expected<LayerCost> c = estimate(candidates[i]);
    if (c)
      costs[i] = *c;
    else
      llvm::consumeError(c.takeError());
  });
  std::optional<std::pair<Tiling, LayerCost>> best;
  auto bytes = [](const LayerCost &x) { return x.dramRead + x.dramWritten; };
  for (size_t i = 0; i < candidates.size(); ++i) {
    const std::optional<LayerCost> &c = costs[i];
    if (!c)
      continue;
    if (!best || c->cycles < best->second.cycles ||
        (c->cycles == best->second.cycles && bytes(*c) < bytes(best->second)))
      best = std::make_pair(candidates[i], *c);
  }
  return best;
}

/// One output tile: image b, row tile r, channel tile t.
struct Step {
  int64_t b = 0, r = 0, t = 0;
  /// Reduction chunk k of the output tile (r, t): the first one overwrites
  /// the accumulator tile, the last one writes the output.
  int64_t k = 0;
  bool firstChunk = true, lastChunk = true;
  /// The output's index among the steps that write one (-1: none).
  int64_t output = -1;
  bool fillInput = false, fillWeights = false;
  unsigned inSlot = 0, wSlot = 0, outSlot = 0;
  /// The last earlier step whose buffers the fills overwrite (-1: none).
  int64_t loadGuard = -1;
};

struct Schedule {
  std::vector<Step> steps;
  int64_t outputs = 0; ///< steps that write an output
  /// Buffers of each kind: 2 (double buffered) when refilled, else 1.
  unsigned inSlots = 1, wSlots = 1, outSlots = 1;
};

/// The steps of `batch` images x `rowTiles` x `channelTiles` in the given
/// loop order; the input is refilled when (b, r) changes (with
/// `inputPerChannelTile`, also when t does), the weights when t does (with
/// `weightsOnce`, only at the first step).
Schedule makeSchedule(int64_t batch, int64_t rowTiles, int64_t channelTiles,
                      bool weightsOuter, bool inputPerChannelTile = false,
                      bool weightsOnce = false, int64_t chunks = 1);

/// What a kernel emits for each step (tokens are the pipeline's).
struct StepEmitters {
  std::function<void(const Step &)> loadWeights, loadInput;
  /// Everything before the output buffer is written (matmuls, vector ops).
  std::function<void(const Step &)> compute;
  /// The instructions that write the output buffer.
  std::function<void(const Step &)> writeOutput;
  std::function<void(const Step &)> store;
};

/// Emits all steps, software pipelined, with tokens; ends with a fence.
void emitSchedule(const Schedule &schedule, Emitter &e,
                  const StepEmitters &emit);

/// The cost model's schedule: each queue runs its steps in order; a step's
/// fills wait for the step whose buffers they overwrite, its compute for its
/// fills and for the store `outSlots` steps back, its store for its compute.
/// Fills the timing, instruction, DRAM, energy and bound fields of the cost.
LayerCost priceSchedule(const Schedule &schedule, const Emitter &e,
                        const HardwareDesc &hw);

} // namespace tessera::npu::kernels

#endif // TESSERA_LIB_CODEGEN_NPU_KERNELS_PIPELINE_H
