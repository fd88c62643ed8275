/*===- main.c - run a compiled Tessera model through the C runtime API -----===*
 *
 * Part of Tessera: the example application of docs/deployment.md.
 *
 *   run-model ARTIFACT_DIR [-o OUTPUT_DIR] [INPUT.bin ...]
 *
 * Loads the artifact tessera-compile wrote, prints its inputs and outputs,
 * reads input i from the i-th file (raw little-endian bytes of the declared
 * dtype and shape, row-major, as numpy's `array.tofile` writes them), runs
 * the model once and prints each output (its first values for float32);
 * with -o it also writes output i to OUTPUT_DIR/<i>.bin in the same raw
 * form. Every failure prints tessera_last_error() and exits with 1.
 *
 *===----------------------------------------------------------------------===*/

#include <tessera/tessera_runtime.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(const char *what) {
  fprintf(stderr, "run-model: %s: %s\n", what, tessera_last_error());
  return 1;
}

static void print_info(const char *kind, size_t index,
                       const tessera_tensor_info *info) {
  size_t d;
  printf("%s %zu: %s %s [", kind, index, info->name,
         tessera_dtype_name(info->dtype));
  for (d = 0; d < info->rank; ++d)
    printf(d ? ", %lld" : "%lld", (long long)info->shape[d]);
  printf("] (%zu bytes)\n", info->byte_size);
}

/* Reads exactly `size` bytes of `path` into a new buffer; NULL on failure
 * (with a message). */
static void *read_file(const char *path, size_t size) {
  FILE *file = fopen(path, "rb");
  void *data;
  long length;
  if (!file) {
    fprintf(stderr, "run-model: cannot open '%s'\n", path);
    return NULL;
  }
  if (fseek(file, 0, SEEK_END) != 0 || (length = ftell(file)) < 0 ||
      fseek(file, 0, SEEK_SET) != 0) {
    fprintf(stderr, "run-model: cannot read '%s'\n", path);
    fclose(file);
    return NULL;
  }
  if ((size_t)length != size) {
    fprintf(stderr, "run-model: '%s' has %ld bytes, the input needs %zu\n",
            path, length, size);
    fclose(file);
    return NULL;
  }
  data = malloc(size ? size : 1);
  if (!data || fread(data, 1, size, file) != size) {
    fprintf(stderr, "run-model: cannot read '%s'\n", path);
    free(data);
    fclose(file);
    return NULL;
  }
  fclose(file);
  return data;
}

static int write_file(const char *dir, size_t index, const void *data,
                      size_t size) {
  char path[4096];
  FILE *file;
  snprintf(path, sizeof path, "%s/%zu.bin", dir, index);
  file = fopen(path, "wb");
  if (!file || fwrite(data, 1, size, file) != size || fclose(file) != 0) {
    fprintf(stderr, "run-model: cannot write '%s'\n", path);
    return 1;
  }
  return 0;
}

int main(int argc, char **argv) {
  const char *artifact = NULL, *output_dir = NULL;
  const char **input_files;
  size_t num_input_files = 0, num_inputs, num_outputs, i;
  tessera_model *model;
  tessera_tensor *inputs, *outputs;
  tessera_status status;
  int a, rc = 0;

  input_files = (const char **)calloc((size_t)argc, sizeof *input_files);
  if (!input_files)
    return 1;
  for (a = 1; a < argc; ++a) {
    if (strcmp(argv[a], "-o") == 0 && a + 1 < argc)
      output_dir = argv[++a];
    else if (!artifact)
      artifact = argv[a];
    else
      input_files[num_input_files++] = argv[a];
  }
  if (!artifact) {
    fprintf(stderr,
            "usage: run-model ARTIFACT_DIR [-o OUTPUT_DIR] [INPUT.bin ...]\n");
    free(input_files);
    return 2;
  }
  if (tessera_runtime_api_version() != TESSERA_RUNTIME_API_VERSION) {
    fprintf(stderr, "run-model: built for runtime API %d, loaded %u\n",
            TESSERA_RUNTIME_API_VERSION,
            (unsigned)tessera_runtime_api_version());
    free(input_files);
    return 1;
  }
  printf("Tessera runtime %s\n", tessera_runtime_version());

  if (tessera_model_load(artifact, &model) != TESSERA_OK) {
    free(input_files);
    return fail("cannot load the artifact");
  }
  num_inputs = tessera_model_num_inputs(model);
  num_outputs = tessera_model_num_outputs(model);
  printf("target: %s\n", tessera_model_target(model));
  inputs = (tessera_tensor *)calloc(num_inputs + 1, sizeof *inputs);
  outputs = (tessera_tensor *)calloc(num_outputs + 1, sizeof *outputs);
  if (!inputs || !outputs) {
    fprintf(stderr, "run-model: out of memory\n");
    rc = 1;
    goto done;
  }

  for (i = 0; i < num_inputs; ++i) {
    tessera_tensor_info info;
    if (tessera_model_input_info(model, i, &info) != TESSERA_OK) {
      rc = fail("input info");
      goto done;
    }
    print_info("input", i, &info);
    inputs[i].dtype = info.dtype;
    inputs[i].rank = info.rank;
    inputs[i].shape = info.shape;
    inputs[i].byte_size = info.byte_size;
  }
  for (i = 0; i < num_outputs; ++i) {
    tessera_tensor_info info;
    if (tessera_model_output_info(model, i, &info) != TESSERA_OK) {
      rc = fail("output info");
      goto done;
    }
    print_info("output", i, &info);
  }
  if (num_input_files != num_inputs) {
    fprintf(stderr, "run-model: the model has %zu inputs, %zu files given\n",
            num_inputs, num_input_files);
    rc = 1;
    goto done;
  }
  for (i = 0; i < num_inputs; ++i) {
    inputs[i].data = read_file(input_files[i], inputs[i].byte_size);
    if (!inputs[i].data) {
      rc = 1;
      goto done;
    }
  }

  /* data == NULL: the runtime allocates each output (tessera_free). */
  status = tessera_model_run(model, inputs, num_inputs, outputs, num_outputs);
  if (status != TESSERA_OK) {
    fprintf(stderr, "run-model: run failed (%s): %s\n",
            tessera_status_name(status), tessera_last_error());
    rc = 1;
    goto done;
  }
  for (i = 0; i < num_outputs; ++i) {
    size_t count = outputs[i].byte_size / tessera_dtype_size(outputs[i].dtype);
    printf("output %zu: %zu values", i, count);
    if (outputs[i].dtype == TESSERA_DTYPE_FLOAT32) {
      const float *values = (const float *)outputs[i].data;
      size_t k;
      printf(":");
      for (k = 0; k < count && k < 8; ++k)
        printf(" %g", values[k]);
      if (count > 8)
        printf(" ...");
    }
    printf("\n");
    if (output_dir &&
        write_file(output_dir, i, outputs[i].data, outputs[i].byte_size))
      rc = 1;
  }

done:
  if (outputs)
    for (i = 0; i < num_outputs; ++i)
      tessera_free(outputs[i].data);
  if (inputs)
    for (i = 0; i < num_inputs; ++i)
      free(inputs[i].data);
  free(inputs);
  free(outputs);
  free(input_files);
  tessera_model_free(model);
  return rc;
}
