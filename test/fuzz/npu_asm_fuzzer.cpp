//===- npu_asm_fuzzer.cpp - fuzz the NPU assembly parser ------------------===//
//
// Part of Tessera. Text -> npu::parseAssembly. A program that parses must
// print to assembly that parses to the same binary.
//
//===----------------------------------------------------------------------===//

#include "FuzzUtils.h"
#include "tessera/NPU/Program.h"

#include "llvm/Support/raw_ostream.h"

using namespace tessera;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef text(reinterpret_cast<const char *>(data), size);
  llvm::Expected<npu::Program> program = npu::parseAssembly(text, "fuzz");
  if (!program) {
    llvm::consumeError(program.takeError());
    return 0;
  }
  std::string printed;
  llvm::raw_string_ostream os(printed);
  npu::printAssembly(*program, os);
  llvm::Expected<npu::Program> again = npu::parseAssembly(printed, "printed");
  if (!again)
    llvm::errs() << llvm::toString(again.takeError()) << "\n" << printed;
  fuzz::check(static_cast<bool>(again), "printed assembly parses");
  fuzz::check(npu::encodeProgram(*again) == npu::encodeProgram(*program),
              "assembly round trip gives the same binary");
  return 0;
}
