//===- HostCPU.cpp - the artifact's CPU features on this host -------------===//
//
// Part of Tessera.
//
//===----------------------------------------------------------------------===//

#include "tessera/Runtime/HostCPU.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/Twine.h"
#include "llvm/TargetParser/Host.h"

using namespace llvm;

namespace tessera::runtime {

Expected<std::optional<ArtifactCPU>>
readArtifactCPU(const json::Object &manifest, int64_t formatVersion,
                StringRef manifestPath) {
  if (formatVersion < 2)
    return std::nullopt;
  auto bad = [&](const Twine &why) {
    return createStringError(inconvertibleErrorCode(),
                             manifestPath + ": " + why);
  };
  const json::Value *section = manifest.get("cpu");
  if (!section)
    return bad("missing 'cpu' (the CPU the code was compiled for, which "
               "format version " +
               Twine(formatVersion) + " records)");
  const json::Object *cpu = section->getAsObject();
  if (!cpu)
    return bad("'cpu' is not an object");
  std::optional<StringRef> name = cpu->getString("name");
  if (!name)
    return bad("'cpu' has no 'name' string");
  const json::Array *features = cpu->getArray("features");
  if (!features)
    return bad("'cpu' has no 'features' array");
  ArtifactCPU result;
  result.name = name->str();
  for (const json::Value &feature : *features) {
    std::optional<StringRef> text = feature.getAsString();
    if (!text || text->empty())
      return bad("'cpu.features' holds an entry that is not a feature name");
    result.features.push_back(text->str());
  }
  return result;
}

std::vector<std::string>
findMissingCPUFeatures(ArrayRef<std::string> required,
                       const StringMap<bool> &hostFeatures) {
  std::vector<std::string> missing;
  for (const std::string &feature : required)
    if (!hostFeatures.lookup(feature))
      missing.push_back(feature);
  llvm::sort(missing);
  missing.erase(std::unique(missing.begin(), missing.end()), missing.end());
  return missing;
}

std::optional<std::string>
checkCPUFeatures(StringRef artifact, const ArtifactCPU &cpu,
                 const StringMap<bool> &hostFeatures) {
  std::vector<std::string> missing =
      findMissingCPUFeatures(cpu.features, hostFeatures);
  if (missing.empty())
    return std::nullopt;
  return ("artifact '" + artifact + "' was compiled for CPU '" + cpu.name +
          "' and needs CPU features this host lacks: " +
          llvm::join(missing, ", ") +
          "; recompile it with --cpu=native on this host or a lower --cpu "
          "(docs/cpu.md, \"Compiling for another CPU\")")
      .str();
}

Expected<std::optional<std::string>> checkHostCPU(const json::Object &manifest,
                                                  int64_t formatVersion,
                                                  StringRef manifestPath,
                                                  StringRef artifact) {
  Expected<std::optional<ArtifactCPU>> cpu =
      readArtifactCPU(manifest, formatVersion, manifestPath);
  if (!cpu)
    return cpu.takeError();
  if (!*cpu)
    return std::nullopt;
  static const StringMap<bool> hostFeatures = sys::getHostCPUFeatures();
  return checkCPUFeatures(artifact, **cpu, hostFeatures);
}

} // namespace tessera::runtime
