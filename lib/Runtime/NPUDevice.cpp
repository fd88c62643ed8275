//===- NPUDevice.cpp - the NPU device of npu-target artifacts -------------===//
//
// Part of Tessera.
//
//===----------------------------------------------------------------------===//

#include "tessera/Runtime/NPUDevice.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FormatVariadic.h"

#include <cstring>

using namespace llvm;

namespace tessera::runtime {

static Error fail(const Twine &message) {
  return createStringError(inconvertibleErrorCode(), message);
}

Expected<std::unique_ptr<NPUDevice>>
NPUDevice::create(const json::Object &section, StringRef where) {
  auto device = std::make_unique<NPUDevice>();
  std::optional<StringRef> yaml = section.getString("hardware");
  if (!yaml)
    return fail(where + ": the \"npu\" section has no \"hardware\"");
  Expected<npu::HardwareDesc> hw =
      npu::parseHardwareDesc(*yaml, (where + " (npu.hardware)").str());
  if (!hw)
    return hw.takeError();
  device->hw = std::move(*hw);
  if (const json::Array *programs = section.getArray("programs")) {
    for (const json::Value &value : *programs) {
      const json::Object *object = value.getAsObject();
      if (!object || !object->getString("name"))
        return fail(where + ": malformed entry in \"npu\".\"programs\"");
      NPUProgramState state;
      state.name = object->getString("name")->str();
      state.total.name = state.name;
      if (const json::Array *layers = object->getArray("layers"))
        for (const json::Value &layerValue : *layers) {
          const json::Object *layer = layerValue.getAsObject();
          if (!layer)
            continue;
          NPUPredictedLayer predicted;
          predicted.name = layer->getString("name").value_or("").str();
          predicted.tiling = layer->getString("tiling").value_or("").str();
          predicted.bound = layer->getString("bound").value_or("").str();
          predicted.cycles = layer->getInteger("predicted_cycles");
          predicted.dramBytes = layer->getInteger("predicted_dram_bytes");
          predicted.macs = layer->getInteger("macs");
          predicted.energyPJ = layer->getNumber("predicted_energy_pj");
          state.predicted.push_back(std::move(predicted));
        }
      device->programs.push_back(std::move(state));
    }
  }
  if (const json::Array *host = section.getArray("host_ops"))
    for (const json::Value &value : *host)
      if (const json::Object *object = value.getAsObject())
        device->hostOps.push_back(
            {object->getString("name").value_or("").str(),
             object->getString("op").value_or("").str(),
             object->getString("reason").value_or("").str()});
  return device;
}

void accumulateCounters(sim::Counters &into, const sim::Counters &from) {
  if (into.name.empty()) {
    into.name = from.name;
    into.begin = from.begin;
    into.end = from.end;
    into.startCycle = from.startCycle;
    into.endCycle = from.endCycle;
  }
  into.instructions += from.instructions;
  into.cycles += from.cycles;
  for (unsigned u = 0; u < sim::kNumUnits; ++u)
    for (unsigned k = 0; k < sim::kNumCauses; ++k)
      into.unitCycles[u][k] += from.unitCycles[u][k];
  into.actions += from.actions;
  into.overlapCycles += from.overlapCycles;
  into.energy += from.energy;
}

int32_t NPUDevice::launch(int64_t index, const uint8_t *bytes, int64_t size,
                          void *const *inputs, void *const *outputs) {
  auto failWith = [&](const Twine &message) {
    error = message.str();
    return int32_t(1);
  };
  if (index < 0 || index >= int64_t(programs.size()))
    return failWith("NPU launch of program #" + Twine(index) +
                    ", but the manifest lists " + Twine(programs.size()) +
                    " programs");
  NPUProgramState &state = programs[index];
  if (!state.loaded) {
    Expected<npu::Program> program =
        npu::decodeProgram(ArrayRef<uint8_t>(bytes, size_t(size)));
    if (!program)
      return failWith("NPU program '" + state.name +
                      "': " + toString(program.takeError()));
    state.program = std::move(*program);
    state.loaded = true;
  }
  const npu::Program &program = state.program;
  sim::Simulator simulator(program, hw);
  if (Error err = simulator.initialize())
    return failWith("NPU program '" + state.name + "' on hardware '" + hw.name +
                    "': " + toString(std::move(err)));
  size_t in = 0, out = 0;
  for (const npu::TensorDesc &tensor : program.tensors) {
    if (tensor.kind != npu::TensorKind::Input)
      continue;
    auto *data = static_cast<const uint8_t *>(inputs[in++]);
    if (Error err = simulator.setInput(tensor.name,
                                       ArrayRef<uint8_t>(data, tensor.bytes())))
      return failWith("NPU program '" + state.name +
                      "': " + toString(std::move(err)));
  }
  sim::SimOptions options;
  options.timing = true;
  if (Error err = simulator.run(options))
    return failWith("NPU program '" + state.name +
                    "': " + toString(std::move(err)));
  for (const npu::TensorDesc &tensor : program.tensors) {
    if (tensor.kind != npu::TensorKind::Output)
      continue;
    Expected<std::vector<uint8_t>> data = simulator.getTensor(tensor.name);
    if (!data)
      return failWith("NPU program '" + state.name +
                      "': " + toString(data.takeError()));
    std::memcpy(outputs[out++], data->data(), data->size());
  }
  if (!recording)
    return 0;
  const sim::SimResult &result = simulator.getResult();
  ++state.launches;
  accumulateCounters(state.total, result.total);
  state.layers.resize(result.layers.size());
  for (auto [sum, layer] : llvm::zip(state.layers, result.layers))
    accumulateCounters(sum, layer);
  if (keepingTrace)
    launches.push_back({size_t(index), recordedCycles, result});
  recordedCycles += result.total.cycles;
  return 0;
}

std::string NPUDevice::takeError() {
  std::string taken = std::move(error);
  error.clear();
  return taken;
}

int32_t launchOnNPUDevice(void *device, int64_t index, const uint8_t *bytes,
                          int64_t size, void *const *inputs,
                          void *const *outputs) {
  return static_cast<NPUDevice *>(device)->launch(index, bytes, size, inputs,
                                                  outputs);
}

} // namespace tessera::runtime
