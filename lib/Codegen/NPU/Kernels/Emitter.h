//===- Emitter.h - instruction streams with tokens and step costs -*- C++ -*-//
//
// Part of Tessera. The one place the NPU kernels write instructions through:
// it keeps the configuration registers (a config instruction is emitted only
// when a value changes), places dependency tokens (pops on the next
// instruction of a queue, pushes on the last one, a carrier config when an
// instruction already has that flag), splits instructions at the ISA's field
// limits, and prices every instruction with the simulator's rules
// (sim::getInstCycles, sim::getInstActions) per pipeline step, which is what
// the cost model adds up. In counting mode nothing is stored.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_LIB_CODEGEN_NPU_KERNELS_EMITTER_H
#define TESSERA_LIB_CODEGEN_NPU_KERNELS_EMITTER_H

#include "tessera/NPU/Hardware.h"
#include "tessera/NPU/ISA.h"
#include "tessera/Sim/CostModel.h"

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace tessera::npu::kernels {

/// The four token channels between adjacent queues.
enum class Channel : uint8_t {
  LoadToExec,  ///< load push_next -> execute pop_prev (data ready)
  ExecToLoad,  ///< execute push_prev -> load pop_next (buffer free)
  ExecToStore, ///< execute push_next -> store pop_prev (results ready)
  StoreToExec, ///< store push_prev -> execute pop_next (buffer free)
};

/// The busy cycles and instructions of the three queues in one pipeline
/// step.
struct StepCycles {
  uint64_t load = 0, execute = 0, store = 0;
  uint64_t loadInsts = 0, executeInsts = 0, storeInsts = 0;
  /// Of those, configuration instructions (one cycle each).
  uint64_t loadConfigs = 0, storeConfigs = 0;
};

/// A configuration register whose value the emitter does not know.
constexpr int64_t kUnset = INT64_MIN;

class Emitter {
public:
  /// `keep`: store the instructions (otherwise only count and price them).
  Emitter(const HardwareDesc &hw, bool keep);

  /// Charges the following instructions of `queue` to pipeline step `step`.
  void setStep(Queue queue, uint64_t step);

  /// The next instruction of the popping queue pops `channel`.
  void pop(Channel channel);
  /// The last instruction of the pushing queue pushes `channel` (a carrier
  /// instruction is added when it already does, or when there is none).
  void push(Channel channel);

  /// Emits a carrier for every queue with pops not yet attached.
  void flushPops();

  // Load queue.
  /// Copies a rows x cols block (elements of `mem`) with the given strides
  /// and padding (pad only for the scratchpad), split at the field limits.
  void dmaLoad(Mem mem, uint64_t sramAddr, uint64_t dramAddr, int64_t rows,
               int64_t cols, int64_t dramStride, int64_t sramStride,
               int64_t padTop = 0, int64_t padBottom = 0, int64_t padLeft = 0,
               int64_t padRight = 0, int64_t padValue = 0);
  /// Copies `bytes` contiguous bytes (elements of `mem`).
  void linearLoad(Mem mem, uint64_t sramAddr, uint64_t dramAddr,
                  uint64_t bytes);

  // Store queue.
  void dmaStore(Mem mem, uint64_t sramAddr, uint64_t dramAddr, int64_t rows,
                int64_t cols, int64_t dramStride, int64_t sramStride);

  // Execute queue.
  void preload(uint64_t spAddr, int64_t k, int64_t n, int64_t spStride);
  /// Split in chunks of the `m` field's limit. `depthwise`: the array's
  /// depthwise mode (ISA v2), the taps from the last configTaps.
  void matmul(uint64_t spAddr, uint64_t accAddr, int64_t m, int64_t spStride,
              int64_t accStride, bool accumulate, bool depthwise = false);
  /// `bias` and `wide` are the ISA v2 flags (bias needs perChannel).
  void configQuant(int64_t multiplier, int64_t shift, int64_t zeroPoint,
                   int64_t clampLo, int64_t clampHi, bool perChannel,
                   uint64_t paramAddr, bool bias = false, bool wide = false);
  /// The taps of depthwise matmuls (ISA v2), emitted when a value changes.
  void configTaps(int64_t tapCols, int64_t tapStride, int64_t tapRowStride);
  /// `func` over rows x cols, split at the field limits. For VecFunc::Lut,
  /// `src2` is the table's scratchpad address, the same for every part.
  void vec(VecFunc func, uint64_t src, int64_t srcStride, uint64_t src2,
           int64_t src2Stride, Mem dstMem, uint64_t dst, int64_t dstStride,
           int64_t rows, int64_t cols);

  // Control.
  void fence();
  void finish();

  const std::vector<Inst> &getInsts() const { return insts; }
  std::vector<Inst> takeInsts() { return std::move(insts); }
  /// Room for `n` instructions (keep mode), so that storing them does not
  /// copy the ones before.
  void reserve(uint64_t n) { insts.reserve(n); }
  uint64_t getNumInsts() const { return numInsts; }
  /// Busy cycles per step (index = step).
  const std::vector<StepCycles> &getSteps() const { return steps; }
  const sim::InstActions &getActions() const { return actions; }
  /// Busy cycles of each queue over everything emitted.
  StepCycles getTotals() const;

  /// Counting mode only: a run of execute-queue instructions that depends on
  /// nothing but `key` and the emitter's execute-side state (vector strides,
  /// the array's state, the preloaded block) is priced once and replayed.
  /// `emitRun` is called when the run is not in the cache; in keep mode it
  /// is always called.
  void executeRun(const std::string &key, const std::function<void()> &emitRun);

private:
  /// The execute-side state a cached run starts from and ends with.
  struct ExecState {
    int64_t src, src2, dst;
    bool streaming;
    uint64_t lastMatmulRows;
    unsigned weightsK, weightsN;
    bool operator<(const ExecState &o) const;
  };
  ExecState getExecState() const;
  void setExecState(const ExecState &state);
  struct CachedRun {
    ExecState end;
    uint64_t cycles = 0, insts = 0;
    sim::InstActions actions;
  };
  std::map<std::pair<std::string, ExecState>, CachedRun> runs;

  void emit(Inst inst);
  void carrier(Queue queue);
  /// Emitted when a value changes, or always with `force`.
  void configLoad(int64_t dramStride, int64_t sramStride, int64_t padValue,
                  bool force = false);
  void configStore(int64_t dramStride, int64_t sramStride, bool force = false);
  void configExec(int64_t srcStride, int64_t src2Stride, int64_t dstStride,
                  bool force = false);

  const HardwareDesc &hw;
  bool keep;
  std::vector<Inst> insts;
  uint64_t numInsts = 0;
  /// Pending pop flags per queue; index of the last instruction per queue
  /// (in `insts`; with keep off only whether there is one).
  std::array<uint8_t, 3> pendingPops{};
  std::array<int64_t, 3> lastInst{-1, -1, -1};
  std::array<uint8_t, 3> lastDeps{};
  std::array<uint64_t, 3> currentStep{};
  std::vector<StepCycles> steps;
  sim::InstActions actions;
  sim::ArrayState array; ///< for the execute queue's timing
  unsigned weightsK = 0, weightsN = 0;
  unsigned perChannel = 0; ///< as getInstActions
  // Configuration registers as last set (kUnset: not by this emitter).
  int64_t loadDram = kUnset, loadSram = kUnset, loadPad = kUnset;
  int64_t storeDram = kUnset, storeSram = kUnset;
  int64_t execSrc = kUnset, execSrc2 = kUnset, execDst = kUnset;
  int64_t tapCols = kUnset, tapStride = kUnset, tapRowStride = kUnset;
  bool quantSet = false;
  Inst quant;
};

} // namespace tessera::npu::kernels

#endif // TESSERA_LIB_CODEGEN_NPU_KERNELS_EMITTER_H
