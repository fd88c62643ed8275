//===- HostCPUTest.cpp - the artifact's CPU features on a host ------------===//
//
// checkCPUFeatures and readArtifactCPU (lib/Runtime/HostCPU.cpp) with
// synthetic host feature maps: none, one or several features missing, the
// message's sorted names; the manifest's `cpu` section as the compiler's
// TargetCPU writes it and as a corrupt manifest may hold it.
//
//===----------------------------------------------------------------------===//

#include "tessera/Runtime/HostCPU.h"
#include "tessera/Target/CPU/TargetCPU.h"

#include "llvm/Support/JSON.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"

#include <gtest/gtest.h>

using namespace tessera;
using namespace tessera::runtime;

namespace {

llvm::StringMap<bool> hostWith(std::initializer_list<const char *> enabled,
                               std::initializer_list<const char *> disabled) {
  llvm::StringMap<bool> host;
  for (const char *name : enabled)
    host[name] = true;
  for (const char *name : disabled)
    host[name] = false;
  return host;
}

TEST(HostCPU, NothingMissing) {
  ArtifactCPU cpu{"x86-64-v2", {"sse4.2", "popcnt", "sse2"}};
  llvm::StringMap<bool> host =
      hostWith({"sse2", "popcnt", "sse4.2", "avx"}, {"avx512f"});
  EXPECT_TRUE(findMissingCPUFeatures(cpu.features, host).empty());
  EXPECT_EQ(checkCPUFeatures("model.cpu", cpu, host), std::nullopt);
  // An artifact that needs nothing runs anywhere.
  EXPECT_EQ(checkCPUFeatures("model.cpu", ArtifactCPU{"x86-64", {}}, {}),
            std::nullopt);
}

TEST(HostCPU, OneMissing) {
  ArtifactCPU cpu{"x86-64-v3", {"avx2", "avx", "fma"}};
  // Reported false, or not reported at all: both are missing.
  for (const llvm::StringMap<bool> &host :
       {hostWith({"avx", "fma"}, {"avx2"}), hostWith({"avx", "fma"}, {})}) {
    EXPECT_EQ(findMissingCPUFeatures(cpu.features, host),
              std::vector<std::string>{"avx2"});
    EXPECT_EQ(checkCPUFeatures("x.cpu", cpu, host),
              "artifact 'x.cpu' was compiled for CPU 'x86-64-v3' and needs "
              "CPU features this host lacks: avx2; recompile it with "
              "--cpu=native on this host or a lower --cpu (docs/cpu.md, "
              "\"Compiling for another CPU\")");
  }
}

TEST(HostCPU, SeveralMissingSorted) {
  ArtifactCPU cpu{
      "x86-64-v4",
      {"avx512vl", "avx2", "avx512f", "avx512bw", "avx512dq", "avx512f"}};
  llvm::StringMap<bool> host = hostWith({"avx2"}, {"avx512f", "avx512bw"});
  EXPECT_EQ(findMissingCPUFeatures(cpu.features, host),
            (std::vector<std::string>{"avx512bw", "avx512dq", "avx512f",
                                      "avx512vl"}));
  std::optional<std::string> message = checkCPUFeatures("x.cpu", cpu, host);
  ASSERT_TRUE(message);
  EXPECT_NE(message->find("compiled for CPU 'x86-64-v4' and needs CPU "
                          "features this host lacks: avx512bw, avx512dq, "
                          "avx512f, avx512vl; recompile"),
            std::string::npos)
      << *message;
}

TEST(HostCPU, ReadsTheCPUSection) {
  llvm::json::Object manifest{
      {"cpu",
       llvm::json::Object{{"name", "znver4"},
                          {"features", llvm::json::Array{"avx", "sse"}}}}};
  auto cpu = readArtifactCPU(manifest, 2, "m.json");
  ASSERT_TRUE(bool(cpu)) << llvm::toString(cpu.takeError());
  ASSERT_TRUE(cpu->has_value());
  EXPECT_EQ((*cpu)->name, "znver4");
  EXPECT_EQ((*cpu)->features, (std::vector<std::string>{"avx", "sse"}));
  // Version 1 has no section: nothing to check.
  auto v1 = readArtifactCPU(llvm::json::Object{}, 1, "m.json");
  ASSERT_TRUE(bool(v1));
  EXPECT_FALSE(v1->has_value());
}

TEST(HostCPU, MalformedCPUSection) {
  auto error = [](llvm::json::Object manifest) {
    auto cpu = readArtifactCPU(manifest, 2, "m.json");
    return cpu ? std::string("(no error)") : llvm::toString(cpu.takeError());
  };
  EXPECT_EQ(error(llvm::json::Object{}),
            "m.json: missing 'cpu' (the CPU the code was compiled "
            "for, which format version 2 records)");
  EXPECT_EQ(error(llvm::json::Object{{"cpu", "x86-64"}}),
            "m.json: 'cpu' is not an object");
  EXPECT_EQ(
      error(llvm::json::Object{
          {"cpu", llvm::json::Object{{"features", llvm::json::Array{}}}}}),
      "m.json: 'cpu' has no 'name' string");
  EXPECT_EQ(error(llvm::json::Object{
                {"cpu", llvm::json::Object{{"name", "x86-64"}}}}),
            "m.json: 'cpu' has no 'features' array");
  EXPECT_EQ(error(llvm::json::Object{
                {"cpu", llvm::json::Object{{"name", "x86-64"},
                                           {"features",
                                            llvm::json::Array{"sse", 3}}}}}),
            "m.json: 'cpu.features' holds an entry that is not a feature name");
}

bool isX86Host() {
  return llvm::Triple(llvm::sys::getProcessTriple()).getArch() ==
         llvm::Triple::x86_64;
}

/// The features a TargetCPU records, as a host of exactly that CPU reports.
llvm::StringMap<bool> hostOf(const TargetCPU &target) {
  llvm::StringMap<bool> host;
  for (const std::string &name : getISAFeatureNames())
    host[name] = false;
  for (const std::string &name : target.getRequiredFeatures())
    host[name] = true;
  return host;
}

ArtifactCPU artifactOf(const TargetCPU &target) {
  return {target.name, target.getRequiredFeatures()};
}

TEST(HostCPU, CompilerLevelsAgainstHostLevels) {
  if (!isX86Host())
    GTEST_SKIP() << "--cpu names x86-64 CPUs";
  auto v2 = resolveTargetCPU("x86-64-v2");
  auto v3 = resolveTargetCPU("x86-64-v3");
  auto v4 = resolveTargetCPU("x86-64-v4");
  ASSERT_TRUE(v2 && v3 && v4);
  // Every level runs on its own host and the higher ones.
  EXPECT_EQ(checkCPUFeatures("a", artifactOf(*v2), hostOf(*v3)), std::nullopt);
  EXPECT_EQ(checkCPUFeatures("a", artifactOf(*v3), hostOf(*v3)), std::nullopt);
  EXPECT_EQ(checkCPUFeatures("a", artifactOf(*v3), hostOf(*v4)), std::nullopt);
  // x86-64-v4 on an AVX2 host: the AVX-512 foundation it lacks.
  EXPECT_EQ(findMissingCPUFeatures(artifactOf(*v4).features, hostOf(*v3)),
            (std::vector<std::string>{"avx512bw", "avx512cd", "avx512dq",
                                      "avx512f", "avx512vl"}));
  EXPECT_EQ(v3->getVectorBits(), 256);
  EXPECT_EQ(v4->getVectorBits(), 512);
  // Disabling a feature drops what depends on it, and the vectors with it.
  auto noAVX512 = resolveTargetCPU("x86-64-v4", "-avx512f");
  ASSERT_TRUE(bool(noAVX512));
  EXPECT_EQ(noAVX512->getVectorBits(), 256);
  EXPECT_FALSE(noAVX512->hasFeature("avx512vl"));
  EXPECT_TRUE(noAVX512->hasFeature("avx2"));
  // The recorded list holds only what a host's detection can report.
  auto x86 = resolveTargetCPU("x86-64");
  ASSERT_TRUE(bool(x86));
  EXPECT_EQ(
      x86->getRequiredFeatures(),
      (std::vector<std::string>{"64bit", "cmov", "cx8", "mmx", "sse", "sse2"}));
  // A CPU brings the x86-64 baseline, but not the system instructions that
  // only intrinsics emit: a Zen 4 VM hiding pku or rdpru runs znver4 code.
  auto zen4 = resolveTargetCPU("znver4");
  ASSERT_TRUE(bool(zen4));
  std::vector<std::string> required = zen4->getRequiredFeatures();
  for (const char *feature : {"cmov", "avx512bf16", "avx512vl", "sse2"})
    EXPECT_TRUE(llvm::is_contained(required, feature)) << feature;
  for (const char *feature : {"pku", "rdpru", "wbnoinvd", "mwaitx", "xsave"})
    EXPECT_FALSE(llvm::is_contained(required, feature)) << feature;
  EXPECT_TRUE(zen4->hasFeature("pku"));
}

TEST(HostCPU, NativeRunsHere) {
  auto native = resolveTargetCPU();
  ASSERT_TRUE(bool(native)) << llvm::toString(native.takeError());
  EXPECT_TRUE(native->native);
  EXPECT_EQ(native->name, llvm::sys::getHostCPUName());
  EXPECT_EQ(checkCPUFeatures("a", artifactOf(*native),
                             llvm::sys::getHostCPUFeatures()),
            std::nullopt);
}

} // namespace
