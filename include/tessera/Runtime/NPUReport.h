//===- NPUReport.h - reports of an npu-target artifact's run ----*- C++ -*-===//
//
// Part of Tessera. What `tessera-run --npu-report`, `--npu-report-json`,
// `--npu-report-csv` and `--npu-trace` write after a run of an npu-target
// artifact (docs/npu/compiler.md, "Reports"): per layer, the compiler's
// prediction against the simulation (cycles, DRAM bytes, energy, bound),
// MAC utilization and the roofline position; the model's totals; the
// host/NPU split; and one Chrome/Perfetto timeline of every launch.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_RUNTIME_NPUREPORT_H
#define TESSERA_RUNTIME_NPUREPORT_H

#include "tessera/Runtime/NPUDevice.h"

#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

namespace tessera::runtime {

/// The readable table.
void printNPUReportTable(const NPUDevice &device, llvm::raw_ostream &os);
/// The JSON report.
llvm::json::Value npuReportToJSON(const NPUDevice &device);
/// CSV: a header, one row per layer, one per program, then the model.
void printNPUReportCSV(const NPUDevice &device, llvm::raw_ostream &os);
/// A Chrome trace-event JSON of every recorded launch, one after another on
/// one timeline (one trace microsecond = one NPU cycle).
void printNPUTrace(const NPUDevice &device, llvm::raw_ostream &os);

} // namespace tessera::runtime

#endif // TESSERA_RUNTIME_NPUREPORT_H
