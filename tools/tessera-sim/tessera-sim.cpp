//===- tessera-sim.cpp - run an NPU program on the simulator --------------===//
//
//   tessera-sim PROGRAM --hw=edge|mid|large|FILE.yaml
//               [--input name=FILE.npy ...] [--expect name=FILE.npy ...]
//               [--output-dir DIR] [--no-timing] [--range=BEGIN:END]
//               [--report-json=FILE] [--report-csv=FILE] [--trace=FILE] [-q]
//
// PROGRAM is a binary container or text assembly. Exit status: 0 ok, 1 an
// output differs from --expect or a runtime error (out-of-bounds access,
// deadlock), 2 a usage or input error (docs/npu/simulator.md, "tessera-sim").
//
//===----------------------------------------------------------------------===//

#include "tessera/NPU/Hardware.h"
#include "tessera/NPU/Program.h"
#include "tessera/Runtime/Runtime.h"
#include "tessera/Sim/Report.h"
#include "tessera/Sim/Simulator.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/WithColor.h"

#include <cstring>
#include <map>

using namespace llvm;
using namespace tessera;

static cl::OptionCategory category("tessera-sim options");
static cl::opt<std::string> programPath(cl::Positional, cl::desc("<program>"),
                                        cl::Required, cl::cat(category));
static cl::opt<std::string>
    hwSpec("hw",
           cl::desc("Hardware description: edge, mid, large or a YAML "
                    "file"),
           cl::Required, cl::cat(category));
static cl::list<std::string> hwSettings(
    "set",
    cl::desc("KEY=VALUE: change one hardware parameter of --hw, KEY a dotted "
             "key of the description (dma.bytes_per_cycle=32, "
             "dram.latency_cycles=200, array.rows=32); repeatable"),
    cl::cat(category));
static cl::list<std::string> inputArgs("input",
                                       cl::desc("name=FILE.npy (every input)"),
                                       cl::cat(category));
static cl::list<std::string>
    expectArgs("expect", cl::desc("name=FILE.npy: compare an output"),
               cl::cat(category));
static cl::opt<std::string>
    outputDir("output-dir", cl::desc("Write every output as DIR/<name>.npy"),
              cl::cat(category));
static cl::opt<bool> noTiming("no-timing",
                              cl::desc("Functional execution only (program "
                                       "order, no cycles or tokens)"),
                              cl::cat(category));
static cl::opt<std::string>
    rangeArg("range",
             cl::desc("BEGIN:END: counters for instructions "
                      "[BEGIN, END)"),
             cl::cat(category));
static cl::opt<std::string> reportJSON("report-json",
                                       cl::desc("Write the JSON report here"),
                                       cl::cat(category));
static cl::opt<std::string>
    reportCSV("report-csv", cl::desc("Write the per-layer CSV report here"),
              cl::cat(category));
static cl::opt<std::string>
    tracePath("trace",
              cl::desc("Write a Chrome trace-event JSON timeline "
                       "(Perfetto, chrome://tracing) here"),
              cl::cat(category));
static cl::opt<bool> quiet("q", cl::desc("Do not print the report table"),
                           cl::cat(category));

static int fail(const Twine &message, int code) {
  WithColor::error(errs(), "tessera-sim") << message << "\n";
  return code;
}

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

/// Reads `name=FILE` and checks FILE against the program tensor `name` of
/// `kind`. Returns the error message on failure.
static Expected<std::pair<const npu::TensorDesc *, runtime::HostTensor>>
bindTensor(const npu::Program &program, StringRef flag, StringRef arg,
           npu::TensorKind kind) {
  auto error = [&](const Twine &msg) {
    return createStringError(inconvertibleErrorCode(),
                             "--" + flag + " " + arg + ": " + msg);
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
  return std::make_pair(tensor, std::move(*host));
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

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(category);
  if (!cl::ParseCommandLineOptions(argc, argv,
                                   "Tessera NPU simulator: runs an NPU "
                                   "program bit-exactly with cycle and "
                                   "energy accounting\n",
                                   &errs()))
    return 2;

  Expected<npu::Program> program = npu::readProgramFile(programPath);
  if (!program)
    return fail(toString(program.takeError()), 2);
  Expected<npu::HardwareDesc> hw = npu::loadHardwareDesc(hwSpec);
  if (hw && !hwSettings.empty())
    hw = npu::overrideHardwareDesc(*hw, hwSettings, hwSpec);
  if (!hw)
    return fail(toString(hw.takeError()), 2);
  // Reports name what was simulated: "edge dma.bytes_per_cycle=32".
  for (const std::string &setting : hwSettings)
    if (!StringRef(setting).starts_with("name="))
      hw->name += " " + setting;

  sim::Simulator simulator(*program, *hw);
  if (auto err = simulator.initialize())
    return fail(programPath + ": " + toString(std::move(err)), 2);

  sim::SimOptions options;
  options.timing = !noTiming;
  if (!rangeArg.empty()) {
    auto [b, e] = StringRef(rangeArg).split(':');
    uint32_t begin, end;
    if (!StringRef(rangeArg).contains(':') || b.getAsInteger(10, begin) ||
        e.getAsInteger(10, end))
      return fail("--range=" + rangeArg + ": expected BEGIN:END", 2);
    if (begin > end || end > program->insts.size())
      return fail("--range=" + rangeArg + ": expected 0 <= BEGIN <= END <= " +
                      Twine(program->insts.size()) +
                      " (the number of instructions)",
                  2);
    options.range = std::make_pair(begin, end);
  }
  if (noTiming && !tracePath.empty())
    return fail("--trace needs timing (drop --no-timing)", 2);

  // Inputs: every program input exactly once.
  std::map<std::string, std::string> given;
  for (const std::string &arg : inputArgs) {
    auto bound = bindTensor(*program, "input", arg, npu::TensorKind::Input);
    if (!bound)
      return fail(toString(bound.takeError()), 2);
    auto &[tensor, host] = *bound;
    if (!given.emplace(tensor->name, arg).second)
      return fail("--input " + arg + ": input '" + tensor->name +
                      "' is already given by --input " + given[tensor->name],
                  2);
    ArrayRef<uint8_t> bytes(reinterpret_cast<const uint8_t *>(host.data.data()),
                            host.data.size());
    if (auto err = simulator.setInput(tensor->name, bytes))
      return fail(toString(std::move(err)), 2);
  }
  for (const npu::TensorDesc &tensor : program->tensors)
    if (tensor.kind == npu::TensorKind::Input && !given.count(tensor.name))
      return fail("missing --input " + tensor.name + "=FILE.npy for the " +
                      "program input '" + tensor.name + "' (" +
                      describe(tensor) + ")",
                  2);

  // Expected outputs are read before running, so that a bad file is a usage
  // error rather than a failed simulation.
  std::vector<std::pair<const npu::TensorDesc *, runtime::HostTensor>> expects;
  std::vector<std::string> expectFiles;
  for (const std::string &arg : expectArgs) {
    auto bound = bindTensor(*program, "expect", arg, npu::TensorKind::Output);
    if (!bound)
      return fail(toString(bound.takeError()), 2);
    expects.push_back(std::move(*bound));
    expectFiles.push_back(StringRef(arg).split('=').second.str());
  }

  // Report files are opened before running for the same reason.
  auto open = [&](const std::string &path)
      -> Expected<std::unique_ptr<ToolOutputFile>> {
    std::error_code ec;
    auto file = std::make_unique<ToolOutputFile>(path, ec, sys::fs::OF_Text);
    if (ec)
      return createStringError(ec,
                               "cannot write '" + path + "': " + ec.message());
    return std::move(file);
  };
  std::unique_ptr<ToolOutputFile> jsonFile, csvFile, traceFile;
  for (auto [path, file] : {std::make_pair(&reportJSON, &jsonFile),
                            std::make_pair(&reportCSV, &csvFile),
                            std::make_pair(&tracePath, &traceFile)}) {
    if (path->empty())
      continue;
    auto opened = open(*path);
    if (!opened)
      return fail(toString(opened.takeError()), 2);
    *file = std::move(*opened);
  }
  if (!outputDir.empty())
    if (std::error_code ec = sys::fs::create_directories(outputDir))
      return fail(
          "cannot create --output-dir '" + outputDir + "': " + ec.message(), 2);

  if (auto err = simulator.run(options))
    return fail(programPath + ": " + toString(std::move(err)), 1);

  const sim::SimResult &result = simulator.getResult();
  sim::ReportContext ctx{sys::path::filename(programPath), *program, *hw,
                         result};
  if (!quiet)
    sim::printReportTable(ctx, outs());
  if (jsonFile) {
    jsonFile->os() << formatv("{0:2}", sim::reportToJSON(ctx)) << "\n";
    jsonFile->keep();
  }
  if (csvFile) {
    sim::printReportCSV(ctx, csvFile->os());
    csvFile->keep();
  }
  if (traceFile) {
    sim::printChromeTrace(ctx, traceFile->os());
    traceFile->os() << "\n";
    traceFile->keep();
  }

  if (!outputDir.empty()) {
    for (const npu::TensorDesc &tensor : program->tensors) {
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
      if (auto err = runtime::writeNpy(path, host))
        return fail(toString(std::move(err)), 2);
    }
  }

  int status = 0;
  for (auto [index, expect] : enumerate(expects)) {
    auto &[tensor, host] = expect;
    std::vector<uint8_t> got = cantFail(simulator.getTensor(tensor->name));
    size_t elemBytes = npu::getElemBytes(tensor->type);
    size_t count = got.size() / elemBytes, differ = 0, first = 0;
    ArrayRef<uint8_t> want(reinterpret_cast<const uint8_t *>(host.data.data()),
                           host.data.size());
    for (size_t i = 0; i < count; ++i) {
      if (std::memcmp(got.data() + i * elemBytes, want.data() + i * elemBytes,
                      elemBytes) == 0)
        continue;
      if (differ++ == 0)
        first = i;
    }
    if (differ == 0) {
      if (!quiet)
        outs() << formatv("expect {0}: ok ({1} elements equal {2})\n",
                          tensor->name, count, expectFiles[index]);
      continue;
    }
    fail(formatv("output '{0}' differs from {1} in {2} of {3} elements; "
                 "first at {4}: got {5}, expected {6}",
                 tensor->name, expectFiles[index], differ, count,
                 indexString(tensor->shape, first),
                 elementAt(got, tensor->type, first),
                 elementAt(want, tensor->type, first)),
         1);
    status = 1;
  }
  return status;
}
