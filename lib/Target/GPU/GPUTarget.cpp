//===- GPUTarget.cpp - the CUDA runtime of GPU artifacts ------------------===//
//
// Part of Tessera.
//
//===----------------------------------------------------------------------===//

#include "tessera/Target/GPU/GPUTarget.h"

namespace tessera::gpu {

/// `kGPURuntimeObject`, see CMakeLists.txt.
#include "GPURuntimeSupport.inc"

llvm::ArrayRef<uint8_t> getGPURuntimeObject() {
  return llvm::ArrayRef<uint8_t>(kGPURuntimeObject, sizeof(kGPURuntimeObject));
}

} // namespace tessera::gpu
