//===- NNRecurrent.h - attributes of the recurrent nn ops -------*- C++ -*-===//
//
// Part of Tessera. The attributes of nn.lstm, nn.gru and nn.rnn resolved with
// ONNX's defaults: directions, layout, clip and the activation functions with
// their alpha/beta values (consumed in order, as ONNX Runtime does). The
// shape function reports inconsistent attributes; the lowering reads them.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_DIALECT_NN_NNRECURRENT_H
#define TESSERA_DIALECT_NN_NNRECURRENT_H

#include "mlir/IR/Operation.h"
#include "llvm/ADT/SmallVector.h"

#include <optional>

namespace tessera::nn {

enum class RecurrentKind { LSTM, GRU, RNN };

/// One activation function of a recurrent op with its alpha and beta.
struct RecurrentActivation {
  enum Kind {
    Relu,
    Tanh,
    Sigmoid,
    Affine,
    LeakyRelu,
    ThresholdedRelu,
    ScaledTanh,
    HardSigmoid,
    Elu,
    Softsign,
    Softplus
  };
  Kind kind = Tanh;
  float alpha = 0, beta = 0;
};

struct RecurrentAttrs {
  RecurrentKind kind = RecurrentKind::LSTM;
  /// Gates per direction: 4 (LSTM: i, o, f, c), 3 (GRU: z, r, h), 1 (RNN).
  int64_t numGates = 1;
  /// Activations per direction: 3 (LSTM f, g, h), 2 (GRU f, g), 1 (RNN f).
  int64_t activationsPerDirection = 1;
  int64_t numDirections = 1;
  /// Direction "reverse" (a bidirectional op's second direction is reversed).
  bool reverse = false;
  int64_t layout = 0;
  std::optional<float> clip;
  bool inputForget = false;
  bool linearBeforeReset = false;
  /// `activationsPerDirection` entries for each direction, in order.
  llvm::SmallVector<RecurrentActivation> activations;
};

/// The kind of a recurrent op, or nullopt for any other op.
std::optional<RecurrentKind> getRecurrentKind(mlir::Operation *op);

/// The resolved attributes of nn.lstm/nn.gru/nn.rnn `op`; emits a located
/// error and fails when an attribute value is invalid or unsupported.
llvm::FailureOr<RecurrentAttrs> getRecurrentAttrs(mlir::Operation *op);

} // namespace tessera::nn

#endif // TESSERA_DIALECT_NN_NNRECURRENT_H
