//===- TargetCPU.h - the x86-64 CPU an artifact is compiled for -*- C++ -*-===//
//
// Part of Tessera. `tessera-compile --cpu=NAME --cpu-features=+f,-g` resolve
// once into a `TargetCPU`: an LLVM CPU name and every feature it enables or
// disables. Code generation reads nothing else (the vectorizer's register
// tiles, the TargetMachine of every artifact's host code), and the manifest
// records the ISA features the code may use, which the runtime checks against
// the host before it loads the library (docs/cpu.md, "Compiling for another
// CPU").
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_TARGET_CPU_TARGETCPU_H
#define TESSERA_TARGET_CPU_TARGETCPU_H

#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"

#include <string>
#include <vector>

namespace tessera {

struct TargetCPU {
  /// The LLVM CPU name: the one given, or the host's for "native".
  std::string name;
  /// Every feature the CPU name implies, then the explicit +/- list, with
  /// the features those imply (`false`: disabled).
  llvm::StringMap<bool> features;
  /// True when compiled for the host ("native").
  bool native = false;

  bool hasFeature(llvm::StringRef feature) const {
    return features.lookup(feature);
  }
  /// The enabled ISA features (those the host's feature detection reports),
  /// sorted: what the code may use and the manifest records.
  std::vector<std::string> getRequiredFeatures() const;
  /// The TargetMachine's feature string (`+avx2,-avx512f,...`).
  std::string getFeatureString() const;
  /// The widest vectors the code generator may use: 512 with AVX-512F
  /// (32 registers), 256 with AVX, else 128 (SSE; 16 registers each).
  int64_t getVectorBits() const {
    return hasFeature("avx512f") ? 512 : hasFeature("avx") ? 256 : 128;
  }
  /// The manifest's `cpu` section: {"name": ..., "features": [...]}.
  llvm::json::Object toJSON() const;
};

/// Resolves `--cpu` (an x86-64 CPU LLVM knows, or "native") and
/// `--cpu-features` (comma-separated `+feature` / `-feature`). Errors name
/// the flag and the bad value, with the closest valid one.
llvm::Expected<TargetCPU> resolveTargetCPU(llvm::StringRef cpu = "native",
                                           llvm::StringRef features = "");

/// The ISA feature names the host's feature detection reports, sorted.
std::vector<std::string> getISAFeatureNames();

} // namespace tessera

#endif // TESSERA_TARGET_CPU_TARGETCPU_H
