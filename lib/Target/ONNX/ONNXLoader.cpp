//===- ONNXLoader.cpp - the libonnx calls, behind a no-throw API ----------===//
//
// Part of Tessera. Built with -fexceptions (see CMakeLists.txt); nothing here
// may let an exception escape.
//
//===----------------------------------------------------------------------===//

#include "ONNXLoader.h"

#include "onnx/checker.h"
#include "onnx/onnx_pb.h"
#include "onnx/shape_inference/implementation.h"
#include "onnx/version_converter/convert.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <fcntl.h>
#include <unistd.h>

namespace tessera::onnx_loader {

template <typename Fn> static std::string guarded(const char *what, Fn &&fn) {
  try {
    return fn();
  } catch (const std::exception &e) {
    return std::string(what) + ": " + e.what();
  } catch (...) {
    return std::string(what) + ": unknown error";
  }
}

static std::string parseFrom(google::protobuf::io::ZeroCopyInputStream &stream,
                             onnx::ModelProto &model) {
  google::protobuf::io::CodedInputStream coded(&stream);
  coded.SetTotalBytesLimit(INT32_MAX);
  if (!model.ParseFromCodedStream(&coded) || !coded.ConsumedEntireMessage())
    return "not a valid ONNX protobuf (truncated, or not an ONNX model)";
  if (!model.has_graph() || model.ir_version() <= 0)
    return "not an ONNX model (no graph or no IR version)";
  return "";
}

std::string parseModelFile(const std::string &path, onnx::ModelProto &model) {
  return guarded("cannot parse model", [&]() -> std::string {
    int fd = ::open(path.c_str(), O_RDONLY);
    if (fd < 0)
      return std::string("cannot open file: ") + std::strerror(errno);
    google::protobuf::io::FileInputStream stream(fd);
    stream.SetCloseOnDelete(true);
    return parseFrom(stream, model);
  });
}

std::string parseModelBuffer(const char *data, size_t size,
                             onnx::ModelProto &model) {
  return guarded("cannot parse model", [&]() -> std::string {
    google::protobuf::io::ArrayInputStream stream(data, (int)size);
    return parseFrom(stream, model);
  });
}

std::string checkModel(const onnx::ModelProto &model,
                       const std::string &modelDir) {
  return guarded("the ONNX checker rejects the model", [&]() -> std::string {
    onnx::checker::CheckerContext ctx;
    std::unordered_map<std::string, int> opsets;
    for (const auto &opset : model.opset_import())
      opsets[opset.domain()] = (int)opset.version();
    ctx.set_ir_version((int)model.ir_version());
    ctx.set_opset_imports(opsets);
    ctx.set_model_dir(modelDir);
    onnx::checker::LexicalScopeContext lexical;
    onnx::checker::check_graph(model.graph(), ctx, lexical);
    return "";
  });
}

std::string convertOpset(onnx::ModelProto &model, int64_t fromVersion,
                         int64_t target) {
  if (fromVersion == target)
    return "";
  return guarded("cannot upgrade the model's opset", [&]() -> std::string {
    onnx::ModelProto converted =
        onnx::version_conversion::ConvertVersion(model, (int)target);
    model.Swap(&converted);
    return "";
  });
}

// Data propagation stays off: libonnx 1.12 crashes in it on some invalid
// broadcasts, and Tessera's own folders compute shape subgraphs anyway.
std::string inferShapes(onnx::ModelProto &model, bool strict) {
  return guarded("ONNX shape inference failed", [&]() -> std::string {
    onnx::ShapeInferenceOptions options(/*check_type=*/strict,
                                        /*error_mode=*/strict ? 1 : 0,
                                        /*enable_data_propagation=*/false);
    onnx::shape_inference::InferShapes(
        model, onnx::OpSchemaRegistry::Instance(), options);
    return "";
  });
}

} // namespace tessera::onnx_loader
