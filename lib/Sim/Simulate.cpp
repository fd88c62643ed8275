//===- Simulate.cpp - one tessera-sim run as a library call -----*- C++ -*-===//
//
// The steps of simulate(), in the order their errors are reported: every
// input, expectation and output file is checked before the program runs, so
// that a bad file is a usage error (status 2) rather than a failed
// simulation (status 1).
//
//===----------------------------------------------------------------------===//

#include "tessera/Sim/Simulate.h"
#include "tessera/NPU/Hardware.h"
#include "tessera/NPU/Program.h"
#include "tessera/Runtime/Runtime.h"
#include "tessera/Sim/Report.h"
#include "tessera/Sim/Simulator.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/WithColor.h"

#include <cstring>
#include <map>
#include <memory>

using namespace llvm;
using namespace tessera;
using namespace tessera::sim;

/// The .npy dtype of a program tensor (bf16 travels as its raw bits).
static StringRef npyDType(npu::ElemType type) {
  switch (type) {
  case npu::ElemType::I8:
    return "int8";
  case npu::ElemType::I32:
    return "int32";
  case npu::ElemType::BF16:
    return "uint16";
  }
  return "?";
}

static std::string shapeString(ArrayRef<int64_t> shape) {
  return "[" +
         join(map_range(shape, [](int64_t d) { return std::to_string(d); }),
              ", ") +
         "]";
}

static std::string describe(const npu::TensorDesc &tensor) {
  return shapeString(tensor.shape) + " " + npyDType(tensor.type).str();
}

static const npu::TensorDesc *findTensor(const npu::Program &program,
                                         StringRef name) {
  for (const npu::TensorDesc &tensor : program.tensors)
    if (tensor.name == name)
      return &tensor;
  return nullptr;
}

static std::string namesOf(const npu::Program &program, npu::TensorKind kind) {
  SmallVector<std::string> names;
  for (const npu::TensorDesc &tensor : program.tensors)
    if (tensor.kind == kind)
      names.push_back("'" + tensor.name + "'");
  return names.empty() ? "none" : join(names, ", ");
}

static Error makeError(const Twine &message) {
  return createStringError(inconvertibleErrorCode(), message);
}

namespace {
/// A program tensor and the .npy file bound to it.
struct BoundTensor {
  const npu::TensorDesc *tensor;
  runtime::HostTensor host;
  std::string file;
};

/// The report files, opened before the run.
struct ReportFiles {
  std::unique_ptr<ToolOutputFile> json, csv, trace;
};
} // namespace

/// Reads `name=FILE` and checks FILE against the program tensor `name` of
/// `kind`.
static Expected<BoundTensor> bindTensor(const npu::Program &program,
                                        StringRef flag, StringRef arg,
                                        npu::TensorKind kind) {
  auto error = [&](const Twine &msg) {
    return makeError("--" + flag + " " + arg + ": " + msg);
  };
  auto [name, file] = arg.split('=');
  if (!arg.contains('=') || name.empty() || file.empty())
    return error("expected NAME=FILE.npy");
  StringRef kindName = kind == npu::TensorKind::Input ? "input" : "output";
  const npu::TensorDesc *tensor = findTensor(program, name);
  if (!tensor || tensor->kind != kind)
    return error("the program has no " + kindName + " named '" + name + "' (" +
                 kindName + "s: " + namesOf(program, kind) + ")");
  Expected<runtime::HostTensor> host = runtime::readNpy(file);
  if (!host)
    return error(toString(host.takeError()));
  if (host->dtype != npyDType(tensor->type) ||
      ArrayRef<int64_t>(host->shape) != ArrayRef<int64_t>(tensor->shape))
    return error("the file holds " + shapeString(host->shape) + " " +
                 host->dtype + ", the program's " + kindName + " '" + name +
                 "' is " + describe(*tensor));
  return BoundTensor{tensor, std::move(*host), file.str()};
}

/// The hardware of --hw with the --set settings applied; reports name what
/// was simulated ("edge dma.bytes_per_cycle=32").
static Expected<npu::HardwareDesc>
loadHardware(const SimulateOptions &options) {
  Expected<npu::HardwareDesc> hw = npu::loadHardwareDesc(options.hwSpec);
  if (hw && !options.hwSettings.empty())
    hw = npu::overrideHardwareDesc(*hw, options.hwSettings, options.hwSpec);
  if (!hw)
    return hw.takeError();
  for (const std::string &setting : options.hwSettings)
    if (!StringRef(setting).starts_with("name="))
      hw->name += " " + setting;
  return hw;
}

static Expected<SimOptions> getRunOptions(const SimulateOptions &options,
                                          const npu::Program &program) {
  SimOptions run;
  run.timing = options.timing;
  if (!options.range.empty()) {
    StringRef range = options.range;
    auto [b, e] = range.split(':');
    uint32_t begin, end;
    if (!range.contains(':') || b.getAsInteger(10, begin) ||
        e.getAsInteger(10, end))
      return makeError("--range=" + range + ": expected BEGIN:END");
    if (begin > end || end > program.insts.size())
      return makeError("--range=" + range + ": expected 0 <= BEGIN <= END <= " +
                       Twine(program.insts.size()) +
                       " (the number of instructions)");
    run.range = std::make_pair(begin, end);
  }
  if (!options.timing && !options.tracePath.empty())
    return makeError("--trace needs timing (drop --no-timing)");
  return run;
}

/// Writes every --input into DRAM; every program input exactly once.
static Error setInputs(Simulator &simulator, const npu::Program &program,
                       ArrayRef<std::string> inputs) {
  std::map<std::string, std::string> given;
  for (const std::string &arg : inputs) {
    Expected<BoundTensor> bound =
        bindTensor(program, "input", arg, npu::TensorKind::Input);
    if (!bound)
      return bound.takeError();
    const std::string &name = bound->tensor->name;
    if (!given.emplace(name, arg).second)
      return makeError("--input " + arg + ": input '" + name +
                       "' is already given by --input " + given[name]);
    const runtime::HostTensor &host = bound->host;
    ArrayRef<uint8_t> bytes(reinterpret_cast<const uint8_t *>(host.data.data()),
                            host.data.size());
    if (Error err = simulator.setInput(name, bytes))
      return err;
  }
  for (const npu::TensorDesc &tensor : program.tensors)
    if (tensor.kind == npu::TensorKind::Input && !given.count(tensor.name))
      return makeError("missing --input " + tensor.name + "=FILE.npy for the " +
                       "program input '" + tensor.name + "' (" +
                       describe(tensor) + ")");
  return Error::success();
}

static Expected<std::vector<BoundTensor>>
readExpectations(const npu::Program &program, ArrayRef<std::string> expects) {
  std::vector<BoundTensor> result;
  for (const std::string &arg : expects) {
    Expected<BoundTensor> bound =
        bindTensor(program, "expect", arg, npu::TensorKind::Output);
    if (!bound)
      return bound.takeError();
    result.push_back(std::move(*bound));
  }
  return std::move(result);
}

/// Opens the report files and creates the output directory.
static Expected<ReportFiles> prepareOutputs(const SimulateOptions &options) {
  ReportFiles files;
  for (auto [path, file] : {std::make_pair(&options.reportJSON, &files.json),
                            std::make_pair(&options.reportCSV, &files.csv),
                            std::make_pair(&options.tracePath, &files.trace)}) {
    if (path->empty())
      continue;
    std::error_code ec;
    *file = std::make_unique<ToolOutputFile>(*path, ec, sys::fs::OF_Text);
    if (ec)
      return createStringError(ec,
                               "cannot write '" + *path + "': " + ec.message());
  }
  if (!options.outputDir.empty())
    if (std::error_code ec = sys::fs::create_directories(options.outputDir))
      return makeError("cannot create --output-dir '" + options.outputDir +
                       "': " + ec.message());
  return std::move(files);
}

static void writeReports(const ReportContext &ctx, ReportFiles &files,
                         bool quiet, raw_ostream &out) {
  if (!quiet)
    printReportTable(ctx, out);
  if (files.json) {
    files.json->os() << formatv("{0:2}", reportToJSON(ctx)) << "\n";
    files.json->keep();
  }
  if (files.csv) {
    printReportCSV(ctx, files.csv->os());
    files.csv->keep();
  }
  if (files.trace) {
    printChromeTrace(ctx, files.trace->os());
    files.trace->os() << "\n";
    files.trace->keep();
  }
}

/// A file name for a tensor name: characters other than [A-Za-z0-9_.-]
/// become '_' so that any tensor name gives a file inside DIR.
static std::string fileNameFor(StringRef name) {
  std::string out;
  for (char ch : name)
    out += (isAlnum(ch) || ch == '_' || ch == '.' || ch == '-') ? ch : '_';
  if (out.empty() || out == "." || out == "..")
    out = "_" + out;
  return out + ".npy";
}

static Error writeOutputs(const Simulator &simulator,
                          const npu::Program &program, StringRef outputDir) {
  for (const npu::TensorDesc &tensor : program.tensors) {
    if (tensor.kind != npu::TensorKind::Output)
      continue;
    runtime::HostTensor host;
    host.name = tensor.name;
    host.dtype = npyDType(tensor.type).str();
    host.shape.assign(tensor.shape.begin(), tensor.shape.end());
    std::vector<uint8_t> bytes = cantFail(simulator.getTensor(tensor.name));
    host.data.assign(bytes.begin(), bytes.end());
    SmallString<256> path(outputDir);
    sys::path::append(path, fileNameFor(tensor.name));
    if (Error err = runtime::writeNpy(path, host))
      return err;
  }
  return Error::success();
}

/// Element `i` of raw tensor bytes as an integer, for mismatch messages.
static int64_t elementAt(ArrayRef<uint8_t> bytes, npu::ElemType type,
                         size_t i) {
  switch (type) {
  case npu::ElemType::I8:
    return int8_t(bytes[i]);
  case npu::ElemType::I32: {
    int32_t v;
    std::memcpy(&v, bytes.data() + 4 * i, 4);
    return v;
  }
  case npu::ElemType::BF16: {
    uint16_t v;
    std::memcpy(&v, bytes.data() + 2 * i, 2);
    return v;
  }
  }
  return 0;
}

static std::string indexString(ArrayRef<int64_t> shape, size_t flat) {
  SmallVector<int64_t> index(shape.size());
  for (size_t d = shape.size(); d-- > 0;) {
    index[d] = int64_t(flat) % shape[d];
    flat /= size_t(shape[d]);
  }
  return shapeString(index);
}

/// The mismatch message of `expect`, or "" when the output equals it.
static std::string compareOutput(const Simulator &simulator,
                                 const BoundTensor &expect, size_t &count) {
  const npu::TensorDesc &tensor = *expect.tensor;
  std::vector<uint8_t> got = cantFail(simulator.getTensor(tensor.name));
  size_t elemBytes = npu::getElemBytes(tensor.type);
  size_t differ = 0, first = 0;
  count = got.size() / elemBytes;
  ArrayRef<uint8_t> want(
      reinterpret_cast<const uint8_t *>(expect.host.data.data()),
      expect.host.data.size());
  for (size_t i = 0; i < count; ++i) {
    if (std::memcmp(got.data() + i * elemBytes, want.data() + i * elemBytes,
                    elemBytes) == 0)
      continue;
    if (differ++ == 0)
      first = i;
  }
  if (differ == 0)
    return "";
  return formatv("output '{0}' differs from {1} in {2} of {3} elements; "
                 "first at {4}: got {5}, expected {6}",
                 tensor.name, expect.file, differ, count,
                 indexString(tensor.shape, first),
                 elementAt(got, tensor.type, first),
                 elementAt(want, tensor.type, first))
      .str();
}

SimulateStatus sim::simulate(const SimulateOptions &options, raw_ostream &out,
                             raw_ostream &err, StringRef toolName) {
  auto fail = [&](const Twine &message, SimulateStatus status) {
    WithColor::error(err, toolName) << message << "\n";
    return status;
  };
  auto failWith = [&](Error error, SimulateStatus status) {
    return fail(toString(std::move(error)), status);
  };
  constexpr SimulateStatus kInputError = SimulateStatus::InputError;

  Expected<npu::Program> program = npu::readProgramFile(options.programPath);
  if (!program)
    return failWith(program.takeError(), kInputError);
  Expected<npu::HardwareDesc> hw = loadHardware(options);
  if (!hw)
    return failWith(hw.takeError(), kInputError);

  Simulator simulator(*program, *hw);
  if (Error error = simulator.initialize())
    return fail(options.programPath + ": " + toString(std::move(error)),
                kInputError);
  Expected<SimOptions> runOptions = getRunOptions(options, *program);
  if (!runOptions)
    return failWith(runOptions.takeError(), kInputError);
  if (Error error = setInputs(simulator, *program, options.inputs))
    return failWith(std::move(error), kInputError);
  Expected<std::vector<BoundTensor>> expects =
      readExpectations(*program, options.expects);
  if (!expects)
    return failWith(expects.takeError(), kInputError);
  Expected<ReportFiles> files = prepareOutputs(options);
  if (!files)
    return failWith(files.takeError(), kInputError);

  if (Error error = simulator.run(*runOptions))
    return fail(options.programPath + ": " + toString(std::move(error)),
                SimulateStatus::Failure);

  ReportContext ctx{sys::path::filename(options.programPath), *program, *hw,
                    simulator.getResult()};
  writeReports(ctx, *files, options.quiet, out);
  if (!options.outputDir.empty())
    if (Error error = writeOutputs(simulator, *program, options.outputDir))
      return failWith(std::move(error), kInputError);

  SimulateStatus status = SimulateStatus::Success;
  for (const BoundTensor &expect : *expects) {
    size_t count = 0;
    std::string mismatch = compareOutput(simulator, expect, count);
    if (mismatch.empty()) {
      if (!options.quiet)
        out << formatv("expect {0}: ok ({1} elements equal {2})\n",
                       expect.tensor->name, count, expect.file);
      continue;
    }
    status = fail(mismatch, SimulateStatus::Failure);
  }
  return status;
}
