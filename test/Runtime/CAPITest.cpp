//===- CAPITest.cpp - the C runtime API against libtessera_runtime.so -----===//
//
// Part of Tessera. Every function and status code of tessera_runtime.h, on
// the shared library, with artifacts c-api.test compiles into $CAPI_DIR:
// cpu (test/Runtime/Inputs/make_capi_model.py, with its inputs and numpy's
// outputs as .bin), npu and npu-otherhw (a program on hardware that is not
// its own: the run fails), gpu (a hand-made gpu artifact, run on the fake
// CUDA driver or on none).
//
//===----------------------------------------------------------------------===//

#include "tessera/tessera_runtime.h"

#include "gtest/gtest.h"

#include <cstdlib>
#include <cstring>
#include <elf.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/resource.h>
#include <thread>
#include <vector>

namespace fs = std::filesystem;

namespace {

std::string artifactRoot() {
  const char *dir = std::getenv("CAPI_DIR");
  return dir ? dir : "";
}

std::string readFile(const fs::path &path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void writeFile(const fs::path &path, const std::string &text) {
  std::ofstream(path, std::ios::binary) << text;
}

std::vector<float> readFloats(const std::string &name) {
  std::string bytes = readFile(fs::path(artifactRoot()) / name);
  std::vector<float> values(bytes.size() / sizeof(float));
  std::memcpy(values.data(), bytes.data(), values.size() * sizeof(float));
  return values;
}

/// Replaces the first `from` of `text` by `to` (which must be there).
std::string replaced(std::string text, const std::string &from,
                     const std::string &to) {
  size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos)
    text.replace(at, from.size(), to);
  return text;
}

class CAPITest : public ::testing::Test {
protected:
  void SetUp() override {
    root = artifactRoot();
    ASSERT_FALSE(root.empty()) << "run by test/Runtime/c-api.test: $CAPI_DIR "
                                  "holds the artifacts";
    cpu = root / "cpu";
    ASSERT_TRUE(fs::exists(cpu / "manifest.json"));
    scratch =
        root /
        ("scratch-" +
         std::string(
             ::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(scratch);
    fs::create_directories(scratch);
    x = readFloats("x.bin");
    y = readFloats("y.bin");
    z = readFloats("z.bin");
    zt = readFloats("zt.bin");
    ASSERT_EQ(x.size(), 32u);
    ASSERT_EQ(y.size(), 64u);
  }
  void TearDown() override {
    tessera_model_free(model);
    fs::remove_all(scratch);
  }

  /// A copy of the cpu artifact whose manifest is `manifest`.
  std::string withManifest(const std::string &name,
                           const std::string &manifest) {
    fs::path dir = scratch / name;
    fs::create_directories(dir);
    fs::copy_file(cpu / "model.so", dir / "model.so");
    writeFile(dir / "manifest.json", manifest);
    return dir.string();
  }
  std::string cpuManifest() { return readFile(cpu / "manifest.json"); }

  /// Loads `dir`, expecting `status` and a message holding `message`.
  void expectLoadFails(const std::string &dir, tessera_status status,
                       const std::string &message) {
    tessera_model *failed = reinterpret_cast<tessera_model *>(&failed);
    EXPECT_EQ(tessera_model_load(dir.c_str(), &failed), status)
        << tessera_last_error();
    EXPECT_EQ(failed, nullptr);
    EXPECT_NE(std::string(tessera_last_error()).find(message),
              std::string::npos)
        << tessera_last_error();
  }

  void load() {
    ASSERT_EQ(tessera_model_load(cpu.c_str(), &model), TESSERA_OK)
        << tessera_last_error();
  }

  /// The two inputs of the cpu model.
  void setInputs() {
    inputs[0] = {TESSERA_DTYPE_FLOAT32, 2, xShape, x.data(), x.size() * 4};
    inputs[1] = {TESSERA_DTYPE_FLOAT32, 2, yShape, y.data(), y.size() * 4};
  }

  /// Runs with `inputs` and runtime-allocated outputs, expecting `status`
  /// and `message`; no output is left allocated.
  void expectRunFails(tessera_status status, const std::string &message,
                      size_t numInputs = 2) {
    tessera_tensor outs[2] = {};
    EXPECT_EQ(tessera_model_run(model, inputs, numInputs, outs, 2), status)
        << tessera_last_error();
    EXPECT_NE(std::string(tessera_last_error()).find(message),
              std::string::npos)
        << tessera_last_error();
    EXPECT_EQ(outs[0].data, nullptr);
    EXPECT_EQ(outs[1].data, nullptr);
  }

  /// Runs `m` with `inputs` into runtime-allocated outputs, checks the
  /// first against the numpy reference `z` and frees both.
  void expectRunMatches(tessera_model *m) {
    tessera_tensor outs[2] = {};
    ASSERT_EQ(tessera_model_run(m, inputs, 2, outs, 2), TESSERA_OK)
        << tessera_last_error();
    const float *got = static_cast<const float *>(outs[0].data);
    for (size_t i = 0; i < z.size(); ++i)
      EXPECT_NEAR(got[i], z[i], 1e-5f + 1e-5f * std::abs(z[i])) << i;
    tessera_free(outs[0].data);
    tessera_free(outs[1].data);
  }

  fs::path root, cpu, scratch;
  std::vector<float> x, y, z, zt;
  int64_t xShape[2] = {4, 8}, yShape[2] = {4, 16};
  tessera_tensor inputs[2] = {};
  tessera_model *model = nullptr;
};

TEST_F(CAPITest, Versions) {
  EXPECT_EQ(tessera_runtime_api_version(),
            uint32_t(TESSERA_RUNTIME_API_VERSION));
  EXPECT_GT(std::strlen(tessera_runtime_version()), 0u);
  EXPECT_STREQ(tessera_last_error(), "");
}

TEST_F(CAPITest, StatusNames) {
  const char *names[] = {
      "TESSERA_OK",
      "TESSERA_ERROR_INVALID_ARGUMENT",
      "TESSERA_ERROR_NOT_FOUND",
      "TESSERA_ERROR_INVALID_ARTIFACT",
      "TESSERA_ERROR_VERSION_MISMATCH",
      "TESSERA_ERROR_UNSUPPORTED_HOST",
      "TESSERA_ERROR_DTYPE_MISMATCH",
      "TESSERA_ERROR_SHAPE_MISMATCH",
      "TESSERA_ERROR_BUFFER_SIZE",
      "TESSERA_ERROR_RUN_FAILED",
      "TESSERA_ERROR_OUT_OF_MEMORY",
  };
  for (int s = 0; s <= 10; ++s)
    EXPECT_STREQ(tessera_status_name(tessera_status(s)), names[s]);
  EXPECT_STREQ(tessera_status_name(tessera_status(11)),
               "TESSERA_STATUS_UNKNOWN");
  EXPECT_STREQ(tessera_status_name(tessera_status(-1)),
               "TESSERA_STATUS_UNKNOWN");
}

TEST_F(CAPITest, DTypes) {
  struct {
    tessera_dtype dtype;
    const char *name;
    size_t size;
  } dtypes[] = {
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
  for (const auto &d : dtypes) {
    EXPECT_STREQ(tessera_dtype_name(d.dtype), d.name);
    EXPECT_EQ(tessera_dtype_size(d.dtype), d.size) << d.name;
  }
  for (int invalid : {0, 14, -3, 1000}) {
    EXPECT_EQ(tessera_dtype_name(tessera_dtype(invalid)), nullptr);
    EXPECT_EQ(tessera_dtype_size(tessera_dtype(invalid)), 0u);
  }
}

TEST_F(CAPITest, LoadArguments) {
  EXPECT_EQ(tessera_model_load(cpu.c_str(), nullptr),
            TESSERA_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(tessera_last_error(), "tessera_model_load: model is NULL");
  tessera_model *m = reinterpret_cast<tessera_model *>(&m);
  EXPECT_EQ(tessera_model_load(nullptr, &m), TESSERA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(m, nullptr);
  EXPECT_STREQ(tessera_last_error(), "tessera_model_load: dir is NULL");
}

TEST_F(CAPITest, LoadNotFound) {
  expectLoadFails((scratch / "nonexistent").string(), TESSERA_ERROR_NOT_FOUND,
                  "nonexistent/manifest.json: cannot read: No such file or "
                  "directory");
  fs::create_directories(scratch / "empty");
  expectLoadFails((scratch / "empty").string(), TESSERA_ERROR_NOT_FOUND,
                  "empty/manifest.json: cannot read");
  writeFile(scratch / "file", "not a directory\n");
  expectLoadFails((scratch / "file").string(), TESSERA_ERROR_NOT_FOUND,
                  "file/manifest.json: cannot read: Not a directory");
  fs::path nolib = scratch / "nolib";
  fs::create_directories(nolib);
  fs::copy_file(cpu / "manifest.json", nolib / "manifest.json");
  expectLoadFails(nolib.string(), TESSERA_ERROR_NOT_FOUND,
                  "nolib/model.so: cannot load: No such file or directory");
}

TEST_F(CAPITest, LoadCorruptManifest) {
  std::string manifest = cpuManifest();
  expectLoadFails(withManifest("json", "{\"format\": "),
                  TESSERA_ERROR_INVALID_ARTIFACT,
                  "json/manifest.json: invalid JSON");
  expectLoadFails(withManifest("format", replaced(manifest, "tessera-artifact",
                                                  "other-artifact")),
                  TESSERA_ERROR_INVALID_ARTIFACT,
                  "format/manifest.json: not a Tessera artifact manifest");
  expectLoadFails(
      withManifest("noinputs", replaced(manifest, "\"inputs\"", "\"inputz\"")),
      TESSERA_ERROR_INVALID_ARTIFACT,
      "noinputs/manifest.json: missing 'inputs'");
  expectLoadFails(
      withManifest("dtype", replaced(manifest, "\"float32\"", "\"float7\"")),
      TESSERA_ERROR_INVALID_ARTIFACT,
      "dtype/manifest.json: 'x' in 'inputs' has unsupported dtype 'float7'");
  expectLoadFails(withManifest("nolibrary",
                               replaced(manifest, "\"library\"", "\"libary\"")),
                  TESSERA_ERROR_INVALID_ARTIFACT, "missing 'library'");
  expectLoadFails(
      withManifest("version", replaced(manifest, "\"format_version\": 2",
                                       "\"format_version\": 7")),
      TESSERA_ERROR_VERSION_MISMATCH,
      "version/manifest.json: artifact format version 7, but "
      "this Tessera runtime reads versions 1 to 2");
  // The cpu section (format version 2) names features as strings.
  expectLoadFails(
      withManifest("cpufeatures",
                   replaced(manifest, "\"features\": [", "\"features\": [1, ")),
      TESSERA_ERROR_INVALID_ARTIFACT, "cpufeatures/manifest.json");
}

TEST_F(CAPITest, LoadBadLibrary) {
  std::string dir = withManifest("notelf", cpuManifest());
  writeFile(fs::path(dir) / "model.so", "not a shared library\n");
  expectLoadFails(dir, TESSERA_ERROR_INVALID_ARTIFACT,
                  "notelf/model.so: not a valid shared library: not an ELF "
                  "file");
  // A truncated library is refused before the loader maps it (touching the
  // missing pages would kill the process).
  dir = withManifest("truncated", cpuManifest());
  std::string library = readFile(cpu / "model.so");
  writeFile(fs::path(dir) / "model.so", library.substr(0, library.size() / 2));
  expectLoadFails(dir, TESSERA_ERROR_INVALID_ARTIFACT,
                  "truncated/model.so: not a valid shared library: truncated: "
                  "segment ");
  // An ELF file the loader refuses: an object file, not a shared library.
  dir = withManifest("object", cpuManifest());
  library[16] = ET_REL;
  writeFile(fs::path(dir) / "model.so", library);
  expectLoadFails(dir, TESSERA_ERROR_INVALID_ARTIFACT,
                  "object/model.so: not a valid shared library: not a 64-bit "
                  "little-endian ELF shared object");
  expectLoadFails(
      withManifest("noentry",
                   replaced(cpuManifest(), "\"entry\": \"tessera_run\"",
                            "\"entry\": \"tessera_walk\"")),
      TESSERA_ERROR_INVALID_ARTIFACT,
      "noentry/model.so: no entry point 'tessera_walk'");
}

TEST_F(CAPITest, Info) {
  load();
  EXPECT_STREQ(tessera_model_target(model), "cpu");
  EXPECT_EQ(tessera_model_target(nullptr), nullptr);
  EXPECT_EQ(tessera_model_num_inputs(model), 2u);
  EXPECT_EQ(tessera_model_num_outputs(model), 2u);
  EXPECT_EQ(tessera_model_num_inputs(nullptr), 0u);
  EXPECT_EQ(tessera_model_num_outputs(nullptr), 0u);

  tessera_tensor_info info;
  ASSERT_EQ(tessera_model_input_info(model, 1, &info), TESSERA_OK);
  EXPECT_STREQ(info.name, "y");
  EXPECT_EQ(info.dtype, TESSERA_DTYPE_FLOAT32);
  ASSERT_EQ(info.rank, 2u);
  EXPECT_EQ(info.shape[0], 4);
  EXPECT_EQ(info.shape[1], 16);
  EXPECT_EQ(info.byte_size, 256u);
  ASSERT_EQ(tessera_model_output_info(model, 1, &info), TESSERA_OK);
  EXPECT_STREQ(info.name, "zt");
  ASSERT_EQ(info.rank, 2u);
  EXPECT_EQ(info.shape[0], 16);
  EXPECT_EQ(info.shape[1], 4);
  EXPECT_EQ(info.byte_size, 256u);

  EXPECT_EQ(tessera_model_input_info(model, 2, &info),
            TESSERA_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(tessera_last_error(),
               "tessera_model_input_info: no input #2 (the model has 2)");
  EXPECT_EQ(tessera_model_output_info(model, 5, &info),
            TESSERA_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(tessera_last_error(),
               "tessera_model_output_info: no output #5 (the model has 2)");
  EXPECT_EQ(tessera_model_input_info(nullptr, 0, &info),
            TESSERA_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(tessera_last_error(), "tessera_model_input_info: model is NULL");
  EXPECT_EQ(tessera_model_output_info(model, 0, nullptr),
            TESSERA_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(tessera_last_error(), "tessera_model_output_info: info is NULL");
}

TEST_F(CAPITest, Find) {
  load();
  size_t index = 99;
  ASSERT_EQ(tessera_model_find_input(model, "y", &index), TESSERA_OK);
  EXPECT_EQ(index, 1u);
  ASSERT_EQ(tessera_model_find_output(model, "zt", &index), TESSERA_OK);
  EXPECT_EQ(index, 1u);
  EXPECT_EQ(tessera_model_find_input(model, "z", &index),
            TESSERA_ERROR_NOT_FOUND);
  EXPECT_STREQ(tessera_last_error(),
               "the model has no input named 'z' (inputs: x, y)");
  EXPECT_EQ(tessera_model_find_output(model, "x", &index),
            TESSERA_ERROR_NOT_FOUND);
  EXPECT_STREQ(tessera_last_error(),
               "the model has no output named 'x' (outputs: z, zt)");
  EXPECT_EQ(tessera_model_find_input(nullptr, "x", &index),
            TESSERA_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(tessera_last_error(), "tessera_model_find_input: model is NULL");
  EXPECT_EQ(tessera_model_find_output(model, nullptr, &index),
            TESSERA_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(tessera_last_error(), "tessera_model_find_output: name is NULL");
  EXPECT_EQ(tessera_model_find_input(model, "x", nullptr),
            TESSERA_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(tessera_last_error(), "tessera_model_find_input: index is NULL");
}

TEST_F(CAPITest, RunAllocatesOutputs) {
  load();
  setInputs();
  tessera_tensor outs[2] = {};
  ASSERT_EQ(tessera_model_run(model, inputs, 2, outs, 2), TESSERA_OK)
      << tessera_last_error();
  for (int o = 0; o < 2; ++o) {
    ASSERT_NE(outs[o].data, nullptr);
    EXPECT_EQ(outs[o].dtype, TESSERA_DTYPE_FLOAT32);
    EXPECT_EQ(outs[o].rank, 2u);
    EXPECT_EQ(outs[o].byte_size, 256u);
  }
  EXPECT_EQ(outs[1].shape[0], 16);
  EXPECT_EQ(outs[1].shape[1], 4);
  const float *got = static_cast<const float *>(outs[0].data);
  const float *gotT = static_cast<const float *>(outs[1].data);
  for (size_t i = 0; i < z.size(); ++i) {
    EXPECT_NEAR(got[i], z[i], 1e-5f + 1e-5f * std::abs(z[i])) << i;
    EXPECT_NEAR(gotT[i], zt[i], 1e-5f + 1e-5f * std::abs(zt[i])) << i;
  }
  tessera_free(outs[0].data);
  tessera_free(outs[1].data);
  tessera_free(nullptr);
}

TEST_F(CAPITest, RunIntoCallerBuffers) {
  load();
  setInputs();
  std::vector<float> out0(64, -1.0f), out1(80, -1.0f);
  int64_t shape0[2] = {4, 16};
  tessera_tensor outs[2] = {
      {TESSERA_DTYPE_FLOAT32, 2, shape0, out0.data(), out0.size() * 4},
      // No shape: the declared one, whatever the rank. A larger buffer
      // than needed is fine.
      {TESSERA_DTYPE_FLOAT32, 7, nullptr, out1.data(), out1.size() * 4},
  };
  ASSERT_EQ(tessera_model_run(model, inputs, 2, outs, 2), TESSERA_OK)
      << tessera_last_error();
  EXPECT_EQ(outs[0].data, out0.data());
  EXPECT_EQ(outs[1].data, out1.data());
  EXPECT_EQ(outs[1].rank, 2u);
  ASSERT_NE(outs[1].shape, nullptr);
  EXPECT_EQ(outs[1].shape[0], 16);
  EXPECT_EQ(outs[1].byte_size, 256u);
  for (size_t i = 0; i < z.size(); ++i) {
    EXPECT_NEAR(out0[i], z[i], 1e-5f + 1e-5f * std::abs(z[i])) << i;
    EXPECT_NEAR(out1[i], zt[i], 1e-5f + 1e-5f * std::abs(zt[i])) << i;
  }
  EXPECT_EQ(out1[64], -1.0f);
}

TEST_F(CAPITest, RunArguments) {
  load();
  setInputs();
  tessera_tensor outs[2] = {};
  EXPECT_EQ(tessera_model_run(nullptr, inputs, 2, outs, 2),
            TESSERA_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(tessera_last_error(), "tessera_model_run: model is NULL");
  expectRunFails(TESSERA_ERROR_INVALID_ARGUMENT,
                 "tessera_model_run: the model takes 2 inputs, got 1", 1);
  EXPECT_EQ(tessera_model_run(model, inputs, 2, outs, 3),
            TESSERA_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(tessera_last_error(),
               "tessera_model_run: the model has 2 outputs, got 3");
  EXPECT_EQ(tessera_model_run(model, nullptr, 2, outs, 2),
            TESSERA_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(tessera_last_error(), "tessera_model_run: inputs is NULL");
  EXPECT_EQ(tessera_model_run(model, inputs, 2, nullptr, 2),
            TESSERA_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(tessera_last_error(), "tessera_model_run: outputs is NULL");
  inputs[1].shape = nullptr;
  expectRunFails(TESSERA_ERROR_INVALID_ARGUMENT,
                 "input 'y' (#1) has rank 2 but a NULL shape");
  setInputs();
  inputs[0].data = nullptr;
  expectRunFails(TESSERA_ERROR_INVALID_ARGUMENT,
                 "input 'x' (#0) has byte_size 128 but NULL data");
}

TEST_F(CAPITest, RunInputMismatch) {
  load();
  setInputs();
  inputs[0].dtype = TESSERA_DTYPE_INT32;
  expectRunFails(TESSERA_ERROR_DTYPE_MISMATCH,
                 "input 'x' (#0) is int32 [4,8], but the model expects "
                 "float32 [4,8]");
  inputs[0].dtype = tessera_dtype(42);
  expectRunFails(TESSERA_ERROR_DTYPE_MISMATCH,
                 "input 'x' (#0) has dtype 42, which is not a tessera_dtype");
  setInputs();
  int64_t wrongShape[2] = {16, 4};
  inputs[1].shape = wrongShape;
  expectRunFails(TESSERA_ERROR_SHAPE_MISMATCH,
                 "input 'y' (#1) is float32 [16,4], but the model expects "
                 "float32 [4,16]");
  setInputs();
  inputs[1].rank = 1;
  expectRunFails(TESSERA_ERROR_SHAPE_MISMATCH,
                 "input 'y' (#1) is float32 [4], but the model expects "
                 "float32 [4,16]");
  setInputs();
  inputs[0].byte_size = 100;
  expectRunFails(TESSERA_ERROR_BUFFER_SIZE,
                 "input 'x' (#0) holds 100 data bytes, expected 128");
}

TEST_F(CAPITest, RunOutputMismatch) {
  load();
  setInputs();
  std::vector<float> out0(64), out1(64);
  int64_t shape0[2] = {4, 16}, wrong[2] = {4, 4};
  auto run = [&](tessera_tensor first, tessera_status status,
                 const char *message) {
    tessera_tensor outs[2] = {first, {}};
    EXPECT_EQ(tessera_model_run(model, inputs, 2, outs, 2), status);
    EXPECT_STREQ(tessera_last_error(), message);
    EXPECT_EQ(outs[1].data, nullptr);
  };
  run({TESSERA_DTYPE_INT32, 2, shape0, out0.data(), 256},
      TESSERA_ERROR_DTYPE_MISMATCH,
      "output 'z' (#0) is given a buffer of int32, but the model's output is "
      "float32 [4,16]");
  run({TESSERA_DTYPE_FLOAT32, 2, wrong, out0.data(), 256},
      TESSERA_ERROR_SHAPE_MISMATCH,
      "output 'z' (#0) is given a buffer of shape [4,4], but the model's "
      "output is float32 [4,16]");
  run({TESSERA_DTYPE_FLOAT32, 2, shape0, out0.data(), 255},
      TESSERA_ERROR_BUFFER_SIZE,
      "output 'z' (#0) is given a buffer of 255 bytes, but the model's output "
      "(float32 [4,16]) needs 256");
  run({tessera_dtype(0), 2, shape0, out0.data(), 256},
      TESSERA_ERROR_DTYPE_MISMATCH,
      "output 'z' (#0) has dtype 0, which is not a tessera_dtype");
}

// The error message is per thread: a failure on one does not change
// another's.
TEST_F(CAPITest, LastErrorPerThread) {
  load();
  EXPECT_EQ(tessera_model_find_input(model, "nope", nullptr),
            TESSERA_ERROR_INVALID_ARGUMENT);
  std::string other;
  std::thread thread([&] {
    other = tessera_last_error();
    size_t index;
    tessera_model_find_input(model, "missing", &index);
    other += "|" + std::string(tessera_last_error());
  });
  thread.join();
  EXPECT_EQ(other, "|the model has no input named 'missing' (inputs: x, y)");
  EXPECT_STREQ(tessera_last_error(), "tessera_model_find_input: index is NULL");
  // A successful call leaves the message alone.
  size_t index;
  EXPECT_EQ(tessera_model_find_input(model, "x", &index), TESSERA_OK);
  EXPECT_STREQ(tessera_last_error(), "tessera_model_find_input: index is NULL");
}

TEST_F(CAPITest, LoadFromMemory) {
  std::string manifest = cpuManifest(), library = readFile(cpu / "model.so");
  ASSERT_EQ(tessera_model_load_from_memory(manifest.data(), manifest.size(),
                                           library.data(), library.size(),
                                           &model),
            TESSERA_OK)
      << tessera_last_error();
  // The bytes were copied.
  std::fill(library.begin(), library.end(), '\0');
  setInputs();
  expectRunMatches(model);

  // A second one loaded from memory (the first one's memory file still
  // open) is a library of its own.
  library = readFile(cpu / "model.so");
  tessera_model *second = nullptr;
  ASSERT_EQ(tessera_model_load_from_memory(manifest.data(), manifest.size(),
                                           library.data(), library.size(),
                                           &second),
            TESSERA_OK);
  tessera_model_free(second);
}

TEST_F(CAPITest, LoadFromMemoryErrors) {
  std::string manifest = cpuManifest(), library = readFile(cpu / "model.so");
  tessera_model *m = reinterpret_cast<tessera_model *>(&m);
  EXPECT_EQ(tessera_model_load_from_memory(manifest.data(), manifest.size(),
                                           library.data(), library.size(),
                                           nullptr),
            TESSERA_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(tessera_last_error(),
               "tessera_model_load_from_memory: model is NULL");
  EXPECT_EQ(tessera_model_load_from_memory(nullptr, 0, library.data(),
                                           library.size(), &m),
            TESSERA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(m, nullptr);
  EXPECT_STREQ(tessera_last_error(),
               "tessera_model_load_from_memory: manifest is NULL");
  EXPECT_EQ(tessera_model_load_from_memory(manifest.data(), manifest.size(),
                                           nullptr, 0, &m),
            TESSERA_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(tessera_last_error(),
               "tessera_model_load_from_memory: library is NULL");
  EXPECT_EQ(tessera_model_load_from_memory(manifest.data(), 20, library.data(),
                                           library.size(), &m),
            TESSERA_ERROR_INVALID_ARTIFACT);
  EXPECT_EQ(std::string(tessera_last_error())
                .rfind("<memory>/manifest.json: invalid JSON", 0),
            0u)
      << tessera_last_error();
  std::string old =
      replaced(manifest, "\"format_version\": 2", "\"format_version\": 0");
  EXPECT_EQ(tessera_model_load_from_memory(old.data(), old.size(),
                                           library.data(), library.size(), &m),
            TESSERA_ERROR_VERSION_MISMATCH);
  EXPECT_EQ(std::string(tessera_last_error())
                .rfind("<memory>/manifest.json: artifact format version 0", 0),
            0u)
      << tessera_last_error();
  EXPECT_EQ(tessera_model_load_from_memory(manifest.data(), manifest.size(),
                                           library.data(), 1000, &m),
            TESSERA_ERROR_INVALID_ARTIFACT);
  EXPECT_EQ(std::string(tessera_last_error())
                .rfind("<memory>/model.so: not a valid shared library: "
                       "truncated: segment ",
                       0),
            0u)
      << tessera_last_error();
  // Whole ELF headers the loader refuses: no dynamic section.
  std::string object = library.substr(0, 4096);
  Elf64_Ehdr header;
  std::memcpy(&header, object.data(), sizeof header);
  header.e_phnum = 0;
  std::memcpy(&object[0], &header, sizeof header);
  EXPECT_EQ(tessera_model_load_from_memory(manifest.data(), manifest.size(),
                                           object.data(), object.size(), &m),
            TESSERA_ERROR_INVALID_ARTIFACT);
  EXPECT_EQ(std::string(tessera_last_error())
                .rfind("<memory>/model.so: cannot load: ", 0),
            0u)
      << tessera_last_error();
  EXPECT_EQ(m, nullptr);
}

// An output the runtime cannot allocate: a manifest that declares a 16 GiB
// output, run under an address-space limit (in a child process).
TEST_F(CAPITest, OutOfMemory) {
  std::string big = replaced(
      cpuManifest(), "\"name\": \"zt\",\n      \"shape\": [\n        16,",
      "\"name\": \"zt\",\n      \"shape\": [\n        1073741824,");
  std::string dir = withManifest("big", big);
  ASSERT_EQ(tessera_model_load(dir.c_str(), &model), TESSERA_OK)
      << tessera_last_error();
  setInputs();
  EXPECT_EXIT(
      {
        struct rlimit limit;
        getrlimit(RLIMIT_AS, &limit);
        limit.rlim_cur = rlim_t(8) << 30;
        setrlimit(RLIMIT_AS, &limit);
        tessera_tensor outs[2] = {};
        tessera_status status = tessera_model_run(model, inputs, 2, outs, 2);
        fprintf(stderr, "%s: %s\n", tessera_status_name(status),
                tessera_last_error());
        std::_Exit(outs[0].data == nullptr ? int(status) : 100);
      },
      ::testing::ExitedWithCode(TESSERA_ERROR_OUT_OF_MEMORY),
      "TESSERA_ERROR_OUT_OF_MEMORY: out of memory allocating output 'zt' "
      "\\(#1, 17179869184 bytes\\)");
}

// Two loads of one npu artifact are two devices: each gets a library of its
// own (the library points at its device). Both run, and agree.
TEST_F(CAPITest, NPUModelsLoadedTwice) {
  std::string npu = (root / "npu").string();
  tessera_model *a = nullptr, *b = nullptr;
  ASSERT_EQ(tessera_model_load(npu.c_str(), &a), TESSERA_OK)
      << tessera_last_error();
  ASSERT_EQ(tessera_model_load(npu.c_str(), &b), TESSERA_OK)
      << tessera_last_error();
  EXPECT_STREQ(tessera_model_target(a), "npu");
  tessera_tensor_info info;
  ASSERT_EQ(tessera_model_input_info(a, 0, &info), TESSERA_OK);
  std::vector<int8_t> in(info.byte_size);
  for (size_t i = 0; i < in.size(); ++i)
    in[i] = int8_t(i * 37 % 251);
  tessera_tensor input = {info.dtype, info.rank, info.shape, in.data(),
                          in.size()};
  tessera_tensor outA = {}, outB = {};
  ASSERT_EQ(tessera_model_run(a, &input, 1, &outA, 1), TESSERA_OK)
      << tessera_last_error();
  tessera_model_free(a);
  ASSERT_EQ(tessera_model_run(b, &input, 1, &outB, 1), TESSERA_OK)
      << tessera_last_error();
  ASSERT_EQ(outA.byte_size, outB.byte_size);
  EXPECT_EQ(std::memcmp(outA.data, outB.data, outA.byte_size), 0);
  tessera_free(outA.data);
  tessera_free(outB.data);
  tessera_model_free(b);
}

// Several artifacts loaded at once, from directories and from memory, each
// with its own library and device.
TEST_F(CAPITest, SeveralModelsAtOnce) {
  std::string manifest = cpuManifest(), library = readFile(cpu / "model.so");
  std::string npu = (root / "npu").string(),
              otherhw = (root / "npu-otherhw").string();
  tessera_model *models[4] = {};
  ASSERT_EQ(tessera_model_load(cpu.c_str(), &models[0]), TESSERA_OK);
  ASSERT_EQ(tessera_model_load_from_memory(manifest.data(), manifest.size(),
                                           library.data(), library.size(),
                                           &models[1]),
            TESSERA_OK);
  ASSERT_EQ(tessera_model_load(npu.c_str(), &models[2]), TESSERA_OK);
  ASSERT_EQ(tessera_model_load(otherhw.c_str(), &models[3]), TESSERA_OK);
  setInputs();
  for (tessera_model *m : {models[0], models[1]})
    expectRunMatches(m);
  // The npu models' devices are their own: one runs, the other (another
  // hardware) fails.
  tessera_tensor_info info;
  ASSERT_EQ(tessera_model_input_info(models[2], 0, &info), TESSERA_OK);
  std::vector<int8_t> in(info.byte_size);
  tessera_tensor input = {info.dtype, info.rank, info.shape, in.data(),
                          in.size()};
  tessera_tensor out = {};
  EXPECT_EQ(tessera_model_run(models[3], &input, 1, &out, 1),
            TESSERA_ERROR_RUN_FAILED);
  ASSERT_EQ(tessera_model_run(models[2], &input, 1, &out, 1), TESSERA_OK)
      << tessera_last_error();
  tessera_free(out.data);
  for (tessera_model *m : models)
    tessera_model_free(m);
}

// A device failure fails the run: the program's hardware hash differs from
// the manifest's hardware.
TEST_F(CAPITest, RunFailed) {
  std::string dir = (root / "npu-otherhw").string();
  ASSERT_EQ(tessera_model_load(dir.c_str(), &model), TESSERA_OK)
      << tessera_last_error();
  tessera_tensor_info info;
  ASSERT_EQ(tessera_model_input_info(model, 0, &info), TESSERA_OK);
  std::vector<int8_t> in(info.byte_size);
  tessera_tensor input = {info.dtype, info.rank, info.shape, in.data(),
                          in.size()};
  tessera_tensor out = {};
  EXPECT_EQ(tessera_model_run(model, &input, 1, &out, 1),
            TESSERA_ERROR_RUN_FAILED);
  EXPECT_NE(std::string(tessera_last_error())
                .find("NPU program 'segment_0' on hardware 'edge'"),
            std::string::npos)
      << tessera_last_error();
  EXPECT_EQ(out.data, nullptr);
}

// A gpu artifact where there is no CUDA driver: the host cannot run it.
TEST_F(CAPITest, UnsupportedHost) {
  setenv("TESSERA_CUDA_DRIVER", "/nonexistent/libcuda.so.1", 1);
  expectLoadFails((root / "gpu").string(), TESSERA_ERROR_UNSUPPORTED_HOST,
                  "gpu needs an NVIDIA GPU");
  unsetenv("TESSERA_CUDA_DRIVER");
}

// A cpu artifact whose code needs a CPU feature this host lacks is refused
// before its library is loaded, naming the feature.
TEST_F(CAPITest, UnsupportedHostCPU) {
  std::string dir = withManifest(
      "cpufeature", replaced(cpuManifest(), "\"features\": [",
                             "\"features\": [\"zz-no-such-isa\", "));
  expectLoadFails(dir, TESSERA_ERROR_UNSUPPORTED_HOST, "zz-no-such-isa");
}

// A gpu artifact on the fake CUDA driver: it runs, and a failed launch is a
// failed run.
TEST_F(CAPITest, GPURunAndFailure) {
  setenv("TESSERA_CUDA_DRIVER", TESSERA_FAKE_CUDA_PATH, 1);
  std::string dir = (root / "gpu").string();
  ASSERT_EQ(tessera_model_load(dir.c_str(), &model), TESSERA_OK)
      << tessera_last_error();
  EXPECT_STREQ(tessera_model_target(model), "gpu");
  float in[4] = {1, -2, 3.5f, 4}, out[4] = {};
  int64_t shape[1] = {4};
  tessera_tensor input = {TESSERA_DTYPE_FLOAT32, 1, shape, in, sizeof in};
  tessera_tensor output = {TESSERA_DTYPE_FLOAT32, 1, shape, out, sizeof out};
  ASSERT_EQ(tessera_model_run(model, &input, 1, &output, 1), TESSERA_OK)
      << tessera_last_error();
  EXPECT_EQ(std::memcmp(in, out, sizeof in), 0);
  setenv("FAKE_CUDA_FAIL", "cuLaunchKernel=719", 1);
  EXPECT_EQ(tessera_model_run(model, &input, 1, &output, 1),
            TESSERA_ERROR_RUN_FAILED);
  EXPECT_NE(std::string(tessera_last_error()).find("cuLaunchKernel"),
            std::string::npos)
      << tessera_last_error();
  unsetenv("FAKE_CUDA_FAIL");
  unsetenv("TESSERA_CUDA_DRIVER");
}

} // namespace
