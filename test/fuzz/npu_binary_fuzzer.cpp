//===- npu_binary_fuzzer.cpp - fuzz the NPU binary decoder ----------------===//
//
// Part of Tessera. Bytes -> npu::decodeProgram. A container that decodes
// must re-encode to one that decodes to the same program, and its assembly
// must parse back.
//
//===----------------------------------------------------------------------===//

#include "FuzzUtils.h"
#include "tessera/NPU/Program.h"

#include "llvm/Support/raw_ostream.h"

using namespace tessera;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::Expected<npu::Program> program =
      npu::decodeProgram(llvm::ArrayRef<uint8_t>(data, size));
  if (!program) {
    llvm::consumeError(program.takeError());
    return 0;
  }
  std::vector<uint8_t> encoded = npu::encodeProgram(*program);
  llvm::Expected<npu::Program> again = npu::decodeProgram(encoded);
  fuzz::check(static_cast<bool>(again), "re-encoded binary decodes");
  fuzz::check(npu::encodeProgram(*again) == encoded,
              "binary round trip is stable");
  std::string text;
  llvm::raw_string_ostream os(text);
  npu::printAssembly(*program, os);
  llvm::Expected<npu::Program> parsed = npu::parseAssembly(text, "printed");
  if (!parsed)
    llvm::errs() << llvm::toString(parsed.takeError()) << "\n" << text;
  fuzz::check(static_cast<bool>(parsed), "printed assembly parses");
  return 0;
}
