//===- npu_hw_fuzzer.cpp - fuzz the hardware description parser -----------===//
//
// Part of Tessera. YAML -> npu::parseHardwareDesc. A description that parses
// must print to canonical YAML that parses to one with the same hash.
//
//===----------------------------------------------------------------------===//

#include "FuzzUtils.h"
#include "tessera/NPU/Hardware.h"

using namespace tessera;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef yaml(reinterpret_cast<const char *>(data), size);
  llvm::Expected<npu::HardwareDesc> hw = npu::parseHardwareDesc(yaml, "fuzz");
  if (!hw) {
    llvm::consumeError(hw.takeError());
    return 0;
  }
  std::string printed = npu::printHardwareDesc(*hw);
  llvm::Expected<npu::HardwareDesc> again =
      npu::parseHardwareDesc(printed, "printed");
  if (!again)
    llvm::errs() << llvm::toString(again.takeError()) << "\n" << printed;
  fuzz::check(static_cast<bool>(again), "canonical YAML parses");
  fuzz::check(npu::hashHardwareDesc(*again) == npu::hashHardwareDesc(*hw),
              "canonical YAML keeps the hash");
  fuzz::check(npu::printHardwareDesc(*again) == printed,
              "canonical YAML is a fixed point");
  return 0;
}
