//===- HardwareTest.cpp - NPU hardware description tests --------*- C++ -*-===//
//
// Presets, parse/print round trip, the hash, and every validation message of
// lib/NPU/Hardware.cpp.
//
//===----------------------------------------------------------------------===//

#include "tessera/NPU/Hardware.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include <string>

using namespace tessera::npu;

namespace {

/// The error message of a failed parse ("" when it succeeds).
std::string parseError(llvm::StringRef yaml) {
  llvm::Expected<HardwareDesc> hw = parseHardwareDesc(yaml, "t.yaml");
  if (hw)
    return "";
  return llvm::toString(hw.takeError());
}

HardwareDesc mustLoad(llvm::StringRef spec) {
  llvm::Expected<HardwareDesc> hw = loadHardwareDesc(spec);
  if (!hw) {
    ADD_FAILURE() << llvm::toString(hw.takeError());
    return {};
  }
  return *hw;
}

/// A small valid description with the given extra text appended to the
/// named section (used to break one field at a time).
const char *const kMinimal = R"(name: t
clock_mhz: 1000
array:
  rows: 16
  cols: 16
scratchpad:
  kib: 256
  banks: 4
accumulator:
  kib: 64
  banks: 2
dram:
  bytes_per_cycle: 16
  latency_cycles: 100
)";

/// kMinimal with every occurrence of `from` replaced by `to`.
std::string minimalWith(llvm::StringRef from, llvm::StringRef to) {
  std::string text = kMinimal;
  size_t pos = text.find(from.str());
  EXPECT_NE(pos, std::string::npos) << from.str();
  if (pos != std::string::npos)
    text.replace(pos, from.size(), to.str());
  return text;
}

//===----------------------------------------------------------------------===//
// Presets
//===----------------------------------------------------------------------===//

TEST(HardwarePreset, Names) {
  llvm::ArrayRef<llvm::StringRef> names = getPresetNames();
  ASSERT_EQ(names.size(), 3u);
  EXPECT_EQ(names[0], "edge");
  EXPECT_EQ(names[1], "mid");
  EXPECT_EQ(names[2], "large");
  for (llvm::StringRef name : names)
    EXPECT_FALSE(getPresetYAML(name).empty()) << name.str();
  EXPECT_TRUE(getPresetYAML("huge").empty());
}

TEST(HardwarePreset, Edge) {
  HardwareDesc hw = mustLoad("edge");
  EXPECT_EQ(hw.name, "edge");
  EXPECT_EQ(hw.rows, 16u);
  EXPECT_EQ(hw.cols, 16u);
  EXPECT_EQ(hw.dataflow, Dataflow::WeightStationary);
  EXPECT_TRUE(hw.int8);
  EXPECT_FALSE(hw.bf16);
  EXPECT_EQ(hw.scratchpadBytes, 256u * 1024);
  EXPECT_EQ(hw.scratchpadBanks, 4u);
  EXPECT_EQ(hw.accumulatorBytes, 64u * 1024);
  EXPECT_EQ(hw.accumulatorBanks, 2u);
  EXPECT_EQ(hw.dmaBytesPerCycle, 16u);
  EXPECT_EQ(hw.dramBytesPerCycle, 16.0);
  EXPECT_EQ(hw.dramLatencyCycles, 100u);
  EXPECT_EQ(hw.clockMHz, 1000.0);
  EXPECT_EQ(hw.vectorLanes, 16u);
  EXPECT_EQ(hw.vectorLatencyCycles, 4u);
  EXPECT_EQ(hw.loadQueueDepth, 8u);
  EXPECT_EQ(hw.executeQueueDepth, 8u);
  EXPECT_EQ(hw.storeQueueDepth, 2u);
  // Derived quantities.
  EXPECT_EQ(hw.peakMacsPerCycle(), 256u);
  EXPECT_DOUBLE_EQ(hw.peakMacsPerSecond(), 256e9);
  EXPECT_EQ(hw.scratchpadBankBytes(), 64u * 1024);
  EXPECT_EQ(hw.accumulatorBankBytes(), 32u * 1024);
  EXPECT_EQ(hw.scratchpadRowBytes(), 16u);
  EXPECT_EQ(hw.accumulatorRowBytes(), 64u);
  EXPECT_DOUBLE_EQ(hw.cycleSeconds(), 1e-9);
  // Energy defaults (Horowitz, ISSCC 2014).
  EXPECT_DOUBLE_EQ(hw.energy.macInt8, 0.3);
  EXPECT_DOUBLE_EQ(hw.energy.macBf16, 2.0);
  EXPECT_NEAR(hw.energy.scratchpadReadByte, 3.449, 1e-3);
  EXPECT_DOUBLE_EQ(hw.energy.accumulatorReadByte, 2.5);
  EXPECT_DOUBLE_EQ(hw.energy.dramByte, 162.5);
  EXPECT_DOUBLE_EQ(hw.energy.vectorOp, 3.2);
  EXPECT_NEAR(hw.energy.leakagePerCycle, 7.68, 1e-9);
  EXPECT_NE(hw.energy.source.find("Horowitz"), std::string::npos);
  EXPECT_NEAR(hw.area.total(), 6.313, 1e-3);
  EXPECT_NE(hw.area.source.find("TPU v1"), std::string::npos);
}

TEST(HardwarePreset, Mid) {
  HardwareDesc hw = mustLoad("mid");
  EXPECT_EQ(hw.rows, 32u);
  EXPECT_EQ(hw.cols, 32u);
  EXPECT_EQ(hw.scratchpadBytes, 1024u * 1024);
  EXPECT_EQ(hw.scratchpadBanks, 4u);
  EXPECT_EQ(hw.accumulatorBytes, 256u * 1024);
  EXPECT_EQ(hw.accumulatorBanks, 2u);
  EXPECT_EQ(hw.dmaBytesPerCycle, 32u);
  EXPECT_EQ(hw.dramBytesPerCycle, 32.0);
  EXPECT_EQ(hw.vectorLanes, 32u);
  EXPECT_NEAR(hw.energy.scratchpadReadByte, 6.566, 1e-3);
  EXPECT_NEAR(hw.energy.accumulatorReadByte, 4.759, 1e-3);
}

TEST(HardwarePreset, Large) {
  HardwareDesc hw = mustLoad("large");
  EXPECT_EQ(hw.rows, 128u);
  EXPECT_EQ(hw.cols, 128u);
  EXPECT_EQ(hw.scratchpadBytes, 8u << 20);
  EXPECT_EQ(hw.scratchpadBanks, 8u);
  EXPECT_EQ(hw.accumulatorBytes, 4u << 20);
  EXPECT_EQ(hw.accumulatorBanks, 4u);
  EXPECT_EQ(hw.clockMHz, 700.0);
  EXPECT_EQ(hw.dramBytesPerCycle, 48.0);
  EXPECT_EQ(hw.vectorLanes, 128u);
  EXPECT_DOUBLE_EQ(hw.peakMacsPerSecond(), 128.0 * 128 * 700e6);
  // 1 MiB banks: Horowitz's 1 MB SRAM, 100 pJ per 64-bit read.
  EXPECT_DOUBLE_EQ(hw.energy.scratchpadReadByte, 12.5);
}

// The presets grow in every dimension: a sweep over them moves one way.
TEST(HardwarePreset, Ordered) {
  HardwareDesc edge = mustLoad("edge"), mid = mustLoad("mid"),
               large = mustLoad("large");
  EXPECT_LT(edge.peakMacsPerCycle(), mid.peakMacsPerCycle());
  EXPECT_LT(mid.peakMacsPerCycle(), large.peakMacsPerCycle());
  EXPECT_LT(edge.scratchpadBytes, mid.scratchpadBytes);
  EXPECT_LT(mid.scratchpadBytes, large.scratchpadBytes);
  EXPECT_LT(edge.area.total(), mid.area.total());
  EXPECT_LT(mid.area.total(), large.area.total());
}

// The embedded text is the file in lib/NPU/presets.
TEST(HardwarePreset, EmbeddedTextIsTheFile) {
  for (llvm::StringRef name : getPresetNames()) {
    std::string path =
        (llvm::Twine(TESSERA_SOURCE_DIR) + "/lib/NPU/presets/" + name + ".yaml")
            .str();
    HardwareDesc fromFile = mustLoad(path);
    HardwareDesc fromPreset = mustLoad(name);
    EXPECT_EQ(fromFile, fromPreset) << name.str();
  }
}

//===----------------------------------------------------------------------===//
// Defaults, round trip, hash
//===----------------------------------------------------------------------===//

TEST(HardwareParse, Defaults) {
  llvm::Expected<HardwareDesc> hw = parseHardwareDesc(kMinimal, "t.yaml");
  ASSERT_TRUE(bool(hw)) << llvm::toString(hw.takeError());
  EXPECT_EQ(hw->dataflow, Dataflow::WeightStationary);
  EXPECT_TRUE(hw->int8);
  EXPECT_FALSE(hw->bf16);
  EXPECT_EQ(hw->dmaBytesPerCycle, 16u);
  EXPECT_EQ(hw->vectorLanes, hw->cols);
  EXPECT_EQ(hw->vectorLatencyCycles, 4u);
  EXPECT_EQ(hw->loadQueueDepth, 8u);
  EXPECT_EQ(hw->executeQueueDepth, 8u);
  EXPECT_EQ(hw->storeQueueDepth, 8u);
  EXPECT_EQ(hw->energy, getDefaultEnergyTable(*hw));
  EXPECT_EQ(hw->area, getDefaultAreaTable(*hw));
}

TEST(HardwareParse, BytesAndPrecisions) {
  std::string text = minimalWith("kib: 256", "bytes: 131072");
  size_t pos = text.find("  cols: 16\n");
  text.insert(pos + 11, "  precisions: [int8, bf16]\n");
  llvm::Expected<HardwareDesc> hw = parseHardwareDesc(text, "t.yaml");
  ASSERT_TRUE(bool(hw)) << llvm::toString(hw.takeError());
  EXPECT_EQ(hw->scratchpadBytes, 131072u);
  EXPECT_TRUE(hw->int8);
  EXPECT_TRUE(hw->bf16);
}

TEST(HardwareParse, ExplicitEnergyOverridesOneEntry) {
  std::string text =
      std::string(kMinimal) + "energy_pj:\n  dram_byte: 320\n  source: mine\n";
  llvm::Expected<HardwareDesc> hw = parseHardwareDesc(text, "t.yaml");
  ASSERT_TRUE(bool(hw)) << llvm::toString(hw.takeError());
  EXPECT_EQ(hw->energy.dramByte, 320.0);
  EXPECT_EQ(hw->energy.source, "mine");
  EXPECT_EQ(hw->energy.macInt8, 0.3);
}

TEST(HardwarePrint, RoundTrip) {
  for (llvm::StringRef name : getPresetNames()) {
    HardwareDesc hw = mustLoad(name);
    std::string text = printHardwareDesc(hw);
    llvm::Expected<HardwareDesc> back = parseHardwareDesc(text, "printed");
    ASSERT_TRUE(bool(back)) << llvm::toString(back.takeError()) << "\n" << text;
    EXPECT_EQ(*back, hw) << text;
    // Canonical: printing again gives the same text.
    EXPECT_EQ(printHardwareDesc(*back), text);
  }
}

TEST(HardwarePrint, RoundTripOddValues) {
  HardwareDesc hw = mustLoad("edge");
  hw.name = "a: weird 'name' \"with\" quotes";
  hw.scratchpadBytes = 4 * 16 * 1000; // not a multiple of 1 KiB: `bytes`
  hw.dramBytesPerCycle = 0.1 + 0.2;   // needs 17 digits
  hw.bf16 = true;
  hw.energy.vectorOp = 1.0 / 3.0;
  hw.energy.source = "line one\nline two";
  hw.area.control = 1e-7;
  ASSERT_FALSE(bool(validateHardwareDesc(hw)));
  std::string text = printHardwareDesc(hw);
  EXPECT_NE(text.find("  bytes: 64000\n"), std::string::npos) << text;
  llvm::Expected<HardwareDesc> back = parseHardwareDesc(text, "printed");
  ASSERT_TRUE(bool(back)) << llvm::toString(back.takeError()) << "\n" << text;
  EXPECT_EQ(*back, hw) << text;
}

TEST(HardwareHash, PinnedEdge) {
  // A change of this value means programs compiled for the edge preset no
  // longer load: change it only with a deliberate format/preset change.
  EXPECT_EQ(hashHardwareDesc(mustLoad("edge")), 0x6f334d33b953878eULL);
}

TEST(HardwareHash, SensitiveToTimingNotToCost) {
  HardwareDesc base = mustLoad("edge");
  uint64_t h = hashHardwareDesc(base);
  HardwareDesc hw = base;
  hw.rows = 32;
  EXPECT_NE(hashHardwareDesc(hw), h);
  hw = base;
  hw.scratchpadBytes *= 2;
  EXPECT_NE(hashHardwareDesc(hw), h);
  hw = base;
  hw.dramLatencyCycles += 1;
  EXPECT_NE(hashHardwareDesc(hw), h);
  hw = base;
  hw.storeQueueDepth += 1;
  EXPECT_NE(hashHardwareDesc(hw), h);
  hw = base;
  hw.bf16 = true;
  EXPECT_NE(hashHardwareDesc(hw), h);
  // Not hashed: name, clock, energy, area.
  hw = base;
  hw.name = "other";
  hw.clockMHz = 500;
  hw.energy.macInt8 = 7;
  hw.energy.source = "x";
  hw.area.array = 100;
  EXPECT_EQ(hashHardwareDesc(hw), h);
  // Distinct presets, distinct hashes.
  EXPECT_NE(hashHardwareDesc(mustLoad("mid")), h);
  EXPECT_NE(hashHardwareDesc(mustLoad("large")),
            hashHardwareDesc(mustLoad("mid")));
}

//===----------------------------------------------------------------------===//
// Errors
//===----------------------------------------------------------------------===//

TEST(HardwareError, UnknownKeyIsLocated) {
  std::string text = minimalWith("  banks: 4\n", "  banks: 4\n  bnaks: 4\n");
  EXPECT_EQ(parseError(text), "t.yaml:9:3: error: unknown key 'bnaks'");
}

TEST(HardwareError, MissingField) {
  std::string text = minimalWith("  latency_cycles: 100\n", "");
  EXPECT_EQ(parseError(text),
            "t.yaml:13:3: error: missing required key 'latency_cycles' in "
            "'dram'");
  // Every missing key at once; a top-level one is located at the start.
  std::string text2 = minimalWith("clock_mhz: 1000\n", "");
  text2 = text2.substr(0, text2.find("  cols: 16\n")) +
          text2.substr(text2.find("scratchpad:"));
  EXPECT_EQ(parseError(text2),
            "t.yaml:1:1: error: missing required key 'clock_mhz'\n"
            "t.yaml:3:3: error: missing required key 'cols' in 'array'");
  EXPECT_NE(parseError(minimalWith("clock_mhz: 1000\n", ""))
                .find("missing required key 'clock_mhz'"),
            std::string::npos);
}

TEST(HardwareError, WrongType) {
  EXPECT_EQ(parseError(minimalWith("rows: 16", "rows: sixteen")),
            "t.yaml:4:9: error: invalid number");
  // A sequence where a number belongs: one message, not two.
  EXPECT_EQ(parseError(minimalWith("rows: 16", "rows: [16]")),
            "t.yaml:4:10: error: invalid number");
  EXPECT_EQ(parseError(minimalWith("rows: 16", "rows: -16")),
            "t.yaml:4:9: error: invalid number");
  EXPECT_EQ(parseError(minimalWith("clock_mhz: 1000", "clock_mhz: fast")),
            "t.yaml:2:12: error: invalid floating point number");
  EXPECT_NE(
      parseError(minimalWith("array:\n  rows: 16\n  cols: 16\n", "array: 16\n"))
          .find("t.yaml:3:8: error: not a mapping"),
      std::string::npos);
}

TEST(HardwareError, Enumerations) {
  std::string text =
      minimalWith("  cols: 16\n", "  cols: 16\n  dataflow: row_stationary\n");
  EXPECT_EQ(parseError(text), "t.yaml:6:13: error: unknown dataflow, expected "
                              "'weight_stationary' or 'output_stationary'");
  text = minimalWith("  cols: 16\n", "  cols: 16\n  precisions: [int8, fp8]\n");
  EXPECT_EQ(parseError(text),
            "t.yaml:6:22: error: unknown precision, expected 'int8' or 'bf16'");
}

TEST(HardwareError, EmptyAndSyntax) {
  EXPECT_EQ(parseError(""), "t.yaml:1:1: error: empty hardware description");
  EXPECT_EQ(parseError("# only a comment\n"),
            "t.yaml:1:1: error: empty hardware description");
  EXPECT_NE(parseError("array: [1, 2\n").find("t.yaml:"), std::string::npos);
}

TEST(HardwareError, OutputStationaryIsRejected) {
  std::string text = minimalWith("  cols: 16\n",
                                 "  cols: 16\n  dataflow: output_stationary\n");
  EXPECT_EQ(parseError(text),
            "t.yaml:6:13: error: dataflow 'output_stationary' is not "
            "supported by ISA version 1 (preload and matmul define a "
            "weight-stationary array)");
}

TEST(HardwareError, Int8Required) {
  std::string text =
      minimalWith("  cols: 16\n", "  cols: 16\n  precisions: [bf16]\n");
  EXPECT_EQ(parseError(text),
            "t.yaml:6:16: error: array.precisions must include int8 (the "
            "ISA's matmul is int8)");
}

TEST(HardwareError, ArraySides) {
  EXPECT_EQ(parseError(minimalWith("rows: 16", "rows: 0")),
            "t.yaml:4:9: error: array.rows must be in [1, 256], got 0");
  EXPECT_EQ(parseError(minimalWith("cols: 16", "cols: 512")),
            "t.yaml:5:9: error: array.cols must be in [1, 256], got 512");
}

TEST(HardwareError, MemorySizes) {
  EXPECT_EQ(parseError(minimalWith("kib: 256", "kib: 32768")),
            "t.yaml:7:8: error: scratchpad size 32 MiB exceeds 16 MiB (SRAM "
            "addresses are 24 bits)");
  EXPECT_EQ(parseError(minimalWith("kib: 64", "kib: 17408")),
            "t.yaml:10:8: error: accumulator size 17 MiB exceeds 16 MiB (SRAM "
            "addresses are 24 bits)");
  EXPECT_EQ(parseError(minimalWith("kib: 256", "bytes: 1000")),
            "t.yaml:7:10: error: scratchpad size 1000 bytes is not a multiple "
            "of banks x row width (4 x 16 bytes, max(rows, cols) int8)");
  EXPECT_EQ(parseError(minimalWith("kib: 256", "bytes: 128")),
            "t.yaml:7:10: error: scratchpad size 128 bytes is smaller than one "
            "rows x cols weight tile (256 bytes)");
  EXPECT_EQ(parseError(minimalWith("kib: 64", "bytes: 96")),
            "t.yaml:10:10: error: accumulator size 96 bytes is not a multiple "
            "of banks x row width (2 x 64 bytes, cols int32)");
  EXPECT_EQ(parseError(minimalWith("kib: 64", "bytes: 0")),
            "t.yaml:10:10: error: accumulator size 0 bytes is smaller than one "
            "accumulator row (64 bytes)");
  EXPECT_EQ(parseError(minimalWith("banks: 4", "banks: 0")),
            "t.yaml:8:10: error: scratchpad.banks must be in [1, 64], got 0");
  EXPECT_EQ(parseError(minimalWith("banks: 2", "banks: 3")),
            "t.yaml:10:8: error: accumulator size 64 KiB is not a multiple of "
            "banks x row width (3 x 64 bytes, cols int32)");
  EXPECT_EQ(parseError(minimalWith("  kib: 256\n", "")),
            "t.yaml:7:3: error: scratchpad needs its size: 'bytes' or 'kib'");
  EXPECT_EQ(parseError(minimalWith("kib: 256", "kib: 256\n  bytes: 262144")),
            "t.yaml:7:3: error: scratchpad size is given twice, as 'bytes' and "
            "as 'kib'; keep one");
}

TEST(HardwareError, RatesAndDepths) {
  EXPECT_EQ(parseError(minimalWith("clock_mhz: 1000", "clock_mhz: 0")),
            "t.yaml:2:12: error: clock_mhz must be a positive number, got 0");
  EXPECT_EQ(
      parseError(minimalWith("bytes_per_cycle: 16", "bytes_per_cycle: -2")),
      "t.yaml:13:20: error: dram.bytes_per_cycle must be a positive "
      "number, got -2");
  EXPECT_EQ(
      parseError(minimalWith("bytes_per_cycle: 16", "bytes_per_cycle: nan")),
      "t.yaml:13:20: error: dram.bytes_per_cycle must be a positive "
      "number, got nan");
  std::string text = std::string(kMinimal) +
                     "dma:\n  bytes_per_cycle: 0\n"
                     "vector:\n  lanes: 0\n  latency_cycles: 0\n"
                     "queues:\n  load: 0\n  execute: 5000\n  store: 0\n";
  EXPECT_EQ(parseError(text),
            "t.yaml:16:20: error: dma.bytes_per_cycle must be in [1, 4096], "
            "got 0\n"
            "t.yaml:18:10: error: vector.lanes must be in [1, 4096], got 0\n"
            "t.yaml:19:19: error: vector.latency_cycles must be at least 1, "
            "got 0\n"
            "t.yaml:21:9: error: queues.load must be in [1, 4096], got 0\n"
            "t.yaml:22:12: error: queues.execute must be in [1, 4096], got "
            "5000\n"
            "t.yaml:23:10: error: queues.store must be in [1, 4096], got 0");
}

TEST(HardwareError, NegativeEnergyAndArea) {
  std::string text = std::string(kMinimal) + "energy_pj:\n  mac_int8: -1\n"
                                             "area_mm2:\n  control: -0.5\n";
  EXPECT_EQ(parseError(text),
            "t.yaml:16:13: error: energy_pj.mac_int8 must be a non-negative "
            "number, got -1\n"
            "t.yaml:18:12: error: area_mm2.control must be a non-negative "
            "number, got -0.5");
}

TEST(HardwareError, ValidateWithoutYAML) {
  HardwareDesc hw = mustLoad("edge");
  EXPECT_FALSE(bool(validateHardwareDesc(hw)));
  hw.rows = 0;
  hw.scratchpadBanks = 3;
  std::vector<HardwareDiag> diags = checkHardwareDesc(hw);
  ASSERT_EQ(diags.size(), 2u);
  EXPECT_EQ(diags[0].key, "array.rows");
  EXPECT_EQ(diags[1].key, "scratchpad.bytes");
  llvm::Error err = validateHardwareDesc(hw);
  EXPECT_EQ(llvm::toString(std::move(err)),
            "array.rows must be in [1, 256], got 0\n"
            "scratchpad size 256 KiB is not a multiple of banks x row width "
            "(3 x 1 bytes, max(rows, cols) int8)");
}

TEST(HardwareLoad, MissingFile) {
  llvm::Expected<HardwareDesc> hw = loadHardwareDesc("no-such-dir/x.yaml");
  ASSERT_FALSE(bool(hw));
  EXPECT_EQ(llvm::toString(hw.takeError()),
            "cannot open hardware description 'no-such-dir/x.yaml': No such "
            "file or directory");
  hw = loadHardwareDesc("egde");
  ASSERT_FALSE(bool(hw));
  EXPECT_EQ(llvm::toString(hw.takeError()),
            "cannot open hardware description 'egde': No such file or "
            "directory (presets: edge, mid, large)");
}

TEST(HardwareLoad, FileErrorsNameThePath) {
  llvm::SmallString<128> path;
  int fd;
  ASSERT_FALSE(llvm::sys::fs::createTemporaryFile("hw", "yaml", fd, path));
  {
    llvm::raw_fd_ostream os(fd, /*shouldClose=*/true);
    os << minimalWith("rows: 16", "rows: 0");
  }
  llvm::Expected<HardwareDesc> hw = loadHardwareDesc(path);
  ASSERT_FALSE(bool(hw));
  EXPECT_EQ(
      llvm::toString(hw.takeError()),
      (path + ":4:9: error: array.rows must be in [1, 256], got 0").str());
  llvm::sys::fs::remove(path);
}

} // namespace

namespace {
llvm::Expected<HardwareDesc> edgeWith(std::vector<std::string> settings) {
  return overrideHardwareDesc(mustLoad("edge"), settings, "edge");
}
} // namespace

TEST(HardwareOverride, ChangesOneParameter) {
  HardwareDesc edge = mustLoad("edge");
  llvm::Expected<HardwareDesc> hw =
      edgeWith({"dma.bytes_per_cycle=32", "dram.latency_cycles=250"});
  ASSERT_TRUE(bool(hw)) << llvm::toString(hw.takeError());
  EXPECT_EQ(hw->dmaBytesPerCycle, 32u);
  EXPECT_EQ(hw->dramLatencyCycles, 250u);
  HardwareDesc expected = edge;
  expected.dmaBytesPerCycle = 32;
  expected.dramLatencyCycles = 250;
  // edge's tables are its geometry's defaults: they follow (the DMA's area
  // grows with its width).
  expected.energy = getDefaultEnergyTable(expected);
  expected.area = getDefaultAreaTable(expected);
  EXPECT_TRUE(*hw == expected);
  EXPECT_GT(hw->area.dma, edge.area.dma);
  EXPECT_NE(hashHardwareDesc(*hw), hashHardwareDesc(edge));
  // No settings: the description itself.
  llvm::Expected<HardwareDesc> same = edgeWith({});
  ASSERT_TRUE(bool(same));
  EXPECT_TRUE(*same == edge);
}

TEST(HardwareOverride, DefaultTablesFollowTheGeometry) {
  llvm::Expected<HardwareDesc> hw =
      edgeWith({"array.rows=32", "array.cols=32", "scratchpad.kib=1024"});
  ASSERT_TRUE(bool(hw)) << llvm::toString(hw.takeError());
  EXPECT_EQ(hw->rows, 32u);
  EXPECT_EQ(hw->scratchpadBytes, 1024u * 1024);
  EXPECT_TRUE(hw->energy == getDefaultEnergyTable(*hw));
  EXPECT_TRUE(hw->area == getDefaultAreaTable(*hw));
  EXPECT_GT(hw->area.array, mustLoad("edge").area.array);
  // A table entry is set on top of the new geometry's defaults.
  hw = edgeWith({"array.rows=32", "array.cols=32", "energy_pj.dram_byte=100"});
  ASSERT_TRUE(bool(hw)) << llvm::toString(hw.takeError());
  EnergyTable expected = getDefaultEnergyTable(*hw);
  expected.dramByte = 100;
  EXPECT_TRUE(hw->energy == expected);
}

TEST(HardwareOverride, Errors) {
  auto error = [](std::vector<std::string> settings) {
    llvm::Expected<HardwareDesc> hw = edgeWith(settings);
    return hw ? std::string() : llvm::toString(hw.takeError());
  };
  EXPECT_EQ(error({"dma"}),
            "--set dma: expected KEY=VALUE, e.g. dma.bytes_per_cycle=32");
  EXPECT_EQ(error({"dma.bytes_per_cycle="}),
            "--set dma.bytes_per_cycle=: expected KEY=VALUE, e.g. "
            "dma.bytes_per_cycle=32");
  std::string unknown = error({"dma.width=4"});
  EXPECT_EQ(unknown.rfind(
                "--set dma.width=4: unknown hardware key "
                "'dma.width' (keys: name, clock_mhz, isa_version, array.rows, ",
                0),
            0u)
      << unknown;
  EXPECT_NE(unknown.find("area_mm2.control"), std::string::npos);
  // A section is not a key.
  EXPECT_NE(error({"dma=4"}).find("unknown hardware key 'dma'"),
            std::string::npos);
  EXPECT_EQ(error({"dram.latency_cycles=abc"}),
            "edge with --set dram.latency_cycles=abc: invalid number");
  EXPECT_EQ(error({"array.rows=0"}),
            "edge with --set array.rows=0: array.rows must be in [1, 256], "
            "got 0");
}
