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
#include "llvm/Support/FormatVariadic.h"

#include <cmath>
#include <limits>

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

/// Steps over the optional `nn.sub` of a scalar constant zero point that is
/// the single `user` of the int32 `value` (the cast of an int8 operand):
/// records the zero point and the op, and moves `value` and `user` past it.
/// False when the user is a sub of another form.
bool skipZeroPointSub(Value &value, Operation *&user, int32_t &zeroPoint,
                      SmallVectorImpl<Operation *> &ops) {
  auto sub = dyn_cast_or_null<nn::SubOp>(user);
  if (!sub)
    return true;
  std::optional<transforms::ConstTensor> zp;
  if (sub.getA() == value && sub.getB() != value)
    zp = readConstant(sub.getB(), 1);
  if (!zp || zp->values.size() != 1 || sub.getC().getType() != value.getType())
    return false;
  zeroPoint = int32_t(zp->values.front());
  ops.push_back(sub);
  value = sub.getC();
  user = getSingleUser(value);
  return true;
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

/// Folds the optional weight zero point `zp` (one value, or one per output
/// channel along dimension `channelDim` of `w`) into the constant weights:
/// sum (x - zx)(w - zw) is the product with the weights w - zw, which the
/// array computes exactly when they stay within int8.
bool foldWeightZeroPoint(Value zp, transforms::ConstTensor &w,
                         int64_t channelDim, std::string &reason) {
  if (isNoneValue(zp))
    return true;
  std::optional<transforms::ConstTensor> values = readConstant(zp);
  if (!values) {
    reason = "weight zero point is not constant";
    return false;
  }
  if (llvm::all_of(values->values, [](double v) { return v == 0; }))
    return true;
  ArrayRef<int64_t> shape = w.shape();
  int64_t channels = shape[channelDim];
  if (values->values.size() != 1 &&
      int64_t(values->values.size()) != channels) {
    reason = "weight zero point is neither per tensor nor per output channel";
    return false;
  }
  int64_t inner = 1;
  for (int64_t d = channelDim + 1; d < int64_t(shape.size()); ++d)
    inner *= shape[d];
  double lo = INFINITY, hi = -INFINITY;
  for (size_t i = 0; i < w.values.size(); ++i) {
    size_t channel = values->values.size() == 1 ? 0 : (i / inner) % channels;
    w.values[i] -= values->values[channel];
    lo = std::min(lo, w.values[i]);
    hi = std::max(hi, w.values[i]);
  }
  if (lo < -128 || hi > 127) {
    reason = llvm::formatv("weight zero point is not zero and the weights "
                           "minus it span [{0}, {1}], beyond int8",
                           int64_t(lo), int64_t(hi))
                 .str();
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

/// The 256 int8 entries of `op`'s table.
std::vector<int8_t> readTable(nn::LookupTableOp op) {
  std::vector<int8_t> table;
  for (const APInt &value : op.getTable().getValues<APInt>())
    table.push_back(int8_t(value.getSExtValue()));
  return table;
}

/// Why the ISA v2 layer `what` cannot run on `hw` ("" when it can).
std::string getISAProblem(const HardwareDesc &hw, StringRef what) {
  if (hw.isaVersion >= 2)
    return "";
  return llvm::formatv("{0} needs ISA v2; hardware '{1}' has isa_version {2}",
                       what, hw.name, hw.isaVersion)
      .str();
}

/// Matches the optional bias add and the requantize after `acc`, and with
/// `fuseTable` a single-use nn.lookup_table after it (ConvLayer::table).
bool matchEpilogue(MatchedLayer &match, Value acc, int64_t channelDim,
                   bool fuseTable, std::string &reason, Operation *&reasonOp) {
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
        !readBias(other, resultShape, channelDim, match.conv.bias, reason)) {
      if (reason.empty())
        reason = "the bias add broadcasts the accumulator";
      return false;
    }
    match.ops.push_back(add);
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
  if (!readRequantize(requantize, channelDim, rank, match.conv, reason)) {
    reasonOp = requantize;
    return false;
  }
  match.ops.push_back(requantize);
  match.output = requantize.getY();
  if (fuseTable) {
    if (auto lut =
            dyn_cast_or_null<nn::LookupTableOp>(getSingleUser(match.output))) {
      if (lut->getBlock() == requantize->getBlock()) {
        match.conv.table = readTable(lut);
        match.ops.push_back(lut);
        match.output = lut.getY();
      }
    }
  }
  return true;
}

std::optional<MatchedLayer> matchConv(nn::ConvIntegerOp conv,
                                      const HardwareDesc &hw,
                                      std::string &reason, Operation *&reasonOp,
                                      bool readWeights) {
  MatchedLayer match;
  match.kind = MatchedLayer::Kind::Conv;
  match.ops.push_back(conv);
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
  // Weights without a zero point to fold (tessera-quantize's are
  // symmetric) are read in place; the others through doubles.
  std::optional<ArrayRef<int8_t>> raw;
  std::optional<double> wZeroPoint =
      isNoneValue(conv.getWZeroPoint())
          ? std::optional<double>(0)
          : transforms::getSplatValue(conv.getWZeroPoint());
  if (wZeroPoint && *wZeroPoint == 0)
    raw = transforms::getI8ConstantData(conv.getW());
  std::optional<transforms::ConstTensor> w;
  if (!raw) {
    if (getStaticI8Type(conv.getW()))
      w = readConstant(conv.getW());
    if (!w) {
      reason = "weights are not a constant int8 tensor";
      return std::nullopt;
    }
    if (!foldWeightZeroPoint(conv.getWZeroPoint(), *w, /*channelDim=*/0,
                             reason))
      return std::nullopt;
  }
  auto weightAt = [&](int64_t i) {
    return raw ? (*raw)[i] : int8_t(w->values[i]);
  };
  ConvLayer &layer = match.conv;
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
  ArrayRef<int64_t> ws =
      cast<RankedTensorType>(conv.getW().getType()).getShape();
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
  int64_t numWeights = layer.outC * cg * layer.kernelH * layer.kernelW;
  if (readWeights) {
    layer.weights.resize(size_t(numWeights));
    for (int64_t o = 0; o < layer.outC; ++o)
      for (int64_t c = 0; c < cg; ++c)
        for (int64_t kh = 0; kh < layer.kernelH; ++kh)
          for (int64_t kw = 0; kw < layer.kernelW; ++kw) {
            int64_t hwio = ((kh * layer.kernelW + kw) * cg + c) * layer.outC;
            int64_t oihw = ((o * cg + c) * layer.kernelH + kh) * layer.kernelW;
            layer.weights[hwio + o] = weightAt(oihw + kw);
          }
  }
  // tessera-quantize's AveragePool: one group per channel, weights 1.
  bool windowSum = layer.groups == layer.inC && layer.outC == layer.inC &&
                   cg == 1 && hw.isaVersion >= 2 &&
                   llvm::all_of(llvm::seq<int64_t>(0, numWeights),
                                [&](int64_t i) { return weightAt(i) == 1; });
  if (!matchEpilogue(match, conv.getY(), /*channelDim=*/1,
                     /*fuseTable=*/!windowSum && hw.isaVersion >= 2, reason,
                     reasonOp))
    return std::nullopt;
  if (windowSum && layer.bias.empty() && layer.multiplier.size() == 1) {
    match.kind = MatchedLayer::Kind::AvgPool;
    PoolLayer &pool = match.pool;
    pool.kind = PoolLayer::Kind::Avg;
    pool.batch = layer.batch;
    pool.channels = layer.inC;
    pool.inH = layer.inH;
    pool.inW = layer.inW;
    pool.kernelH = layer.kernelH;
    pool.kernelW = layer.kernelW;
    pool.strideH = layer.strideH;
    pool.strideW = layer.strideW;
    pool.padTop = layer.padTop;
    pool.padLeft = layer.padLeft;
    pool.padBottom = layer.padBottom;
    pool.padRight = layer.padRight;
    pool.inZeroPoint = layer.inZeroPoint;
    pool.multiplier = layer.multiplier.front();
    pool.shift = layer.shift.front();
    pool.outZeroPoint = layer.outZeroPoint;
    pool.clampLo = layer.clampLo;
    pool.clampHi = layer.clampHi;
  }
  return match;
}

std::optional<MatchedLayer>
matchMatMul(nn::MatMulIntegerOp matmul, const HardwareDesc &hw,
            std::string &reason, Operation *&reasonOp, bool readWeights) {
  MatchedLayer match;
  match.kind = MatchedLayer::Kind::MatMul;
  match.ops.push_back(matmul);
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
  if (!foldWeightZeroPoint(matmul.getBZeroPoint(), *b, /*channelDim=*/1,
                           reason))
    return std::nullopt;
  ConvLayer &layer = match.conv;
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
  if (readWeights) {
    layer.weights.resize(b->values.size());
    for (size_t i = 0; i < b->values.size(); ++i)
      layer.weights[i] = int8_t(b->values[i]);
  }
  if (!matchEpilogue(match, matmul.getY(),
                     /*channelDim=*/yType.getRank() - 1,
                     /*fuseTable=*/hw.isaVersion >= 2, reason, reasonOp))
    return std::nullopt;
  return match;
}

std::optional<MatchedLayer> matchMaxPool(nn::MaxPoolOp op,
                                         std::string &reason) {
  MatchedLayer match;
  match.kind = MatchedLayer::Kind::MaxPool;
  match.ops.push_back(op);
  match.input = op.getX();
  match.output = op.getY();
  reason = getI8Problem(op.getX(), "the input");
  if (!reason.empty())
    return std::nullopt;
  auto xType = cast<RankedTensorType>(op.getX().getType());
  auto yType = dyn_cast<RankedTensorType>(op.getY().getType());
  if (xType.getRank() != 4 || !yType || !yType.hasStaticShape()) {
    reason = "only 2-D pooling of static shapes runs on the NPU";
    return std::nullopt;
  }
  if (!op.getIndices().use_empty()) {
    reason = "the indices of the maxima are used";
    return std::nullopt;
  }
  if (op.getCeilMode()) {
    reason = "ceil_mode";
    return std::nullopt;
  }
  if (std::optional<ArrayRef<int64_t>> dilations = op.getDilations()) {
    if (llvm::any_of(*dilations, [](int64_t d) { return d != 1; })) {
      reason = "dilation (the NPU's pooling windows are dense)";
      return std::nullopt;
    }
  }
  StringRef autoPad = op.getAutoPad();
  if (autoPad != "NOTSET" && autoPad != "VALID") {
    reason = ("auto_pad " + autoPad + " (pads must be explicit)").str();
    return std::nullopt;
  }
  ArrayRef<int64_t> kernel = op.getKernelShape();
  if (kernel.size() != 2) {
    reason = "only 2-D pooling runs on the NPU";
    return std::nullopt;
  }
  PoolLayer &layer = match.pool;
  layer.kind = PoolLayer::Kind::Max;
  layer.batch = xType.getDimSize(0);
  layer.channels = xType.getDimSize(1);
  layer.inH = xType.getDimSize(2);
  layer.inW = xType.getDimSize(3);
  layer.kernelH = kernel[0];
  layer.kernelW = kernel[1];
  if (std::optional<ArrayRef<int64_t>> strides = op.getStrides()) {
    if (strides->size() == 2) {
      layer.strideH = (*strides)[0];
      layer.strideW = (*strides)[1];
    }
  }
  if (std::optional<ArrayRef<int64_t>> pads = op.getPads()) {
    if (pads->size() == 4 && autoPad == "NOTSET") {
      layer.padTop = (*pads)[0];
      layer.padLeft = (*pads)[1];
      layer.padBottom = (*pads)[2];
      layer.padRight = (*pads)[3];
    }
  }
  if (yType.getDimSize(2) != layer.outH() ||
      yType.getDimSize(3) != layer.outW()) {
    reason = "the output shape does not match the pooling";
    return std::nullopt;
  }
  return match;
}

/// nn.cast (int8 -> int32) [+ nn.sub of a constant scalar zero point] +
/// nn.reduce_sum over H and W (keepdims) + nn.requantize per tensor to
/// int8: tessera-quantize's GlobalAveragePool. Anything else is no layer
/// (the cast of an integer Add, ...), without a reason.
std::optional<MatchedLayer> matchGlobalSum(nn::CastOp castOp) {
  MatchedLayer match;
  match.kind = MatchedLayer::Kind::GlobalSum;
  match.ops.push_back(castOp);
  match.input = castOp.getInput();
  auto xType = dyn_cast<RankedTensorType>(castOp.getInput().getType());
  if (!xType || xType.getRank() != 4)
    return std::nullopt;
  PoolLayer &layer = match.pool;
  layer.kind = PoolLayer::Kind::GlobalSum;
  Value value = castOp.getOutput();
  Operation *user = getSingleUser(value);
  if (!skipZeroPointSub(value, user, layer.inZeroPoint, match.ops))
    return std::nullopt;
  auto reduce = dyn_cast_or_null<nn::ReduceSumOp>(user);
  if (!reduce || reduce.getData() != value || !reduce.getKeepdims())
    return std::nullopt;
  std::optional<transforms::ConstTensor> axes = readConstant(reduce.getAxes());
  if (!axes)
    return std::nullopt;
  SmallVector<int64_t> axisList;
  for (double axis : axes->values)
    axisList.push_back(axis < 0 ? int64_t(axis) + 4 : int64_t(axis));
  llvm::sort(axisList);
  if (axisList != SmallVector<int64_t>{2, 3})
    return std::nullopt;
  match.ops.push_back(reduce);
  value = reduce.getReduced();
  auto requantize = dyn_cast_or_null<nn::RequantizeOp>(getSingleUser(value));
  if (!requantize || requantize.getMultiplier().size() != 1 ||
      !cast<RankedTensorType>(requantize.getY().getType())
           .getElementType()
           .isSignlessInteger(8))
    return std::nullopt;
  match.ops.push_back(requantize);
  match.output = requantize.getY();
  layer.batch = xType.getDimSize(0);
  layer.channels = xType.getDimSize(1);
  layer.inH = xType.getDimSize(2);
  layer.inW = xType.getDimSize(3);
  layer.multiplier = requantize.getMultiplier().front();
  layer.shift = requantize.getShift().front();
  layer.outZeroPoint = int32_t(requantize.getZeroPoint());
  layer.clampLo = int32_t(requantize.getClampLo());
  layer.clampHi = int32_t(requantize.getClampHi());
  return match;
}

/// The rows and columns of the int8 tensor `type` as an elementwise layer
/// sees it: NHWC pixels x channels for rank 4, else the last dimension's
/// columns.
void setEltwiseShape(MatchedLayer &match, RankedTensorType type) {
  int64_t rank = type.getRank();
  int64_t cols = rank == 4   ? type.getDimSize(1)
                 : rank == 0 ? 1
                             : type.getDimSize(rank - 1);
  match.eltwiseNHWC = rank == 4;
  match.eltwise.cols = cols;
  match.eltwise.rows = cols ? type.getNumElements() / cols : 0;
}

std::optional<MatchedLayer>
matchLut(nn::LookupTableOp op, const HardwareDesc &hw, std::string &reason) {
  MatchedLayer match;
  match.kind = MatchedLayer::Kind::Lut;
  match.ops.push_back(op);
  match.input = op.getX();
  match.output = op.getY();
  reason = getI8Problem(op.getX(), "the input");
  if (!reason.empty())
    return std::nullopt;
  reason = getISAProblem(hw, "a lookup-table activation (vec lut)");
  if (!reason.empty())
    return std::nullopt;
  match.eltwise.kind = EltwiseLayer::Kind::Lut;
  match.eltwise.table = readTable(op);
  setEltwiseShape(match, cast<RankedTensorType>(op.getX().getType()));
  return match;
}

/// One operand of tessera-quantize's integer Add: nn.cast (int8 -> int32)
/// [+ nn.sub of a constant scalar zero point] + nn.requantize per tensor to
/// int32 with zero point 0 and no clamp (requantize32).
struct AddOperand {
  SmallVector<Operation *, 3> ops;
  int32_t zeroPoint = 0, multiplier = 0, shift = 0;
  Value result;
};

std::optional<AddOperand> matchAddOperand(nn::CastOp castOp) {
  if (!getStaticI8Type(castOp.getInput()) ||
      !castOp.getTo().isSignlessInteger(32))
    return std::nullopt;
  AddOperand operand;
  operand.ops.push_back(castOp);
  Value value = castOp.getOutput();
  Operation *user = getSingleUser(value);
  if (!skipZeroPointSub(value, user, operand.zeroPoint, operand.ops))
    return std::nullopt;
  auto requantize = dyn_cast_or_null<nn::RequantizeOp>(user);
  if (!requantize || requantize.getMultiplier().size() != 1 ||
      requantize.getY().getType() != value.getType() ||
      int32_t(requantize.getZeroPoint()) != 0 ||
      int32_t(requantize.getClampLo()) != std::numeric_limits<int32_t>::min() ||
      int32_t(requantize.getClampHi()) != std::numeric_limits<int32_t>::max())
    return std::nullopt;
  operand.ops.push_back(requantize);
  operand.multiplier = requantize.getMultiplier().front();
  operand.shift = requantize.getShift().front();
  operand.result = requantize.getY();
  return operand;
}

/// tessera-quantize's integer Add, matched from the cast of its first
/// operand: two AddOperand chains of int8 tensors of one shape joined by
/// nn.add (no broadcast) + nn.requantize per tensor to int8. Anything else
/// (the second operand's cast, ...) is no layer, without a reason.
std::optional<MatchedLayer> matchAdd(nn::CastOp castOp, const HardwareDesc &hw,
                                     std::string &reason,
                                     Operation *&reasonOp) {
  std::optional<AddOperand> first = matchAddOperand(castOp);
  if (!first)
    return std::nullopt;
  auto add = dyn_cast_or_null<nn::AddOp>(getSingleUser(first->result));
  if (!add || add.getA() != first->result || add.getB() == first->result ||
      add.getC().getType() != first->result.getType())
    return std::nullopt;
  Value other = add.getB();
  Operation *def = other.getDefiningOp<nn::RequantizeOp>();
  while (def && !isa<nn::CastOp>(def) && def->getNumOperands() > 0)
    def = def->getOperand(0).getDefiningOp();
  auto castOp2 = dyn_cast_or_null<nn::CastOp>(def);
  if (!castOp2)
    return std::nullopt;
  std::optional<AddOperand> second = matchAddOperand(castOp2);
  if (!second || second->result != other ||
      castOp2.getInput().getType() != castOp.getInput().getType())
    return std::nullopt;
  auto requantize =
      dyn_cast_or_null<nn::RequantizeOp>(getSingleUser(add.getC()));
  if (!requantize || requantize.getMultiplier().size() != 1 ||
      !cast<RankedTensorType>(requantize.getY().getType())
           .getElementType()
           .isSignlessInteger(8))
    return std::nullopt;
  MatchedLayer match;
  match.kind = MatchedLayer::Kind::Add;
  match.ops.append(first->ops.begin(), first->ops.end());
  match.ops.append(second->ops.begin(), second->ops.end());
  match.ops.push_back(add);
  match.ops.push_back(requantize);
  match.input = castOp.getInput();
  match.input2 = castOp2.getInput();
  match.input2Reader = castOp2;
  match.output = requantize.getY();
  reasonOp = add;
  reason = getISAProblem(hw, "the integer residual Add (config_quant wide)");
  if (!reason.empty())
    return std::nullopt;
  EltwiseLayer &layer = match.eltwise;
  layer.kind = EltwiseLayer::Kind::Add;
  layer.inZeroPoint = first->zeroPoint;
  layer.inMultiplier = first->multiplier;
  layer.inShift = first->shift;
  layer.in2ZeroPoint = second->zeroPoint;
  layer.in2Multiplier = second->multiplier;
  layer.in2Shift = second->shift;
  layer.multiplier = requantize.getMultiplier().front();
  layer.shift = requantize.getShift().front();
  layer.outZeroPoint = int32_t(requantize.getZeroPoint());
  layer.clampLo = int32_t(requantize.getClampLo());
  layer.clampHi = int32_t(requantize.getClampHi());
  setEltwiseShape(match, cast<RankedTensorType>(castOp.getInput().getType()));
  return match;
}

} // namespace

bool tessera::npu::isLayerAnchor(Operation *op) {
  if (auto cast = dyn_cast<nn::CastOp>(op))
    return getStaticI8Type(cast.getInput()) &&
           cast.getTo().isSignlessInteger(32);
  return isa<nn::ConvIntegerOp, nn::MatMulIntegerOp, nn::MaxPoolOp,
             nn::LookupTableOp>(op);
}

std::optional<MatchedLayer> tessera::npu::matchLayer(Operation *anchor,
                                                     const HardwareDesc &hw,
                                                     std::string &reason,
                                                     Operation *&reasonOp,
                                                     bool readWeights) {
  reason.clear();
  reasonOp = anchor;
  std::optional<MatchedLayer> match;
  if (auto conv = dyn_cast<nn::ConvIntegerOp>(anchor))
    match = matchConv(conv, hw, reason, reasonOp, readWeights);
  else if (auto matmul = dyn_cast<nn::MatMulIntegerOp>(anchor))
    match = matchMatMul(matmul, hw, reason, reasonOp, readWeights);
  else if (auto pool = dyn_cast<nn::MaxPoolOp>(anchor))
    match = matchMaxPool(pool, reason);
  else if (auto lut = dyn_cast<nn::LookupTableOp>(anchor))
    match = matchLut(lut, hw, reason);
  else if (auto cast = dyn_cast<nn::CastOp>(anchor)) {
    match = matchGlobalSum(cast);
    if (!match)
      match = matchAdd(cast, hw, reason, reasonOp);
  }
  if (!match)
    return std::nullopt;
  std::string name = getNodeNames(match->getLoc());
  if (name.empty())
    name = anchor->getName().getStringRef().str();
  llvm::Error error = llvm::Error::success();
  if (match->isPool()) {
    match->pool.name = name;
    error = match->pool.verify();
  } else if (match->isEltwise()) {
    match->eltwise.name = name;
    error = match->eltwise.verify();
  } else {
    match->conv.name = name;
    error = match->conv.verify();
  }
  if (error) {
    reason = llvm::toString(std::move(error));
    return std::nullopt;
  }
  return match;
}

std::string tessera::npu::getNodeNames(Location loc) {
  return llvm::join(nn::getONNXNodeNames(loc), "+");
}

Location MatchedLayer::getLoc() const {
  SmallVector<Location> locs;
  for (Operation *op : ops)
    locs.push_back(op->getLoc());
  return FusedLoc::get(getAnchor()->getContext(), locs);
}

uint64_t MatchedLayer::getMacs() const {
  return isPool() || isEltwise() ? 0 : conv.macs();
}

uint64_t MatchedLayer::getInputBytes() const {
  return isPool()      ? pool.inputBytes()
         : isEltwise() ? eltwise.inputBytes()
                       : conv.inputBytes();
}

uint64_t MatchedLayer::getOutputBytes() const {
  return isPool()      ? pool.outputBytes()
         : isEltwise() ? eltwise.outputBytes()
                       : conv.outputBytes();
}

std::string MatchedLayer::getTilingString() const {
  return isPool()      ? poolTiling.str()
         : isEltwise() ? eltwiseTiling.str()
                       : convTiling.str();
}

llvm::Expected<LayerCost> tessera::npu::tileLayer(MatchedLayer &layer,
                                                  const HardwareDesc &hw,
                                                  StringRef chosen,
                                                  bool greedy) {
  if (layer.isEltwise()) {
    for (const EltwiseTiling &tiling :
         enumerateEltwiseTilings(layer.eltwise, hw)) {
      if (chosen.empty() || tiling.str() != chosen)
        continue;
      layer.eltwiseTiling = tiling;
      return estimateEltwise(layer.eltwise, tiling, hw);
    }
    LayerCost cost;
    llvm::Expected<EltwiseTiling> tiling =
        chooseEltwiseTiling(layer.eltwise, hw, &cost);
    if (!tiling)
      return tiling.takeError();
    layer.eltwiseTiling = *tiling;
    return cost;
  }
  if (!chosen.empty() && layer.isPool()) {
    for (const PoolTiling &tiling : enumeratePoolTilings(layer.pool, hw)) {
      if (tiling.str() != chosen)
        continue;
      layer.poolTiling = tiling;
      return estimatePool(layer.pool, tiling, hw);
    }
  } else if (!chosen.empty()) {
    std::vector<ConvTiling> tilings = enumerateConvTilings(layer.conv, hw);
    if (llvm::Expected<ConvTiling> baseline = greedyConvTiling(layer.conv, hw))
      tilings.push_back(*baseline);
    else
      llvm::consumeError(baseline.takeError());
    for (const ConvTiling &tiling : tilings) {
      if (tiling.str() != chosen)
        continue;
      layer.convTiling = tiling;
      return estimateConv(layer.conv, tiling, hw);
    }
  }
  LayerCost cost;
  if (layer.isPool()) {
    llvm::Expected<PoolTiling> tiling = choosePoolTiling(layer.pool, hw, &cost);
    if (!tiling)
      return tiling.takeError();
    layer.poolTiling = *tiling;
    return cost;
  }
  if (greedy) {
    llvm::Expected<ConvTiling> tiling = greedyConvTiling(layer.conv, hw);
    if (!tiling)
      return tiling.takeError();
    layer.convTiling = *tiling;
    return estimateConv(layer.conv, *tiling, hw);
  }
  llvm::Expected<ConvTiling> tiling = chooseConvTiling(layer.conv, hw, &cost);
  if (!tiling)
    return tiling.takeError();
  layer.convTiling = *tiling;
  return cost;
}

uint64_t tessera::npu::getConstantBytes(const MatchedLayer &layer,
                                        const HardwareDesc &hw) {
  if (layer.isEltwise())
    return getEltwiseConstantBytes(layer.eltwise, layer.eltwiseTiling, hw);
  return layer.isPool()
             ? getPoolConstantBytes(layer.pool, layer.poolTiling, hw)
             : getConvConstantBytes(layer.conv, layer.convTiling, hw);
}

llvm::Expected<LayerCode>
tessera::npu::emitLayer(const MatchedLayer &layer, const HardwareDesc &hw,
                        const LayerAddresses &addresses) {
  if (layer.isPool())
    return emitPool(layer.pool, layer.poolTiling, hw, addresses);
  if (layer.isEltwise())
    return emitEltwise(layer.eltwise, layer.eltwiseTiling, hw, addresses);
  return emitConv(layer.conv, layer.convTiling, hw, addresses);
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
  for (MatchedLayer *layer : layers)
    for (Operation *op : llvm::drop_end(layer->ops))
      op->moveBefore(layer->ops.back());
}

SmallVector<SmallVector<MatchedLayer *>>
tessera::npu::groupSegments(Block &block, ArrayRef<MatchedLayer *> layers) {
  llvm::DenseMap<Operation *, MatchedLayer *> byLast;
  llvm::DenseSet<Operation *> layerOps;
  for (MatchedLayer *layer : layers) {
    byLast[layer->ops.back()] = layer;
    for (Operation *op : layer->ops)
      layerOps.insert(op);
  }
  SmallVector<SmallVector<MatchedLayer *>> segments;
  SmallVector<MatchedLayer *> run;
  // The outputs of the run's layers, with whether they are NHWC.
  llvm::DenseMap<Value, bool> runValues;
  auto close = [&] {
    if (!run.empty())
      segments.push_back(run);
    run.clear();
    runValues.clear();
  };
  for (Operation &op : block) {
    if (MatchedLayer *layer = byLast.lookup(&op)) {
      for (Value input : {layer->input, layer->input2}) {
        auto it = runValues.find(input);
        if (input && it != runValues.end() && it->second != layer->isNHWC()) {
          close();
          break;
        }
      }
      run.push_back(layer);
      runValues[layer->output] = layer->isNHWC();
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
