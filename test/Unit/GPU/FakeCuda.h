//===- FakeCuda.h - what the fake CUDA driver recorded ----------*- C++ -*-===//
//
// Part of Tessera. The test-only CUDA driver of FakeCuda.c: the records the
// unit tests read (with dlsym from the loaded library, the very instance the
// runtime under test loaded through $TESSERA_CUDA_DRIVER).
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_TEST_UNIT_GPU_FAKECUDA_H
#define TESSERA_TEST_UNIT_GPU_FAKECUDA_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// One launch: its kernel, configuration and the first four 8-byte values
/// its parameters point to.
typedef struct FakeLaunch {
  char kernel[64];
  unsigned grid[3], block[3], cluster[3], smem;
  void *stream;
  void **params;
  uint64_t paramValues[4];
  /// CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES of the kernel then.
  int dynamicSharedAttribute;
} FakeLaunch;

/// The arguments of the last cuTensorMapEncodeTiled.
typedef struct FakeTensorMap {
  int dataType;
  unsigned rank;
  void *address;
  uint64_t dims[5], strides[5];
  unsigned box[5], elementStrides[5];
  int interleave, swizzle, l2Promotion, oobFill;
} FakeTensorMap;

void fakeCudaReset(void);
int64_t fakeCudaCalls(const char *name);
int64_t fakeCudaTotalCalls(void);
/// The ordinal of the last cuDeviceGet.
int fakeCudaLastDevice(void);
int fakeCudaLaunchCount(void);
const FakeLaunch *fakeCudaLaunch(int i);
int64_t fakeCudaModuleLoads(void);
int64_t fakeCudaLiveModules(void);
const char *fakeCudaLastImage(void);
int fakeCudaLastOptLevel(void);
int fakeCudaLastOptionCount(void);
int64_t fakeCudaLiveStreams(void);
int64_t fakeCudaLiveEvents(void);
int64_t fakeCudaLiveAllocations(void);
const FakeTensorMap *fakeCudaLastTensorMap(void);

#ifdef __cplusplus
}
#endif

#endif // TESSERA_TEST_UNIT_GPU_FAKECUDA_H
