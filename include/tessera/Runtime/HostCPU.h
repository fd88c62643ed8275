//===- HostCPU.h - the artifact's CPU features on this host -----*- C++ -*-===//
//
// Part of Tessera. An artifact's manifest (format version 2) records the CPU
// its code was compiled for and the ISA features the code may use. Before
// the runtime loads the library (whose constructors already run the code's
// instructions) it checks that this host has every one of them, so that an
// artifact of another CPU is a clear error instead of an illegal
// instruction (docs/cpu.md, "Compiling for another CPU").
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_RUNTIME_HOSTCPU_H
#define TESSERA_RUNTIME_HOSTCPU_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"

#include <optional>
#include <string>
#include <vector>

namespace tessera::runtime {

/// The manifest's `cpu` section.
struct ArtifactCPU {
  std::string name;
  std::vector<std::string> features;
};

/// Reads the `cpu` section of a manifest of `formatVersion`: nullopt for
/// version 1 (which has none), an error naming `manifestPath` when the
/// section is missing or malformed.
llvm::Expected<std::optional<ArtifactCPU>>
readArtifactCPU(const llvm::json::Object &manifest, int64_t formatVersion,
                llvm::StringRef manifestPath);

/// The features of `required` that `hostFeatures` (name -> enabled, as
/// llvm::sys::getHostCPUFeatures reports them) lacks, sorted.
std::vector<std::string>
findMissingCPUFeatures(llvm::ArrayRef<std::string> required,
                       const llvm::StringMap<bool> &hostFeatures);

/// Why a host with `hostFeatures` cannot run the code of artifact `artifact`
/// compiled for `cpu`: a message naming the CPU and the missing features, or
/// nullopt when it has them all.
std::optional<std::string>
checkCPUFeatures(llvm::StringRef artifact, const ArtifactCPU &cpu,
                 const llvm::StringMap<bool> &hostFeatures);

/// checkCPUFeatures for this host and the manifest of artifact directory
/// `artifact`; errors of a malformed `cpu` section as readArtifactCPU's.
llvm::Expected<std::optional<std::string>>
checkHostCPU(const llvm::json::Object &manifest, int64_t formatVersion,
             llvm::StringRef manifestPath, llvm::StringRef artifact);

} // namespace tessera::runtime

#endif // TESSERA_RUNTIME_HOSTCPU_H
