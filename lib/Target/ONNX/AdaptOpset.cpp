//===- AdaptOpset.cpp - models newer than libonnx, down to opset 17 -------===//
//
// Part of Tessera. Each adapter below follows the ONNX changelog from opset
// 18 to 21: an op whose semantics did not change (most changes only added
// element types) keeps its node as it is; an op whose form changed is
// rewritten into its opset-17 form; an op or attribute value that has no
// opset-17 form is reported at its node.
//
//===----------------------------------------------------------------------===//

#include "AdaptOpset.h"

#include "onnx/onnx_pb.h"

#include <cmath>
#include <cstring>
#include <optional>
#include <unordered_map>

namespace tessera::onnx_adapt {

namespace {

using Attr = onnx::AttributeProto;

std::string nodeName(const onnx::NodeProto &node, size_t index) {
  if (!node.name().empty())
    return node.name();
  return node.op_type() + "_" + std::to_string(index);
}

const Attr *findAttr(const onnx::NodeProto &node, const std::string &name) {
  for (const Attr &attr : node.attribute())
    if (attr.name() == name)
      return &attr;
  return nullptr;
}

void eraseAttr(onnx::NodeProto &node, const std::string &name) {
  auto *attrs = node.mutable_attribute();
  for (int i = attrs->size() - 1; i >= 0; --i)
    if (attrs->Get(i).name() == name)
      attrs->DeleteSubrange(i, 1);
}

Attr *addAttr(onnx::NodeProto &node, const std::string &name,
              Attr::AttributeType type) {
  eraseAttr(node, name);
  Attr *attr = node.add_attribute();
  attr->set_name(name);
  attr->set_type(type);
  return attr;
}

/// The operators added after opset 17, with the opset that added them.
const std::unordered_map<std::string, int> &newOperators() {
  static const std::unordered_map<std::string, int> ops = {
      {"BitwiseAnd", 18},
      {"BitwiseNot", 18},
      {"BitwiseOr", 18},
      {"BitwiseXor", 18},
      {"CenterCropPad", 18},
      {"Col2Im", 18},
      {"GroupNormalization", 18},
      {"Mish", 18},
      {"OptionalGetElement", 18},
      {"OptionalHasElement", 18},
      {"DeformConv", 19},
      {"AffineGrid", 20},
      {"Gelu", 20},
      {"ImageDecoder", 20},
      {"RegexFullMatch", 20},
      {"StringConcat", 20},
      {"StringSplit", 20}};
  return ops;
}

/// The names of the element types added by IR versions 9 and 10.
const char *newElementTypeName(int32_t type) {
  switch (type) {
  case 17:
    return "FLOAT8E4M3FN";
  case 18:
    return "FLOAT8E4M3FNUZ";
  case 19:
    return "FLOAT8E5M2";
  case 20:
    return "FLOAT8E5M2FNUZ";
  case 21:
    return "UINT4";
  case 22:
    return "INT4";
  case 23:
    return "FLOAT4E2M1";
  default:
    return nullptr;
  }
}

/// The values of `tensor` when it is a small int64 tensor stored inline.
std::optional<std::vector<int64_t>> int64Values(const onnx::TensorProto &t) {
  if (t.data_type() != onnx::TensorProto::INT64 ||
      t.data_location() == onnx::TensorProto::EXTERNAL)
    return std::nullopt;
  std::vector<int64_t> values;
  if (t.has_raw_data()) {
    const std::string &raw = t.raw_data();
    if (raw.size() % sizeof(int64_t) != 0)
      return std::nullopt;
    values.resize(raw.size() / sizeof(int64_t));
    if (!raw.empty())
      std::memcpy(values.data(), raw.data(), raw.size());
  } else {
    values.assign(t.int64_data().begin(), t.int64_data().end());
  }
  int64_t expected = 1;
  for (int64_t d : t.dims())
    expected *= d;
  if ((int64_t)values.size() != expected)
    return std::nullopt;
  return values;
}

class Adapter {
public:
  Adapter(int64_t fromOpset, AdaptResult &result)
      : fromOpset(fromOpset), result(result) {}

  void adaptGraph(onnx::GraphProto &graph);

private:
  void report(const std::string &node, const std::string &message) {
    result.problems.push_back({node, message});
  }
  std::optional<std::vector<int64_t>> constantInts(const std::string &name);
  /// Adapts one node, appending it (or what replaces it) to `out`.
  void adaptNode(onnx::NodeProto &node, const std::string &name,
                 google::protobuf::RepeatedPtrField<onnx::NodeProto> &out);
  void adaptReduce(onnx::NodeProto &node, const std::string &name,
                   google::protobuf::RepeatedPtrField<onnx::NodeProto> &out);
  void decomposeMish(onnx::NodeProto &node,
                     google::protobuf::RepeatedPtrField<onnx::NodeProto> &out);
  void decomposeGelu(onnx::NodeProto &node, const std::string &name,
                     google::protobuf::RepeatedPtrField<onnx::NodeProto> &out);
  onnx::NodeProto *
  addNode(google::protobuf::RepeatedPtrField<onnx::NodeProto> &out,
          const std::string &op, const std::string &name,
          std::vector<std::string> inputs, const std::string &output);
  std::string
  addScalar(google::protobuf::RepeatedPtrField<onnx::NodeProto> &out,
            const std::string &name, float value);

  int64_t fromOpset;
  AdaptResult &result;
  /// Constant int64 tensors by value name: initializers and Constant nodes
  /// of the graphs being adapted and of the graphs around them.
  std::unordered_map<std::string, const onnx::TensorProto *> constants;
  std::unordered_map<std::string, std::vector<int64_t>> constantLists;
  /// The declared element types and ranks of the values of the graphs
  /// being adapted.
  std::unordered_map<std::string, int32_t> elementTypes;
  std::unordered_map<std::string, int64_t> ranks;
};

std::optional<std::vector<int64_t>>
Adapter::constantInts(const std::string &name) {
  auto list = constantLists.find(name);
  if (list != constantLists.end())
    return list->second;
  auto it = constants.find(name);
  if (it == constants.end())
    return std::nullopt;
  return int64Values(*it->second);
}

onnx::NodeProto *
Adapter::addNode(google::protobuf::RepeatedPtrField<onnx::NodeProto> &out,
                 const std::string &op, const std::string &name,
                 std::vector<std::string> inputs, const std::string &output) {
  onnx::NodeProto *node = out.Add();
  node->set_op_type(op);
  node->set_name(name);
  for (std::string &input : inputs)
    node->add_input(std::move(input));
  node->add_output(output);
  return node;
}

std::string
Adapter::addScalar(google::protobuf::RepeatedPtrField<onnx::NodeProto> &out,
                   const std::string &name, float value) {
  onnx::NodeProto *node = addNode(out, "Constant", name, {}, name);
  Attr *attr = addAttr(*node, "value", Attr::TENSOR);
  onnx::TensorProto *t = attr->mutable_t();
  t->set_data_type(onnx::TensorProto::FLOAT);
  t->add_float_data(value);
  return name;
}

void Adapter::adaptReduce(
    onnx::NodeProto &node, const std::string &name,
    google::protobuf::RepeatedPtrField<onnx::NodeProto> &out) {
  // Opset 18 moved `axes` from an attribute to an optional input and added
  // noop_with_empty_axes (ReduceSum made the same change at opset 13).
  int64_t noop = 0;
  if (const Attr *attr = findAttr(node, "noop_with_empty_axes"))
    noop = attr->i();
  eraseAttr(node, "noop_with_empty_axes");
  std::vector<int64_t> axes;
  if (node.input_size() > 1 && !node.input(1).empty()) {
    std::optional<std::vector<int64_t>> values = constantInts(node.input(1));
    if (!values) {
      report(name, node.op_type() + " (opset " + std::to_string(fromOpset) +
                       "): the axes input '" + node.input(1) +
                       "' is not a constant; opset 17 needs the axes as an "
                       "attribute");
      return;
    }
    axes = *values;
  }
  while (node.input_size() > 1)
    node.mutable_input()->RemoveLast();
  if (axes.empty() && noop) {
    // Reducing over no axes is the identity.
    addNode(out, "Identity", node.name(), {node.input(0)}, node.output(0));
    ++result.rewritten;
    return;
  }
  if (!axes.empty()) {
    Attr *attr = addAttr(node, "axes", Attr::INTS);
    for (int64_t axis : axes)
      attr->add_ints(axis);
  }
  ++result.rewritten;
  out.Add()->Swap(&node);
}

void Adapter::decomposeMish(
    onnx::NodeProto &node,
    google::protobuf::RepeatedPtrField<onnx::NodeProto> &out) {
  // Mish(x) = x * tanh(softplus(x)).
  const std::string &x = node.input(0);
  std::string prefix = node.output(0) + "__mish";
  addNode(out, "Softplus", prefix + "_softplus", {x}, prefix + "_softplus");
  addNode(out, "Tanh", prefix + "_tanh", {prefix + "_softplus"},
          prefix + "_tanh");
  addNode(out, "Mul", node.name(), {x, prefix + "_tanh"}, node.output(0));
  ++result.rewritten;
}

void Adapter::decomposeGelu(
    onnx::NodeProto &node, const std::string &name,
    google::protobuf::RepeatedPtrField<onnx::NodeProto> &out) {
  std::string approximate = "none";
  if (const Attr *attr = findAttr(node, "approximate"))
    approximate = attr->s();
  if (approximate != "none" && approximate != "tanh") {
    report(name, "Gelu: approximate must be 'none' or 'tanh', got '" +
                     approximate + "'");
    return;
  }
  const std::string &x = node.input(0);
  auto type = elementTypes.find(x);
  if (type != elementTypes.end() && type->second != onnx::TensorProto::FLOAT) {
    report(name, "Gelu (opset 20) is adapted for float32 inputs only");
    return;
  }
  std::string p = node.output(0) + "__gelu";
  std::string inner;
  if (approximate == "none") {
    // 0.5 * x * (1 + erf(x / sqrt(2)))
    addScalar(out, p + "_sqrt2", (float)std::sqrt(2.0));
    addNode(out, "Div", p + "_scaled", {x, p + "_sqrt2"}, p + "_scaled");
    addNode(out, "Erf", p + "_erf", {p + "_scaled"}, p + "_erf");
    inner = p + "_erf";
  } else {
    // 0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3)))
    addScalar(out, p + "_k", (float)std::sqrt(2.0 / M_PI));
    addScalar(out, p + "_c", 0.044715f);
    addNode(out, "Mul", p + "_x2", {x, x}, p + "_x2");
    addNode(out, "Mul", p + "_x3", {p + "_x2", x}, p + "_x3");
    addNode(out, "Mul", p + "_cx3", {p + "_c", p + "_x3"}, p + "_cx3");
    addNode(out, "Add", p + "_sum", {x, p + "_cx3"}, p + "_sum");
    addNode(out, "Mul", p + "_arg", {p + "_k", p + "_sum"}, p + "_arg");
    addNode(out, "Tanh", p + "_tanh", {p + "_arg"}, p + "_tanh");
    inner = p + "_tanh";
  }
  addScalar(out, p + "_one", 1.0f);
  addScalar(out, p + "_half", 0.5f);
  addNode(out, "Add", p + "_onep", {p + "_one", inner}, p + "_onep");
  addNode(out, "Mul", p + "_halfx", {p + "_half", x}, p + "_halfx");
  addNode(out, "Mul", node.name(), {p + "_halfx", p + "_onep"}, node.output(0));
  ++result.rewritten;
}

void Adapter::adaptNode(
    onnx::NodeProto &node, const std::string &name,
    google::protobuf::RepeatedPtrField<onnx::NodeProto> &out) {
  const std::string &op = node.op_type();
  std::string at = op + " (opset " + std::to_string(fromOpset) + ")";
  auto keep = [&] { out.Add()->Swap(&node); };
  auto refuse = [&](const std::string &what) {
    report(name, at + ": " + what + " has no opset-17 form");
  };
  // Drops `attr` when it holds its default; false when it does not.
  auto dropDefaultInt = [&](const char *attr, int64_t value) {
    const Attr *a = findAttr(node, attr);
    if (a && a->i() != value) {
      refuse(std::string(attr) + " = " + std::to_string(a->i()));
      return false;
    }
    eraseAttr(node, attr);
    return true;
  };
  auto dropDefaultString = [&](const char *attr, const std::string &value) {
    const Attr *a = findAttr(node, attr);
    if (a && a->s() != value) {
      refuse(std::string(attr) + " = '" + a->s() + "'");
      return false;
    }
    eraseAttr(node, attr);
    return true;
  };

  // A node without its data input or result is left to the checker.
  if (node.input_size() == 0 || node.input(0).empty() ||
      node.output_size() == 0)
    return keep();

  auto added = newOperators().find(op);
  if (added != newOperators().end() && added->second > kTargetOpset) {
    if (op == "Mish")
      return decomposeMish(node, out);
    if (op == "Gelu")
      return decomposeGelu(node, name, out);
    report(name, "operator " + op + " (opset " + std::to_string(added->second) +
                     ") is not supported");
    return;
  }

  static const char *reduceOps[] = {
      "ReduceL1",   "ReduceL2",  "ReduceLogSum", "ReduceLogSumExp", "ReduceMax",
      "ReduceMean", "ReduceMin", "ReduceProd",   "ReduceSumSquare"};
  for (const char *reduce : reduceOps)
    if (op == reduce)
      return adaptReduce(node, name, out);

  if (op == "Split") {
    // Opset 18 added num_outputs, equal to the number of outputs.
    if (const Attr *a = findAttr(node, "num_outputs")) {
      if (a->i() != node.output_size()) {
        report(name, at + ": num_outputs = " + std::to_string(a->i()) +
                         " but the node has " +
                         std::to_string(node.output_size()) + " outputs");
        return;
      }
      eraseAttr(node, "num_outputs");
      ++result.rewritten;
    }
    return keep();
  }
  if (op == "Resize") {
    // Opset 18: antialias, axes, keep_aspect_ratio_policy; opset 19: the
    // half_pixel_symmetric coordinate transformation.
    bool ok = dropDefaultInt("antialias", 0) &&
              dropDefaultString("keep_aspect_ratio_policy", "stretch");
    if (ok && findAttr(node, "axes")) {
      refuse("the axes attribute");
      ok = false;
    }
    const Attr *mode = findAttr(node, "coordinate_transformation_mode");
    if (ok && mode && mode->s() == "half_pixel_symmetric") {
      refuse("coordinate_transformation_mode = 'half_pixel_symmetric'");
      ok = false;
    }
    if (ok)
      keep();
    return;
  }
  if (op == "Pad") {
    // Opset 18 added the axes input, opset 19 the wrap mode.
    const Attr *mode = findAttr(node, "mode");
    if (mode && mode->s() == "wrap")
      return refuse("mode = 'wrap'");
    if (node.input_size() > 3 && !node.input(3).empty()) {
      std::optional<std::vector<int64_t>> axes = constantInts(node.input(3));
      if (!axes)
        return report(name, at + ": the axes input '" + node.input(3) +
                                "' is not a constant");
      // Axes 0, 1, ..., rank-1 in order is the opset-17 form, where the
      // pads cover every axis.
      auto rank = ranks.find(node.input(0));
      bool all = rank != ranks.end() && rank->second == (int64_t)axes->size();
      for (size_t i = 0; all && i < axes->size(); ++i)
        all = (*axes)[i] == (int64_t)i;
      if (!all)
        return refuse("an axes input other than 0, 1, ..., rank-1 of an "
                      "input of declared rank");
      node.mutable_input()->RemoveLast();
      ++result.rewritten;
    }
    return keep();
  }
  if (op == "ScatterElements" || op == "ScatterND") {
    const Attr *reduction = findAttr(node, "reduction");
    if (reduction && (reduction->s() == "max" || reduction->s() == "min"))
      return refuse("reduction = '" + reduction->s() + "'");
    return keep();
  }
  if (op == "LpPool") {
    if (dropDefaultInt("ceil_mode", 0))
      keep();
    return;
  }
  if (op == "AveragePool" || op == "MaxPool") {
    if (op == "AveragePool" && fromOpset >= 19) {
      if (const Attr *a = findAttr(node, "dilations")) {
        for (int64_t d : a->ints())
          if (d != 1)
            return refuse("dilations other than 1");
        eraseAttr(node, "dilations");
        ++result.rewritten;
      }
    }
    return keep();
  }
  if (op == "Cast" || op == "CastLike") {
    // saturate (opset 19) only applies to float8 results.
    eraseAttr(node, "saturate");
    return keep();
  }
  if (op == "QuantizeLinear" || op == "DequantizeLinear") {
    eraseAttr(node, "saturate");
    if (!dropDefaultInt("block_size", 0))
      return;
    if (const Attr *a = findAttr(node, "output_dtype")) {
      if (a->i() != 0 && !(node.input_size() > 2 && !node.input(2).empty()))
        return refuse("output_dtype without a zero point");
      eraseAttr(node, "output_dtype");
    }
    return keep();
  }
  if (op == "GridSample") {
    // Opset 20 renamed the modes and allowed N-D inputs.
    if (const Attr *a = findAttr(node, "mode")) {
      std::string mode = a->s();
      if (mode == "linear")
        mode = "bilinear";
      else if (mode == "cubic")
        mode = "bicubic";
      addAttr(node, "mode", Attr::STRING)->set_s(mode);
      ++result.rewritten;
    }
    return keep();
  }
  if (op == "DFT" && fromOpset >= 20)
    return refuse("the axis input (opset 20)");
  keep();
}

void Adapter::adaptGraph(onnx::GraphProto &graph) {
  for (const onnx::TensorProto &init : graph.initializer())
    constants[init.name()] = &init;
  for (const auto *list :
       {&graph.input(), &graph.value_info(), &graph.output()})
    for (const onnx::ValueInfoProto &info : *list)
      if (info.type().has_tensor_type()) {
        const auto &tensor = info.type().tensor_type();
        elementTypes[info.name()] = tensor.elem_type();
        if (tensor.has_shape())
          ranks[info.name()] = tensor.shape().dim_size();
      }
  for (const onnx::NodeProto &node : graph.node()) {
    if (node.op_type() != "Constant" || !node.domain().empty() ||
        node.output_size() != 1)
      continue;
    if (const Attr *value = findAttr(node, "value"))
      constants[node.output(0)] = &value->t();
    else if (const Attr *ints = findAttr(node, "value_ints"))
      constantLists[node.output(0)] =
          std::vector<int64_t>(ints->ints().begin(), ints->ints().end());
  }
  google::protobuf::RepeatedPtrField<onnx::NodeProto> out;
  for (int i = 0; i < graph.node_size(); ++i) {
    onnx::NodeProto &node = *graph.mutable_node(i);
    std::string name = nodeName(node, i);
    for (Attr &attr : *node.mutable_attribute()) {
      if (attr.has_g())
        adaptGraph(*attr.mutable_g());
      for (onnx::GraphProto &sub : *attr.mutable_graphs())
        adaptGraph(sub);
    }
    if (!node.domain().empty() && node.domain() != "ai.onnx") {
      out.Add()->Swap(&node);
      continue;
    }
    adaptNode(node, name, out);
  }
  graph.mutable_node()->Swap(&out);
}

void checkType(const onnx::TypeProto &type, const std::string &node,
               const std::string &what, std::vector<Problem> &problems) {
  if (type.has_tensor_type())
    if (const char *name = newElementTypeName(type.tensor_type().elem_type()))
      problems.push_back({node, what + " has element type " + name +
                                    " (IR version 9 or 10), which Tessera "
                                    "does not support"});
}

void checkTensor(const onnx::TensorProto &tensor, const std::string &node,
                 std::vector<Problem> &problems) {
  if (const char *name = newElementTypeName(tensor.data_type()))
    problems.push_back({node, "tensor '" + tensor.name() +
                                  "' has element type " + name +
                                  " (IR version 9 or 10), which Tessera "
                                  "does not support"});
}

/// Whether `message` carries the protobuf field `number`, which the
/// onnx 1.12 schema does not know (it kept it as an unknown field).
bool hasUnknownField(const google::protobuf::Message &message, int number) {
  const google::protobuf::UnknownFieldSet &fields =
      message.GetReflection()->GetUnknownFields(message);
  for (int i = 0; i < fields.field_count(); ++i)
    if (fields.field(i).number() == number)
      return true;
  return false;
}

void checkGraph(const onnx::GraphProto &graph, std::vector<Problem> &problems) {
  for (const auto *list :
       {&graph.input(), &graph.value_info(), &graph.output()})
    for (const onnx::ValueInfoProto &info : *list)
      checkType(info.type(), "", "value '" + info.name() + "'", problems);
  for (const onnx::TensorProto &init : graph.initializer())
    checkTensor(init, "", problems);
  for (int i = 0; i < graph.node_size(); ++i) {
    const onnx::NodeProto &node = graph.node(i);
    std::string name = nodeName(node, i);
    // NodeProto.overload (field 8) names a model-local function overload.
    if (hasUnknownField(node, 8))
      problems.push_back({name, "the node calls a function overload (IR "
                                "version 10), which Tessera does not "
                                "support"});
    for (const Attr &attr : node.attribute()) {
      if (attr.has_t())
        checkTensor(attr.t(), name, problems);
      if (attr.name() == "to" && attr.type() == Attr::INT)
        if (const char *type = newElementTypeName((int32_t)attr.i()))
          problems.push_back({name, std::string("casts to element type ") +
                                        type +
                                        " (IR version 9 or 10), which "
                                        "Tessera does not support"});
      if (attr.has_g())
        checkGraph(attr.g(), problems);
      for (const onnx::GraphProto &sub : attr.graphs())
        checkGraph(sub, problems);
    }
  }
}

} // namespace

void checkNewIRFeatures(const onnx::ModelProto &model,
                        std::vector<Problem> &problems) {
  checkGraph(model.graph(), problems);
  // FunctionProto.overload (field 13).
  for (const onnx::FunctionProto &function : model.functions())
    if (hasUnknownField(function, 13))
      problems.push_back({"", "model-local function '" + function.name() +
                                  "' is an overload (IR version 10), which "
                                  "Tessera does not support"});
}

AdaptResult adaptToOpset17(onnx::ModelProto &model, int64_t fromOpset) {
  AdaptResult result;
  Adapter(fromOpset, result).adaptGraph(*model.mutable_graph());
  for (onnx::OperatorSetIdProto &opset : *model.mutable_opset_import())
    if (opset.domain().empty() || opset.domain() == "ai.onnx")
      opset.set_version(kTargetOpset);
  return result;
}

} // namespace tessera::onnx_adapt
