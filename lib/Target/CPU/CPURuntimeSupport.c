/*===- CPURuntimeSupport.c - linked into every CPU artifact ---------------===*\
|*                                                                            *|
|* Part of Tessera. Compiled once, when Tessera is built, into an object     *|
|* file whose bytes are embedded in TesseraCPUTarget (see CMakeLists.txt);    *|
|* `linkSharedLibrary` writes it next to model.o and links the two with the   *|
|* in-process LLD. Everything here is hidden (-fvisibility=hidden): an        *|
|* artifact exports only what model.o defines.                                *|
|*                                                                            *|
|* It provides what the generated code calls besides libc and libm:         *|
|*  - the allocation functions of finalize-memref-to-llvm                     *|
|*    {use-generic-functions} and `memrefCopy` (the contract of MLIR's        *|
|*    libmlir_c_runner_utils, which artifacts must not depend on);            *|
|*  - the compiler builtins LLVM calls for conversions the host CPU has no    *|
|*    instruction for (f16 and bf16 narrowing, f16 widening) and for          *|
|*    `llvm.powi`: a C compiler driver would take them from libgcc or         *|
|*    compiler-rt, which a deployment machine need not have;                  *|
|*  - the NPU launch of npu-target artifacts: `tessera_npu_launch`, called    *|
|*    by the host code, dispatches to the device the runtime installs with    *|
|*    `tessera_npu_set_device` (the one exported symbol) after dlopen.        *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*===-- Buffers -----------------------------------------------------------===*/

/* Freed buffers are kept for the next allocation of the same size: every run
   of a model allocates the same sizes, and handing the intermediate buffers
   back to the kernel made every run page-fault them in again (glibc serves
   large blocks with mmap; ~30% of ResNet-50's latency). */
typedef struct Block {
  struct Block *next;
  size_t size, align;
  void *base;
} Block;
#define kHeader ((size_t)64)
#define kMaxCachedBytes ((size_t)1 << 31)
static Block *cache;
static size_t cachedBytes;
static pthread_mutex_t cacheLock = PTHREAD_MUTEX_INITIALIZER;

static void *takeCached(size_t size, size_t align) {
  void *found = 0;
  pthread_mutex_lock(&cacheLock);
  for (Block **b = &cache; *b; b = &(*b)->next)
    if ((*b)->size == size && (*b)->align == align) {
      Block *hit = *b;
      *b = hit->next;
      cachedBytes -= size;
      found = hit;
      break;
    }
  pthread_mutex_unlock(&cacheLock);
  return found;
}

/* The header sits right before the returned pointer; `align` is a power of
   two, at most kHeader unless the header is padded to it. */
void *_mlir_memref_to_llvm_aligned_alloc(size_t align, size_t size) {
  if (align < 16)
    align = 16;
  size_t header = align > kHeader ? align : kHeader;
  Block *hit = (Block *)takeCached(size, align);
  if (hit)
    return (char *)hit + sizeof(Block);
  char *base = (char *)aligned_alloc(header, (header + size + header - 1) /
                                                 header * header);
  if (!base)
    return 0;
  Block *b = (Block *)(base + header - sizeof(Block));
  b->size = size;
  b->align = align;
  b->base = base;
  b->next = 0;
  return base + header;
}

void *_mlir_memref_to_llvm_alloc(size_t size) {
  return _mlir_memref_to_llvm_aligned_alloc(64, size);
}

void _mlir_memref_to_llvm_free(void *p) {
  if (!p)
    return;
  Block *b = (Block *)((char *)p - sizeof(Block));
  pthread_mutex_lock(&cacheLock);
  if (cachedBytes + b->size <= kMaxCachedBytes) {
    b->next = cache;
    cache = b;
    cachedBytes += b->size;
    b = 0;
  }
  pthread_mutex_unlock(&cacheLock);
  if (b)
    free(b->base);
}

/* The cache belongs to this artifact: when it is unloaded (dlclose, or the
   process exits) its buffers go back to the C library, so a process that
   loads and unloads models does not keep their memory. */
__attribute__((destructor)) static void releaseCachedBuffers(void) {
  pthread_mutex_lock(&cacheLock);
  while (cache) {
    Block *b = cache;
    cache = b->next;
    free(b->base);
  }
  cachedBytes = 0;
  pthread_mutex_unlock(&cacheLock);
}

typedef struct {
  int64_t rank;
  void *descriptor;
} UnrankedMemRef;
typedef struct {
  char *allocated;
  char *aligned;
  int64_t offset;
  int64_t rest[];
} Desc;

/* Copies between two strided memrefs of the same shape, element by element. */
void memrefCopy(int64_t elemSize, UnrankedMemRef *src, UnrankedMemRef *dst) {
  int64_t rank = src->rank;
  Desc *s = (Desc *)src->descriptor, *d = (Desc *)dst->descriptor;
  const int64_t *sizes = s->rest, *sStrides = s->rest + rank,
                *dStrides = d->rest + rank;
  char *sp = s->aligned + s->offset * elemSize;
  char *dp = d->aligned + d->offset * elemSize;
  if (rank == 0) {
    memcpy(dp, sp, elemSize);
    return;
  }
  for (int64_t i = 0; i < rank; ++i)
    if (sizes[i] == 0)
      return;
  int64_t index[64] = {0};
  if (rank > 64)
    return;
  for (;;) {
    int64_t so = 0, dof = 0;
    for (int64_t i = 0; i < rank; ++i) {
      so += index[i] * sStrides[i];
      dof += index[i] * dStrides[i];
    }
    memcpy(dp + dof * elemSize, sp + so * elemSize, elemSize);
    int64_t k = rank - 1;
    while (k >= 0 && ++index[k] == sizes[k]) {
      index[k] = 0;
      --k;
    }
    if (k < 0)
      return;
  }
}

/*===-- Compiler builtins -------------------------------------------------===*/

/* Both the x86-64 psABI and AAPCS64 pass and return _Float16 and __bf16 in the
   low 16 bits of the register a float uses (xmm0 / v0), the other bits
   unspecified. So the builtins below take and return `float`s that carry a
   16-bit pattern in their low bits: no C compiler support for the 16-bit
   types is needed, and the bits are moved, never converted. */
static uint16_t low16(float carrier) {
  uint32_t bits;
  memcpy(&bits, &carrier, sizeof(bits));
  return (uint16_t)bits;
}

static float carry16(uint16_t value) {
  uint32_t bits = value;
  float carrier;
  memcpy(&carrier, &bits, sizeof(carrier));
  return carrier;
}

/* `m / 2^shift` rounded to nearest, ties to even. */
static uint64_t shiftRoundEven(uint64_t m, int shift) {
  if (shift <= 0)
    return m;
  if (shift > 63)
    return 0; /* m < 2^53: below half of the last unit */
  uint64_t q = m >> shift, rest = m & ((UINT64_C(1) << shift) - 1);
  uint64_t half = UINT64_C(1) << (shift - 1);
  return q + (rest > half || (rest == half && (q & 1)));
}

/* Rounds an IEEE binary value (`srcFrac` fraction and `srcExp` exponent bits)
   to a 16-bit IEEE format (`dstFrac` fraction bits, 15 - dstFrac exponent
   bits) to nearest, ties to even; NaNs stay NaNs (quieted), overflow gives
   infinity. */
static uint16_t narrowTo16(uint64_t bits, int srcFrac, int srcExp,
                           int dstFrac) {
  int dstExp = 15 - dstFrac;
  uint16_t sign = (uint16_t)((bits >> (srcFrac + srcExp)) & 1) << 15;
  uint64_t expField = (bits >> srcFrac) & ((UINT64_C(1) << srcExp) - 1);
  uint64_t frac = bits & ((UINT64_C(1) << srcFrac) - 1);
  uint16_t dstExpMax = (uint16_t)((1u << dstExp) - 1);
  uint16_t inf = (uint16_t)(sign | dstExpMax << dstFrac);
  if (expField == (UINT64_C(1) << srcExp) - 1) {
    if (frac == 0)
      return inf;
    return (uint16_t)(inf | 1u << (dstFrac - 1) |
                      (uint16_t)(frac >> (srcFrac - dstFrac)));
  }
  if (expField == 0 && frac == 0)
    return sign;
  int srcBias = (1 << (srcExp - 1)) - 1, dstBias = (1 << (dstExp - 1)) - 1;
  /* The value is m * 2^(exponent - srcFrac). */
  uint64_t m = expField ? frac | UINT64_C(1) << srcFrac : frac;
  int exponent = (expField ? (int)expField : 1) - srcBias;
  int biased = exponent + dstBias, shift = srcFrac - dstFrac;
  if (biased < 1) {
    /* Subnormal in the narrow format: count in units of its least one. */
    shift += 1 - biased;
    biased = 1;
  }
  /* The rounded significand carries into the exponent field by itself. */
  uint64_t result =
      ((uint64_t)(biased - 1) << dstFrac) + shiftRoundEven(m, shift);
  if (result >= (uint64_t)dstExpMax << dstFrac)
    return inf;
  return (uint16_t)(sign | result);
}

static uint32_t floatBits(float x) {
  uint32_t bits;
  memcpy(&bits, &x, sizeof(bits));
  return bits;
}

static uint64_t doubleBits(double x) {
  uint64_t bits;
  memcpy(&bits, &x, sizeof(bits));
  return bits;
}

/* f32 -> f16, f64 -> f16, f32 -> bf16, f64 -> bf16. */
float __truncsfhf2(float x) {
  return carry16(narrowTo16(floatBits(x), 23, 8, 10));
}
float __truncdfhf2(double x) {
  return carry16(narrowTo16(doubleBits(x), 52, 11, 10));
}
float __truncsfbf2(float x) {
  return carry16(narrowTo16(floatBits(x), 23, 8, 7));
}
float __truncdfbf2(double x) {
  return carry16(narrowTo16(doubleBits(x), 52, 11, 7));
}

/* f16 -> f32 (exact). */
float __extendhfsf2(float carrier) {
  uint16_t h = low16(carrier);
  uint32_t sign = (uint32_t)(h & 0x8000) << 16;
  uint32_t exp = (h >> 10) & 0x1f, frac = h & 0x3ff;
  uint32_t bits;
  if (exp == 0x1f) {
    bits = sign | 0x7f800000u | frac << 13;
  } else if (exp != 0) {
    bits = sign | (exp + 112) << 23 | frac << 13;
  } else {
    float value = (float)frac * 0x1p-24f; /* exact: 10 significant bits */
    bits = sign | floatBits(value);
  }
  float result;
  memcpy(&result, &bits, sizeof(result));
  return result;
}

/* f16 -> f64 (exact, through f32). */
double __extendhfdf2(float carrier) { return (double)__extendhfsf2(carrier); }

/* x^n by repeated squaring, as llvm.powi specifies (no exactness). */
float __powisf2(float x, int n) {
  int negative = n < 0;
  float result = 1;
  for (unsigned u = negative ? 0u - (unsigned)n : (unsigned)n; u; u >>= 1) {
    if (u & 1)
      result *= x;
    x *= x;
  }
  return negative ? 1 / result : result;
}

double __powidf2(double x, int n) {
  int negative = n < 0;
  double result = 1;
  for (unsigned u = negative ? 0u - (unsigned)n : (unsigned)n; u; u >>= 1) {
    if (u & 1)
      result *= x;
    x *= x;
  }
  return negative ? 1 / result : result;
}

/*===-- NPU launches ------------------------------------------------------===*/

/* The device the runtime installed: runs program `index` of the manifest
   (its binary container `bytes`, `size` bytes) on the host buffers `inputs`
   and `outputs` (the program's input and output tensors in table order);
   0 on success. */
typedef int32_t (*TesseraNPULaunchFn)(void *device, int64_t index,
                                      const uint8_t *bytes, int64_t size,
                                      void *const *inputs,
                                      void *const *outputs);
static TesseraNPULaunchFn npuLaunch;
static void *npuDevice;
/* The first failure of the current run; later launches are skipped. */
static int32_t npuStatus;

__attribute__((visibility("default"))) void
tessera_npu_set_device(TesseraNPULaunchFn launch, void *device) {
  npuLaunch = launch;
  npuDevice = device;
}

/* Called by the host code for each npu.launch (pointers as integers). */
void tessera_npu_launch(int64_t index, uintptr_t bytes, int64_t size,
                        uintptr_t inputs, uintptr_t outputs) {
  if (npuStatus)
    return;
  if (!npuLaunch) {
    fprintf(stderr, "tessera: error: this artifact runs NPU programs, but no "
                    "NPU device is set: run it with tessera-run (or the "
                    "Tessera runtime), which installs the simulator\n");
    npuStatus = 3;
    return;
  }
  int32_t rc = npuLaunch(npuDevice, index, (const uint8_t *)bytes, size,
                         (void *const *)inputs, (void *const *)outputs);
  if (rc)
    npuStatus = rc;
}

/* What tessera_run returns: the run's first launch failure (0 for none);
   resets it for the next run. */
int32_t tessera_npu_status(void) {
  int32_t status = npuStatus;
  npuStatus = 0;
  return status;
}
