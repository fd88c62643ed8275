//===- GPURuntimeTest.cpp - the CUDA runtime of GPU artifacts -------------===//
//
// Part of Tessera. GPURuntimeSupport.c, the very object embedded in
// TesseraGPUTarget, run on the fake CUDA driver of FakeCuda.c (loaded through
// $TESSERA_CUDA_DRIVER): the module cache, launches, memory and its block
// cache, tensor maps, the first-failure record and the profile.
//
//===----------------------------------------------------------------------===//

#include "FakeCuda.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/JSON.h"

#include "gtest/gtest.h"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

// The runtime's functions with the types of MLIR 22's calls (its LLVM IR:
// i64 for index, i32, i8 and i16 where the generated code passes them).
extern "C" {
void *mgpuModuleLoadJIT(void *data, int32_t optLevel);
void *mgpuModuleLoad(void *data, uint64_t size);
void mgpuModuleUnload(void *module);
void *mgpuModuleGetFunction(void *module, const char *name);
void mgpuSetDefaultDevice(int32_t ordinal);
void mgpuLaunchKernel(void *function, intptr_t gridX, intptr_t gridY,
                      intptr_t gridZ, intptr_t blockX, intptr_t blockY,
                      intptr_t blockZ, int32_t smem, void *stream,
                      void **params, void **extra, int64_t nparams);
void mgpuLaunchClusterKernel(void *function, intptr_t clusterX,
                             intptr_t clusterY, intptr_t clusterZ,
                             intptr_t gridX, intptr_t gridY, intptr_t gridZ,
                             intptr_t blockX, intptr_t blockY, intptr_t blockZ,
                             int32_t smem, void *stream, void **params,
                             void **extra);
void *mgpuStreamCreate(void);
void mgpuStreamDestroy(void *stream);
void mgpuStreamSynchronize(void *stream);
void mgpuStreamWaitEvent(void *stream, void *event);
void *mgpuEventCreate(void);
void mgpuEventDestroy(void *event);
void mgpuEventSynchronize(void *event);
void mgpuEventRecord(void *event, void *stream);
void *mgpuMemAlloc(uint64_t size, void *stream, uint64_t hostShared);
void mgpuMemFree(void *pointer, void *stream);
void mgpuMemcpy(void *dst, void *src, uint64_t size, void *stream);
void mgpuMemset32(void *dst, uint32_t value, uint64_t count, void *stream);
void mgpuMemset16(void *dst, uint64_t value, uint64_t count, void *stream);
void mgpuMemHostRegisterMemRef(int64_t rank, void *descriptor,
                               int64_t elementSize);
void mgpuMemHostUnregisterMemRef(int64_t rank, void *descriptor,
                                 int64_t elementSize);
void *mgpuTensorMapEncodeTiledMemref(int64_t rank, void *descriptor,
                                     int64_t dataType, int64_t interleave,
                                     int64_t swizzle, int64_t l2Promotion,
                                     int64_t oobFill, int64_t *boxDims);
int32_t tessera_gpu_status(void);
const char *tessera_gpu_error(void);
void tessera_gpu_clear_error(void);
int32_t tessera_gpu_init(void);
void tessera_gpu_set_profiling(int32_t on);
const char *tessera_gpu_profile_json(void);
void tessera_gpu_shutdown(void);
}

namespace {

/// PTX as the lowering embeds it (NUL-terminated); the fake finds kernels by
/// name in it.
const char kPTX[] = "//\n.version 8.0\n.target sm_90\n.address_size 64\n"
                    ".visible .entry main_kernel()\n{\n\tret;\n}\n"
                    ".visible .entry other_kernel()\n{\n\tret;\n}\n";

class GPURuntimeTest : public ::testing::Test {
protected:
  void SetUp() override {
    tessera_gpu_shutdown();
    tessera_gpu_clear_error();
    tessera_gpu_set_profiling(0);
    for (const char *name : {"FAKE_CUDA_FAIL", "FAKE_CUDA_JIT_LOG",
                             "FAKE_CUDA_DEVICES", "FAKE_CUDA_MEMORY_LIMIT",
                             "TESSERA_CUDA_DEVICE", "TESSERA_GPU_PROFILE"})
      unsetenv(name);
    setenv("TESSERA_CUDA_DRIVER", TESSERA_FAKE_CUDA_PATH, 1);
    fakeCudaReset();
  }
  void TearDown() override {
    tessera_gpu_shutdown();
    tessera_gpu_clear_error();
  }

  std::string error() { return tessera_gpu_error(); }

  /// The kernel `name` of kPTX.
  void *kernel(const char *name = "main_kernel") {
    void *module = mgpuModuleLoadJIT(const_cast<char *>(kPTX), 2);
    return mgpuModuleGetFunction(module, name);
  }

  void launch(void *function, int32_t smem = 0, void *stream = nullptr) {
    mgpuLaunchKernel(function, 1, 1, 1, 32, 1, 1, smem, stream, nullptr,
                     nullptr, 0);
  }
};

TEST_F(GPURuntimeTest, NoDriver) {
  setenv("TESSERA_CUDA_DRIVER", "/nonexistent/libcuda.so.1", 1);
  EXPECT_EQ(tessera_gpu_init(), -1);
  EXPECT_EQ(tessera_gpu_status(), -1);
  EXPECT_EQ(error(), "no CUDA driver: /nonexistent/libcuda.so.1: cannot open "
                     "shared object file: No such file or directory");
  // Everything else does nothing.
  EXPECT_EQ(mgpuStreamCreate(), nullptr);
  EXPECT_EQ(mgpuMemAlloc(64, nullptr, 0), nullptr);
  EXPECT_EQ(mgpuModuleLoadJIT(const_cast<char *>(kPTX), 2), nullptr);
  EXPECT_EQ(fakeCudaTotalCalls(), 0);
}

TEST_F(GPURuntimeTest, NoDevice) {
  setenv("FAKE_CUDA_DEVICES", "0", 1);
  EXPECT_EQ(tessera_gpu_init(), -2);
  EXPECT_EQ(error(), "no CUDA device: cuInit reports none");
}

TEST_F(GPURuntimeTest, DeviceFromEnvironment) {
  setenv("TESSERA_CUDA_DEVICE", "3", 1);
  EXPECT_EQ(tessera_gpu_init(), -2);
  EXPECT_EQ(error(), "no CUDA device 3: the driver sees 1 device");
  tessera_gpu_shutdown();
  tessera_gpu_clear_error();
  setenv("TESSERA_CUDA_DEVICE", "first", 1);
  EXPECT_EQ(tessera_gpu_init(), -3);
  EXPECT_EQ(error(),
            "TESSERA_CUDA_DEVICE='first' is not a device number (0, 1, ...)");
  tessera_gpu_shutdown();
  tessera_gpu_clear_error();
  setenv("FAKE_CUDA_DEVICES", "2", 1);
  setenv("TESSERA_CUDA_DEVICE", "1", 1);
  EXPECT_EQ(tessera_gpu_init(), 0) << error();
}

TEST_F(GPURuntimeTest, InitStartsOnce) {
  EXPECT_EQ(tessera_gpu_init(), 0) << error();
  EXPECT_EQ(tessera_gpu_init(), 0);
  EXPECT_EQ(fakeCudaCalls("cuInit"), 1);
  EXPECT_EQ(fakeCudaCalls("cuDevicePrimaryCtxRetain"), 1);
  EXPECT_EQ(error(), "");
}

TEST_F(GPURuntimeTest, ModuleLoadedOnce) {
  void *first = mgpuModuleLoadJIT(const_cast<char *>(kPTX), 2);
  ASSERT_NE(first, nullptr) << error();
  // The default lowering's pattern: load, get, launch, unload, again and
  // again.
  for (int i = 0; i < 100; ++i) {
    void *module = mgpuModuleLoadJIT(const_cast<char *>(kPTX), 2);
    EXPECT_EQ(module, first);
    launch(mgpuModuleGetFunction(module, "main_kernel"));
    mgpuModuleUnload(module);
  }
  EXPECT_EQ(tessera_gpu_status(), 0) << error();
  EXPECT_EQ(fakeCudaModuleLoads(), 1);
  EXPECT_EQ(fakeCudaCalls("cuModuleUnload"), 0);
  EXPECT_EQ(fakeCudaCalls("cuModuleGetFunction"), 1);
  EXPECT_EQ(fakeCudaLaunchCount(), 100);
  EXPECT_EQ(fakeCudaLastImage(), kPTX);
  EXPECT_EQ(fakeCudaLastOptLevel(), 2);
  // Unloaded when the runtime shuts down (when the artifact is unloaded).
  EXPECT_EQ(fakeCudaLiveModules(), 1);
  tessera_gpu_shutdown();
  EXPECT_EQ(fakeCudaLiveModules(), 0);
}

TEST_F(GPURuntimeTest, ModuleLoadedAgainAfterShutdown) {
  // The generated code keeps the handle its constructor got.
  void *module = mgpuModuleLoadJIT(const_cast<char *>(kPTX), 2);
  ASSERT_NE(module, nullptr);
  tessera_gpu_shutdown();
  void *function = mgpuModuleGetFunction(module, "other_kernel");
  ASSERT_NE(function, nullptr) << error();
  launch(function);
  EXPECT_EQ(tessera_gpu_status(), 0) << error();
  EXPECT_EQ(fakeCudaModuleLoads(), 2);
  ASSERT_EQ(fakeCudaLaunchCount(), 1);
  EXPECT_STREQ(fakeCudaLaunch(0)->kernel, "other_kernel");
}

TEST_F(GPURuntimeTest, BinaryModule) {
  // A cubin as `cubin-format=bin` embeds it: its size is given, no JIT.
  static const char kCubin[] = "\x7f"
                               "ELF binary_kernel";
  void *module = mgpuModuleLoad(const_cast<char *>(kCubin), sizeof(kCubin));
  ASSERT_NE(module, nullptr) << error();
  EXPECT_EQ(mgpuModuleLoad(const_cast<char *>(kCubin), sizeof(kCubin)), module);
  EXPECT_EQ(fakeCudaModuleLoads(), 1);
  EXPECT_EQ(fakeCudaLastOptionCount(), 0);
  EXPECT_NE(mgpuModuleGetFunction(module, "binary_kernel"), nullptr);
  EXPECT_EQ(tessera_gpu_status(), 0) << error();
}

TEST_F(GPURuntimeTest, DefaultDevice) {
  setenv("FAKE_CUDA_DEVICES", "2", 1);
  mgpuSetDefaultDevice(1);
  EXPECT_EQ(tessera_gpu_init(), 0) << error();
  EXPECT_EQ(fakeCudaLastDevice(), 1);
  mgpuSetDefaultDevice(1);
  EXPECT_EQ(tessera_gpu_status(), 0) << error();
  mgpuSetDefaultDevice(0);
  EXPECT_EQ(tessera_gpu_status(), -3);
  EXPECT_EQ(error(), "mgpuSetDefaultDevice(0): the runtime already runs on "
                     "CUDA device 1");
}

TEST_F(GPURuntimeTest, LaunchPassesItsConfiguration) {
  int64_t streams = fakeCudaLiveStreams();
  void *function = kernel();
  void *stream = mgpuStreamCreate();
  int64_t a = 11, b = 22, c = 33, d = 44;
  void *params[] = {&a, &b, &c, &d};
  mgpuLaunchKernel(function, 3, 2, 1, 128, 2, 1, 1024, stream, params, nullptr,
                   4);
  ASSERT_EQ(tessera_gpu_status(), 0) << error();
  ASSERT_EQ(fakeCudaLaunchCount(), 1);
  const FakeLaunch *l = fakeCudaLaunch(0);
  EXPECT_STREQ(l->kernel, "main_kernel");
  EXPECT_EQ(l->grid[0], 3u);
  EXPECT_EQ(l->grid[1], 2u);
  EXPECT_EQ(l->grid[2], 1u);
  EXPECT_EQ(l->block[0], 128u);
  EXPECT_EQ(l->block[1], 2u);
  EXPECT_EQ(l->block[2], 1u);
  EXPECT_EQ(l->smem, 1024u);
  EXPECT_EQ(l->stream, stream);
  EXPECT_EQ(l->params, params);
  EXPECT_EQ(l->paramValues[0], 11u);
  EXPECT_EQ(l->paramValues[3], 44u);
  // 48 KiB or less needs no opt-in.
  EXPECT_EQ(fakeCudaCalls("cuFuncSetAttribute"), 0);
  mgpuStreamSynchronize(stream);
  mgpuStreamDestroy(stream);
  EXPECT_EQ(fakeCudaLiveStreams(), streams);
  EXPECT_EQ(tessera_gpu_status(), 0) << error();
}

TEST_F(GPURuntimeTest, LargeSharedMemoryOptsIn) {
  void *function = kernel();
  launch(function, 48 * 1024);
  EXPECT_EQ(fakeCudaCalls("cuFuncSetAttribute"), 0);
  launch(function, 100 * 1024);
  launch(function, 100 * 1024);
  EXPECT_EQ(fakeCudaCalls("cuFuncSetAttribute"), 1);
  launch(function, 200 * 1024);
  EXPECT_EQ(fakeCudaCalls("cuFuncSetAttribute"), 2);
  ASSERT_EQ(fakeCudaLaunchCount(), 4);
  EXPECT_EQ(fakeCudaLaunch(1)->dynamicSharedAttribute, 100 * 1024);
  EXPECT_EQ(fakeCudaLaunch(3)->dynamicSharedAttribute, 200 * 1024);
  EXPECT_EQ(tessera_gpu_status(), 0) << error();
  // More than the device's opt-in limit (227 KiB on the fake, as on sm_90).
  launch(function, 228 * 1024);
  EXPECT_EQ(tessera_gpu_status(), -3);
  EXPECT_EQ(error(), "kernel 'main_kernel' asks for 233472 bytes of dynamic "
                     "shared memory; a block of this device may have at most "
                     "232448");
  EXPECT_EQ(fakeCudaLaunchCount(), 4);
}

TEST_F(GPURuntimeTest, ClusterLaunch) {
  void *function = kernel();
  int64_t a = 5;
  void *params[] = {&a, &a, &a, &a};
  mgpuLaunchClusterKernel(function, 2, 1, 1, 4, 1, 1, 128, 1, 1, 0, nullptr,
                          params, nullptr);
  ASSERT_EQ(tessera_gpu_status(), 0) << error();
  ASSERT_EQ(fakeCudaCalls("cuLaunchKernelEx"), 1);
  const FakeLaunch *l = fakeCudaLaunch(0);
  EXPECT_EQ(l->cluster[0], 2u);
  EXPECT_EQ(l->cluster[1], 1u);
  EXPECT_EQ(l->grid[0], 4u);
  EXPECT_EQ(l->block[0], 128u);
  EXPECT_EQ(l->paramValues[0], 5u);
}

TEST_F(GPURuntimeTest, BadLaunchDimensions) {
  void *function = kernel();
  mgpuLaunchKernel(function, 0, 1, 1, 32, 1, 1, 0, nullptr, nullptr, nullptr,
                   0);
  EXPECT_EQ(tessera_gpu_status(), -3);
  EXPECT_EQ(error(), "kernel 'main_kernel': grid 0x1x1, block 32x1x1: every "
                     "dimension must be positive and fit 32 bits");
  EXPECT_EQ(fakeCudaLaunchCount(), 0);
}

TEST_F(GPURuntimeTest, MemoryAndItsCache) {
  int64_t allocations = fakeCudaLiveAllocations(),
          events = fakeCudaLiveEvents();
  void *stream = mgpuStreamCreate();
  float host[250], back[250];
  for (int i = 0; i < 250; ++i)
    host[i] = (float)i;
  void *device = mgpuMemAlloc(sizeof(host), stream, 0);
  ASSERT_NE(device, nullptr) << error();
  mgpuMemcpy(device, host, sizeof(host), stream);
  mgpuMemcpy(back, device, sizeof(back), stream);
  EXPECT_EQ(std::memcmp(host, back, sizeof(host)), 0);
  mgpuMemset32(device, 0x3f800000u, 250, stream);
  mgpuMemcpy(back, device, sizeof(back), stream);
  EXPECT_EQ(back[0], 1.0f);
  EXPECT_EQ(back[249], 1.0f);
  mgpuMemset16(device, 0xffffffffffff3c00ull, 2, stream);
  uint16_t halves[3];
  mgpuMemcpy(halves, device, sizeof(halves), stream);
  EXPECT_EQ(halves[0], 0x3c00);
  EXPECT_EQ(halves[1], 0x3c00);
  EXPECT_EQ(halves[2], 0x0000); // the low half of the next float 1.0
  EXPECT_EQ(fakeCudaCalls("cuMemcpyAsync"), 4);

  // Freed on a stream: kept, with an event its next user waits for.
  mgpuMemFree(device, stream);
  EXPECT_EQ(fakeCudaCalls("cuMemFree_v2"), 0);
  EXPECT_EQ(fakeCudaCalls("cuEventRecord"), 1);
  void *again = mgpuMemAlloc(sizeof(host), stream, 0);
  EXPECT_EQ(again, device);
  EXPECT_EQ(fakeCudaCalls("cuMemAlloc_v2"), 1);
  EXPECT_EQ(fakeCudaCalls("cuStreamWaitEvent"), 1);
  // Another size, and host-shared memory, are other blocks.
  void *other = mgpuMemAlloc(sizeof(host) + 4, stream, 0);
  void *managed = mgpuMemAlloc(sizeof(host), stream, 0x100 | 1);
  EXPECT_NE(other, device);
  EXPECT_NE(managed, device);
  EXPECT_EQ(fakeCudaCalls("cuMemAlloc_v2"), 2);
  EXPECT_EQ(fakeCudaCalls("cuMemAllocManaged"), 1);
  // The low byte of the i8 only: 0x100 is 0.
  void *notManaged = mgpuMemAlloc(8, stream, 0x100);
  EXPECT_EQ(fakeCudaCalls("cuMemAllocManaged"), 1);
  // Size 0: nothing.
  EXPECT_EQ(mgpuMemAlloc(0, stream, 0), nullptr);
  mgpuMemFree(nullptr, stream);
  for (void *p : {again, other, managed, notManaged})
    mgpuMemFree(p, nullptr);
  mgpuStreamDestroy(stream);
  EXPECT_EQ(tessera_gpu_status(), 0) << error();
  EXPECT_EQ(fakeCudaLiveAllocations(), allocations + 4);
  tessera_gpu_shutdown();
  EXPECT_EQ(fakeCudaLiveAllocations(), allocations);
  EXPECT_EQ(fakeCudaLiveEvents(), events);
}

TEST_F(GPURuntimeTest, OutOfMemoryReleasesTheCache) {
  setenv("FAKE_CUDA_MEMORY_LIMIT", "3000", 1);
  void *a = mgpuMemAlloc(2000, nullptr, 0);
  ASSERT_NE(a, nullptr) << error();
  mgpuMemFree(a, nullptr);
  void *b = mgpuMemAlloc(1500, nullptr, 0);
  ASSERT_NE(b, nullptr) << error();
  EXPECT_EQ(fakeCudaCalls("cuMemFree_v2"), 1);
  EXPECT_EQ(fakeCudaCalls("cuMemAlloc_v2"), 3);
  void *c = mgpuMemAlloc(2000, nullptr, 0);
  EXPECT_EQ(c, nullptr);
  EXPECT_EQ(tessera_gpu_status(), 2);
  EXPECT_EQ(error(), "cuMemAlloc failed with CUDA_ERROR_OUT_OF_MEMORY (out of "
                     "memory) allocating 2000 bytes");
}

TEST_F(GPURuntimeTest, FirstFailureIsRecordedAndLaterCallsDoNothing) {
  void *function = kernel();
  void *stream = mgpuStreamCreate();
  setenv("FAKE_CUDA_FAIL", "cuLaunchKernel=701", 1);
  mgpuLaunchKernel(function, 2, 1, 1, 1024, 1, 1, 0, stream, nullptr, nullptr,
                   0);
  EXPECT_EQ(tessera_gpu_status(), 701);
  const std::string first =
      "cuLaunchKernel failed with CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES (too "
      "many resources requested for launch) launching kernel 'main_kernel' "
      "(grid 2x1x1, block 1024x1x1, 0 bytes of dynamic shared memory)";
  EXPECT_EQ(error(), first);

  // Everything after is a no-op: no driver call, null results.
  unsetenv("FAKE_CUDA_FAIL");
  int64_t calls = fakeCudaTotalCalls();
  EXPECT_EQ(mgpuStreamCreate(), nullptr);
  EXPECT_EQ(mgpuMemAlloc(64, stream, 0), nullptr);
  EXPECT_EQ(mgpuModuleLoadJIT(const_cast<char *>(kPTX), 2), nullptr);
  EXPECT_EQ(mgpuModuleGetFunction(nullptr, "main_kernel"), nullptr);
  EXPECT_EQ(mgpuEventCreate(), nullptr);
  EXPECT_EQ(mgpuTensorMapEncodeTiledMemref(9, nullptr, 0, 0, 0, 0, 0, nullptr),
            nullptr);
  launch(function);
  launch(nullptr);
  float host[4];
  mgpuMemcpy(host, host, sizeof(host), stream);
  mgpuMemset32(nullptr, 0, 4, stream);
  mgpuStreamSynchronize(stream);
  mgpuStreamDestroy(stream);
  EXPECT_EQ(fakeCudaTotalCalls(), calls);
  EXPECT_EQ(fakeCudaLaunchCount(), 0);
  // The first failure stays.
  EXPECT_EQ(tessera_gpu_status(), 701);
  EXPECT_EQ(error(), first);

  // Clearing waits for the device.
  tessera_gpu_clear_error();
  EXPECT_EQ(fakeCudaCalls("cuCtxSynchronize"), 1);
  EXPECT_EQ(tessera_gpu_status(), 0);
  EXPECT_EQ(error(), "");
  launch(function);
  EXPECT_EQ(fakeCudaLaunchCount(), 1);
}

TEST_F(GPURuntimeTest, JITLogInTheMessage) {
  setenv("FAKE_CUDA_FAIL", "cuModuleLoadDataEx=218", 1);
  setenv("FAKE_CUDA_JIT_LOG",
         "ptxas application ptx input, line 9; error   : Unknown symbol "
         "'foo'\n",
         1);
  void *module = mgpuModuleLoadJIT(const_cast<char *>(kPTX), 2);
  EXPECT_EQ(tessera_gpu_status(), 218);
  const std::string message =
      "cuModuleLoadDataEx failed with CUDA_ERROR_INVALID_PTX (a PTX JIT "
      "compilation failed) loading a module (PTX, " +
      std::to_string(std::strlen(kPTX)) +
      " bytes); the JIT says: ptxas application ptx input, line 9; error   : "
      "Unknown symbol 'foo'";
  EXPECT_EQ(error(), message);
  // The error log was asked for.
  EXPECT_EQ(fakeCudaLastOptionCount(), 5);
  // A kernel of the module that failed to load: the load is tried again and
  // fails the same way; no crash.
  tessera_gpu_clear_error();
  EXPECT_EQ(mgpuModuleGetFunction(module, "main_kernel"), nullptr);
  EXPECT_EQ(error(), message);
  EXPECT_EQ(fakeCudaCalls("cuModuleLoadDataEx"), 2);
  EXPECT_EQ(fakeCudaCalls("cuModuleGetFunction"), 0);
  tessera_gpu_clear_error();
  EXPECT_EQ(mgpuModuleGetFunction(nullptr, "main_kernel"), nullptr);
  EXPECT_EQ(error(),
            "mgpuModuleGetFunction: kernel 'main_kernel': its module was not "
            "loaded");
  tessera_gpu_clear_error();
  launch(nullptr);
  EXPECT_EQ(error(), "a launch of a kernel whose lookup failed");
}

TEST_F(GPURuntimeTest, UnknownKernel) {
  void *module = mgpuModuleLoadJIT(const_cast<char *>(kPTX), 2);
  EXPECT_EQ(mgpuModuleGetFunction(module, "missing_kernel"), nullptr);
  EXPECT_EQ(tessera_gpu_status(), 500);
  EXPECT_EQ(error(), "cuModuleGetFunction failed with CUDA_ERROR_NOT_FOUND "
                     "(named symbol not found) looking up kernel "
                     "'missing_kernel'");
}

TEST_F(GPURuntimeTest, AsynchronousFailureNamesTheLastKernel) {
  void *stream = mgpuStreamCreate();
  launch(kernel("other_kernel"), 0, stream);
  setenv("FAKE_CUDA_FAIL", "cuStreamSynchronize=700", 1);
  mgpuStreamSynchronize(stream);
  EXPECT_EQ(tessera_gpu_status(), 700);
  EXPECT_EQ(error(), "cuStreamSynchronize failed with "
                     "CUDA_ERROR_ILLEGAL_ADDRESS (an illegal memory access "
                     "was encountered) waiting for a stream (the last kernel "
                     "launched: 'other_kernel')");
}

TEST_F(GPURuntimeTest, UnknownCUresult) {
  setenv("FAKE_CUDA_FAIL", "cuStreamCreate=9999", 1);
  EXPECT_EQ(mgpuStreamCreate(), nullptr);
  EXPECT_EQ(error(), "cuStreamCreate failed with CUresult 9999 (no "
                     "description) creating a stream");
}

TEST_F(GPURuntimeTest, ContextCurrentOnEveryThread) {
  void *stream = mgpuStreamCreate();
  mgpuStreamSynchronize(stream);
  EXPECT_EQ(fakeCudaCalls("cuCtxSetCurrent"), 1);
  std::thread other([] {
    void *s = mgpuStreamCreate();
    mgpuStreamDestroy(s);
  });
  other.join();
  EXPECT_EQ(fakeCudaCalls("cuCtxSetCurrent"), 2);
  mgpuStreamDestroy(stream);
  EXPECT_EQ(fakeCudaCalls("cuCtxSetCurrent"), 2);
  EXPECT_EQ(tessera_gpu_status(), 0) << error();
}

TEST_F(GPURuntimeTest, EventsAndStreams) {
  int64_t streams = fakeCudaLiveStreams(), events = fakeCudaLiveEvents();
  void *a = mgpuStreamCreate(), *b = mgpuStreamCreate();
  void *event = mgpuEventCreate();
  mgpuEventRecord(event, a);
  mgpuStreamWaitEvent(b, event);
  mgpuEventSynchronize(event);
  mgpuEventDestroy(event);
  mgpuStreamDestroy(a);
  mgpuStreamDestroy(b);
  EXPECT_EQ(tessera_gpu_status(), 0) << error();
  EXPECT_EQ(fakeCudaLiveEvents(), events);
  EXPECT_EQ(fakeCudaLiveStreams(), streams);
  EXPECT_EQ(fakeCudaCalls("cuStreamWaitEvent"), 1);
}

TEST_F(GPURuntimeTest, HostRegister) {
  float buffer[6];
  // memref<2x3xf32>: allocated, aligned, offset, sizes, strides.
  struct {
    float *allocated, *aligned;
    int64_t offset, sizes[2], strides[2];
  } descriptor = {buffer, buffer, 0, {2, 3}, {3, 1}};
  mgpuMemHostRegisterMemRef(2, &descriptor, 4);
  mgpuMemHostUnregisterMemRef(2, &descriptor, 4);
  EXPECT_EQ(tessera_gpu_status(), 0) << error();
  EXPECT_EQ(fakeCudaCalls("cuMemHostRegister_v2"), 1);
  EXPECT_EQ(fakeCudaCalls("cuMemHostUnregister"), 1);
}

/// memref<128x64xf16> at `data`, as the lowering passes it.
struct Descriptor2D {
  void *allocated, *aligned;
  int64_t offset, sizes[2], strides[2];
};

TEST_F(GPURuntimeTest, TensorMaps) {
  void *data = mgpuMemAlloc(128 * 64 * 2, nullptr, 0);
  Descriptor2D d = {data, data, 0, {128, 64}, {64, 1}};
  int64_t box[2] = {64, 32}; // outermost first, as the lowering stores it
  // f16 (6), no interleave, 128B swizzle (3), no L2 promotion, zero fill.
  void *map = mgpuTensorMapEncodeTiledMemref(2, &d, 6, 0, 3, 0, 0, box);
  ASSERT_NE(map, nullptr) << error();
  const FakeTensorMap *t = fakeCudaLastTensorMap();
  EXPECT_EQ(t->dataType, 6);
  EXPECT_EQ(t->rank, 2u);
  EXPECT_EQ(t->address, data);
  // Innermost first.
  EXPECT_EQ(t->dims[0], 64u);
  EXPECT_EQ(t->dims[1], 128u);
  EXPECT_EQ(t->strides[0], 128u);
  EXPECT_EQ(t->box[0], 32u);
  EXPECT_EQ(t->box[1], 64u);
  EXPECT_EQ(t->elementStrides[0], 1u);
  EXPECT_EQ(t->swizzle, 3);
  // The map is on the device: the fake's map starts with the address.
  void *copied;
  std::memcpy(&copied, map, sizeof(copied));
  EXPECT_EQ(copied, data);
  // The same descriptor again: the same device copy.
  EXPECT_EQ(mgpuTensorMapEncodeTiledMemref(2, &d, 6, 0, 3, 0, 0, box), map);
  EXPECT_EQ(fakeCudaCalls("cuTensorMapEncodeTiled"), 1);
  // Another box: another.
  box[0] = 128;
  EXPECT_NE(mgpuTensorMapEncodeTiledMemref(2, &d, 6, 0, 3, 0, 0, box), map);
  EXPECT_EQ(tessera_gpu_status(), 0) << error();

  int64_t box6[6] = {1, 1, 1, 1, 1, 1};
  EXPECT_EQ(mgpuTensorMapEncodeTiledMemref(6, &d, 6, 0, 3, 0, 0, box6),
            nullptr);
  EXPECT_EQ(error(), "mgpuTensorMapEncodeTiledMemref: a tensor map of rank 6 "
                     "(1 to 5 are possible)");
}

TEST_F(GPURuntimeTest, TensorMapFailure) {
  void *data = mgpuMemAlloc(128 * 64 * 2, nullptr, 0);
  Descriptor2D d = {data, data, 0, {128, 64}, {64, 1}};
  int64_t box[2] = {64, 64};
  setenv("FAKE_CUDA_FAIL", "cuTensorMapEncodeTiled=1", 1);
  EXPECT_EQ(mgpuTensorMapEncodeTiledMemref(2, &d, 6, 0, 3, 0, 0, box), nullptr);
  EXPECT_EQ(tessera_gpu_status(), 1);
  EXPECT_NE(error().find("cuTensorMapEncodeTiled failed with "
                         "CUDA_ERROR_INVALID_VALUE (invalid argument) "
                         "encoding a rank-2 tensor map"),
            std::string::npos)
      << error();
}

/// The profile's entry of `kernel` (kernels appear in the order of their
/// first lookup in the process); an empty object when it has none.
static llvm::json::Object profileOf(llvm::StringRef kernel) {
  llvm::Expected<llvm::json::Value> parsed =
      llvm::json::parse(tessera_gpu_profile_json());
  EXPECT_TRUE(bool(parsed));
  if (!parsed) {
    llvm::consumeError(parsed.takeError());
    return {};
  }
  const llvm::json::Array *array = parsed->getAsArray();
  EXPECT_NE(array, nullptr);
  for (const llvm::json::Value &v : array ? *array : llvm::json::Array())
    if (const llvm::json::Object *o = v.getAsObject())
      if (o->getString("kernel") == kernel)
        return *o;
  return {};
}

TEST_F(GPURuntimeTest, Profile) {
  EXPECT_STREQ(tessera_gpu_profile_json(), "[]");
  void *mainKernel = kernel(), *other = kernel("other_kernel");
  void *stream = mgpuStreamCreate();
  launch(mainKernel, 0, stream); // not timed
  tessera_gpu_set_profiling(1);
  for (int i = 0; i < 3; ++i)
    launch(mainKernel, 0, stream);
  launch(other, 0, stream);
  mgpuStreamSynchronize(stream);
  ASSERT_EQ(tessera_gpu_status(), 0) << error();
  llvm::json::Object k = profileOf("main_kernel");
  EXPECT_EQ(k.getInteger("launches"), 3);
  // Each fake launch takes 0.25 ms.
  EXPECT_EQ(k.getNumber("total_ms"), 0.75);
  EXPECT_EQ(k.getNumber("mean_ms"), 0.25);
  EXPECT_EQ(k.getNumber("min_ms"), 0.25);
  EXPECT_EQ(k.getNumber("max_ms"), 0.25);
  EXPECT_EQ(profileOf("other_kernel").getInteger("launches"), 1);
  // Timing pairs are reused.
  int64_t created = fakeCudaCalls("cuEventCreate");
  launch(other, 0, stream);
  EXPECT_EQ(profileOf("other_kernel").getInteger("launches"), 2);
  EXPECT_EQ(fakeCudaCalls("cuEventCreate"), created);
  mgpuStreamDestroy(stream);
}

TEST_F(GPURuntimeTest, ProfileFromTheEnvironment) {
  setenv("TESSERA_GPU_PROFILE", "1", 1);
  launch(kernel());
  EXPECT_EQ(profileOf("main_kernel").getInteger("launches"), 1);
  EXPECT_EQ(profileOf("other_kernel").getInteger("launches"), std::nullopt);
  EXPECT_EQ(tessera_gpu_status(), 0) << error();
}

} // namespace
