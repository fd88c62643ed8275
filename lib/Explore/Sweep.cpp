//===- Sweep.cpp - sweep files, sampling, constraints, the plan -----------===//
//
// The sweep file (docs/explore.md) is read with LLVM's YAML parser node by
// node, so that every message names the line and column of the key at fault.
// planSweep turns a spec into points: it samples the axes (grid, random or
// Latin hypercube, with a seeded splitmix64 so that a plan depends on nothing
// but the spec), applies each point's settings to the base hardware with
// npu::overrideHardwareDesc, checks the constraints and computes the digest
// that decides whether a point file can be reused.
//
//===----------------------------------------------------------------------===//

#include "Support.h"
#include "tessera/Explore/Explore.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SHA256.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/YAMLParser.h"
#include "llvm/Support/xxhash.h"

#include <cmath>
#include <cstdio>
#include <set>

using namespace llvm;

namespace tessera::explore {

/// Bumped whenever what a point file holds, or how it is computed, changes:
/// it is part of every digest, so old point files are evaluated again.
static constexpr StringLiteral kResultFormat = "tessera-explore-v1";
/// Bounds that keep a typo from asking for billions of points.
static constexpr uint64_t kMaxAxisValues = 100000;
static constexpr uint64_t kMaxPoints = 1000000;

StringRef getSamplingName(Sampling sampling) {
  switch (sampling) {
  case Sampling::Grid:
    return "grid";
  case Sampling::Random:
    return "random";
  case Sampling::LatinHypercube:
    return "lhs";
  }
  return "grid";
}

StringRef getFidelityName(Fidelity fidelity) {
  switch (fidelity) {
  case Fidelity::Analytic:
    return "analytic";
  case Fidelity::Simulated:
    return "simulated";
  case Fidelity::Pareto:
    return "pareto";
  }
  return "analytic";
}

//===----------------------------------------------------------------------===//
// Hardware keys and metrics
//===----------------------------------------------------------------------===//

/// The dotted keys of `hw`'s canonical form with their YAML values, in
/// canonical order: the keys npu::overrideHardwareDesc accepts.
static std::vector<std::pair<std::string, std::string>>
getHardwareEntries(const npu::HardwareDesc &hw) {
  std::vector<std::pair<std::string, std::string>> entries;
  SmallVector<StringRef> lines;
  std::string text = npu::printHardwareDesc(hw);
  StringRef(text).split(lines, '\n', -1, /*KeepEmpty=*/false);
  std::string section;
  for (StringRef line : lines) {
    bool nested = line.starts_with(" ");
    auto [key, value] = line.trim().split(':');
    value = value.trim();
    if (!nested && value.empty()) {
      section = key.str();
      continue;
    }
    if (!nested)
      section.clear();
    entries.push_back(
        {section.empty() ? key.str() : section + "." + key.str(), value.str()});
  }
  return entries;
}

static constexpr StringLiteral kDerivedMetrics[] = {
    "area_mm2", "peak_macs_per_cycle", "sram_kib", "peak_tops"};

Expected<double> getHardwareMetric(const npu::HardwareDesc &hw,
                                   StringRef metric) {
  if (metric == "area_mm2")
    return hw.area.total();
  if (metric == "peak_macs_per_cycle")
    return double(hw.peakMacsPerCycle());
  if (metric == "sram_kib")
    return double(hw.scratchpadBytes + hw.accumulatorBytes) / 1024;
  // Two operations (a multiply and an add) per MAC.
  if (metric == "peak_tops")
    return 2 * hw.peakMacsPerSecond() / 1e12;
  // The SRAM sizes under both of their spellings, whichever the canonical
  // form uses.
  if (metric == "scratchpad.bytes")
    return double(hw.scratchpadBytes);
  if (metric == "scratchpad.kib")
    return double(hw.scratchpadBytes) / 1024;
  if (metric == "accumulator.bytes")
    return double(hw.accumulatorBytes);
  if (metric == "accumulator.kib")
    return double(hw.accumulatorBytes) / 1024;
  std::vector<std::pair<std::string, std::string>> entries =
      getHardwareEntries(hw);
  for (const auto &[key, value] : entries) {
    if (key != metric)
      continue;
    double number;
    if (StringRef(value).getAsDouble(number))
      return createStringError(inconvertibleErrorCode(),
                               "metric '" + metric + "' is not a number");
    return number;
  }
  std::vector<std::string> names(std::begin(kDerivedMetrics),
                                 std::end(kDerivedMetrics));
  for (const auto &entry : entries) {
    double number;
    if (!StringRef(entry.second).getAsDouble(number))
      names.push_back(entry.first);
  }
  return createStringError(inconvertibleErrorCode(),
                           "unknown metric '" + metric +
                               "' (metrics: " + join(names, ", ") + ")");
}

//===----------------------------------------------------------------------===//
// Parsing
//===----------------------------------------------------------------------===//

namespace {
/// Reads one sweep file; the first problem ends the parse.
class SweepParser {
public:
  SweepParser(StringRef text, StringRef fileName) : fileName(fileName) {
    sm.AddNewSourceBuffer(
        MemoryBuffer::getMemBuffer(text, fileName,
                                   /*RequiresNullTerminator=*/false),
        SMLoc());
  }

  Expected<SweepSpec> parse();

private:
  SourceMgr sm;
  std::string fileName;
  std::string dir;
  std::optional<std::string> failure;
  SweepSpec spec;

  bool fail(SMLoc loc, const Twine &message) {
    if (failure)
      return false;
    auto [line, col] = sm.getLineAndColumn(loc);
    failure = (fileName + ":" + Twine(line) + ":" + Twine(col) +
               ": error: " + message)
                  .str();
    return false;
  }
  bool fail(yaml::Node *node, const Twine &message) {
    return fail(node->getSourceRange().Start, message);
  }
  std::pair<unsigned, unsigned> location(yaml::Node *node) {
    return sm.getLineAndColumn(node->getSourceRange().Start);
  }

  std::optional<std::string> scalar(yaml::Node *node, const Twine &what) {
    auto *s = dyn_cast_or_null<yaml::ScalarNode>(node);
    if (!s) {
      fail(node, what + " must be a scalar");
      return std::nullopt;
    }
    SmallString<32> storage;
    return s->getValue(storage).str();
  }
  std::optional<uint64_t> integer(yaml::Node *node, const Twine &what) {
    std::optional<std::string> text = scalar(node, what);
    if (!text)
      return std::nullopt;
    uint64_t value;
    if (StringRef(*text).getAsInteger(10, value)) {
      fail(node, what + " must be a non-negative integer, got '" + *text + "'");
      return std::nullopt;
    }
    return value;
  }
  std::optional<double> number(yaml::Node *node, const Twine &what) {
    std::optional<std::string> text = scalar(node, what);
    if (!text)
      return std::nullopt;
    double value;
    if (StringRef(*text).getAsDouble(value) || !std::isfinite(value)) {
      fail(node, what + " must be a number, got '" + *text + "'");
      return std::nullopt;
    }
    return value;
  }
  /// A scalar, or a sequence of scalars.
  std::optional<std::vector<std::string>> scalarList(yaml::Node *node,
                                                     const Twine &what) {
    std::vector<std::string> values;
    if (isa<yaml::ScalarNode>(node)) {
      values.push_back(*scalar(node, what));
      return values;
    }
    auto *seq = dyn_cast<yaml::SequenceNode>(node);
    if (!seq) {
      fail(node, what + " must be a list");
      return std::nullopt;
    }
    for (yaml::Node &item : *seq) {
      std::optional<std::string> value = scalar(&item, what + " entry");
      if (!value)
        return std::nullopt;
      values.push_back(*value);
    }
    return values;
  }
  /// Iterates `node` as a mapping, calling `each(key, keyNode, value)` until
  /// it returns false.
  template <typename Fn>
  bool mapping(yaml::Node *node, const Twine &what, Fn each) {
    auto *map = dyn_cast_or_null<yaml::MappingNode>(node);
    if (!map)
      return fail(node, what + " must be a mapping");
    for (yaml::KeyValueNode &kv : *map) {
      std::optional<std::string> key = scalar(kv.getKey(), "a key");
      if (!key)
        return false;
      yaml::Node *value = kv.getValue();
      if (!value || isa<yaml::NullNode>(value))
        return fail(kv.getKey(), "'" + *key + "' needs a value");
      if (!each(*key, kv.getKey(), value))
        return false;
    }
    return true;
  }
  std::string resolve(StringRef path) {
    SmallString<256> full(path);
    if (!sys::path::is_absolute(full)) {
      full = dir;
      sys::path::append(full, path);
    }
    sys::path::remove_dots(full, /*remove_dot_dot=*/true);
    return full.str().str();
  }

  bool parseTop(StringRef key, yaml::Node *keyNode, yaml::Node *value);
  bool parseModels(yaml::Node *node);
  bool parseModel(yaml::Node *node);
  bool parseAxes(yaml::Node *node);
  bool parseAxisValues(AxisSpec &axis, yaml::Node *node);
  bool parseRange(AxisSpec &axis, yaml::Node *node);
  bool parsePow2(AxisSpec &axis, yaml::Node *node);
  bool parseSampling(yaml::Node *node);
  bool parseConstraints(yaml::Node *node);
  bool parseConstraint(yaml::Node *node);
  bool parseReport(yaml::Node *node);
  /// Checks across keys, once the whole file is read.
  bool finish(yaml::Node *root);

  yaml::Node *heatmapNode = nullptr;
  yaml::Node *samplingNode = nullptr;
  bool samplesGiven = false;
};
} // namespace

static constexpr StringLiteral kTopKeys[] = {
    "name",        "hardware", "models",       "axes", "sampling",
    "constraints", "fidelity", "simulate_max", "seed", "report"};

Expected<SweepSpec> SweepParser::parse() {
  SmallString<256> absolute(fileName);
  sys::fs::make_absolute(absolute);
  dir = sys::path::parent_path(absolute).str();
  spec.file = fileName;
  spec.name = sys::path::stem(fileName).str();

  // Syntax first, in a stream of its own: semantic checks on a tree the
  // parser recovered from would only confuse.
  std::string syntaxError;
  sm.setDiagHandler(
      [](const SMDiagnostic &diag, void *context) {
        auto *out = static_cast<std::string *>(context);
        if (!out->empty())
          return;
        // LLVM's YAML messages are capitalized and end in '!'.
        std::string message = diag.getMessage().str();
        if (!message.empty())
          message[0] = toLower(message[0]);
        while (!message.empty() && message.back() == '!')
          message.pop_back();
        *out = (diag.getFilename() + ":" + Twine(diag.getLineNo()) + ":" +
                Twine(diag.getColumnNo() + 1) + ": error: " + message)
                   .str();
      },
      &syntaxError);
  MemoryBufferRef buffer =
      sm.getMemoryBuffer(sm.getMainFileID())->getMemBufferRef();
  {
    yaml::Stream check(buffer, sm, /*ShowColors=*/false);
    if (!check.validate() || !syntaxError.empty())
      return createStringError(inconvertibleErrorCode(),
                               syntaxError.empty()
                                   ? fileName + ":1:1: error: invalid YAML"
                                   : syntaxError);
  }
  yaml::Stream stream(buffer, sm, /*ShowColors=*/false);
  yaml::document_iterator doc = stream.begin();
  yaml::Node *root = doc == stream.end() ? nullptr : doc->getRoot();
  if (!root || isa<yaml::NullNode>(root))
    return createStringError(
        inconvertibleErrorCode(),
        fileName + ":1:1: error: empty sweep file (expected a mapping with "
                   "'models' and 'axes')");
  if (!mapping(root, "the sweep file",
               [&](StringRef key, yaml::Node *keyNode, yaml::Node *value) {
                 return parseTop(key, keyNode, value);
               }) ||
      !finish(root))
    return createStringError(inconvertibleErrorCode(), *failure);
  return std::move(spec);
}

bool SweepParser::parseTop(StringRef key, yaml::Node *keyNode,
                           yaml::Node *value) {
  if (key == "name") {
    std::optional<std::string> name = scalar(value, "'name'");
    if (name)
      spec.name = *name;
    return name.has_value();
  }
  if (key == "hardware") {
    std::optional<std::string> hw = scalar(value, "'hardware'");
    if (!hw)
      return false;
    spec.hardware = npu::getPresetYAML(*hw).empty() ? resolve(*hw) : *hw;
    return true;
  }
  if (key == "models")
    return parseModels(value);
  if (key == "axes")
    return parseAxes(value);
  if (key == "sampling")
    return parseSampling(value);
  if (key == "constraints")
    return parseConstraints(value);
  if (key == "fidelity") {
    std::optional<std::string> name = scalar(value, "'fidelity'");
    if (!name)
      return false;
    for (Fidelity f :
         {Fidelity::Analytic, Fidelity::Simulated, Fidelity::Pareto})
      if (*name == getFidelityName(f)) {
        spec.fidelity = f;
        return true;
      }
    return fail(value, "unknown fidelity '" + *name +
                           "' (fidelities: analytic, simulated, pareto)");
  }
  if (key == "simulate_max") {
    std::optional<uint64_t> n = integer(value, "'simulate_max'");
    if (!n)
      return false;
    if (*n == 0 || *n > kMaxPoints)
      return fail(value, "'simulate_max' must be in [1, " + Twine(kMaxPoints) +
                             "], got " + Twine(*n));
    spec.simulateMax = unsigned(*n);
    return true;
  }
  if (key == "seed") {
    std::optional<uint64_t> seed = integer(value, "'seed'");
    if (seed)
      spec.seed = *seed;
    return seed.has_value();
  }
  if (key == "report")
    return parseReport(value);
  return fail(keyNode,
              "unknown key '" + key + "' (keys: " +
                  join(std::begin(kTopKeys), std::end(kTopKeys), ", ") + ")");
}

bool SweepParser::parseModels(yaml::Node *node) {
  auto *seq = dyn_cast<yaml::SequenceNode>(node);
  if (!seq)
    return fail(node, "'models' must be a list of models");
  for (yaml::Node &item : *seq)
    if (!parseModel(&item))
      return false;
  return true;
}

static constexpr StringLiteral kModelKeys[] = {
    "path",     "name", "input_shapes", "calibration", "calibration_samples",
    "lower_qdq"};

bool SweepParser::parseModel(yaml::Node *node) {
  ModelSpec model;
  bool namedExplicitly = false;
  bool ok = mapping(
      node, "a model",
      [&](StringRef key, yaml::Node *keyNode, yaml::Node *value) {
        if (key == "path") {
          std::optional<std::string> path = scalar(value, "'path'");
          if (path)
            model.path = resolve(*path);
          return path.has_value();
        }
        if (key == "name") {
          std::optional<std::string> name = scalar(value, "'name'");
          if (name && name->empty())
            return fail(value, "a model's 'name' must not be empty");
          if (name && !all_of(*name, [](char c) {
                return isAlnum(c) || c == '_' || c == '-' || c == '.';
              }))
            return fail(value, "model name '" + *name +
                                   "' may only hold letters, digits, '_', "
                                   "'-' and '.' (it names a directory)");
          if (name)
            model.name = *name;
          namedExplicitly = true;
          return name.has_value();
        }
        if (key == "input_shapes") {
          std::optional<std::vector<std::string>> shapes =
              scalarList(value, "'input_shapes'");
          if (!shapes)
            return false;
          // YAML splits `[input=1,3,224,224]` at every comma: the dims
          // without a name belong to the shape before them.
          for (const std::string &item : *shapes) {
            if (StringRef(item).contains('=')) {
              model.inputShapes.push_back(item);
              continue;
            }
            if (model.inputShapes.empty())
              return fail(value,
                          "input shape '" + item + "' must be NAME=D0,D1,...");
            model.inputShapes.back() += "," + item;
          }
          return true;
        }
        if (key == "calibration") {
          std::optional<std::string> cal = scalar(value, "'calibration'");
          if (cal)
            model.calibrationDir = resolve(*cal);
          return cal.has_value();
        }
        if (key == "calibration_samples") {
          std::optional<uint64_t> n = integer(value, "'calibration_samples'");
          if (n && (*n == 0 || *n > 10000))
            return fail(value, "'calibration_samples' must be in [1, 10000], "
                               "got " +
                                   Twine(*n));
          if (n)
            model.calibrationSamples = unsigned(*n);
          return n.has_value();
        }
        if (key == "lower_qdq") {
          std::optional<std::string> flag = scalar(value, "'lower_qdq'");
          if (!flag)
            return false;
          if (*flag != "true" && *flag != "false")
            return fail(value, "'lower_qdq' must be true or false, got '" +
                                   *flag + "'");
          model.lowerQDQ = *flag == "true";
          return true;
        }
        return fail(keyNode, "unknown model key '" + key + "' (keys: " +
                                 join(std::begin(kModelKeys),
                                      std::end(kModelKeys), ", ") +
                                 ")");
      });
  if (!ok)
    return false;
  if (model.path.empty())
    return fail(node, "model without 'path'");
  if (!namedExplicitly)
    model.name = sys::path::stem(model.path).str();
  for (const ModelSpec &other : spec.models)
    if (other.name == model.name)
      return fail(node, "duplicate model name '" + model.name +
                            "' (give one of them a 'name')");
  spec.models.push_back(std::move(model));
  return true;
}

bool SweepParser::parseAxes(yaml::Node *node) {
  return mapping(node, "'axes'",
                 [&](StringRef key, yaml::Node *keyNode, yaml::Node *value) {
                   for (const AxisSpec &other : spec.axes)
                     if (other.key == key)
                       return fail(keyNode, "duplicate axis '" + key + "'");
                   AxisSpec axis;
                   axis.key = key.str();
                   std::tie(axis.line, axis.column) = location(keyNode);
                   if (!parseAxisValues(axis, value))
                     return false;
                   spec.axes.push_back(std::move(axis));
                   return true;
                 });
}

bool SweepParser::parseAxisValues(AxisSpec &axis, yaml::Node *node) {
  std::string what = "axis '" + axis.key + "'";
  if (auto *seq = dyn_cast<yaml::SequenceNode>(node)) {
    for (yaml::Node &item : *seq) {
      std::optional<std::string> value = scalar(&item, what + " value");
      if (!value)
        return false;
      axis.values.push_back(*value);
    }
    if (axis.values.empty())
      return fail(node, what + " has no values");
    return true;
  }
  auto *map = dyn_cast<yaml::MappingNode>(node);
  if (!map)
    return fail(node, what + " must be a list of values, {range: {from, to, "
                             "step}} or {pow2: {from, to}}");
  bool seen = false;
  return mapping(node, what,
                 [&](StringRef key, yaml::Node *keyNode, yaml::Node *value) {
                   if (key != "range" && key != "pow2")
                     return fail(keyNode, "unknown axis key '" + key +
                                              "' (keys: range, pow2)");
                   if (seen)
                     return fail(keyNode, what + " takes one of 'range' or "
                                                 "'pow2', not both");
                   seen = true;
                   return key == "range" ? parseRange(axis, value)
                                         : parsePow2(axis, value);
                 });
}

bool SweepParser::parseRange(AxisSpec &axis, yaml::Node *node) {
  std::optional<double> from, to, step;
  yaml::Node *stepNode = nullptr;
  if (!mapping(node, "'range'",
               [&](StringRef key, yaml::Node *keyNode, yaml::Node *value) {
                 if (key == "from")
                   return (from = number(value, "'from'")).has_value();
                 if (key == "to")
                   return (to = number(value, "'to'")).has_value();
                 if (key == "step") {
                   stepNode = value;
                   return (step = number(value, "'step'")).has_value();
                 }
                 return fail(keyNode, "unknown range key '" + key +
                                          "' (keys: from, to, step)");
               }))
    return false;
  if (!from || !to)
    return fail(node, "'range' needs 'from' and 'to'");
  if (!step)
    step = 1;
  if (*step <= 0)
    return fail(stepNode ? stepNode : node,
                "range step must be positive, got " + formatShortest(*step));
  if (*from > *to)
    return fail(node, "empty range: from " + formatShortest(*from) +
                          " is greater than to " + formatShortest(*to));
  // Counted rather than accumulated, so that 0.1 steps do not drift; the
  // tolerance keeps `to` itself when (to - from) / step is whole.
  double count = std::floor((*to - *from) / *step + 1e-9) + 1;
  if (count > double(kMaxAxisValues))
    return fail(node, "range has " + formatShortest(count) +
                          " values, more than " + Twine(kMaxAxisValues));
  for (uint64_t i = 0; i < uint64_t(count); ++i)
    axis.values.push_back(formatShortest(*from + double(i) * *step));
  return true;
}

bool SweepParser::parsePow2(AxisSpec &axis, yaml::Node *node) {
  std::optional<uint64_t> from, to;
  if (!mapping(node, "'pow2'",
               [&](StringRef key, yaml::Node *keyNode, yaml::Node *value) {
                 if (key == "from")
                   return (from = integer(value, "'from'")).has_value();
                 if (key == "to")
                   return (to = integer(value, "'to'")).has_value();
                 return fail(keyNode,
                             "unknown pow2 key '" + key + "' (keys: from, to)");
               }))
    return false;
  if (!from || !to)
    return fail(node, "'pow2' needs 'from' and 'to'");
  if (*from == 0 || !isPowerOf2_64(*from) || !isPowerOf2_64(*to))
    return fail(node, "pow2 bounds must be powers of two, got from " +
                          Twine(*from) + " to " + Twine(*to));
  if (*from > *to)
    return fail(node, "empty range: from " + Twine(*from) +
                          " is greater than to " + Twine(*to));
  for (uint64_t v = *from; v <= *to; v *= 2) {
    axis.values.push_back(std::to_string(v));
    if (v > UINT64_MAX / 2)
      break;
  }
  return true;
}

bool SweepParser::parseSampling(yaml::Node *node) {
  samplingNode = node;
  auto setMethod = [&](yaml::Node *at, StringRef name) {
    for (Sampling s :
         {Sampling::Grid, Sampling::Random, Sampling::LatinHypercube})
      if (name == getSamplingName(s)) {
        spec.sampling = s;
        return true;
      }
    return fail(at, "unknown sampling method '" + name +
                        "' (methods: grid, random, lhs)");
  };
  if (isa<yaml::ScalarNode>(node))
    return setMethod(node, *scalar(node, "'sampling'"));
  return mapping(
      node, "'sampling'",
      [&](StringRef key, yaml::Node *keyNode, yaml::Node *value) {
        if (key == "method") {
          std::optional<std::string> name = scalar(value, "'method'");
          return name && setMethod(value, *name);
        }
        if (key == "points") {
          std::optional<uint64_t> n = integer(value, "'points'");
          if (!n)
            return false;
          if (*n == 0 || *n > kMaxPoints)
            return fail(value, "'points' must be in [1, " + Twine(kMaxPoints) +
                                   "], got " + Twine(*n));
          spec.samples = unsigned(*n);
          samplesGiven = true;
          return true;
        }
        if (key == "seed") {
          std::optional<uint64_t> seed = integer(value, "'seed'");
          if (seed)
            spec.samplingSeed = *seed;
          return seed.has_value();
        }
        return fail(keyNode, "unknown sampling key '" + key +
                                 "' (keys: method, points, seed)");
      });
}

bool SweepParser::parseConstraints(yaml::Node *node) {
  auto *seq = dyn_cast<yaml::SequenceNode>(node);
  if (!seq)
    return fail(node, "'constraints' must be a list such as "
                      "[\"area_mm2 <= 20\"]");
  for (yaml::Node &item : *seq)
    if (!parseConstraint(&item))
      return false;
  return true;
}

bool SweepParser::parseConstraint(yaml::Node *node) {
  std::optional<std::string> text = scalar(node, "a constraint");
  if (!text)
    return false;
  Constraint c;
  c.text = *text;
  std::tie(c.line, c.column) = location(node);
  StringRef rest = StringRef(*text).trim();
  size_t opAt = rest.find_first_of("<>=!");
  auto malformed = [&] {
    return fail(node, "malformed constraint '" + *text +
                          "': expected METRIC OP NUMBER, OP one of <, <=, "
                          ">, >=, ==, !=");
  };
  if (opAt == StringRef::npos || opAt == 0)
    return malformed();
  c.metric = rest.take_front(opAt).trim().str();
  rest = rest.drop_front(opAt);
  static const std::pair<StringRef, Constraint::Op> kOps[] = {
      {"<=", Constraint::Op::LE}, {">=", Constraint::Op::GE},
      {"==", Constraint::Op::EQ}, {"!=", Constraint::Op::NE},
      {"<", Constraint::Op::LT},  {">", Constraint::Op::GT}};
  bool found = false;
  for (auto [spelling, op] : kOps)
    if (rest.consume_front(spelling)) {
      c.op = op;
      found = true;
      break;
    }
  rest = rest.trim();
  if (!found || c.metric.empty() || c.metric.find(' ') != std::string::npos ||
      rest.getAsDouble(c.value) || !std::isfinite(c.value))
    return malformed();
  // Metric names do not depend on the values: any description knows them.
  if (Expected<double> probe = getHardwareMetric(npu::HardwareDesc(), c.metric);
      !probe)
    return fail(node, toString(probe.takeError()));
  spec.constraints.push_back(std::move(c));
  return true;
}

bool SweepParser::parseReport(yaml::Node *node) {
  return mapping(node, "'report'",
                 [&](StringRef key, yaml::Node *keyNode, yaml::Node *value) {
                   if (key != "heatmap")
                     return fail(keyNode, "unknown report key '" + key +
                                              "' (keys: heatmap)");
                   std::optional<std::vector<std::string>> axes =
                       scalarList(value, "'heatmap'");
                   if (!axes)
                     return false;
                   if (axes->size() != 2)
                     return fail(value, "'heatmap' names two axes, got " +
                                            Twine(axes->size()));
                   spec.heatmapAxes = *axes;
                   heatmapNode = value;
                   return true;
                 });
}

bool SweepParser::finish(yaml::Node *root) {
  if (spec.models.empty())
    return fail(root, "the sweep has no models (add 'models: [{path: "
                      "model.onnx}]')");
  if (spec.sampling != Sampling::Grid && !samplesGiven)
    return fail(samplingNode ? samplingNode : root,
                "sampling method '" + getSamplingName(spec.sampling) +
                    "' needs 'points' (how many points to draw)");
  for (const std::string &axis : spec.heatmapAxes)
    if (none_of(spec.axes, [&](const AxisSpec &a) { return a.key == axis; }))
      return fail(heatmapNode,
                  "heat-map axis '" + axis + "' is not an axis of the sweep");
  if (spec.heatmapAxes.empty() && spec.axes.size() >= 2)
    spec.heatmapAxes = {spec.axes[0].key, spec.axes[1].key};
  return true;
}

Expected<SweepSpec> parseSweepSpec(StringRef yaml, StringRef fileName) {
  SweepParser parser(yaml, fileName);
  return parser.parse();
}

Expected<SweepSpec> loadSweepSpec(StringRef path) {
  ErrorOr<std::unique_ptr<MemoryBuffer>> file =
      MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!file)
    return createStringError(file.getError(),
                             "cannot open sweep file '" + path +
                                 "': " + file.getError().message());
  return parseSweepSpec((*file)->getBuffer(), path);
}

//===----------------------------------------------------------------------===//
// Sampling
//===----------------------------------------------------------------------===//

/// Value indices per point, before duplicates are dropped.
static Expected<std::vector<std::vector<unsigned>>>
sampleIndices(const SweepSpec &spec) {
  std::vector<std::vector<unsigned>> points;
  size_t axes = spec.axes.size();
  if (spec.sampling == Sampling::Grid) {
    uint64_t total = 1;
    for (const AxisSpec &axis : spec.axes) {
      total *= axis.values.size();
      if (total > kMaxPoints)
        return createStringError(
            inconvertibleErrorCode(),
            spec.file + ":" + Twine(axis.line) + ":" + Twine(axis.column) +
                ": error: the grid has more than " + Twine(kMaxPoints) +
                " points; sample it with 'sampling: {method: lhs, points: N}'");
    }
    // First axis slowest: count in mixed radix with the last digit fastest.
    std::vector<unsigned> digits(axes, 0);
    for (uint64_t i = 0; i < total; ++i) {
      points.push_back(digits);
      for (size_t a = axes; a-- > 0;) {
        if (++digits[a] < spec.axes[a].values.size())
          break;
        digits[a] = 0;
      }
    }
    return points;
  }
  SplitMix64 rng(spec.samplingSeed);
  unsigned n = spec.samples;
  points.assign(n, std::vector<unsigned>(axes, 0));
  if (spec.sampling == Sampling::Random) {
    for (unsigned i = 0; i < n; ++i)
      for (size_t a = 0; a < axes; ++a)
        points[i][a] = unsigned(rng.below(spec.axes[a].values.size()));
    return points;
  }
  // Latin hypercube: point i of axis a lies in stratum perm[i] of the N
  // equal slices of [0, values); every slice holds one point per axis.
  for (size_t a = 0; a < axes; ++a) {
    std::vector<unsigned> perm(n);
    for (unsigned i = 0; i < n; ++i)
      perm[i] = i;
    for (unsigned i = n; i > 1; --i)
      std::swap(perm[i - 1], perm[rng.below(i)]);
    double values = double(spec.axes[a].values.size());
    for (unsigned i = 0; i < n; ++i) {
      double x = (double(perm[i]) + rng.unit()) / double(n) * values;
      points[i][a] = std::min(unsigned(x), unsigned(values) - 1);
    }
  }
  return points;
}

//===----------------------------------------------------------------------===//
// The plan
//===----------------------------------------------------------------------===//

/// xxh3 of a file's content ("missing" when unreadable: preparation will
/// report it).
static std::string hashFile(StringRef path) {
  ErrorOr<std::unique_ptr<MemoryBuffer>> file =
      MemoryBuffer::getFile(path, /*IsText=*/false,
                            /*RequiresNullTerminator=*/false);
  if (!file)
    return "missing";
  return utohexstr(xxh3_64bits((*file)->getBuffer()), /*LowerCase=*/true);
}

/// What of the models decides every point's results: their specs and the
/// content of the model and calibration files.
static std::string describeModels(const SweepSpec &spec) {
  std::string text;
  raw_string_ostream os(text);
  os << "seed=" << spec.seed << "\n";
  for (const ModelSpec &m : spec.models) {
    os << "model=" << m.name << "\npath=" << m.path
       << "\ncontent=" << hashFile(m.path)
       << "\nshapes=" << join(m.inputShapes, ";")
       << "\ncalibration=" << m.calibrationDir
       << "\nsamples=" << m.calibrationSamples << "\nqdq=" << m.lowerQDQ
       << "\n";
    if (m.calibrationDir.empty())
      continue;
    std::error_code ec;
    std::vector<std::string> files;
    for (sys::fs::recursive_directory_iterator it(m.calibrationDir, ec), end;
         it != end && !ec; it.increment(ec))
      if (it->type() == sys::fs::file_type::regular_file)
        files.push_back(it->path());
    llvm::sort(files);
    for (const std::string &f : files)
      os << "calibration_file=" << f << ":" << hashFile(f) << "\n";
  }
  return text;
}

/// The digest of a point's main file (`points/<id>.json`): what the
/// evaluation reads, and whether it simulates. A pareto sweep's point files
/// hold the analytic pass, so an analytic sweep and a pareto one share them.
static std::string computeDigest(StringRef models, StringRef hardware,
                                 Fidelity fidelity) {
  SHA256 sha;
  sha.update(kResultFormat);
  sha.update(fidelity == Fidelity::Simulated ? "\nsimulated\n"
                                             : "\nanalytic\n");
  sha.update(models);
  sha.update(hardware);
  std::array<uint8_t, 32> hash = sha.final();
  // 128 bits are plenty to tell stale files apart.
  return toHex(ArrayRef(hash).take_front(16), /*LowerCase=*/true);
}

/// Whether `value` satisfies `c`.
static bool satisfies(const Constraint &c, double value) {
  switch (c.op) {
  case Constraint::Op::LT:
    return value < c.value;
  case Constraint::Op::LE:
    return value <= c.value;
  case Constraint::Op::GT:
    return value > c.value;
  case Constraint::Op::GE:
    return value >= c.value;
  case Constraint::Op::EQ:
    return value == c.value;
  case Constraint::Op::NE:
    return value != c.value;
  }
  return false;
}

/// Formats a metric for an excluded reason: 4 significant digits.
static std::string formatMetric(double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%.4g", value);
  return buffer;
}

Expected<std::vector<std::string>> getAxisSettings(StringRef key,
                                                   StringRef value) {
  SmallVector<StringRef> keys, parts;
  key.split(keys, ',');
  if (keys.size() == 1)
    return std::vector<std::string>{(key + "=" + value).str()};
  value.split(parts, ',');
  if (parts.size() != keys.size())
    return createStringError(
        inconvertibleErrorCode(),
        "linked axis '" + key + "': value '" + value + "' has " +
            Twine(parts.size()) + " parts for " + Twine(keys.size()) +
            " keys (write one comma-separated part per key)");
  std::vector<std::string> settings;
  for (auto [k, v] : llvm::zip_equal(keys, parts))
    settings.push_back((k.trim() + "=" + v.trim()).str());
  return settings;
}

Expected<std::vector<Point>> planSweep(const SweepSpec &spec) {
  Expected<npu::HardwareDesc> base = npu::loadHardwareDesc(spec.hardware);
  if (!base) {
    std::string message = toString(base.takeError());
    if (!StringRef(message).contains(": error: "))
      message = spec.file + ": error: " + message;
    return createStringError(inconvertibleErrorCode(), message);
  }
  // An axis key the description lacks is the sweep's error, not a point's:
  // the message of overrideHardwareDesc lists the keys.
  for (const AxisSpec &axis : spec.axes) {
    std::string where = (spec.file + ":" + Twine(axis.line) + ":" +
                         Twine(axis.column) + ": error: ")
                            .str();
    if (axis.values.empty())
      return createStringError(inconvertibleErrorCode(),
                               where + "axis '" + axis.key + "' has no values");
    // A linked axis ("array.rows,array.cols") sets its keys together: every
    // value has one part per key.
    SmallVector<StringRef> keys;
    StringRef(axis.key).split(keys, ',');
    for (const std::string &value : axis.values) {
      Expected<std::vector<std::string>> settings =
          getAxisSettings(axis.key, value);
      if (!settings)
        return createStringError(inconvertibleErrorCode(),
                                 where + toString(settings.takeError()));
    }
    std::vector<std::string> first =
        cantFail(getAxisSettings(axis.key, axis.values.front()));
    for (const std::string &setting : first) {
      Expected<npu::HardwareDesc> probe =
          npu::overrideHardwareDesc(*base, {setting}, spec.hardware);
      if (probe)
        continue;
      std::string message = toString(probe.takeError());
      size_t at = message.find("unknown hardware key");
      if (at != std::string::npos)
        return createStringError(inconvertibleErrorCode(),
                                 where + message.substr(at));
    }
  }
  for (const Constraint &c : spec.constraints)
    if (Expected<double> probe = getHardwareMetric(*base, c.metric); !probe)
      return createStringError(inconvertibleErrorCode(),
                               spec.file + ":" + Twine(c.line) + ":" +
                                   Twine(c.column) +
                                   ": error: " + toString(probe.takeError()));

  Expected<std::vector<std::vector<unsigned>>> sampled = sampleIndices(spec);
  if (!sampled)
    return sampled.takeError();
  std::set<std::vector<unsigned>> seen;
  std::vector<std::vector<unsigned>> unique;
  for (std::vector<unsigned> &indices : *sampled)
    if (seen.insert(indices).second)
      unique.push_back(std::move(indices));

  size_t width = std::max<size_t>(4, std::to_string(unique.size() - 1).size());
  std::string models = describeModels(spec);
  std::vector<Point> points;
  points.reserve(unique.size());
  for (auto [index, indices] : enumerate(unique)) {
    Point p;
    p.index = unsigned(index);
    std::string number = std::to_string(index);
    p.id = "p" + std::string(width - number.size(), '0') + number;
    std::vector<std::string> settings;
    for (auto [a, axis] : enumerate(spec.axes)) {
      p.settings.push_back({axis.key, axis.values[indices[a]]});
      llvm::append_range(settings, cantFail(getAxisSettings(
                                       axis.key, axis.values[indices[a]])));
    }
    Expected<npu::HardwareDesc> hw =
        npu::overrideHardwareDesc(*base, settings, spec.hardware);
    std::string hardwareText;
    if (hw) {
      p.hw = std::move(*hw);
      hardwareText = npu::printHardwareDesc(p.hw);
      for (const Constraint &c : spec.constraints) {
        double value = cantFail(getHardwareMetric(p.hw, c.metric));
        if (!satisfies(c, value)) {
          p.excludedReason = c.text + ": " + formatMetric(value);
          break;
        }
      }
    } else {
      p.hw = *base;
      // One line per problem becomes one line in all.
      std::string message = toString(hw.takeError());
      SmallVector<StringRef> problems;
      StringRef(message).split(problems, '\n', -1, /*KeepEmpty=*/false);
      p.invalidReason = join(problems, "; ");
      hardwareText = "invalid:" + join(settings, ";");
    }
    p.digest = computeDigest(models, hardwareText, spec.fidelity);
    points.push_back(std::move(p));
  }
  return points;
}

} // namespace tessera::explore
