//===- Hardware.h - Tessera NPU hardware description ------------*- C++ -*-===//
//
// The parameters of one Tessera NPU instance. The compiler (tiling cost model,
// verifiers) and the simulator read the same description; it is written in
// YAML (docs/npu/hardware.md) and parsed with LLVM's YAML I/O.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_NPU_HARDWARE_H
#define TESSERA_NPU_HARDWARE_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>

namespace tessera::npu {

enum class Dataflow : uint8_t { WeightStationary, OutputStationary };

/// Energy per action in picojoules. Defaults and their published sources are
/// in the presets and in docs/npu/hardware.md.
struct EnergyTable {
  double macInt8 = 0;          ///< one int8 x int8 multiply + int32 accumulate
  double macBf16 = 0;          ///< one bf16 multiply + fp32 accumulate
  double scratchpadReadByte = 0;
  double scratchpadWriteByte = 0;
  double accumulatorReadByte = 0;
  double accumulatorWriteByte = 0;
  double dramByte = 0;         ///< per byte moved to or from DRAM
  double vectorOp = 0;         ///< one vector-lane operation
  double leakagePerCycle = 0;  ///< whole-chip static energy per cycle
  std::string source;          ///< citation of the defaults
};

/// Area per component in mm^2.
struct AreaTable {
  double array = 0;       ///< the whole R x C array
  double scratchpad = 0;
  double accumulator = 0;
  double vectorUnit = 0;
  double dma = 0;
  double control = 0;
  std::string source;
  double total() const {
    return array + scratchpad + accumulator + vectorUnit + dma + control;
  }
};

struct HardwareDesc {
  std::string name;
  unsigned rows = 16;  ///< R: array height, the reduction (k) dimension
  unsigned cols = 16;  ///< C: array width, the output-channel (n) dimension
  Dataflow dataflow = Dataflow::WeightStationary;
  bool int8 = true;    ///< precisions the array supports
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
};

/// Parses and validates a YAML hardware description. Errors name the buffer,
/// line and column (unknown key, missing field, impossible sizes).
llvm::Expected<HardwareDesc> parseHardwareDesc(llvm::StringRef yaml,
                                               llvm::StringRef bufferName);

/// `spec` is a preset name (edge, mid, large) or a path to a YAML file.
llvm::Expected<HardwareDesc> loadHardwareDesc(llvm::StringRef spec);

/// Names of the shipped presets and their YAML text.
llvm::ArrayRef<llvm::StringRef> getPresetNames();
llvm::StringRef getPresetYAML(llvm::StringRef name); ///< empty if unknown

/// Checks cross-field consistency (also done by parseHardwareDesc).
llvm::Error validateHardwareDesc(const HardwareDesc &hw);

/// Canonical YAML of the description (parses back to an equal description).
std::string printHardwareDesc(const HardwareDesc &hw);

/// Stable 64-bit hash of everything that affects a program's validity or
/// timing (not the name, not the energy/area tables): stored in NPU binaries.
uint64_t hashHardwareDesc(const HardwareDesc &hw);

} // namespace tessera::npu

#endif // TESSERA_NPU_HARDWARE_H
