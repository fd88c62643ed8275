//===- Hardware.cpp - Tessera NPU hardware description ----------*- C++ -*-===//
//
// YAML hardware descriptions (docs/npu/hardware.md): parsing with LLVM's YAML
// I/O into an all-optional mirror of the format, defaults, validation with
// located messages, the embedded presets, canonical printing, overrides and
// the hash. Every key is one row of tessera/NPU/Hardware.def; each of those
// steps is one expansion of that table.
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
#include <type_traits>

using namespace llvm;

namespace tessera::npu {
namespace {

enum class Precision : uint8_t { Int8, BF16 };

/// The DEFAULT of a Hardware.def key that must be given.
struct RequiredTag {};
constexpr RequiredTag Required;
/// The MAX of a Hardware.def key without an upper bound.
constexpr uint64_t kNoMax = UINT64_MAX;
/// The most banks an SRAM may have.
constexpr unsigned kMaxBanks = 64;
/// The version tag of the hashed serialization: a change of what is hashed
/// changes it, and with it every hash.
constexpr StringLiteral kHashVersion = "tessera-npu-hw-v1";
/// The cost tables, whose defaults follow the geometry.
constexpr StringLiteral kEnergySection = "energy_pj";
constexpr StringLiteral kAreaSection = "area_mm2";

/// Whether a Hardware.def DEFAULT is `Required` (unevaluated: DEFAULT may
/// read `hw`).
#define HW_IS_REQUIRED(DEFAULT)                                                \
  std::is_same_v<std::decay_t<decltype(DEFAULT)>, RequiredTag>

// Mirror of the YAML format, one struct per mapping. Every key is a
// std::optional so that defaults that depend on other keys (vector lanes, the
// energy and area tables) are filled in after parsing and so that `bytes` vs
// `kib` can be told apart.
// Required keys are optional here too: yaml::Input stops at the first missing
// key, before it reports unknown keys, and a misspelt key is the likelier
// cause ("colums" then "missing cols"); presence is checked after parsing.
// clang-format off
#define HW_SECTION(NAME, REQUIRED) struct Raw_##NAME {
#define HW_SECTION_END(NAME) };
// clang-format on
#define HW_STRING(SECTION, KEY, ...) std::optional<std::string> KEY;
#define HW_UINT(SECTION, KEY, ...) std::optional<unsigned> KEY;
#define HW_REAL(SECTION, KEY, ...) std::optional<double> KEY;
#define HW_DATAFLOW(SECTION, KEY, ...) std::optional<Dataflow> KEY;
#define HW_PRECISIONS(SECTION, KEY, ...)                                       \
  std::optional<std::vector<Precision>> KEY;
#define HW_MEMORY(SECTION, ...)                                                \
  std::optional<uint64_t> bytes, kib;                                          \
  std::optional<unsigned> banks;
#include "tessera/NPU/Hardware.def"

/// A required mapping is a std::optional, so that its absence is reported
/// with the other missing keys.
template <typename T, bool IsRequired>
using RawSection = std::conditional_t<IsRequired, std::optional<T>, T>;

struct RawDesc {
#define HW_SECTION(NAME, REQUIRED) RawSection<Raw_##NAME, REQUIRED> NAME;
#include "tessera/NPU/Hardware.def"
};

template <typename T> bool isPresent(const std::optional<T> &section) {
  return section.has_value();
}
template <typename T> bool isPresent(const T &) { return true; }
template <typename T> const T &getSection(const std::optional<T> &section) {
  return *section;
}
template <typename T> const T &getSection(const T &section) { return section; }

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

// clang-format off
#define HW_SECTION(NAME, REQUIRED)                                             \
  template <> struct MappingTraits<Raw_##NAME> {                               \
    static void mapping(IO &io, Raw_##NAME &section) {
#define HW_SECTION_END(NAME) } };
// clang-format on
#define HW_KEY(KEY) io.mapOptional(#KEY, section.KEY);
#define HW_STRING(SECTION, KEY, ...) HW_KEY(KEY)
#define HW_UINT(SECTION, KEY, ...) HW_KEY(KEY)
#define HW_REAL(SECTION, KEY, ...) HW_KEY(KEY)
#define HW_DATAFLOW(SECTION, KEY, ...) HW_KEY(KEY)
#define HW_PRECISIONS(SECTION, KEY, ...) HW_KEY(KEY)
#define HW_MEMORY(SECTION, ...) HW_KEY(bytes) HW_KEY(kib) HW_KEY(banks)
#include "tessera/NPU/Hardware.def"
#undef HW_KEY

/// The root's keys are the document's own.
static void mapSection(IO &io, const char *, Raw_root &root) {
  MappingTraits<Raw_root>::mapping(io, root);
}
template <typename T>
static void mapSection(IO &io, const char *key, T &section) {
  io.mapOptional(key, section);
}

template <> struct MappingTraits<RawDesc> {
  static void mapping(IO &io, RawDesc &desc) {
#define HW_SECTION(NAME, REQUIRED) mapSection(io, #NAME, desc.NAME);
#include "tessera/NPU/Hardware.def"
  }
};

} // namespace llvm::yaml

namespace tessera::npu {

//===----------------------------------------------------------------------===//
// Keys, equality, names
//===----------------------------------------------------------------------===//

/// The mapping of a Hardware.def section: "" for the document's own keys.
static StringRef sectionName(StringRef section) {
  return section == "root" ? StringRef() : section;
}

/// The dotted key of `key` in `section` ("array.rows", "clock_mhz").
static std::string dottedKey(StringRef section, StringRef key) {
  section = sectionName(section);
  return section.empty() ? key.str() : (section + "." + key).str();
}

bool HardwareDesc::operator==(const HardwareDesc &o) const {
  bool equal = true;
#define HW_EQUAL(MEMBER) equal = equal && MEMBER == o.MEMBER;
#define HW_STRING(SECTION, KEY, MEMBER, ...) HW_EQUAL(MEMBER)
#define HW_UINT(SECTION, KEY, MEMBER, ...) HW_EQUAL(MEMBER)
#define HW_REAL(SECTION, KEY, MEMBER, ...) HW_EQUAL(MEMBER)
#define HW_DATAFLOW(SECTION, KEY, MEMBER, ...) HW_EQUAL(MEMBER)
#define HW_PRECISIONS(...) HW_EQUAL(int8) HW_EQUAL(bf16)
#define HW_MEMORY(SECTION, BYTES, BANKS, ...) HW_EQUAL(BYTES) HW_EQUAL(BANKS)
#include "tessera/NPU/Hardware.def"
#undef HW_EQUAL
  return equal;
}

// The tables' entries are rows of Hardware.def too: compare them inside two
// descriptions that differ in nothing else.
bool EnergyTable::operator==(const EnergyTable &o) const {
  HardwareDesc a, b;
  a.energy = *this;
  b.energy = o;
  return a == b;
}

bool AreaTable::operator==(const AreaTable &o) const {
  HardwareDesc a, b;
  a.area = *this;
  b.area = o;
  return a == b;
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
/// One check per kind of Hardware.def row.
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
  /// [lo, hi], or at least `lo` when hi is kNoMax.
  void bounded(StringRef key, uint64_t value, uint64_t lo, uint64_t hi) {
    if (hi != kNoMax)
      return inRange(key, value, lo, hi);
    if (value < lo)
      error(key,
            key + " must be at least " + Twine(lo) + ", got " + Twine(value));
  }
  bool positive(StringRef key, double value) {
    if (value > 0 && std::isfinite(value))
      return true;
    error(key, key + " must be a positive number, got " + formatDouble(value));
    return false;
  }
  bool nonNegative(StringRef key, double value) {
    if (value >= 0 && std::isfinite(value))
      return true;
    error(key,
          key + " must be a non-negative number, got " + formatDouble(value));
    return false;
  }
  /// A physical quantity: `check` (sign, finite), then its sane range.
  void real(StringRef key, double value,
            bool (Checker::*check)(StringRef, double), double lo, double hi) {
    if (!(this->*check)(key, value))
      return;
    if (value < lo || value > hi)
      error(key, key + " must be in [" + formatDouble(lo) + ", " +
                     formatDouble(hi) + "], got " + formatDouble(value));
  }
  void dataflow(StringRef key, Dataflow dataflow) {
    if (dataflow == Dataflow::OutputStationary)
      error(key,
            "dataflow 'output_stationary' is not supported by ISA version 1 "
            "(preload and matmul define a weight-stationary array)");
  }
  void precisions(StringRef key, bool int8) {
    if (!int8)
      error(key, key + " must include int8 (the ISA's matmul is int8)");
  }
  void memory(StringRef name, uint64_t bytes, unsigned banks, unsigned rowBytes,
              StringRef rowWhat, uint64_t minBytes, StringRef minWhat) {
    std::string bytesKey = (name + ".bytes").str();
    std::string banksKey = (name + ".banks").str();
    inRange(banksKey, banks, 1, kMaxBanks);
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
  // Sizes are only checked against the array once the array itself is sane,
  // so one bad side does not bury the real message under follow-ups: the
  // memories of a bad array are checked against a 1 x 1 one.
  HardwareDesc geometry = hw;
  if (hw.rows < 1 || hw.rows > kMaxArraySide || hw.cols < 1 ||
      hw.cols > kMaxArraySide)
    geometry.rows = geometry.cols = 1;
#define HW_UINT(SECTION, KEY, MEMBER, DEFAULT, DOC_DEFAULT, MIN, MAX, ...)     \
  c.bounded(dottedKey(#SECTION, #KEY), hw.MEMBER, MIN, MAX);
#define HW_REAL(SECTION, KEY, MEMBER, DEFAULT, DOC_DEFAULT, CHECK, MIN, MAX,   \
                ...)                                                           \
  c.real(dottedKey(#SECTION, #KEY), hw.MEMBER, &Checker::CHECK, MIN, MAX);
#define HW_DATAFLOW(SECTION, KEY, MEMBER, ...)                                 \
  c.dataflow(dottedKey(#SECTION, #KEY), hw.MEMBER);
#define HW_PRECISIONS(SECTION, KEY, ...)                                       \
  c.precisions(dottedKey(#SECTION, #KEY), hw.int8);
#define HW_MEMORY(SECTION, BYTES, BANKS, ROW_BYTES, ROW_WHAT, MIN_BYTES,       \
                  MIN_WHAT, ...)                                               \
  c.memory(#SECTION, hw.BYTES, hw.BANKS, geometry.ROW_BYTES(), ROW_WHAT,       \
           geometry.MIN_BYTES(), MIN_WHAT);
#include "tessera/NPU/Hardware.def"
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
    // A node the parser recovered from an error may point anywhere: only
    // locations inside the buffer are used.
    StringRef buffer = sm.getMemoryBuffer(sm.getMainFileID())->getBuffer();
    if (!loc.isValid() || loc.getPointer() < buffer.begin() ||
        loc.getPointer() > buffer.end())
      loc = SMLoc::getFromPointer(buffer.begin());
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

/// Over-approximates, without parsing, how deeply `text` nests as YAML: one
/// level per block indentation step, per compact `- `/`? ` marker and per
/// open flow bracket (outside quoted scalars and comments). Returns the offset
/// at which that depth first exceeds `limit`, or npos. Iterative and linear,
/// it runs before any recursive parser sees the text.
static size_t findExcessNesting(StringRef text, unsigned limit) {
  enum class Quote { None, Single, Double };
  auto isBlank = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
  SmallVector<size_t> indents;
  unsigned flow = 0, block = 0;
  Quote quote = Quote::None;
  for (size_t line = 0; line < text.size();) {
    size_t end = std::min(text.find('\n', line), text.size());
    size_t j = line;
    if (quote == Quote::None && flow == 0) {
      while (j < end && isBlank(text[j]))
        ++j;
      if (j == end || text[j] == '#') {
        line = end + 1;
        continue;
      }
      size_t indent = j - line;
      while (!indents.empty() && indents.back() >= indent)
        indents.pop_back();
      indents.push_back(indent);
      unsigned compact = 0;
      while (j < end && (text[j] == '-' || text[j] == '?') &&
             (j + 1 == end || isBlank(text[j + 1]))) {
        ++compact;
        ++j;
        while (j < end && isBlank(text[j]))
          ++j;
      }
      block = indents.size() + compact;
      if (block > limit)
        return line;
    }
    for (; j < end; ++j) {
      char c = text[j];
      if (quote == Quote::Single) {
        if (c == '\'' && j + 1 < end && text[j + 1] == '\'')
          ++j;
        else if (c == '\'')
          quote = Quote::None;
        continue;
      }
      if (quote == Quote::Double) {
        if (c == '\\')
          ++j;
        else if (c == '"')
          quote = Quote::None;
        continue;
      }
      if (c == '#' && (j == line || isBlank(text[j - 1])))
        break;
      if (c == '\'' || c == '"') {
        // A quote opens a scalar only where a scalar can start.
        StringRef before = text.slice(line, j).rtrim(" \t");
        if (before.empty() || StringRef("[{,:-?").contains(before.back()))
          quote = c == '"' ? Quote::Double : Quote::Single;
        continue;
      }
      if (c == '[' || c == '{') {
        if (block + ++flow > limit)
          return j;
      } else if ((c == ']' || c == '}') && flow > 0) {
        --flow;
      }
    }
    line = end + 1;
  }
  return StringRef::npos;
}

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

template <typename T>
static T valueOr(const std::optional<T> &value, RequiredTag) {
  return *value;
}
template <typename T, typename D>
static T valueOr(const std::optional<T> &value, const D &defaultValue) {
  return value ? *value : T(defaultValue);
}

static void fillPrecisions(const std::optional<std::vector<Precision>> &list,
                           HardwareDesc &hw) {
  hw.int8 = !list || is_contained(*list, Precision::Int8);
  hw.bf16 = list && is_contained(*list, Precision::BF16);
}

/// An SRAM's size (`bytes` or `kib`, exactly one) and banks.
template <typename RawMemory>
static void fillMemory(StringRef name, const RawMemory &memory, uint64_t &bytes,
                       unsigned &banks, std::vector<HardwareDiag> &diags) {
  if (memory.bytes && memory.kib)
    diags.push_back({name.str(), (name + " size is given twice, as 'bytes' "
                                         "and as 'kib'; keep one")
                                     .str()});
  else if (!memory.bytes && !memory.kib)
    diags.push_back(
        {name.str(), (name + " needs its size: 'bytes' or 'kib'").str()});
  if (memory.bytes)
    bytes = *memory.bytes;
  else if (!memory.kib)
    bytes = 0;
  else // Saturate: validation reports anything past 16 MiB.
    bytes = *memory.kib > (UINT64_MAX >> 10) ? UINT64_MAX : *memory.kib << 10;
  banks = memory.banks.value_or(1);
}

Expected<HardwareDesc> parseHardwareDesc(StringRef yamlText,
                                         StringRef bufferName) {
  // LLVM's YAML parser and the key walk below recurse once per level: refuse
  // deep nesting before either runs.
  if (size_t at = findExcessNesting(yamlText, kMaxHardwareNesting);
      at != StringRef::npos) {
    StringRef before = yamlText.take_front(at);
    size_t lineStart = before.rfind('\n');
    size_t column = lineStart == StringRef::npos ? at + 1 : at - lineStart;
    return createStringError(
        inconvertibleErrorCode(),
        bufferName + ":" + Twine(before.count('\n') + 1) + ":" + Twine(column) +
            ": error: hardware description nested deeper than " +
            Twine(kMaxHardwareNesting) + " levels");
  }
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
  HardwareDesc hw;
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
  bool sectionPresent = true;
#define HW_SECTION(NAME, REQUIRED)                                             \
  sectionPresent = isPresent(raw.NAME);                                        \
  if (REQUIRED)                                                                \
    require(sectionPresent, "", #NAME);
#define HW_REQUIRE(SECTION, KEY, DEFAULT)                                      \
  if (HW_IS_REQUIRED(DEFAULT) && sectionPresent)                               \
    require(getSection(raw.SECTION).KEY.has_value(), sectionName(#SECTION),    \
            #KEY);
#define HW_STRING(SECTION, KEY, MEMBER, DEFAULT, ...)                          \
  HW_REQUIRE(SECTION, KEY, DEFAULT)
#define HW_UINT(SECTION, KEY, MEMBER, DEFAULT, ...)                            \
  HW_REQUIRE(SECTION, KEY, DEFAULT)
#define HW_REAL(SECTION, KEY, MEMBER, DEFAULT, ...)                            \
  HW_REQUIRE(SECTION, KEY, DEFAULT)
#include "tessera/NPU/Hardware.def"
#undef HW_REQUIRE
  if (!missing.empty()) {
    std::string message;
    for (const HardwareDiag &d : missing) {
      if (!message.empty())
        message += "\n";
      message += locations.locate(d.key, d.message);
    }
    return createStringError(inconvertibleErrorCode(), message);
  }

  // The values, in table order: a default may read the keys above it.
  std::vector<HardwareDiag> diags;
#define HW_FILL(SECTION, KEY, MEMBER, DEFAULT)                                 \
  hw.MEMBER = valueOr(getSection(raw.SECTION).KEY, DEFAULT);
#define HW_STRING(SECTION, KEY, MEMBER, DEFAULT, ...)                          \
  HW_FILL(SECTION, KEY, MEMBER, DEFAULT)
#define HW_UINT(SECTION, KEY, MEMBER, DEFAULT, ...)                            \
  HW_FILL(SECTION, KEY, MEMBER, DEFAULT)
#define HW_REAL(SECTION, KEY, MEMBER, DEFAULT, ...)                            \
  HW_FILL(SECTION, KEY, MEMBER, DEFAULT)
#define HW_DATAFLOW(SECTION, KEY, MEMBER, ...)                                 \
  hw.MEMBER = getSection(raw.SECTION).KEY.value_or(Dataflow::WeightStationary);
#define HW_PRECISIONS(SECTION, KEY, ...)                                       \
  fillPrecisions(getSection(raw.SECTION).KEY, hw);
#define HW_MEMORY(SECTION, BYTES, BANKS, ...)                                  \
  fillMemory(#SECTION, getSection(raw.SECTION), hw.BYTES, hw.BANKS, diags);
#include "tessera/NPU/Hardware.def"
#undef HW_FILL

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
// Printing
//===----------------------------------------------------------------------===//

static std::string quoteIfNeeded(StringRef s) {
  if (yaml::needsQuotes(s) == yaml::QuotingType::None)
    return s.str();
  return "\"" + yaml::escape(s) + "\"";
}

namespace {
/// One `key: value` line of the canonical form.
struct Entry {
  StringRef section; ///< "" for the document's own keys
  StringRef key;
  std::string value; ///< YAML text
};
} // namespace

static std::string formatPrecisions(const HardwareDesc &hw) {
  SmallVector<StringRef, 2> precisions;
  if (hw.int8)
    precisions.push_back("int8");
  if (hw.bf16)
    precisions.push_back("bf16");
  return "[" + join(precisions, ", ") + "]";
}

/// The canonical form of `hw` as lines: every key, in table order, sizes as
/// `kib` when a whole number of KiB.
static std::vector<Entry> getEntries(const HardwareDesc &hw) {
  std::vector<Entry> entries;
  auto add = [&](StringRef section, StringRef key, std::string value) {
    entries.push_back({sectionName(section), key, std::move(value)});
  };
#define HW_STRING(SECTION, KEY, MEMBER, ...)                                   \
  add(#SECTION, #KEY, quoteIfNeeded(hw.MEMBER));
#define HW_UINT(SECTION, KEY, MEMBER, ...)                                     \
  add(#SECTION, #KEY, std::to_string(hw.MEMBER));
#define HW_REAL(SECTION, KEY, MEMBER, ...)                                     \
  add(#SECTION, #KEY, formatDouble(hw.MEMBER));
#define HW_DATAFLOW(SECTION, KEY, MEMBER, ...)                                 \
  add(#SECTION, #KEY, getDataflowName(hw.MEMBER).str());
#define HW_PRECISIONS(SECTION, KEY, ...)                                       \
  add(#SECTION, #KEY, formatPrecisions(hw));
#define HW_MEMORY(SECTION, BYTES, BANKS, ...)                                  \
  if (hw.BYTES % 1024 == 0)                                                    \
    add(#SECTION, "kib", std::to_string(hw.BYTES >> 10));                      \
  else                                                                         \
    add(#SECTION, "bytes", std::to_string(hw.BYTES));                          \
  add(#SECTION, "banks", std::to_string(hw.BANKS));
#include "tessera/NPU/Hardware.def"
  return entries;
}

static std::string renderEntries(ArrayRef<Entry> entries) {
  std::string text;
  StringRef section;
  for (const Entry &entry : entries) {
    if (entry.section != section) {
      section = entry.section;
      text += (section + ":\n").str();
    }
    if (!section.empty())
      text += "  ";
    text += (entry.key + ": " + entry.value + "\n").str();
  }
  return text;
}

std::string printHardwareDesc(const HardwareDesc &hw) {
  return renderEntries(getEntries(hw));
}

//===----------------------------------------------------------------------===//
// Presets, overrides
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

/// Applies KEY=VALUE settings to the canonical form of `base` and parses the
/// result (the same YAML typing and validation as a file). With
/// `dropDefaultTables`, energy and area tables equal to `base`'s geometry
/// defaults are left out of the text, so that they are recomputed.
static Expected<HardwareDesc> applySettings(const HardwareDesc &base,
                                            ArrayRef<std::string> settings,
                                            bool dropDefaultTables,
                                            StringRef what) {
  std::vector<Entry> entries = getEntries(base);
  for (const std::string &setting : settings) {
    auto [key, value] = StringRef(setting).split('=');
    auto entry = find_if(entries, [&, key = key](const Entry &e) {
      return dottedKey(e.section, e.key) == key;
    });
    if (entry != entries.end()) {
      entry->value = value.str();
      continue;
    }
    std::vector<std::string> keys;
    for (const Entry &e : entries)
      keys.push_back(dottedKey(e.section, e.key));
    return createStringError(inconvertibleErrorCode(),
                             "--set " + setting + ": unknown hardware key '" +
                                 key + "' (keys: " + join(keys, ", ") + ")");
  }
  bool dropEnergy =
      dropDefaultTables && base.energy == getDefaultEnergyTable(base);
  bool dropArea = dropDefaultTables && base.area == getDefaultAreaTable(base);
  erase_if(entries, [&](const Entry &e) {
    return (dropEnergy && e.section == kEnergySection) ||
           (dropArea && e.section == kAreaSection);
  });
  return parseHardwareDesc(renderEntries(entries), what);
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
    if (findExcessNesting(StringRef(setting).split('=').second,
                          kMaxHardwareNesting) != StringRef::npos)
      return createStringError(inconvertibleErrorCode(),
                               "--set " + key +
                                   "=...: value nested deeper than " +
                                   Twine(kMaxHardwareNesting) + " levels");
    bool table = key.starts_with((kEnergySection + ".").str()) ||
                 key.starts_with((kAreaSection + ".").str());
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
// Hashing
//===----------------------------------------------------------------------===//

// The hashed serialization: the fields with a HASH name in Hardware.def, in
// table order, after a version tag. Excluded: name, clock (it only converts
// cycles to seconds), energy and area tables.
static std::string hashedFields(const HardwareDesc &hw) {
  std::string s;
  raw_string_ostream os(s);
  os << kHashVersion;
  auto field = [&](StringRef name, const auto &value) {
    if (!name.empty())
      os << ";" << name << "=" << value;
  };
#define HW_UINT(SECTION, KEY, MEMBER, DEFAULT, DOC_DEFAULT, MIN, MAX, HASH,    \
                ...)                                                           \
  field(HASH, hw.MEMBER);
#define HW_REAL(SECTION, KEY, MEMBER, DEFAULT, DOC_DEFAULT, CHECK, MIN, MAX,   \
                HASH, ...)                                                     \
  field(HASH, formatDouble(hw.MEMBER));
#define HW_DATAFLOW(SECTION, KEY, MEMBER, HASH, ...)                           \
  field(HASH, getDataflowName(hw.MEMBER));
#define HW_PRECISIONS(...)                                                     \
  field("int8", hw.int8);                                                      \
  field("bf16", hw.bf16);
#define HW_MEMORY(SECTION, BYTES, BANKS, ROW_BYTES, ROW_WHAT, MIN_BYTES,       \
                  MIN_WHAT, HASH, ...)                                         \
  field(HASH "_bytes", hw.BYTES);                                              \
  field(HASH "_banks", hw.BANKS);
#include "tessera/NPU/Hardware.def"
  // Added after the first programs were hashed: only when it changes timing.
  if (hw.weightBuffers != 1)
    field("wbuf", hw.weightBuffers);
  if (hw.isaVersion != 2)
    field("isa", hw.isaVersion);
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

//===----------------------------------------------------------------------===//
// Documentation
//===----------------------------------------------------------------------===//

static std::string docRange(uint64_t lo, uint64_t hi) {
  if (hi == kNoMax)
    return ">= " + std::to_string(lo);
  return std::to_string(lo) + ".." + std::to_string(hi);
}

void printHardwareDocTables(raw_ostream &os) {
  // HW_IS_REQUIRED looks at the type of a DEFAULT, which may read `hw`.
  [[maybe_unused]] const HardwareDesc hw;
  auto row = [&](const Twine &key, bool required, StringRef type,
                 StringRef unit, StringRef defaultValue, const Twine &range,
                 StringRef doc) {
    std::string cells[] = {
        (key + (required ? " **req**" : "")).str(), type.str(),  unit.str(),
        required ? "" : defaultValue.str(),         range.str(), doc.str()};
    os << "|";
    for (const std::string &cell : cells)
      os << (cell.empty() ? "" : " " + cell) << " |";
    os << "\n";
  };
  auto keyCell = [](StringRef section, StringRef key) {
    return "`" + dottedKey(section, key) + "`";
  };
  os << "<!-- BEGIN GENERATED HARDWARE KEYS -->\n"
     << "| key | type | unit | default | valid range | meaning |\n"
     << "|---|---|---|---|---|---|\n";
#define HW_DOC_DEFAULT(DEFAULT, DOC_DEFAULT)                                   \
  (StringRef(DOC_DEFAULT).empty() ? StringRef(#DEFAULT)                        \
                                  : StringRef(DOC_DEFAULT))
#define HW_STRING(SECTION, KEY, MEMBER, DEFAULT, DOC_DEFAULT, DOC)             \
  row(keyCell(#SECTION, #KEY), HW_IS_REQUIRED(DEFAULT), "string", "",          \
      StringRef(DOC_DEFAULT).empty() ? StringRef("`" #DEFAULT "`")             \
                                     : StringRef(DOC_DEFAULT),                 \
      "any", DOC);
#define HW_UINT(SECTION, KEY, MEMBER, DEFAULT, DOC_DEFAULT, MIN, MAX, HASH,    \
                UNIT, DOC)                                                     \
  row(keyCell(#SECTION, #KEY), HW_IS_REQUIRED(DEFAULT), "integer", UNIT,       \
      HW_DOC_DEFAULT(DEFAULT, DOC_DEFAULT), docRange(MIN, MAX), DOC);
#define HW_REAL(SECTION, KEY, MEMBER, DEFAULT, DOC_DEFAULT, CHECK, MIN, MAX,   \
                HASH, UNIT, DOC)                                               \
  row(keyCell(#SECTION, #KEY), HW_IS_REQUIRED(DEFAULT), "number", UNIT,        \
      HW_DOC_DEFAULT(DEFAULT, DOC_DEFAULT),                                    \
      formatDouble(MIN) + ".." + formatDouble(MAX) + ", finite", DOC);
#define HW_DATAFLOW(SECTION, KEY, MEMBER, HASH, DOC)                           \
  row(keyCell(#SECTION, #KEY), false,                                          \
      "`weight_stationary` \\| `output_stationary`", "",                       \
      "`weight_stationary`", "`weight_stationary`", DOC);
#define HW_PRECISIONS(SECTION, KEY, DOC)                                       \
  row(keyCell(#SECTION, #KEY), false, "list of `int8`, `bf16`", "",            \
      "`[int8]`", "must contain `int8`", DOC);
#define HW_MEMORY(SECTION, BYTES, BANKS, ROW_BYTES, ROW_WHAT, MIN_BYTES,       \
                  MIN_WHAT, HASH, DOC)                                         \
  row(keyCell(#SECTION, "bytes") + " or " + keyCell(#SECTION, "kib") +         \
          " **req** (exactly one)",                                            \
      false, "integer", "bytes / KiB", "",                                     \
      "see [Memory sizes](#memory-sizes)", DOC);                               \
  row(keyCell(#SECTION, "banks"), false, "integer", "", "1",                   \
      docRange(1, kMaxBanks) + ", divides the size",                           \
      "independent SRAM banks");
#include "tessera/NPU/Hardware.def"
#undef HW_DOC_DEFAULT
  os << "<!-- END GENERATED HARDWARE KEYS -->\n";

  // The hashed serialization, each value shown by its kind: N an integer,
  // X a number in the canonical form, D the dataflow's name, 0|1 a flag.
  os << "<!-- BEGIN GENERATED HASH LAYOUT -->\n```\n" << kHashVersion;
  auto field = [&](StringRef name, StringRef kind) {
    if (!name.empty())
      os << ";" << name << "=" << kind;
  };
#define HW_UINT(SECTION, KEY, MEMBER, DEFAULT, DOC_DEFAULT, MIN, MAX, HASH,    \
                ...)                                                           \
  field(HASH, "N");
#define HW_REAL(SECTION, KEY, MEMBER, DEFAULT, DOC_DEFAULT, CHECK, MIN, MAX,   \
                HASH, ...)                                                     \
  field(HASH, "X");
#define HW_DATAFLOW(SECTION, KEY, MEMBER, HASH, ...) field(HASH, "D");
#define HW_PRECISIONS(...)                                                     \
  field("int8", "0|1");                                                        \
  field("bf16", "0|1");
#define HW_MEMORY(SECTION, BYTES, BANKS, ROW_BYTES, ROW_WHAT, MIN_BYTES,       \
                  MIN_WHAT, HASH, ...)                                         \
  field(HASH "_bytes", "N");                                                   \
  field(HASH "_banks", "N");
#include "tessera/NPU/Hardware.def"
  os << "\n```\n<!-- END GENERATED HASH LAYOUT -->\n";
}

} // namespace tessera::npu
