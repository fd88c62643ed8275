//===- Ptxas.cpp - the ptxas check of generated PTX -----------------------===//
//
// Part of Tessera. Assembles the PTX the GPU back end emits with the CUDA
// toolkit's ptxas and reads its per-kernel report (`-v`): registers, spills,
// stack frame and static shared memory. docs/gpu.md ("Kernel report").
//
//===----------------------------------------------------------------------===//

#include "tessera/Codegen/GPU/GPU.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/Program.h"

using namespace llvm;

namespace tessera::gpu {

/// The number that starts `field` ("400 bytes stack frame") when the rest of
/// the field, after the blanks, is `what`.
static std::optional<int64_t> numberBefore(StringRef field, StringRef what) {
  field = field.trim();
  auto [number, rest] = field.split(' ');
  int64_t value;
  if (number.getAsInteger(10, value) || rest.trim() != what)
    return std::nullopt;
  return value;
}

StringMap<PtxasKernelInfo> parsePtxasOutput(StringRef output) {
  // Every function's figures (device functions have a stack frame too), and
  // which of them are entries; the "Used ..." line belongs to the entry being
  // compiled, the stack and spill line to the function named just before.
  StringMap<PtxasKernelInfo> functions;
  StringSet<> entries;
  std::string entry, properties;
  SmallVector<StringRef> lines;
  output.split(lines, '\n');
  for (StringRef line : lines) {
    line = line.trim();
    // "ptxas info    : <message>"
    StringRef message = line;
    if (line.starts_with("ptxas")) {
      size_t colon = line.find(':');
      if (colon == StringRef::npos)
        continue;
      message = line.drop_front(colon + 1).trim();
    }
    if (message.consume_front("Compiling entry function ")) {
      size_t open = message.find('\'');
      size_t close = message.find('\'', open + 1);
      entry = open == StringRef::npos || close == StringRef::npos
                  ? std::string()
                  : message.slice(open + 1, close).str();
      if (!entry.empty())
        entries.insert(entry);
      continue;
    }
    if (message.consume_front("Function properties for ")) {
      properties = message.trim().str();
      continue;
    }
    SmallVector<StringRef> fields;
    message.split(fields, ',');
    if (message.starts_with("Used ")) {
      if (entry.empty())
        continue;
      PtxasKernelInfo &info = functions[entry];
      for (StringRef field : fields) {
        field = field.trim();
        if (field.consume_front("Used ")) {
          if (std::optional<int64_t> n = numberBefore(field, "registers"))
            info.registers = int(*n);
        } else if (std::optional<int64_t> n =
                       numberBefore(field, "bytes smem")) {
          info.sharedBytes = *n;
        }
      }
      continue;
    }
    if (!properties.empty() && message.contains("bytes stack frame")) {
      PtxasKernelInfo &info = functions[properties];
      for (StringRef field : fields) {
        if (std::optional<int64_t> n = numberBefore(field, "bytes stack frame"))
          info.stackBytes = *n;
        else if (std::optional<int64_t> n =
                     numberBefore(field, "bytes spill stores"))
          info.spillStoreBytes = *n;
        else if (std::optional<int64_t> n =
                     numberBefore(field, "bytes spill loads"))
          info.spillLoadBytes = *n;
      }
    }
  }
  StringMap<PtxasKernelInfo> kernels;
  for (const auto &name : entries)
    kernels[name.getKey()] = functions.lookup(name.getKey());
  return kernels;
}

std::optional<std::string> findPtxas() {
  if (ErrorOr<std::string> path = sys::findProgramByName("ptxas"))
    return *path;
  SmallVector<std::string, 2> dirs;
  if (std::optional<std::string> home = sys::Process::GetEnv("CUDA_HOME"))
    dirs.push_back(*home + "/bin");
  dirs.push_back("/usr/local/cuda/bin");
  for (const std::string &dir : dirs) {
    SmallString<256> path(dir);
    sys::path::append(path, "ptxas");
    if (sys::fs::can_execute(path))
      return std::string(path);
  }
  return std::nullopt;
}

static Error fileError(const Twine &what, std::error_code ec) {
  return createStringError(ec, "ptxas check: " + what + ": " + ec.message());
}

Expected<StringMap<PtxasKernelInfo>> runPtxas(StringRef ptxasPath,
                                              StringRef ptx, StringRef chip) {
  // The PTX, the cubin ptxas writes and its report, removed on return.
  SmallString<128> ptxPath, cubinPath, logPath;
  int fd;
  if (std::error_code ec =
          sys::fs::createTemporaryFile("tessera-gpu", "ptx", fd, ptxPath))
    return fileError("cannot create a temporary file", ec);
  FileRemover ptxRemover(ptxPath);
  {
    raw_fd_ostream os(fd, /*shouldClose=*/true);
    os << ptx;
    os.close();
    if (os.has_error())
      return fileError("cannot write " + ptxPath, os.error());
  }
  if (std::error_code ec =
          sys::fs::createTemporaryFile("tessera-gpu", "cubin", cubinPath))
    return fileError("cannot create a temporary file", ec);
  FileRemover cubinRemover(cubinPath);
  if (std::error_code ec =
          sys::fs::createTemporaryFile("tessera-gpu", "log", logPath))
    return fileError("cannot create a temporary file", ec);
  FileRemover logRemover(logPath);

  std::string arch = ("-arch=" + chip).str();
  SmallVector<StringRef> args = {ptxasPath, arch, "-v",     "-O3",
                                 ptxPath,   "-o", cubinPath};
  // ptxas writes its report and its errors to stderr; both streams go to the
  // log.
  std::optional<StringRef> redirects[] = {StringRef(), StringRef(logPath),
                                          StringRef(logPath)};
  std::string errorMessage;
  int rc = sys::ExecuteAndWait(ptxasPath, args, /*Env=*/std::nullopt, redirects,
                               /*SecondsToWait=*/0,
                               /*MemoryLimit=*/0, &errorMessage);
  ErrorOr<std::unique_ptr<MemoryBuffer>> log =
      MemoryBuffer::getFile(logPath, /*IsText=*/true);
  std::string output = log ? (*log)->getBuffer().str() : std::string();
  if (rc < 0)
    return createStringError(inconvertibleErrorCode(),
                             "ptxas check: cannot run '" + ptxasPath +
                                 "': " + errorMessage);
  if (rc != 0) {
    // ptxas names the temporary file; say "<ptx>" instead.
    std::string messages;
    SmallVector<StringRef> lines;
    StringRef(output).split(lines, '\n', -1, /*KeepEmpty=*/false);
    for (StringRef line : lines) {
      std::string text = line.str();
      for (size_t at; (at = text.find(ptxPath.str())) != std::string::npos;)
        text.replace(at, ptxPath.size(), "<ptx>");
      messages += "\n  " + text;
    }
    return createStringError(
        inconvertibleErrorCode(),
        "ptxas rejected the PTX for " + chip + " (exit code " + Twine(rc) +
            "):" + (messages.empty() ? " no message" : messages));
  }
  return parsePtxasOutput(output);
}

} // namespace tessera::gpu
