//===- PtxasTest.cpp - GPU back end: the ptxas check ----------------------===//
//
// The parser of `ptxas -v`'s report on canned CUDA 13 output, and ptxas itself
// on hand-written PTX: a trivial kernel for every known chip (with the PTX
// version of the chip's features), one with static shared memory, one that
// spills under `.maxnreg`, and PTX ptxas rejects. The tests that run ptxas
// skip where findPtxas() finds none.
//
//===----------------------------------------------------------------------===//

#include "tessera/Codegen/GPU/GPU.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"

#include <gtest/gtest.h>

#include <cstdlib>

using namespace tessera::gpu;

namespace {

// What CUDA 13.0's ptxas writes to stderr for `-arch=sm_80 -v` on two
// kernels, the first spilling (a stack frame, no shared memory) and the
// second with static shared memory; with the gmem, cmem and compile-time
// lines the parser skips.
constexpr const char *kCannedOutput = R"(ptxas info    : 0 bytes gmem
ptxas info    : Compiling entry function 'main_kernel_0' for 'sm_80'
ptxas info    : Function properties for main_kernel_0
    400 bytes stack frame, 436 bytes spill stores, 432 bytes spill loads
ptxas info    : Used 24 registers, used 0 barriers, 400 bytes cumulative stack size, 360 bytes cmem[0]
ptxas info    : Compile time = 10.562 ms
ptxas info    : Compiling entry function 'main_kernel_1' for 'sm_80'
ptxas info    : Function properties for main_kernel_1
    0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
ptxas info    : Used 168 registers, used 1 barriers, 49152 bytes smem, 400 bytes cmem[0]
ptxas info    : Compile time = 1.197 ms
)";

TEST(Ptxas, ParseCannedOutput) {
  llvm::StringMap<PtxasKernelInfo> kernels = parsePtxasOutput(kCannedOutput);
  ASSERT_EQ(kernels.size(), 2u);
  const PtxasKernelInfo &spilling = kernels.at("main_kernel_0");
  EXPECT_EQ(spilling.registers, 24);
  EXPECT_EQ(spilling.stackBytes, 400);
  EXPECT_EQ(spilling.spillStoreBytes, 436);
  EXPECT_EQ(spilling.spillLoadBytes, 432);
  EXPECT_EQ(spilling.sharedBytes, 0);
  const PtxasKernelInfo &shared = kernels.at("main_kernel_1");
  EXPECT_EQ(shared.registers, 168);
  EXPECT_EQ(shared.stackBytes, 0);
  EXPECT_EQ(shared.spillStoreBytes, 0);
  EXPECT_EQ(shared.spillLoadBytes, 0);
  EXPECT_EQ(shared.sharedBytes, 49152);
}

TEST(Ptxas, ParseNothing) {
  EXPECT_TRUE(parsePtxasOutput("").empty());
  EXPECT_TRUE(parsePtxasOutput("ptxas info    : 0 bytes gmem\n").empty());
  // Figures of a function that is not an entry are not a kernel's.
  llvm::StringMap<PtxasKernelInfo> kernels = parsePtxasOutput(
      "ptxas info    : Function properties for helper\n"
      "    8 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads\n");
  EXPECT_TRUE(kernels.empty());
}

TEST(Ptxas, ParsePropertiesBeforeTheEntry) {
  // The properties of an entry named before it is compiled, and a device
  // function's, which is no kernel.
  llvm::StringMap<PtxasKernelInfo> kernels = parsePtxasOutput(
      "ptxas info    : Function properties for k\n"
      "    16 bytes stack frame, 8 bytes spill stores, 4 bytes spill loads\n"
      "ptxas info    : Function properties for helper\n"
      "    32 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads\n"
      "ptxas info    : Compiling entry function 'k' for 'sm_90'\n"
      "ptxas info    : Used 40 registers, used 0 barriers, 16 bytes smem\n");
  ASSERT_EQ(kernels.size(), 1u);
  const PtxasKernelInfo &k = kernels.at("k");
  EXPECT_EQ(k.registers, 40);
  EXPECT_EQ(k.stackBytes, 16);
  EXPECT_EQ(k.spillStoreBytes, 8);
  EXPECT_EQ(k.spillLoadBytes, 4);
  EXPECT_EQ(k.sharedBytes, 16);
}

/// Sets an environment variable for the scope, then restores it.
class ScopedEnv {
public:
  ScopedEnv(const char *name, const std::string &value) : name(name) {
    if (const char *old = getenv(name))
      previous = old;
    setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (previous)
      setenv(name, previous->c_str(), 1);
    else
      unsetenv(name);
  }

private:
  const char *name;
  std::optional<std::string> previous;
};

TEST(Ptxas, FindPtxasInCudaHome) {
  // With nothing on PATH, $CUDA_HOME/bin/ptxas is found (an executable file
  // is enough).
  llvm::SmallString<128> home;
  ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("tessera-cuda", home));
  llvm::SmallString<128> bin(home), ptxas;
  llvm::sys::path::append(bin, "bin");
  ASSERT_FALSE(llvm::sys::fs::create_directory(bin));
  ptxas = bin;
  llvm::sys::path::append(ptxas, "ptxas");
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(ptxas, ec);
    ASSERT_FALSE(ec);
    os << "#!/bin/sh\n";
  }
  ASSERT_FALSE(llvm::sys::fs::setPermissions(
      ptxas, llvm::sys::fs::all_exe | llvm::sys::fs::owner_read |
                 llvm::sys::fs::owner_write));
  {
    ScopedEnv path("PATH", home.str().str());
    ScopedEnv cudaHome("CUDA_HOME", home.str().str());
    EXPECT_EQ(findPtxas(), std::optional<std::string>(ptxas.str().str()));
  }
  llvm::sys::fs::remove(ptxas);
  llvm::sys::fs::remove(bin);
  llvm::sys::fs::remove(home);
}

/// "+ptx78" -> "7.8".
std::string getPtxVersion(llvm::StringRef features) {
  llvm::StringRef digits = features.drop_front(llvm::StringRef("+ptx").size());
  return (digits.drop_back() + "." + digits.take_back()).str();
}

std::string header(llvm::StringRef version, llvm::StringRef chip) {
  return llvm::formatv(".version {0}\n.target {1}\n.address_size 64\n\n",
                       version, chip)
      .str();
}

// out[i] += 1 for i < n.
constexpr const char *kAddOne = R"(.visible .entry add_one(
	.param .u64 p0,
	.param .u32 n
)
{
	.reg .pred %p<2>;
	.reg .b32 %r<6>;
	.reg .f32 %f<3>;
	.reg .b64 %rd<5>;
	ld.param.u64 %rd1, [p0];
	ld.param.u32 %r2, [n];
	mov.u32 %r3, %ctaid.x;
	mov.u32 %r4, %ntid.x;
	mov.u32 %r5, %tid.x;
	mad.lo.s32 %r1, %r3, %r4, %r5;
	setp.ge.s32 %p1, %r1, %r2;
	@%p1 bra DONE;
	cvta.to.global.u64 %rd2, %rd1;
	mul.wide.s32 %rd3, %r1, 4;
	add.s64 %rd4, %rd2, %rd3;
	ld.global.f32 %f1, [%rd4];
	add.f32 %f2, %f1, 0f3F800000;
	st.global.f32 [%rd4], %f2;
DONE:
	ret;
}
)";

// Writes a thread index to 4 KiB of static shared memory and reads back.
constexpr const char *kWithShared =
    R"(.visible .entry with_shared(.param .u64 p0)
{
	.shared .align 4 .b8 buf[4096];
	.reg .b32 %r<3>;
	.reg .b64 %rd<3>;
	ld.param.u64 %rd1, [p0];
	mov.u32 %r1, %tid.x;
	st.shared.u32 [buf], %r1;
	bar.sync 0;
	ld.shared.u32 %r2, [buf+4];
	cvta.to.global.u64 %rd2, %rd1;
	st.global.u32 [%rd2], %r2;
	ret;
}
)";

/// 64 values loaded (volatile: ptxas keeps the order) and all live at once,
/// with at most 24 registers: ptxas must spill.
std::string getSpillingKernel() {
  constexpr int n = 64;
  std::string ptx = ".visible .entry spill(.param .u64 p0)\n.maxnreg 24\n{\n";
  ptx += llvm::formatv("\t.reg .f32 %f<{0}>;\n\t.reg .b64 %rd<3>;\n", 2 * n);
  ptx += "\tld.param.u64 %rd1, [p0];\n\tcvta.to.global.u64 %rd2, %rd1;\n";
  for (int i = 0; i < n; ++i)
    ptx += llvm::formatv("\tld.volatile.global.f32 %f{0}, [%rd2+{1}];\n", i,
                         4 * i);
  for (int i = 0; i < n; ++i)
    ptx += llvm::formatv("\tmul.f32 %f{0}, %f{1}, %f{2};\n", n + i, i,
                         (i * 7 + 3) % n);
  for (int i = 0; i < n; ++i)
    ptx += llvm::formatv("\tst.volatile.global.f32 [%rd2+{0}], %f{1};\n", 4 * i,
                         n + i);
  return ptx + "\tret;\n}\n";
}

#define REQUIRE_PTXAS(var)                                                     \
  std::optional<std::string> var = findPtxas();                                \
  if (!var)                                                                    \
  GTEST_SKIP() << "no ptxas (PATH, $CUDA_HOME/bin, /usr/local/cuda/bin)"

TEST(Ptxas, EveryKnownChip) {
  REQUIRE_PTXAS(ptxas);
  for (const std::string &chip : getKnownGPUChips()) {
    GPUTargetDesc target = llvm::cantFail(lookupGPUTarget(chip));
    std::string ptx = header(getPtxVersion(target.features), chip) + kAddOne;
    llvm::Expected<llvm::StringMap<PtxasKernelInfo>> kernels =
        runPtxas(*ptxas, ptx, chip);
    ASSERT_TRUE(bool(kernels))
        << chip << ": " << llvm::toString(kernels.takeError());
    ASSERT_EQ(kernels->size(), 1u) << chip;
    const PtxasKernelInfo &info = kernels->at("add_one");
    EXPECT_GT(info.registers, 0) << chip;
    EXPECT_LE(info.registers, 16) << chip;
    EXPECT_EQ(info.spillStoreBytes, 0) << chip;
    EXPECT_EQ(info.spillLoadBytes, 0) << chip;
    EXPECT_EQ(info.sharedBytes, 0) << chip;
  }
}

TEST(Ptxas, SharedMemoryAndSpills) {
  REQUIRE_PTXAS(ptxas);
  std::string ptx =
      header("8.0", "sm_90") + kWithShared + "\n" + getSpillingKernel();
  llvm::Expected<llvm::StringMap<PtxasKernelInfo>> kernels =
      runPtxas(*ptxas, ptx, "sm_90");
  ASSERT_TRUE(bool(kernels)) << llvm::toString(kernels.takeError());
  ASSERT_EQ(kernels->size(), 2u);
  const PtxasKernelInfo &shared = kernels->at("with_shared");
  EXPECT_EQ(shared.sharedBytes, 4096);
  EXPECT_EQ(shared.spillStoreBytes, 0);
  const PtxasKernelInfo &spill = kernels->at("spill");
  EXPECT_EQ(spill.registers, 24);
  EXPECT_GT(spill.spillStoreBytes, 0);
  EXPECT_GT(spill.spillLoadBytes, 0);
  EXPECT_GT(spill.stackBytes, 0);
  EXPECT_EQ(spill.sharedBytes, 0);
}

TEST(Ptxas, RejectedPtx) {
  REQUIRE_PTXAS(ptxas);
  // A 32-bit move into a 64-bit register.
  std::string ptx = header("8.0", "sm_90") +
                    ".visible .entry bad()\n{\n\t.reg .b64 %rd<2>;\n"
                    "\tmov.u32 %rd1, 1;\n\tret;\n}\n";
  llvm::Expected<llvm::StringMap<PtxasKernelInfo>> kernels =
      runPtxas(*ptxas, ptx, "sm_90");
  ASSERT_FALSE(bool(kernels));
  std::string message = llvm::toString(kernels.takeError());
  EXPECT_NE(message.find("ptxas rejected the PTX for sm_90"), std::string::npos)
      << message;
  EXPECT_NE(message.find("<ptx>, line 8; error"), std::string::npos) << message;
  EXPECT_NE(message.find("Arguments mismatch for instruction 'mov'"),
            std::string::npos)
      << message;
  EXPECT_EQ(message.find("tessera-gpu"), std::string::npos) << message;
}

TEST(Ptxas, ArchSpecificPtxNeedsTheArchSpecificTarget) {
  REQUIRE_PTXAS(ptxas);
  std::string ptx = header("8.0", "sm_90a") + kAddOne;
  EXPECT_TRUE(bool(runPtxas(*ptxas, ptx, "sm_90a")));
  llvm::Expected<llvm::StringMap<PtxasKernelInfo>> refused =
      runPtxas(*ptxas, ptx, "sm_90");
  ASSERT_FALSE(bool(refused));
  EXPECT_NE(llvm::toString(refused.takeError()).find("ptxas rejected"),
            std::string::npos);
}

TEST(Ptxas, MissingPtxas) {
  llvm::Expected<llvm::StringMap<PtxasKernelInfo>> kernels =
      runPtxas("/nonexistent/ptxas", header("8.0", "sm_90") + kAddOne, "sm_90");
  ASSERT_FALSE(bool(kernels));
  EXPECT_NE(llvm::toString(kernels.takeError())
                .find("ptxas check: cannot run '/nonexistent/ptxas'"),
            std::string::npos);
}

} // namespace
