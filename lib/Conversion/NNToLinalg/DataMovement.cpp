//===- DataMovement.cpp - nn DataMovement ops to linalg ------------------------------===//
//
// Part of Tessera.
//
//===----------------------------------------------------------------------===//

#include "Utils.h"
#include "tessera/Conversion/NNToLinalg/NNToLinalg.h"

using namespace mlir;
using namespace tessera;
using namespace tessera::nn_to_linalg;

void tessera::populateNNDataMovementToLinalgPatterns(
    const TypeConverter &converter, RewritePatternSet &patterns) {}
