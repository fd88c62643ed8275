/*===- FakeCuda.c - a CUDA driver on host memory, for tests ---------------===*\
|*                                                                            *|
|* Part of Tessera. The CUDA driver entry points GPURuntimeSupport.c uses,    *|
|* implemented on the host so that the runtime can be tested without a GPU:   *|
|* the runtime loads this library through $TESSERA_CUDA_DRIVER. Device        *|
|* memory is host memory (cuMemAlloc is malloc, copies are memcpy), a module  *|
|* records its image, a launch records its configuration and runs nothing,    *|
|* events read a clock that each launch advances by 0.25 ms. The `fake*`      *|
|* functions let the tests read what happened.                                *|
|*                                                                            *|
|* Failures are configured with the environment, read at every call:          *|
|*   FAKE_CUDA_FAIL=cuLaunchKernel=701,...  the call returns that CUresult    *|
|*   FAKE_CUDA_JIT_LOG=TEXT                 a failed module load's JIT log    *|
|*   FAKE_CUDA_DEVICES=N                    devices (default 1; 0: cuInit     *|
|*                                          returns CUDA_ERROR_NO_DEVICE)     *|
|*   FAKE_CUDA_MEMORY_LIMIT=BYTES           cuMemAlloc beyond it returns      *|
|*                                          CUDA_ERROR_OUT_OF_MEMORY          *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#include "FakeCuda.h"

#include <stdlib.h>
#include <string.h>

typedef int CUresult;
typedef unsigned long long CUdeviceptr;

/*===-- Calls and failures ------------------------------------------------===*/

#define kMaxNames 64
static struct {
  const char *name;
  int64_t count;
} calls[kMaxNames];

/* Counts a call of `name` and returns the failure configured for it. */
static CUresult call(const char *name) {
  int i = 0;
  while (i < kMaxNames && calls[i].name && strcmp(calls[i].name, name) != 0)
    ++i;
  if (i < kMaxNames) {
    calls[i].name = name;
    ++calls[i].count;
  }
  const char *spec = getenv("FAKE_CUDA_FAIL");
  size_t length = strlen(name);
  while (spec && *spec) {
    if (strncmp(spec, name, length) == 0 && spec[length] == '=')
      return atoi(spec + length + 1);
    spec = strchr(spec, ',');
    if (spec)
      ++spec;
  }
  return 0;
}

static int64_t envInteger(const char *name, int64_t fallback) {
  const char *value = getenv(name);
  return value && *value ? strtoll(value, 0, 10) : fallback;
}

int64_t fakeCudaCalls(const char *name) {
  for (int i = 0; i < kMaxNames && calls[i].name; ++i)
    if (strcmp(calls[i].name, name) == 0)
      return calls[i].count;
  return 0;
}

int64_t fakeCudaTotalCalls(void) {
  int64_t total = 0;
  for (int i = 0; i < kMaxNames && calls[i].name; ++i)
    total += calls[i].count;
  return total;
}

/*===-- Errors ------------------------------------------------------------===*/

static const struct {
  CUresult code;
  const char *name, *text;
} kErrors[] = {
    {0, "CUDA_SUCCESS", "no error"},
    {1, "CUDA_ERROR_INVALID_VALUE", "invalid argument"},
    {2, "CUDA_ERROR_OUT_OF_MEMORY", "out of memory"},
    {100, "CUDA_ERROR_NO_DEVICE", "no CUDA-capable device is detected"},
    {218, "CUDA_ERROR_INVALID_PTX", "a PTX JIT compilation failed"},
    {500, "CUDA_ERROR_NOT_FOUND", "named symbol not found"},
    {700, "CUDA_ERROR_ILLEGAL_ADDRESS",
     "an illegal memory access was encountered"},
    {701, "CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES",
     "too many resources requested for launch"},
    {719, "CUDA_ERROR_LAUNCH_FAILED", "unspecified launch failure"},
};

CUresult cuGetErrorName(CUresult error, const char **name) {
  for (size_t i = 0; i < sizeof(kErrors) / sizeof(kErrors[0]); ++i)
    if (kErrors[i].code == error) {
      *name = kErrors[i].name;
      return 0;
    }
  *name = 0;
  return 1;
}

CUresult cuGetErrorString(CUresult error, const char **text) {
  for (size_t i = 0; i < sizeof(kErrors) / sizeof(kErrors[0]); ++i)
    if (kErrors[i].code == error) {
      *text = kErrors[i].text;
      return 0;
    }
  *text = 0;
  return 1;
}

/*===-- Devices and contexts ----------------------------------------------===*/

static int fakeContext;
static __thread void *currentContext;

CUresult cuInit(unsigned flags) {
  CUresult r = call("cuInit");
  if (r || flags)
    return r ? r : 1;
  return envInteger("FAKE_CUDA_DEVICES", 1) > 0 ? 0 : 100;
}

CUresult cuDeviceGetCount(int *count) {
  *count = (int)envInteger("FAKE_CUDA_DEVICES", 1);
  return call("cuDeviceGetCount");
}

static int lastDevice = -1;

int fakeCudaLastDevice(void) { return lastDevice; }

CUresult cuDeviceGet(int *device, int ordinal) {
  CUresult r = call("cuDeviceGet");
  if (r)
    return r;
  if (ordinal < 0 || ordinal >= envInteger("FAKE_CUDA_DEVICES", 1))
    return 101;
  *device = ordinal;
  lastDevice = ordinal;
  return 0;
}

CUresult cuDeviceGetAttribute(int *value, int attribute, int device) {
  (void)device;
  /* 97: the opt-in shared memory per block, 227 KiB as on sm_90. */
  *value = attribute == 97 ? 227 * 1024 : 0;
  return call("cuDeviceGetAttribute");
}

CUresult cuDevicePrimaryCtxRetain(void **context, int device) {
  (void)device;
  *context = &fakeContext;
  return call("cuDevicePrimaryCtxRetain");
}

CUresult cuCtxGetCurrent(void **context) {
  *context = currentContext;
  return call("cuCtxGetCurrent");
}

CUresult cuCtxSynchronize(void) { return call("cuCtxSynchronize"); }

CUresult cuCtxSetCurrent(void *context) {
  CUresult r = call("cuCtxSetCurrent");
  if (!r)
    currentContext = context;
  return r;
}

/*===-- Modules, kernels, launches ----------------------------------------===*/

typedef struct FakeModule {
  const char *image;
  int unloaded;
} FakeModule;

typedef struct FakeFunction {
  struct FakeFunction *next;
  FakeModule *module;
  char name[64];
  int attributes[16];
} FakeFunction;
static FakeFunction *functions;

static int64_t moduleLoads, liveModules;
static const char *lastImage;
static int lastOptLevel = -1, lastOptionCount = -1;

CUresult cuModuleLoadDataEx(void **module, const void *image, unsigned count,
                            int *options, void **values) {
  lastImage = image;
  lastOptionCount = (int)count;
  CUresult r = call("cuModuleLoadDataEx");
  for (unsigned i = 0; i < count; ++i) {
    if (options[i] == 7)
      lastOptLevel = (int)(uintptr_t)values[i];
    /* The error log: its buffer (5) and size (6). */
    if (options[i] == 5 && r) {
      const char *log = getenv("FAKE_CUDA_JIT_LOG");
      size_t size = 0;
      for (unsigned j = 0; j < count; ++j)
        if (options[j] == 6)
          size = (size_t)(uintptr_t)values[j];
      if (log && size) {
        strncpy((char *)values[i], log, size - 1);
        ((char *)values[i])[size - 1] = 0;
      }
    }
  }
  if (r)
    return r;
  FakeModule *m = calloc(1, sizeof(FakeModule));
  m->image = image;
  *module = m;
  ++moduleLoads;
  ++liveModules;
  return 0;
}

CUresult cuModuleUnload(void *module) {
  CUresult r = call("cuModuleUnload");
  if (r)
    return r;
  ((FakeModule *)module)->unloaded = 1;
  --liveModules;
  return 0;
}

CUresult cuModuleGetFunction(void **function, void *module, const char *name) {
  CUresult r = call("cuModuleGetFunction");
  if (r)
    return r;
  FakeModule *m = module;
  /* A kernel is found when the PTX names it. */
  if (m->unloaded || !strstr(m->image, name))
    return 500;
  FakeFunction *f = calloc(1, sizeof(FakeFunction));
  f->module = m;
  strncpy(f->name, name, sizeof(f->name) - 1);
  f->next = functions;
  functions = f;
  *function = f;
  return 0;
}

CUresult cuFuncSetAttribute(void *function, int attribute, int value) {
  CUresult r = call("cuFuncSetAttribute");
  if (!r && attribute >= 0 && attribute < 16)
    ((FakeFunction *)function)->attributes[attribute] = value;
  return r;
}

static FakeLaunch launches[256];
static int launchCount;
static double clockMs;

static CUresult launch(const char *what, FakeFunction *f, const unsigned d[6],
                       const unsigned cluster[3], unsigned smem, void *stream,
                       void **params) {
  CUresult r = call(what);
  if (r)
    return r;
  if (f->module->unloaded)
    return 400; /* CUDA_ERROR_INVALID_HANDLE */
  clockMs += 0.25;
  if (launchCount == 256)
    return 0;
  FakeLaunch *l = &launches[launchCount++];
  memset(l, 0, sizeof(*l));
  memcpy(l->kernel, f->name, sizeof(l->kernel));
  memcpy(l->grid, d, 3 * sizeof(unsigned));
  memcpy(l->block, d + 3, 3 * sizeof(unsigned));
  if (cluster)
    memcpy(l->cluster, cluster, 3 * sizeof(unsigned));
  l->smem = smem;
  l->stream = stream;
  l->params = params;
  for (int i = 0; params && i < 4; ++i)
    memcpy(&l->paramValues[i], params[i], sizeof(uint64_t));
  l->dynamicSharedAttribute = f->attributes[8];
  return 0;
}

CUresult cuLaunchKernel(void *function, unsigned gx, unsigned gy, unsigned gz,
                        unsigned bx, unsigned by, unsigned bz, unsigned smem,
                        void *stream, void **params, void **extra) {
  (void)extra;
  unsigned d[6] = {gx, gy, gz, bx, by, bz};
  return launch("cuLaunchKernel", function, d, 0, smem, stream, params);
}

/* CUlaunchConfig and CUlaunchAttribute as cuda.h lays them out. */
typedef struct {
  int id;
  char pad[4];
  union {
    char pad[64];
    unsigned clusterDim[3];
  } value;
} Attribute;
typedef struct {
  unsigned grid[3], block[3], smem;
  void *stream;
  Attribute *attrs;
  unsigned numAttrs;
} Config;

CUresult cuLaunchKernelEx(const Config *config, void *function, void **params,
                          void **extra) {
  (void)extra;
  unsigned d[6] = {config->grid[0],  config->grid[1],  config->grid[2],
                   config->block[0], config->block[1], config->block[2]};
  unsigned cluster[3] = {0, 0, 0};
  for (unsigned i = 0; i < config->numAttrs; ++i)
    if (config->attrs[i].id == 4)
      memcpy(cluster, config->attrs[i].value.clusterDim, sizeof(cluster));
  return launch("cuLaunchKernelEx", function, d, cluster, config->smem,
                config->stream, params);
}

int fakeCudaLaunchCount(void) { return launchCount; }
const FakeLaunch *fakeCudaLaunch(int i) {
  return i >= 0 && i < launchCount ? &launches[i] : 0;
}
int64_t fakeCudaModuleLoads(void) { return moduleLoads; }
int64_t fakeCudaLiveModules(void) { return liveModules; }
const char *fakeCudaLastImage(void) { return lastImage; }
int fakeCudaLastOptLevel(void) { return lastOptLevel; }
int fakeCudaLastOptionCount(void) { return lastOptionCount; }

/*===-- Streams and events ------------------------------------------------===*/

static int64_t liveStreams, liveEvents;

CUresult cuStreamCreate(void **stream, unsigned flags) {
  (void)flags;
  CUresult r = call("cuStreamCreate");
  if (r)
    return r;
  *stream = malloc(1);
  ++liveStreams;
  return 0;
}

CUresult cuStreamDestroy_v2(void *stream) {
  CUresult r = call("cuStreamDestroy_v2");
  if (r)
    return r;
  free(stream);
  --liveStreams;
  return 0;
}

CUresult cuStreamSynchronize(void *stream) {
  (void)stream;
  return call("cuStreamSynchronize");
}

CUresult cuStreamWaitEvent(void *stream, void *event, unsigned flags) {
  (void)stream;
  (void)event;
  (void)flags;
  return call("cuStreamWaitEvent");
}

typedef struct {
  double timeMs;
  unsigned flags;
} FakeEvent;

CUresult cuEventCreate(void **event, unsigned flags) {
  CUresult r = call("cuEventCreate");
  if (r)
    return r;
  FakeEvent *e = calloc(1, sizeof(FakeEvent));
  e->flags = flags;
  *event = e;
  ++liveEvents;
  return 0;
}

CUresult cuEventDestroy_v2(void *event) {
  CUresult r = call("cuEventDestroy_v2");
  if (r)
    return r;
  free(event);
  --liveEvents;
  return 0;
}

CUresult cuEventRecord(void *event, void *stream) {
  (void)stream;
  CUresult r = call("cuEventRecord");
  if (!r)
    ((FakeEvent *)event)->timeMs = clockMs;
  return r;
}

CUresult cuEventSynchronize(void *event) {
  (void)event;
  return call("cuEventSynchronize");
}

CUresult cuEventElapsedTime(float *ms, void *start, void *stop) {
  CUresult r = call("cuEventElapsedTime");
  if (r)
    return r;
  /* CUDA_ERROR_INVALID_HANDLE for events without timing. */
  if ((((FakeEvent *)start)->flags | ((FakeEvent *)stop)->flags) & 2)
    return 400;
  *ms = (float)(((FakeEvent *)stop)->timeMs - ((FakeEvent *)start)->timeMs);
  return 0;
}

int64_t fakeCudaLiveStreams(void) { return liveStreams; }
int64_t fakeCudaLiveEvents(void) { return liveEvents; }

/*===-- Memory ------------------------------------------------------------===*/

static int64_t liveAllocations, liveBytes;

static CUresult allocate(const char *what, CUdeviceptr *pointer, size_t size) {
  CUresult r = call(what);
  if (r)
    return r;
  if (liveBytes + (int64_t)size >
      envInteger("FAKE_CUDA_MEMORY_LIMIT", INT64_MAX - (int64_t)size))
    return 2;
  size_t *block = malloc(size + 16);
  block[0] = size;
  *pointer = (CUdeviceptr)(uintptr_t)(block + 2);
  ++liveAllocations;
  liveBytes += (int64_t)size;
  return 0;
}

CUresult cuMemAlloc_v2(CUdeviceptr *pointer, size_t size) {
  return allocate("cuMemAlloc_v2", pointer, size);
}

CUresult cuMemAllocManaged(CUdeviceptr *pointer, size_t size, unsigned flags) {
  (void)flags;
  return allocate("cuMemAllocManaged", pointer, size);
}

CUresult cuMemFree_v2(CUdeviceptr pointer) {
  CUresult r = call("cuMemFree_v2");
  if (r)
    return r;
  size_t *block = (size_t *)(uintptr_t)pointer - 2;
  liveBytes -= (int64_t)block[0];
  --liveAllocations;
  free(block);
  return 0;
}

CUresult cuMemcpyAsync(CUdeviceptr dst, CUdeviceptr src, size_t size,
                       void *stream) {
  (void)stream;
  CUresult r = call("cuMemcpyAsync");
  if (!r)
    memcpy((void *)(uintptr_t)dst, (const void *)(uintptr_t)src, size);
  return r;
}

CUresult cuMemcpyHtoD_v2(CUdeviceptr dst, const void *src, size_t size) {
  CUresult r = call("cuMemcpyHtoD_v2");
  if (!r)
    memcpy((void *)(uintptr_t)dst, src, size);
  return r;
}

CUresult cuMemsetD32Async(CUdeviceptr dst, unsigned value, size_t count,
                          void *stream) {
  (void)stream;
  CUresult r = call("cuMemsetD32Async");
  for (size_t i = 0; !r && i < count; ++i)
    memcpy((char *)(uintptr_t)dst + 4 * i, &value, 4);
  return r;
}

CUresult cuMemsetD16Async(CUdeviceptr dst, unsigned short value, size_t count,
                          void *stream) {
  (void)stream;
  CUresult r = call("cuMemsetD16Async");
  for (size_t i = 0; !r && i < count; ++i)
    memcpy((char *)(uintptr_t)dst + 2 * i, &value, 2);
  return r;
}

CUresult cuMemHostRegister_v2(void *pointer, size_t size, unsigned flags) {
  (void)pointer;
  (void)size;
  (void)flags;
  return call("cuMemHostRegister_v2");
}

CUresult cuMemHostUnregister(void *pointer) {
  (void)pointer;
  return call("cuMemHostUnregister");
}

int64_t fakeCudaLiveAllocations(void) { return liveAllocations; }

/*===-- Tensor maps -------------------------------------------------------===*/

static FakeTensorMap lastTensorMap;

CUresult cuTensorMapEncodeTiled(void *map, int dataType, unsigned rank,
                                void *address, const uint64_t *dims,
                                const uint64_t *strides, const unsigned *box,
                                const unsigned *elementStrides, int interleave,
                                int swizzle, int l2Promotion, int oobFill) {
  CUresult r = call("cuTensorMapEncodeTiled");
  if (r)
    return r;
  FakeTensorMap *t = &lastTensorMap;
  memset(t, 0, sizeof(*t));
  t->dataType = dataType;
  t->rank = rank;
  t->address = address;
  for (unsigned i = 0; i < rank && i < 5; ++i) {
    t->dims[i] = dims[i];
    t->box[i] = box[i];
    t->elementStrides[i] = elementStrides[i];
    if (i + 1 < rank)
      t->strides[i] = strides[i];
  }
  t->interleave = interleave;
  t->swizzle = swizzle;
  t->l2Promotion = l2Promotion;
  t->oobFill = oobFill;
  /* The map's bytes: a recognizable pattern. */
  memset(map, 0x5a, 128);
  memcpy(map, &address, sizeof(address));
  return 0;
}

const FakeTensorMap *fakeCudaLastTensorMap(void) { return &lastTensorMap; }

/*===-- Reset -------------------------------------------------------------===*/

void fakeCudaReset(void) {
  memset(calls, 0, sizeof(calls));
  launchCount = 0;
  clockMs = 0;
  moduleLoads = 0;
  lastImage = 0;
  lastOptLevel = lastOptionCount = -1;
  memset(&lastTensorMap, 0, sizeof(lastTensorMap));
  currentContext = 0;
  lastDevice = -1;
}
