//===- FuzzUtils.h - helpers shared by Tessera's fuzz targets ---*- C++ -*-===//
//
// Part of Tessera. For the targets whose entry points take paths: a private
// scratch directory per process (so external-data locations in an input
// resolve inside it and nowhere else) and a file in it rewritten per input.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_TEST_FUZZ_FUZZUTILS_H
#define TESSERA_TEST_FUZZ_FUZZUTILS_H

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>

namespace tessera::fuzz {

/// Aborts (a crash to libFuzzer) when `condition` is false: a property of a
/// successful parse (a round trip) that does not hold.
inline void check(bool condition, const char *what) {
  if (condition)
    return;
  llvm::errs() << "fuzz property violated: " << what << "\n";
  std::abort();
}

/// The process's scratch directory, created once and removed at exit (a
/// crash leaves it behind). Never destroyed: the exit handler still reads it.
inline const std::string &getScratchDir() {
  static const std::string *dir = [] {
    // tmpfs when there is one: rewriting a file per input on ext4 flushes it
    // on close (auto_da_alloc), 50 times slower.
    const char *tmp = std::getenv("TMPDIR");
    std::string base = access("/dev/shm", W_OK) == 0 ? "/dev/shm"
                       : tmp && *tmp                 ? tmp
                                                     : "/tmp";
    auto *pattern = new std::string(base + "/tessera-fuzz-XXXXXX");
    if (!mkdtemp(pattern->data())) {
      llvm::errs() << "cannot create a scratch directory\n";
      std::abort();
    }
    std::atexit([] { llvm::sys::fs::remove_directories(getScratchDir()); });
    return pattern;
  }();
  return *dir;
}

/// Writes `data` to `<scratch>/<name>` (replacing it) and returns the path.
inline std::string writeScratchFile(const char *name, const uint8_t *data,
                                    size_t size) {
  std::string path = getScratchDir() + "/" + name;
  FILE *file = std::fopen(path.c_str(), "wb");
  if (!file || (size && std::fwrite(data, 1, size, file) != size) ||
      std::fclose(file)) {
    llvm::errs() << "cannot write " << path << "\n";
    std::abort();
  }
  return path;
}

} // namespace tessera::fuzz

#endif // TESSERA_TEST_FUZZ_FUZZUTILS_H
