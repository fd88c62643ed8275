//===- FusionReport.cpp - where each ONNX node ended ----------------------===//
//
// Part of Tessera.
//
//===----------------------------------------------------------------------===//

#include "tessera/Driver/FusionReport.h"
#include "NN/NNOps.h"
#include "tessera/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"

using namespace mlir;

namespace tessera {

/// The ONNX op type of an nn op ("nn.conv" -> "Conv").
static StringRef getONNXType(StringRef nnName) {
  static const llvm::StringMap<StringRef> types = [] {
    llvm::StringMap<StringRef> map;
#define NN_ONNX_OP(ONNX, NN, ...) map[NN] = ONNX;
#include "NN/NNOnnxNames.def"
#undef NN_ONNX_OP
    map["nn.constant"] = "Constant";
    return map;
  }();
  auto it = types.find(nnName);
  return it == types.end() ? nnName : it->second;
}

/// The ONNX node names in `loc` (a NameLoc, or several in a FusedLoc), in
/// order, each once.
static SmallVector<std::string> getNodeNames(Location loc) {
  SmallVector<StringRef> names = nn::getONNXNodeNames(loc);
  return SmallVector<std::string>(names.begin(), names.end());
}

std::vector<ONNXNodeRecord> recordONNXNodes(ModuleOp module) {
  std::vector<ONNXNodeRecord> records;
  llvm::StringSet<> seen;
  module.walk([&](func::FuncOp func) {
    bool initializers = true;
    for (Operation &op : func.getBody().getOps()) {
      if (isa<nn::NoneOp>(op))
        continue;
      bool constant = isa<nn::ConstantOp>(op);
      initializers &= constant;
      auto name = dyn_cast<NameLoc>(op.getLoc());
      if (initializers || !name || op.hasTrait<OpTrait::IsTerminator>())
        continue;
      std::string node = name.getName().str();
      if (seen.insert(node).second)
        records.push_back(
            {node, getONNXType(op.getName().getStringRef()).str()});
    }
  });
  return records;
}

static bool isOneOf(Operation *op, ArrayRef<StringRef> names) {
  return llvm::is_contained(names, op->getName().getStringRef());
}

/// Why `op`, outside any group, was not fused.
static std::string getUnfusedReason(Operation *op, bool fusionEnabled) {
  if (!fusionEnabled)
    return "fusion disabled (--fuse=false)";
  if (isOneOf(op, {"nn.reshape", "nn.transpose", "nn.concat", "nn.slice",
                   "nn.gather", "nn.flatten", "nn.squeeze", "nn.unsqueeze",
                   "nn.expand", "nn.split", "nn.pad", "nn.tile", "nn.shape",
                   "nn.depth_to_space", "nn.space_to_depth", "nn.resize",
                   "nn.identity", "nn.cast"}))
    return "data movement";
  if (isOneOf(op, {"nn.softmax", "nn.log_softmax"}))
    return "softmax (reduction)";
  if (isOneOf(op, {"nn.layer_normalization", "nn.instance_normalization"}))
    return "normalization (reduction)";
  if (isOneOf(op, {"nn.average_pool", "nn.max_pool", "nn.global_average_pool",
                   "nn.global_max_pool"}))
    return "pooling (reduction)";
  if (op->getName().getStringRef().starts_with("nn.reduce_") ||
      isOneOf(op, {"nn.arg_max", "nn.arg_min"}))
    return "reduction";
  if (!nn::FusedOp::getAnchorKind(op).empty()) {
    if (op->getNumResults() == 1 && !op->getResult(0).hasOneUse())
      return "output has several uses";
    return "no fusible epilogue after it";
  }
  bool elementwise =
      isEpilogueActivation(op) ||
      isOneOf(op, {"nn.abs", "nn.neg", "nn.sqrt", "nn.exp", "nn.log", "nn.erf",
                   "nn.reciprocal", "nn.floor", "nn.ceil", "nn.round", "nn.add",
                   "nn.sub", "nn.mul", "nn.div", "nn.pow", "nn.max", "nn.min",
                   "nn.prelu", "nn.batch_normalization"});
  if (elementwise) {
    SmallVector<Value> inputs;
    for (Value operand : op->getOperands())
      if (!isa<NoneType>(operand.getType()) &&
          !operand.getDefiningOp<nn::ConstantOp>())
        inputs.push_back(operand);
    if (llvm::any_of(inputs, [](Value input) { return !input.hasOneUse(); }))
      return "input has several uses";
    return "no anchor or elementwise neighbour to fuse with";
  }
  return "not an epilogue or elementwise op";
}

FusionReport buildFusionReport(StringRef model,
                               ArrayRef<ONNXNodeRecord> records,
                               ModuleOp module, bool fusionEnabled) {
  FusionReport report;
  report.model = model.str();
  report.fusionEnabled = fusionEnabled;
  llvm::StringMap<StringRef> opTypes;
  for (const ONNXNodeRecord &record : records)
    opTypes[record.name] = record.opType;
  llvm::StringMap<FusionReport::Node> where;
  // Constants built by folding carry the names of every op they came from,
  // also those of an op that survives (a bias folded from an Add into a
  // Conv names the Conv too): they decide only for nodes no op names.
  llvm::StringMap<FusionReport::Node> intoConstant;
  auto set = [&](const std::string &name, FusionReport::Node node) {
    // The first op that names a node decides (an op's own node comes
    // before the nodes folded into it).
    if (!where.count(name))
      where[name] = std::move(node);
  };

  /// Sets the status of the nodes of `op` (outside or inside a group).
  auto visit = [&](Operation *op, const FusionReport::Node &base) {
    SmallVector<std::string> names = getNodeNames(op->getLoc());
    if (names.empty())
      return;
    if (isa<nn::ConstantOp>(op)) {
      for (const std::string &name : names)
        if (!intoConstant.count(name))
          intoConstant[name] = {name, "", "folded", {}, "", "into a constant",
                                ""};
      return;
    }
    // An op that kept its own node and absorbed others (e.g. BatchNorm
    // folded into a Conv), or one that replaces several nodes (a recognized
    // pattern: its type is none of theirs).
    auto own = opTypes.find(names.front());
    bool keepsOwn = names.size() == 1 ||
                    (own != opTypes.end() &&
                     own->second == getONNXType(op->getName().getStringRef()));
    for (auto [i, name] : llvm::enumerate(names)) {
      FusionReport::Node node = base;
      node.name = name;
      if (keepsOwn && i > 0) {
        node.status = node.status == "fused" ? node.status : "folded";
        if (node.status == "fused")
          node.role = "folded";
        node.reason = "folded into node '" + names.front() + "'";
        node.into = names.front();
      } else if (!keepsOwn) {
        if (node.status != "fused")
          node.status = "recognized";
        node.reason = "recognized as " + op->getName().getStringRef().str();
        node.into = op->getName().getStringRef().str();
      } else if (node.status == "unfused") {
        node.reason = getUnfusedReason(op, fusionEnabled);
      }
      set(name, node);
    }
  };

  module.walk([&](func::FuncOp func) {
    for (Operation &op : func.getBody().getOps()) {
      auto fused = dyn_cast<nn::FusedOp>(op);
      if (!fused) {
        visit(&op, {"", "", "unfused", {}, "", "", ""});
        continue;
      }
      FusionReport::Group group;
      group.id = report.groups.size();
      group.kind = fused.getKind().str();
      Operation *anchor = fused.getAnchor();
      if (anchor) {
        SmallVector<std::string> names = getNodeNames(anchor->getLoc());
        if (!names.empty())
          group.anchor = names.front();
      }
      for (Operation &inner : fused.getBody().front().without_terminator()) {
        std::string role = &inner == anchor              ? "anchor"
                           : group.kind == "elementwise" ? "elementwise"
                                                         : "epilogue";
        visit(&inner, {"", "", "fused", group.id, role, "", ""});
        if (isa<nn::ConstantOp, nn::NoneOp>(inner))
          continue;
        for (const std::string &name : getNodeNames(inner.getLoc()))
          group.nodes.push_back(name);
      }
      report.groups.push_back(std::move(group));
    }
  });

  for (const ONNXNodeRecord &record : records) {
    auto it = where.find(record.name);
    bool found = it != where.end();
    if (!found) {
      it = intoConstant.find(record.name);
      found = it != intoConstant.end();
    }
    FusionReport::Node node;
    if (!found)
      node = {record.name,
              "",
              "folded",
              {},
              "",
              "removed or folded into "
              "constants",
              ""};
    else
      node = it->second;
    node.opType = record.opType;
    if (node.status != "fused") {
      node.group.reset();
      node.role.clear();
    }
    report.nodes.push_back(std::move(node));
  }
  return report;
}

std::string getFusionSummary(const FusionReport &report) {
  unsigned fused = 0, recognized = 0, folded = 0, unfused = 0;
  for (const FusionReport::Node &node : report.nodes) {
    fused += node.status == "fused";
    recognized += node.status == "recognized";
    folded += node.status == "folded";
    unfused += node.status == "unfused";
  }
  return "summary: " + std::to_string(report.nodes.size()) + " nodes, " +
         std::to_string(report.groups.size()) + " groups; " +
         std::to_string(fused) + " fused, " + std::to_string(recognized) +
         " recognized, " + std::to_string(folded) + " folded, " +
         std::to_string(unfused) + " unfused";
}

void printFusionTable(const FusionReport &report, llvm::raw_ostream &os) {
  os << "Fusion report: " << report.model
     << (report.fusionEnabled ? "" : " (fusion disabled)") << "\n";
  size_t nameWidth = 4, typeWidth = 7;
  for (const FusionReport::Node &node : report.nodes) {
    nameWidth = std::max(nameWidth, node.name.size());
    typeWidth = std::max(typeWidth, node.opType.size());
  }
  auto pad = [&](StringRef text, size_t width) {
    os << text;
    os.indent(width + 2 - std::min(width, text.size()));
  };
  pad("node", nameWidth);
  pad("op type", typeWidth);
  pad("status", 10);
  pad("group", 5);
  pad("role", 11);
  os << "detail\n";
  for (const FusionReport::Node &node : report.nodes) {
    pad(node.name, nameWidth);
    pad(node.opType, typeWidth);
    pad(node.status, 10);
    pad(node.group ? "G" + std::to_string(*node.group) : "-", 5);
    StringRef role = node.role.empty() ? "-" : node.role;
    if (node.reason.empty())
      os << role << "\n";
    else {
      pad(role, 11);
      os << node.reason << "\n";
    }
  }
  os << "groups:\n";
  for (const FusionReport::Group &group : report.groups) {
    os << "  G" << group.id << " " << group.kind;
    if (!group.anchor.empty())
      os << " (anchor '" << group.anchor << "')";
    os << ": " << llvm::join(group.nodes, ", ") << "\n";
  }
  os << getFusionSummary(report) << "\n";
}

llvm::json::Value toJSON(const FusionReport &report) {
  llvm::json::Array nodes, groups;
  unsigned fused = 0, recognized = 0, folded = 0, unfused = 0;
  for (const FusionReport::Node &node : report.nodes) {
    fused += node.status == "fused";
    recognized += node.status == "recognized";
    folded += node.status == "folded";
    unfused += node.status == "unfused";
    llvm::json::Object object{
        {"name", node.name}, {"op_type", node.opType}, {"status", node.status}};
    object["group"] = node.group ? llvm::json::Value(int64_t(*node.group))
                                 : llvm::json::Value(nullptr);
    object["role"] = node.role.empty() ? llvm::json::Value(nullptr)
                                       : llvm::json::Value(node.role);
    object["reason"] = node.reason.empty() ? llvm::json::Value(nullptr)
                                           : llvm::json::Value(node.reason);
    object["into"] = node.into.empty() ? llvm::json::Value(nullptr)
                                       : llvm::json::Value(node.into);
    nodes.push_back(std::move(object));
  }
  for (const FusionReport::Group &group : report.groups) {
    llvm::json::Array members;
    for (const std::string &name : group.nodes)
      members.push_back(name);
    groups.push_back(llvm::json::Object{
        {"id", int64_t(group.id)},
        {"kind", group.kind},
        {"anchor", group.anchor.empty() ? llvm::json::Value(nullptr)
                                        : llvm::json::Value(group.anchor)},
        {"nodes", std::move(members)}});
  }
  return llvm::json::Object{
      {"model", report.model},
      {"fusion_enabled", report.fusionEnabled},
      {"nodes", std::move(nodes)},
      {"groups", std::move(groups)},
      {"summary", llvm::json::Object{{"nodes", int64_t(report.nodes.size())},
                                     {"groups", int64_t(report.groups.size())},
                                     {"fused", int64_t(fused)},
                                     {"recognized", int64_t(recognized)},
                                     {"folded", int64_t(folded)},
                                     {"unfused", int64_t(unfused)}}}};
}

} // namespace tessera
