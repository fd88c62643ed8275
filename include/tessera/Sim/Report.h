//===- Report.h - NPU simulator reports and traces --------------*- C++ -*-===//
//
// The simulator's outputs (docs/npu/simulator.md, "Reports"): a human table,
// a JSON report, a CSV with one row per layer, and a Chrome trace-event JSON
// timeline (one track per unit) that opens in Perfetto or chrome://tracing.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_SIM_REPORT_H
#define TESSERA_SIM_REPORT_H

#include "tessera/NPU/Hardware.h"
#include "tessera/NPU/Program.h"
#include "tessera/Sim/Simulator.h"

#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

namespace tessera::sim {

/// What a report describes besides the result.
struct ReportContext {
  llvm::StringRef programName;
  const npu::Program &program;
  const npu::HardwareDesc &hw;
  const SimResult &result;
};

/// The human-readable table (program counters, units, memories, energy,
/// layers, range).
void printReportTable(const ReportContext &ctx, llvm::raw_ostream &os);
/// One counters object of the JSON report.
llvm::json::Object countersToJSON(const Counters &counters,
                                  const npu::HardwareDesc &hw, bool timed);
/// A CSV field: quoted (quotes doubled) when it holds a comma, a quote or a
/// line break.
std::string csvField(llvm::StringRef text);
/// The whole JSON report.
llvm::json::Value reportToJSON(const ReportContext &ctx);
/// CSV: a header, one row per layer, then the range (if any) and the program.
void printReportCSV(const ReportContext &ctx, llvm::raw_ostream &os);
/// Chrome trace-event JSON ("X" events; one cycle = one trace microsecond).
void printChromeTrace(const ReportContext &ctx, llvm::raw_ostream &os);

/// The track of the layer slices (the units' tracks are 1 to 4).
constexpr int64_t kTraceLayerTrack = 5;
/// The pieces of printChromeTrace, for traces of several programs on one
/// timeline (tessera-run --npu-trace): the process and track names, then
/// the events of one program run shifted by `offset` cycles, its layer
/// slices numbered from `firstLayerId`.
void writeChromeTraceMetadata(llvm::json::OStream &j,
                              llvm::StringRef processName);
void writeChromeTraceEvents(llvm::json::OStream &j, const ReportContext &ctx,
                            uint64_t offset, int64_t firstLayerId);

} // namespace tessera::sim

#endif // TESSERA_SIM_REPORT_H
