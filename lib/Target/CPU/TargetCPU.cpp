//===- TargetCPU.cpp - the x86-64 CPU an artifact is compiled for ---------===//
//
// Part of Tessera.
//
//===----------------------------------------------------------------------===//

#include "tessera/Target/CPU/TargetCPU.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/Twine.h"
#include "llvm/TargetParser/AArch64TargetParser.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"
#include "llvm/TargetParser/X86TargetParser.h"

#include <algorithm>

using namespace llvm;

namespace tessera {

/// Every feature name LLVM's X86 target parser knows (ISA extensions and a
/// few code generation modes such as `retpoline-*`), sorted.
static const std::vector<StringRef> &getX86FeatureNames() {
  static const std::vector<StringRef> names = [] {
    std::vector<StringRef> all = {
#define X86_FEATURE(ENUM, STR) STR,
#include "llvm/TargetParser/X86TargetParser.def"
    };
    llvm::erase_if(all, [](StringRef name) { return name.empty(); });
    llvm::sort(all);
    all.erase(std::unique(all.begin(), all.end()), all.end());
    return all;
  }();
  return names;
}

/// The names the host's feature detection reports (true or false): the
/// features a runtime check can compare.
static const StringSet<> &getDetectableFeatures() {
  static const StringSet<> detectable = [] {
    StringSet<> set;
    for (const auto &entry : sys::getHostCPUFeatures())
      set.insert(entry.first());
    return set;
  }();
  return detectable;
}

/// System instructions (OS state, virtualization, security, cache control,
/// random numbers, user interrupts, ...): LLVM emits them only for their
/// intrinsics, which Tessera's code never calls, and hypervisors often hide
/// them (a Zen 4 VM without `pku`, `rdpru`, `wbnoinvd` or `mwaitx`).
/// Requiring them would refuse hosts that run the code fine.
static bool isSystemFeature(StringRef name) {
  static const StringSet<> system = {
      "clflushopt", "cldemote",  "clwb",      "clzero",    "cmpccxadd",
      "enqcmd",     "fsgsbase",  "fxsr",      "hreset",    "invpcid",
      "kl",         "lwp",       "movdir64b", "movdiri",   "movrs",
      "mwaitx",     "pconfig",   "pku",       "prefetchi", "ptwrite",
      "raoint",     "rdpid",     "rdpru",     "rdrnd",     "rdseed",
      "rtm",        "serialize", "sgx",       "shstk",     "tsxldtrk",
      "uintr",      "usermsr",   "waitpkg",   "wbnoinvd",  "widekl",
      "xsave",      "xsavec",    "xsaveopt",  "xsaves"};
  return system.contains(name);
}

std::vector<std::string> getISAFeatureNames() {
  std::vector<std::string> names;
  for (StringRef name : getX86FeatureNames())
    if (getDetectableFeatures().contains(name) && !isSystemFeature(name))
      names.push_back(name.str());
  return names;
}

std::vector<std::string> TargetCPU::getRequiredFeatures() const {
  std::vector<std::string> required;
  for (const auto &entry : features)
    if (entry.second && getDetectableFeatures().contains(entry.first()) &&
        !isSystemFeature(entry.first()))
      required.push_back(entry.first().str());
  llvm::sort(required);
  return required;
}

std::string TargetCPU::getFeatureString() const {
  SmallVector<StringRef> names;
  for (const auto &entry : features)
    names.push_back(entry.first());
  llvm::sort(names);
  std::string result;
  for (StringRef name : names) {
    if (!result.empty())
      result += ',';
    result += (features.lookup(name) ? "+" : "-") + name.str();
  }
  return result;
}

json::Object TargetCPU::toJSON() const {
  json::Array list;
  for (std::string &feature : getRequiredFeatures())
    list.push_back(std::move(feature));
  return json::Object{{"name", name}, {"features", std::move(list)}};
}

/// The candidate closest to `value` by edit distance, or "" when none is
/// close enough to be a likely typo.
static StringRef closest(StringRef value, ArrayRef<StringRef> candidates) {
  StringRef best;
  unsigned bestDistance = std::max<unsigned>(3, value.size() / 3) + 1;
  for (StringRef candidate : candidates) {
    unsigned distance = value.edit_distance_insensitive(candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

static Error usageError(const Twine &message) {
  return createStringError(inconvertibleErrorCode(), message);
}

static std::string suggestion(StringRef value, ArrayRef<StringRef> candidates) {
  StringRef best = closest(value, candidates);
  return best.empty() ? std::string()
                      : ("; did you mean '" + best + "'?").str();
}

/// Enables or disables `feature` and what depends on it (clang's
/// X86TargetInfo::setFeatureEnabled).
static void setFeature(StringMap<bool> &features, StringRef feature,
                       bool enabled) {
  X86::updateImpliedFeatures(feature, enabled, features);
  features[feature] = enabled;
}

Expected<TargetCPU> resolveTargetCPU(StringRef cpu, StringRef featureList) {
  Triple host(sys::getProcessTriple());
  if (host.getArch() != Triple::x86_64 &&
      (cpu != "native" || !featureList.empty()))
    return usageError("--cpu and --cpu-features name x86-64 CPUs and "
                      "features, but this host is " +
                      host.getArchName() + " (only --cpu=native here)");
  TargetCPU target;
  if (cpu.empty())
    return usageError("--cpu: empty CPU name (an x86-64 CPU such as "
                      "x86-64-v3, or native)");
  if (cpu == "native") {
    target.native = true;
    target.name = sys::getHostCPUName().str();
    for (const auto &entry : sys::getHostCPUFeatures())
      target.features[entry.first()] = entry.second;
  } else {
    if (X86::parseArchX86(cpu, /*Only64Bit=*/true) == X86::CK_None) {
      std::string what;
      if (X86::parseArchX86(cpu, /*Only64Bit=*/false) != X86::CK_None)
        what = "a 32-bit x86 CPU";
      else if (AArch64::parseCpu(cpu))
        what = "an AArch64 CPU";
      if (!what.empty())
        return usageError("--cpu=" + cpu + ": " + what +
                          "; artifacts run on x86-64 hosts (an x86-64 CPU "
                          "such as x86-64-v3, or native)");
      SmallVector<StringRef> names;
      X86::fillValidCPUArchList(names, /*Only64Bit=*/true);
      names.push_back("native");
      return usageError("--cpu=" + cpu + ": unknown x86-64 CPU" +
                        suggestion(cpu, names) +
                        " (x86-64, x86-64-v2, x86-64-v3, x86-64-v4, native or "
                        "a CPU such as znver4 or skylake-avx512)");
    }
    target.name = cpu.str();
    // Every x86-64 CPU has the x86-64 baseline (getFeaturesForCPU lists
    // neither it nor the 64-bit mode for some CPUs: znver4 has no cmov), and
    // the X86 back end adds SSE2 to every 64-bit CPU.
    SmallVector<StringRef> implied;
    X86::getFeaturesForCPU("x86-64", implied);
    X86::getFeaturesForCPU(cpu, implied);
    implied.append({"64bit", "sse2"});
    for (StringRef feature : implied)
      setFeature(target.features, feature, true);
  }

  if (featureList.empty())
    return target;
  SmallVector<StringRef> items;
  featureList.split(items, ',');
  const std::vector<StringRef> &known = getX86FeatureNames();
  for (StringRef item : items) {
    StringRef entry = item.trim();
    if (entry.empty())
      return usageError("--cpu-features=" + featureList +
                        ": an empty entry (a comma-separated list of "
                        "+feature or -feature)");
    if (entry[0] != '+' && entry[0] != '-')
      return usageError("--cpu-features=" + featureList + ": '" + entry +
                        "' must start with '+' (enable) or '-' (disable)");
    StringRef name = entry.drop_front();
    if (!std::binary_search(known.begin(), known.end(), name))
      return usageError("--cpu-features=" + featureList +
                        ": unknown x86-64 feature '" + name + "'" +
                        suggestion(name, known));
    setFeature(target.features, name, entry[0] == '+');
  }
  return target;
}

} // namespace tessera
