//===- NNShapesRecurrent.cpp - shape functions of LSTM, GRU and RNN -------===//
//
// Part of Tessera. The attributes and shapes of the recurrent ops: X is
// (seq_length, batch, input_size) (layout 1: batch first), W/R/B hold the
// gates of every direction, and Y/Y_h/Y_c follow from them. Every operand
// shape, attribute value and constant sequence length a user can get wrong
// is reported at the op.
//
//===----------------------------------------------------------------------===//

#include "NN/NNRecurrent.h"
#include "NN/NNShapeFunctions.h"
#include "NN/NNShapeUtils.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/StringSwitch.h"

using namespace mlir;

namespace tessera::nn {

static bool isDyn(int64_t d) { return ShapedType::isDynamic(d); }

std::optional<RecurrentKind> getRecurrentKind(Operation *op) {
  StringRef name = op->getName().getStringRef();
  if (name == "nn.lstm")
    return RecurrentKind::LSTM;
  if (name == "nn.gru")
    return RecurrentKind::GRU;
  if (name == "nn.rnn")
    return RecurrentKind::RNN;
  return std::nullopt;
}

/// How many of alpha and beta activation `kind` takes, and their defaults
/// (those of the ONNX operators of the same name).
static void activationParams(RecurrentActivation::Kind kind, int &numAlpha,
                             int &numBeta, float &alpha, float &beta) {
  using A = RecurrentActivation;
  numAlpha = numBeta = 0;
  alpha = beta = 0;
  switch (kind) {
  case A::Affine:
    numAlpha = numBeta = 1;
    alpha = 1.0f;
    break;
  case A::LeakyRelu:
    numAlpha = 1;
    alpha = 0.01f;
    break;
  case A::ThresholdedRelu:
  case A::Elu:
    numAlpha = 1;
    alpha = 1.0f;
    break;
  case A::ScaledTanh:
    numAlpha = numBeta = 1;
    alpha = beta = 1.0f;
    break;
  case A::HardSigmoid:
    numAlpha = numBeta = 1;
    alpha = 0.2f;
    beta = 0.5f;
    break;
  default:
    break;
  }
}

FailureOr<RecurrentAttrs> getRecurrentAttrs(Operation *op) {
  std::optional<RecurrentKind> kind = getRecurrentKind(op);
  if (!kind)
    return op->emitOpError("is not a recurrent op");
  RecurrentAttrs a;
  a.kind = *kind;
  a.numGates = *kind == RecurrentKind::LSTM  ? 4
               : *kind == RecurrentKind::GRU ? 3
                                             : 1;
  a.activationsPerDirection = *kind == RecurrentKind::LSTM  ? 3
                              : *kind == RecurrentKind::GRU ? 2
                                                            : 1;
  StringRef direction = "forward";
  if (auto attr = op->getAttrOfType<StringAttr>("direction"))
    direction = attr.getValue();
  if (direction == "forward" || direction == "reverse") {
    a.numDirections = 1;
    a.reverse = direction == "reverse";
  } else if (direction == "bidirectional") {
    a.numDirections = 2;
  } else {
    return op->emitOpError() << "direction must be forward, reverse or "
                                "bidirectional, got '"
                             << direction << "'";
  }
  a.layout = getIntAttr(op, "layout", 0);
  if (a.layout != 0 && a.layout != 1)
    return op->emitOpError() << "layout must be 0 or 1, got " << a.layout;
  if (auto clip = op->getAttrOfType<FloatAttr>("clip")) {
    float value = (float)clip.getValueAsDouble();
    if (!(value > 0))
      return op->emitOpError() << "clip must be positive, got " << value;
    a.clip = value;
  }
  if (*kind == RecurrentKind::LSTM) {
    int64_t inputForget = getIntAttr(op, "input_forget", 0);
    if (inputForget != 0 && inputForget != 1)
      return op->emitOpError()
             << "input_forget must be 0 or 1, got " << inputForget;
    a.inputForget = inputForget == 1;
  }
  if (*kind == RecurrentKind::GRU) {
    int64_t lbr = getIntAttr(op, "linear_before_reset", 0);
    if (lbr != 0 && lbr != 1)
      return op->emitOpError()
             << "linear_before_reset must be 0 or 1, got " << lbr;
    a.linearBeforeReset = lbr == 1;
  }
  if (auto hidden = op->getAttrOfType<IntegerAttr>("hidden_size"))
    if (hidden.getInt() <= 0)
      return op->emitOpError()
             << "hidden_size must be positive, got " << hidden.getInt();

  // Activation names; the defaults repeat for each direction.
  SmallVector<StringRef> names;
  if (auto attr = op->getAttrOfType<ArrayAttr>("activations")) {
    for (Attribute name : attr) {
      auto str = dyn_cast<StringAttr>(name);
      if (!str)
        return op->emitOpError("activations must be strings");
      names.push_back(str.getValue());
    }
    // RNN's schema default is [Tanh, Tanh]: a one-direction op may list two
    // and uses the first.
    if (*kind == RecurrentKind::RNN && a.numDirections == 1 &&
        names.size() == 2)
      names.resize(1);
    int64_t expected = a.activationsPerDirection * a.numDirections;
    if ((int64_t)names.size() != expected)
      return op->emitOpError() << "activations must list " << expected
                               << " function(s) (" << a.activationsPerDirection
                               << " per direction), got " << names.size();
  } else {
    for (int64_t d = 0; d < a.numDirections; ++d) {
      if (*kind == RecurrentKind::LSTM)
        names.append({"Sigmoid", "Tanh", "Tanh"});
      else if (*kind == RecurrentKind::GRU)
        names.append({"Sigmoid", "Tanh"});
      else
        names.push_back("Tanh");
    }
  }
  SmallVector<float> alphas, betas;
  if (auto attr = op->getAttrOfType<DenseF32ArrayAttr>("activation_alpha"))
    alphas.assign(attr.asArrayRef().begin(), attr.asArrayRef().end());
  if (auto attr = op->getAttrOfType<DenseF32ArrayAttr>("activation_beta"))
    betas.assign(attr.asArrayRef().begin(), attr.asArrayRef().end());
  size_t nextAlpha = 0, nextBeta = 0;
  using A = RecurrentActivation;
  for (StringRef name : names) {
    std::optional<A::Kind> k =
        llvm::StringSwitch<std::optional<A::Kind>>(name.lower())
            .Case("relu", A::Relu)
            .Case("tanh", A::Tanh)
            .Case("sigmoid", A::Sigmoid)
            .Case("affine", A::Affine)
            .Case("leakyrelu", A::LeakyRelu)
            .Case("thresholdedrelu", A::ThresholdedRelu)
            .Case("scaledtanh", A::ScaledTanh)
            .Case("hardsigmoid", A::HardSigmoid)
            .Case("elu", A::Elu)
            .Case("softsign", A::Softsign)
            .Case("softplus", A::Softplus)
            .Default(std::nullopt);
    if (!k)
      return op->emitOpError() << "activation '" << name
                               << "' is not supported (expected Relu, Tanh, "
                                  "Sigmoid, Affine, LeakyRelu, "
                                  "ThresholdedRelu, ScaledTanh, HardSigmoid, "
                                  "Elu, Softsign or Softplus)";
    A activation;
    activation.kind = *k;
    int numAlpha, numBeta;
    activationParams(*k, numAlpha, numBeta, activation.alpha, activation.beta);
    if (numAlpha && nextAlpha < alphas.size())
      activation.alpha = alphas[nextAlpha++];
    if (numBeta && nextBeta < betas.size())
      activation.beta = betas[nextBeta++];
    a.activations.push_back(activation);
  }
  if (nextAlpha < alphas.size())
    return op->emitOpError()
           << "activation_alpha has " << alphas.size()
           << " value(s), but the activations take only " << nextAlpha;
  if (nextBeta < betas.size())
    return op->emitOpError()
           << "activation_beta has " << betas.size()
           << " value(s), but the activations take only " << nextBeta;
  return a;
}

namespace {
/// Unifies the dims of the recurrent op's operands, naming the operand and
/// dim of a conflict.
struct DimChecker {
  Operation *op;
  LogicalResult unify(int64_t &known, int64_t dim, StringRef what,
                      StringRef operand, int64_t index) {
    if (isDyn(dim))
      return success();
    if (isDyn(known)) {
      known = dim;
      return success();
    }
    if (known == dim)
      return success();
    return op->emitOpError() << operand << " dim " << index << " is " << dim
                             << ", but " << what << " is " << known;
  }
  LogicalResult rank(std::optional<SmallVector<int64_t>> &shape,
                     StringRef operand, int64_t expected, StringRef layout) {
    if (!shape || (int64_t)shape->size() == expected)
      return success();
    return op->emitOpError()
           << operand << " must have rank " << expected << " (" << layout
           << "), got rank " << shape->size();
  }
};
} // namespace

LogicalResult inferRecurrentShape(Operation *op, SmallVectorImpl<Type> &types) {
  FailureOr<RecurrentAttrs> attrs = getRecurrentAttrs(op);
  if (failed(attrs))
    return failure();
  bool isLSTM = attrs->kind == RecurrentKind::LSTM;
  static const char *const names[] = {
      "X", "W", "R", "B", "sequence_lens", "initial_h", "initial_c", "P"};
  Type element = getElementType(op->getOperand(0));
  for (unsigned i = 1, e = op->getNumOperands(); i < e; ++i) {
    if (i == 4 || isNone(op->getOperand(i)) || !element)
      continue;
    if (getElementType(op->getOperand(i)) != element)
      return op->emitOpError()
             << names[i] << " must have X's element type " << element
             << ", got " << getElementType(op->getOperand(i));
  }

  DimChecker check{op};
  int64_t numDirections = attrs->numDirections, gates = attrs->numGates;
  bool batchFirst = attrs->layout == 1;
  int64_t seq = ShapedType::kDynamic, batch = ShapedType::kDynamic,
          input = ShapedType::kDynamic, hidden = ShapedType::kDynamic;
  if (auto attr = op->getAttrOfType<IntegerAttr>("hidden_size"))
    hidden = attr.getInt();
  StringRef dirs = "num_directions";

  std::optional<SmallVector<int64_t>> x = getShape(op->getOperand(0));
  if (failed(check.rank(x, "X", 3,
                        batchFirst ? "batch_size, seq_length, input_size"
                                   : "seq_length, batch_size, input_size")))
    return failure();
  if (x) {
    seq = (*x)[batchFirst ? 1 : 0];
    batch = (*x)[batchFirst ? 0 : 1];
    input = (*x)[2];
  }

  std::optional<SmallVector<int64_t>> r = getShape(op->getOperand(2));
  if (failed(check.rank(r, "R", 3,
                        "num_directions, gates * hidden_size, hidden_size")))
    return failure();
  int64_t d = numDirections;
  if (r) {
    if (failed(check.unify(d, (*r)[0], dirs, "R", 0)) ||
        failed(check.unify(hidden, (*r)[2], "hidden_size", "R", 2)))
      return failure();
  }
  std::optional<SmallVector<int64_t>> w = getShape(op->getOperand(1));
  if (failed(check.rank(w, "W", 3,
                        "num_directions, gates * hidden_size, input_size")))
    return failure();
  if (w) {
    if (failed(check.unify(d, (*w)[0], dirs, "W", 0)) ||
        failed(check.unify(input, (*w)[2], "X's input_size", "W", 2)))
      return failure();
    if (isDyn(hidden) && !isDyn((*w)[1])) {
      if ((*w)[1] % gates != 0)
        return op->emitOpError()
               << "W dim 1 is " << (*w)[1] << ", not a multiple of the "
               << gates << " gate(s)";
      hidden = (*w)[1] / gates;
    }
  }
  int64_t gateRows = mulDims(gates, hidden);
  std::string gateWhat = std::to_string(gates) + " * hidden_size";
  if (w && failed(check.unify(gateRows, (*w)[1], gateWhat, "W", 1)))
    return failure();
  if (r && failed(check.unify(gateRows, (*r)[1], gateWhat, "R", 1)))
    return failure();

  std::optional<SmallVector<int64_t>> b = getShape(op->getOperand(3));
  if (failed(check.rank(b, "B", 2, "num_directions, 2 * gates * hidden_size")))
    return failure();
  if (b) {
    int64_t biasRows = mulDims(2, gateRows);
    std::string biasWhat = "2 * " + std::to_string(gates) + " * hidden_size";
    if (failed(check.unify(d, (*b)[0], dirs, "B", 0)) ||
        failed(check.unify(biasRows, (*b)[1], biasWhat, "B", 1)))
      return failure();
  }

  Value seqLens = op->getOperand(4);
  std::optional<SmallVector<int64_t>> lens = getShape(seqLens);
  if (failed(check.rank(lens, "sequence_lens", 1, "batch_size")))
    return failure();
  if (lens) {
    if (failed(
            check.unify(batch, (*lens)[0], "batch_size", "sequence_lens", 0)))
      return failure();
    if (std::optional<SmallVector<int64_t>> values = getConstantInts(seqLens))
      for (auto [i, v] : llvm::enumerate(*values))
        if (v < 0 || (!isDyn(seq) && v > seq))
          return op->emitOpError()
                 << "sequence_lens[" << i << "] is " << v
                 << ", out of range [0, seq_length"
                 << (isDyn(seq) ? std::string("]")
                                : " = " + std::to_string(seq) + "]");
  }

  StringRef stateLayout = batchFirst
                              ? "batch_size, num_directions, hidden_size"
                              : "num_directions, batch_size, hidden_size";
  for (unsigned i : {5u, 6u}) {
    if (i >= op->getNumOperands())
      continue;
    std::optional<SmallVector<int64_t>> s = getShape(op->getOperand(i));
    if (failed(check.rank(s, names[i], 3, stateLayout)))
      return failure();
    if (!s)
      continue;
    if (failed(check.unify(d, (*s)[batchFirst ? 1 : 0], dirs, names[i],
                           batchFirst ? 1 : 0)) ||
        failed(check.unify(batch, (*s)[batchFirst ? 0 : 1], "batch_size",
                           names[i], batchFirst ? 0 : 1)) ||
        failed(check.unify(hidden, (*s)[2], "hidden_size", names[i], 2)))
      return failure();
  }
  if (isLSTM) {
    std::optional<SmallVector<int64_t>> p = getShape(op->getOperand(7));
    if (failed(check.rank(p, "P", 2, "num_directions, 3 * hidden_size")))
      return failure();
    if (p) {
      int64_t peepRows = mulDims(3, hidden);
      if (failed(check.unify(d, (*p)[0], dirs, "P", 0)) ||
          failed(check.unify(peepRows, (*p)[1], "3 * hidden_size", "P", 1)))
        return failure();
    }
  }

  int64_t D = numDirections;
  SmallVector<int64_t> y = batchFirst
                               ? SmallVector<int64_t>{batch, seq, D, hidden}
                               : SmallVector<int64_t>{seq, D, batch, hidden};
  SmallVector<int64_t> state = batchFirst
                                   ? SmallVector<int64_t>{batch, D, hidden}
                                   : SmallVector<int64_t>{D, batch, hidden};
  types.push_back(RankedTensorType::get(y, element));
  types.push_back(RankedTensorType::get(state, element));
  if (isLSTM)
    types.push_back(RankedTensorType::get(state, element));
  return success();
}

} // namespace tessera::nn
