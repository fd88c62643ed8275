//===- Simulator.h - the Tessera NPU simulator ------------------*- C++ -*-===//
//
// Bit-exact functional execution of an NPU program (ISA.def semantics) with an
// event-driven timing model of the fetch unit and the load/execute/store
// queues, dependency tokens, per-cause stall accounting, and counters per
// program, layer and instruction range (docs/npu/simulator.md).
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_SIM_SIMULATOR_H
#define TESSERA_SIM_SIMULATOR_H

#include "tessera/NPU/Hardware.h"
#include "tessera/NPU/Program.h"
#include "tessera/Sim/CostModel.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tessera::sim {

/// The four timed units: the fetch/dispatch unit and the three queues' units.
enum class Unit : uint8_t { Fetch = 0, Load = 1, Execute = 2, Store = 3 };
constexpr unsigned kNumUnits = 4;
/// "fetch", "load", "execute", "store".
llvm::StringRef getUnitName(Unit unit);

/// What a unit does in one cycle. Every cycle of every unit has exactly one
/// cause, so the causes of a unit sum to the program's cycles.
enum class Cause : uint8_t {
  Busy = 0,         ///< executing (fetch: dispatching) an instruction
  TokenFromLoad,    ///< head instruction waits for a token sent by load
  TokenFromExecute, ///< ... by execute
  TokenFromStore,   ///< ... by store
  QueueEmpty,       ///< starved: the next instruction is not dispatched yet
  Drained,          ///< the program has no more instructions for this unit
  LoadQueueFull,    ///< fetch: dispatch stalled by the full load queue
  ExecuteQueueFull, ///< fetch: ... by the full execute queue
  StoreQueueFull,   ///< fetch: ... by the full store queue
  Fence,            ///< fetch: fence or finish waits for the queues to drain
};
constexpr unsigned kNumCauses = 10;
/// Snake-case name used in reports: busy, wait_token_load, ..., fence.
llvm::StringRef getCauseName(Cause cause);

/// Counters of the whole program, one layer or one instruction range.
struct Counters {
  std::string name;
  uint32_t begin = 0, end = 0; ///< instruction range [begin, end)
  uint64_t instructions = 0;
  /// [startCycle, endCycle): from the first dispatch of the range to the
  /// last completion; cycles = endCycle - startCycle.
  uint64_t startCycle = 0, endCycle = 0, cycles = 0;
  /// unitCycles[unit][cause]. For the program, each unit's row sums to
  /// `cycles`; for a range, cycles are charged to the instruction the unit
  /// executes or waits for (a stall is charged to the waiting instruction).
  std::array<std::array<uint64_t, kNumCauses>, kNumUnits> unitCycles{};
  InstActions actions;
  /// Cycles in which a dma_load or dma_store runs while the execute unit
  /// runs preload, matmul or vec (DMA/compute overlap).
  uint64_t overlapCycles = 0;
  Energy energy; ///< picojoules, leakage over `cycles`

  uint64_t get(Unit unit, Cause cause) const {
    return unitCycles[unsigned(unit)][unsigned(cause)];
  }
  /// MACs / (cycles * R * C); 0 without cycles.
  double macUtilization(const npu::HardwareDesc &hw) const;
};

/// Timing of one instruction (cycles since program start).
struct InstTiming {
  uint64_t dispatch = 0; ///< cycle the fetch unit dispatched it
  uint64_t start = 0;    ///< cycle its unit started it (tokens popped)
  uint64_t end = 0;      ///< cycle it completed (tokens pushed)
  /// Cycles charged to it while its unit waited: tokens from load, execute,
  /// store, then queue empty (starved before its dispatch).
  std::array<uint64_t, 4> unitWait{};
  /// Cycles dispatch stalled on it (full queue, or fence/finish draining).
  uint64_t dispatchStall = 0;
  /// The k x n weight block a matmul used (its MACs).
  uint16_t weightsK = 0, weightsN = 0;
  /// A vec requant's per-channel parameters: 0 none, 1 (multiplier, shift)
  /// pairs, 2 (multiplier, shift, bias) triples (getInstActions).
  uint8_t perChannel = 0;
};

struct SimOptions {
  /// Off: execute functionally in program order, no cycles, no tokens.
  bool timing = true;
  /// Counters for the instruction range [begin, end) besides the layers.
  std::optional<std::pair<uint32_t, uint32_t>> range;
};

struct SimResult {
  bool timed = false;
  Counters total;                ///< the whole program
  std::vector<Counters> layers;  ///< one per program layer, in table order
  std::optional<Counters> range; ///< SimOptions::range
  std::vector<InstTiming> insts; ///< per instruction (timed runs)
  /// Host wall-clock seconds of Simulator::run (for simulated MAC/s).
  double hostSeconds = 0;
};

/// One simulation of one program on one hardware description. Set the inputs,
/// run once, then read the outputs, memories and the result.
class Simulator {
public:
  /// Keeps references to `program` and `hw`, which must outlive it.
  Simulator(const npu::Program &program, const npu::HardwareDesc &hw);
  /// The simulator keeps references to both: temporaries would dangle.
  Simulator(npu::Program &&, const npu::HardwareDesc &) = delete;
  Simulator(const npu::Program &, npu::HardwareDesc &&) = delete;
  Simulator(npu::Program &&, npu::HardwareDesc &&) = delete;

  /// Checks the program (verifyProgram, the hardware hash, DRAM size) and
  /// sets up DRAM with the constants image. Called by run() if not yet done.
  llvm::Error initialize();
  /// Writes an input tensor's bytes into DRAM at its address.
  llvm::Error setInput(llvm::StringRef name, llvm::ArrayRef<uint8_t> bytes);
  /// Runs the program to its finish. Runtime errors (an access outside a
  /// memory, a deadlock) name the instruction.
  llvm::Error run(const SimOptions &options = {});

  /// The bytes of a tensor (input or output) in DRAM.
  llvm::Expected<std::vector<uint8_t>> getTensor(llvm::StringRef name) const;

  const SimResult &getResult() const { return result; }
  llvm::ArrayRef<uint8_t> getDram() const { return dram; }
  llvm::ArrayRef<uint8_t> getScratchpad() const { return scratchpad; }
  llvm::ArrayRef<uint8_t> getAccumulator() const { return accumulator; }
  /// Mutable memories, for tests that set up state directly.
  std::vector<uint8_t> &getDramMut() { return dram; }
  std::vector<uint8_t> &getScratchpadMut() { return scratchpad; }
  std::vector<uint8_t> &getAccumulatorMut() { return accumulator; }
  /// Int32 of the accumulator at byte address `addr` (little-endian).
  int32_t getAcc32(uint64_t addr) const;

  /// DRAM larger than this is refused (the simulator allocates it whole).
  static constexpr uint64_t kMaxDramBytes = uint64_t(4) << 30;

private:
  llvm::Error executeInst(uint32_t index, InstTiming &timing);
  llvm::Error runFunctional();
  llvm::Error runTimed();
  void computeCounters(const SimOptions &options);

  const npu::Program &program;
  const npu::HardwareDesc &hw;
  bool initialized = false;
  std::vector<uint8_t> dram, scratchpad, accumulator;
  /// Configuration registers and weights (see Execute.cpp).
  struct Regs {
    int64_t loadDramStride = 0, loadSramStride = 0, padValue = 0;
    int64_t storeDramStride = 0, storeSramStride = 0;
    int64_t srcStride = 0, src2Stride = 0, dstStride = 0;
    int32_t multiplier = 0;
    unsigned shift = 0;
    int32_t zeroPoint = 0, clampLo = 0, clampHi = 0;
    bool perChannel = false;
    uint64_t paramAddr = 0;
    bool bias = false, wide = false;
    uint64_t tapCols = 0, tapStride = 0, tapRowStride = 0;
  } regs;
  bool preloaded = false;
  unsigned weightsK = 0, weightsN = 0;
  std::vector<int32_t> weights; ///< k x n, row-major, widened once per preload
  SimResult result;
};

/// Formats a byte size as "64 KiB", "1 MiB", "4 GiB" or "1000 bytes".
std::string formatBytes(uint64_t bytes);

} // namespace tessera::sim

#endif // TESSERA_SIM_SIMULATOR_H
