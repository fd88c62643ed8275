//===- Place.cpp - host or NPU for each op of a quantized graph -----------===//
//
// Part of Tessera. Implements placeModule (tessera/Codegen/NPU/Placement.h):
// matches the NPU layers, tiles them for a hardware description, applies the
// cost rule and the placement overrides, writes npu.place/npu.reason; and
// `tessera-npu-place`, which calls it for the module's hardware with the
// placement file's entries and writes the placement report.
//
//===----------------------------------------------------------------------===//

#include "Layers.h"
#include "tessera/Codegen/NPU/Passes.h"
#include "tessera/Codegen/NPU/Placement.h"

#include "mlir/IR/Matchers.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"

#include <memory>
#include <set>

namespace tessera {
#define GEN_PASS_DEF_NPUPLACE
#include "tessera/Codegen/NPU/Passes.h.inc"
} // namespace tessera

using namespace mlir;
using namespace tessera;
using namespace tessera::npu;

namespace {

/// A matched layer and what the placement decided for it.
struct Candidate {
  MatchedLayer match;
  LayerCost cost;
  bool npu = false;
  bool forcedNPU = false;
  std::string reason;
  int64_t segment = -1;
};

/// Ops that get no placement: constants and terminators.
bool isPlaced(Operation *op) {
  return !op->hasTrait<OpTrait::IsTerminator>() &&
         !op->hasTrait<OpTrait::ConstantLike>();
}

std::string getOpNames(ArrayRef<Operation *> ops) {
  SmallVector<StringRef> names;
  for (Operation *op : ops)
    names.push_back(op->getName().getStringRef());
  return llvm::join(names, "+");
}

StringRef getKindName(MatchedLayer::Kind kind) {
  switch (kind) {
  case MatchedLayer::Kind::Conv:
    return "conv";
  case MatchedLayer::Kind::MatMul:
    return "matmul";
  case MatchedLayer::Kind::MaxPool:
    return "maxpool";
  case MatchedLayer::Kind::GlobalSum:
    return "globalsum";
  case MatchedLayer::Kind::AvgPool:
    return "avgpool";
  case MatchedLayer::Kind::Add:
    return "add";
  case MatchedLayer::Kind::Lut:
    return "lut";
  }
  llvm_unreachable("unknown layer kind");
}

/// The cost rule's host time of `layer`: MACs, or one operation per input
/// element of a pooling or an elementwise layer, at `hostGmacs`.
double getHostMicroseconds(const MatchedLayer &layer, double hostGmacs) {
  uint64_t work = layer.isPool() || layer.isEltwise() ? layer.getInputBytes()
                                                      : layer.getMacs();
  return double(work) / (hostGmacs * 1e3);
}

uint64_t getValueBytes(Value value) {
  auto type = dyn_cast<ShapedType>(value.getType());
  if (!type || !type.hasStaticShape())
    return 0;
  return uint64_t(type.getNumElements()) *
         ((type.getElementTypeBitWidth() + 7) / 8);
}

/// The boundary traffic of a segment: its distinct inputs produced outside
/// it and its outputs read outside it (as tessera-npu-outline builds its
/// tensor table).
PlacementSegment describeSegment(ArrayRef<MatchedLayer *> layers) {
  PlacementSegment segment;
  segment.layers = layers.size();
  llvm::DenseSet<Operation *> segmentOps;
  llvm::DenseSet<Value> produced;
  for (MatchedLayer *layer : layers) {
    segmentOps.insert(layer->ops.begin(), layer->ops.end());
    produced.insert(layer->output);
  }
  llvm::DenseSet<Value> inputs;
  for (MatchedLayer *layer : layers)
    for (Value input : {layer->input, layer->input2})
      if (input && !produced.contains(input) && inputs.insert(input).second)
        segment.inputBytes += getValueBytes(input);
  for (MatchedLayer *layer : layers)
    if (llvm::any_of(layer->output.getUsers(), [&](Operation *user) {
          return !segmentOps.contains(user);
        }))
      segment.outputBytes += getValueBytes(layer->output);
  return segment;
}

/// Places one function (see placeModule).
LogicalResult placeFunction(func::FuncOp func, const HardwareDesc &hw,
                            const PlacementOptions &options,
                            llvm::StringMap<bool> &usedOverrides,
                            Placement &placement) {
  if (func.isExternal())
    return success();
  Block &block = func.getBody().front();
  std::vector<std::unique_ptr<Candidate>> candidates;
  llvm::DenseMap<Operation *, Candidate *> opCandidate;
  llvm::DenseMap<Operation *, std::string> hostReasons;
  const std::string &placementFile = options.placementFile;

  // Match and tile every layer.
  for (Operation &op : block) {
    // An op of an earlier layer (a conv's lookup table, an Add's second
    // cast) roots none of its own.
    if (!isLayerAnchor(&op) || opCandidate.contains(&op))
      continue;
    std::string reason;
    Operation *reasonOp = nullptr;
    // The outlining reads the weights; the placement needs the shapes.
    std::optional<MatchedLayer> match =
        matchLayer(&op, hw, reason, reasonOp, /*readWeights=*/false);
    if (!match) {
      hostReasons[&op] = reason;
      if (reasonOp && reasonOp != &op)
        hostReasons[reasonOp] = reason;
      continue;
    }
    auto candidate = std::make_unique<Candidate>();
    candidate->match = std::move(*match);
    llvm::Expected<LayerCost> cost =
        tileLayer(candidate->match, hw, "", options.greedy);
    if (!cost) {
      std::string message = llvm::toString(cost.takeError());
      if (options.strict)
        return op.emitError()
               << "cannot run on the NPU '" << hw.name << "': " << message;
      candidate->reason = message;
    } else {
      candidate->cost = *cost;
      candidate->npu = true;
    }
    for (Operation *layerOp : candidate->match.ops)
      opCandidate[layerOp] = candidate.get();
    candidates.push_back(std::move(candidate));
  }

  // The placement overrides.
  for (auto &entry : options.overrides) {
    StringRef name = entry.getKey();
    bool npu = entry.getValue() == "npu";
    bool found = false;
    for (Operation &op : block) {
      if (!isPlaced(&op))
        continue;
      Candidate *candidate = opCandidate.lookup(&op);
      std::string names =
          getNodeNames(candidate ? candidate->match.getLoc() : op.getLoc());
      SmallVector<StringRef> parts;
      StringRef(names).split(parts, '+');
      if (!llvm::is_contained(parts, name))
        continue;
      found = true;
      if (candidate && candidate->match.getAnchor() != &op)
        continue; // the layer is handled at its anchor
      if (!npu) {
        if (candidate) {
          candidate->npu = false;
          candidate->reason =
              "placed on the host by placement file '" + placementFile + "'";
        }
        continue;
      }
      if (!candidate || !candidate->reason.empty()) {
        std::string why =
            candidate ? candidate->reason : hostReasons.lookup(&op);
        if (why.empty())
          why = kNotInRepertoire.str();
        return op.emitError()
               << "placement file '" << placementFile << "': entry \"" << name
               << "\": \"npu\", but the NPU cannot run it: " << why;
      }
      candidate->forcedNPU = true;
    }
    if (found)
      usedOverrides[name] = true;
  }

  // The cost rule, for layers that would form a segment of their own.
  auto getNPULayers = [&] {
    SmallVector<MatchedLayer *> layers;
    for (auto &candidate : candidates)
      if (candidate->npu)
        layers.push_back(&candidate->match);
    return layers;
  };
  makeContiguous(getNPULayers());
  if (options.costRule) {
    for (auto &segment : groupSegments(block, getNPULayers())) {
      if (segment.size() != 1)
        continue;
      Candidate *candidate = opCandidate.lookup(segment.front()->getAnchor());
      if (candidate->forcedNPU)
        continue;
      const MatchedLayer &layer = candidate->match;
      double hostUs = getHostMicroseconds(layer, options.hostGmacs);
      double computeUs = double(candidate->cost.cycles) / hw.clockMHz;
      uint64_t bytes = layer.getInputBytes() + layer.getOutputBytes();
      double transferUs = double(bytes) / (options.hostGbps * 1e3);
      if (hostUs >= computeUs + transferUs)
        continue;
      candidate->npu = false;
      candidate->reason = llvm::formatv(
          "cheaper on the host: {0:f2} us at {1:f1} GMAC/s vs {2:f2} us on "
          "the NPU ({3:f2} us compute + {4:f2} us moving {5} bytes at {6:f1} "
          "GB/s)",
          hostUs, options.hostGmacs, computeUs + transferUs, computeUs,
          transferUs, bytes, options.hostGbps);
    }
  }
  for (auto &segment : groupSegments(block, getNPULayers())) {
    int64_t index = placement.segments.size();
    for (MatchedLayer *layer : segment)
      opCandidate.lookup(layer->getAnchor())->segment = index;
    PlacementSegment described = describeSegment(segment);
    described.function = func.getSymName().str();
    described.index = index;
    placement.segments.push_back(std::move(described));
  }

  // Attributes and rows, in block order.
  MLIRContext *context = func.getContext();
  for (Operation &op : block) {
    if (!isPlaced(&op))
      continue;
    Candidate *candidate = opCandidate.lookup(&op);
    if (candidate && candidate->npu) {
      op.setAttr(kPlaceAttrName, StringAttr::get(context, "npu"));
      op.removeAttr(kReasonAttrName);
      if (candidate->match.getAnchor() == &op)
        op.setAttr(
            kTilingAttrName,
            StringAttr::get(context, candidate->match.getTilingString()));
    } else {
      std::string reason =
          candidate ? candidate->reason : hostReasons.lookup(&op);
      if (reason.empty())
        reason = kNotInRepertoire.str();
      op.setAttr(kPlaceAttrName, StringAttr::get(context, "host"));
      op.setAttr(kReasonAttrName, StringAttr::get(context, reason));
      op.removeAttr(kTilingAttrName);
    }
    if (candidate && candidate->match.getAnchor() != &op)
      continue;
    PlacementRow row;
    row.function = func.getSymName().str();
    if (candidate) {
      const MatchedLayer &layer = candidate->match;
      row.node = layer.getLayerName();
      row.op = getOpNames(layer.ops);
      row.kind = getKindName(layer.kind).str();
      row.npu = candidate->npu;
      row.reason = candidate->npu ? "" : candidate->reason;
      row.macs = layer.getMacs();
      row.inputBytes = layer.getInputBytes();
      row.outputBytes = layer.getOutputBytes();
      row.hostMicroseconds = getHostMicroseconds(layer, options.hostGmacs);
      if (candidate->npu) {
        row.tiling = layer.getTilingString();
        row.cost = candidate->cost;
        row.segment = candidate->segment;
      }
    } else {
      row.node = getNodeNames(op.getLoc());
      row.op = op.getName().getStringRef().str();
      row.reason = cast<StringAttr>(op.getAttr(kReasonAttrName)).str();
    }
    placement.rows.push_back(std::move(row));
  }
  return success();
}

struct NPUPlacePass : tessera::impl::NPUPlaceBase<NPUPlacePass> {
  using NPUPlaceBase::NPUPlaceBase;

  void runOnOperation() override;

private:
  LogicalResult readPlacementFile(llvm::StringMap<std::string> &entries);
  void writeReport(const HardwareDesc &hw, ArrayRef<PlacementRow> rows);
};

LogicalResult
NPUPlacePass::readPlacementFile(llvm::StringMap<std::string> &entries) {
  ModuleOp module = getOperation();
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buffer =
      llvm::MemoryBuffer::getFile(placementFile);
  if (!buffer)
    return module.emitError() << "cannot open placement file '" << placementFile
                              << "': " << buffer.getError().message();
  llvm::Expected<llvm::json::Value> json =
      llvm::json::parse((*buffer)->getBuffer());
  if (!json)
    return module.emitError()
           << "placement file '" << placementFile
           << "' is not valid JSON: " << llvm::toString(json.takeError());
  const llvm::json::Object *object = json->getAsObject();
  if (!object)
    return module.emitError()
           << "placement file '" << placementFile
           << "' must hold one JSON object {\"<ONNX node name>\": "
              "\"host\" | \"npu\", ...}";
  for (const auto &[key, value] : *object) {
    std::optional<StringRef> place = value.getAsString();
    if (!place || (*place != "host" && *place != "npu")) {
      std::string text;
      llvm::raw_string_ostream os(text);
      os << value;
      return module.emitError() << "placement file '" << placementFile
                                << "': entry \"" << key.str() << "\": " << text
                                << " is neither \"host\" nor \"npu\"";
    }
    entries[key.str()] = place->str();
  }
  return success();
}

void NPUPlacePass::writeReport(const HardwareDesc &hw,
                               ArrayRef<PlacementRow> rows) {
  if (report) {
    llvm::raw_ostream &os = llvm::outs();
    unsigned npuLayers = 0, hostOps = 0;
    std::set<int64_t> segments;
    for (const PlacementRow &row : rows) {
      if (row.npu) {
        ++npuLayers;
        segments.insert(row.segment);
      } else {
        ++hostOps;
      }
    }
    os << "placement on " << hw.name << ": " << npuLayers
       << " layers on the NPU in " << segments.size() << " segments, "
       << hostOps << " ops on the host\n";
    os << llvm::formatv("{0,-24} {1,-36} {2,-5} {3,7} {4,10}  {5}\n", "node",
                        "op", "place", "segment", "cycles", "tiling / reason");
    for (const PlacementRow &row : rows) {
      std::string node = row.node.empty() ? "-" : row.node;
      std::string segment =
          row.segment >= 0 ? "segment_" + std::to_string(row.segment) : "-";
      std::string cycles =
          row.npu ? std::to_string(row.cost.cycles) : std::string("-");
      os << llvm::formatv("{0,-24} {1,-36} {2,-5} {3,7} {4,10}  {5}\n", node,
                          row.op, row.npu ? "npu" : "host", segment, cycles,
                          row.npu ? row.tiling : row.reason);
    }
  }
  if (reportJSON.empty())
    return;
  auto write = [&](llvm::raw_ostream &os) {
    llvm::json::OStream json(os, /*IndentSize=*/2);
    json.object([&] {
      json.attribute("hardware", hw.name);
      json.attributeArray("nodes", [&] {
        for (const PlacementRow &row : rows) {
          json.object([&] {
            json.attribute("function", row.function);
            json.attribute("node", row.node);
            json.attribute("op", row.op);
            json.attribute("place", row.npu ? "npu" : "host");
            if (row.npu) {
              json.attribute("segment",
                             "segment_" + std::to_string(row.segment));
              json.attribute("tiling", row.tiling);
              json.attribute("predicted_cycles", int64_t(row.cost.cycles));
            } else {
              json.attribute("reason", row.reason);
            }
          });
        }
      });
    });
    os << "\n";
  };
  if (reportJSON == "-") {
    write(llvm::outs());
    return;
  }
  std::error_code error;
  llvm::raw_fd_ostream file(reportJSON, error, llvm::sys::fs::OF_Text);
  if (error) {
    getOperation().emitError() << "cannot write placement report '"
                               << reportJSON << "': " << error.message();
    return signalPassFailure();
  }
  write(file);
}

void NPUPlacePass::runOnOperation() {
  ModuleOp module = getOperation();
  if (tiling != "search" && tiling != "greedy") {
    module.emitError() << "unknown tiling policy '" << tiling
                       << "' (search, greedy)";
    return signalPassFailure();
  }
  FailureOr<HardwareDesc> desc = getModuleHardware(module, hw);
  if (failed(desc))
    return signalPassFailure();
  PlacementOptions options;
  options.strict = strict;
  options.greedy = tiling == "greedy";
  options.costRule = costRule;
  options.hostGmacs = hostGmacs;
  options.hostGbps = hostGbps;
  options.placementFile = placementFile;
  if (!placementFile.empty() && failed(readPlacementFile(options.overrides)))
    return signalPassFailure();
  FailureOr<Placement> placement = placeModule(module, *desc, options);
  if (failed(placement))
    return signalPassFailure();
  writeReport(*desc, placement->rows);
}

} // namespace

FailureOr<Placement>
tessera::npu::placeModule(ModuleOp module, const HardwareDesc &hw,
                          const PlacementOptions &options) {
  Placement placement;
  llvm::StringMap<bool> usedOverrides;
  for (auto func : module.getOps<func::FuncOp>())
    if (failed(placeFunction(func, hw, options, usedOverrides, placement)))
      return failure();
  for (auto &entry : options.overrides) {
    if (usedOverrides.lookup(entry.getKey()))
      continue;
    return module.emitError()
           << "placement file '" << options.placementFile << "': entry \""
           << entry.getKey() << "\": no ONNX node of that name";
  }
  return placement;
}
