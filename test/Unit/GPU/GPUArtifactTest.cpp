//===- GPUArtifactTest.cpp - a GPU artifact end to end --------------------===//
//
// Part of Tessera. A hand-made GPU artifact (the host code MLIR's lowering
// produces for a launch: the module loaded by a constructor, a stream, device
// memory, copies, the launch, `tessera_run` returning tessera_gpu_status())
// linked with the GPU runtime as writeHostArtifact links it, then loaded and
// run by the runtime and tessera-run's entry point: on the fake CUDA driver,
// and where there is no driver.
//
//===----------------------------------------------------------------------===//

#include "FakeCuda.h"

#include "tessera/Runtime/Run.h"
#include "tessera/Runtime/Runtime.h"
#include "tessera/Target/CPU/CPUTarget.h"
#include "tessera/Target/CPU/TargetCPU.h"
#include "tessera/Target/GPU/GPUTarget.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include "gtest/gtest.h"

#include <cstdlib>
#include <cstring>
#include <dlfcn.h>

using namespace mlir;
using namespace tessera;

namespace {

/// Copies its float32[4] input to the device, launches copy_kernel (valid
/// PTX for sm_90: ptxas takes it) on the copy and copies it back.
const char kHostCode[] = R"mlir(
module {
  llvm.mlir.global internal constant @ptx(".version 8.0\0A.target sm_90\0A.address_size 64\0A\0A.visible .entry copy_kernel(.param .u64 p)\0A{\0A\09ret;\0A}\0A\00") {addr_space = 0 : i32, dso_local}
  llvm.mlir.global internal constant @name("copy_kernel\00") {addr_space = 0 : i32, dso_local}
  llvm.mlir.global internal @module() {addr_space = 0 : i32, dso_local} : !llvm.ptr {
    %0 = llvm.mlir.zero : !llvm.ptr
    llvm.return %0 : !llvm.ptr
  }
  llvm.mlir.global_ctors ctors = [@load], priorities = [123 : i32], data = [#llvm.zero]
  llvm.mlir.global_dtors dtors = [@unload], priorities = [123 : i32], data = [#llvm.zero]
  llvm.func @mgpuModuleLoadJIT(!llvm.ptr, i32) -> !llvm.ptr
  llvm.func @mgpuModuleUnload(!llvm.ptr)
  llvm.func @mgpuModuleGetFunction(!llvm.ptr, !llvm.ptr) -> !llvm.ptr
  llvm.func @mgpuLaunchKernel(!llvm.ptr, i64, i64, i64, i64, i64, i64, i32, !llvm.ptr, !llvm.ptr, !llvm.ptr, i64)
  llvm.func @mgpuStreamCreate() -> !llvm.ptr
  llvm.func @mgpuStreamSynchronize(!llvm.ptr)
  llvm.func @mgpuStreamDestroy(!llvm.ptr)
  llvm.func @mgpuMemAlloc(i64, !llvm.ptr, i8) -> !llvm.ptr
  llvm.func @mgpuMemFree(!llvm.ptr, !llvm.ptr)
  llvm.func @mgpuMemcpy(!llvm.ptr, !llvm.ptr, i64, !llvm.ptr)
  llvm.func @tessera_gpu_status() -> i32
  llvm.func internal @load() attributes {dso_local} {
    %0 = llvm.mlir.addressof @ptx : !llvm.ptr
    %1 = llvm.mlir.constant(2 : i32) : i32
    %2 = llvm.mlir.addressof @module : !llvm.ptr
    %3 = llvm.call @mgpuModuleLoadJIT(%0, %1) : (!llvm.ptr, i32) -> !llvm.ptr
    llvm.store %3, %2 {alignment = 8 : i64} : !llvm.ptr, !llvm.ptr
    llvm.return
  }
  llvm.func internal @unload() attributes {dso_local} {
    %0 = llvm.mlir.addressof @module : !llvm.ptr
    %1 = llvm.load %0 {alignment = 8 : i64} : !llvm.ptr -> !llvm.ptr
    llvm.call @mgpuModuleUnload(%1) : (!llvm.ptr) -> ()
    llvm.return
  }
  llvm.func @tessera_run(%arg0: !llvm.ptr, %arg1: !llvm.ptr) -> i32 {
    %0 = llvm.mlir.constant(16 : i64) : i64
    %1 = llvm.mlir.constant(0 : i8) : i8
    %2 = llvm.mlir.constant(1 : i32) : i32
    %3 = llvm.mlir.constant(1 : i64) : i64
    %4 = llvm.mlir.constant(2 : i64) : i64
    %5 = llvm.mlir.constant(3 : i64) : i64
    %6 = llvm.mlir.addressof @module : !llvm.ptr
    %7 = llvm.mlir.addressof @name : !llvm.ptr
    %8 = llvm.mlir.constant(4 : i64) : i64
    %9 = llvm.mlir.constant(0 : i32) : i32
    %10 = llvm.mlir.zero : !llvm.ptr
    %11 = llvm.load %arg0 {alignment = 8 : i64} : !llvm.ptr -> !llvm.ptr
    %12 = llvm.load %arg1 {alignment = 8 : i64} : !llvm.ptr -> !llvm.ptr
    %13 = llvm.call @mgpuStreamCreate() : () -> !llvm.ptr
    %14 = llvm.call @mgpuMemAlloc(%0, %13, %1) : (i64, !llvm.ptr, i8) -> !llvm.ptr
    llvm.call @mgpuMemcpy(%14, %11, %0, %13) : (!llvm.ptr, !llvm.ptr, i64, !llvm.ptr) -> ()
    %15 = llvm.alloca %2 x !llvm.ptr {alignment = 8 : i64} : (i32) -> !llvm.ptr
    llvm.store %14, %15 {alignment = 8 : i64} : !llvm.ptr, !llvm.ptr
    %16 = llvm.alloca %2 x !llvm.array<4 x ptr> {alignment = 8 : i64} : (i32) -> !llvm.ptr
    llvm.store %15, %16 {alignment = 8 : i64} : !llvm.ptr, !llvm.ptr
    %17 = llvm.getelementptr %16[%3] : (!llvm.ptr, i64) -> !llvm.ptr, !llvm.ptr
    llvm.store %15, %17 {alignment = 8 : i64} : !llvm.ptr, !llvm.ptr
    %18 = llvm.getelementptr %16[%4] : (!llvm.ptr, i64) -> !llvm.ptr, !llvm.ptr
    llvm.store %15, %18 {alignment = 8 : i64} : !llvm.ptr, !llvm.ptr
    %19 = llvm.getelementptr %16[%5] : (!llvm.ptr, i64) -> !llvm.ptr, !llvm.ptr
    llvm.store %15, %19 {alignment = 8 : i64} : !llvm.ptr, !llvm.ptr
    %20 = llvm.load %6 {alignment = 8 : i64} : !llvm.ptr -> !llvm.ptr
    %21 = llvm.call @mgpuModuleGetFunction(%20, %7) : (!llvm.ptr, !llvm.ptr) -> !llvm.ptr
    llvm.call @mgpuLaunchKernel(%21, %3, %3, %3, %8, %3, %3, %9, %13, %16, %10, %3) : (!llvm.ptr, i64, i64, i64, i64, i64, i64, i32, !llvm.ptr, !llvm.ptr, !llvm.ptr, i64) -> ()
    llvm.call @mgpuMemcpy(%12, %14, %0, %13) : (!llvm.ptr, !llvm.ptr, i64, !llvm.ptr) -> ()
    llvm.call @mgpuMemFree(%14, %13) : (!llvm.ptr, !llvm.ptr) -> ()
    llvm.call @mgpuStreamSynchronize(%13) : (!llvm.ptr) -> ()
    llvm.call @mgpuStreamDestroy(%13) : (!llvm.ptr) -> ()
    %22 = llvm.call @tessera_gpu_status() : () -> i32
    llvm.return %22 : i32
  }
}
)mlir";

class GPUArtifactTest : public ::testing::Test {
protected:
  /// DIR/model.so + DIR/manifest.json, made once.
  static void SetUpTestSuite() {
    llvm::SmallString<128> path;
    ASSERT_FALSE(
        llvm::sys::fs::createUniqueDirectory("tessera-gpu-artifact", path));
    dir = path.str().str();
    MLIRContext context;
    context.loadDialect<LLVM::LLVMDialect>();
    OwningOpRef<ModuleOp> module =
        parseSourceString<ModuleOp>(kHostCode, &context);
    ASSERT_TRUE(module);
    llvm::SmallString<256> object(dir), library(dir), manifest(dir);
    llvm::sys::path::append(object, "model.o");
    llvm::sys::path::append(library, "model.so");
    llvm::sys::path::append(manifest, "manifest.json");
    Location loc = module->getLoc();
    llvm::Expected<TargetCPU> cpu = resolveTargetCPU();
    ASSERT_TRUE(bool(cpu)) << llvm::toString(cpu.takeError());
    ASSERT_TRUE(succeeded(emitHostObject(*module, object, *cpu)));
    ASSERT_TRUE(succeeded(
        linkSharedLibrary(loc, object, library, {gpu::getGPURuntimeObject()})));
    ModelSignature signature;
    signature.inputs.push_back({"x", "float32", {4}});
    signature.outputs.push_back({"y", "float32", {4}});
    ASSERT_TRUE(succeeded(
        writeManifest(loc, manifest, signature, "model.so", *cpu, "gpu")));
    llvm::sys::fs::remove(object);
  }
  static void TearDownTestSuite() { llvm::sys::fs::remove_directories(dir); }

  void SetUp() override {
    for (const char *name : {"FAKE_CUDA_FAIL", "TESSERA_GPU_PROFILE"})
      unsetenv(name);
    setenv("TESSERA_CUDA_DRIVER", TESSERA_FAKE_CUDA_PATH, 1);
    fakeCudaReset();
  }

  static runtime::HostTensor input() {
    runtime::HostTensor t;
    t.name = "x";
    t.dtype = "float32";
    t.shape = {4};
    float values[4] = {1, 2, 3, 4};
    t.data.assign(reinterpret_cast<char *>(values),
                  reinterpret_cast<char *>(values + 4));
    return t;
  }

  static std::string dir;
};
std::string GPUArtifactTest::dir;

TEST_F(GPUArtifactTest, ExportsOnlyTheEntryAndTheRuntimeInterface) {
  llvm::SmallString<256> library(dir);
  llvm::sys::path::append(library, "model.so");
  void *handle = dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(handle, nullptr) << dlerror();
  EXPECT_NE(dlsym(handle, "tessera_run"), nullptr);
  for (const char *name : {gpu::kGPUStatusFunction, gpu::kGPUErrorFunction,
                           gpu::kGPUClearErrorFunction, gpu::kGPUInitFunction,
                           gpu::kGPUSetProfilingFunction,
                           gpu::kGPUProfileFunction, gpu::kGPUShutdownFunction})
    EXPECT_NE(dlsym(handle, name), nullptr) << name;
  for (const char *name :
       {"mgpuLaunchKernel", "mgpuMemAlloc", "_mlir_memref_to_llvm_alloc"})
    EXPECT_EQ(dlsym(handle, name), nullptr) << name;
  dlclose(handle);
}

TEST_F(GPUArtifactTest, RunsOnTheFakeDriver) {
  int64_t modules = fakeCudaLiveModules(),
          allocations = fakeCudaLiveAllocations();
  {
    llvm::Expected<runtime::Artifact> artifact = runtime::Artifact::load(dir);
    ASSERT_TRUE(bool(artifact)) << llvm::toString(artifact.takeError());
    EXPECT_TRUE(artifact->isGPU());
    // The constructor loaded the module when the library was loaded.
    EXPECT_EQ(fakeCudaModuleLoads(), 1);
    runtime::HostTensor x = input();
    for (int run = 0; run < 3; ++run) {
      llvm::Expected<std::vector<runtime::HostTensor>> outputs =
          artifact->run({&x});
      ASSERT_TRUE(bool(outputs)) << llvm::toString(outputs.takeError());
      ASSERT_EQ(outputs->size(), 1u);
      EXPECT_EQ((*outputs)[0].data, x.data);
    }
    EXPECT_EQ(fakeCudaModuleLoads(), 1);
    ASSERT_EQ(fakeCudaLaunchCount(), 3);
    const FakeLaunch *l = fakeCudaLaunch(0);
    EXPECT_STREQ(l->kernel, "copy_kernel");
    EXPECT_EQ(l->block[0], 4u);
    // The device block of the first run serves the later ones.
    EXPECT_EQ(fakeCudaCalls("cuMemAlloc_v2"), 1);
    EXPECT_EQ(fakeCudaLaunch(2)->paramValues[0], l->paramValues[0]);
    EXPECT_EQ(fakeCudaLiveModules(), modules + 1);
    EXPECT_EQ(fakeCudaLiveAllocations(), allocations + 1);
  }
  // Unloading the artifact gave the module and the memory back.
  EXPECT_EQ(fakeCudaLiveModules(), modules);
  EXPECT_EQ(fakeCudaLiveAllocations(), allocations);
}

TEST_F(GPUArtifactTest, LaunchFailureIsTheRunsError) {
  llvm::Expected<runtime::Artifact> artifact = runtime::Artifact::load(dir);
  ASSERT_TRUE(bool(artifact)) << llvm::toString(artifact.takeError());
  runtime::HostTensor x = input();
  setenv("FAKE_CUDA_FAIL", "cuLaunchKernel=719", 1);
  llvm::Expected<std::vector<runtime::HostTensor>> outputs =
      artifact->run({&x});
  ASSERT_FALSE(bool(outputs));
  EXPECT_EQ(llvm::toString(outputs.takeError()),
            "cuLaunchKernel failed with CUDA_ERROR_LAUNCH_FAILED (unspecified "
            "launch failure) launching kernel 'copy_kernel' (grid 1x1x1, block "
            "4x1x1, 0 bytes of dynamic shared memory)");
  // The failure is forgotten: the next run may succeed.
  unsetenv("FAKE_CUDA_FAIL");
  outputs = artifact->run({&x});
  ASSERT_TRUE(bool(outputs)) << llvm::toString(outputs.takeError());
}

TEST_F(GPUArtifactTest, JITFailureFailsTheLoad) {
  setenv("FAKE_CUDA_FAIL", "cuModuleLoadDataEx=218", 1);
  llvm::Expected<runtime::Artifact> artifact = runtime::Artifact::load(dir);
  ASSERT_FALSE(bool(artifact));
  EXPECT_EQ(llvm::toString(artifact.takeError()),
            "artifact " + dir +
                ": the GPU runtime failed: cuModuleLoadDataEx failed with "
                "CUDA_ERROR_INVALID_PTX (a PTX JIT compilation failed) "
                "loading a module (PTX, 98 bytes)");
}

TEST_F(GPUArtifactTest, NoDriverMessage) {
  setenv("TESSERA_CUDA_DRIVER", "/nonexistent/libcuda.so.1", 1);
  runtime::RunOptions options;
  options.artifactDir = dir;
  options.randomInputs = true;
  std::string out, err;
  llvm::raw_string_ostream outStream(out), errStream(err);
  EXPECT_EQ(runtime::runArtifact(options, outStream, errStream),
            runtime::RunStatus::Failed);
  EXPECT_EQ(err, "tessera-run: error: artifact " + dir +
                     " needs an NVIDIA GPU: no CUDA driver: "
                     "/nonexistent/libcuda.so.1: cannot open shared object "
                     "file: No such file or directory\n");
}

TEST_F(GPUArtifactTest, ProfileOfTheRuns) {
  runtime::RunOptions options;
  options.artifactDir = dir;
  options.randomInputs = true;
  options.benchmarkRuns = 2;
  options.gpuProfile = true;
  std::string out, err;
  llvm::raw_string_ostream outStream(out), errStream(err);
  EXPECT_EQ(runtime::runArtifact(options, outStream, errStream),
            runtime::RunStatus::Ok)
      << err;
  // The first run, two warm-up runs and two timed ones; 0.25 ms each on the
  // fake driver.
  EXPECT_NE(out.find("gpu profile (1 kernel):\n"
                     "  kernel       launches  total ms   mean ms    min ms"
                     "    max ms\n"
                     "  copy_kernel         5     1.250     0.250     0.250"
                     "     0.250\n"),
            std::string::npos)
      << out;
}

TEST_F(GPUArtifactTest, ProfileNeedsAGPUArtifact) {
  // The same library under a cpu manifest.
  llvm::SmallString<256> gpuManifest(dir), cpuDir;
  llvm::sys::path::append(gpuManifest, "manifest.json");
  ASSERT_FALSE(
      llvm::sys::fs::createUniqueDirectory("tessera-cpu-artifact", cpuDir));
  llvm::SmallString<256> manifest(cpuDir), library(cpuDir), gpuLibrary(dir);
  llvm::sys::path::append(manifest, "manifest.json");
  llvm::sys::path::append(library, "model.so");
  llvm::sys::path::append(gpuLibrary, "model.so");
  ASSERT_FALSE(llvm::sys::fs::copy_file(gpuLibrary, library));
  auto text = llvm::MemoryBuffer::getFile(gpuManifest);
  ASSERT_TRUE(bool(text));
  std::string edited = (*text)->getBuffer().str();
  size_t at = edited.find("\"gpu\"");
  ASSERT_NE(at, std::string::npos);
  edited.replace(at, 5, "\"cpu\"");
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(manifest, ec);
    ASSERT_FALSE(ec);
    os << edited;
  }
  runtime::RunOptions options;
  options.artifactDir = cpuDir.str().str();
  options.randomInputs = true;
  options.gpuProfile = true;
  std::string out, err;
  llvm::raw_string_ostream outStream(out), errStream(err);
  EXPECT_EQ(runtime::runArtifact(options, outStream, errStream),
            runtime::RunStatus::BadOptions);
  EXPECT_EQ(err, "tessera-run: error: --gpu-profile needs an artifact of "
                 "tessera-compile --target=gpu\n");
  llvm::sys::fs::remove_directories(cpuDir);
}

} // namespace
