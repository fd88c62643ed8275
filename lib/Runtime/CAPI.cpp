//===- CAPI.cpp - the Tessera runtime's C API -----------------------------===//
//
// Part of Tessera. tessera/tessera_runtime.h over the artifact core
// (Artifact.cpp): a tessera_model holds an Artifact and the C view of its
// declared inputs and outputs; every failure is a tessera_status plus the
// calling thread's message. Built into libtessera_runtime.so, which exports
// these functions only (docs/runtime-api.md).
//
//===----------------------------------------------------------------------===//

#include "tessera/Runtime/Runtime.h"
#include "tessera/tessera_runtime.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/Twine.h"

#include <cstdlib>
#include <new>
#include <string>
#include <vector>

using namespace llvm;
using namespace tessera::runtime;

#ifndef TESSERA_VERSION
#define TESSERA_VERSION "unknown"
#endif

struct tessera_model {
  Artifact artifact;
  std::vector<tessera_tensor_info> inputs, outputs;
};

namespace {

/// The calling thread's last error message.
thread_local std::string lastError;

tessera_status failWith(tessera_status status, const Twine &message) {
  lastError = message.str();
  return status;
}

/// Records `err`'s message; its status, `fallback` for errors without one.
tessera_status failWith(Error err, tessera_status fallback) {
  std::string message;
  tessera_status status = takeErrorStatus(std::move(err), message, fallback);
  if (status == TESSERA_OK)
    return TESSERA_OK;
  lastError = std::move(message);
  return status;
}

struct DTypeEntry {
  tessera_dtype dtype;
  const char *name;
  size_t size;
};

const DTypeEntry kDTypes[] = {
    {TESSERA_DTYPE_FLOAT32, "float32", 4},
    {TESSERA_DTYPE_FLOAT64, "float64", 8},
    {TESSERA_DTYPE_FLOAT16, "float16", 2},
    {TESSERA_DTYPE_BFLOAT16, "bfloat16", 2},
    {TESSERA_DTYPE_INT8, "int8", 1},
    {TESSERA_DTYPE_INT16, "int16", 2},
    {TESSERA_DTYPE_INT32, "int32", 4},
    {TESSERA_DTYPE_INT64, "int64", 8},
    {TESSERA_DTYPE_UINT8, "uint8", 1},
    {TESSERA_DTYPE_UINT16, "uint16", 2},
    {TESSERA_DTYPE_UINT32, "uint32", 4},
    {TESSERA_DTYPE_UINT64, "uint64", 8},
    {TESSERA_DTYPE_BOOL, "bool", 1},
};

const DTypeEntry *findDType(tessera_dtype dtype) {
  for (const DTypeEntry &entry : kDTypes)
    if (entry.dtype == dtype)
      return &entry;
  return nullptr;
}

tessera_dtype parseDType(StringRef name) {
  for (const DTypeEntry &entry : kDTypes)
    if (name == entry.name)
      return entry.dtype;
  return TESSERA_DTYPE_INVALID;
}

/// Builds the model of a loaded artifact; OUT_OF_MEMORY when it cannot.
tessera_status makeModel(Expected<Artifact> artifact, tessera_model **model) {
  if (!artifact)
    return failWith(artifact.takeError(), TESSERA_ERROR_INVALID_ARTIFACT);
  auto *made = new (std::nothrow) tessera_model{std::move(*artifact), {}, {}};
  if (!made)
    return failWith(TESSERA_ERROR_OUT_OF_MEMORY,
                    "out of memory allocating the model");
  auto describe = [](ArrayRef<TensorSpec> specs,
                     std::vector<tessera_tensor_info> &infos) {
    infos.reserve(specs.size());
    for (const TensorSpec &spec : specs)
      infos.push_back({spec.name.c_str(), parseDType(spec.dtype),
                       spec.shape.size(), spec.shape.data(),
                       size_t(*getByteSize(spec.shape, spec.dtype))});
  };
  describe(made->artifact.getInputs(), made->inputs);
  describe(made->artifact.getOutputs(), made->outputs);
  *model = made;
  return TESSERA_OK;
}

tessera_status getInfo(const tessera_model *model, size_t index,
                       tessera_tensor_info *info, bool input,
                       const char *function) {
  if (!model || !info)
    return failWith(TESSERA_ERROR_INVALID_ARGUMENT,
                    Twine(function) + ": " + (model ? "info" : "model") +
                        " is NULL");
  const std::vector<tessera_tensor_info> &infos =
      input ? model->inputs : model->outputs;
  if (index >= infos.size())
    return failWith(TESSERA_ERROR_INVALID_ARGUMENT,
                    Twine(function) + ": no " + (input ? "input" : "output") +
                        " #" + Twine(index) + " (the model has " +
                        Twine(infos.size()) + ")");
  *info = infos[index];
  return TESSERA_OK;
}

tessera_status find(const tessera_model *model, const char *name, size_t *index,
                    bool input, const char *function) {
  if (!model || !name || !index)
    return failWith(TESSERA_ERROR_INVALID_ARGUMENT, Twine(function) + ": " +
                                                        (!model  ? "model"
                                                         : !name ? "name"
                                                                 : "index") +
                                                        " is NULL");
  const std::vector<tessera_tensor_info> &infos =
      input ? model->inputs : model->outputs;
  for (size_t i = 0; i < infos.size(); ++i)
    if (StringRef(infos[i].name) == name) {
      *index = i;
      return TESSERA_OK;
    }
  std::string names;
  for (const tessera_tensor_info &info : infos)
    names += (names.empty() ? "" : ", ") + std::string(info.name);
  return failWith(TESSERA_ERROR_NOT_FOUND,
                  Twine("the model has no ") + (input ? "input" : "output") +
                      " named '" + name + "' (" +
                      (input ? "inputs" : "outputs") + ": " +
                      (names.empty() ? "none" : names) + ")");
}

/// The failure of a tensor whose dtype is not a tessera_dtype.
tessera_status notADType(const char *kind, const char *name, size_t index,
                         tessera_dtype dtype) {
  return failWith(TESSERA_ERROR_DTYPE_MISMATCH,
                  Twine(kind) + " '" + name + "' (#" + Twine(index) +
                      ") has dtype " + Twine(int(dtype)) +
                      ", which is not a tessera_dtype");
}

} // namespace

extern "C" {

uint32_t tessera_runtime_api_version(void) {
  return TESSERA_RUNTIME_API_VERSION;
}

const char *tessera_runtime_version(void) { return TESSERA_VERSION; }

const char *tessera_last_error(void) { return lastError.c_str(); }

const char *tessera_status_name(tessera_status status) {
  switch (status) {
  case TESSERA_OK:
    return "TESSERA_OK";
  case TESSERA_ERROR_INVALID_ARGUMENT:
    return "TESSERA_ERROR_INVALID_ARGUMENT";
  case TESSERA_ERROR_NOT_FOUND:
    return "TESSERA_ERROR_NOT_FOUND";
  case TESSERA_ERROR_INVALID_ARTIFACT:
    return "TESSERA_ERROR_INVALID_ARTIFACT";
  case TESSERA_ERROR_VERSION_MISMATCH:
    return "TESSERA_ERROR_VERSION_MISMATCH";
  case TESSERA_ERROR_UNSUPPORTED_HOST:
    return "TESSERA_ERROR_UNSUPPORTED_HOST";
  case TESSERA_ERROR_DTYPE_MISMATCH:
    return "TESSERA_ERROR_DTYPE_MISMATCH";
  case TESSERA_ERROR_SHAPE_MISMATCH:
    return "TESSERA_ERROR_SHAPE_MISMATCH";
  case TESSERA_ERROR_BUFFER_SIZE:
    return "TESSERA_ERROR_BUFFER_SIZE";
  case TESSERA_ERROR_RUN_FAILED:
    return "TESSERA_ERROR_RUN_FAILED";
  case TESSERA_ERROR_OUT_OF_MEMORY:
    return "TESSERA_ERROR_OUT_OF_MEMORY";
  }
  return "TESSERA_STATUS_UNKNOWN";
}

const char *tessera_dtype_name(tessera_dtype dtype) {
  const DTypeEntry *entry = findDType(dtype);
  return entry ? entry->name : nullptr;
}

size_t tessera_dtype_size(tessera_dtype dtype) {
  const DTypeEntry *entry = findDType(dtype);
  return entry ? entry->size : 0;
}

tessera_status tessera_model_load(const char *dir, tessera_model **model) {
  if (!model)
    return failWith(TESSERA_ERROR_INVALID_ARGUMENT,
                    "tessera_model_load: model is NULL");
  *model = nullptr;
  if (!dir)
    return failWith(TESSERA_ERROR_INVALID_ARGUMENT,
                    "tessera_model_load: dir is NULL");
  return makeModel(Artifact::load(dir), model);
}

tessera_status tessera_model_load_from_memory(const void *manifest,
                                              size_t manifest_size,
                                              const void *library,
                                              size_t library_size,
                                              tessera_model **model) {
  if (!model)
    return failWith(TESSERA_ERROR_INVALID_ARGUMENT,
                    "tessera_model_load_from_memory: model is NULL");
  *model = nullptr;
  if (!manifest || !library)
    return failWith(TESSERA_ERROR_INVALID_ARGUMENT,
                    Twine("tessera_model_load_from_memory: ") +
                        (manifest ? "library" : "manifest") + " is NULL");
  return makeModel(
      Artifact::loadFromMemory(
          StringRef(static_cast<const char *>(manifest), manifest_size),
          StringRef(static_cast<const char *>(library), library_size)),
      model);
}

void tessera_model_free(tessera_model *model) { delete model; }

const char *tessera_model_target(const tessera_model *model) {
  return model ? model->artifact.getTarget().data() : nullptr;
}

size_t tessera_model_num_inputs(const tessera_model *model) {
  return model ? model->inputs.size() : 0;
}

size_t tessera_model_num_outputs(const tessera_model *model) {
  return model ? model->outputs.size() : 0;
}

tessera_status tessera_model_input_info(const tessera_model *model,
                                        size_t index,
                                        tessera_tensor_info *info) {
  return getInfo(model, index, info, true, "tessera_model_input_info");
}

tessera_status tessera_model_output_info(const tessera_model *model,
                                         size_t index,
                                         tessera_tensor_info *info) {
  return getInfo(model, index, info, false, "tessera_model_output_info");
}

tessera_status tessera_model_find_input(const tessera_model *model,
                                        const char *name, size_t *index) {
  return find(model, name, index, true, "tessera_model_find_input");
}

tessera_status tessera_model_find_output(const tessera_model *model,
                                         const char *name, size_t *index) {
  return find(model, name, index, false, "tessera_model_find_output");
}

tessera_status tessera_model_run(const tessera_model *model,
                                 const tessera_tensor *inputs,
                                 size_t num_inputs, tessera_tensor *outputs,
                                 size_t num_outputs) {
  auto invalid = [](const Twine &why) {
    return failWith(TESSERA_ERROR_INVALID_ARGUMENT,
                    "tessera_model_run: " + why);
  };
  if (!model)
    return invalid("model is NULL");
  if (num_inputs != model->inputs.size())
    return invalid("the model takes " + Twine(model->inputs.size()) +
                   " inputs, got " + Twine(num_inputs));
  if (num_outputs != model->outputs.size())
    return invalid("the model has " + Twine(model->outputs.size()) +
                   " outputs, got " + Twine(num_outputs));
  if (num_inputs && !inputs)
    return invalid("inputs is NULL");
  if (num_outputs && !outputs)
    return invalid("outputs is NULL");
  const Artifact &artifact = model->artifact;
  std::vector<const void *> inPtrs(num_inputs);
  std::vector<void *> outPtrs(num_outputs);
  for (size_t i = 0; i < num_inputs; ++i) {
    const tessera_tensor &t = inputs[i];
    const char *name = model->inputs[i].name;
    if (t.rank && !t.shape)
      return invalid("input '" + Twine(name) + "' (#" + Twine(i) +
                     ") has rank " + Twine(t.rank) + " but a NULL shape");
    if (t.byte_size && !t.data)
      return invalid("input '" + Twine(name) + "' (#" + Twine(i) +
                     ") has byte_size " + Twine(t.byte_size) +
                     " but NULL data");
    const char *dtype = tessera_dtype_name(t.dtype);
    if (!dtype)
      return notADType("input", name, i, t.dtype);
    if (Error err = artifact.checkInput(i, dtype, ArrayRef(t.shape, t.rank),
                                        t.byte_size))
      return failWith(std::move(err), TESSERA_ERROR_INVALID_ARGUMENT);
    inPtrs[i] = t.data;
  }
  for (size_t i = 0; i < num_outputs; ++i) {
    const tessera_tensor &t = outputs[i];
    if (!t.data)
      continue;
    const char *name = model->outputs[i].name;
    const char *dtype = tessera_dtype_name(t.dtype);
    if (!dtype)
      return notADType("output", name, i, t.dtype);
    // A NULL shape takes the declared one (whatever the rank says).
    std::optional<ArrayRef<int64_t>> shape;
    if (t.shape)
      shape = ArrayRef(t.shape, t.rank);
    if (Error err = artifact.checkOutput(i, dtype, shape, t.byte_size))
      return failWith(std::move(err), TESSERA_ERROR_INVALID_ARGUMENT);
    outPtrs[i] = t.data;
  }
  // The outputs the runtime allocates, freed again if the run fails.
  auto freeAllocated = [&] {
    for (size_t i = 0; i < num_outputs; ++i)
      if (!outputs[i].data)
        std::free(outPtrs[i]);
  };
  for (size_t i = 0; i < num_outputs; ++i) {
    if (outputs[i].data)
      continue;
    // One byte at least: malloc(0) may return NULL.
    size_t bytes = model->outputs[i].byte_size;
    outPtrs[i] = std::malloc(bytes ? bytes : 1);
    if (!outPtrs[i]) {
      freeAllocated();
      return failWith(TESSERA_ERROR_OUT_OF_MEMORY,
                      "out of memory allocating output '" +
                          Twine(model->outputs[i].name) + "' (#" + Twine(i) +
                          ", " + Twine(bytes) + " bytes)");
    }
  }
  if (Error err = artifact.runBuffers(inPtrs, outPtrs)) {
    freeAllocated();
    return failWith(std::move(err), TESSERA_ERROR_RUN_FAILED);
  }
  for (size_t i = 0; i < num_outputs; ++i) {
    const tessera_tensor_info &info = model->outputs[i];
    outputs[i].dtype = info.dtype;
    outputs[i].rank = info.rank;
    outputs[i].shape = info.shape;
    outputs[i].data = outPtrs[i];
    outputs[i].byte_size = info.byte_size;
  }
  return TESSERA_OK;
}

void tessera_free(void *data) { std::free(data); }

} // extern "C"
