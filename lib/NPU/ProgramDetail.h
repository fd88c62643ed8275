//===- ProgramDetail.h - checks shared by the NPU readers -------*- C++ -*-===//
//
// The pieces of verifyProgram that the binary decoder and the assembly parser
// also call one at a time, so that their errors can say where (file offset,
// line) instead of only which table entry.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_LIB_NPU_PROGRAMDETAIL_H
#define TESSERA_LIB_NPU_PROGRAMDETAIL_H

#include "tessera/NPU/Program.h"

#include "llvm/Support/Error.h"

namespace tessera::npu::detail {

/// A plain string error (the callers add the location).
llvm::Error makeError(const llvm::Twine &message);

/// The dependency flags in `deps` (bits 0-3) are allowed on the queue of
/// `info`'s instruction.
llvm::Error verifyDepFlags(const OpcodeInfo &info, unsigned deps);
/// A name must be non-empty, valid UTF-8, and free of control characters
/// (so that it prints on one assembly line and in reports).
llvm::Error verifyName(llvm::StringRef name);
/// Name, kind, type, every dimension >= 1, and [dramAddr, dramAddr + bytes)
/// inside [0, dramBytes). Overflow-safe.
llvm::Error verifyTensor(const TensorDesc &tensor, uint64_t dramBytes);
/// Name and begin <= end <= numInsts.
llvm::Error verifyLayer(const LayerRange &layer, uint64_t numInsts);
/// Tensors and the constants do not share DRAM bytes. On failure, *culprit
/// (when given) is the index of one of the overlapping tensors.
llvm::Error verifyDisjoint(const Program &program, int *culprit = nullptr);
/// [constantsAddr, constantsAddr + constantsSize) inside [0, dramBytes).
llvm::Error verifyConstants(uint64_t constantsAddr, uint64_t constantsSize,
                            uint64_t dramBytes);
/// The program is non-empty, its last instruction is finish, and no other
/// instruction is.
llvm::Error verifyFinish(llvm::ArrayRef<Inst> insts);

} // namespace tessera::npu::detail

#endif // TESSERA_LIB_NPU_PROGRAMDETAIL_H
