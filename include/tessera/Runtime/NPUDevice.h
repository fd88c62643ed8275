//===- NPUDevice.h - the NPU device of npu-target artifacts -----*- C++ -*-===//
//
// Part of Tessera. An artifact of `tessera-compile --target=npu` is host code
// that launches NPU programs (docs/npu/compiler.md, "Artifact and runtime").
// The runtime gives it a device: the simulator on the hardware description
// stored in the manifest. The device decodes each program once, runs every
// launch with timing, copies the outputs back and accumulates per-layer
// counters, which the NPU reports (NPUReport.h) read.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_RUNTIME_NPUDEVICE_H
#define TESSERA_RUNTIME_NPUDEVICE_H

#include "tessera/NPU/Hardware.h"
#include "tessera/NPU/Program.h"
#include "tessera/Sim/Simulator.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tessera::runtime {

/// What the compiler predicted for one layer (the npu.layer attributes).
struct NPUPredictedLayer {
  std::string name, tiling, bound;
  std::optional<int64_t> cycles, dramBytes, macs;
  std::optional<double> energyPJ;
};

/// One program of the artifact and its counters over the recorded launches.
struct NPUProgramState {
  std::string name;
  std::vector<NPUPredictedLayer> predicted;
  bool loaded = false;
  npu::Program program;
  uint64_t launches = 0;
  sim::Counters total;
  std::vector<sim::Counters> layers; ///< one per program layer, summed
};

/// An op the partition left on the host.
struct NPUHostOp {
  std::string name, op, reason;
};

/// One recorded launch, for the trace: its program, when it started on the
/// whole-model timeline (cycles) and its simulation.
struct NPULaunchRecord {
  size_t program = 0;
  uint64_t offset = 0;
  sim::SimResult result;
};

class NPUDevice {
public:
  /// A device for the manifest's "npu" section (`where` names it in errors).
  static llvm::Expected<std::unique_ptr<NPUDevice>>
  create(const llvm::json::Object &section, llvm::StringRef where);

  /// Runs program `index` (its container `bytes`) on host buffers: `inputs`
  /// and `outputs` are the program's input and output tensors in table
  /// order. 0 on success; otherwise the error is kept for takeError().
  int32_t launch(int64_t index, const uint8_t *bytes, int64_t size,
                 void *const *inputs, void *const *outputs);
  /// The error of the last failed launch (empty when none), cleared.
  std::string takeError();

  /// Whether launches add to the counters, and keep their per-instruction
  /// timing for a trace.
  void setRecording(bool record, bool keepTrace = false) {
    recording = record;
    keepingTrace = keepTrace;
  }

  const npu::HardwareDesc &getHardware() const { return hw; }
  llvm::ArrayRef<NPUProgramState> getPrograms() const { return programs; }
  llvm::ArrayRef<NPUHostOp> getHostOps() const { return hostOps; }
  llvm::ArrayRef<NPULaunchRecord> getLaunches() const { return launches; }
  /// Cycles of all recorded launches, one after another.
  uint64_t getRecordedCycles() const { return recordedCycles; }

private:
  npu::HardwareDesc hw;
  std::vector<NPUProgramState> programs;
  std::vector<NPUHostOp> hostOps;
  std::vector<NPULaunchRecord> launches;
  uint64_t recordedCycles = 0;
  bool recording = false, keepingTrace = false;
  std::string error;
};

/// The device's launch as the artifact's runtime support calls it (the
/// function `tessera_npu_set_device` installs; `device` is an NPUDevice).
int32_t launchOnNPUDevice(void *device, int64_t index, const uint8_t *bytes,
                          int64_t size, void *const *inputs,
                          void *const *outputs);

/// Adds the counters of `from` to `into` (cycles, unit cycles, actions,
/// energy, overlap; the range and cycle span are kept from the first).
void accumulateCounters(sim::Counters &into, const sim::Counters &from);

} // namespace tessera::runtime

#endif // TESSERA_RUNTIME_NPUDEVICE_H
