//===- AdaptOpset.h - models newer than libonnx, to opset 17 ----*- C++ -*-===//
//
// Part of Tessera. libonnx 1.12 knows the default-domain opsets up to 17 and
// IR versions up to 8. Models written for opsets 18 to 21 (IR 9 and 10) are
// rewritten here, on the protobuf, into their opset-17 form where the ONNX
// semantics allow it; what cannot be expressed at opset 17 is reported,
// node by node. Only std types cross this boundary.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_LIB_TARGET_ONNX_ADAPTOPSET_H
#define TESSERA_LIB_TARGET_ONNX_ADAPTOPSET_H

#include <cstdint>
#include <string>
#include <vector>

namespace onnx {
class ModelProto;
} // namespace onnx

namespace tessera::onnx_adapt {

/// The opset libonnx 1.12 knows and the adapters produce.
constexpr int64_t kTargetOpset = 17;
/// The newest default-domain opset the adapters read.
constexpr int64_t kNewestOpset = 21;
/// The newest IR version the importer reads (that of opset 21).
constexpr int64_t kNewestIRVersion = 10;

/// Something the adapters cannot express at opset 17.
struct Problem {
  /// The node (its name, or OpType_index when unnamed); empty for the model.
  std::string node;
  std::string message;
};

/// What adapting a model did.
struct AdaptResult {
  std::vector<Problem> problems;
  /// Nodes rewritten (attributes moved, defaults dropped, decomposed).
  int64_t rewritten = 0;
};

/// Rewrites `model`, whose default-domain opset is `fromOpset` (18 to
/// kNewestOpset), into opset kTargetOpset, walking subgraphs too. Reports every
/// node it cannot adapt; the model is only meaningful when there are none.
AdaptResult adaptToOpset17(onnx::ModelProto &model, int64_t fromOpset);

/// Reports the IR 9/10 features libonnx 1.12 cannot read at all (function
/// overloads, float8/int4/uint4/float4 element types), for models of any
/// opset.
void checkNewIRFeatures(const onnx::ModelProto &model,
                        std::vector<Problem> &problems);

} // namespace tessera::onnx_adapt

#endif // TESSERA_LIB_TARGET_ONNX_ADAPTOPSET_H
