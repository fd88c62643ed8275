//===- Hardware.cpp - Tessera NPU hardware description ----------*- C++ -*-===//
//
// YAML hardware descriptions (docs/npu/hardware.md): parsing with LLVM's YAML
// I/O into an all-optional mirror of the format, defaults, validation with
// located messages, the embedded presets, canonical printing and the hash.
//
//===----------------------------------------------------------------------===//

#include "tessera/NPU/Hardware.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/YAMLParser.h"
#include "llvm/Support/YAMLTraits.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <optional>

using namespace llvm;

namespace tessera::npu {
namespace {

enum class Precision : uint8_t { Int8, BF16 };

// Mirror of the YAML format. Every optional key is a std::optional so that
// defaults that depend on other keys (vector lanes, the energy and area
// tables) are filled in after parsing and so that `bytes` vs `kib` can be
// told apart.
// Required keys are optional here too: yaml::Input stops at the first missing
// key, before it reports unknown keys, and a misspelt key is the likelier
// cause ("colums" then "missing cols"); presence is checked after parsing.
struct RawArray {
  std::optional<unsigned> rows;
  std::optional<unsigned> cols;
  std::optional<Dataflow> dataflow;
  std::optional<std::vector<Precision>> precisions;
};

struct RawMemory {
  std::optional<uint64_t> bytes;
  std::optional<uint64_t> kib;
  std::optional<unsigned> banks;
};

struct RawDma {
  std::optional<unsigned> bytesPerCycle;
};

struct RawDram {
  std::optional<double> bytesPerCycle;
  std::optional<unsigned> latencyCycles;
};

struct RawVector {
  std::optional<unsigned> lanes;
  std::optional<unsigned> latencyCycles;
};

struct RawQueues {
  std::optional<unsigned> load, execute, store;
};

struct RawEnergy {
  std::optional<double> macInt8, macBf16, scratchpadReadByte,
      scratchpadWriteByte, accumulatorReadByte, accumulatorWriteByte, dramByte,
      vectorOp, leakagePerCycle;
  std::optional<std::string> source;
};

struct RawArea {
  std::optional<double> array, scratchpad, accumulator, vectorUnit, dma,
      control;
  std::optional<std::string> source;
};

struct RawDesc {
  std::optional<std::string> name;
  std::optional<double> clockMHz;
  std::optional<RawArray> array;
  std::optional<RawMemory> scratchpad, accumulator;
  RawDma dma;
  std::optional<RawDram> dram;
  RawVector vector;
  RawQueues queues;
  RawEnergy energy;
  RawArea area;
};

} // namespace
} // namespace tessera::npu

LLVM_YAML_IS_FLOW_SEQUENCE_VECTOR(tessera::npu::Precision)

namespace llvm::yaml {
using namespace tessera::npu;

// Scalar traits rather than enumeration traits: their error messages can say
// which values are valid ("unknown enumerated scalar" does not).
template <> struct ScalarTraits<Dataflow> {
  static void output(const Dataflow &value, void *, raw_ostream &os) {
    os << getDataflowName(value);
  }
  static StringRef input(StringRef scalar, void *, Dataflow &value) {
    if (scalar == "weight_stationary") {
      value = Dataflow::WeightStationary;
      return {};
    }
    if (scalar == "output_stationary") {
      value = Dataflow::OutputStationary;
      return {};
    }
    return "unknown dataflow, expected 'weight_stationary' or "
           "'output_stationary'";
  }
  static QuotingType mustQuote(StringRef) { return QuotingType::None; }
};

template <> struct ScalarTraits<Precision> {
  static void output(const Precision &value, void *, raw_ostream &os) {
    os << (value == Precision::Int8 ? "int8" : "bf16");
  }
  static StringRef input(StringRef scalar, void *, Precision &value) {
    if (scalar == "int8") {
      value = Precision::Int8;
      return {};
    }
    if (scalar == "bf16") {
      value = Precision::BF16;
      return {};
    }
    return "unknown precision, expected 'int8' or 'bf16'";
  }
  static QuotingType mustQuote(StringRef) { return QuotingType::None; }
};

template <> struct MappingTraits<RawArray> {
  static void mapping(IO &io, RawArray &a) {
    io.mapOptional("rows", a.rows);
    io.mapOptional("cols", a.cols);
    io.mapOptional("dataflow", a.dataflow);
    io.mapOptional("precisions", a.precisions);
  }
};

template <> struct MappingTraits<RawMemory> {
  static void mapping(IO &io, RawMemory &m) {
    io.mapOptional("bytes", m.bytes);
    io.mapOptional("kib", m.kib);
    io.mapOptional("banks", m.banks);
  }
};

template <> struct MappingTraits<RawDma> {
  static void mapping(IO &io, RawDma &d) {
    io.mapOptional("bytes_per_cycle", d.bytesPerCycle);
  }
};

template <> struct MappingTraits<RawDram> {
  static void mapping(IO &io, RawDram &d) {
    io.mapOptional("bytes_per_cycle", d.bytesPerCycle);
    io.mapOptional("latency_cycles", d.latencyCycles);
  }
};

template <> struct MappingTraits<RawVector> {
  static void mapping(IO &io, RawVector &v) {
    io.mapOptional("lanes", v.lanes);
    io.mapOptional("latency_cycles", v.latencyCycles);
  }
};

template <> struct MappingTraits<RawQueues> {
  static void mapping(IO &io, RawQueues &q) {
    io.mapOptional("load", q.load);
    io.mapOptional("execute", q.execute);
    io.mapOptional("store", q.store);
  }
};

template <> struct MappingTraits<RawEnergy> {
  static void mapping(IO &io, RawEnergy &e) {
    io.mapOptional("mac_int8", e.macInt8);
    io.mapOptional("mac_bf16", e.macBf16);
    io.mapOptional("scratchpad_read_byte", e.scratchpadReadByte);
    io.mapOptional("scratchpad_write_byte", e.scratchpadWriteByte);
    io.mapOptional("accumulator_read_byte", e.accumulatorReadByte);
    io.mapOptional("accumulator_write_byte", e.accumulatorWriteByte);
    io.mapOptional("dram_byte", e.dramByte);
    io.mapOptional("vector_op", e.vectorOp);
    io.mapOptional("leakage_per_cycle", e.leakagePerCycle);
    io.mapOptional("source", e.source);
  }
};

template <> struct MappingTraits<RawArea> {
  static void mapping(IO &io, RawArea &a) {
    io.mapOptional("array", a.array);
    io.mapOptional("scratchpad", a.scratchpad);
    io.mapOptional("accumulator", a.accumulator);
    io.mapOptional("vector_unit", a.vectorUnit);
    io.mapOptional("dma", a.dma);
    io.mapOptional("control", a.control);
    io.mapOptional("source", a.source);
  }
};

template <> struct MappingTraits<RawDesc> {
  static void mapping(IO &io, RawDesc &d) {
    io.mapOptional("name", d.name);
    io.mapOptional("clock_mhz", d.clockMHz);
    io.mapOptional("array", d.array);
    io.mapOptional("scratchpad", d.scratchpad);
    io.mapOptional("accumulator", d.accumulator);
    io.mapOptional("dma", d.dma);
    io.mapOptional("dram", d.dram);
    io.mapOptional("vector", d.vector);
    io.mapOptional("queues", d.queues);
    io.mapOptional("energy_pj", d.energy);
    io.mapOptional("area_mm2", d.area);
  }
};

} // namespace llvm::yaml

namespace tessera::npu {

//===----------------------------------------------------------------------===//
// Equality, names
//===----------------------------------------------------------------------===//

bool EnergyTable::operator==(const EnergyTable &o) const {
  return macInt8 == o.macInt8 && macBf16 == o.macBf16 &&
         scratchpadReadByte == o.scratchpadReadByte &&
         scratchpadWriteByte == o.scratchpadWriteByte &&
         accumulatorReadByte == o.accumulatorReadByte &&
         accumulatorWriteByte == o.accumulatorWriteByte &&
         dramByte == o.dramByte && vectorOp == o.vectorOp &&
         leakagePerCycle == o.leakagePerCycle && source == o.source;
}

bool AreaTable::operator==(const AreaTable &o) const {
  return array == o.array && scratchpad == o.scratchpad &&
         accumulator == o.accumulator && vectorUnit == o.vectorUnit &&
         dma == o.dma && control == o.control && source == o.source;
}

bool HardwareDesc::operator==(const HardwareDesc &o) const {
  return name == o.name && rows == o.rows && cols == o.cols &&
         dataflow == o.dataflow && int8 == o.int8 && bf16 == o.bf16 &&
         scratchpadBytes == o.scratchpadBytes &&
         scratchpadBanks == o.scratchpadBanks &&
         accumulatorBytes == o.accumulatorBytes &&
         accumulatorBanks == o.accumulatorBanks &&
         dmaBytesPerCycle == o.dmaBytesPerCycle &&
         dramBytesPerCycle == o.dramBytesPerCycle &&
         dramLatencyCycles == o.dramLatencyCycles && clockMHz == o.clockMHz &&
         vectorLanes == o.vectorLanes &&
         vectorLatencyCycles == o.vectorLatencyCycles &&
         loadQueueDepth == o.loadQueueDepth &&
         executeQueueDepth == o.executeQueueDepth &&
         storeQueueDepth == o.storeQueueDepth && energy == o.energy &&
         area == o.area;
}

StringRef getDataflowName(Dataflow dataflow) {
  return dataflow == Dataflow::WeightStationary ? "weight_stationary"
                                                : "output_stationary";
}

//===----------------------------------------------------------------------===//
// Defaults
//===----------------------------------------------------------------------===//

// Defaults with their sources; docs/npu/hardware.md has the tables.
static constexpr const char *kEnergySource =
    "Horowitz, Computing's energy problem, ISSCC 2014 (45 nm); "
    "leakage is an estimate";
static constexpr const char *kAreaSource =
    "estimate scaled per unit from the TPU v1 floor plan (Jouppi et al., "
    "ISCA 2017, 28 nm)";

// Energy of one 64-bit SRAM read from Horowitz's table, in pJ per byte,
// interpolated log-log in the array size and clamped to the table's range:
// 8 KiB 10 pJ, 32 KiB 20 pJ, 1 MiB 100 pJ per 64-bit access.
static double sramPjPerByte(uint64_t arrayBytes) {
  static constexpr double kBytes[] = {8.0 * 1024, 32.0 * 1024, 1024.0 * 1024};
  static constexpr double kPj[] = {10, 20, 100};
  double size = double(arrayBytes);
  if (size <= kBytes[0])
    return kPj[0] / 8;
  if (size >= kBytes[2])
    return kPj[2] / 8;
  int i = size < kBytes[1] ? 0 : 1;
  double t = std::log(size / kBytes[i]) / std::log(kBytes[i + 1] / kBytes[i]);
  return kPj[i] * std::pow(kPj[i + 1] / kPj[i], t) / 8;
}

EnergyTable getDefaultEnergyTable(const HardwareDesc &hw) {
  EnergyTable e;
  // 8-bit multiply 0.2 pJ + 32-bit add 0.1 pJ (written as the sum's literal:
  // 0.2 + 0.1 is not 0.3 in binary floating point).
  e.macInt8 = 0.3;
  // 16-bit FP multiply 1.1 pJ + 32-bit FP add 0.9 pJ.
  e.macBf16 = 2.0;
  // A bank is the SRAM array one access touches.
  e.scratchpadReadByte = sramPjPerByte(hw.scratchpadBankBytes());
  e.scratchpadWriteByte = e.scratchpadReadByte;
  e.accumulatorReadByte = sramPjPerByte(hw.accumulatorBankBytes());
  e.accumulatorWriteByte = e.accumulatorReadByte;
  // DRAM 1.3 nJ per 64-bit access (the low end of Horowitz's 1.3-2.6 nJ).
  e.dramByte = 1300.0 / 8;
  // Requantization is the costliest lane operation: a 32-bit multiply
  // (3.1 pJ) and a 32-bit add (0.1 pJ).
  e.vectorOp = 3.2;
  // Estimate, not a published number: 10% of the array's peak dynamic
  // energy per cycle.
  e.leakagePerCycle = 0.1 * double(hw.peakMacsPerCycle()) * e.macInt8;
  e.source = kEnergySource;
  return e;
}

// TPU v1 (Jouppi et al., ISCA 2017): die <= 331 mm^2 in 28 nm; the floor plan
// gives the 256x256 matrix unit 24%, the 24 MiB unified buffer 29%, the 4 MiB
// accumulators 6%, control 2%. Activation pipeline (256 lanes) 6% and the
// DRAM ports 3% (34 GB/s at 700 MHz, ~48.6 B/cycle) are rougher readings.
namespace area {
constexpr double kDie = 331;
constexpr double kPerMac = 0.24 * kDie / (256.0 * 256.0);
constexpr double kPerScratchpadMiB = 0.29 * kDie / 24;
constexpr double kPerAccumulatorMiB = 0.06 * kDie / 4;
constexpr double kPerVectorLane = 0.06 * kDie / 256;
constexpr double kPerDmaBytePerCycle = 0.03 * kDie / (34e9 / 700e6);
// Control is 2% of the die next to the 68% the components above take.
constexpr double kControlFraction = 0.02 / 0.68;
} // namespace area

AreaTable getDefaultAreaTable(const HardwareDesc &hw) {
  AreaTable a;
  a.array = double(hw.peakMacsPerCycle()) * area::kPerMac;
  a.scratchpad =
      double(hw.scratchpadBytes) / (1 << 20) * area::kPerScratchpadMiB;
  a.accumulator =
      double(hw.accumulatorBytes) / (1 << 20) * area::kPerAccumulatorMiB;
  a.vectorUnit = double(hw.vectorLanes) * area::kPerVectorLane;
  a.dma = double(hw.dmaBytesPerCycle) * area::kPerDmaBytePerCycle;
  a.control = (a.array + a.scratchpad + a.accumulator + a.vectorUnit + a.dma) *
              area::kControlFraction;
  a.source = kAreaSource;
  return a;
}

//===----------------------------------------------------------------------===//
// Validation
//===----------------------------------------------------------------------===//

static std::string formatBytes(uint64_t bytes) {
  if (bytes >= (1 << 20) && bytes % (1 << 20) == 0)
    return std::to_string(bytes >> 20) + " MiB";
  if (bytes >= 1024 && bytes % 1024 == 0)
    return std::to_string(bytes >> 10) + " KiB";
  return std::to_string(bytes) + " bytes";
}

// Shortest decimal form that reads back to the same double; integers are
// written as integers (800, not 8e+02).
static std::string formatDouble(double value) {
  char buffer[64];
  if (std::isfinite(value) && value == std::trunc(value) &&
      std::fabs(value) < 1e15) {
    std::snprintf(buffer, sizeof(buffer), "%.0f", value);
    return buffer;
  }
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buffer, sizeof(buffer), "%.*g", precision, value);
    if (std::strtod(buffer, nullptr) == value)
      break;
  }
  return buffer;
}

namespace {
class Checker {
public:
  std::vector<HardwareDiag> diags;

  void error(StringRef key, const Twine &message) {
    diags.push_back({key.str(), message.str()});
  }
  void inRange(StringRef key, uint64_t value, uint64_t lo, uint64_t hi) {
    if (value < lo || value > hi)
      error(key, key + " must be in [" + Twine(lo) + ", " + Twine(hi) +
                     "], got " + Twine(value));
  }
  void atLeast(StringRef key, uint64_t value, uint64_t lo) {
    if (value < lo)
      error(key,
            key + " must be at least " + Twine(lo) + ", got " + Twine(value));
  }
  void positive(StringRef key, double value) {
    if (!(value > 0) || !std::isfinite(value))
      error(key,
            key + " must be a positive number, got " + formatDouble(value));
  }
  void nonNegative(StringRef key, double value) {
    if (!(value >= 0) || !std::isfinite(value))
      error(key,
            key + " must be a non-negative number, got " + formatDouble(value));
  }
  void memory(StringRef name, uint64_t bytes, unsigned banks, unsigned rowBytes,
              StringRef rowWhat, uint64_t minBytes, StringRef minWhat) {
    std::string bytesKey = (name + ".bytes").str();
    std::string banksKey = (name + ".banks").str();
    inRange(banksKey, banks, 1, 64);
    if (bytes > kMaxSramBytes) {
      error(bytesKey, name + " size " + formatBytes(bytes) +
                          " exceeds 16 MiB (SRAM addresses are 24 bits)");
      return;
    }
    if (bytes < minBytes) {
      error(bytesKey, name + " size " + formatBytes(bytes) +
                          " is smaller than " + minWhat + " (" +
                          formatBytes(minBytes) + ")");
      return;
    }
    if (banks == 0 || rowBytes == 0)
      return;
    uint64_t unit = uint64_t(banks) * rowBytes;
    if (bytes % unit != 0)
      error(bytesKey, name + " size " + formatBytes(bytes) +
                          " is not a multiple of banks x row width (" +
                          Twine(banks) + " x " + Twine(rowBytes) + " bytes, " +
                          rowWhat + ")");
  }
};
} // namespace

std::vector<HardwareDiag> checkHardwareDesc(const HardwareDesc &hw) {
  Checker c;
  c.positive("clock_mhz", hw.clockMHz);
  c.inRange("array.rows", hw.rows, 1, kMaxArraySide);
  c.inRange("array.cols", hw.cols, 1, kMaxArraySide);
  if (hw.dataflow == Dataflow::OutputStationary)
    c.error("array.dataflow",
            "dataflow 'output_stationary' is not supported by ISA version 1 "
            "(preload and matmul define a weight-stationary array)");
  if (!hw.int8)
    c.error("array.precisions",
            "array.precisions must include int8 (the ISA's matmul is int8)");
  bool sidesOk = hw.rows >= 1 && hw.rows <= kMaxArraySide && hw.cols >= 1 &&
                 hw.cols <= kMaxArraySide;
  // Sizes are only checked against the array once the array itself is sane,
  // so one bad side does not bury the real message under follow-ups.
  unsigned spRow = sidesOk ? hw.scratchpadRowBytes() : 1;
  unsigned accRow = sidesOk ? hw.accumulatorRowBytes() : 4;
  uint64_t weightTile = sidesOk ? hw.peakMacsPerCycle() : 1;
  c.memory("scratchpad", hw.scratchpadBytes, hw.scratchpadBanks, spRow,
           "max(rows, cols) int8", weightTile, "one rows x cols weight tile");
  c.memory("accumulator", hw.accumulatorBytes, hw.accumulatorBanks, accRow,
           "cols int32", accRow, "one accumulator row");
  c.inRange("dma.bytes_per_cycle", hw.dmaBytesPerCycle, 1, 4096);
  c.positive("dram.bytes_per_cycle", hw.dramBytesPerCycle);
  c.inRange("vector.lanes", hw.vectorLanes, 1, 4096);
  c.atLeast("vector.latency_cycles", hw.vectorLatencyCycles, 1);
  c.inRange("queues.load", hw.loadQueueDepth, 1, 4096);
  c.inRange("queues.execute", hw.executeQueueDepth, 1, 4096);
  c.inRange("queues.store", hw.storeQueueDepth, 1, 4096);
  const EnergyTable &e = hw.energy;
  c.nonNegative("energy_pj.mac_int8", e.macInt8);
  c.nonNegative("energy_pj.mac_bf16", e.macBf16);
  c.nonNegative("energy_pj.scratchpad_read_byte", e.scratchpadReadByte);
  c.nonNegative("energy_pj.scratchpad_write_byte", e.scratchpadWriteByte);
  c.nonNegative("energy_pj.accumulator_read_byte", e.accumulatorReadByte);
  c.nonNegative("energy_pj.accumulator_write_byte", e.accumulatorWriteByte);
  c.nonNegative("energy_pj.dram_byte", e.dramByte);
  c.nonNegative("energy_pj.vector_op", e.vectorOp);
  c.nonNegative("energy_pj.leakage_per_cycle", e.leakagePerCycle);
  const AreaTable &a = hw.area;
  c.nonNegative("area_mm2.array", a.array);
  c.nonNegative("area_mm2.scratchpad", a.scratchpad);
  c.nonNegative("area_mm2.accumulator", a.accumulator);
  c.nonNegative("area_mm2.vector_unit", a.vectorUnit);
  c.nonNegative("area_mm2.dma", a.dma);
  c.nonNegative("area_mm2.control", a.control);
  return std::move(c.diags);
}

Error validateHardwareDesc(const HardwareDesc &hw) {
  std::vector<HardwareDiag> diags = checkHardwareDesc(hw);
  if (diags.empty())
    return Error::success();
  std::string message;
  for (const HardwareDiag &d : diags) {
    if (!message.empty())
      message += "\n";
    message += d.message;
  }
  return createStringError(inconvertibleErrorCode(), message);
}

//===----------------------------------------------------------------------===//
// Parsing
//===----------------------------------------------------------------------===//

namespace {
/// Where each dotted key of a YAML document is, to locate the messages of
/// checks that run after parsing.
class KeyLocations {
public:
  KeyLocations(StringRef text, StringRef bufferName) {
    sm.AddNewSourceBuffer(
        MemoryBuffer::getMemBuffer(text, bufferName,
                                   /*RequiresNullTerminator=*/false),
        SMLoc());
    // The text already parsed once; silence the stream's own diagnostics.
    sm.setDiagHandler([](const SMDiagnostic &, void *) {});
    stream = std::make_unique<yaml::Stream>(
        sm.getMemoryBuffer(sm.getMainFileID())->getMemBufferRef(), sm);
    yaml::document_iterator doc = stream->begin();
    if (doc != stream->end())
      if (yaml::Node *root = doc->getRoot()) {
        empty = isa<yaml::NullNode>(root);
        walk(root, "");
      }
  }

  /// Whether the text holds no document (nothing, or only comments).
  bool isEmpty() const { return empty; }

  /// "<buffer>:<line>:<col>: error: <message>" at `key`'s value, or at the
  /// nearest enclosing key that is present, or at the start of the buffer.
  std::string locate(StringRef key, StringRef message) const {
    SMLoc loc = find(key);
    auto [line, col] = sm.getLineAndColumn(loc);
    return (sm.getMemoryBuffer(sm.getMainFileID())->getBufferIdentifier() +
            ":" + Twine(line) + ":" + Twine(col) + ": error: " + message)
        .str();
  }

private:
  SourceMgr sm;
  std::unique_ptr<yaml::Stream> stream;
  StringMap<SMLoc> locations;
  bool empty = true;

  SMLoc find(StringRef key) const {
    std::string k = key.str();
    while (true) {
      if (auto it = locations.find(k); it != locations.end())
        return it->second;
      // The size is given either as `bytes` or as `kib`.
      if (StringRef(k).ends_with(".bytes")) {
        std::string kib = k.substr(0, k.size() - 6) + ".kib";
        if (auto it = locations.find(kib); it != locations.end())
          return it->second;
      }
      size_t dot = k.rfind('.');
      if (dot == std::string::npos)
        break;
      k.resize(dot);
    }
    return SMLoc::getFromPointer(
        sm.getMemoryBuffer(sm.getMainFileID())->getBufferStart());
  }

  void walk(yaml::Node *node, StringRef prefix) {
    auto *map = dyn_cast<yaml::MappingNode>(node);
    if (!map)
      return;
    for (yaml::KeyValueNode &kv : *map) {
      auto *keyNode = dyn_cast_or_null<yaml::ScalarNode>(kv.getKey());
      if (!keyNode)
        continue;
      SmallString<32> storage;
      std::string path =
          prefix.empty() ? keyNode->getValue(storage).str()
                         : (prefix + "." + keyNode->getValue(storage)).str();
      yaml::Node *value = kv.getValue();
      bool hasValue = value && !isa<yaml::NullNode>(value);
      locations[path] = hasValue ? value->getSourceRange().Start
                                 : keyNode->getSourceRange().Start;
      if (hasValue)
        walk(value, path);
    }
  }
};
} // namespace

static void collectDiag(const SMDiagnostic &diag, void *context) {
  auto *out = static_cast<std::string *>(context);
  std::string where = (diag.getFilename() + ":" + Twine(diag.getLineNo()) +
                       ":" + Twine(diag.getColumnNo() + 1) + ": ")
                          .str();
  // yaml::Input reports a sequence where a number belongs twice, first as
  // "unexpected scalar"; the later, more specific message wins.
  size_t lastLine = out->rfind('\n');
  lastLine = lastLine == std::string::npos ? 0 : lastLine + 1;
  if (StringRef(*out).substr(lastLine).starts_with(where))
    out->resize(lastLine ? lastLine - 1 : 0);
  if (!out->empty())
    *out += "\n";
  *out += where + "error: " + diag.getMessage().str();
}

static uint64_t memoryBytes(const RawMemory &m) {
  if (m.bytes)
    return *m.bytes;
  if (!m.kib)
    return 0;
  // Saturate: validation reports anything past 16 MiB.
  return *m.kib > (UINT64_MAX >> 10) ? UINT64_MAX : *m.kib << 10;
}

Expected<HardwareDesc> parseHardwareDesc(StringRef yamlText,
                                         StringRef bufferName) {
  KeyLocations locations(yamlText, bufferName);
  // yaml::Input fails on an empty document without saying why.
  if (locations.isEmpty())
    return createStringError(
        inconvertibleErrorCode(),
        locations.locate("", "empty hardware description"));

  RawDesc raw;
  std::string yamlErrors;
  {
    yaml::Input input(MemoryBufferRef(yamlText, bufferName), nullptr,
                      collectDiag, &yamlErrors);
    input >> raw;
    if (input.error() && yamlErrors.empty())
      yamlErrors =
          (bufferName + ":1:1: error: invalid hardware description").str();
  }
  if (!yamlErrors.empty())
    return createStringError(inconvertibleErrorCode(), yamlErrors);

  // Missing required keys, all at once.
  std::vector<HardwareDiag> missing;
  auto require = [&](bool present, StringRef parent, StringRef key) {
    if (present)
      return;
    if (parent.empty())
      missing.push_back({"", ("missing required key '" + key + "'").str()});
    else
      missing.push_back(
          {parent.str(),
           ("missing required key '" + key + "' in '" + parent + "'").str()});
  };
  require(raw.clockMHz.has_value(), "", "clock_mhz");
  require(raw.array.has_value(), "", "array");
  if (raw.array) {
    require(raw.array->rows.has_value(), "array", "rows");
    require(raw.array->cols.has_value(), "array", "cols");
  }
  require(raw.scratchpad.has_value(), "", "scratchpad");
  require(raw.accumulator.has_value(), "", "accumulator");
  require(raw.dram.has_value(), "", "dram");
  if (raw.dram) {
    require(raw.dram->bytesPerCycle.has_value(), "dram", "bytes_per_cycle");
    require(raw.dram->latencyCycles.has_value(), "dram", "latency_cycles");
  }
  if (!missing.empty()) {
    std::string message;
    for (const HardwareDiag &d : missing) {
      if (!message.empty())
        message += "\n";
      message += locations.locate(d.key, d.message);
    }
    return createStringError(inconvertibleErrorCode(), message);
  }

  std::vector<HardwareDiag> diags;
  HardwareDesc hw;
  hw.name = raw.name.value_or("");
  hw.clockMHz = *raw.clockMHz;
  hw.rows = *raw.array->rows;
  hw.cols = *raw.array->cols;
  hw.dataflow = raw.array->dataflow.value_or(Dataflow::WeightStationary);
  hw.int8 = true;
  hw.bf16 = false;
  if (raw.array->precisions) {
    hw.int8 = is_contained(*raw.array->precisions, Precision::Int8);
    hw.bf16 = is_contained(*raw.array->precisions, Precision::BF16);
  }
  for (auto [key, mem] :
       {std::pair<StringRef, const RawMemory *>("scratchpad", &*raw.scratchpad),
        {"accumulator", &*raw.accumulator}}) {
    if (mem->bytes && mem->kib)
      diags.push_back({key.str(), (key + " size is given twice, as 'bytes' "
                                         "and as 'kib'; keep one")
                                      .str()});
    else if (!mem->bytes && !mem->kib)
      diags.push_back(
          {key.str(), (key + " needs its size: 'bytes' or 'kib'").str()});
  }
  hw.scratchpadBytes = memoryBytes(*raw.scratchpad);
  hw.scratchpadBanks = raw.scratchpad->banks.value_or(1);
  hw.accumulatorBytes = memoryBytes(*raw.accumulator);
  hw.accumulatorBanks = raw.accumulator->banks.value_or(1);
  hw.dmaBytesPerCycle = raw.dma.bytesPerCycle.value_or(16);
  hw.dramBytesPerCycle = *raw.dram->bytesPerCycle;
  hw.dramLatencyCycles = *raw.dram->latencyCycles;
  // One accumulator row per cycle, as Gemmini's; clamped so that a bad
  // `cols` is reported once, not again as bad lanes.
  hw.vectorLanes = raw.vector.lanes.value_or(std::clamp(hw.cols, 1u, 4096u));
  hw.vectorLatencyCycles = raw.vector.latencyCycles.value_or(4);
  hw.loadQueueDepth = raw.queues.load.value_or(8);
  hw.executeQueueDepth = raw.queues.execute.value_or(8);
  hw.storeQueueDepth = raw.queues.store.value_or(8);

  EnergyTable e = getDefaultEnergyTable(hw);
  const RawEnergy &re = raw.energy;
  hw.energy.macInt8 = re.macInt8.value_or(e.macInt8);
  hw.energy.macBf16 = re.macBf16.value_or(e.macBf16);
  hw.energy.scratchpadReadByte =
      re.scratchpadReadByte.value_or(e.scratchpadReadByte);
  hw.energy.scratchpadWriteByte =
      re.scratchpadWriteByte.value_or(e.scratchpadWriteByte);
  hw.energy.accumulatorReadByte =
      re.accumulatorReadByte.value_or(e.accumulatorReadByte);
  hw.energy.accumulatorWriteByte =
      re.accumulatorWriteByte.value_or(e.accumulatorWriteByte);
  hw.energy.dramByte = re.dramByte.value_or(e.dramByte);
  hw.energy.vectorOp = re.vectorOp.value_or(e.vectorOp);
  hw.energy.leakagePerCycle = re.leakagePerCycle.value_or(e.leakagePerCycle);
  hw.energy.source = re.source.value_or(e.source);

  AreaTable a = getDefaultAreaTable(hw);
  const RawArea &ra = raw.area;
  hw.area.array = ra.array.value_or(a.array);
  hw.area.scratchpad = ra.scratchpad.value_or(a.scratchpad);
  hw.area.accumulator = ra.accumulator.value_or(a.accumulator);
  hw.area.vectorUnit = ra.vectorUnit.value_or(a.vectorUnit);
  hw.area.dma = ra.dma.value_or(a.dma);
  hw.area.control = ra.control.value_or(a.control);
  hw.area.source = ra.source.value_or(a.source);

  // A missing size was already reported; its "0 bytes" follow-up would only
  // repeat it.
  for (HardwareDiag &d : checkHardwareDesc(hw)) {
    bool repeatsMissingSize = any_of(diags, [&](const HardwareDiag &prior) {
      return d.key == prior.key + ".bytes";
    });
    if (!repeatsMissingSize)
      diags.push_back(std::move(d));
  }
  if (diags.empty())
    return hw;
  std::string message;
  for (const HardwareDiag &d : diags) {
    if (!message.empty())
      message += "\n";
    message += locations.locate(d.key, d.message);
  }
  return createStringError(inconvertibleErrorCode(), message);
}

//===----------------------------------------------------------------------===//
// Presets
//===----------------------------------------------------------------------===//

namespace {
struct Preset {
  StringRef name;
  StringRef yaml;
};
// Generated by lib/NPU/CMakeLists.txt from lib/NPU/presets/*.yaml.
const Preset kPresets[] = {
#include "HardwarePresets.inc"
};
} // namespace

ArrayRef<StringRef> getPresetNames() {
  static const std::vector<StringRef> names = [] {
    std::vector<StringRef> result;
    for (const Preset &p : kPresets)
      result.push_back(p.name);
    return result;
  }();
  return names;
}

StringRef getPresetYAML(StringRef name) {
  for (const Preset &p : kPresets)
    if (p.name == name)
      return p.yaml;
  return {};
}

Expected<HardwareDesc> loadHardwareDesc(StringRef spec) {
  StringRef preset = getPresetYAML(spec);
  if (!preset.empty())
    return parseHardwareDesc(preset, ("<preset " + spec + ">").str());
  ErrorOr<std::unique_ptr<MemoryBuffer>> file =
      MemoryBuffer::getFile(spec, /*IsText=*/true);
  if (!file) {
    std::string message = ("cannot open hardware description '" + spec +
                           "': " + file.getError().message())
                              .str();
    // A bare word was more likely meant as a preset name.
    if (!spec.contains('/') && !spec.contains('.'))
      message += " (presets: " + join(getPresetNames(), ", ") + ")";
    return createStringError(file.getError(), message);
  }
  return parseHardwareDesc((*file)->getBuffer(), spec);
}

/// Applies KEY=VALUE settings to the canonical text of `base` and parses the
/// result (the same YAML typing and validation as a file). With
/// `dropDefaultTables`, energy and area tables equal to `base`'s geometry
/// defaults are left out of the text, so that they are recomputed.
static Expected<HardwareDesc> applySettings(const HardwareDesc &base,
                                            ArrayRef<std::string> settings,
                                            bool dropDefaultTables,
                                            StringRef what) {
  std::string canonical = printHardwareDesc(base);
  SmallVector<StringRef> raw;
  StringRef(canonical).split(raw, '\n');
  SmallVector<std::string> lines;
  for (StringRef line : raw)
    if (!line.empty() && !line.starts_with("#"))
      lines.push_back(line.str());
  // The dotted path of the "key: value" line i ("" for a section header).
  auto pathOf = [&](size_t i) -> std::string {
    StringRef line = lines[i];
    if (line.rtrim().ends_with(":"))
      return "";
    std::string key = line.trim().split(':').first.str();
    if (!line.starts_with(" "))
      return key;
    for (size_t j = i; j-- > 0;)
      if (!StringRef(lines[j]).starts_with(" "))
        return StringRef(lines[j]).split(':').first.str() + "." + key;
    return key;
  };
  for (const std::string &setting : settings) {
    auto [key, value] = StringRef(setting).split('=');
    bool found = false;
    std::vector<std::string> keys;
    for (size_t i = 0; i < lines.size(); ++i) {
      std::string path = pathOf(i);
      if (path.empty())
        continue;
      keys.push_back(path);
      if (path != key)
        continue;
      StringRef line = lines[i];
      size_t indent = line.size() - line.ltrim().size();
      lines[i] = std::string(indent, ' ') + path.substr(path.rfind('.') + 1) +
                 ": " + value.str();
      found = true;
    }
    if (!found)
      return createStringError(inconvertibleErrorCode(),
                               "--set " + setting + ": unknown hardware key '" +
                                   key + "' (keys: " + join(keys, ", ") + ")");
  }
  bool dropEnergy =
      dropDefaultTables && base.energy == getDefaultEnergyTable(base);
  bool dropArea = dropDefaultTables && base.area == getDefaultAreaTable(base);
  std::string text, section;
  for (const std::string &line : lines) {
    if (!StringRef(line).starts_with(" "))
      section = StringRef(line).split(':').first.str();
    if ((section == "energy_pj" && dropEnergy) ||
        (section == "area_mm2" && dropArea))
      continue;
    text += line + "\n";
  }
  return parseHardwareDesc(text, what);
}

Expected<HardwareDesc> overrideHardwareDesc(const HardwareDesc &base,
                                            ArrayRef<std::string> settings,
                                            StringRef baseName) {
  if (settings.empty())
    return base;
  std::string what = (baseName + " with --set").str();
  std::vector<std::string> geometry, tables;
  for (const std::string &setting : settings) {
    StringRef key = StringRef(setting).split('=').first;
    if (!StringRef(setting).contains('=') || key.empty() ||
        StringRef(setting).split('=').second.empty())
      return createStringError(inconvertibleErrorCode(),
                               "--set " + setting +
                                   ": expected KEY=VALUE, e.g. "
                                   "dma.bytes_per_cycle=32");
    bool table = key.starts_with("energy_pj.") || key.starts_with("area_mm2.");
    (table ? tables : geometry).push_back(setting);
    what += " " + setting;
  }
  // First the parameters (default tables follow the new geometry), then
  // the table entries on top of the new geometry's tables.
  Expected<HardwareDesc> desc =
      applySettings(base, geometry, /*dropDefaultTables=*/true, what);
  if (desc && !tables.empty())
    desc = applySettings(*desc, tables, /*dropDefaultTables=*/false, what);
  if (desc)
    return desc;
  // Line:column positions in the edited text mean nothing to the user: keep
  // the message of each problem, which names its key.
  std::string message = toString(desc.takeError()), cleaned;
  SmallVector<StringRef> problems;
  StringRef(message).split(problems, '\n', -1, /*KeepEmpty=*/false);
  for (StringRef problem : problems) {
    if (problem.consume_front(what)) {
      size_t at = problem.find("error: ");
      if (at != StringRef::npos)
        problem = problem.drop_front(at + strlen("error: "));
      problem = problem.ltrim(": ");
      cleaned += (cleaned.empty() ? "" : "\n") + what + ": " + problem.str();
    } else {
      cleaned += (cleaned.empty() ? "" : "\n") + problem.str();
    }
  }
  return createStringError(inconvertibleErrorCode(), cleaned);
}

//===----------------------------------------------------------------------===//
// Printing and hashing
//===----------------------------------------------------------------------===//

static std::string quoteIfNeeded(StringRef s) {
  if (yaml::needsQuotes(s) == yaml::QuotingType::None)
    return s.str();
  return "\"" + yaml::escape(s) + "\"";
}

static void printMemory(raw_ostream &os, StringRef name, uint64_t bytes,
                        unsigned banks) {
  os << name << ":\n";
  if (bytes % 1024 == 0)
    os << "  kib: " << (bytes >> 10) << "\n";
  else
    os << "  bytes: " << bytes << "\n";
  os << "  banks: " << banks << "\n";
}

std::string printHardwareDesc(const HardwareDesc &hw) {
  std::string text;
  raw_string_ostream os(text);
  os << "name: " << quoteIfNeeded(hw.name) << "\n";
  os << "clock_mhz: " << formatDouble(hw.clockMHz) << "\n";
  os << "array:\n";
  os << "  rows: " << hw.rows << "\n";
  os << "  cols: " << hw.cols << "\n";
  os << "  dataflow: " << getDataflowName(hw.dataflow) << "\n";
  SmallVector<StringRef, 2> precisions;
  if (hw.int8)
    precisions.push_back("int8");
  if (hw.bf16)
    precisions.push_back("bf16");
  os << "  precisions: [" << join(precisions, ", ") << "]\n";
  printMemory(os, "scratchpad", hw.scratchpadBytes, hw.scratchpadBanks);
  printMemory(os, "accumulator", hw.accumulatorBytes, hw.accumulatorBanks);
  os << "dma:\n";
  os << "  bytes_per_cycle: " << hw.dmaBytesPerCycle << "\n";
  os << "dram:\n";
  os << "  bytes_per_cycle: " << formatDouble(hw.dramBytesPerCycle) << "\n";
  os << "  latency_cycles: " << hw.dramLatencyCycles << "\n";
  os << "vector:\n";
  os << "  lanes: " << hw.vectorLanes << "\n";
  os << "  latency_cycles: " << hw.vectorLatencyCycles << "\n";
  os << "queues:\n";
  os << "  load: " << hw.loadQueueDepth << "\n";
  os << "  execute: " << hw.executeQueueDepth << "\n";
  os << "  store: " << hw.storeQueueDepth << "\n";
  const EnergyTable &e = hw.energy;
  os << "energy_pj:\n";
  os << "  mac_int8: " << formatDouble(e.macInt8) << "\n";
  os << "  mac_bf16: " << formatDouble(e.macBf16) << "\n";
  os << "  scratchpad_read_byte: " << formatDouble(e.scratchpadReadByte)
     << "\n";
  os << "  scratchpad_write_byte: " << formatDouble(e.scratchpadWriteByte)
     << "\n";
  os << "  accumulator_read_byte: " << formatDouble(e.accumulatorReadByte)
     << "\n";
  os << "  accumulator_write_byte: " << formatDouble(e.accumulatorWriteByte)
     << "\n";
  os << "  dram_byte: " << formatDouble(e.dramByte) << "\n";
  os << "  vector_op: " << formatDouble(e.vectorOp) << "\n";
  os << "  leakage_per_cycle: " << formatDouble(e.leakagePerCycle) << "\n";
  os << "  source: " << quoteIfNeeded(e.source) << "\n";
  const AreaTable &a = hw.area;
  os << "area_mm2:\n";
  os << "  array: " << formatDouble(a.array) << "\n";
  os << "  scratchpad: " << formatDouble(a.scratchpad) << "\n";
  os << "  accumulator: " << formatDouble(a.accumulator) << "\n";
  os << "  vector_unit: " << formatDouble(a.vectorUnit) << "\n";
  os << "  dma: " << formatDouble(a.dma) << "\n";
  os << "  control: " << formatDouble(a.control) << "\n";
  os << "  source: " << quoteIfNeeded(a.source) << "\n";
  return text;
}

// The hashed serialization: every field that changes which programs are
// valid or how many cycles they take, in a fixed order, with a version tag so
// that a change of this list changes every hash. Excluded: name, clock (it
// only converts cycles to seconds), energy and area tables.
static std::string hashedFields(const HardwareDesc &hw) {
  std::string s;
  raw_string_ostream os(s);
  os << "tessera-npu-hw-v1"
     << ";rows=" << hw.rows << ";cols=" << hw.cols
     << ";dataflow=" << getDataflowName(hw.dataflow) << ";int8=" << hw.int8
     << ";bf16=" << hw.bf16 << ";sp_bytes=" << hw.scratchpadBytes
     << ";sp_banks=" << hw.scratchpadBanks
     << ";acc_bytes=" << hw.accumulatorBytes
     << ";acc_banks=" << hw.accumulatorBanks
     << ";dma_bpc=" << hw.dmaBytesPerCycle
     << ";dram_bpc=" << formatDouble(hw.dramBytesPerCycle)
     << ";dram_lat=" << hw.dramLatencyCycles << ";vec_lanes=" << hw.vectorLanes
     << ";vec_lat=" << hw.vectorLatencyCycles << ";q_load=" << hw.loadQueueDepth
     << ";q_exec=" << hw.executeQueueDepth << ";q_store=" << hw.storeQueueDepth;
  return s;
}

uint64_t hashHardwareDesc(const HardwareDesc &hw) {
  // FNV-1a, 64 bit.
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (unsigned char byte : hashedFields(hw)) {
    hash ^= byte;
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

} // namespace tessera::npu
