//===- ValidateONNX.cpp - structural checks before libonnx ----------------===//
//
// Part of Tessera.
//
//===----------------------------------------------------------------------===//

#include "ValidateONNX.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/MathExtras.h"

#include "onnx/onnx_pb.h"

#include <optional>

using namespace mlir;
using llvm::StringRef;

namespace tessera::onnx_validate {

namespace onnx_proto = tessera::onnx_proto;

/// The largest kernel size, stride, dilation, pad or block size accepted; the
/// products and sums libonnx forms from two of them then fit in an int64_t.
static constexpr int64_t kMaxAttrSize = int64_t(1) << 30;
/// The largest axis magnitude accepted where the rank is not known.
static constexpr int64_t kMaxRank = 1024;
/// At most this many problems are listed.
static constexpr unsigned kMaxProblems = 50;

std::string getNodeName(const onnx::NodeProto &node, unsigned index) {
  if (!node.name().empty())
    return node.name();
  return node.op_type() + "_" + std::to_string(index);
}

Type getMLIRType(Builder &b, onnx_proto::ElementType type) {
  using ET = onnx_proto::ElementType;
  switch (type) {
  case ET::Float32:
    return b.getF32Type();
  case ET::Float64:
    return b.getF64Type();
  case ET::Float16:
    return b.getF16Type();
  case ET::BFloat16:
    return b.getBF16Type();
  case ET::Bool:
    return b.getI1Type();
  case ET::Int8:
    return b.getIntegerType(8);
  case ET::Int16:
    return b.getIntegerType(16);
  case ET::Int32:
    return b.getIntegerType(32);
  case ET::Int64:
    return b.getIntegerType(64);
  case ET::UInt8:
    return b.getIntegerType(8, /*isSigned=*/false);
  case ET::UInt16:
    return b.getIntegerType(16, /*isSigned=*/false);
  case ET::UInt32:
    return b.getIntegerType(32, /*isSigned=*/false);
  case ET::UInt64:
    return b.getIntegerType(64, /*isSigned=*/false);
  }
  llvm_unreachable("all element types are covered");
}

LogicalResult emitDecodeError(Location loc, const onnx::TensorProto &tensor,
                              const onnx_proto::DecodeError &error) {
  using Kind = onnx_proto::DecodeError::Kind;
  std::string what = "tensor '" + tensor.name() + "'";
  switch (error.kind) {
  case Kind::UnsupportedType:
    return emitError(loc) << what << " has unsupported element type #"
                          << error.actual;
  case Kind::NegativeDim:
    return emitError(loc) << what << " has a negative dimension";
  case Kind::TooLarge:
    return emitError(loc) << what << " is too large";
  case Kind::RawDataSize: {
    InFlightDiagnostic diag = emitError(loc);
    diag << what << " has " << error.actual << " bytes of data, expected "
         << error.expected;
    if (std::optional<onnx_proto::ElementType> type =
            onnx_proto::getElementType(tensor.data_type())) {
      Builder b(loc.getContext());
      SmallVector<int64_t> shape(tensor.dims().begin(), tensor.dims().end());
      diag << " for " << RankedTensorType::get(shape, getMLIRType(b, *type));
    }
    return diag;
  }
  case Kind::ValueCount:
    return emitError(loc) << what << " has " << error.actual
                          << " values, expected " << error.expected;
  case Kind::ExternalData:
    return emitError(loc) << "initializer '" << tensor.name() << "'"
                          << error.message;
  }
  llvm_unreachable("all decode errors are covered");
}

namespace {

/// One problem, reported with all others.
struct Problem {
  /// The node's name; empty for a problem of the graph or of an initializer.
  std::string node;
  std::string message;
  /// A tensor that could not be decoded, and why (then `message` is empty:
  /// the wording is the importer's, from emitDecodeError).
  const onnx::TensorProto *tensor = nullptr;
  onnx_proto::DecodeError error;
};

class Validator {
public:
  Validator(const onnx::GraphProto &graph, StringRef modelDir)
      : graph(graph), modelDir(modelDir) {}

  void run();
  SmallVector<Problem> problems;

private:
  void checkTensor(const onnx::TensorProto &tensor, const std::string &node);
  void checkValueInfo(const onnx::ValueInfoProto &info, StringRef kind);
  void checkNode(const onnx::NodeProto &node, const std::string &name);
  void checkInts(const onnx::NodeProto &node, const std::string &name,
                 StringRef attr, int64_t min, int64_t max);
  void checkAxes(const onnx::NodeProto &node, const std::string &name,
                 StringRef what, ArrayRef<int64_t> axes,
                 std::optional<int64_t> rank);
  void checkShapeInput(const onnx::NodeProto &node, const std::string &name,
                       int inputIndex, int64_t minValue);
  std::optional<int64_t> getRank(const onnx::NodeProto &node, int index);
  std::optional<SmallVector<int64_t>> getInt64Values(StringRef name);
  void add(const std::string &node, const std::string &message) {
    problems.push_back({node, message, nullptr, {}});
  }

  const onnx::GraphProto &graph;
  StringRef modelDir;
  /// Ranks known before shape inference: inputs, initializers, value infos.
  llvm::StringMap<int64_t> ranks;
  /// Initializers whose data was found consistent with their dims.
  llvm::StringMap<const onnx::TensorProto *> validInitializers;
};

} // namespace

/// The elements of the dims `dims`, or nullopt if their product overflows.
template <typename Range>
static std::optional<int64_t> getNumElements(const Range &dims) {
  int64_t n = 1;
  for (int64_t d : dims)
    if (d >= 0 && llvm::MulOverflow(n, d, n))
      return std::nullopt;
  return n;
}

void Validator::checkTensor(const onnx::TensorProto &tensor,
                            const std::string &node) {
  std::string what = "tensor '" + tensor.name() + "'";
  if (llvm::any_of(tensor.dims(), [](int64_t d) { return d < 0; }))
    return add(node, what + " has a negative dimension");
  std::optional<int64_t> n = getNumElements(tensor.dims());
  if (!n || *n > kMaxElements)
    return add(node, what + " has more than 2^40 elements");
  // Types Tessera does not support are reported by the importer later; their
  // data is not read before that.
  if (!onnx_proto::getElementType(tensor.data_type()))
    return;
  onnx_proto::DecodeError error;
  if (failed(onnx_proto::checkTensorProto(tensor, modelDir, error))) {
    problems.push_back({node, "", &tensor, error});
    return;
  }
  if (node.empty())
    validInitializers[tensor.name()] = &tensor;
}

void Validator::checkValueInfo(const onnx::ValueInfoProto &info,
                               StringRef kind) {
  if (!info.type().has_tensor_type() || !info.type().tensor_type().has_shape())
    return;
  const auto &shape = info.type().tensor_type().shape();
  ranks[info.name()] = shape.dim_size();
  int64_t n = 1;
  for (const auto &dim : shape.dim()) {
    if (!dim.has_dim_value())
      continue;
    if (dim.dim_value() < 0)
      return add(
          "", (kind + " '" + info.name() + "' has a negative dimension").str());
    if (llvm::MulOverflow(n, dim.dim_value(), n) || n > kMaxElements)
      return add(
          "",
          (kind + " '" + info.name() + "' has more than 2^40 elements").str());
  }
}

std::optional<int64_t> Validator::getRank(const onnx::NodeProto &node,
                                          int index) {
  if (index >= node.input_size())
    return std::nullopt;
  auto it = ranks.find(node.input(index));
  if (it == ranks.end())
    return std::nullopt;
  return it->second;
}

std::optional<SmallVector<int64_t>> Validator::getInt64Values(StringRef name) {
  auto it = validInitializers.find(name);
  if (it == validInitializers.end())
    return std::nullopt;
  const onnx::TensorProto &tensor = *it->second;
  if (tensor.data_type() != onnx::TensorProto::INT64 ||
      tensor.data_location() == onnx::TensorProto::EXTERNAL ||
      tensor.dims_size() > 1)
    return std::nullopt;
  SmallVector<int64_t> values;
  if (tensor.has_raw_data()) {
    const std::string &raw = tensor.raw_data();
    for (size_t i = 0; i + 8 <= raw.size(); i += 8)
      values.push_back(llvm::support::endian::read64le(raw.data() + i));
  } else {
    values.assign(tensor.int64_data().begin(), tensor.int64_data().end());
  }
  return values;
}

void Validator::checkInts(const onnx::NodeProto &node, const std::string &name,
                          StringRef attrName, int64_t min, int64_t max) {
  for (const auto &attr : node.attribute()) {
    if (attr.name() != attrName)
      continue;
    SmallVector<int64_t> values(attr.ints().begin(), attr.ints().end());
    if (attr.type() == onnx::AttributeProto::INT)
      values.push_back(attr.i());
    for (int64_t v : values)
      if (v < min || v > max) {
        add(name, (node.op_type() + "'s " + attrName + " value " +
                   std::to_string(v) + " is out of range [" +
                   std::to_string(min) + ", " + std::to_string(max) + "]")
                      .str());
        return;
      }
  }
}

void Validator::checkAxes(const onnx::NodeProto &node, const std::string &name,
                          StringRef what, ArrayRef<int64_t> axes,
                          std::optional<int64_t> rank) {
  int64_t lo = rank ? -*rank : -kMaxRank, hi = rank ? *rank - 1 : kMaxRank;
  for (int64_t axis : axes)
    if (axis < lo || axis > hi) {
      std::string message = node.op_type() + "'s " + what.str() + " " +
                            std::to_string(axis) + " is out of range";
      if (rank)
        message += " for rank " + std::to_string(*rank);
      add(name, message);
      return;
    }
}

void Validator::checkShapeInput(const onnx::NodeProto &node,
                                const std::string &name, int inputIndex,
                                int64_t minValue) {
  if (inputIndex >= node.input_size())
    return;
  std::optional<SmallVector<int64_t>> values =
      getInt64Values(node.input(inputIndex));
  if (!values)
    return;
  int64_t n = 1;
  for (int64_t v : *values) {
    if (v < minValue) {
      add(name, node.op_type() + "'s shape input '" + node.input(inputIndex) +
                    "' holds " + std::to_string(v));
      return;
    }
    if (v > 0 && (llvm::MulOverflow(n, v, n) || n > kMaxElements)) {
      add(name, node.op_type() + "'s shape input '" + node.input(inputIndex) +
                    "' has more than 2^40 elements");
      return;
    }
  }
}

/// Ops whose `axis`/`axes` attribute counts the dims of their first input,
/// in [-rank, rank - 1].
static bool hasInputRankAxes(StringRef op) {
  static const StringRef ops[] = {
      "Concat",          "Gather",
      "GatherElements",  "Softmax",
      "LogSoftmax",      "Hardmax",
      "Split",           "LayerNormalization",
      "ArgMax",          "ArgMin",
      "Squeeze",         "Compress",
      "ScatterElements", "TopK",
      "LpNormalization", "MeanVarianceNormalization"};
  return op.starts_with("Reduce") || llvm::is_contained(ops, op);
}

void Validator::checkNode(const onnx::NodeProto &node,
                          const std::string &name) {
  if (!node.domain().empty() && node.domain() != "ai.onnx")
    return;
  StringRef op = node.op_type();
  bool isConv = op == "Conv" || op == "ConvTranspose" || op == "ConvInteger" ||
                op == "QLinearConv";
  bool isPool = op == "MaxPool" || op == "AveragePool" || op == "LpPool" ||
                op == "MaxUnpool";
  if (isConv || isPool) {
    for (StringRef attr : {"strides", "dilations", "kernel_shape"})
      checkInts(node, name, attr, 1, kMaxAttrSize);
    checkInts(node, name, "pads", 0, kMaxAttrSize);
    for (const auto &attr : node.attribute())
      if (attr.name() == "kernel_shape") {
        std::optional<int64_t> n = getNumElements(attr.ints());
        if (!n || *n > kMaxElements)
          add(name, node.op_type() + "'s kernel has more than 2^40 elements");
      }
    // The data and the weights have a batch (or output-channel) dim, a
    // channel dim and at least one spatial dim.
    int weightIndex = op == "QLinearConv" ? 3 : 1;
    for (int index : {0, weightIndex}) {
      if (index == weightIndex && !isConv)
        continue;
      std::optional<int64_t> rank = getRank(node, index);
      if (rank && *rank < 3)
        add(name, node.op_type() + "'s " + (index == 0 ? "input" : "weight") +
                      " '" + node.input(index) + "' has rank " +
                      std::to_string(*rank) + ", expected at least 3");
    }
  }
  if (isConv)
    checkInts(node, name, "group", 1, kMaxAttrSize);
  if (op == "ConvTranspose") {
    checkInts(node, name, "output_padding", 0, kMaxAttrSize);
    checkInts(node, name, "output_shape", 0, kMaxAttrSize);
  }
  if (op == "DepthToSpace" || op == "SpaceToDepth")
    checkInts(node, name, "blocksize", 1, int64_t(1) << 20);

  // Axes in attributes: within the rank where it is known, bounded anyway.
  std::optional<int64_t> rank = getRank(node, 0);
  for (const auto &attr : node.attribute()) {
    StringRef attrName = attr.name();
    if (attrName != "axis" && attrName != "axes" && attrName != "perm")
      continue;
    SmallVector<int64_t> values(attr.ints().begin(), attr.ints().end());
    if (attr.type() == onnx::AttributeProto::INT)
      values.push_back(attr.i());
    if (attrName == "perm") {
      int64_t limit = rank ? *rank : kMaxRank;
      for (int64_t v : values)
        if (v < 0 || v >= limit) {
          add(name, node.op_type() + "'s perm value " + std::to_string(v) +
                        " is out of range");
          break;
        }
      continue;
    }
    std::optional<int64_t> r;
    if (hasInputRankAxes(op))
      r = rank;
    else if (op == "Flatten" && rank)
      r = *rank + 1;
    else if (op == "Unsqueeze" && rank)
      r = *rank + (int64_t)values.size();
    checkAxes(node, name, attrName, values, r);
  }

  // Shapes and axes given as initializers.
  if (op == "Reshape")
    checkShapeInput(node, name, 1, -1);
  if (op == "Expand" || op == "Tile")
    checkShapeInput(node, name, 1, 0);
  if (op == "ConstantOfShape")
    checkShapeInput(node, name, 0, 0);
  if ((op == "Squeeze" || op == "Unsqueeze" || op.starts_with("Reduce")) &&
      node.input_size() > 1) {
    if (std::optional<SmallVector<int64_t>> axes =
            getInt64Values(node.input(1))) {
      std::optional<int64_t> r = rank;
      if (op == "Unsqueeze" && r)
        *r += (int64_t)axes->size();
      checkAxes(node, name, "axes", *axes, r);
    }
  }
}

void Validator::run() {
  llvm::StringSet<> defined;
  for (const auto &input : graph.input()) {
    checkValueInfo(input, "input");
    defined.insert(input.name());
  }
  for (const auto &output : graph.output())
    checkValueInfo(output, "output");
  for (const auto &info : graph.value_info())
    checkValueInfo(info, "value");
  llvm::StringSet<> initializerNames;
  for (const auto &init : graph.initializer()) {
    if (!initializerNames.insert(init.name()).second)
      add("", "initializer '" + init.name() + "' is defined twice");
    checkTensor(init, "");
    ranks[init.name()] = init.dims_size();
    defined.insert(init.name());
  }
  for (auto [index, node] : llvm::enumerate(graph.node())) {
    std::string name = getNodeName(node, index);
    for (const std::string &input : node.input())
      if (!input.empty() && !defined.contains(input))
        add(name, "input '" + input + "' is not defined before its use");
    for (const auto &attr : node.attribute())
      if (attr.has_t())
        checkTensor(attr.t(), name);
    checkNode(node, name);
    for (const std::string &output : node.output())
      if (!output.empty())
        defined.insert(output);
  }
  for (const auto &output : graph.output())
    if (!defined.contains(output.name()))
      add("", "graph output '" + output.name() + "' is never computed");
}

LogicalResult validateModel(const onnx::ModelProto &model, StringRef modelDir,
                            Location fileLoc) {
  Validator validator(model.graph(), modelDir);
  validator.run();
  MLIRContext *ctx = fileLoc.getContext();
  auto locate = [&](const std::string &node) -> Location {
    if (node.empty())
      return fileLoc;
    return NameLoc::get(StringAttr::get(ctx, node), fileLoc);
  };
  unsigned reported = 0;
  for (const Problem &problem : validator.problems) {
    if (reported++ >= kMaxProblems)
      continue;
    if (problem.tensor)
      (void)emitDecodeError(locate(problem.node), *problem.tensor,
                            problem.error);
    else
      emitError(locate(problem.node)) << problem.message;
  }
  if (reported > kMaxProblems)
    emitError(fileLoc) << "and " << reported - kMaxProblems
                       << " more problem(s)";
  return success(reported == 0);
}

} // namespace tessera::onnx_validate
