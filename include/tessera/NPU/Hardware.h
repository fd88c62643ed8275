//===- Hardware.h - Tessera NPU hardware description ------------*- C++ -*-===//
//
// The parameters of one Tessera NPU instance. The compiler (tiling cost model,
// verifiers) and the simulator read the same description; it is written in
// YAML (docs/npu/hardware.md) and parsed with LLVM's YAML I/O. Its keys, with
// their defaults, ranges and hashing, are the rows of Hardware.def: a member
// added here needs its row there (equality, printing and hashing follow).
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_NPU_HARDWARE_H
#define TESSERA_NPU_HARDWARE_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace tessera::npu {

enum class Dataflow : uint8_t { WeightStationary, OutputStationary };

/// Energy per action in picojoules. Defaults and their published sources are
/// in the presets and in docs/npu/hardware.md.
struct EnergyTable {
  double macInt8 = 0; ///< one int8 x int8 multiply + int32 accumulate
  double macBf16 = 0; ///< one bf16 multiply + fp32 accumulate
  double scratchpadReadByte = 0;
  double scratchpadWriteByte = 0;
  double accumulatorReadByte = 0;
  double accumulatorWriteByte = 0;
  double dramByte = 0;        ///< per byte moved to or from DRAM
  double vectorOp = 0;        ///< one vector-lane operation
  double leakagePerCycle = 0; ///< whole-chip static energy per cycle
  std::string source;         ///< citation of the defaults
  bool operator==(const EnergyTable &other) const;
  bool operator!=(const EnergyTable &other) const { return !(*this == other); }
};

/// Area per component in mm^2.
struct AreaTable {
  double array = 0; ///< the whole R x C array
  double scratchpad = 0;
  double accumulator = 0;
  double vectorUnit = 0;
  double dma = 0;
  double control = 0;
  std::string source;
  double total() const {
    return array + scratchpad + accumulator + vectorUnit + dma + control;
  }
  bool operator==(const AreaTable &other) const;
  bool operator!=(const AreaTable &other) const { return !(*this == other); }
};

struct HardwareDesc {
  std::string name;
  /// The instruction-set version the NPU implements (1 or 2).
  unsigned isaVersion = 2;
  unsigned rows = 16; ///< R: array height, the reduction (k) dimension
  unsigned cols = 16; ///< C: array width, the output-channel (n) dimension
  /// Weight registers per PE: 1, or 2 (a preload overlaps the running
  /// matmul; consecutive matmuls pay one fill and drain).
  unsigned weightBuffers = 1;
  Dataflow dataflow = Dataflow::WeightStationary;
  bool int8 = true; ///< precisions the array supports
  bool bf16 = false;
  uint64_t scratchpadBytes = 256 * 1024;
  unsigned scratchpadBanks = 4;
  uint64_t accumulatorBytes = 64 * 1024;
  unsigned accumulatorBanks = 2;
  unsigned dmaBytesPerCycle = 16;   ///< DMA engine width
  double dramBytesPerCycle = 16;    ///< DRAM bandwidth at the NPU clock
  unsigned dramLatencyCycles = 100; ///< fixed latency of one DMA request
  double clockMHz = 1000;
  unsigned vectorLanes = 16;
  unsigned vectorLatencyCycles = 4; ///< vector pipeline depth
  unsigned loadQueueDepth = 8;
  unsigned executeQueueDepth = 8;
  unsigned storeQueueDepth = 8;
  EnergyTable energy;
  AreaTable area;

  // Derived quantities (docs/npu/hardware.md, "Derived quantities").
  /// MACs the array completes per cycle when full: R x C.
  uint64_t peakMacsPerCycle() const { return uint64_t(rows) * cols; }
  /// Peak int8 MAC/s at the clock.
  double peakMacsPerSecond() const {
    return double(peakMacsPerCycle()) * clockMHz * 1e6;
  }
  /// Width of one scratchpad row: max(R, C) bytes, enough for one int8 input
  /// row (k <= R) or one weight row (n <= C).
  unsigned scratchpadRowBytes() const { return std::max(rows, cols); }
  /// Width of one accumulator row: C int32 values.
  unsigned accumulatorRowBytes() const { return 4 * cols; }
  uint64_t scratchpadBankBytes() const {
    return scratchpadBanks ? scratchpadBytes / scratchpadBanks : 0;
  }
  uint64_t accumulatorBankBytes() const {
    return accumulatorBanks ? accumulatorBytes / accumulatorBanks : 0;
  }
  /// Seconds per cycle.
  double cycleSeconds() const { return 1e-6 / clockMHz; }

  bool operator==(const HardwareDesc &other) const;
  bool operator!=(const HardwareDesc &other) const { return !(*this == other); }
};

/// Largest scratchpad or accumulator: SRAM address fields of ISA.def are 24
/// bits wide (16 MiB).
constexpr uint64_t kMaxSramBytes = uint64_t(1) << 24;
/// Largest array side accepted (the ISA's k/n fields would allow 511).
constexpr unsigned kMaxArraySide = 256;

/// The deepest nesting of mappings, sequences and flow collections a hardware
/// description (file or `--set` value) may have; checked by a scan of the
/// text before it is parsed, so that no parser recursion is unbounded.
constexpr unsigned kMaxHardwareNesting = 32;

/// One problem found in a hardware description: the dotted YAML key of the
/// offending field (e.g. "scratchpad.bytes") and a lowercase message.
struct HardwareDiag {
  std::string key;
  std::string message;
};

/// Every cross-field problem of `hw`, in key order; empty when valid.
std::vector<HardwareDiag> checkHardwareDesc(const HardwareDesc &hw);

/// The default energy table for `hw`'s geometry: Horowitz (ISSCC 2014, 45 nm)
/// per action, SRAM energy per byte interpolated from the bank size.
EnergyTable getDefaultEnergyTable(const HardwareDesc &hw);
/// The default area table for `hw`'s geometry: per-unit areas scaled from
/// the TPU v1 floor plan (28 nm), estimates.
AreaTable getDefaultAreaTable(const HardwareDesc &hw);

llvm::StringRef getDataflowName(Dataflow dataflow); ///< weight_stationary, ...

/// Parses and validates a YAML hardware description. Missing optional keys
/// take their documented defaults (the energy and area tables those of
/// getDefaultEnergyTable/getDefaultAreaTable). Errors are one line per
/// problem, "<bufferName>:<line>:<col>: error: <message>" (unknown key,
/// missing field, wrong type, impossible sizes: all validation problems at
/// once, each at its key).
llvm::Expected<HardwareDesc> parseHardwareDesc(llvm::StringRef yaml,
                                               llvm::StringRef bufferName);

/// `spec` is a preset name (edge, mid, large) or a path to a YAML file. A
/// file that cannot be read: "cannot open hardware description '<spec>':
/// <reason>".
llvm::Expected<HardwareDesc> loadHardwareDesc(llvm::StringRef spec);

/// `base` with KEY=VALUE settings applied, KEY a dotted path of the
/// canonical form ("dma.bytes_per_cycle", "clock_mhz", "energy_pj.dram_byte")
/// and VALUE YAML; the result is validated like a file. Energy and area
/// tables that were `base`'s geometry defaults are recomputed for the new
/// geometry unless a setting names one of their keys. Errors: a setting
/// without '=', an unknown key (with the list of keys), or the validation
/// messages, reported for "<baseName> with --set ...".
llvm::Expected<HardwareDesc>
overrideHardwareDesc(const HardwareDesc &base,
                     llvm::ArrayRef<std::string> settings,
                     llvm::StringRef baseName);

/// Names of the shipped presets and their YAML text.
llvm::ArrayRef<llvm::StringRef> getPresetNames();
llvm::StringRef getPresetYAML(llvm::StringRef name); ///< empty if unknown

/// Checks cross-field consistency (also done by parseHardwareDesc): the
/// messages of checkHardwareDesc, one per line.
llvm::Error validateHardwareDesc(const HardwareDesc &hw);

/// Canonical YAML of the description (parses back to an equal description).
std::string printHardwareDesc(const HardwareDesc &hw);

/// Stable 64-bit hash of everything that affects a program's validity or
/// timing in cycles (not the name, the clock, the energy/area tables): stored
/// in NPU binaries. FNV-1a over a versioned canonical serialization
/// (docs/npu/hardware.md lists the fields).
uint64_t hashHardwareDesc(const HardwareDesc &hw);

/// Writes the generated blocks of docs/npu/hardware.md: the key table and the
/// layout of the hashed serialization, both from Hardware.def.
void printHardwareDocTables(llvm::raw_ostream &os);

} // namespace tessera::npu

#endif // TESSERA_NPU_HARDWARE_H
