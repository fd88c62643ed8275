//===- ONNXLoader.h - the libonnx calls, behind a no-throw API --*- C++ -*-===//
//
// Part of Tessera. libonnx reports problems by throwing, while the rest of
// Tessera is built without exceptions. ONNXLoader.cpp is the one file built
// with -fexceptions: every call here catches everything and returns the
// message instead (an empty string means success). Only std types cross this
// boundary.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_LIB_TARGET_ONNX_ONNXLOADER_H
#define TESSERA_LIB_TARGET_ONNX_ONNXLOADER_H

#include <cstdint>
#include <string>

namespace onnx {
class ModelProto;
} // namespace onnx

namespace tessera::onnx_loader {

/// Parses the ONNX protobuf in `path` without reading it into memory first.
std::string parseModelFile(const std::string &path, onnx::ModelProto &model);

/// Parses an ONNX protobuf held in memory.
std::string parseModelBuffer(const char *data, size_t size,
                             onnx::ModelProto &model);

/// Runs libonnx's model checker (external data files are looked up in
/// `modelDir`).
std::string checkModel(const onnx::ModelProto &model,
                       const std::string &modelDir);

/// Upgrades the default-domain opset to `target` with libonnx's version
/// converter (does nothing when the model is already there).
std::string convertOpset(onnx::ModelProto &model, int64_t fromVersion,
                         int64_t target);

/// Runs libonnx's shape inference (no data propagation); `strict` turns
/// node-level inference errors into failures.
std::string inferShapes(onnx::ModelProto &model, bool strict);

/// How sorting a model's nodes went.
struct SortResult {
  /// Empty on success, else why the nodes cannot be ordered.
  std::string error;
  /// The node the error is about (its name, or OpType_index when unnamed).
  std::string node;
  /// How many nodes changed place, in the main graph and its subgraphs.
  int64_t moved = 0;
};

/// Orders the nodes of the main graph and of every subgraph (GRAPH and
/// GRAPHS attributes, recursively) topologically, keeping the file order
/// among nodes that are ready together; a graph already in order is left
/// as it is. A node depends on the producers of its inputs and of the values
/// its subgraphs read from the enclosing scope. Fails on a cycle, and on a
/// subgraph node input that neither the subgraph nor an enclosing scope
/// defines (inputs of main-graph nodes that nothing defines are left to
/// Tessera's validation, which reports them all).
SortResult sortNodes(onnx::ModelProto &model);

/// The libonnx steps of an import, in order.
enum class Step { None, Check, Upgrade, Infer };

/// How the libonnx steps of an import went.
struct PrepareResult {
  /// Empty on success, else the message of the step that failed.
  std::string error;
  /// The step that failed or crashed.
  Step step = Step::None;
  /// Whether libonnx crashed (a signal in the worker process) rather than
  /// reporting an error.
  bool crashed = false;
};

/// Runs the libonnx steps of an import on `model`, in place: the checker
/// (external data looked up in `modelDir`), then, when `fromOpset` is below
/// `targetOpset`, lenient shape inference and the version converter, then
/// strict shape inference. When strict inference fails, `model` holds the
/// upgraded model.
///
/// With `contain`, the steps run in a forked child process, so that a crash
/// inside libonnx (a segfault, heap corruption, a division by zero) becomes
/// an error naming the step instead of taking the process down. The child
/// inherits the model and sends back the result without the raw data of the
/// initializers it did not change, which the parent moves over from its own
/// copy. The caller must not run other threads that hold locks libonnx or
/// malloc need (the importer runs before any pass).
PrepareResult prepareModel(onnx::ModelProto &model, const std::string &modelDir,
                           int64_t fromOpset, int64_t targetOpset,
                           bool contain);

} // namespace tessera::onnx_loader

#endif // TESSERA_LIB_TARGET_ONNX_ONNXLOADER_H
