//===- tensorproto_fuzzer.cpp - fuzz the TensorProto reader ---------------===//
//
// Part of Tessera. Bytes -> runtime::readTensorProto (which takes a path: the
// input is written to a scratch file, next to a small file that external
// data may name). A tensor that reads holds exactly its elements' bytes.
//
//===----------------------------------------------------------------------===//

#include "FuzzUtils.h"
#include "tessera/Runtime/Runtime.h"

using namespace tessera;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const bool external = [] {
    static const uint8_t bytes[64] = {1, 2, 3, 4, 5, 6, 7, 8};
    fuzz::writeScratchFile("data.bin", bytes, sizeof(bytes));
    return true;
  }();
  (void)external;
  std::string path = fuzz::writeScratchFile("input.pb", data, size);
  llvm::Expected<runtime::HostTensor> tensor = runtime::readTensorProto(path);
  if (!tensor) {
    llvm::consumeError(tensor.takeError());
    return 0;
  }
  size_t elementSize = runtime::getDTypeSize(tensor->dtype);
  if (elementSize) // bool and strings aside, the bytes match the shape
    fuzz::check(tensor->data.size() ==
                    static_cast<size_t>(tensor->numElements()) * elementSize,
                "data size matches shape and dtype");
  for (int64_t i = 0, e = std::min<int64_t>(tensor->numElements(), 64); i < e;
       ++i)
    (void)tensor->getAsDouble(i);
  return 0;
}
