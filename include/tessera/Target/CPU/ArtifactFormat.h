//===- ArtifactFormat.h - the artifact format version -----------*- C++ -*-===//
//
// Part of Tessera. The version of the artifact format (manifest.json and the
// library's C ABI) that tessera-compile writes and the runtime reads; in a
// header of its own so that the runtime needs no MLIR header to know it.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_TARGET_CPU_ARTIFACTFORMAT_H
#define TESSERA_TARGET_CPU_ARTIFACTFORMAT_H

#include <cstdint>

namespace tessera {

/// The artifact format this build writes and reads.
constexpr int64_t kArtifactFormatVersion = 1;

} // namespace tessera

#endif // TESSERA_TARGET_CPU_ARTIFACTFORMAT_H
