//===- Contraction.cpp - nn Contraction ops to linalg ------------------------------===//
//
// Part of Tessera.
//
//===----------------------------------------------------------------------===//

#include "Utils.h"
#include "tessera/Conversion/NNToLinalg/NNToLinalg.h"

using namespace mlir;
using namespace tessera;
using namespace tessera::nn_to_linalg;

void tessera::populateNNContractionToLinalgPatterns(
    const TypeConverter &converter, RewritePatternSet &patterns) {}
