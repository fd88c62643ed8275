/*===- GPURuntimeSupport.c - linked into every GPU artifact ---------------===*\
|*                                                                            *|
|* Part of Tessera. Compiled once, when Tessera is built, into an object      *|
|* file whose bytes are embedded in TesseraGPUTarget (see CMakeLists.txt);    *|
|* GPU artifacts link it next to the CPU runtime support. Hidden visibility   *|
|* except for the `tessera_gpu_*` functions, which the runtime finds with     *|
|* dlsym. docs/gpu.md ("Runtime") describes it.                               *|
|*                                                                            *|
|* It implements the `mgpu*` functions that MLIR's gpu-to-llvm lowering       *|
|* calls, with the signatures of MLIR 22's calls, over the CUDA driver API    *|
|* loaded at run time with dlopen (`libcuda.so.1`, or $TESSERA_CUDA_DRIVER):  *|
|* building needs no CUDA, and an artifact loads on a machine without one.    *|
|*                                                                            *|
|* The generated code checks no result: the first failure is recorded (the    *|
|* CUDA call, the CUresult's name and string, what was being done) and every  *|
|* later call does nothing, returning null where it returns something, until  *|
|* `tessera_gpu_clear_error`. `tessera_run` returns `tessera_gpu_status()`.   *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXPORT __attribute__((visibility("default")))

/*===-- The CUDA driver API, declared by hand -----------------------------===*/

typedef int CUresult;
typedef int CUdevice;
typedef unsigned long long CUdeviceptr;
typedef struct CUctx_st *CUcontext;
typedef struct CUmod_st *CUmodule;
typedef struct CUfunc_st *CUfunction;
typedef struct CUstream_st *CUstream;
typedef struct CUevent_st *CUevent;

enum {
  CUDA_SUCCESS = 0,
  CUDA_ERROR_OUT_OF_MEMORY = 2,
  CUDA_ERROR_NO_DEVICE = 100,
  CU_STREAM_NON_BLOCKING = 1,
  CU_EVENT_DEFAULT = 0,
  CU_EVENT_DISABLE_TIMING = 2,
  CU_MEM_ATTACH_GLOBAL = 1,
  CU_JIT_INFO_LOG_BUFFER = 3,
  CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES = 4,
  CU_JIT_ERROR_LOG_BUFFER = 5,
  CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES = 6,
  CU_JIT_OPTIMIZATION_LEVEL = 7,
  CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES = 8,
  CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN = 97,
  CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION = 4,
};

/* CUlaunchAttribute and CUlaunchConfig (cuda.h, CUDA 12). */
typedef struct {
  int id;
  char pad[4];
  union {
    char pad[64];
    struct {
      unsigned x, y, z;
    } clusterDim;
    void *align;
  } value;
} CUlaunchAttribute;
typedef struct {
  unsigned gridDimX, gridDimY, gridDimZ;
  unsigned blockDimX, blockDimY, blockDimZ;
  unsigned sharedMemBytes;
  CUstream hStream;
  CUlaunchAttribute *attrs;
  unsigned numAttrs;
} CUlaunchConfig;

/* CUtensorMap: 128 opaque bytes, 64-byte aligned. */
typedef struct {
  _Alignas(64) uint64_t opaque[16];
} CUtensorMap;

/* The driver's functions, fetched with dlsym by the names libcuda exports
   (the `_v2` ones where cuda.h maps a name to them). */
static struct {
  CUresult (*cuInit)(unsigned);
  CUresult (*cuDeviceGetCount)(int *);
  CUresult (*cuDeviceGet)(CUdevice *, int);
  CUresult (*cuDeviceGetAttribute)(int *, int, CUdevice);
  CUresult (*cuDevicePrimaryCtxRetain)(CUcontext *, CUdevice);
  CUresult (*cuCtxGetCurrent)(CUcontext *);
  CUresult (*cuCtxSetCurrent)(CUcontext);
  CUresult (*cuCtxSynchronize)(void);
  CUresult (*cuGetErrorName)(CUresult, const char **);
  CUresult (*cuGetErrorString)(CUresult, const char **);
  CUresult (*cuModuleLoadDataEx)(CUmodule *, const void *, unsigned, int *,
                                 void **);
  CUresult (*cuModuleUnload)(CUmodule);
  CUresult (*cuModuleGetFunction)(CUfunction *, CUmodule, const char *);
  CUresult (*cuFuncSetAttribute)(CUfunction, int, int);
  CUresult (*cuLaunchKernel)(CUfunction, unsigned, unsigned, unsigned, unsigned,
                             unsigned, unsigned, unsigned, CUstream, void **,
                             void **);
  CUresult (*cuLaunchKernelEx)(const CUlaunchConfig *, CUfunction, void **,
                               void **);
  CUresult (*cuStreamCreate)(CUstream *, unsigned);
  CUresult (*cuStreamDestroy)(CUstream);
  CUresult (*cuStreamSynchronize)(CUstream);
  CUresult (*cuStreamWaitEvent)(CUstream, CUevent, unsigned);
  CUresult (*cuEventCreate)(CUevent *, unsigned);
  CUresult (*cuEventDestroy)(CUevent);
  CUresult (*cuEventRecord)(CUevent, CUstream);
  CUresult (*cuEventSynchronize)(CUevent);
  CUresult (*cuEventElapsedTime)(float *, CUevent, CUevent);
  CUresult (*cuMemAlloc)(CUdeviceptr *, size_t);
  CUresult (*cuMemAllocManaged)(CUdeviceptr *, size_t, unsigned);
  CUresult (*cuMemFree)(CUdeviceptr);
  CUresult (*cuMemcpyAsync)(CUdeviceptr, CUdeviceptr, size_t, CUstream);
  CUresult (*cuMemcpyHtoD)(CUdeviceptr, const void *, size_t);
  CUresult (*cuMemsetD32Async)(CUdeviceptr, unsigned, size_t, CUstream);
  CUresult (*cuMemsetD16Async)(CUdeviceptr, unsigned short, size_t, CUstream);
  CUresult (*cuMemHostRegister)(void *, size_t, unsigned);
  CUresult (*cuMemHostUnregister)(void *);
  CUresult (*cuTensorMapEncodeTiled)(CUtensorMap *, int, unsigned, void *,
                                     const uint64_t *, const uint64_t *,
                                     const unsigned *, const unsigned *, int,
                                     int, int, int);
} cu;

/* Where each function is found; the optional ones (CUDA 12's cluster launch
   and tensor maps) are checked when they are called. */
#define SLOT(field) ((void **)(void *)&cu.field)
static const struct {
  const char *name;
  void **slot;
  int required;
} kSymbols[] = {
    {"cuInit", SLOT(cuInit), 1},
    {"cuDeviceGetCount", SLOT(cuDeviceGetCount), 1},
    {"cuDeviceGet", SLOT(cuDeviceGet), 1},
    {"cuDeviceGetAttribute", SLOT(cuDeviceGetAttribute), 1},
    {"cuDevicePrimaryCtxRetain", SLOT(cuDevicePrimaryCtxRetain), 1},
    {"cuCtxGetCurrent", SLOT(cuCtxGetCurrent), 1},
    {"cuCtxSetCurrent", SLOT(cuCtxSetCurrent), 1},
    {"cuCtxSynchronize", SLOT(cuCtxSynchronize), 1},
    {"cuGetErrorName", SLOT(cuGetErrorName), 1},
    {"cuGetErrorString", SLOT(cuGetErrorString), 1},
    {"cuModuleLoadDataEx", SLOT(cuModuleLoadDataEx), 1},
    {"cuModuleUnload", SLOT(cuModuleUnload), 1},
    {"cuModuleGetFunction", SLOT(cuModuleGetFunction), 1},
    {"cuFuncSetAttribute", SLOT(cuFuncSetAttribute), 1},
    {"cuLaunchKernel", SLOT(cuLaunchKernel), 1},
    {"cuLaunchKernelEx", SLOT(cuLaunchKernelEx), 0},
    {"cuStreamCreate", SLOT(cuStreamCreate), 1},
    {"cuStreamDestroy_v2", SLOT(cuStreamDestroy), 1},
    {"cuStreamSynchronize", SLOT(cuStreamSynchronize), 1},
    {"cuStreamWaitEvent", SLOT(cuStreamWaitEvent), 1},
    {"cuEventCreate", SLOT(cuEventCreate), 1},
    {"cuEventDestroy_v2", SLOT(cuEventDestroy), 1},
    {"cuEventRecord", SLOT(cuEventRecord), 1},
    {"cuEventSynchronize", SLOT(cuEventSynchronize), 1},
    {"cuEventElapsedTime", SLOT(cuEventElapsedTime), 1},
    {"cuMemAlloc_v2", SLOT(cuMemAlloc), 1},
    {"cuMemAllocManaged", SLOT(cuMemAllocManaged), 1},
    {"cuMemFree_v2", SLOT(cuMemFree), 1},
    {"cuMemcpyAsync", SLOT(cuMemcpyAsync), 1},
    {"cuMemcpyHtoD_v2", SLOT(cuMemcpyHtoD), 1},
    {"cuMemsetD32Async", SLOT(cuMemsetD32Async), 1},
    {"cuMemsetD16Async", SLOT(cuMemsetD16Async), 1},
    {"cuMemHostRegister_v2", SLOT(cuMemHostRegister), 1},
    {"cuMemHostUnregister", SLOT(cuMemHostUnregister), 1},
    {"cuTensorMapEncodeTiled", SLOT(cuTensorMapEncodeTiled), 0},
};
#undef SLOT

/*===-- Errors ------------------------------------------------------------===*/

/* tessera_gpu_status() values besides CUresults (which are positive). */
enum {
  kNoDriver = -1,     /* no libcuda, or one without a needed function */
  kNoDevice = -2,     /* the driver sees no (such) device */
  kRuntimeError = -3, /* a request the runtime cannot carry out */
};

static int32_t status;
static char message[8192];
static pthread_mutex_t errorLock = PTHREAD_MUTEX_INITIALIZER;
/* The kernel launched last: failures of asynchronous work name it. */
static const char *lastKernel;

static int failed(void) { return __atomic_load_n(&status, __ATOMIC_ACQUIRE); }

/* Records `code` and the message unless a failure is recorded already. */
static void failv(int32_t code, const char *format, va_list args) {
  pthread_mutex_lock(&errorLock);
  if (!status) {
    vsnprintf(message, sizeof(message), format, args);
    __atomic_store_n(&status, code, __ATOMIC_RELEASE);
  }
  pthread_mutex_unlock(&errorLock);
}

__attribute__((format(printf, 2, 3))) static void
fail(int32_t code, const char *format, ...) {
  va_list args;
  va_start(args, format);
  failv(code, format, args);
  va_end(args);
}

/* Records a failed CUDA call: "CALL failed with NAME (STRING)" and what was
   being done (`format`, which starts with its own separator). */
__attribute__((format(printf, 3, 4))) static void
failCuda(CUresult result, const char *call, const char *format, ...) {
  const char *name = 0, *text = 0;
  if (cu.cuGetErrorName)
    cu.cuGetErrorName(result, &name);
  if (cu.cuGetErrorString)
    cu.cuGetErrorString(result, &text);
  char what[4096];
  va_list args;
  va_start(args, format);
  vsnprintf(what, sizeof(what), format, args);
  va_end(args);
  char codeText[32];
  if (!name) {
    snprintf(codeText, sizeof(codeText), "CUresult %d", result);
    name = codeText;
  }
  fail(result, "%s failed with %s (%s)%s", call, name,
       text ? text : "no description", what);
}

/*===-- The driver, the device and its context ----------------------------===*/

static pthread_mutex_t initLock = PTHREAD_MUTEX_INITIALIZER;
static void *driver;
static int initialized;
static int deviceOrdinal = -1; /* from mgpuSetDefaultDevice, else the env */
static CUdevice device;
static CUcontext context;
static int sharedOptIn; /* bytes of dynamic shared memory a block may have */
static int profiling;

/* Loads the driver and picks the device; 0 after recording a failure. */
static int initialize(void) {
  pthread_mutex_lock(&initLock);
  int ok = initialized;
  if (ok || failed()) {
    pthread_mutex_unlock(&initLock);
    return ok;
  }
  const char *path = getenv("TESSERA_CUDA_DRIVER");
  if (!path || !*path)
    path = "libcuda.so.1";
  void *library = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!library) {
    const char *why = dlerror();
    fail(kNoDriver, "no CUDA driver: %s", why ? why : path);
    goto done;
  }
  for (size_t i = 0; i < sizeof(kSymbols) / sizeof(kSymbols[0]); ++i) {
    void *symbol = dlsym(library, kSymbols[i].name);
    memcpy(kSymbols[i].slot, &symbol, sizeof(symbol));
    if (!symbol && kSymbols[i].required) {
      fail(kNoDriver, "no CUDA driver: %s has no %s", path, kSymbols[i].name);
      memset(&cu, 0, sizeof(cu));
      dlclose(library);
      goto done;
    }
  }
  driver = library;
  CUresult r = cu.cuInit(0);
  if (r) {
    if (r == CUDA_ERROR_NO_DEVICE)
      fail(kNoDevice, "no CUDA device: cuInit reports none");
    else
      failCuda(r, "cuInit", " initializing the CUDA driver (%s)", path);
    goto done;
  }
  int ordinal = deviceOrdinal;
  if (ordinal < 0) {
    const char *env = getenv("TESSERA_CUDA_DEVICE");
    char *end = 0;
    long value = env && *env ? strtol(env, &end, 10) : 0;
    if (env && *env && (*end || value < 0 || value > 1 << 20)) {
      fail(kRuntimeError,
           "TESSERA_CUDA_DEVICE='%s' is not a device number (0, 1, ...)", env);
      goto done;
    }
    ordinal = (int)value;
  }
  int count = 0;
  if ((r = cu.cuDeviceGetCount(&count))) {
    failCuda(r, "cuDeviceGetCount", " counting the CUDA devices");
    goto done;
  }
  if (ordinal >= count) {
    fail(kNoDevice, "no CUDA device %d: the driver sees %d device%s", ordinal,
         count, count == 1 ? "" : "s");
    goto done;
  }
  if ((r = cu.cuDeviceGet(&device, ordinal))) {
    failCuda(r, "cuDeviceGet", " getting CUDA device %d", ordinal);
    goto done;
  }
  if ((r = cu.cuDevicePrimaryCtxRetain(&context, device))) {
    failCuda(r, "cuDevicePrimaryCtxRetain",
             " retaining the primary context of CUDA device %d", ordinal);
    goto done;
  }
  if (cu.cuDeviceGetAttribute(
          &sharedOptIn, CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN,
          device))
    sharedOptIn = 0;
  const char *profile = getenv("TESSERA_GPU_PROFILE");
  if (profile && *profile && strcmp(profile, "0") != 0)
    profiling = 1;
  deviceOrdinal = ordinal;
  initialized = ok = 1;
done:
  pthread_mutex_unlock(&initLock);
  return ok;
}

/* Every entry point starts here: 0 (do nothing) after a failure; else the
   driver is initialized and the device's primary context is current on the
   calling thread. */
static int enter(void) {
  if (failed() || (!initialized && !initialize()))
    return 0;
  CUcontext current = 0;
  CUresult r = cu.cuCtxGetCurrent(&current);
  if (!r && current != context)
    r = cu.cuCtxSetCurrent(context);
  if (r) {
    failCuda(r, "cuCtxSetCurrent", " making the primary context current");
    return 0;
  }
  return 1;
}

/* The lock of the tables below (modules, kernels, blocks, descriptors,
   events); never held across a call that waits for the device. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/*===-- Events ------------------------------------------------------------===*/

/* Reused events: the timing pairs of the profiler and the fences of cached
   blocks (created without timing). */
typedef struct EventPool {
  CUevent *events;
  size_t size, capacity;
  unsigned flags;
} EventPool;
static EventPool timingEvents = {0, 0, 0, CU_EVENT_DEFAULT};
static EventPool fenceEvents = {0, 0, 0, CU_EVENT_DISABLE_TIMING};

/* Called with `lock` held. */
static CUevent takeEvent(EventPool *pool) {
  if (pool->size)
    return pool->events[--pool->size];
  CUevent event = 0;
  CUresult r = cu.cuEventCreate(&event, pool->flags);
  if (r) {
    failCuda(r, "cuEventCreate", " creating an event");
    return 0;
  }
  return event;
}

static void giveEvent(EventPool *pool, CUevent event) {
  if (!event)
    return;
  if (pool->size == pool->capacity) {
    size_t capacity = pool->capacity ? 2 * pool->capacity : 16;
    CUevent *grown = realloc(pool->events, capacity * sizeof(CUevent));
    if (!grown) {
      cu.cuEventDestroy(event);
      return;
    }
    pool->events = grown;
    pool->capacity = capacity;
  }
  pool->events[pool->size++] = event;
}

static void releaseEvents(EventPool *pool, int destroy) {
  for (size_t i = 0; destroy && i < pool->size; ++i)
    cu.cuEventDestroy(pool->events[i]);
  free(pool->events);
  pool->events = 0;
  pool->size = pool->capacity = 0;
}

/*===-- Modules and kernels -----------------------------------------------===*/

/* One kernel of a module, as mgpuModuleGetFunction returns it (the generated
   code passes it on to mgpuLaunchKernel, opaque). */
typedef struct Kernel {
  struct Kernel *next, *nextInOrder;
  struct Module *module;
  char *name;
  CUfunction function; /* null while its module is not loaded */
  int dynamicShared;   /* the opt-in set with cuFuncSetAttribute */
  /* Profile: timed launches and their times. */
  int64_t launches;
  double totalMs, minMs, maxMs;
} Kernel;

/* A module, keyed by its image: the generated code loads its modules in
   global constructors (or around launches) and unloads them in destructors;
   loads return this entry, unloads do nothing, and the modules are unloaded
   when the artifact is (tessera_gpu_shutdown). */
typedef struct Module {
  struct Module *next;
  const void *image;
  size_t size; /* 0: NUL-terminated PTX, loaded through the JIT */
  int optLevel;
  CUmodule module; /* null while not loaded */
  Kernel *kernels;
} Module;
static Module *modules;
static Kernel *kernelsInOrder, **kernelsTail = &kernelsInOrder;

/* Loads `m` (with `lock` held); 0 after recording a failure. */
static int loadModule(Module *m) {
  if (m->module)
    return 1;
  char errorLog[4096] = {0}, infoLog[1024] = {0};
  int options[5] = {CU_JIT_ERROR_LOG_BUFFER, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES,
                    CU_JIT_INFO_LOG_BUFFER, CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES,
                    CU_JIT_OPTIMIZATION_LEVEL};
  int level = m->optLevel < 0 ? 0 : m->optLevel > 4 ? 4 : m->optLevel;
  void *values[5] = {errorLog, (void *)(uintptr_t)(sizeof(errorLog) - 1),
                     infoLog, (void *)(uintptr_t)(sizeof(infoLog) - 1),
                     (void *)(uintptr_t)level};
  CUresult r = cu.cuModuleLoadDataEx(&m->module, m->image, m->size ? 0 : 5,
                                     options, values);
  if (r) {
    m->module = 0;
    size_t length = m->size ? m->size : strlen((const char *)m->image);
    /* The JIT's log ends in a newline. */
    size_t n = strlen(errorLog);
    while (n && (errorLog[n - 1] == '\n' || errorLog[n - 1] == '\r'))
      errorLog[--n] = 0;
    failCuda(r, "cuModuleLoadDataEx", " loading a module (%s, %zu bytes)%s%s",
             m->size ? "binary" : "PTX", length, n ? "; the JIT says: " : "",
             errorLog);
    return 0;
  }
  return 1;
}

static Module *findModule(const void *image, size_t size, int optLevel) {
  pthread_mutex_lock(&lock);
  Module *m = modules;
  while (m && m->image != image)
    m = m->next;
  if (!m && (m = calloc(1, sizeof(Module)))) {
    m->image = image;
    m->size = size;
    m->optLevel = optLevel;
    m->next = modules;
    modules = m;
  }
  if (!m)
    fail(kRuntimeError, "out of host memory loading a module");
  else
    loadModule(m);
  pthread_mutex_unlock(&lock);
  /* The entry even when the load failed (the failure is recorded): a kernel
     lookup after tessera_gpu_clear_error tries again, and fails with the
     same message rather than with a null module. */
  return m;
}

/* PTX through the JIT (MLIR's `cubin-format=isa`). */
void *mgpuModuleLoadJIT(void *data, int32_t optLevel) {
  if (!enter())
    return 0;
  if (!data) {
    fail(kRuntimeError, "mgpuModuleLoadJIT: no PTX");
    return 0;
  }
  return findModule(data, 0, optLevel);
}

/* A cubin or fatbin of `size` bytes. */
void *mgpuModuleLoad(void *data, uint64_t size) {
  if (!enter())
    return 0;
  if (!data || !size) {
    fail(kRuntimeError, "mgpuModuleLoad: no module image");
    return 0;
  }
  return findModule(data, size, 0);
}

/* Modules stay loaded until the artifact is unloaded. */
void mgpuModuleUnload(void *module) { (void)module; }

void *mgpuModuleGetFunction(void *module, const char *name) {
  if (!enter())
    return 0;
  Module *m = (Module *)module;
  if (!m || !name) {
    fail(kRuntimeError,
         "mgpuModuleGetFunction: kernel '%s': its module was not loaded",
         name ? name : "(null)");
    return 0;
  }
  pthread_mutex_lock(&lock);
  Kernel *k = m->kernels;
  while (k && strcmp(k->name, name) != 0)
    k = k->next;
  if (!k || !k->function) {
    /* After tessera_gpu_shutdown the module is loaded again. */
    if (!loadModule(m)) {
      k = 0;
      goto done;
    }
    CUfunction function = 0;
    CUresult r = cu.cuModuleGetFunction(&function, m->module, name);
    if (r) {
      failCuda(r, "cuModuleGetFunction", " looking up kernel '%s'", name);
      k = 0;
      goto done;
    }
    if (!k) {
      size_t length = strlen(name);
      k = calloc(1, sizeof(Kernel));
      char *copy = k ? malloc(length + 1) : 0;
      if (!copy) {
        free(k);
        k = 0;
        fail(kRuntimeError, "out of host memory looking up kernel '%s'", name);
        goto done;
      }
      memcpy(copy, name, length + 1);
      k->name = copy;
      k->module = m;
      k->next = m->kernels;
      m->kernels = k;
      *kernelsTail = k;
      kernelsTail = &k->nextInOrder;
    }
    k->function = function;
    k->dynamicShared = 0;
  }
done:
  pthread_mutex_unlock(&lock);
  return k;
}

/*===-- Launches ----------------------------------------------------------===*/

/* Timed launches not yet read (profiling). */
typedef struct {
  Kernel *kernel;
  CUevent start, stop;
} Pending;
static Pending *pending;
static size_t pendingSize, pendingCapacity;

/* Reads the times of the pending launches (with `lock` held); waits for
   them. */
static void collectProfile(void) {
  for (size_t i = 0; i < pendingSize; ++i) {
    Pending *p = &pending[i];
    float ms = 0;
    CUresult r = failed() ? 0 : cu.cuEventSynchronize(p->stop);
    if (!failed() && !r)
      r = cu.cuEventElapsedTime(&ms, p->start, p->stop);
    if (r)
      failCuda(r, "cuEventElapsedTime", " timing kernel '%s'", p->kernel->name);
    if (!failed()) {
      Kernel *k = p->kernel;
      if (!k->launches || ms < k->minMs)
        k->minMs = ms;
      if (!k->launches || ms > k->maxMs)
        k->maxMs = ms;
      k->totalMs += ms;
      ++k->launches;
    }
    giveEvent(&timingEvents, p->start);
    giveEvent(&timingEvents, p->stop);
  }
  pendingSize = 0;
}

static int fitsUnsigned(intptr_t v) {
  return v > 0 && (uint64_t)v <= UINT32_MAX;
}

/* Checks a launch's configuration and opts the kernel in to the dynamic
   shared memory it asks for; 0 after recording a failure. */
static int prepareLaunch(Kernel *k, const intptr_t dims[6], int32_t smem) {
  if (!k) {
    fail(kRuntimeError, "a launch of a kernel whose lookup failed");
    return 0;
  }
  for (int i = 0; i < 6; ++i)
    if (!fitsUnsigned(dims[i])) {
      fail(kRuntimeError,
           "kernel '%s': grid %ldx%ldx%ld, block %ldx%ldx%ld: every dimension "
           "must be positive and fit 32 bits",
           k->name, (long)dims[0], (long)dims[1], (long)dims[2], (long)dims[3],
           (long)dims[4], (long)dims[5]);
      return 0;
    }
  if (smem < 0) {
    fail(kRuntimeError,
         "kernel '%s': a negative dynamic shared memory size (%d bytes)",
         k->name, smem);
    return 0;
  }
  if (smem > 48 * 1024 && smem > k->dynamicShared) {
    if (sharedOptIn > 0 && smem > sharedOptIn) {
      fail(kRuntimeError,
           "kernel '%s' asks for %d bytes of dynamic shared memory; a block "
           "of this device may have at most %d",
           k->name, smem, sharedOptIn);
      return 0;
    }
    CUresult r = cu.cuFuncSetAttribute(
        k->function, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, smem);
    if (r) {
      failCuda(r, "cuFuncSetAttribute",
               " allowing kernel '%s' %d bytes of dynamic shared memory",
               k->name, smem);
      return 0;
    }
    k->dynamicShared = smem;
  }
  return 1;
}

/* Starts timing a launch on `stream` when profiling: returns the events to
   finishTiming (0 when not timing). */
static int startTiming(CUstream stream, CUevent *start, CUevent *stop) {
  if (!profiling)
    return 0;
  pthread_mutex_lock(&lock);
  *start = takeEvent(&timingEvents);
  *stop = *start ? takeEvent(&timingEvents) : 0;
  pthread_mutex_unlock(&lock);
  if (!*stop)
    return 0;
  CUresult r = cu.cuEventRecord(*start, stream);
  if (r) {
    failCuda(r, "cuEventRecord", " timing a launch");
    return 0;
  }
  return 1;
}

static void finishTiming(Kernel *k, CUstream stream, CUevent start,
                         CUevent stop) {
  CUresult r = cu.cuEventRecord(stop, stream);
  if (r)
    failCuda(r, "cuEventRecord", " timing kernel '%s'", k->name);
  pthread_mutex_lock(&lock);
  if (pendingSize == pendingCapacity) {
    size_t capacity = pendingCapacity ? 2 * pendingCapacity : 64;
    Pending *grown = realloc(pending, capacity * sizeof(Pending));
    if (!grown) {
      fail(kRuntimeError, "out of host memory profiling kernel '%s'", k->name);
      pthread_mutex_unlock(&lock);
      return;
    }
    pending = grown;
    pendingCapacity = capacity;
  }
  pending[pendingSize++] = (Pending){k, start, stop};
  /* Bounded: a long loop without synchronization reads its times here. */
  if (pendingSize >= 4096)
    collectProfile();
  pthread_mutex_unlock(&lock);
}

/* `nparams` (the kernel's argument count) is not needed by CUDA. */
void mgpuLaunchKernel(void *function, intptr_t gridX, intptr_t gridY,
                      intptr_t gridZ, intptr_t blockX, intptr_t blockY,
                      intptr_t blockZ, int32_t smem, void *stream,
                      void **params, void **extra, int64_t nparams) {
  (void)nparams;
  if (!enter())
    return;
  Kernel *k = (Kernel *)function;
  intptr_t dims[6] = {gridX, gridY, gridZ, blockX, blockY, blockZ};
  if (!prepareLaunch(k, dims, smem))
    return;
  CUevent start = 0, stop = 0;
  int timed = startTiming((CUstream)stream, &start, &stop);
  if (failed())
    return;
  lastKernel = k->name;
  CUresult r = cu.cuLaunchKernel(
      k->function, (unsigned)gridX, (unsigned)gridY, (unsigned)gridZ,
      (unsigned)blockX, (unsigned)blockY, (unsigned)blockZ, (unsigned)smem,
      (CUstream)stream, params, extra);
  if (r)
    failCuda(r, "cuLaunchKernel",
             " launching kernel '%s' (grid %ldx%ldx%ld, block %ldx%ldx%ld, "
             "%d bytes of dynamic shared memory)",
             k->name, (long)gridX, (long)gridY, (long)gridZ, (long)blockX,
             (long)blockY, (long)blockZ, smem);
  if (timed)
    finishTiming(k, (CUstream)stream, start, stop);
}

void mgpuLaunchClusterKernel(void *function, intptr_t clusterX,
                             intptr_t clusterY, intptr_t clusterZ,
                             intptr_t gridX, intptr_t gridY, intptr_t gridZ,
                             intptr_t blockX, intptr_t blockY, intptr_t blockZ,
                             int32_t smem, void *stream, void **params,
                             void **extra) {
  if (!enter())
    return;
  Kernel *k = (Kernel *)function;
  intptr_t dims[6] = {gridX, gridY, gridZ, blockX, blockY, blockZ};
  intptr_t cluster[3] = {clusterX, clusterY, clusterZ};
  if (!prepareLaunch(k, dims, smem))
    return;
  for (int i = 0; i < 3; ++i)
    if (!fitsUnsigned(cluster[i])) {
      fail(kRuntimeError, "kernel '%s': cluster %ldx%ldx%ld", k->name,
           (long)clusterX, (long)clusterY, (long)clusterZ);
      return;
    }
  if (!cu.cuLaunchKernelEx) {
    fail(kRuntimeError,
         "kernel '%s' runs in thread block clusters, which need a CUDA 12 "
         "driver (cuLaunchKernelEx)",
         k->name);
    return;
  }
  CUlaunchAttribute attribute;
  memset(&attribute, 0, sizeof(attribute));
  attribute.id = CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION;
  attribute.value.clusterDim.x = (unsigned)clusterX;
  attribute.value.clusterDim.y = (unsigned)clusterY;
  attribute.value.clusterDim.z = (unsigned)clusterZ;
  CUlaunchConfig config = {(unsigned)gridX,  (unsigned)gridY,
                           (unsigned)gridZ,  (unsigned)blockX,
                           (unsigned)blockY, (unsigned)blockZ,
                           (unsigned)smem,   (CUstream)stream,
                           &attribute,       1};
  CUevent start = 0, stop = 0;
  int timed = startTiming((CUstream)stream, &start, &stop);
  if (failed())
    return;
  lastKernel = k->name;
  CUresult r = cu.cuLaunchKernelEx(&config, k->function, params, extra);
  if (r)
    failCuda(r, "cuLaunchKernelEx",
             " launching kernel '%s' (cluster %ldx%ldx%ld, grid %ldx%ldx%ld, "
             "block %ldx%ldx%ld, %d bytes of dynamic shared memory)",
             k->name, (long)clusterX, (long)clusterY, (long)clusterZ,
             (long)gridX, (long)gridY, (long)gridZ, (long)blockX, (long)blockY,
             (long)blockZ, smem);
  if (timed)
    finishTiming(k, (CUstream)stream, start, stop);
}

/*===-- Streams and events ------------------------------------------------===*/

/* What failed asynchronous work may have been doing. */
static const char *afterLastKernel(char *buffer, size_t size) {
  if (!lastKernel)
    return "";
  snprintf(buffer, size, " (the last kernel launched: '%s')", lastKernel);
  return buffer;
}

void *mgpuStreamCreate(void) {
  if (!enter())
    return 0;
  CUstream stream = 0;
  CUresult r = cu.cuStreamCreate(&stream, CU_STREAM_NON_BLOCKING);
  if (r) {
    failCuda(r, "cuStreamCreate", " creating a stream");
    return 0;
  }
  return stream;
}

void mgpuStreamDestroy(void *stream) {
  if (!stream || !enter())
    return;
  CUresult r = cu.cuStreamDestroy((CUstream)stream);
  if (r)
    failCuda(r, "cuStreamDestroy", " destroying a stream");
}

void mgpuStreamSynchronize(void *stream) {
  if (!enter())
    return;
  CUresult r = cu.cuStreamSynchronize((CUstream)stream);
  if (r) {
    char buffer[512];
    failCuda(r, "cuStreamSynchronize", " waiting for a stream%s",
             afterLastKernel(buffer, sizeof(buffer)));
    return;
  }
  if (profiling) {
    pthread_mutex_lock(&lock);
    collectProfile();
    pthread_mutex_unlock(&lock);
  }
}

void mgpuStreamWaitEvent(void *stream, void *event) {
  if (!enter())
    return;
  CUresult r = cu.cuStreamWaitEvent((CUstream)stream, (CUevent)event, 0);
  if (r)
    failCuda(r, "cuStreamWaitEvent", " making a stream wait for an event");
}

void *mgpuEventCreate(void) {
  if (!enter())
    return 0;
  CUevent event = 0;
  CUresult r = cu.cuEventCreate(&event, CU_EVENT_DISABLE_TIMING);
  if (r) {
    failCuda(r, "cuEventCreate", " creating an event");
    return 0;
  }
  return event;
}

void mgpuEventDestroy(void *event) {
  if (!event || !enter())
    return;
  CUresult r = cu.cuEventDestroy((CUevent)event);
  if (r)
    failCuda(r, "cuEventDestroy", " destroying an event");
}

void mgpuEventSynchronize(void *event) {
  if (!enter())
    return;
  CUresult r = cu.cuEventSynchronize((CUevent)event);
  if (r) {
    char buffer[512];
    failCuda(r, "cuEventSynchronize", " waiting for an event%s",
             afterLastKernel(buffer, sizeof(buffer)));
  }
}

void mgpuEventRecord(void *event, void *stream) {
  if (!enter())
    return;
  CUresult r = cu.cuEventRecord((CUevent)event, (CUstream)stream);
  if (r)
    failCuda(r, "cuEventRecord", " recording an event");
}

/*===-- Device memory -----------------------------------------------------===*/

/* Freed blocks are kept for the next allocation of the same size (every run
   of a model allocates the same sizes; cuMemAlloc and cuMemFree synchronize
   the device). A kept block carries an event recorded on the stream that
   freed it: its next user waits for that work first. */
typedef struct Block {
  struct Block *next;
  CUdeviceptr pointer;
  size_t size;
  int managed;
  CUevent ready; /* null: nothing to wait for */
} Block;
#define kBuckets 256
#define kMaxCachedBytes ((size_t)1 << 33)
static Block *live[kBuckets]; /* allocated, by pointer */
static Block *cached;         /* freed, kept */
static size_t cachedBytes;

static Block **liveBucket(CUdeviceptr pointer) {
  return &live[(pointer >> 8) % kBuckets];
}

/* Frees the kept blocks (with `lock` held). */
static void releaseCachedBlocks(int callDriver) {
  while (cached) {
    Block *b = cached;
    cached = b->next;
    if (callDriver) {
      if (b->ready)
        cu.cuEventSynchronize(b->ready);
      cu.cuMemFree(b->pointer);
    }
    if (b->ready && callDriver)
      cu.cuEventDestroy(b->ready);
    free(b);
  }
  cachedBytes = 0;
}

/* `hostShared` is an i8 in the generated code: only its low byte is read
   (nothing extends it). */
void *mgpuMemAlloc(uint64_t size, void *stream, uint64_t hostShared) {
  if (!enter() || size == 0)
    return 0;
  int managed = (uint8_t)hostShared != 0;
  pthread_mutex_lock(&lock);
  Block *b = 0;
  for (Block **p = &cached; *p; p = &(*p)->next)
    if ((*p)->size == size && (*p)->managed == managed) {
      b = *p;
      *p = b->next;
      cachedBytes -= size;
      break;
    }
  pthread_mutex_unlock(&lock);
  CUresult r = 0;
  if (b && b->ready) {
    r = stream ? cu.cuStreamWaitEvent((CUstream)stream, b->ready, 0)
               : cu.cuEventSynchronize(b->ready);
    pthread_mutex_lock(&lock);
    giveEvent(&fenceEvents, b->ready);
    pthread_mutex_unlock(&lock);
    b->ready = 0;
    if (r) {
      failCuda(r, "cuStreamWaitEvent", " reusing a device block of %llu bytes",
               (unsigned long long)size);
      free(b);
      return 0;
    }
  }
  if (!b) {
    if (!(b = calloc(1, sizeof(Block)))) {
      fail(kRuntimeError, "out of host memory allocating %llu device bytes",
           (unsigned long long)size);
      return 0;
    }
    b->size = size;
    b->managed = managed;
    for (int attempt = 0; attempt < 2; ++attempt) {
      r = managed
              ? cu.cuMemAllocManaged(&b->pointer, size, CU_MEM_ATTACH_GLOBAL)
              : cu.cuMemAlloc(&b->pointer, size);
      if (r != CUDA_ERROR_OUT_OF_MEMORY || attempt)
        break;
      /* The kept blocks go back to the device, and the allocation is tried
         again. */
      pthread_mutex_lock(&lock);
      releaseCachedBlocks(1);
      pthread_mutex_unlock(&lock);
    }
    if (r) {
      failCuda(r, managed ? "cuMemAllocManaged" : "cuMemAlloc",
               " allocating %llu bytes", (unsigned long long)size);
      free(b);
      return 0;
    }
  }
  pthread_mutex_lock(&lock);
  Block **bucket = liveBucket(b->pointer);
  b->next = *bucket;
  *bucket = b;
  pthread_mutex_unlock(&lock);
  return (void *)(uintptr_t)b->pointer;
}

void mgpuMemFree(void *pointer, void *stream) {
  if (!pointer)
    return;
  CUdeviceptr p = (CUdeviceptr)(uintptr_t)pointer;
  pthread_mutex_lock(&lock);
  Block *b = 0;
  for (Block **q = liveBucket(p); *q; q = &(*q)->next)
    if ((*q)->pointer == p) {
      b = *q;
      *q = b->next;
      break;
    }
  pthread_mutex_unlock(&lock);
  /* After a failure only the bookkeeping is done: the block is kept, and
     tessera_gpu_clear_error waits for the device before it serves again. */
  if (!enter()) {
    if (b) {
      pthread_mutex_lock(&lock);
      b->next = cached;
      cached = b;
      cachedBytes += b->size;
      pthread_mutex_unlock(&lock);
    }
    return;
  }
  if (!b || cachedBytes + b->size > kMaxCachedBytes) {
    CUresult r = cu.cuMemFree(p);
    if (r)
      failCuda(r, "cuMemFree", " freeing device memory at %p", pointer);
    free(b);
    return;
  }
  if (stream) {
    pthread_mutex_lock(&lock);
    b->ready = takeEvent(&fenceEvents);
    pthread_mutex_unlock(&lock);
    CUresult r = b->ready ? cu.cuEventRecord(b->ready, (CUstream)stream) : 0;
    if (r)
      failCuda(r, "cuEventRecord", " freeing a device block of %zu bytes",
               b->size);
  }
  pthread_mutex_lock(&lock);
  b->next = cached;
  cached = b;
  cachedBytes += b->size;
  pthread_mutex_unlock(&lock);
}

/* Any direction: the driver tells host from device pointers (unified
   addressing). */
void mgpuMemcpy(void *dst, void *src, uint64_t size, void *stream) {
  if (!enter() || size == 0)
    return;
  CUresult r =
      cu.cuMemcpyAsync((CUdeviceptr)(uintptr_t)dst, (CUdeviceptr)(uintptr_t)src,
                       size, (CUstream)stream);
  if (r)
    failCuda(r, "cuMemcpyAsync", " copying %llu bytes from %p to %p",
             (unsigned long long)size, src, dst);
}

void mgpuMemset32(void *dst, uint32_t value, uint64_t count, void *stream) {
  if (!enter() || count == 0)
    return;
  CUresult r = cu.cuMemsetD32Async((CUdeviceptr)(uintptr_t)dst, value, count,
                                   (CUstream)stream);
  if (r)
    failCuda(r, "cuMemsetD32Async", " setting %llu 32-bit words at %p",
             (unsigned long long)count, dst);
}

/* `value` is an i16 in the generated code: only its low half is read. */
void mgpuMemset16(void *dst, uint64_t value, uint64_t count, void *stream) {
  if (!enter() || count == 0)
    return;
  CUresult r =
      cu.cuMemsetD16Async((CUdeviceptr)(uintptr_t)dst, (unsigned short)value,
                          count, (CUstream)stream);
  if (r)
    failCuda(r, "cuMemsetD16Async", " setting %llu 16-bit words at %p",
             (unsigned long long)count, dst);
}

/* A ranked memref descriptor: allocated and aligned pointers, offset, then
   `rank` sizes and `rank` strides. */
typedef struct {
  char *allocated, *aligned;
  int64_t offset;
  int64_t sizesAndStrides[];
} MemRefDescriptor;

/* The bytes a dense memref spans, from its aligned pointer plus offset. */
static char *denseExtent(int64_t rank, const MemRefDescriptor *d,
                         int64_t elementSize, size_t *bytes) {
  int64_t n = elementSize;
  for (int64_t i = 0; i < rank; ++i)
    n *= d->sizesAndStrides[i];
  *bytes = n > 0 ? (size_t)n : 0;
  return d->aligned + d->offset * elementSize;
}

/* The memref's host buffer becomes page-locked (gpu.host_register). */
void mgpuMemHostRegisterMemRef(int64_t rank, void *descriptor,
                               int64_t elementSize) {
  if (!enter() || !descriptor)
    return;
  size_t bytes;
  char *p = denseExtent(rank, descriptor, elementSize, &bytes);
  if (!bytes)
    return;
  CUresult r = cu.cuMemHostRegister(p, bytes, 0);
  if (r)
    failCuda(r, "cuMemHostRegister", " registering %zu host bytes at %p", bytes,
             (void *)p);
}

void mgpuMemHostUnregisterMemRef(int64_t rank, void *descriptor,
                                 int64_t elementSize) {
  if (!enter() || !descriptor)
    return;
  size_t bytes;
  char *p = denseExtent(rank, descriptor, elementSize, &bytes);
  if (!bytes)
    return;
  CUresult r = cu.cuMemHostUnregister(p);
  if (r)
    failCuda(r, "cuMemHostUnregister", " unregistering host memory at %p",
             (void *)p);
}

/* Which device later calls use; only before the runtime has started. */
void mgpuSetDefaultDevice(int32_t ordinal) {
  if (failed())
    return;
  pthread_mutex_lock(&initLock);
  int started = initialized;
  if (!started)
    deviceOrdinal = ordinal;
  pthread_mutex_unlock(&initLock);
  if (started && ordinal != deviceOrdinal)
    fail(kRuntimeError,
         "mgpuSetDefaultDevice(%d): the runtime already runs on CUDA "
         "device %d",
         ordinal, deviceOrdinal);
}

/*===-- TMA descriptors ---------------------------------------------------===*/

/* What a tensor map is encoded from; equal keys share one device copy (each
   run creates the same descriptors, and the generated code frees none). */
typedef struct {
  int dataType, interleave, swizzle, l2Promotion, oobFill;
  unsigned rank;
  void *address;
  uint64_t dims[5], strides[5];
  unsigned box[5];
} TensorMapKey;
typedef struct TensorMap {
  struct TensorMap *next;
  TensorMapKey key;
  CUdeviceptr copy;
} TensorMap;
static TensorMap *tensorMaps;

/* Bytes per element of each CUtensorMapDataType (UINT8 ... TFLOAT32_FTZ). */
static const int kTensorMapElementBytes[13] = {1, 2, 4, 4, 8, 8, 2,
                                               4, 8, 2, 4, 4, 4};

/* Encodes the tiled tensor map of a ranked memref (its descriptor), with a
   box of `boxDims` (outermost first), copies it to the device and returns
   the device copy (nvgpu.tma.create.descriptor). */
void *mgpuTensorMapEncodeTiledMemref(int64_t rank, void *descriptor,
                                     int64_t dataType, int64_t interleave,
                                     int64_t swizzle, int64_t l2Promotion,
                                     int64_t oobFill, int64_t *boxDims) {
  if (!enter())
    return 0;
  if (rank < 1 || rank > 5 || !descriptor || !boxDims) {
    fail(kRuntimeError,
         "mgpuTensorMapEncodeTiledMemref: a tensor map of rank %lld (1 to 5 "
         "are possible)",
         (long long)rank);
    return 0;
  }
  if (dataType < 0 || dataType > 12) {
    fail(kRuntimeError,
         "mgpuTensorMapEncodeTiledMemref: unknown tensor map data type %lld",
         (long long)dataType);
    return 0;
  }
  if (!cu.cuTensorMapEncodeTiled) {
    fail(kRuntimeError, "TMA descriptors need a CUDA 12 driver "
                        "(cuTensorMapEncodeTiled)");
    return 0;
  }
  const MemRefDescriptor *d = descriptor;
  const int64_t *sizes = d->sizesAndStrides, *strides = sizes + rank;
  int elementBytes = kTensorMapElementBytes[dataType];
  TensorMapKey key;
  memset(&key, 0, sizeof(key));
  key.dataType = (int)dataType;
  key.interleave = (int)interleave;
  key.swizzle = (int)swizzle;
  key.l2Promotion = (int)l2Promotion;
  key.oobFill = (int)oobFill;
  key.rank = (unsigned)rank;
  key.address = d->aligned + d->offset * elementBytes;
  /* CUDA counts dimensions innermost first; strides (in bytes) are those of
     the dimensions after the innermost. */
  for (int64_t i = 0; i < rank; ++i) {
    key.dims[i] = (uint64_t)sizes[rank - 1 - i];
    key.box[i] = (unsigned)boxDims[rank - 1 - i];
    if (i + 1 < rank)
      key.strides[i] = (uint64_t)(strides[rank - 2 - i] * elementBytes);
  }
  pthread_mutex_lock(&lock);
  TensorMap *t = tensorMaps;
  while (t && memcmp(&t->key, &key, sizeof(key)) != 0)
    t = t->next;
  pthread_mutex_unlock(&lock);
  if (t)
    return (void *)(uintptr_t)t->copy;

  CUtensorMap map;
  memset(&map, 0, sizeof(map));
  unsigned elementStrides[5] = {1, 1, 1, 1, 1};
  CUresult r = cu.cuTensorMapEncodeTiled(
      &map, key.dataType, key.rank, key.address, key.dims, key.strides, key.box,
      elementStrides, key.interleave, key.swizzle, key.l2Promotion,
      key.oobFill);
  if (r) {
    failCuda(r, "cuTensorMapEncodeTiled",
             " encoding a rank-%u tensor map of %p (data type %d, box "
             "%ux%ux%ux%ux%u innermost first, swizzle %d)",
             key.rank, key.address, key.dataType, key.box[0], key.box[1],
             key.box[2], key.box[3], key.box[4], key.swizzle);
    return 0;
  }
  if (!(t = calloc(1, sizeof(TensorMap)))) {
    fail(kRuntimeError, "out of host memory encoding a tensor map");
    return 0;
  }
  t->key = key;
  if ((r = cu.cuMemAlloc(&t->copy, sizeof(map))) ||
      (r = cu.cuMemcpyHtoD(t->copy, &map, sizeof(map)))) {
    failCuda(r, t->copy ? "cuMemcpyHtoD" : "cuMemAlloc",
             " copying a tensor map to the device");
    if (t->copy)
      cu.cuMemFree(t->copy);
    free(t);
    return 0;
  }
  pthread_mutex_lock(&lock);
  t->next = tensorMaps;
  tensorMaps = t;
  pthread_mutex_unlock(&lock);
  return (void *)(uintptr_t)t->copy;
}

/*===-- The exported interface --------------------------------------------===*/

/* 0, the CUresult of the first failed CUDA call, or a negative code of the
   runtime's own (-1 no driver, -2 no device, -3 anything else). */
EXPORT int32_t tessera_gpu_status(void) { return failed(); }

EXPORT const char *tessera_gpu_error(void) { return failed() ? message : ""; }

/* A failed run's device work finishes first: the blocks it freed (kept
   without an event after the failure) serve the next run. */
EXPORT void tessera_gpu_clear_error(void) {
  pthread_mutex_lock(&initLock);
  if (initialized) {
    CUcontext current = 0;
    if (!cu.cuCtxGetCurrent(&current) && current != context)
      cu.cuCtxSetCurrent(context);
    cu.cuCtxSynchronize();
  }
  pthread_mutex_unlock(&initLock);
  pthread_mutex_lock(&errorLock);
  message[0] = 0;
  lastKernel = 0;
  __atomic_store_n(&status, 0, __ATOMIC_RELEASE);
  pthread_mutex_unlock(&errorLock);
}

/* Loads the driver and picks the device (if no call has yet); the status. */
EXPORT int32_t tessera_gpu_init(void) {
  if (!failed() && !initialized)
    initialize();
  return failed();
}

/* Turns timing of every launch on or off (on: the times so far are
   dropped). $TESSERA_GPU_PROFILE=1 turns it on at start. */
EXPORT void tessera_gpu_set_profiling(int32_t on) {
  pthread_mutex_lock(&lock);
  if (on) {
    for (Kernel *k = kernelsInOrder; k; k = k->nextInOrder) {
      k->launches = 0;
      k->totalMs = k->minMs = k->maxMs = 0;
    }
  }
  profiling = on != 0;
  pthread_mutex_unlock(&lock);
}

/* Appends to a growing string; 0 when out of memory. */
typedef struct {
  char *text;
  size_t size, capacity;
} Text;

__attribute__((format(printf, 2, 3))) static int
append(Text *t, const char *format, ...) {
  for (;;) {
    va_list args;
    va_start(args, format);
    int n = vsnprintf(t->text ? t->text + t->size : 0,
                      t->text ? t->capacity - t->size : 0, format, args);
    va_end(args);
    if (n < 0)
      return 0;
    if (t->text && t->size + (size_t)n < t->capacity) {
      t->size += (size_t)n;
      return 1;
    }
    size_t capacity = 2 * (t->size + (size_t)n + 64);
    char *grown = realloc(t->text, capacity);
    if (!grown)
      return 0;
    t->text = grown;
    t->capacity = capacity;
  }
}

static Text profileText;

/* The times of the launches timed so far, per kernel in the order of their
   first lookup: [{"kernel": NAME, "launches": N, "total_ms": T, "mean_ms":
   M, "min_ms": A, "max_ms": B}, ...]. Waits for pending launches. The text
   stays valid until the next call. */
EXPORT const char *tessera_gpu_profile_json(void) {
  pthread_mutex_lock(&lock);
  if (initialized && !failed())
    collectProfile();
  profileText.size = 0;
  int ok = append(&profileText, "[");
  int first = 1;
  for (Kernel *k = kernelsInOrder; ok && k; k = k->nextInOrder) {
    if (!k->launches)
      continue;
    ok = append(&profileText, "%s{\"kernel\": \"", first ? "" : ", ");
    for (const char *c = k->name; ok && *c; ++c)
      ok = (*c == '"' || *c == '\\') ? append(&profileText, "\\%c", *c)
           : (unsigned char)*c < 0x20
               ? append(&profileText, "\\u%04x", (unsigned char)*c)
               : append(&profileText, "%c", *c);
    ok = ok && append(&profileText,
                      "\", \"launches\": %lld, \"total_ms\": %.6f, "
                      "\"mean_ms\": %.6f, \"min_ms\": %.6f, \"max_ms\": %.6f}",
                      (long long)k->launches, k->totalMs,
                      k->totalMs / (double)k->launches, k->minMs, k->maxMs);
    first = 0;
  }
  ok = ok && append(&profileText, "]");
  pthread_mutex_unlock(&lock);
  return ok ? profileText.text : "[]";
}

/* Gives everything back to the driver (modules, device blocks, tensor maps,
   events) and unloads it, and drops the profile; the next call starts
   again. The module and kernel entries the generated code holds stay valid:
   their modules are loaded again when a kernel is next looked up. When the
   artifact is unloaded (`final`) the entries go too, but the driver is not
   called: at process exit it has shut down already (it was loaded after the
   artifact, so its destructors ran first). The runtime calls
   tessera_gpu_shutdown before it unloads an artifact. */
static void releaseAll(int final) {
  pthread_mutex_lock(&initLock);
  pthread_mutex_lock(&lock);
  int callDriver = initialized && !final;
  if (callDriver)
    collectProfile();
  releaseCachedBlocks(callDriver);
  for (int i = 0; i < kBuckets; ++i)
    while (live[i]) {
      Block *b = live[i];
      live[i] = b->next;
      if (callDriver)
        cu.cuMemFree(b->pointer);
      free(b);
    }
  while (tensorMaps) {
    TensorMap *t = tensorMaps;
    tensorMaps = t->next;
    if (callDriver)
      cu.cuMemFree(t->copy);
    free(t);
  }
  for (Module *m = modules; m; m = m->next) {
    if (m->module && callDriver)
      cu.cuModuleUnload(m->module);
    m->module = 0;
    for (Kernel *k = m->kernels; k; k = k->next) {
      k->function = 0;
      k->launches = 0;
      k->totalMs = k->minMs = k->maxMs = 0;
    }
  }
  if (final) {
    while (modules) {
      Module *m = modules;
      modules = m->next;
      while (m->kernels) {
        Kernel *k = m->kernels;
        m->kernels = k->next;
        free(k->name);
        free(k);
      }
      free(m);
    }
    kernelsInOrder = 0;
    kernelsTail = &kernelsInOrder;
    free(profileText.text);
    profileText = (Text){0, 0, 0};
  }
  releaseEvents(&timingEvents, callDriver);
  releaseEvents(&fenceEvents, callDriver);
  free(pending);
  pending = 0;
  pendingSize = pendingCapacity = 0;
  if (driver && !final)
    dlclose(driver);
  driver = 0;
  memset(&cu, 0, sizeof(cu));
  initialized = 0;
  context = 0;
  deviceOrdinal = -1;
  sharedOptIn = 0;
  lastKernel = 0;
  pthread_mutex_unlock(&lock);
  pthread_mutex_unlock(&initLock);
}

/* Releases everything the runtime holds on the device (see releaseAll);
   the next call starts again. */
EXPORT void tessera_gpu_shutdown(void) { releaseAll(0); }

__attribute__((destructor)) static void releaseEverything(void) {
  releaseAll(1);
}
