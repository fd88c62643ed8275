/*===- tessera_runtime.h - the Tessera runtime's C API -------------*- C -*-===*
 *
 * Part of Tessera. The stable C interface applications embed to run the
 * artifacts `tessera-compile` writes (a directory holding manifest.json and
 * the model's shared library). Plain C99: no C++ or LLVM types cross it.
 *
 *   tessera_model *model;
 *   if (tessera_model_load("resnet.cpu", &model) != TESSERA_OK) {
 *     fprintf(stderr, "%s\n", tessera_last_error());
 *     return 1;
 *   }
 *   tessera_tensor in = {0}, out = {0};   // out.data NULL: runtime allocates
 *   in.dtype = TESSERA_DTYPE_FLOAT32; in.rank = 4; in.shape = dims;
 *   in.data = pixels; in.byte_size = sizeof pixels;
 *   if (tessera_model_run(model, &in, 1, &out, 1) != TESSERA_OK) ...
 *   ... read out.data (out.byte_size bytes, out.shape) ...
 *   tessera_free(out.data);
 *   tessera_model_free(model);
 *
 * Versioning. TESSERA_RUNTIME_API_VERSION is bumped when a declaration here
 * changes incompatibly; functions are only ever added otherwise. The shared
 * library's SONAME carries the same number (libtessera_runtime.so.1).
 * `tessera_runtime_api_version()` returns the number the library was built
 * with, so an application can refuse a mismatched library at run time.
 *
 * Errors. Every function that can fail returns a tessera_status; on failure
 * it also records a message for the calling thread, which
 * `tessera_last_error()` returns (until the thread's next failing call).
 *
 * Threads. A loaded model is immutable: any number of threads may query it
 * and call `tessera_model_run` on it at the same time. CPU artifacts run
 * concurrently; NPU and GPU artifacts share one device per loaded model,
 * so their runs are serialized by a lock inside the model (concurrent calls
 * are safe, they wait). `tessera_model_free` must not race with other calls
 * on the same model.
 *
 *===----------------------------------------------------------------------===*/

#ifndef TESSERA_TESSERA_RUNTIME_H
#define TESSERA_TESSERA_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#if defined(TESSERA_RUNTIME_BUILD)
#define TESSERA_API __attribute__((visibility("default")))
#else
#define TESSERA_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define TESSERA_RUNTIME_API_VERSION 1

/* Status codes. Values are stable; new codes may be added. */
typedef enum tessera_status {
  TESSERA_OK = 0,
  /* A null pointer, an index out of range, a wrong count of tensors. */
  TESSERA_ERROR_INVALID_ARGUMENT = 1,
  /* The artifact directory, its manifest or its library does not exist. */
  TESSERA_ERROR_NOT_FOUND = 2,
  /* The manifest is not valid JSON or not a Tessera manifest, or the
   * library cannot be loaded or lacks its entry points. */
  TESSERA_ERROR_INVALID_ARTIFACT = 3,
  /* The artifact's format version is one this runtime does not read. */
  TESSERA_ERROR_VERSION_MISMATCH = 4,
  /* This host cannot run the artifact: the CPU lacks features the code was
   * compiled for, or a GPU artifact finds no GPU. */
  TESSERA_ERROR_UNSUPPORTED_HOST = 5,
  /* A tensor's dtype is not the one the model declares. */
  TESSERA_ERROR_DTYPE_MISMATCH = 6,
  /* A tensor's shape is not the one the model declares. */
  TESSERA_ERROR_SHAPE_MISMATCH = 7,
  /* A tensor's byte_size does not fit its dtype and shape. */
  TESSERA_ERROR_BUFFER_SIZE = 8,
  /* The model failed while running (a device error, a failed check). */
  TESSERA_ERROR_RUN_FAILED = 9,
  /* The runtime could not allocate memory. */
  TESSERA_ERROR_OUT_OF_MEMORY = 10
} tessera_status;

/* Element types. Values are stable. */
typedef enum tessera_dtype {
  TESSERA_DTYPE_INVALID = 0,
  TESSERA_DTYPE_FLOAT32 = 1,
  TESSERA_DTYPE_FLOAT64 = 2,
  TESSERA_DTYPE_FLOAT16 = 3,
  TESSERA_DTYPE_BFLOAT16 = 4,
  TESSERA_DTYPE_INT8 = 5,
  TESSERA_DTYPE_INT16 = 6,
  TESSERA_DTYPE_INT32 = 7,
  TESSERA_DTYPE_INT64 = 8,
  TESSERA_DTYPE_UINT8 = 9,
  TESSERA_DTYPE_UINT16 = 10,
  TESSERA_DTYPE_UINT32 = 11,
  TESSERA_DTYPE_UINT64 = 12,
  TESSERA_DTYPE_BOOL = 13
} tessera_dtype;

/* A loaded artifact (opaque). */
typedef struct tessera_model tessera_model;

/* A declared input or output of a model. Its pointers stay valid until the
 * model is freed. */
typedef struct tessera_tensor_info {
  const char *name;
  tessera_dtype dtype;
  size_t rank;
  const int64_t *shape; /* rank dims */
  size_t byte_size;     /* bytes of a dense row-major tensor of this shape */
} tessera_tensor_info;

/* A tensor passed to or returned by a run: dense, row-major, in host
 * memory. */
typedef struct tessera_tensor {
  tessera_dtype dtype;
  size_t rank;
  const int64_t *shape;
  void *data;
  size_t byte_size;
} tessera_tensor;

/* The API version the library was built with (TESSERA_RUNTIME_API_VERSION
 * of its header). */
TESSERA_API uint32_t tessera_runtime_api_version(void);

/* The Tessera release, such as "0.1.0". */
TESSERA_API const char *tessera_runtime_version(void);

/* The message of the calling thread's last failed call, or "" if none. */
TESSERA_API const char *tessera_last_error(void);

/* A status's name, such as "TESSERA_ERROR_NOT_FOUND". */
TESSERA_API const char *tessera_status_name(tessera_status status);

/* A dtype's numpy-style name ("float32", "int8", "bool", ...), or NULL for
 * a value that is not a dtype. */
TESSERA_API const char *tessera_dtype_name(tessera_dtype dtype);

/* Bytes per element, or 0 for a value that is not a dtype. */
TESSERA_API size_t tessera_dtype_size(tessera_dtype dtype);

/* Loads the artifact in directory `dir` (manifest.json and the library it
 * names). On success `*model` owns it; on failure `*model` is set to NULL. */
TESSERA_API tessera_status tessera_model_load(const char *dir,
                                              tessera_model **model);

/* Loads an artifact from memory: the bytes of its manifest.json and of the
 * shared library the manifest names (for applications that embed the model
 * in their own binary). The bytes are copied; the caller may free them once
 * this returns. */
TESSERA_API tessera_status tessera_model_load_from_memory(
    const void *manifest, size_t manifest_size, const void *library,
    size_t library_size, tessera_model **model);

/* Frees a model (NULL is ignored). */
TESSERA_API void tessera_model_free(tessera_model *model);

/* The target the artifact was compiled for: "cpu", "npu" or "gpu". */
TESSERA_API const char *tessera_model_target(const tessera_model *model);

/* The number of inputs / outputs (0 for a NULL model). */
TESSERA_API size_t tessera_model_num_inputs(const tessera_model *model);
TESSERA_API size_t tessera_model_num_outputs(const tessera_model *model);

/* The declared input / output `index`. */
TESSERA_API tessera_status tessera_model_input_info(const tessera_model *model,
                                                    size_t index,
                                                    tessera_tensor_info *info);
TESSERA_API tessera_status tessera_model_output_info(const tessera_model *model,
                                                     size_t index,
                                                     tessera_tensor_info *info);

/* The index of the input / output called `name`; TESSERA_ERROR_NOT_FOUND
 * when there is none. */
TESSERA_API tessera_status tessera_model_find_input(const tessera_model *model,
                                                    const char *name,
                                                    size_t *index);
TESSERA_API tessera_status tessera_model_find_output(const tessera_model *model,
                                                     const char *name,
                                                     size_t *index);

/* Runs the model once.
 *
 * `inputs` holds `num_inputs` tensors, in the model's input order, each
 * with the declared dtype and shape and byte_size equal to the declared
 * one. `outputs` holds `num_outputs` tensors, in output order:
 *   - data != NULL: the caller's buffer. Its dtype must be the declared
 *     one, its rank and shape too unless shape is NULL (which takes the
 *     declared shape), and byte_size at least the declared one.
 *   - data == NULL: the runtime allocates the buffer; free it with
 *     tessera_free.
 * In both cases the runtime sets dtype, rank, shape (pointing at the
 * model's declared shape) and byte_size of each output. On failure no
 * output is allocated and caller buffers hold unspecified bytes. */
TESSERA_API tessera_status tessera_model_run(const tessera_model *model,
                                             const tessera_tensor *inputs,
                                             size_t num_inputs,
                                             tessera_tensor *outputs,
                                             size_t num_outputs);

/* Frees an output buffer the runtime allocated (NULL is ignored). */
TESSERA_API void tessera_free(void *data);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* TESSERA_TESSERA_RUNTIME_H */
