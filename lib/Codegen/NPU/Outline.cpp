//===- Outline.cpp - segments of NPU layers as npu.programs ---------------===//
//
// Part of Tessera. Implements `tessera-npu-outline`: each run of layers
// placed on the NPU becomes an npu.program (tensor table, DRAM allocation,
// packed constants, one npu.layer of instructions per layer) and the host
// function launches it between layout transposes.
//
//===----------------------------------------------------------------------===//

#include "Layers.h"
#include "NN/NNOps.h"
#include "tessera/Codegen/NPU/Passes.h"

#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/SetVector.h"

#include <memory>

namespace tessera {
#define GEN_PASS_DEF_NPUOUTLINE
#include "tessera/Codegen/NPU/Passes.h.inc"
} // namespace tessera

using namespace mlir;
using namespace tessera;
using namespace tessera::npu;

namespace {

/// DRAM alignment of every tensor and constant block.
constexpr uint64_t kDramAlign = 64;

uint64_t alignTo(uint64_t value) {
  return (value + kDramAlign - 1) / kDramAlign * kDramAlign;
}

/// First-fit allocation of intermediates, reusing freed blocks.
class IntermediateAllocator {
public:
  explicit IntermediateAllocator(uint64_t base) : top(base) {}

  uint64_t allocate(uint64_t bytes) {
    bytes = alignTo(bytes);
    for (auto it = freeBlocks.begin(); it != freeBlocks.end(); ++it) {
      if (it->second < bytes)
        continue;
      uint64_t addr = it->first;
      if (it->second == bytes) {
        freeBlocks.erase(it);
      } else {
        it->first += bytes;
        it->second -= bytes;
      }
      return addr;
    }
    uint64_t addr = top;
    top += bytes;
    return addr;
  }

  void release(uint64_t addr, uint64_t bytes) {
    bytes = alignTo(bytes);
    auto it = llvm::lower_bound(freeBlocks, addr,
                                [](const std::pair<uint64_t, uint64_t> &block,
                                   uint64_t a) { return block.first < a; });
    it = freeBlocks.insert(it, {addr, bytes});
    // Merge with the following and the preceding block.
    if (it + 1 != freeBlocks.end() &&
        it->first + it->second == (it + 1)->first) {
      it->second += (it + 1)->second;
      freeBlocks.erase(it + 1);
    }
    if (it != freeBlocks.begin() &&
        (it - 1)->first + (it - 1)->second == it->first) {
      (it - 1)->second += it->second;
      freeBlocks.erase(it);
    }
  }

  uint64_t getTop() const { return top; }

private:
  uint64_t top;
  SmallVector<std::pair<uint64_t, uint64_t>> freeBlocks;
};

/// A layer of a segment (tiled).
struct SegmentLayer {
  MatchedLayer match;
};

/// The NPU (DRAM) type of an activation: NHWC for the convolutions' rank-4
/// NCHW tensors, the host type for matrix products.
RankedTensorType getDeviceType(Value value, bool nhwc) {
  auto type = cast<RankedTensorType>(value.getType());
  if (!nhwc)
    return type;
  ArrayRef<int64_t> s = type.getShape();
  return RankedTensorType::get({s[0], s[2], s[3], s[1]}, type.getElementType());
}

uint64_t getBytes(RankedTensorType type) {
  return uint64_t(type.getNumElements()) *
         (type.getElementType().getIntOrFloatBitWidth() / 8);
}

struct NPUOutlinePass : tessera::impl::NPUOutlineBase<NPUOutlinePass> {
  using NPUOutlineBase::NPUOutlineBase;

  void runOnOperation() override;

private:
  LogicalResult outlineSegment(ArrayRef<SegmentLayer *> layers,
                               const HardwareDesc &hw, int64_t index);
};

LogicalResult NPUOutlinePass::outlineSegment(ArrayRef<SegmentLayer *> layers,
                                             const HardwareDesc &hw,
                                             int64_t index) {
  ModuleOp module = getOperation();
  MLIRContext *context = module.getContext();
  std::string name = "segment_" + std::to_string(index);
  InstOpBuilder instOps(context);

  // Earlier segments replaced their outputs: read the inputs afresh.
  for (SegmentLayer *layer : layers) {
    layer->match.input = layer->match.getAnchor()->getOperand(0);
    if (layer->match.input2Reader)
      layer->match.input2 = layer->match.input2Reader->getOperand(0);
  }
  llvm::DenseSet<Operation *> segmentOps;
  llvm::DenseMap<Value, int64_t> producer;
  for (auto [i, layer] : llvm::enumerate(layers)) {
    for (Operation *op : layer->match.ops)
      segmentOps.insert(op);
    producer[layer->match.output] = i;
  }
  // Inputs (first use order) and outputs (layer order).
  llvm::SetVector<Value> inputs;
  llvm::DenseMap<Value, bool> inputIsConv;
  for (SegmentLayer *layer : layers) {
    for (Value input : {layer->match.input, layer->match.input2}) {
      if (!input || producer.contains(input))
        continue;
      inputs.insert(input);
      inputIsConv.try_emplace(input, layer->match.isNHWC());
    }
  }
  SmallVector<Value> outputs;
  for (SegmentLayer *layer : layers) {
    Value output = layer->match.output;
    if (llvm::any_of(output.getUsers(), [&](Operation *user) {
          return !segmentOps.contains(user);
        }))
      outputs.push_back(output);
  }
  // Last internal use of each layer output.
  llvm::DenseMap<Value, int64_t> lastUse;
  for (auto [i, layer] : llvm::enumerate(layers)) {
    lastUse[layer->match.input] = i;
    if (layer->match.input2)
      lastUse[layer->match.input2] = i;
  }

  // DRAM: inputs, outputs, intermediates (reused), constants.
  llvm::DenseMap<Value, uint64_t> addr;
  uint64_t top = 0;
  SmallVector<RankedTensorType> inputTypes, outputTypes;
  for (Value input : inputs) {
    RankedTensorType type = getDeviceType(input, inputIsConv.lookup(input));
    inputTypes.push_back(type);
    addr[input] = top;
    top = alignTo(top + getBytes(type));
  }
  for (Value output : outputs) {
    RankedTensorType type =
        getDeviceType(output, layers[producer.lookup(output)]->match.isNHWC());
    outputTypes.push_back(type);
    addr[output] = top;
    top = alignTo(top + getBytes(type));
  }
  llvm::DenseSet<Value> outputSet(outputs.begin(), outputs.end());
  IntermediateAllocator intermediates(top);
  llvm::DenseMap<Value, uint64_t> intermediateBytes;
  for (auto [i, layer] : llvm::enumerate(layers)) {
    Value output = layer->match.output;
    if (!outputSet.contains(output)) {
      uint64_t bytes = layer->match.getOutputBytes();
      addr[output] = intermediates.allocate(bytes);
      intermediateBytes[output] = bytes;
    }
    // Free the intermediates this layer reads last (and a dead output).
    for (Value value : {layer->match.input, layer->match.input2, output}) {
      if (!value)
        continue;
      auto it = intermediateBytes.find(value);
      if (it == intermediateBytes.end())
        continue;
      auto last = lastUse.find(value);
      if (last != lastUse.end() && last->second > int64_t(i))
        continue;
      intermediates.release(addr[value], it->second);
      intermediateBytes.erase(it);
    }
  }
  top = alignTo(intermediates.getTop());
  SmallVector<uint64_t> constantAddrs;
  for (SegmentLayer *layer : layers) {
    constantAddrs.push_back(top);
    top = alignTo(top + getConstantBytes(layer->match, hw));
  }

  // The program.
  Location segmentLoc = [&] {
    SmallVector<Location> locs;
    for (SegmentLayer *layer : layers)
      locs.push_back(layer->match.getLoc());
    return FusedLoc::get(context, locs);
  }();
  OpBuilder builder(context);
  builder.setInsertionPointToEnd(module.getBody());
  auto program = ProgramOp::create(builder, segmentLoc, name);
  Block &body = program.getBody().front();
  builder.setInsertionPointToEnd(&body);
  for (auto [i, type] : llvm::enumerate(inputTypes))
    TensorOp::create(builder, segmentLoc, IOKind::input,
                     name + ".in" + std::to_string(i), int64_t(addr[inputs[i]]),
                     type);
  for (auto [i, type] : llvm::enumerate(outputTypes))
    TensorOp::create(builder, segmentLoc, IOKind::output,
                     name + ".out" + std::to_string(i),
                     int64_t(addr[outputs[i]]), type);
  for (auto [i, layer] : llvm::enumerate(layers)) {
    const MatchedLayer &match = layer->match;
    LayerAddresses addresses;
    addresses.input = addr[match.input];
    if (match.input2)
      addresses.input2 = addr[match.input2];
    addresses.output = addr[match.output];
    addresses.constants = constantAddrs[i];
    llvm::Expected<LayerCode> code = emitLayer(match, hw, addresses);
    if (!code)
      return match.getAnchor()->emitError() << "cannot generate the NPU layer: "
                                            << llvm::toString(code.takeError());
    Location loc = match.getLoc();
    if (!code->constants.empty()) {
      auto type = RankedTensorType::get({int64_t(code->constants.size())},
                                        builder.getI8Type());
      AsmResourceBlob blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(
          ArrayRef<char>(reinterpret_cast<const char *>(code->constants.data()),
                         code->constants.size()),
          alignof(uint64_t));
      std::string key = name + "." + match.getLayerName();
      auto value = DenseResourceElementsAttr::get(type, key, std::move(blob));
      ConstantOp::create(builder, loc,
                         builder.getStringAttr(match.getLayerName()),
                         int64_t(addresses.constants), value);
    }
    auto layerOp = LayerOp::create(builder, loc, match.getLayerName());
    const LayerCost &cost = code->cost;
    layerOp->setAttr("tiling", builder.getStringAttr(match.getTilingString()));
    layerOp->setAttr("predicted_cycles",
                     builder.getI64IntegerAttr(int64_t(cost.cycles)));
    layerOp->setAttr(
        "predicted_dram_bytes",
        builder.getI64IntegerAttr(int64_t(cost.dramRead + cost.dramWritten)));
    layerOp->setAttr("macs", builder.getI64IntegerAttr(int64_t(cost.macs)));
    layerOp->setAttr("bound", builder.getStringAttr(getBoundName(cost.bound)));
    layerOp->setAttr("predicted_energy_pj",
                     builder.getF64FloatAttr(cost.energy.total()));
    OpBuilder inner = OpBuilder::atBlockEnd(&layerOp.getBody().front());
    for (const Inst &inst : code->insts)
      instOps.create(inner, loc, inst);
  }
  FinishOp::create(builder, segmentLoc);
  program.setDramBytes(int64_t(top));

  // The host side: transposes, launch, transposes back.
  Operation *last = layers.back()->match.ops.back();
  builder.setInsertionPointAfter(last);
  auto setHost = [&](Operation *op, StringRef reason) {
    op->setAttr(kPlaceAttrName, builder.getStringAttr("host"));
    op->setAttr(kReasonAttrName, builder.getStringAttr(reason));
  };
  SmallVector<Value> launchInputs;
  for (auto [i, input] : llvm::enumerate(inputs)) {
    if (!inputIsConv.lookup(input)) {
      launchInputs.push_back(input);
      continue;
    }
    // An earlier segment's output transposed back to NCHW: take its NHWC
    // tensor as it is.
    if (auto back = input.getDefiningOp<nn::TransposeOp>()) {
      if (back.getData().getDefiningOp<LaunchOp>() && back.getPerm() &&
          *back.getPerm() == ArrayRef<int64_t>{0, 3, 1, 2} &&
          back.getData().getType() == inputTypes[i]) {
        launchInputs.push_back(back.getData());
        continue;
      }
    }
    auto transpose =
        nn::TransposeOp::create(builder, input.getLoc(), inputTypes[i], input,
                                builder.getDenseI64ArrayAttr({0, 2, 3, 1}));
    setHost(transpose, "layout: NCHW to NHWC for @" + name);
    launchInputs.push_back(transpose);
  }
  SmallVector<Type> resultTypes(outputTypes.begin(), outputTypes.end());
  auto launch =
      LaunchOp::create(builder, segmentLoc, resultTypes, name, launchInputs);
  for (auto [i, output] : llvm::enumerate(outputs)) {
    Value result = launch.getResult(i);
    if (layers[producer.lookup(output)]->match.isNHWC()) {
      auto transpose = nn::TransposeOp::create(
          builder, output.getLoc(), output.getType(), result,
          builder.getDenseI64ArrayAttr({0, 3, 1, 2}));
      setHost(transpose, "layout: NHWC to NCHW from @" + name);
      result = transpose;
    }
    output.replaceUsesWithIf(result, [&](OpOperand &use) {
      return !segmentOps.contains(use.getOwner());
    });
  }
  for (SegmentLayer *layer : llvm::reverse(layers))
    for (Operation *op : llvm::reverse(layer->match.ops))
      op->erase();
  return success();
}

void NPUOutlinePass::runOnOperation() {
  ModuleOp module = getOperation();
  FailureOr<HardwareDesc> desc = getModuleHardware(module, hw);
  if (failed(desc))
    return signalPassFailure();
  SmallVector<func::FuncOp> funcs(module.getOps<func::FuncOp>());
  int64_t nextSegment = 0;
  for (func::FuncOp func : funcs) {
    if (func.isExternal())
      continue;
    Block &block = func.getBody().front();
    std::vector<std::unique_ptr<SegmentLayer>> layers;
    llvm::DenseSet<Operation *> layerOps;
    for (Operation &op : block) {
      auto place = op.getAttrOfType<StringAttr>(kPlaceAttrName);
      if (!isLayerAnchor(&op) || !place || place.getValue() != "npu" ||
          layerOps.contains(&op))
        continue;
      std::string reason;
      Operation *reasonOp = nullptr;
      std::optional<MatchedLayer> match =
          matchLayer(&op, *desc, reason, reasonOp);
      if (!match) {
        op.emitError() << "placed on the NPU, but the NPU cannot run it: "
                       << reason;
        return signalPassFailure();
      }
      StringRef chosen;
      if (auto attr = op.getAttrOfType<StringAttr>(kTilingAttrName))
        chosen = attr.getValue();
      llvm::Expected<LayerCost> tiling = tileLayer(*match, *desc, chosen);
      if (!tiling) {
        op.emitError() << "placed on the NPU, but "
                       << llvm::toString(tiling.takeError());
        return signalPassFailure();
      }
      layerOps.insert(match->ops.begin(), match->ops.end());
      layers.push_back(
          std::make_unique<SegmentLayer>(SegmentLayer{std::move(*match)}));
    }
    SmallVector<MatchedLayer *> matches;
    llvm::DenseMap<MatchedLayer *, SegmentLayer *> byMatch;
    for (auto &layer : layers) {
      matches.push_back(&layer->match);
      byMatch[&layer->match] = layer.get();
    }
    makeContiguous(matches);
    for (auto &segment : groupSegments(block, matches)) {
      SmallVector<SegmentLayer *> segmentLayers;
      for (MatchedLayer *match : segment)
        segmentLayers.push_back(byMatch.lookup(match));
      if (failed(outlineSegment(segmentLayers, *desc, nextSegment++)))
        return signalPassFailure();
    }
  }
}

} // namespace
