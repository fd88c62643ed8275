//===- ONNXLoader.cpp - the libonnx calls, behind a no-throw API ----------===//
//
// Part of Tessera. Built with -fexceptions (see CMakeLists.txt); nothing here
// may let an exception escape.
//
//===----------------------------------------------------------------------===//

#include "ONNXLoader.h"

#include "onnx/checker.h"
#include "onnx/onnx_pb.h"
#include "onnx/shape_inference/implementation.h"
#include "onnx/version_converter/convert.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <exception>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <unordered_map>
#include <vector>

namespace tessera::onnx_loader {

template <typename Fn> static std::string guarded(const char *what, Fn &&fn) {
  try {
    return fn();
  } catch (const std::exception &e) {
    return std::string(what) + ": " + e.what();
  } catch (...) {
    return std::string(what) + ": unknown error";
  }
}

static std::string parseFrom(google::protobuf::io::ZeroCopyInputStream &stream,
                             onnx::ModelProto &model) {
  google::protobuf::io::CodedInputStream coded(&stream);
  coded.SetTotalBytesLimit(INT32_MAX);
  if (!model.ParseFromCodedStream(&coded) || !coded.ConsumedEntireMessage())
    return "not a valid ONNX protobuf (truncated, or not an ONNX model)";
  if (!model.has_graph() || model.ir_version() <= 0)
    return "not an ONNX model (no graph or no IR version)";
  return "";
}

std::string parseModelFile(const std::string &path, onnx::ModelProto &model) {
  return guarded("cannot parse model", [&]() -> std::string {
    int fd = ::open(path.c_str(), O_RDONLY);
    if (fd < 0)
      return std::string("cannot open file: ") + std::strerror(errno);
    google::protobuf::io::FileInputStream stream(fd);
    stream.SetCloseOnDelete(true);
    return parseFrom(stream, model);
  });
}

std::string parseModelBuffer(const char *data, size_t size,
                             onnx::ModelProto &model) {
  return guarded("cannot parse model", [&]() -> std::string {
    google::protobuf::io::ArrayInputStream stream(data, (int)size);
    return parseFrom(stream, model);
  });
}

std::string checkModel(const onnx::ModelProto &model,
                       const std::string &modelDir) {
  return guarded("the ONNX checker rejects the model", [&]() -> std::string {
    onnx::checker::CheckerContext ctx;
    std::unordered_map<std::string, int> opsets;
    for (const auto &opset : model.opset_import())
      opsets[opset.domain()] = (int)opset.version();
    ctx.set_ir_version((int)model.ir_version());
    ctx.set_opset_imports(opsets);
    ctx.set_model_dir(modelDir);
    onnx::checker::LexicalScopeContext lexical;
    onnx::checker::check_graph(model.graph(), ctx, lexical);
    return "";
  });
}

std::string convertOpset(onnx::ModelProto &model, int64_t fromVersion,
                         int64_t target) {
  if (fromVersion == target)
    return "";
  return guarded("cannot upgrade the model's opset", [&]() -> std::string {
    onnx::ModelProto converted =
        onnx::version_conversion::ConvertVersion(model, (int)target);
    model.Swap(&converted);
    return "";
  });
}

// Data propagation stays off: libonnx 1.12 crashes in it on some invalid
// broadcasts, and Tessera's own folders compute shape subgraphs anyway.
std::string inferShapes(onnx::ModelProto &model, bool strict) {
  return guarded("ONNX shape inference failed", [&]() -> std::string {
    onnx::ShapeInferenceOptions options(/*check_type=*/strict,
                                        /*error_mode=*/strict ? 1 : 0,
                                        /*enable_data_propagation=*/false);
    onnx::shape_inference::InferShapes(
        model, onnx::OpSchemaRegistry::Instance(), options);
    return "";
  });
}

/// A Reshape's result has as many dims as its shape operand has elements,
/// which libonnx 1.12 does not infer when the shape is computed (a
/// Shape/Slice/Concat chain) rather than constant. Declares that rank for
/// every such result whose shape is still unknown, so that the ops after it
/// get ranks too (the Softmax 12->13 adapter needs its input's rank). Returns
/// whether a declaration was added.
static bool declareReshapeRanks(onnx::ModelProto &model) {
  onnx::GraphProto &graph = *model.mutable_graph();
  std::unordered_map<std::string, const onnx::TypeProto *> types;
  for (const auto *list :
       {&graph.input(), &graph.value_info(), &graph.output()})
    for (const onnx::ValueInfoProto &info : *list)
      types[info.name()] = &info.type();
  std::vector<std::pair<std::string, int64_t>> ranks;
  for (const onnx::NodeProto &node : graph.node()) {
    if (node.op_type() != "Reshape" || node.input_size() != 2 ||
        node.output_size() != 1 || !node.domain().empty())
      continue;
    auto result = types.find(node.output(0));
    if (result != types.end() && result->second->has_tensor_type() &&
        result->second->tensor_type().has_shape())
      continue;
    auto shape = types.find(node.input(1));
    if (shape == types.end() || !shape->second->has_tensor_type() ||
        !shape->second->tensor_type().has_shape())
      continue;
    const onnx::TensorShapeProto &dims = shape->second->tensor_type().shape();
    if (dims.dim_size() != 1 || !dims.dim(0).has_dim_value())
      continue;
    ranks.emplace_back(node.output(0), dims.dim(0).dim_value());
  }
  for (const auto &[name, rank] : ranks) {
    onnx::ValueInfoProto *info = nullptr;
    for (onnx::ValueInfoProto &existing : *graph.mutable_value_info())
      if (existing.name() == name)
        info = &existing;
    if (!info) {
      info = graph.add_value_info();
      info->set_name(name);
    }
    onnx::TensorShapeProto *shape =
        info->mutable_type()->mutable_tensor_type()->mutable_shape();
    shape->clear_dim();
    for (int64_t i = 0; i < rank; ++i)
      shape->add_dim();
  }
  return !ranks.empty();
}

//===----------------------------------------------------------------------===//
// The libonnx steps, in-process or contained in a forked child
//===----------------------------------------------------------------------===//

/// Initializers with at least this much raw data are not sent back by the
/// child when unchanged.
static constexpr size_t kStripBytes = 4096;

/// Runs the steps in this process; `onStep` is told when each one starts.
template <typename OnStep>
static PrepareResult runSteps(onnx::ModelProto &model,
                              const std::string &modelDir, int64_t fromOpset,
                              int64_t targetOpset, OnStep onStep) {
  PrepareResult result;
  auto fail = [&](Step step, std::string error) {
    result.step = step;
    result.error = std::move(error);
    return result;
  };
  onStep(Step::Check);
  std::string error = checkModel(model, modelDir);
  if (!error.empty())
    return fail(Step::Check, error);
  if (fromOpset < targetOpset) {
    onStep(Step::Upgrade);
    // Some adapters (Softmax 12->13) need shapes. Old exporters wrote nodes
    // their opset did not allow (int64 Constant-1), so stay lenient here.
    error = inferShapes(model, /*strict=*/false);
    if (error.empty() && declareReshapeRanks(model))
      error = inferShapes(model, /*strict=*/false);
    if (error.empty())
      error = convertOpset(model, fromOpset, targetOpset);
    if (!error.empty())
      return fail(Step::Upgrade, error);
  }
  onStep(Step::Infer);
  error = inferShapes(model, /*strict=*/true);
  if (!error.empty())
    return fail(Step::Infer, error);
  return result;
}

static bool writeAll(int fd, const void *data, size_t size) {
  const char *p = static_cast<const char *>(data);
  while (size > 0) {
    ssize_t n = ::write(fd, p, size);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    p += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

static void appendU64(std::string &out, uint64_t v) {
  out.append(reinterpret_cast<const char *>(&v), sizeof(v));
}

static void appendBytes(std::string &out, const std::string &bytes) {
  appendU64(out, bytes.size());
  out += bytes;
}

/// The child's side: runs the steps, then writes the result record
/// ('R', step, error, stripped initializer names, model) and exits. Before
/// each step it writes ('S', step), so that a crash names the step.
[[noreturn]] static void runChild(int fd, onnx::ModelProto &model,
                                  const std::string &modelDir,
                                  int64_t fromOpset, int64_t targetOpset) {
  // The input's large raw data, to tell which initializers the upgrade kept
  // unchanged (a copy, in the child, only when upgrading: inference alone
  // does not change initializers).
  std::unordered_map<std::string, std::string> inputRaw;
  if (fromOpset < targetOpset)
    for (const auto &init : model.graph().initializer())
      if (init.raw_data().size() >= kStripBytes)
        inputRaw[init.name()] = init.raw_data();
  PrepareResult result =
      runSteps(model, modelDir, fromOpset, targetOpset, [&](Step step) {
        char record[2] = {'S', static_cast<char>(step)};
        writeAll(fd, record, sizeof(record));
      });
  std::string out(1, 'R');
  out.push_back(static_cast<char>(result.step));
  appendBytes(out, result.error);
  bool sendModel = result.error.empty() || result.step == Step::Infer;
  std::vector<std::string> stripped;
  if (sendModel) {
    for (auto &init : *model.mutable_graph()->mutable_initializer()) {
      const std::string &raw = init.raw_data();
      if (raw.size() < kStripBytes)
        continue;
      if (fromOpset < targetOpset) {
        auto it = inputRaw.find(init.name());
        if (it == inputRaw.end() || it->second != raw)
          continue;
      }
      stripped.push_back(init.name());
      init.clear_raw_data();
    }
  }
  appendU64(out, stripped.size());
  for (const std::string &name : stripped)
    appendBytes(out, name);
  std::string bytes;
  if (sendModel && !model.SerializeToString(&bytes))
    _exit(3);
  out.push_back(sendModel ? 1 : 0);
  appendBytes(out, bytes);
  _exit(writeAll(fd, out.data(), out.size()) ? 0 : 2);
}

/// Reads a u64-prefixed string at `pos` of `in`.
static bool readBytes(const std::string &in, size_t &pos, std::string &out) {
  uint64_t size;
  if (in.size() - pos < sizeof(size))
    return false;
  std::memcpy(&size, in.data() + pos, sizeof(size));
  pos += sizeof(size);
  if (in.size() - pos < size)
    return false;
  out.assign(in.data() + pos, size);
  pos += size;
  return true;
}

static const char *stepName(Step step) {
  switch (step) {
  case Step::Check:
    return "the ONNX checker";
  case Step::Upgrade:
    return "the opset upgrade";
  case Step::Infer:
    return "ONNX shape inference";
  case Step::None:
    break;
  }
  return "the libonnx worker";
}

/// The parent's side: reads the child's records until it exits.
static PrepareResult runParent(int fd, pid_t pid, onnx::ModelProto &model) {
  std::string in;
  char buffer[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    in.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }

  PrepareResult result;
  Step lastStep = Step::None;
  size_t pos = 0;
  while (pos + 2 <= in.size() && in[pos] == 'S') {
    lastStep = static_cast<Step>(in[pos + 1]);
    pos += 2;
  }
  bool complete = WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
                  pos < in.size() && in[pos] == 'R';
  if (!complete) {
    result.step = lastStep;
    result.crashed = true;
    std::string how =
        WIFSIGNALED(status)
            ? std::string("crashed (") + strsignal(WTERMSIG(status)) + ")"
            : "failed (exit status " + std::to_string(WEXITSTATUS(status)) +
                  ")";
    result.error = std::string("libonnx ") + how + " in " + stepName(lastStep) +
                   "; the model is malformed in a way Tessera's validation "
                   "does not catch";
    return result;
  }
  ++pos;
  result.step = static_cast<Step>(in[pos++]);
  uint64_t numStripped = 0;
  std::vector<std::string> stripped;
  bool ok = readBytes(in, pos, result.error) &&
            in.size() - pos >= sizeof(numStripped);
  if (ok) {
    std::memcpy(&numStripped, in.data() + pos, sizeof(numStripped));
    pos += sizeof(numStripped);
  }
  for (uint64_t i = 0; ok && i < numStripped; ++i) {
    stripped.emplace_back();
    ok = readBytes(in, pos, stripped.back());
  }
  std::string bytes;
  bool hasModel = ok && pos < in.size() && in[pos++] == 1;
  ok = ok && readBytes(in, pos, bytes);
  if (!ok) {
    result.crashed = true;
    result.error = "the libonnx worker sent a truncated result";
    return result;
  }
  if (!hasModel)
    return result;
  onnx::ModelProto processed;
  std::string error = parseModelBuffer(bytes.data(), bytes.size(), processed);
  if (!error.empty()) {
    result.crashed = true;
    result.error = "the libonnx worker sent an unreadable model: " + error;
    return result;
  }
  // Move the weights the child left out over from the input.
  std::unordered_map<std::string, onnx::TensorProto *> inputs;
  for (auto &init : *model.mutable_graph()->mutable_initializer())
    inputs[init.name()] = &init;
  std::unordered_map<std::string, onnx::TensorProto *> outputs;
  for (auto &init : *processed.mutable_graph()->mutable_initializer())
    outputs[init.name()] = &init;
  for (const std::string &name : stripped) {
    auto from = inputs.find(name), to = outputs.find(name);
    if (from == inputs.end() || to == outputs.end()) {
      result.crashed = true;
      result.error = "the libonnx worker lost initializer '" + name + "'";
      return result;
    }
    to->second->mutable_raw_data()->swap(*from->second->mutable_raw_data());
  }
  model.Swap(&processed);
  return result;
}

PrepareResult prepareModel(onnx::ModelProto &model, const std::string &modelDir,
                           int64_t fromOpset, int64_t targetOpset,
                           bool contain) {
  auto inProcess = [&] {
    return runSteps(model, modelDir, fromOpset, targetOpset, [](Step) {});
  };
  int fds[2];
  if (!contain || ::pipe2(fds, O_CLOEXEC) != 0)
    return inProcess();
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return inProcess();
  }
  if (pid == 0) {
    ::close(fds[0]);
    // A parent that stopped reading must not kill the child silently; a
    // crash is the parent's to report, without LLVM's stack dump or a core.
    std::signal(SIGPIPE, SIG_IGN);
    for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP})
      std::signal(sig, SIG_DFL);
    struct rlimit noCore = {0, 0};
    ::setrlimit(RLIMIT_CORE, &noCore);
    runChild(fds[1], model, modelDir, fromOpset, targetOpset);
  }
  ::close(fds[1]);
  return runParent(fds[0], pid, model);
}

} // namespace tessera::onnx_loader
