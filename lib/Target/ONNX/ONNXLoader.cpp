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
#include <set>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <unordered_map>
#include <unordered_set>
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
// Topological order
//===----------------------------------------------------------------------===//

static std::string nodeName(const onnx::NodeProto &node, size_t index) {
  if (!node.name().empty())
    return node.name();
  return node.op_type() + "_" + std::to_string(index);
}

/// Appends the names the subgraphs of `node` read: the inputs of their nodes
/// and their outputs, recursively. The names a subgraph defines itself are
/// never defined in an enclosing graph (ONNX values are assigned once), so
/// listing them too adds no dependency.
static void collectSubgraphReads(const onnx::NodeProto &node,
                                 std::vector<const std::string *> &names) {
  auto visit = [&](const onnx::GraphProto &graph) {
    for (const onnx::NodeProto &inner : graph.node()) {
      for (const std::string &input : inner.input())
        names.push_back(&input);
      collectSubgraphReads(inner, names);
    }
    for (const onnx::ValueInfoProto &output : graph.output())
      names.push_back(&output.name());
  };
  for (const onnx::AttributeProto &attr : node.attribute()) {
    if (attr.has_g())
      visit(attr.g());
    for (const onnx::GraphProto &graph : attr.graphs())
      visit(graph);
  }
}

/// Sorts `graph` and its subgraphs. `where` describes the graph for messages
/// (empty for the main graph); `outer` holds the names visible from the
/// enclosing scopes (null for the main graph).
static bool sortGraph(onnx::GraphProto &graph, const std::string &where,
                      const std::unordered_set<std::string> *outer,
                      SortResult &result) {
  int n = graph.node_size();
  std::unordered_map<std::string, int> producer;
  for (int i = 0; i < n; ++i)
    for (const std::string &output : graph.node(i).output())
      if (!output.empty())
        producer.emplace(output, i);
  // deps[i]: (producer, value) for every value node i reads from this graph.
  std::vector<std::vector<std::pair<int, const std::string *>>> deps(n);
  bool ordered = true;
  for (int i = 0; i < n; ++i) {
    std::vector<const std::string *> reads;
    for (const std::string &input : graph.node(i).input())
      reads.push_back(&input);
    collectSubgraphReads(graph.node(i), reads);
    for (const std::string *name : reads) {
      auto it = name->empty() ? producer.end() : producer.find(*name);
      if (it == producer.end())
        continue;
      deps[i].emplace_back(it->second, name);
      ordered &= it->second < i;
    }
  }

  auto describe = [&](int i) {
    const onnx::NodeProto &node = graph.node(i);
    result.node = nodeName(node, i);
    return node.op_type() + " node" + where;
  };
  if (!ordered) {
    // Kahn's algorithm, taking the ready node that comes first in the file.
    std::vector<int> pending(n, 0);
    std::vector<std::vector<int>> users(n);
    for (int i = 0; i < n; ++i)
      for (const auto &dep : deps[i]) {
        ++pending[i];
        users[dep.first].push_back(i);
      }
    std::set<int> ready;
    for (int i = 0; i < n; ++i)
      if (pending[i] == 0)
        ready.insert(i);
    std::vector<int> order;
    while (!ready.empty()) {
      int i = *ready.begin();
      ready.erase(ready.begin());
      order.push_back(i);
      for (int user : users[i])
        if (--pending[user] == 0)
          ready.insert(user);
    }
    if ((int)order.size() < n) {
      // Walk from the first node left along producers that are left too
      // until a node repeats: that node is on a cycle.
      std::vector<char> done(n, 0);
      for (int i : order)
        done[i] = 1;
      int current = 0;
      while (done[current])
        ++current;
      std::vector<int> seenAt(n, -1);
      std::vector<std::pair<int, const std::string *>> path;
      while (current >= 0 && seenAt[current] < 0) {
        seenAt[current] = (int)path.size();
        std::pair<int, const std::string *> next(-1, nullptr);
        for (const auto &dep : deps[current])
          if (!done[dep.first]) {
            next = dep;
            break;
          }
        path.emplace_back(current, next.second);
        current = next.first;
      }
      const auto &[node, value] = path[current >= 0 ? seenAt[current] : 0];
      result.error = describe(node) + ": input '" +
                     (value ? *value : std::string()) +
                     "' depends on the node's own result (the nodes form a "
                     "cycle)";
      return false;
    }
    google::protobuf::RepeatedPtrField<onnx::NodeProto> sorted;
    for (int k = 0; k < n; ++k) {
      result.moved += order[k] != k;
      sorted.Add()->Swap(graph.mutable_node(order[k]));
    }
    graph.mutable_node()->Swap(&sorted);
  }

  // Inputs of subgraph nodes must be defined in the subgraph or around it.
  std::unordered_set<std::string> visible;
  if (outer)
    visible = *outer;
  for (const onnx::ValueInfoProto &input : graph.input())
    visible.insert(input.name());
  for (const onnx::TensorProto &init : graph.initializer())
    visible.insert(init.name());
  for (const onnx::SparseTensorProto &init : graph.sparse_initializer())
    visible.insert(init.values().name());
  for (const auto &entry : producer)
    visible.insert(entry.first);
  if (outer)
    for (int i = 0; i < n; ++i)
      for (const std::string &input : graph.node(i).input())
        if (!input.empty() && !visible.count(input)) {
          result.error = describe(i) + ": input '" + input +
                         "' is not defined: no node, input or initializer "
                         "of the subgraph or of an enclosing graph produces "
                         "it";
          return false;
        }
  for (int i = 0; i < n; ++i) {
    onnx::NodeProto &node = *graph.mutable_node(i);
    for (onnx::AttributeProto &attr : *node.mutable_attribute()) {
      std::string inner = " in subgraph '" + attr.name() + "' of node '" +
                          nodeName(node, i) + "'" + where;
      if (attr.has_g() &&
          !sortGraph(*attr.mutable_g(), inner, &visible, result))
        return false;
      for (onnx::GraphProto &sub : *attr.mutable_graphs())
        if (!sortGraph(sub, inner, &visible, result))
          return false;
    }
  }
  return true;
}

SortResult sortNodes(onnx::ModelProto &model) {
  SortResult result;
  if (!sortGraph(*model.mutable_graph(), "", nullptr, result))
    result.moved = 0;
  else
    result.node.clear();
  return result;
}

//===----------------------------------------------------------------------===//
// Softmax-family opset upgrade for inputs of unknown rank
//===----------------------------------------------------------------------===//

/// Before opset 13, Softmax, LogSoftmax and Hardmax coerce their input to 2-D
/// at `axis`; libonnx's 12->13 adapters rewrite that with the input's rank,
/// and fail when inference left the rank unknown. Rewrites each such node as
/// Flatten(axis) -> op(axis 1) -> Reshape(Shape(x)), declaring the Flatten and
/// op results 2-D so that the adapter keeps the op as it is. Returns how many
/// nodes were rewritten.
static int adaptUnrankedSoftmax(onnx::ModelProto &model) {
  onnx::GraphProto &graph = *model.mutable_graph();
  std::unordered_map<std::string, const onnx::TypeProto *> types;
  for (const auto *list :
       {&graph.input(), &graph.value_info(), &graph.output()})
    for (const onnx::ValueInfoProto &info : *list)
      types[info.name()] = &info.type();
  for (const onnx::TensorProto &init : graph.initializer())
    types.emplace(init.name(), nullptr);
  auto hasRank = [&](const std::string &name) {
    auto it = types.find(name);
    return it != types.end() &&
           (!it->second || (it->second->has_tensor_type() &&
                            it->second->tensor_type().has_shape()));
  };
  auto elementType = [&](const std::string &name) {
    auto it = types.find(name);
    if (it != types.end() && it->second && it->second->has_tensor_type() &&
        it->second->tensor_type().elem_type() != 0)
      return it->second->tensor_type().elem_type();
    return (int32_t)onnx::TensorProto::FLOAT;
  };
  auto declare2D = [&](const std::string &name, int32_t elemType) {
    onnx::ValueInfoProto *info = graph.add_value_info();
    info->set_name(name);
    auto *tensor = info->mutable_type()->mutable_tensor_type();
    tensor->set_elem_type(elemType);
    tensor->mutable_shape()->add_dim();
    tensor->mutable_shape()->add_dim();
  };
  int rewritten = 0;
  google::protobuf::RepeatedPtrField<onnx::NodeProto> nodes;
  for (onnx::NodeProto &node : *graph.mutable_node()) {
    const std::string &op = node.op_type();
    if ((op != "Softmax" && op != "LogSoftmax" && op != "Hardmax") ||
        !node.domain().empty() || node.input_size() != 1 ||
        node.output_size() != 1 || hasRank(node.input(0))) {
      nodes.Add()->Swap(&node);
      continue;
    }
    int64_t axis = 1;
    for (const onnx::AttributeProto &attr : node.attribute())
      if (attr.name() == "axis")
        axis = attr.i();
    std::string x = node.input(0), y = node.output(0);
    std::string prefix = y + "__tessera_2d";
    int32_t elemType = elementType(x);

    onnx::NodeProto *flatten = nodes.Add();
    flatten->set_op_type("Flatten");
    flatten->set_name(prefix + "_flatten");
    flatten->add_input(x);
    flatten->add_output(prefix + "_in");
    onnx::AttributeProto *axisAttr = flatten->add_attribute();
    axisAttr->set_name("axis");
    axisAttr->set_type(onnx::AttributeProto::INT);
    axisAttr->set_i(axis);
    declare2D(prefix + "_in", elemType);

    onnx::NodeProto *inner = nodes.Add();
    inner->Swap(&node);
    inner->set_input(0, prefix + "_in");
    inner->set_output(0, prefix + "_out");
    inner->clear_attribute();
    axisAttr = inner->add_attribute();
    axisAttr->set_name("axis");
    axisAttr->set_type(onnx::AttributeProto::INT);
    axisAttr->set_i(1);
    declare2D(prefix + "_out", elemType);

    onnx::NodeProto *shape = nodes.Add();
    shape->set_op_type("Shape");
    shape->set_name(prefix + "_shape");
    shape->add_input(x);
    shape->add_output(prefix + "_shape");

    onnx::NodeProto *reshape = nodes.Add();
    reshape->set_op_type("Reshape");
    reshape->set_name(prefix + "_reshape");
    reshape->add_input(prefix + "_out");
    reshape->add_input(prefix + "_shape");
    reshape->add_output(y);
    ++rewritten;
  }
  graph.mutable_node()->Swap(&nodes);
  return rewritten;
}

/// Before opset 11, Upsample and Resize map an output coordinate x to the
/// input coordinate x / scale and take the nearest input pixel by rounding
/// down (ONNX Runtime's implementation of those versions); libonnx's Upsample
/// 9->10 and Resize 10->11 adapters keep the node as it is, which opset 11
/// reads as half_pixel coordinates and round_prefer_floor. Every Resize of a
/// model upgraded from below opset 11 came from one of those: states their
/// coordinates explicitly, in every graph.
static void fixLegacyResizes(onnx::GraphProto &graph) {
  for (onnx::NodeProto &node : *graph.mutable_node()) {
    for (onnx::AttributeProto &attr : *node.mutable_attribute()) {
      if (attr.has_g())
        fixLegacyResizes(*attr.mutable_g());
      for (onnx::GraphProto &sub : *attr.mutable_graphs())
        fixLegacyResizes(sub);
    }
    if (node.op_type() != "Resize" || !node.domain().empty())
      continue;
    std::string mode = "nearest";
    for (const onnx::AttributeProto &attr : node.attribute())
      if (attr.name() == "mode")
        mode = attr.s();
    auto set = [&](const char *name, const char *value) {
      for (onnx::AttributeProto &attr : *node.mutable_attribute())
        if (attr.name() == name) {
          attr.set_s(value);
          return;
        }
      onnx::AttributeProto *attr = node.add_attribute();
      attr->set_name(name);
      attr->set_type(onnx::AttributeProto::STRING);
      attr->set_s(value);
    };
    set("coordinate_transformation_mode", "asymmetric");
    if (mode == "nearest")
      set("nearest_mode", "floor");
  }
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
    // Each declared Reshape rank can give a later Reshape's shape operand a
    // length, so repeat until nothing new is learnt.
    error = inferShapes(model, /*strict=*/false);
    for (int round = 0;
         error.empty() && round < 32 && declareReshapeRanks(model); ++round)
      error = inferShapes(model, /*strict=*/false);
    if (error.empty() && fromOpset < 13 && targetOpset >= 13 &&
        adaptUnrankedSoftmax(model) > 0)
      error = inferShapes(model, /*strict=*/false);
    if (error.empty())
      error = convertOpset(model, fromOpset, targetOpset);
    if (error.empty() && fromOpset < 11 && targetOpset >= 11)
      fixLegacyResizes(*model.mutable_graph());
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
