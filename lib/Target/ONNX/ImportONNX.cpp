//===- ImportONNX.cpp - ONNX model to nn dialect --------------------------===//
//
// Part of Tessera. The libonnx calls that may throw live in ONNXLoader.cpp;
// this file walks the checked, upgraded and shape-inferred ModelProto and
// builds nn ops generically from the table generated with the dialect
// (NNOnnxNames.def), so adding an op to the dialect adds it to the importer.
//
//===----------------------------------------------------------------------===//

#include "tessera/Target/ONNX/ImportONNX.h"
#include "AdaptOpset.h"
#include "NN/NNOps.h"
#include "ONNXLoader.h"
#include "ValidateONNX.h"
#include "tessera/Target/ONNX/TensorProto.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Tools/mlir-translate/Translation.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"

#include "onnx/onnx_pb.h"

#include <cstdlib>

using namespace mlir;
using llvm::StringRef;
namespace onnx_proto = tessera::onnx_proto;

namespace {

struct OnnxOpInfo {
  const char *nnName;
  unsigned numInputs;
  bool variadicInputs;
  unsigned numOutputs;
  bool variadicOutputs;
};

const llvm::StringMap<OnnxOpInfo> &getOpTable() {
  static const llvm::StringMap<OnnxOpInfo> table = [] {
    llvm::StringMap<OnnxOpInfo> t;
#define NN_ONNX_OP(ONNX, NN, NIN, VIN, NOUT, VOUT)                             \
  t[ONNX] = OnnxOpInfo{NN, NIN, VIN, NOUT, VOUT};
#include "NN/NNOnnxNames.def"
    return t;
  }();
  return table;
}

/// The op type the opset upgrade turns a deprecated `opType` into (the
/// opset 10 -> 11 adapter replaces Scatter by ScatterElements), or `opType`.
static StringRef upgradedOpType(StringRef opType) {
  if (opType == "Scatter")
    return "ScatterElements";
  return opType;
}

/// One problem that makes the model unsupported, reported with all others.
struct Unsupported {
  std::string node, opType, reason;
  /// Where a node of a subgraph is: "then_branch of 'If_0'", nested ones
  /// joined by ", "; empty in the main graph.
  std::string enclosing;
};

/// The ONNX ops whose GRAPH attributes become regions.
bool isControlFlow(StringRef opType) {
  return opType == "If" || opType == "Loop" || opType == "Scan";
}

class Importer {
public:
  Importer(MLIRContext *ctx, const tessera::ONNXImportOptions &options,
           StringRef fileName, StringRef modelDir)
      : ctx(ctx), options(options), builder(ctx), modelDir(modelDir.str()),
        fileLoc(FileLineColLoc::get(ctx, fileName, 0, 0)) {}

  OwningOpRef<ModuleOp> run(onnx::ModelProto &model);

private:
  LogicalResult prepare(onnx::ModelProto &model);
  LogicalResult pinInputShapes(onnx::GraphProto &graph);
  void collectUnsupported(const onnx::GraphProto &graph,
                          SmallVectorImpl<Unsupported> &problems,
                          bool checkAttributes,
                          const std::string &enclosing = "");
  LogicalResult importGraph(onnx::GraphProto &graph, ModuleOp module);
  LogicalResult importNode(onnx::NodeProto &node, unsigned index);
  LogicalResult importControlFlow(onnx::NodeProto &node, Location loc,
                                  ArrayRef<Value> operands);
  LogicalResult importSubgraph(onnx::GraphProto &graph, Region &region,
                               ArrayRef<Type> argTypes, Location loc,
                               StringRef what);
  LogicalResult finishOp(Operation *op, const onnx::NodeProto &node);
  Type knownType(StringRef name, Location loc);
  FailureOr<Type> convertElementType(int32_t dtype, Location loc,
                                     StringRef what);
  FailureOr<Type> convertType(const onnx::TypeProto &type, Location loc,
                              StringRef what);
  FailureOr<ElementsAttr> convertTensor(onnx::TensorProto &tensor,
                                        Location loc);
  FailureOr<Attribute> convertAttribute(onnx::AttributeProto &attr,
                                        Location loc);
  Value getNone();
  Location nodeLoc(const onnx::NodeProto &node, unsigned index);

  MLIRContext *ctx;
  const tessera::ONNXImportOptions &options;
  OpBuilder builder;
  std::string modelDir;
  Location fileLoc;
  llvm::StringMap<Value> values;
  llvm::StringMap<const onnx::TypeProto *> valueTypes;
  Value none;
  /// Whether the model's opset is below 10, where the version converter
  /// turns Upsample into Resize.
  bool upsampleConverts = false;
};

} // namespace

/// Reports `problems` as one error listing every node; true if any.
static bool reportUnsupported(Location loc, ArrayRef<Unsupported> problems) {
  if (problems.empty())
    return false;
  InFlightDiagnostic diag = emitError(loc);
  diag << "the model uses " << problems.size()
       << " unsupported operator(s) or attribute(s):";
  for (const Unsupported &p : problems)
    diag << "\n  node '" << p.node << "' (" << p.opType
         << (p.enclosing.empty() ? "" : ", in " + p.enclosing)
         << "): " << p.reason;
  return true;
}

Location Importer::nodeLoc(const onnx::NodeProto &node, unsigned index) {
  return NameLoc::get(
      StringAttr::get(ctx, tessera::onnx_validate::getNodeName(node, index)),
      fileLoc);
}

Value Importer::getNone() {
  if (!none) {
    OpBuilder::InsertionGuard guard(builder);
    builder.setInsertionPointToStart(builder.getInsertionBlock());
    none = tessera::nn::NoneOp::create(builder, fileLoc, NoneType::get(ctx));
  }
  return none;
}

FailureOr<Type> Importer::convertElementType(int32_t dtype, Location loc,
                                             StringRef what) {
  if (std::optional<onnx_proto::ElementType> type =
          onnx_proto::getElementType(dtype))
    return tessera::onnx_validate::getMLIRType(builder, *type);
  using TP = onnx::TensorProto;
  std::string name = TP::DataType_IsValid(dtype)
                         ? TP::DataType_Name((TP::DataType)dtype)
                         : "#" + std::to_string(dtype);
  return emitError(loc) << what << " has unsupported element type " << name;
}

FailureOr<Type> Importer::convertType(const onnx::TypeProto &type, Location loc,
                                      StringRef what) {
  if (!type.has_tensor_type())
    return emitError(loc) << what
                          << " is not a tensor (sequences, maps and "
                             "optionals are not supported)";
  const auto &tensor = type.tensor_type();
  FailureOr<Type> element = convertElementType(tensor.elem_type(), loc, what);
  if (failed(element))
    return failure();
  if (!tensor.has_shape())
    return Type(UnrankedTensorType::get(*element));
  SmallVector<int64_t> shape;
  for (const auto &dim : tensor.shape().dim())
    shape.push_back(dim.has_dim_value() ? dim.dim_value()
                                        : ShapedType::kDynamic);
  return Type(RankedTensorType::get(shape, *element));
}

/// A resource key made of characters the MLIR printer keeps bare.
static std::string resourceKey(StringRef name) {
  std::string key;
  for (char c : name)
    key.push_back(isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.'
                      ? c
                      : '_');
  if (key.empty() || isdigit(static_cast<unsigned char>(key[0])))
    key.insert(0, "w_");
  return key;
}

FailureOr<ElementsAttr> Importer::convertTensor(onnx::TensorProto &tensor,
                                                Location loc) {
  std::string what = "tensor '" + tensor.name() + "'";
  FailureOr<Type> element = convertElementType(tensor.data_type(), loc, what);
  if (failed(element))
    return failure();
  onnx_proto::DecodeError error;
  FailureOr<onnx_proto::DecodedTensor> decoded =
      onnx_proto::decodeTensorProto(tensor, modelDir, error);
  if (failed(decoded)) {
    (void)tessera::onnx_validate::emitDecodeError(loc, tensor, error);
    return failure();
  }
  auto type = RankedTensorType::get(decoded->shape, *element);
  ArrayRef<char> data = decoded->data;

  // Small tensors (shape operands, scalars) stay inline so folders can read
  // them; booleans too, since resources store no i1.
  if (decoded->numElements <= options.inlineElementLimit ||
      element->isInteger(1)) {
    if (element->isInteger(1)) {
      SmallVector<bool> bits;
      for (char c : data)
        bits.push_back(c != 0);
      return ElementsAttr(DenseElementsAttr::get(type, bits));
    }
    return ElementsAttr(DenseElementsAttr::getFromRawBuffer(type, data));
  }

  // Hand the protobuf's own bytes, or the external file's, to the blob
  // without a copy when they are aligned.
  size_t align = onnx_proto::getByteSize(decoded->elementType);
  auto aligned = [&](const char *p) {
    return reinterpret_cast<uintptr_t>(p) % align == 0;
  };
  AsmResourceBlob blob;
  if (decoded->raw && aligned(decoded->raw->data())) {
    std::string *raw = decoded->raw.release();
    blob = AsmResourceBlob(
        data, align, [raw](void *, size_t, size_t) { delete raw; },
        /*dataIsMutable=*/false);
  } else if (decoded->external &&
             aligned(decoded->external->getBufferStart())) {
    llvm::MemoryBuffer *external = decoded->external.release();
    blob = AsmResourceBlob(
        data, align, [external](void *, size_t, size_t) { delete external; },
        /*dataIsMutable=*/false);
  } else {
    blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(data, align);
  }
  return ElementsAttr(DenseResourceElementsAttr::get(
      type, resourceKey(tensor.name()), std::move(blob)));
}

FailureOr<Attribute> Importer::convertAttribute(onnx::AttributeProto &attr,
                                                Location loc) {
  using AP = onnx::AttributeProto;
  switch (attr.type()) {
  case AP::INT:
    return Attribute(builder.getI64IntegerAttr(attr.i()));
  case AP::FLOAT:
    return Attribute(builder.getF32FloatAttr(attr.f()));
  case AP::STRING:
    return Attribute(builder.getStringAttr(attr.s()));
  case AP::INTS:
    return Attribute(builder.getDenseI64ArrayAttr(
        SmallVector<int64_t>(attr.ints().begin(), attr.ints().end())));
  case AP::FLOATS:
    return Attribute(builder.getDenseF32ArrayAttr(
        SmallVector<float>(attr.floats().begin(), attr.floats().end())));
  case AP::STRINGS: {
    SmallVector<StringRef> strings(attr.strings().begin(),
                                   attr.strings().end());
    return Attribute(builder.getStrArrayAttr(strings));
  }
  case AP::TENSOR: {
    FailureOr<ElementsAttr> t = convertTensor(*attr.mutable_t(), loc);
    if (failed(t))
      return failure();
    return Attribute(*t);
  }
  default:
    return emitError(loc) << "attribute '" << attr.name()
                          << "' has an unsupported kind";
  }
}

LogicalResult Importer::pinInputShapes(onnx::GraphProto &graph) {
  llvm::StringSet<> initializers;
  for (const auto &init : graph.initializer())
    initializers.insert(init.name());
  llvm::StringSet<> seen;
  std::string inputNames;
  for (auto &input : *graph.mutable_input()) {
    if (initializers.contains(input.name()))
      continue;
    inputNames += (inputNames.empty() ? "" : ", ") + input.name();
    auto it = options.inputShapes.find(input.name());
    if (it == options.inputShapes.end())
      continue;
    seen.insert(input.name());
    ArrayRef<int64_t> pinned = it->second;
    auto *tensor = input.mutable_type()->mutable_tensor_type();
    auto *shape = tensor->mutable_shape();
    if (shape->dim_size() != 0 && shape->dim_size() != (int)pinned.size())
      return emitError(fileLoc)
             << "--input-shape gives " << pinned.size() << " dims for input '"
             << input.name() << "', which has rank " << shape->dim_size();
    if (shape->dim_size() == 0)
      for (size_t i = 0; i < pinned.size(); ++i)
        shape->add_dim();
    for (auto [i, d] : llvm::enumerate(pinned)) {
      auto *dim = shape->mutable_dim(i);
      if (dim->has_dim_value() && dim->dim_value() != d)
        return emitError(fileLoc)
               << "--input-shape pins dim " << i << " of input '"
               << input.name() << "' to " << d << ", but the model fixes it to "
               << dim->dim_value();
      dim->set_dim_value(d);
    }
  }
  for (const auto &entry : options.inputShapes)
    if (!seen.contains(entry.first()))
      return emitError(fileLoc) << "--input-shape names '" << entry.first()
                                << "', which is not an input of the model "
                                   "(inputs: "
                                << inputNames << ")";
  // Every remaining dynamic dim or rank is an error naming the input and its
  // dims, all inputs at once.
  bool ok = true;
  for (const auto &input : graph.input()) {
    if (initializers.contains(input.name()))
      continue;
    if (!input.type().has_tensor_type()) {
      emitError(fileLoc) << "input '" << input.name() << "' is not a tensor";
      ok = false;
      continue;
    }
    const auto &tensor = input.type().tensor_type();
    if (!tensor.has_shape()) {
      emitError(fileLoc) << "input '" << input.name()
                         << "' has a dynamic rank; pin its shape with "
                            "--input-shape "
                         << input.name() << "=d0,d1,...";
      ok = false;
      continue;
    }
    std::string dims;
    int count = 0;
    for (auto [i, dim] : llvm::enumerate(tensor.shape().dim())) {
      if (dim.has_dim_value() && dim.dim_value() >= 0)
        continue;
      dims += (count++ ? ", " : "") + std::to_string(i);
      if (dim.has_dim_param())
        dims += " ('" + dim.dim_param() + "')";
    }
    if (!count)
      continue;
    emitError(fileLoc) << "input '" << input.name() << "' dim"
                       << (count > 1 ? "s " : " ") << dims
                       << (count > 1 ? " are" : " is") << " dynamic; pin "
                       << (count > 1 ? "them" : "it") << " with --input-shape "
                       << input.name() << "=...";
    ok = false;
  }
  return success(ok);
}

void Importer::collectUnsupported(const onnx::GraphProto &graph,
                                  SmallVectorImpl<Unsupported> &problems,
                                  bool checkAttributes,
                                  const std::string &enclosing) {
  const auto &table = getOpTable();
  for (auto [index, node] : llvm::enumerate(graph.node())) {
    std::string name = tessera::onnx_validate::getNodeName(node, index);
    auto report = [&](std::string reason) {
      problems.push_back({name, node.op_type(), std::move(reason), enclosing});
    };
    // The subgraphs of every node are looked into, whatever the node.
    for (const auto &attr : node.attribute())
      if (attr.type() == onnx::AttributeProto::GRAPH)
        collectUnsupported(attr.g(), problems, checkAttributes,
                           attr.name() + " of '" + name + "'" +
                               (enclosing.empty() ? "" : ", " + enclosing));
    if ((node.domain().empty() || node.domain() == "ai.onnx") &&
        isControlFlow(node.op_type())) {
      for (const auto &attr : node.attribute())
        if (attr.type() == onnx::AttributeProto::GRAPHS)
          report("attribute '" + attr.name() + "' has an unsupported kind");
      if (node.op_type() == "Scan" && checkAttributes)
        for (const auto &attr : node.attribute())
          if (attr.type() != onnx::AttributeProto::GRAPH &&
              attr.type() != onnx::AttributeProto::INT &&
              attr.type() != onnx::AttributeProto::INTS)
            report("attribute '" + attr.name() + "' is not supported");
      continue;
    }
    if (!node.domain().empty() && node.domain() != "ai.onnx") {
      report("operators of domain '" + node.domain() + "' are not supported");
      continue;
    }
    if (node.op_type() == "Constant") {
      if (!checkAttributes)
        continue;
      for (const auto &attr : node.attribute())
        if (attr.name() == "sparse_value" || attr.name() == "value_string" ||
            attr.name() == "value_strings")
          report("attribute '" + attr.name() + "' is not supported");
      continue;
    }
    // Before opset 10, the version converter turns Upsample into Resize.
    if (node.op_type() == "Upsample" && !checkAttributes && upsampleConverts)
      continue;
    // Before the upgrade, deprecated ops count as what they become.
    auto it = table.find(checkAttributes ? StringRef(node.op_type())
                                         : upgradedOpType(node.op_type()));
    if (it == table.end()) {
      report("operator is not supported");
      continue;
    }
    std::optional<RegisteredOperationName> opName =
        RegisteredOperationName::lookup(it->second.nnName, ctx);
    if (!opName) {
      report("operator is not registered");
      continue;
    }
    if (!checkAttributes)
      continue;
    ArrayRef<StringAttr> known = opName->getAttributeNames();
    for (const auto &attr : node.attribute()) {
      bool isKnown = llvm::any_of(
          known, [&](StringAttr k) { return k.getValue() == attr.name(); });
      if (!isKnown)
        report("attribute '" + attr.name() + "' is not supported");
      else if (attr.type() == onnx::AttributeProto::GRAPH ||
               attr.type() == onnx::AttributeProto::SPARSE_TENSOR)
        report("attribute '" + attr.name() + "' has an unsupported kind");
      else if (attr.name() == "training_mode" && attr.i() != 0)
        report("training mode is not supported (inference only)");
      else if (node.op_type() == "Cast" && attr.name() == "to" &&
               (attr.i() == onnx::TensorProto::STRING ||
                attr.i() == onnx::TensorProto::COMPLEX64 ||
                attr.i() == onnx::TensorProto::COMPLEX128))
        report("casting to strings or complex numbers is not supported");
    }
  }
}

Type Importer::knownType(StringRef name, Location loc) {
  auto it = valueTypes.find(name);
  if (it == valueTypes.end())
    return nullptr;
  ScopedDiagnosticHandler silence(ctx, [](Diagnostic &) { return success(); });
  FailureOr<Type> t = convertType(*it->second, loc, name);
  return succeeded(t) ? *t : Type();
}

LogicalResult Importer::importNode(onnx::NodeProto &node, unsigned index) {
  Location loc = nodeLoc(node, index);
  auto outputType = [&](StringRef name) -> Type {
    return knownType(name, loc);
  };

  if (node.op_type() == "Constant") {
    if (node.attribute_size() != 1 || node.output_size() != 1)
      return emitError(loc)
             << "Constant must have one attribute and one output";
    auto &attr = *node.mutable_attribute(0);
    ElementsAttr value;
    StringRef an = attr.name();
    if (an == "value") {
      FailureOr<ElementsAttr> t = convertTensor(*attr.mutable_t(), loc);
      if (failed(t))
        return failure();
      value = *t;
    } else if (an == "value_float") {
      value = DenseElementsAttr::get(
          RankedTensorType::get({}, builder.getF32Type()), attr.f());
    } else if (an == "value_floats") {
      SmallVector<float> v(attr.floats().begin(), attr.floats().end());
      value = DenseElementsAttr::get(
          RankedTensorType::get({(int64_t)v.size()}, builder.getF32Type()),
          ArrayRef<float>(v));
    } else if (an == "value_int") {
      value = DenseElementsAttr::get(
          RankedTensorType::get({}, builder.getI64Type()), (int64_t)attr.i());
    } else if (an == "value_ints") {
      SmallVector<int64_t> v(attr.ints().begin(), attr.ints().end());
      value = DenseElementsAttr::get(
          RankedTensorType::get({(int64_t)v.size()}, builder.getI64Type()),
          ArrayRef<int64_t>(v));
    } else {
      return emitError(loc)
             << "Constant attribute '" << an << "' is not supported";
    }
    values[node.output(0)] =
        tessera::nn::ConstantOp::create(builder, loc, value.getType(), value);
    return success();
  }

  if (isControlFlow(node.op_type())) {
    SmallVector<Value> operands;
    for (const std::string &input : node.input()) {
      if (input.empty()) {
        operands.push_back(getNone());
        continue;
      }
      auto it = values.find(input);
      if (it == values.end())
        return emitError(loc)
               << "input '" << input << "' is not defined before its use";
      operands.push_back(it->second);
    }
    return importControlFlow(node, loc, operands);
  }

  const OnnxOpInfo &info = getOpTable().find(node.op_type())->second;
  SmallVector<Value> operands;
  for (const std::string &input : node.input()) {
    if (input.empty()) {
      if (info.variadicInputs)
        return emitError(loc)
               << "variadic inputs of " << node.op_type() << " cannot be empty";
      operands.push_back(getNone());
      continue;
    }
    auto it = values.find(input);
    if (it == values.end())
      return emitError(loc)
             << "input '" << input << "' is not defined before its use";
    operands.push_back(it->second);
  }
  if (!info.variadicInputs) {
    if (operands.size() > info.numInputs)
      return emitError(loc)
             << node.op_type() << " takes at most " << info.numInputs
             << " inputs, got " << operands.size();
    while (operands.size() < info.numInputs)
      operands.push_back(getNone());
  }

  SmallVector<NamedAttribute> attributes;
  for (auto &attr : *node.mutable_attribute()) {
    if (node.op_type() == "Cast" && attr.name() == "to") {
      FailureOr<Type> to =
          convertElementType((int32_t)attr.i(), loc, "Cast's 'to' attribute");
      if (failed(to))
        return failure();
      attributes.push_back(builder.getNamedAttr("to", TypeAttr::get(*to)));
      continue;
    }
    FailureOr<Attribute> value = convertAttribute(attr, loc);
    if (failed(value))
      return failure();
    attributes.push_back(builder.getNamedAttr(attr.name(), *value));
  }

  unsigned numResults =
      info.variadicOutputs ? (unsigned)node.output_size() : info.numOutputs;
  if (!info.variadicOutputs && (unsigned)node.output_size() > numResults)
    return emitError(loc) << node.op_type() << " has at most " << numResults
                          << " outputs, got " << node.output_size();
  SmallVector<Type> resultTypes;
  for (unsigned i = 0; i < numResults; ++i) {
    Type t = i < (unsigned)node.output_size() && !node.output(i).empty()
                 ? outputType(node.output(i))
                 : Type();
    resultTypes.push_back(t ? t : Type(NoneType::get(ctx)));
  }
  OperationState state(loc, info.nnName);
  state.addOperands(operands);
  state.addAttributes(attributes);
  state.addTypes(resultTypes);
  return finishOp(builder.create(state), node);
}

LogicalResult Importer::finishOp(Operation *op, const onnx::NodeProto &node) {
  // Take ONNX's type where it knows one compatible with the shape function,
  // the shape function's otherwise; the verifier reports any conflict.
  FailureOr<SmallVector<Type>> inferred =
      tessera::nn::inferResultTypesQuietly(op);
  // An output without a type (absent, or unknown to ONNX) has one only from
  // the shape function, and would fail the op's type constraints first:
  // report why the shape function failed instead.
  if (failed(inferred) &&
      llvm::any_of(op->getResultTypes(), llvm::IsaPred<NoneType>) &&
      failed(tessera::nn::verifyInferredResultTypes(op)))
    return failure();
  for (auto [i, result] : llvm::enumerate(op->getResults())) {
    if (failed(inferred) || i >= inferred->size())
      break;
    Type current = result.getType(), candidate = (*inferred)[i];
    bool untyped = isa<NoneType>(current);
    bool compatible =
        !untyped &&
        getElementTypeOrSelf(current) == getElementTypeOrSelf(candidate) &&
        succeeded(verifyCompatibleShape(current, candidate));
    if (untyped)
      result.setType(candidate);
    else if (compatible && isa<UnrankedTensorType>(current))
      result.setType(candidate);
  }
  if (failed(verify(op)))
    return failure();
  for (auto [i, output] : llvm::enumerate(node.output()))
    if (!output.empty() && i < op->getNumResults())
      values[output] = op->getResult(i);
  return success();
}

/// The type of slices of `type` along `axis` (unranked when unknown).
static Type sliceType(Type type, int64_t axis) {
  auto ranked = dyn_cast<RankedTensorType>(type);
  if (!ranked)
    return UnrankedTensorType::get(getElementTypeOrSelf(type));
  if (axis < 0)
    axis += ranked.getRank();
  if (axis < 0 || axis >= ranked.getRank())
    return UnrankedTensorType::get(ranked.getElementType());
  SmallVector<int64_t> shape(ranked.getShape());
  shape.erase(shape.begin() + axis);
  return RankedTensorType::get(shape, ranked.getElementType());
}

LogicalResult Importer::importControlFlow(onnx::NodeProto &node, Location loc,
                                          ArrayRef<Value> operands) {
  StringRef opType = node.op_type();
  llvm::StringMap<onnx::GraphProto *> graphs;
  SmallVector<NamedAttribute> attributes;
  for (auto &attr : *node.mutable_attribute()) {
    if (attr.type() == onnx::AttributeProto::GRAPH) {
      graphs[attr.name()] = attr.mutable_g();
      continue;
    }
    FailureOr<Attribute> value = convertAttribute(attr, loc);
    if (failed(value))
      return failure();
    attributes.push_back(builder.getNamedAttr(attr.name(), *value));
  }
  auto graph = [&](StringRef name) -> onnx::GraphProto * {
    auto it = graphs.find(name);
    if (it == graphs.end()) {
      emitError(loc) << opType << " has no '" << name << "' subgraph";
      return nullptr;
    }
    return it->second;
  };

  // Result types: ONNX's where known, the op's inference fills the rest.
  auto resultTypes = [&](unsigned count) {
    SmallVector<Type> types;
    for (unsigned i = 0; i < count; ++i) {
      Type t = i < (unsigned)node.output_size() && !node.output(i).empty()
                   ? knownType(node.output(i), loc)
                   : Type();
      types.push_back(t ? t : Type(NoneType::get(ctx)));
    }
    return types;
  };
  Type i64Scalar = RankedTensorType::get({}, builder.getI64Type());
  Type i1Scalar = RankedTensorType::get({}, builder.getI1Type());

  if (opType == "If") {
    onnx::GraphProto *thenGraph = graph("then_branch");
    onnx::GraphProto *elseGraph = graph("else_branch");
    if (!thenGraph || !elseGraph)
      return failure();
    if (operands.size() != 1 || isa<NoneType>(operands[0].getType()))
      return emitError(loc) << "If takes one input, the condition";
    if (thenGraph->input_size() || elseGraph->input_size())
      return emitError(loc) << "the branches of If take no inputs";
    unsigned count = thenGraph->output_size();
    if ((unsigned)elseGraph->output_size() != count)
      return emitError(loc)
             << "then_branch has " << count << " output(s) but else_branch has "
             << elseGraph->output_size();
    if ((unsigned)node.output_size() > count)
      return emitError(loc) << "If has " << node.output_size()
                            << " outputs but its branches yield " << count;
    auto op = tessera::nn::IfOp::create(builder, loc, resultTypes(count),
                                        operands[0]);
    if (failed(importSubgraph(*thenGraph, op.getThenBranch(), {}, loc,
                              "then_branch")) ||
        failed(importSubgraph(*elseGraph, op.getElseBranch(), {}, loc,
                              "else_branch")))
      return failure();
    return finishOp(op, node);
  }

  if (opType == "Loop") {
    onnx::GraphProto *body = graph("body");
    if (!body)
      return failure();
    if (operands.size() < 2)
      return emitError(loc) << "Loop takes a trip count and a condition";
    for (Value v : operands.drop_front(2))
      if (isa<NoneType>(v.getType()))
        return emitError(loc) << "loop-carried inputs of Loop cannot be empty";
    unsigned n = operands.size() - 2;
    if (body->input_size() != (int)n + 2)
      return emitError(loc) << "the body of Loop takes " << body->input_size()
                            << " inputs, expected " << n + 2;
    if (body->output_size() < (int)n + 1)
      return emitError(loc) << "the body of Loop has " << body->output_size()
                            << " outputs, expected at least " << n + 1;
    unsigned numResults = body->output_size() - 1;
    if ((unsigned)node.output_size() > numResults)
      return emitError(loc) << "Loop has " << node.output_size()
                            << " outputs but its body yields " << numResults;
    SmallVector<Type> argTypes = {i64Scalar, i1Scalar};
    for (Value v : operands.drop_front(2))
      argTypes.push_back(v.getType());
    OperationState state(loc, tessera::nn::LoopOp::getOperationName());
    state.addOperands(operands);
    state.addTypes(resultTypes(numResults));
    state.addRegion();
    Operation *op = builder.create(state);
    if (failed(importSubgraph(*body, op->getRegion(0), argTypes, loc, "body")))
      return failure();
    return finishOp(op, node);
  }

  // Scan (opset 9 and later: no sequence_lens, no batch dim).
  onnx::GraphProto *body = graph("body");
  if (!body)
    return failure();
  int64_t m = -1;
  for (const NamedAttribute &attr : attributes)
    if (attr.getName() == "num_scan_inputs")
      if (auto i = dyn_cast<IntegerAttr>(attr.getValue()))
        m = i.getInt();
  if (m < 1 || m > (int64_t)operands.size())
    return emitError(loc) << "Scan's num_scan_inputs must be between 1 and "
                             "its number of inputs ("
                          << operands.size() << ")";
  for (Value v : operands)
    if (isa<NoneType>(v.getType()))
      return emitError(loc) << "inputs of Scan cannot be empty";
  unsigned n = operands.size() - m;
  if (body->input_size() != (int)operands.size())
    return emitError(loc) << "the body of Scan takes " << body->input_size()
                          << " inputs, expected " << operands.size();
  if (body->output_size() < (int)n)
    return emitError(loc) << "the body of Scan has " << body->output_size()
                          << " outputs, expected at least " << n;
  SmallVector<int64_t> axesStorage;
  for (const NamedAttribute &attr : attributes)
    if (attr.getName() == "scan_input_axes")
      if (auto a = dyn_cast<DenseI64ArrayAttr>(attr.getValue()))
        axesStorage.assign(a.asArrayRef().begin(), a.asArrayRef().end());
  SmallVector<Type> argTypes;
  for (auto [i, v] : llvm::enumerate(operands)) {
    if (i < n) {
      argTypes.push_back(v.getType());
      continue;
    }
    int64_t axis = i - n < axesStorage.size() ? axesStorage[i - n] : 0;
    argTypes.push_back(sliceType(v.getType(), axis));
  }
  unsigned numResults = body->output_size();
  if ((unsigned)node.output_size() > numResults)
    return emitError(loc) << "Scan has " << node.output_size()
                          << " outputs but its body yields " << numResults;
  OperationState state(loc, tessera::nn::ScanOp::getOperationName());
  state.addOperands(operands);
  state.addAttributes(attributes);
  state.addTypes(resultTypes(numResults));
  state.addRegion();
  Operation *op = builder.create(state);
  if (failed(importSubgraph(*body, op->getRegion(0), argTypes, loc, "body")))
    return failure();
  return finishOp(op, node);
}

LogicalResult Importer::importSubgraph(onnx::GraphProto &graph, Region &region,
                                       ArrayRef<Type> argTypes, Location loc,
                                       StringRef what) {
  // The subgraph sees every value of the enclosing scopes (outer-scope
  // references become uses of the enclosing SSA values); its own names
  // shadow them and disappear with it.
  llvm::StringMap<Value> savedValues = values;
  llvm::StringMap<const onnx::TypeProto *> savedTypes = valueTypes;
  Value savedNone = none;
  none = nullptr;
  OpBuilder::InsertionGuard guard(builder);
  auto restore = llvm::make_scope_exit([&] {
    values = std::move(savedValues);
    valueTypes = std::move(savedTypes);
    none = savedNone;
  });

  for (const auto &vi : graph.value_info())
    valueTypes[vi.name()] = &vi.type();
  for (const auto &vi : graph.output())
    valueTypes[vi.name()] = &vi.type();

  Block *block = builder.createBlock(&region);
  for (auto [i, input] : llvm::enumerate(graph.input())) {
    // The subgraph's declared type where it gives one compatible with what
    // the op passes, the passed type otherwise.
    Type declared;
    if (input.type().has_tensor_type() &&
        input.type().tensor_type().elem_type() != 0) {
      ScopedDiagnosticHandler silence(ctx,
                                      [](Diagnostic &) { return success(); });
      FailureOr<Type> t = convertType(input.type(), loc, input.name());
      if (succeeded(t))
        declared = *t;
    }
    Type type = declared;
    if (i < argTypes.size() &&
        (!type ||
         getElementTypeOrSelf(type) != getElementTypeOrSelf(argTypes[i]) ||
         failed(verifyCompatibleShape(type, argTypes[i]))))
      type = argTypes[i];
    if (!type)
      return emitError(loc)
             << what << " input '" << input.name() << "' has no type";
    values[input.name()] = block->addArgument(type, loc);
  }

  for (auto &init : *graph.mutable_initializer()) {
    Location initLoc =
        NameLoc::get(builder.getStringAttr(init.name()), fileLoc);
    FailureOr<ElementsAttr> value = convertTensor(init, initLoc);
    if (failed(value))
      return failure();
    values[init.name()] = tessera::nn::ConstantOp::create(
        builder, initLoc, value->getType(), *value);
  }
  for (auto [index, node] : llvm::enumerate(*graph.mutable_node()))
    if (failed(importNode(node, index)))
      return failure();

  SmallVector<Value> results;
  for (const auto &output : graph.output()) {
    auto it = values.find(output.name());
    if (it == values.end())
      return emitError(loc)
             << what << " output '" << output.name() << "' is never computed";
    results.push_back(it->second);
  }
  tessera::nn::YieldOp::create(builder, loc, results);
  return success();
}

LogicalResult Importer::importGraph(onnx::GraphProto &graph, ModuleOp module) {
  for (const auto &vi : graph.value_info())
    valueTypes[vi.name()] = &vi.type();
  for (const auto &vi : graph.output())
    valueTypes[vi.name()] = &vi.type();

  llvm::StringSet<> initializerNames;
  for (const auto &init : graph.initializer())
    initializerNames.insert(init.name());

  SmallVector<Type> argTypes;
  SmallVector<std::string> argNames;
  for (const auto &input : graph.input()) {
    if (initializerNames.contains(input.name()))
      continue;
    FailureOr<Type> t =
        convertType(input.type(), fileLoc, "input '" + input.name() + "'");
    if (failed(t))
      return failure();
    argTypes.push_back(*t);
    argNames.push_back(input.name());
  }
  SmallVector<Type> resultTypes;
  for (const auto &output : graph.output()) {
    FailureOr<Type> t =
        convertType(output.type(), fileLoc, "output '" + output.name() + "'");
    if (failed(t))
      return failure();
    resultTypes.push_back(*t);
  }

  builder.setInsertionPointToEnd(module.getBody());
  auto func =
      func::FuncOp::create(builder, fileLoc, options.functionName,
                           builder.getFunctionType(argTypes, resultTypes));
  Block *entry = func.addEntryBlock();
  builder.setInsertionPointToStart(entry);
  for (auto [i, name] : llvm::enumerate(argNames)) {
    values[name] = entry->getArgument(i);
    func.setArgAttr(i, "nn.name", builder.getStringAttr(name));
  }

  for (auto &init : *graph.mutable_initializer()) {
    Location loc = NameLoc::get(builder.getStringAttr(init.name()), fileLoc);
    FailureOr<ElementsAttr> value = convertTensor(init, loc);
    if (failed(value))
      return failure();
    values[init.name()] =
        tessera::nn::ConstantOp::create(builder, loc, value->getType(), *value);
  }

  for (auto [index, node] : llvm::enumerate(*graph.mutable_node()))
    if (failed(importNode(node, index)))
      return failure();

  SmallVector<Value> results;
  for (auto [i, output] : llvm::enumerate(graph.output())) {
    auto it = values.find(output.name());
    if (it == values.end())
      return emitError(fileLoc)
             << "graph output '" << output.name() << "' is never computed";
    func.setResultAttr(i, "nn.name", builder.getStringAttr(output.name()));
    results.push_back(it->second);
  }
  func::ReturnOp::create(builder, fileLoc, results);
  func.setType(
      builder.getFunctionType(argTypes, ValueRange(results).getTypes()));
  return success();
}

/// Opset-6 PRelu broadcast a 1-D slope over the channel axis; the version
/// converter keeps the 1-D initializer, which numpy rules align with the last
/// axis instead. Give such slopes their channel-first shape.
static void fixLegacyPRelu(onnx::GraphProto &graph) {
  llvm::StringMap<onnx::TensorProto *> initializers;
  for (auto &init : *graph.mutable_initializer())
    initializers[init.name()] = &init;
  llvm::StringMap<int> ranks;
  llvm::StringMap<onnx::TensorShapeProto *> inputShapes;
  for (auto &input : *graph.mutable_input())
    if (input.type().tensor_type().has_shape()) {
      ranks[input.name()] = input.type().tensor_type().shape().dim_size();
      inputShapes[input.name()] =
          input.mutable_type()->mutable_tensor_type()->mutable_shape();
    }
  for (const auto &node : graph.node()) {
    if (node.op_type() != "PRelu" || node.input_size() != 2)
      continue;
    auto slope = initializers.find(node.input(1));
    auto rank = ranks.find(node.input(0));
    if (slope == initializers.end() || rank == ranks.end() ||
        slope->second->dims_size() != 1 || rank->second <= 2)
      continue;
    // Old IR versions list initializers as inputs too: keep both in step.
    auto declared = inputShapes.find(node.input(1));
    for (int i = 2; i < rank->second; ++i) {
      slope->second->add_dims(1);
      if (declared != inputShapes.end())
        declared->second->add_dim()->set_dim_value(1);
    }
  }
}

/// Emits a note at `loc` (the importer's remarks about what it changed).
static void emitNote(Location loc, const Twine &message) {
  loc.getContext()->getDiagEngine().emit(loc, DiagnosticSeverity::Note)
      << message;
}

LogicalResult Importer::prepare(onnx::ModelProto &model) {
  // ONNX Runtime runs models whose nodes are listed out of order; the
  // checker does not, and every later step walks the nodes in order.
  tessera::onnx_loader::SortResult sorted =
      tessera::onnx_loader::sortNodes(model);
  if (!sorted.error.empty())
    return emitError(NameLoc::get(StringAttr::get(ctx, sorted.node), fileLoc))
           << sorted.error;
  if (sorted.moved > 0)
    emitNote(fileLoc, "the model's nodes are not in topological order; "
                      "sorted " +
                          Twine(sorted.moved) + " nodes");

  int64_t opset = -1;
  for (const auto &import : model.opset_import())
    if (import.domain().empty() || import.domain() == "ai.onnx")
      opset = import.version();
  SmallVector<Unsupported> problems;
  if (opset < 0) {
    // A model of another domain only: its operators are what is missing.
    collectUnsupported(model.graph(), problems, /*checkAttributes=*/false);
    if (reportUnsupported(fileLoc, problems))
      return failure();
    return emitError(fileLoc) << "the model imports no default-domain opset";
  }

  // Models newer than libonnx (opsets 18 and up, IR versions 9 and 10) are
  // rewritten into their opset-17 form first.
  namespace adapt = tessera::onnx_adapt;
  auto reportAdaptProblems = [&](ArrayRef<adapt::Problem> adaptProblems) {
    for (const adapt::Problem &problem : adaptProblems)
      emitError(problem.node.empty()
                    ? fileLoc
                    : Location(NameLoc::get(StringAttr::get(ctx, problem.node),
                                            fileLoc)))
          << problem.message;
    return !adaptProblems.empty();
  };
  if (model.ir_version() > adapt::kNewestIRVersion)
    return emitError(fileLoc)
           << "the model has IR version " << model.ir_version()
           << "; Tessera reads IR versions up to " << adapt::kNewestIRVersion;
  std::vector<adapt::Problem> irProblems;
  adapt::checkNewIRFeatures(model, irProblems);
  if (reportAdaptProblems(irProblems))
    return failure();
  // IR versions 9 and 10 only added what checkNewIRFeatures refuses; libonnx
  // 1.12's checker refuses anything above its own 8.
  if (model.ir_version() > 8)
    model.set_ir_version(8);
  if (opset > options.targetOpset &&
      (opset > adapt::kNewestOpset ||
       options.targetOpset != adapt::kTargetOpset))
    return emitError(fileLoc)
           << "the model uses opset " << opset
           << "; Tessera supports opsets up to " << options.targetOpset
           << " and adapts opsets up to " << adapt::kNewestOpset;
  if (opset > options.targetOpset) {
    adapt::AdaptResult adapted = adapt::adaptToOpset17(model, opset);
    if (reportAdaptProblems(adapted.problems))
      return failure();
    emitNote(fileLoc, "adapted from opset " + Twine(opset) + " to " +
                          Twine(adapt::kTargetOpset) + " (" +
                          Twine(adapted.rewritten) + " nodes rewritten)");
    opset = adapt::kTargetOpset;
  }

  // Unknown operators are listed first, all at once, before anything else
  // can fail on them (an op type's support does not depend on the opset,
  // except for Upsample, which the upgrade from opsets below 10 replaces).
  upsampleConverts = opset < 10;
  collectUnsupported(model.graph(), problems, /*checkAttributes=*/false);
  if (reportUnsupported(fileLoc, problems))
    return failure();
  if (model.graph().input_size() == 0 && model.graph().node_size() == 0 &&
      model.graph().output_size() == 0)
    return emitError(fileLoc) << "the model's graph is empty";

  // Pinning first: a dynamic rank is then reported with the input's name.
  if (failed(pinInputShapes(*model.mutable_graph())))
    return failure();
  // Tessera's own structural checks, before any libonnx step can crash on
  // what they refuse. TESSERA_ONNX_SKIP_VALIDATION=1 skips them, only so that
  // a test can reach the containment of libonnx's crashes.
  const char *skip = std::getenv("TESSERA_ONNX_SKIP_VALIDATION");
  if ((!skip || StringRef(skip) != "1") &&
      failed(tessera::onnx_validate::validateModel(model, modelDir, fileLoc)))
    return failure();
  if (opset < 7)
    fixLegacyPRelu(*model.mutable_graph());
  // The checker, the upgrade and shape inference, contained in a child
  // process unless the options say otherwise.
  using tessera::onnx_loader::Step;
  tessera::onnx_loader::PrepareResult result =
      tessera::onnx_loader::prepareModel(
          model, modelDir, opset, options.targetOpset, options.containCrashes);
  // Attributes are checked against the schemas of the target opset, before
  // a shape inference error is reported.
  bool upgraded = result.error.empty() || result.step == Step::Infer;
  if (upgraded && !result.crashed) {
    collectUnsupported(model.graph(), problems, /*checkAttributes=*/true);
    if (reportUnsupported(fileLoc, problems))
      return failure();
  }
  if (result.error.empty())
    return success();
  InFlightDiagnostic diag = emitError(fileLoc) << result.error;
  if (result.step == Step::Upgrade)
    diag << " (while upgrading from opset " << opset << " to "
         << options.targetOpset << ")";
  return failure();
}

OwningOpRef<ModuleOp> Importer::run(onnx::ModelProto &model) {
  ctx->loadDialect<tessera::nn::NNDialect, func::FuncDialect>();
  if (failed(prepare(model)))
    return nullptr;
  OwningOpRef<ModuleOp> module = ModuleOp::create(fileLoc);
  if (failed(importGraph(*model.mutable_graph(), *module)))
    return nullptr;
  if (failed(verify(*module)))
    return nullptr;
  return module;
}

OwningOpRef<ModuleOp>
tessera::importONNXFile(StringRef path, MLIRContext *ctx,
                        const ONNXImportOptions &options) {
  Location loc = FileLineColLoc::get(ctx, path, 0, 0);
  if (!llvm::sys::fs::exists(path)) {
    emitError(loc) << "no such file";
    return nullptr;
  }
  onnx::ModelProto model;
  std::string error = onnx_loader::parseModelFile(path.str(), model);
  if (!error.empty()) {
    emitError(loc) << error;
    return nullptr;
  }
  SmallString<256> dir(path);
  llvm::sys::path::remove_filename(dir);
  if (dir.empty())
    dir = ".";
  return Importer(ctx, options, path, dir).run(model);
}

OwningOpRef<ModuleOp>
tessera::importONNXBuffer(StringRef buffer, StringRef bufferName,
                          StringRef modelDir, MLIRContext *ctx,
                          const ONNXImportOptions &options) {
  onnx::ModelProto model;
  std::string error =
      onnx_loader::parseModelBuffer(buffer.data(), buffer.size(), model);
  if (!error.empty()) {
    emitError(FileLineColLoc::get(ctx, bufferName, 0, 0)) << error;
    return nullptr;
  }
  return Importer(ctx, options, bufferName, modelDir).run(model);
}

std::string tessera::parseInputShapeSpec(StringRef spec,
                                         ONNXImportOptions &options) {
  auto [name, dims] = spec.rsplit('=');
  if (name.empty() || !spec.contains('='))
    return "--input-shape expects name=d0,d1,..., got '" + spec.str() + "'";
  SmallVector<StringRef> parts;
  dims.split(parts, ',');
  SmallVector<int64_t> shape;
  for (StringRef part : parts) {
    int64_t d;
    if (dims.empty())
      break;
    if (part.trim().getAsInteger(10, d) || d <= 0)
      return "--input-shape for '" + name.str() + "': '" + part.str() +
             "' is not a positive integer";
    shape.push_back(d);
  }
  options.inputShapes[name] = std::move(shape);
  return "";
}

void tessera::registerONNXImportTranslation() {
  static llvm::cl::list<std::string> inputShapes(
      "input-shape", llvm::cl::desc("Pin an input's shape: name=d0,d1,..."),
      llvm::cl::ZeroOrMore);
  TranslateToMLIRRegistration importOnnx(
      "import-onnx", "import an ONNX model into the nn dialect",
      [](llvm::SourceMgr &sourceMgr,
         MLIRContext *ctx) -> OwningOpRef<Operation *> {
        ONNXImportOptions options;
        for (const std::string &spec : inputShapes) {
          std::string error = parseInputShapeSpec(spec, options);
          if (!error.empty()) {
            emitError(UnknownLoc::get(ctx)) << error;
            return nullptr;
          }
        }
        const llvm::MemoryBuffer *buffer =
            sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID());
        StringRef name = buffer->getBufferIdentifier();
        SmallString<256> dir(name);
        llvm::sys::path::remove_filename(dir);
        if (dir.empty())
          dir = ".";
        OwningOpRef<ModuleOp> module =
            importONNXBuffer(buffer->getBuffer(), name, dir, ctx, options);
        return OwningOpRef<Operation *>(module.release());
      },
      [](DialectRegistry &registry) {
        registry.insert<tessera::nn::NNDialect, func::FuncDialect>();
      });
}
