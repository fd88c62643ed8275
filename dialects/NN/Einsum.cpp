//===- Einsum.cpp - the einsum equation parser ----------------------------===//
//
// Part of Tessera.
//
//===----------------------------------------------------------------------===//

#include "NN/Einsum.h"

using namespace mlir;

namespace tessera::nn {

/// The id of label `c`, or -1 when `c` is not a letter.
static int64_t getLabelId(char c) {
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return 26 + (c - 'a');
  return -1;
}

char getEinsumLabel(int64_t id) {
  return id < 26 ? static_cast<char>('A' + id)
                 : static_cast<char>('a' + id - 26);
}

/// Appends the ids of `rank` ellipsis dims, outermost first.
static void appendEllipsis(SmallVectorImpl<int64_t> &ids, int64_t rank) {
  for (int64_t k = rank - 1; k >= 0; --k)
    ids.push_back(kEinsumEllipsisBase + k);
}

EinsumParser::EinsumParser(StringRef equation, EinsumErrorFn emitError)
    : emitError(emitError) {
  for (char c : equation)
    if (c != ' ')
      compact.push_back(c);
  StringRef eq(compact);
  auto [lhs, rhs] = eq.split("->");
  lhs.split(inputs, ',');
  if (eq.contains("->"))
    output = rhs;
}

LogicalResult EinsumParser::checkNumInputs(size_t numOperands) {
  if (inputs.size() == numOperands)
    return success();
  if (emitError)
    emitError() << "equation has " << inputs.size()
                << " input terms but the op has " << numOperands << " operands";
  return failure();
}

FailureOr<SmallVector<int64_t>> EinsumParser::parseInput(size_t index,
                                                         int64_t rank) {
  StringRef term = inputs[index];
  size_t dots = term.find("...");
  bool hasEllipsis = dots != StringRef::npos;
  int64_t letters = term.size() - (hasEllipsis ? 3 : 0);
  if (hasEllipsis ? letters > rank : letters != rank) {
    if (emitError)
      emitError() << "term '" << term << "' does not match an operand of rank "
                  << rank;
    return failure();
  }
  int64_t extra = rank - letters;
  SmallVector<int64_t> ids;
  for (size_t i = 0; i < term.size(); ++i) {
    if (i == dots) {
      appendEllipsis(ids, extra);
      i += 2;
      continue;
    }
    int64_t id = getLabelId(term[i]);
    if (id < 0) {
      if (emitError)
        emitError() << "invalid character '" << term[i] << "' in equation";
      return failure();
    }
    ids.push_back(id);
  }
  for (int64_t id : ids)
    if (id < kEinsumEllipsisBase)
      ++letterCounts[id];
  ellipsisRank = std::max(ellipsisRank, extra);
  return ids;
}

FailureOr<SmallVector<int64_t>> EinsumParser::parseOutput() {
  SmallVector<int64_t> ids;
  if (!output) {
    appendEllipsis(ids, ellipsisRank);
    for (int64_t id = 0; id < kEinsumEllipsisBase; ++id)
      if (letterCounts[id] == 1)
        ids.push_back(id);
    return ids;
  }
  StringRef term = *output;
  for (size_t i = 0; i < term.size(); ++i) {
    if (term.substr(i).starts_with("...")) {
      appendEllipsis(ids, ellipsisRank);
      i += 2;
      continue;
    }
    int64_t id = getLabelId(term[i]);
    if (id < 0 || letterCounts[id] == 0) {
      if (emitError)
        emitError() << "output label '" << term[i]
                    << "' does not appear in the inputs";
      return failure();
    }
    ids.push_back(id);
  }
  return ids;
}

FailureOr<EinsumSpec> parseEinsum(StringRef equation, ArrayRef<int64_t> ranks,
                                  EinsumErrorFn emitError) {
  EinsumParser parser(equation, emitError);
  if (failed(parser.checkNumInputs(ranks.size())))
    return failure();
  EinsumSpec spec;
  for (auto [i, rank] : llvm::enumerate(ranks)) {
    FailureOr<SmallVector<int64_t>> ids = parser.parseInput(i, rank);
    if (failed(ids))
      return failure();
    spec.inputs.push_back(std::move(*ids));
  }
  FailureOr<SmallVector<int64_t>> output = parser.parseOutput();
  if (failed(output))
    return failure();
  spec.output = std::move(*output);
  return spec;
}

} // namespace tessera::nn
