//===- Calibration.cpp - quantization points and their statistics ---------===//
//
// Part of Tessera. Enumeration of the float activations with stable keys, and
// the JSON statistics file (tessera/Quantization/Calibration.h).
//
//===----------------------------------------------------------------------===//

#include "tessera/Quantization/Calibration.h"

#include "NN/NNOps.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Location.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cmath>

using namespace mlir;
using llvm::Error;
using llvm::Expected;

namespace tessera {
namespace quant {

//===----------------------------------------------------------------------===//
// Quantization points
//===----------------------------------------------------------------------===//

static bool isFloatTensor(Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  return type && isa<FloatType>(type.getElementType());
}

/// The ONNX node names of `loc`, joined with '+', each once.
static std::string getLocKey(Location loc) {
  return llvm::join(nn::getONNXNodeNames(loc), "+");
}

SmallVector<QuantPoint> enumerateQuantPoints(func::FuncOp func) {
  SmallVector<QuantPoint> points;
  llvm::StringMap<unsigned> seen;
  auto add = [&](Value value, std::string key) {
    if (key.empty())
      key = "value";
    unsigned repeat = seen[key]++;
    if (repeat)
      key += "#" + std::to_string(repeat);
    points.push_back({value, std::move(key)});
  };
  if (func.isExternal())
    return points;
  for (auto [i, arg] : llvm::enumerate(func.getArguments())) {
    if (!isFloatTensor(arg))
      continue;
    auto name = func.getArgAttrOfType<StringAttr>(i, "nn.name");
    add(arg, name ? name.getValue().str() : "arg" + std::to_string(i));
  }
  for (Operation &op : func.getBody().getOps()) {
    if (isa<nn::ConstantOp, nn::NoneOp>(op) ||
        op.hasTrait<OpTrait::IsTerminator>())
      continue;
    std::string base = getLocKey(op.getLoc());
    for (auto [i, result] : llvm::enumerate(op.getResults())) {
      if (!isFloatTensor(result))
        continue;
      std::string key = base;
      if (op.getNumResults() > 1)
        key += ":" + std::to_string(i);
      add(result, std::move(key));
    }
  }
  return points;
}

//===----------------------------------------------------------------------===//
// Statistics
//===----------------------------------------------------------------------===//

size_t Histogram::getBin(double x) const {
  if (counts.empty())
    return 0;
  double width = (hi - lo) / double(counts.size());
  if (!(width > 0) || !(x > lo))
    return 0;
  double bin = std::floor((x - lo) / width);
  return size_t(std::min(bin, double(counts.size() - 1)));
}

const TensorStats *CalibrationStats::lookup(StringRef key) const {
  auto it = tensors.find(key);
  return it == tensors.end() ? nullptr : &it->second;
}

void CalibrationStats::add(StringRef key, TensorStats stats) {
  if (!tensors.count(key))
    keys.push_back(key.str());
  tensors[key] = std::move(stats);
}

/// The first problem found in a statistics file: its JSON path and what is
/// wrong there.
struct Problem {
  std::string where, what;
};

static bool fail(Problem &problem, const Twine &where, const Twine &what) {
  problem = {where.str(), what.str()};
  return false;
}

static bool getNumber(const llvm::json::Object &object, StringRef field,
                      const Twine &where, double &out, Problem &problem) {
  const llvm::json::Value *value = object.get(field);
  if (!value)
    return fail(problem, where + "." + field, "missing field");
  std::optional<double> number = value->getAsNumber();
  if (!number || !std::isfinite(*number))
    return fail(problem, where + "." + field, "expected a finite number");
  out = *number;
  return true;
}

static bool getCount(const llvm::json::Value *value, const Twine &where,
                     uint64_t &out, Problem &problem) {
  if (!value)
    return fail(problem, where, "missing field");
  std::optional<int64_t> number = value->getAsInteger();
  if (!number || *number < 0)
    return fail(problem, where, "expected a non-negative integer");
  out = uint64_t(*number);
  return true;
}

static bool parseStats(const llvm::json::Value &value, const Twine &where,
                       TensorStats &stats, std::string &key, Problem &problem) {
  const llvm::json::Object *object = value.getAsObject();
  if (!object)
    return fail(problem, where, "expected an object");
  std::optional<StringRef> name = object->getString("key");
  if (!name || name->empty())
    return fail(problem, where + ".key", "expected a non-empty string");
  key = name->str();
  if (!getNumber(*object, "min", where, stats.min, problem) ||
      !getNumber(*object, "max", where, stats.max, problem))
    return false;
  if (stats.min > stats.max)
    return fail(problem, where + ".max", "less than min");
  if (!getCount(object->get("count"), where + ".count", stats.count, problem))
    return false;
  const llvm::json::Value *histValue = object->get("histogram");
  if (!histValue)
    return true;
  std::string histWhere = (where + ".histogram").str();
  const llvm::json::Object *hist = histValue->getAsObject();
  if (!hist)
    return fail(problem, histWhere, "expected an object");
  if (!getNumber(*hist, "lo", histWhere, stats.histogram.lo, problem) ||
      !getNumber(*hist, "hi", histWhere, stats.histogram.hi, problem))
    return false;
  if (stats.histogram.lo > stats.histogram.hi)
    return fail(problem, histWhere + ".hi", "less than lo");
  const llvm::json::Array *counts = hist->getArray("counts");
  if (!counts || counts->empty())
    return fail(problem, histWhere + ".counts", "expected a non-empty array");
  for (auto [i, element] : llvm::enumerate(*counts)) {
    uint64_t n;
    if (!getCount(&element, histWhere + ".counts[" + Twine(i) + "]", n,
                  problem))
      return false;
    stats.histogram.counts.push_back(n);
  }
  return true;
}

Expected<CalibrationStats> parseCalibrationStats(StringRef text,
                                                 StringRef path) {
  auto error = [&](const Twine &message) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   path + ": " + message);
  };
  Expected<llvm::json::Value> json = llvm::json::parse(text);
  if (!json)
    return error("not a calibration statistics file: " +
                 llvm::toString(json.takeError()));
  const llvm::json::Object *root = json->getAsObject();
  if (!root || root->getString("format") != CalibrationStats::kFormat)
    return error(Twine("not a calibration statistics file (no \"format\": "
                       "\"") +
                 CalibrationStats::kFormat + "\")");
  if (root->getInteger("version") != CalibrationStats::kVersion)
    return error("unsupported statistics version (this compiler reads "
                 "version " +
                 Twine(CalibrationStats::kVersion) + ")");

  CalibrationStats stats;
  Problem problem;
  auto located = [&]() {
    return error("at " + problem.where + ": " + problem.what);
  };
  std::optional<StringRef> digest = root->getString("model_digest");
  if (!digest) {
    fail(problem, "model_digest", "expected a string");
    return located();
  }
  stats.modelDigest = digest->str();
  std::optional<int64_t> numInputs = root->getInteger("num_inputs");
  if (!numInputs || *numInputs < 0) {
    fail(problem, "num_inputs", "expected a non-negative integer");
    return located();
  }
  stats.numInputs = *numInputs;
  const llvm::json::Array *tensors = root->getArray("tensors");
  if (!tensors) {
    fail(problem, "tensors", "expected an array");
    return located();
  }
  for (auto [i, element] : llvm::enumerate(*tensors)) {
    TensorStats tensor;
    std::string key;
    std::string where = ("tensors[" + Twine(i) + "]").str();
    if (!parseStats(element, where, tensor, key, problem))
      return located();
    if (stats.tensors.count(key)) {
      fail(problem, where + ".key", "repeats an earlier key");
      return located();
    }
    stats.add(key, std::move(tensor));
  }
  return stats;
}

Expected<CalibrationStats> readCalibrationStats(StringRef path) {
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buffer =
      llvm::MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!buffer)
    return llvm::createStringError(
        buffer.getError(),
        path + ": cannot read: " + buffer.getError().message());
  return parseCalibrationStats((*buffer)->getBuffer(), path);
}

Error writeCalibrationStats(StringRef path, const CalibrationStats &stats) {
  llvm::json::Array tensors;
  for (const std::string &key : stats.keys) {
    const TensorStats &tensor = stats.tensors.find(key)->second;
    llvm::json::Object object{{"key", key},
                              {"min", tensor.min},
                              {"max", tensor.max},
                              {"count", int64_t(tensor.count)}};
    if (!tensor.histogram.counts.empty()) {
      llvm::json::Array counts;
      for (uint64_t n : tensor.histogram.counts)
        counts.push_back(int64_t(n));
      object["histogram"] = llvm::json::Object{{"lo", tensor.histogram.lo},
                                               {"hi", tensor.histogram.hi},
                                               {"counts", std::move(counts)}};
    }
    tensors.push_back(std::move(object));
  }
  llvm::json::Object root{{"format", CalibrationStats::kFormat},
                          {"version", CalibrationStats::kVersion},
                          {"model_digest", stats.modelDigest},
                          {"num_inputs", stats.numInputs},
                          {"tensors", std::move(tensors)}};
  std::error_code error;
  llvm::raw_fd_ostream os(path, error, llvm::sys::fs::OF_Text);
  if (error)
    return llvm::createStringError(error,
                                   path + ": cannot write: " + error.message());
  os << llvm::formatv("{0:2}", llvm::json::Value(std::move(root))) << "\n";
  os.close();
  if (os.has_error())
    return llvm::createStringError(
        os.error(), path + ": cannot write: " + os.error().message());
  return llvm::Error::success();
}

} // namespace quant
} // namespace tessera
