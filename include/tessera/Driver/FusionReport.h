//===- FusionReport.h - where each ONNX node ended --------------*- C++ -*-===//
//
// Part of Tessera. `tessera-compile --report=fusion`: the ONNX nodes recorded
// right after import (from their ops' NameLocs), and after the `nn` stage
// where each of them ended: fused into an `nn.fused` group, recognized as an
// op that merged several nodes, folded away, or unfused (with a reason).
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_DRIVER_FUSIONREPORT_H
#define TESSERA_DRIVER_FUSIONREPORT_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <optional>
#include <string>
#include <vector>

namespace tessera {

/// One ONNX node as imported: its name and op type.
struct ONNXNodeRecord {
  std::string name;
  std::string opType;
};

/// The ONNX nodes of a freshly imported module, in graph order (the
/// initializers' constants, which the importer emits first, are not nodes).
std::vector<ONNXNodeRecord> recordONNXNodes(mlir::ModuleOp module);

/// Where the nodes ended after the `nn` stage.
struct FusionReport {
  struct Node {
    std::string name;
    std::string opType;
    /// "fused", "recognized", "folded" or "unfused".
    std::string status;
    /// The group of a fused node.
    std::optional<unsigned> group;
    /// In a group: "anchor", "epilogue" or "elementwise".
    std::string role;
    /// Why a node is unfused, or what it became.
    std::string reason;
    /// The node (or op) a folded or recognized node went into.
    std::string into;
  };
  struct Group {
    unsigned id = 0;
    std::string kind;
    /// The anchor's node; empty for "elementwise" groups.
    std::string anchor;
    std::vector<std::string> nodes;
  };
  std::string model;
  bool fusionEnabled = true;
  std::vector<Node> nodes;
  std::vector<Group> groups;
};

/// Builds the report for `module` after the `nn` stage.
FusionReport buildFusionReport(llvm::StringRef model,
                               llvm::ArrayRef<ONNXNodeRecord> nodes,
                               mlir::ModuleOp module, bool fusionEnabled);

/// `summary: N nodes, G groups; F fused, R recognized, D folded, U unfused`.
std::string getFusionSummary(const FusionReport &report);

/// The report as a table, one row per node, then the groups and the summary.
void printFusionTable(const FusionReport &report, llvm::raw_ostream &os);

/// The report as JSON: `{"model", "fusion_enabled", "nodes": [{"name",
/// "op_type", "status", "group", "role", "reason", "into"}], "groups":
/// [{"id", "kind", "anchor", "nodes"}], "summary": {...}}`. Back ends add
/// their own per-node fields.
llvm::json::Value toJSON(const FusionReport &report);

} // namespace tessera

#endif // TESSERA_DRIVER_FUSIONREPORT_H
