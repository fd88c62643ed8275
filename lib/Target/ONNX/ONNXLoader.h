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

} // namespace tessera::onnx_loader

#endif // TESSERA_LIB_TARGET_ONNX_ONNXLOADER_H
