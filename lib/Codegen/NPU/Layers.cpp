//===- Layers.cpp - NPU layers of a quantized nn graph --------------------===//
//
// Part of Tessera. The layer match, hardware lookup and segment grouping
// that tessera-npu-place and tessera-npu-outline share.
//
//===----------------------------------------------------------------------===//

#include "Layers.h"
#include "../../Transforms/ConstantUtils.h"
#include "NN/NNOps.h"
#include "NPU/NPUOps.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/StringExtras.h"

using namespace mlir;
using namespace tessera;
using namespace tessera::npu;
using transforms::readConstant;

namespace {

bool isNoneValue(Value value) {
  return !value || isa<NoneType>(value.getType());
}

/// The static int8 ranked tensor type of `value`, or null.
RankedTensorType getStaticI8Type(Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (!type || !type.hasStaticShape() || !type.getElementType().isInteger(8))
    return {};
  return type;
}

/// Why `value` is no static int8 tensor ("" when it is one).
std::string getI8Problem(Value value, StringRef what) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (!type || !type.hasStaticShape())
    return (what + " has no static shape").str();
  if (type.getElementType().isUnsignedInteger(8))
    return (what + " is uint8 (the NPU computes int8)").str();
  if (!type.getElementType().isSignlessInteger(8))
    return (what + " is not int8").str();
  return "";
}

/// The single user of `value` when it has exactly one use.
Operation *getSingleUser(Value value) {
  if (!value.hasOneUse())
    return nullptr;
  return *value.getUsers().begin();
}

/// Reads the optional scalar zero point `zp` of the activation.
bool readInputZeroPoint(Value zp, int32_t &out, std::string &reason) {
  out = 0;
  if (isNoneValue(zp))
    return true;
  std::optional<transforms::ConstTensor> values = readConstant(zp, 1);
  if (!values || values->values.size() != 1) {
    reason = "input zero point is not a constant scalar";
    return false;
  }
  out = int32_t(values->values.front());
  return true;
}

/// Checks that the optional weight zero point `zp` is absent or zero.
bool checkWeightZeroPoint(Value zp, std::string &reason) {
  if (isNoneValue(zp))
    return true;
  std::optional<transforms::ConstTensor> values = readConstant(zp);
  if (!values) {
    reason = "weight zero point is not constant";
    return false;
  }
  if (llvm::any_of(values->values, [](double v) { return v != 0; })) {
    reason = "weight zero point is not zero";
    return false;
  }
  return true;
}

/// Reads a constant int32 bias broadcast along dimension `channelDim` of a
/// result of shape `resultShape` into `bias` ([channels] values).
bool readBias(Value value, ArrayRef<int64_t> resultShape, int64_t channelDim,
              std::vector<int32_t> &bias, std::string &reason) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  std::optional<transforms::ConstTensor> values;
  if (type && type.getElementType().isSignlessInteger(32))
    values = readConstant(value);
  if (!values) {
    reason = "the int32 accumulator is added to something other than a "
             "constant int32 bias";
    return false;
  }
  int64_t rank = resultShape.size();
  int64_t biasRank = values->type.getRank();
  int64_t channels = resultShape[channelDim];
  if (biasRank > rank) {
    reason = "the bias is not broadcast over the output channels";
    return false;
  }
  bool perChannel = false;
  for (int64_t i = 0; i < biasRank; ++i) {
    int64_t dim = rank - biasRank + i;
    int64_t size = values->type.getDimSize(i);
    if (size == 1)
      continue;
    if (dim != channelDim || size != channels) {
      reason = "the bias is not broadcast over the output channels";
      return false;
    }
    perChannel = true;
  }
  bias.resize(channels);
  for (int64_t o = 0; o < channels; ++o)
    bias[o] = int32_t(values->values[perChannel ? o : 0]);
  return true;
}

/// Fills the requantize parameters of `layer` from `op`, whose channel
/// dimension is `channelDim` of rank `rank`.
bool readRequantize(nn::RequantizeOp op, int64_t channelDim, int64_t rank,
                    ConvLayer &layer, std::string &reason) {
  auto type = cast<RankedTensorType>(op.getY().getType());
  if (!type.getElementType().isSignlessInteger(8)) {
    reason = "requantize to int32 (the NPU layer's output is int8)";
    return false;
  }
  ArrayRef<int32_t> multiplier = op.getMultiplier();
  ArrayRef<int32_t> shift = op.getShift();
  if (multiplier.size() > 1) {
    int64_t axis = op.getAxis() ? int64_t(*op.getAxis()) : -1;
    if (axis < 0)
      axis += rank;
    if (axis != channelDim) {
      reason = "requantize per slice of an axis other than the output "
               "channels";
      return false;
    }
  }
  layer.multiplier.assign(multiplier.begin(), multiplier.end());
  layer.shift.assign(shift.begin(), shift.end());
  layer.outZeroPoint = int32_t(op.getZeroPoint());
  layer.clampLo = int32_t(op.getClampLo());
  layer.clampHi = int32_t(op.getClampHi());
  return true;
}

/// Matches the optional bias add and the requantize after `acc`.
bool matchEpilogue(MatchedLayer &match, Value acc, int64_t channelDim,
                   std::string &reason, Operation *&reasonOp) {
  auto resultShape = cast<RankedTensorType>(acc.getType()).getShape();
  int64_t rank = resultShape.size();
  Operation *user = getSingleUser(acc);
  if (!user) {
    reason = acc.use_empty()
                 ? "int32 output without requantize"
                 : "the int32 accumulator has several users (the NPU layer "
                   "only outputs the requantized int8 result)";
    return false;
  }
  if (auto add = dyn_cast<nn::AddOp>(user)) {
    Value other = add.getA() == acc ? add.getB() : add.getA();
    if (add.getA() == add.getB() || add.getC().getType() != acc.getType() ||
        !readBias(other, resultShape, channelDim, match.layer.bias, reason)) {
      if (reason.empty())
        reason = "the bias add broadcasts the accumulator";
      return false;
    }
    match.bias = add;
    acc = add.getC();
    user = getSingleUser(acc);
    if (!user) {
      reasonOp = add;
      reason = acc.use_empty() ? "int32 output without requantize"
                               : "the biased int32 accumulator has several "
                                 "users";
      return false;
    }
  }
  auto requantize = dyn_cast<nn::RequantizeOp>(user);
  if (!requantize) {
    reason = "int32 output without requantize";
    return false;
  }
  if (!readRequantize(requantize, channelDim, rank, match.layer, reason)) {
    reasonOp = requantize;
    return false;
  }
  match.requantize = requantize;
  match.output = requantize.getY();
  return true;
}

std::optional<MatchedLayer>
matchConv(nn::ConvIntegerOp conv, std::string &reason, Operation *&reasonOp) {
  MatchedLayer match;
  match.anchor = conv;
  match.isConv = true;
  match.input = conv.getX();
  reason = getI8Problem(conv.getX(), "the input");
  if (!reason.empty())
    return std::nullopt;
  auto xType = cast<RankedTensorType>(conv.getX().getType());
  if (xType.getRank() != 4) {
    reason = "only 2-D convolutions (rank-4 NCHW input) run on the NPU";
    return std::nullopt;
  }
  auto yType = dyn_cast<RankedTensorType>(conv.getY().getType());
  if (!yType || !yType.hasStaticShape()) {
    reason = "the output has no static shape";
    return std::nullopt;
  }
  std::optional<transforms::ConstTensor> w;
  if (getStaticI8Type(conv.getW()))
    w = readConstant(conv.getW());
  if (!w) {
    reason = "weights are not a constant int8 tensor";
    return std::nullopt;
  }
  if (!checkWeightZeroPoint(conv.getWZeroPoint(), reason))
    return std::nullopt;
  ConvLayer &layer = match.layer;
  if (!readInputZeroPoint(conv.getXZeroPoint(), layer.inZeroPoint, reason))
    return std::nullopt;
  if (std::optional<ArrayRef<int64_t>> dilations = conv.getDilations()) {
    if (llvm::any_of(*dilations, [](int64_t d) { return d != 1; })) {
      reason = "dilation (the NPU's convolutions are dense)";
      return std::nullopt;
    }
  }
  StringRef autoPad = conv.getAutoPad();
  if (autoPad != "NOTSET" && autoPad != "VALID") {
    reason = ("auto_pad " + autoPad + " (pads must be explicit)").str();
    return std::nullopt;
  }
  ArrayRef<int64_t> ws = w->shape();
  layer.batch = xType.getDimSize(0);
  layer.inC = xType.getDimSize(1);
  layer.inH = xType.getDimSize(2);
  layer.inW = xType.getDimSize(3);
  layer.outC = ws[0];
  layer.kernelH = ws[2];
  layer.kernelW = ws[3];
  layer.groups = conv.getGroup();
  if (std::optional<ArrayRef<int64_t>> strides = conv.getStrides()) {
    if (strides->size() == 2) {
      layer.strideH = (*strides)[0];
      layer.strideW = (*strides)[1];
    }
  }
  if (std::optional<ArrayRef<int64_t>> pads = conv.getPads()) {
    if (pads->size() == 4 && autoPad == "NOTSET") {
      layer.padTop = (*pads)[0];
      layer.padLeft = (*pads)[1];
      layer.padBottom = (*pads)[2];
      layer.padRight = (*pads)[3];
    }
  }
  if (layer.groups < 1 || layer.inC % layer.groups ||
      layer.outC % layer.groups || ws[1] != layer.inC / layer.groups) {
    reason = "weights do not match the input channels and groups";
    return std::nullopt;
  }
  if (yType.getDimSize(1) != layer.outC ||
      yType.getDimSize(2) != layer.outH() ||
      yType.getDimSize(3) != layer.outW()) {
    reason = "the output shape does not match the convolution";
    return std::nullopt;
  }
  // OIHW -> HWIO per group: [kh][kw][c][o] with c < inC / groups.
  int64_t cg = ws[1];
  layer.weights.resize(w->values.size());
  for (int64_t o = 0; o < layer.outC; ++o)
    for (int64_t c = 0; c < cg; ++c)
      for (int64_t kh = 0; kh < layer.kernelH; ++kh)
        for (int64_t kw = 0; kw < layer.kernelW; ++kw)
          layer.weights[((kh * layer.kernelW + kw) * cg + c) * layer.outC + o] =
              int8_t(w->values[((o * cg + c) * layer.kernelH + kh) *
                                   layer.kernelW +
                               kw]);
  if (!matchEpilogue(match, conv.getY(), /*channelDim=*/1, reason, reasonOp))
    return std::nullopt;
  return match;
}

std::optional<MatchedLayer> matchMatMul(nn::MatMulIntegerOp matmul,
                                        std::string &reason,
                                        Operation *&reasonOp) {
  MatchedLayer match;
  match.anchor = matmul;
  match.isConv = false;
  match.input = matmul.getA();
  reason = getI8Problem(matmul.getA(), "A");
  if (!reason.empty())
    return std::nullopt;
  auto aType = cast<RankedTensorType>(matmul.getA().getType());
  auto yType = dyn_cast<RankedTensorType>(matmul.getY().getType());
  if (!yType || !yType.hasStaticShape()) {
    reason = "the output has no static shape";
    return std::nullopt;
  }
  std::optional<transforms::ConstTensor> b;
  if (RankedTensorType bType = getStaticI8Type(matmul.getB()))
    if (bType.getRank() == 2)
      b = readConstant(matmul.getB());
  if (!b) {
    reason = "B is not a constant int8 [K, N] matrix";
    return std::nullopt;
  }
  if (!checkWeightZeroPoint(matmul.getBZeroPoint(), reason))
    return std::nullopt;
  ConvLayer &layer = match.layer;
  if (!readInputZeroPoint(matmul.getAZeroPoint(), layer.inZeroPoint, reason))
    return std::nullopt;
  int64_t k = b->shape()[0], n = b->shape()[1];
  if (aType.getShape().back() != k) {
    reason = "A's last dimension is not B's rows";
    return std::nullopt;
  }
  int64_t m = aType.getNumElements() / k;
  if (yType.getNumElements() != m * n) {
    reason = "the output shape does not match the matrix product";
    return std::nullopt;
  }
  layer.batch = 1;
  layer.inH = 1;
  layer.inW = m;
  layer.inC = k;
  layer.outC = n;
  layer.weights.resize(b->values.size());
  for (size_t i = 0; i < b->values.size(); ++i)
    layer.weights[i] = int8_t(b->values[i]);
  if (!matchEpilogue(match, matmul.getY(),
                     /*channelDim=*/yType.getRank() - 1, reason, reasonOp))
    return std::nullopt;
  return match;
}

} // namespace

bool tessera::npu::isLayerAnchor(Operation *op) {
  return isa<nn::ConvIntegerOp, nn::MatMulIntegerOp>(op);
}

std::optional<MatchedLayer> tessera::npu::matchLayer(Operation *anchor,
                                                     std::string &reason,
                                                     Operation *&reasonOp) {
  reason.clear();
  reasonOp = anchor;
  std::optional<MatchedLayer> match;
  if (auto conv = dyn_cast<nn::ConvIntegerOp>(anchor))
    match = matchConv(conv, reason, reasonOp);
  else if (auto matmul = dyn_cast<nn::MatMulIntegerOp>(anchor))
    match = matchMatMul(matmul, reason, reasonOp);
  else
    reason = kNotInRepertoire.str();
  if (!match)
    return std::nullopt;
  match->layer.name = match->getName();
  if (match->layer.name.empty())
    match->layer.name = anchor->getName().getStringRef().str();
  if (llvm::Error error = match->layer.verify()) {
    reason = llvm::toString(std::move(error));
    return std::nullopt;
  }
  return match;
}

SmallVector<Operation *, 3> MatchedLayer::getOps() const {
  SmallVector<Operation *, 3> ops{anchor};
  if (bias)
    ops.push_back(bias);
  ops.push_back(requantize);
  return ops;
}

std::string tessera::npu::getNodeNames(Location loc) {
  llvm::SetVector<StringRef> names;
  loc->walk([&](Location inner) {
    if (auto name = dyn_cast<NameLoc>(inner))
      names.insert(name.getName().getValue());
    return WalkResult::advance();
  });
  return llvm::join(names, "+");
}

std::string MatchedLayer::getName() const { return getNodeNames(getLoc()); }

Location MatchedLayer::getLoc() const {
  SmallVector<Location> locs;
  for (Operation *op : getOps())
    locs.push_back(op->getLoc());
  return FusedLoc::get(anchor->getContext(), locs);
}

FailureOr<HardwareDesc> tessera::npu::getModuleHardware(ModuleOp module,
                                                        StringRef spec) {
  auto attr =
      module->getAttrOfType<HardwareAttr>(NPUDialect::kHardwareAttrName);
  if (!attr) {
    module.emitError() << "the module has no '" << NPUDialect::kHardwareAttrName
                       << "' attribute (run tessera-npu-attach-hw first)";
    return failure();
  }
  std::string name = spec.str();
  if (name.empty()) {
    if (!llvm::is_contained(getPresetNames(), attr.getName())) {
      module.emitError() << "the module's hardware '" << attr.getName()
                         << "' is no preset: give the description it was "
                            "made from as option 'hw'";
      return failure();
    }
    name = attr.getName().str();
  }
  llvm::Expected<HardwareDesc> desc = loadHardwareDesc(name);
  if (!desc) {
    module.emitError() << llvm::toString(desc.takeError());
    return failure();
  }
  if (hashHardwareDesc(*desc) != attr.getHash()) {
    module.emitError() << "hardware description '" << name
                       << "' is not the module's npu.hardware '"
                       << attr.getName() << "' (hashes differ)";
    return failure();
  }
  return *desc;
}

void tessera::npu::makeContiguous(ArrayRef<MatchedLayer *> layers) {
  for (MatchedLayer *layer : layers) {
    if (layer->bias)
      layer->bias->moveBefore(layer->requantize);
    layer->anchor->moveBefore(layer->bias ? layer->bias : layer->requantize);
  }
}

SmallVector<SmallVector<MatchedLayer *>>
tessera::npu::groupSegments(Block &block, ArrayRef<MatchedLayer *> layers) {
  llvm::DenseMap<Operation *, MatchedLayer *> byRequantize;
  llvm::DenseSet<Operation *> layerOps;
  for (MatchedLayer *layer : layers) {
    byRequantize[layer->requantize] = layer;
    for (Operation *op : layer->getOps())
      layerOps.insert(op);
  }
  SmallVector<SmallVector<MatchedLayer *>> segments;
  SmallVector<MatchedLayer *> run;
  // The outputs of the run's layers, with whether a convolution made them.
  llvm::DenseMap<Value, bool> runValues;
  auto close = [&] {
    if (!run.empty())
      segments.push_back(run);
    run.clear();
    runValues.clear();
  };
  for (Operation &op : block) {
    if (MatchedLayer *layer = byRequantize.lookup(&op)) {
      auto it = runValues.find(layer->input);
      if (it != runValues.end() && it->second != layer->isConv)
        close();
      run.push_back(layer);
      runValues[layer->output] = layer->isConv;
      continue;
    }
    if (layerOps.contains(&op) || runValues.empty())
      continue;
    bool usesRun = false;
    op.walk([&](Operation *nested) {
      for (Value operand : nested->getOperands())
        usesRun |= runValues.contains(operand);
    });
    if (usesRun)
      close();
  }
  close();
  return segments;
}
