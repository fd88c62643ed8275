//===- Report.cpp - NPU simulator reports and traces ----------------------===//
//
// Formats are documented in docs/npu/simulator.md ("Reports", "Trace"); the
// lit tests under test/Sim check their fields.
//
//===----------------------------------------------------------------------===//

#include "tessera/Sim/Report.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>

using namespace tessera;
using namespace tessera::sim;

static constexpr Unit kUnits[] = {Unit::Fetch, Unit::Load, Unit::Execute,
                                  Unit::Store};

static std::string formatMHz(double mhz) {
  if (std::fabs(mhz) < 1e15 && mhz == std::trunc(mhz))
    return std::to_string(int64_t(mhz));
  return llvm::formatv("{0:f3}", mhz).str();
}

/// A JSON number, or null where it is not finite: JSON has no inf or nan,
/// and a report must stay valid JSON whatever the numbers it holds.
static llvm::json::Value jsonNumber(double value) {
  if (!std::isfinite(value))
    return nullptr;
  return value;
}

static std::string percent(double fraction) {
  return llvm::formatv("{0:f1}%", fraction * 100).str();
}

/// Byte counters by name, in report order.
static llvm::SmallVector<std::pair<llvm::StringRef, uint64_t>, 8>
byteCounters(const InstActions &a) {
  return {{"scratchpad_read", a.scratchpadRead},
          {"scratchpad_written", a.scratchpadWritten},
          {"accumulator_read", a.accumulatorRead},
          {"accumulator_written", a.accumulatorWritten},
          {"dram_read", a.dramRead},
          {"dram_written", a.dramWritten}};
}

static llvm::SmallVector<std::pair<llvm::StringRef, double>, 8>
energyComponents(const Energy &e) {
  return {{"array", e.array},
          {"scratchpad", e.scratchpad},
          {"accumulator", e.accumulator},
          {"dram", e.dram},
          {"vector", e.vector},
          {"leakage", e.leakage},
          {"total", e.total()}};
}

void sim::printReportTable(const ReportContext &ctx, llvm::raw_ostream &os) {
  const Counters &total = ctx.result.total;
  const npu::HardwareDesc &hw = ctx.hw;
  os << "tessera-sim: " << ctx.programName << " on "
     << (hw.name.empty() ? "<unnamed>" : hw.name) << " (" << hw.rows << "x"
     << hw.cols << " array, " << formatMHz(hw.clockMHz) << " MHz)\n";
  os << llvm::formatv("  instructions  {0}\n", total.instructions);
  os << llvm::formatv("  MACs          {0}\n", total.actions.macs);
  if (!ctx.result.timed) {
    os << "  timing        off (--no-timing): no cycles, no tokens\n";
  } else {
    os << llvm::formatv("  cycles        {0}  ({1:f3} us at {2} MHz)\n",
                        total.cycles, double(total.cycles) / hw.clockMHz,
                        formatMHz(hw.clockMHz));
    os << llvm::formatv("  utilization   {0} of {1} MACs/cycle\n",
                        percent(total.macUtilization(hw)),
                        hw.peakMacsPerCycle());
    os << llvm::formatv("  overlap       {0} cycles (DMA and compute both "
                        "busy)\n",
                        total.overlapCycles);
    os << "\n  cycles by unit and cause\n";
    static const char *const headers[kNumCauses] = {
        "busy",    "tok:load",  "tok:exec",  "tok:store",  "q-empty",
        "drained", "full:load", "full:exec", "full:store", "fence"};
    os << llvm::formatv("  {0,-8}", "unit");
    for (const char *header : headers)
      os << llvm::formatv(" {0,10}", header);
    os << "\n";
    for (Unit unit : kUnits) {
      os << llvm::formatv("  {0,-8}", getUnitName(unit));
      for (unsigned c = 0; c < kNumCauses; ++c)
        os << llvm::formatv(" {0,10}", total.get(unit, Cause(c)));
      os << "\n";
    }
  }
  os << "\n  memory traffic (bytes)      read    written\n";
  const InstActions &a = total.actions;
  os << llvm::formatv("  {0,-20} {1,12} {2,10}\n", "scratchpad",
                      a.scratchpadRead, a.scratchpadWritten);
  os << llvm::formatv("  {0,-20} {1,12} {2,10}\n", "accumulator",
                      a.accumulatorRead, a.accumulatorWritten);
  os << llvm::formatv("  {0,-20} {1,12} {2,10}\n", "dram", a.dramRead,
                      a.dramWritten);
  os << "\n  energy (nJ)";
  for (auto [name, value] : energyComponents(total.energy))
    os << llvm::formatv(" {0,12}", name);
  os << "\n  " << llvm::formatv("{0,-11}", "");
  for (auto [name, value] : energyComponents(total.energy))
    os << llvm::formatv(" {0,12:f3}", value / 1000);
  os << "\n";

  llvm::SmallVector<const Counters *> rows;
  for (const Counters &layer : ctx.result.layers)
    rows.push_back(&layer);
  if (ctx.result.range)
    rows.push_back(&*ctx.result.range);
  auto hostLine = [&] {
    double seconds = ctx.result.hostSeconds;
    os << llvm::formatv(
        "\n  host time     {0:f4} s, {1:e2} simulated MAC/s\n", seconds,
        seconds > 0 ? double(total.actions.macs) / seconds : 0.0);
  };
  if (rows.empty())
    return hostLine();
  os << llvm::formatv("\n  {0,-24} {1,8} {2,8} {3,10} {4,12} {5,7} {6,9} "
                      "{7,12}\n",
                      "layer / range", "begin", "end", "cycles", "MACs", "util",
                      "overlap", "energy (nJ)");
  for (const Counters *c : rows)
    os << llvm::formatv("  {0,-24} {1,8} {2,8} {3,10} {4,12} {5,7} {6,9} "
                        "{7,12:f3}\n",
                        c->name, c->begin, c->end, c->cycles, c->actions.macs,
                        percent(c->macUtilization(hw)), c->overlapCycles,
                        c->energy.total() / 1000);
  hostLine();
}

llvm::json::Object sim::countersToJSON(const Counters &c,
                                       const npu::HardwareDesc &hw,
                                       bool timed) {
  llvm::json::Object obj{{"name", c.name},
                         {"begin", c.begin},
                         {"end", c.end},
                         {"instructions", int64_t(c.instructions)},
                         {"macs", int64_t(c.actions.macs)},
                         {"vector_ops", int64_t(c.actions.vectorOps)}};
  llvm::json::Object bytes;
  for (auto [name, value] : byteCounters(c.actions))
    bytes[name] = int64_t(value);
  obj["bytes"] = std::move(bytes);
  llvm::json::Object energy;
  for (auto [name, value] : energyComponents(c.energy))
    energy[name] = jsonNumber(value);
  obj["energy_pj"] = std::move(energy);
  if (!timed)
    return obj;
  obj["cycles"] = int64_t(c.cycles);
  obj["start_cycle"] = int64_t(c.startCycle);
  obj["end_cycle"] = int64_t(c.endCycle);
  obj["mac_utilization"] = jsonNumber(c.macUtilization(hw));
  obj["overlap_cycles"] = int64_t(c.overlapCycles);
  llvm::json::Object units;
  for (Unit unit : kUnits) {
    llvm::json::Object causes;
    for (unsigned k = 0; k < kNumCauses; ++k)
      causes[getCauseName(Cause(k))] = int64_t(c.get(unit, Cause(k)));
    units[getUnitName(unit)] = std::move(causes);
  }
  obj["units"] = std::move(units);
  return obj;
}

llvm::json::Value sim::reportToJSON(const ReportContext &ctx) {
  const npu::HardwareDesc &hw = ctx.hw;
  llvm::json::Object report{
      {"program", ctx.programName},
      {"timing", ctx.result.timed},
      {"hardware",
       llvm::json::Object{
           {"name", hw.name},
           {"rows", hw.rows},
           {"cols", hw.cols},
           {"clock_mhz", jsonNumber(hw.clockMHz)},
           {"hash", llvm::formatv("{0:x16}", npu::hashHardwareDesc(hw)).str()},
           {"peak_macs_per_cycle", int64_t(hw.peakMacsPerCycle())}}},
      {"total", countersToJSON(ctx.result.total, hw, ctx.result.timed)},
      {"host_seconds", jsonNumber(ctx.result.hostSeconds)}};
  llvm::json::Array layers;
  for (const Counters &layer : ctx.result.layers)
    layers.push_back(countersToJSON(layer, hw, ctx.result.timed));
  report["layers"] = std::move(layers);
  if (ctx.result.range)
    report["range"] = countersToJSON(*ctx.result.range, hw, ctx.result.timed);
  return llvm::json::Value(std::move(report));
}

std::string sim::csvField(llvm::StringRef text) {
  if (text.find_first_of(",\"\n\r") == llvm::StringRef::npos)
    return text.str();
  std::string out = "\"";
  for (char ch : text) {
    if (ch == '"')
      out += '"';
    out += ch;
  }
  return out + "\"";
}

void sim::printReportCSV(const ReportContext &ctx, llvm::raw_ostream &os) {
  os << "kind,name,begin,end,instructions,start_cycle,end_cycle,cycles,macs,"
        "mac_utilization,overlap_cycles";
  for (Unit unit : kUnits)
    for (unsigned k = 0; k < kNumCauses; ++k)
      os << "," << getUnitName(unit) << "_" << getCauseName(Cause(k));
  for (auto [name, value] : byteCounters(InstActions()))
    os << "," << name;
  os << ",vector_ops";
  for (auto [name, value] : energyComponents(Energy()))
    os << ",energy_pj_" << name;
  os << "\n";
  auto row = [&](llvm::StringRef kind, const Counters &c) {
    os << kind << "," << csvField(c.name) << "," << c.begin << "," << c.end
       << "," << c.instructions << "," << c.startCycle << "," << c.endCycle
       << "," << c.cycles << "," << c.actions.macs << ","
       << llvm::formatv("{0:f6}", c.macUtilization(ctx.hw)) << ","
       << c.overlapCycles;
    for (Unit unit : kUnits)
      for (unsigned k = 0; k < kNumCauses; ++k)
        os << "," << c.get(unit, Cause(k));
    for (auto [name, value] : byteCounters(c.actions))
      os << "," << value;
    os << "," << c.actions.vectorOps;
    for (auto [name, value] : energyComponents(c.energy))
      os << "," << llvm::formatv("{0:f3}", value);
    os << "\n";
  };
  for (const Counters &layer : ctx.result.layers)
    row("layer", layer);
  if (ctx.result.range)
    row("range", *ctx.result.range);
  row("program", ctx.result.total);
}

/// The metadata events of a trace: the process and the unit and layer
/// tracks.
static void writeTraceMetadata(llvm::json::OStream &j,
                               llvm::StringRef processName) {
  auto meta = [&](llvm::StringRef kind, int64_t tid, llvm::StringRef name) {
    j.object([&] {
      j.attribute("name", kind);
      j.attribute("ph", "M");
      j.attribute("pid", 1);
      j.attribute("tid", tid);
      j.attributeObject("args", [&] { j.attribute("name", name); });
    });
  };
  meta("process_name", 0, processName);
  for (Unit unit : kUnits)
    meta("thread_name", int64_t(unsigned(unit) + 1), getUnitName(unit));
  meta("thread_name", kTraceLayerTrack, "layers");
}

void sim::writeChromeTraceEvents(llvm::json::OStream &j,
                                 const ReportContext &ctx, uint64_t offset,
                                 int64_t firstLayerId) {
  const SimResult &result = ctx.result;
  const std::vector<npu::Inst> &insts = ctx.program.insts;
  constexpr int64_t kLayerTrack = kTraceLayerTrack;
  auto track = [](Unit unit) { return int64_t(unsigned(unit) + 1); };
  auto span = [&](llvm::StringRef name, llvm::StringRef cat, int64_t tid,
                  uint64_t ts, uint64_t dur, auto &&args) {
    j.object([&] {
      j.attribute("name", name);
      j.attribute("cat", cat);
      j.attribute("ph", "X");
      j.attribute("pid", 1);
      j.attribute("tid", tid);
      j.attribute("ts", int64_t(offset + ts));
      j.attribute("dur", int64_t(dur));
      j.attributeObject("args", args);
    });
  };
  if (!result.timed)
    return;
  for (uint32_t i = 0, e = uint32_t(insts.size()); i < e; ++i) {
    const npu::Inst &inst = insts[i];
    const InstTiming &r = result.insts[i];
    const npu::OpcodeInfo &info = npu::getOpcodeInfo(inst.op);
    Unit unit = info.queue == npu::Queue::Control
                    ? Unit::Fetch
                    : Unit(unsigned(info.queue) + 1);
    if (r.dispatchStall)
      span("dispatch stall",
           info.queue == npu::Queue::Control
               ? "fence"
               : getCauseName(Cause(unsigned(Cause::LoadQueueFull) +
                                    unsigned(info.queue))),
           track(Unit::Fetch), r.dispatch - r.dispatchStall, r.dispatchStall,
           [&] { j.attribute("instruction", i); });
    uint64_t tokenWait = r.unitWait[0] + r.unitWait[1] + r.unitWait[2];
    if (tokenWait)
      span("wait for tokens", "stall", track(unit), r.start - tokenWait,
           tokenWait, [&] {
             j.attribute("instruction", i);
             j.attribute("from_load", int64_t(r.unitWait[0]));
             j.attribute("from_execute", int64_t(r.unitWait[1]));
             j.attribute("from_store", int64_t(r.unitWait[2]));
           });
    if (inst.op == npu::Opcode::Finish)
      continue;
    span(info.mnemonic, getUnitName(unit), track(unit), r.start,
         r.end - r.start, [&] {
           j.attribute("index", i);
           j.attribute("dispatch", int64_t(r.dispatch));
           for (const npu::FieldInfo &field : npu::getFields(inst.op))
             j.attribute(field.name, inst.*field.member);
           for (npu::DepFlag flag : npu::kDepFlags)
             if (inst.deps & flag)
               j.attribute(npu::getDepFlagName(flag), true);
         });
  }
  // Layers may overlap in time (a pipelined schedule), which complete
  // events on one track cannot show: they are async slices instead.
  for (auto [index, layer] : llvm::enumerate(result.layers)) {
    if (!layer.instructions)
      continue;
    for (bool begin : {true, false})
      j.object([&] {
        j.attribute("name", layer.name);
        j.attribute("cat", "layer");
        j.attribute("ph", begin ? "b" : "e");
        j.attribute("id", firstLayerId + int64_t(index));
        j.attribute("pid", 1);
        j.attribute("tid", kLayerTrack);
        j.attribute("ts", int64_t(offset +
                                  (begin ? layer.startCycle : layer.endCycle)));
        if (!begin)
          return;
        j.attributeObject("args", [&] {
          j.attribute("begin", layer.begin);
          j.attribute("end", layer.end);
          j.attribute("macs", int64_t(layer.actions.macs));
          j.attribute("mac_utilization",
                      jsonNumber(layer.macUtilization(ctx.hw)));
          j.attribute("overlap_cycles", int64_t(layer.overlapCycles));
        });
      });
  }
}

void sim::printChromeTrace(const ReportContext &ctx, llvm::raw_ostream &os) {
  llvm::json::OStream j(os);
  j.object([&] {
    j.attribute("displayTimeUnit", "ns");
    j.attributeObject("otherData", [&] {
      j.attribute("program", ctx.programName);
      j.attribute("hardware", ctx.hw.name);
      j.attribute("time_unit", "1 trace microsecond = 1 NPU cycle");
      j.attribute("clock_mhz", jsonNumber(ctx.hw.clockMHz));
      j.attribute("cycles", int64_t(ctx.result.total.cycles));
    });
    j.attributeArray("traceEvents", [&] {
      writeTraceMetadata(
          j, ("tessera-npu " + ctx.hw.name + ": " + ctx.programName).str());
      writeChromeTraceEvents(j, ctx, /*offset=*/0, /*firstLayerId=*/0);
    });
  });
}

void sim::writeChromeTraceMetadata(llvm::json::OStream &j,
                                   llvm::StringRef processName) {
  writeTraceMetadata(j, processName);
}
