//===- npy_fuzzer.cpp - fuzz the .npy reader ------------------------------===//
//
// Part of Tessera. Bytes -> runtime::readNpy (which takes a path: the input
// is written to a scratch file). A tensor that reads holds exactly its
// elements' bytes.
//
//===----------------------------------------------------------------------===//

#include "FuzzUtils.h"
#include "tessera/Runtime/Runtime.h"

using namespace tessera;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string path = fuzz::writeScratchFile("input.npy", data, size);
  llvm::Expected<runtime::HostTensor> tensor = runtime::readNpy(path);
  if (!tensor) {
    llvm::consumeError(tensor.takeError());
    return 0;
  }
  fuzz::check(tensor->data.size() ==
                  static_cast<size_t>(tensor->numElements()) *
                      runtime::getDTypeSize(tensor->dtype),
              "data size matches shape and dtype");
  for (int64_t i = 0, e = std::min<int64_t>(tensor->numElements(), 64); i < e;
       ++i)
    (void)tensor->getAsDouble(i);
  return 0;
}
