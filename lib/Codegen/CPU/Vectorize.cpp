//===- Vectorize.cpp - register tiles and vectors for the host CPU --------===//
//
// Part of Tessera. Implements `tessera-cpu-vectorize`: chooses the register
// tiles of convolutions (output pixels x output channels), depthwise
// convolutions, matmuls and elementwise ops, packs constant weights by
// blocks of the tile's output channels, and applies the transform schedule
// of VectorizeSchedule.cpp (tiling, decomposition to 1-D convolutions,
// outer-product FMAs); see docs/cpu.md for the measurements behind it.
//
//===----------------------------------------------------------------------===//

#include "Epilogues.h"
#include "Utils.h"
#include "VectorizeSchedule.h"
#include "tessera/Codegen/CPU/Passes.h"
#include "tessera/Codegen/CPU/Patterns.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/TransformOps/DialectExtension.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Transform/LoopExtension/LoopExtension.h"
#include "mlir/Dialect/Transform/Transforms/TransformInterpreterUtils.h"
#include "mlir/Dialect/Vector/TransformOps/VectorTransformOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/TargetParser/Host.h"

#include <cstdlib>
#include <optional>
#include <tuple>

using namespace mlir;
using namespace tessera::cpu_codegen;

namespace tessera {
#define GEN_PASS_DEF_CPUVECTORIZE
#include "tessera/Codegen/CPU/Passes.h.inc"
} // namespace tessera

namespace {

/// The host's vector registers, as the conv register tiles see them.
struct HostVectors {
  int64_t lanes;     ///< f32 lanes per register: 16 AVX-512, 8 AVX, 4 SSE
  int64_t registers; ///< architectural vector registers: 32 or 16
};

static HostVectors getHostVectors() {
  llvm::StringMap<bool> features = llvm::sys::getHostCPUFeatures();
  auto avx512 = features.find("avx512f");
  if (avx512 != features.end() && avx512->second)
    return {16, 32};
  return {8, 16};
}

/// True for the accumulators the conv register tiles take: f32, or i32 of
/// an integer conv (nn.conv_integer: i8 operands the named op widens); both
/// have as many lanes per register.
static bool isTiledAccumulator(Type type) {
  return type.isF32() || type.isInteger(32);
}

/// The register tile (output pixels, output channels) for a conv, or nullopt
/// when none divides its shape (the conv then stays scalar loops).
///
/// With explicit options (`channelTile`, `pixelTile` > 0, for A/B runs) the
/// first channel count of {channelTile, channelTile/2, 16, 8} and pixel count
/// of {pixelTile, 7, 6, 8, 4, ...} dividing the shape win. Otherwise:
/// - AVX-512 (32 registers): 32 channels x 8 pixels, else x 7 pixels (16 or 14
///   accumulators). The former 64 x 7 needs 28 accumulators, 4 weight vectors
///   and a broadcast, one more than the registers: LLVM spilled two
///   accumulators to the stack in every reduction step. ResNet-50 on a Zen 4
///   EPYC (cpu_bench, 5 rounds against ONNX Runtime, same runs): ratio
///   0.99-1.02 against 1.08-1.51 for 64 x 7, whose times also spread more
///   (80-134 ms against 76-83 ms); 32 x 14 (no spill either) gave 1.02-1.04,
///   32 x 7 everywhere 1.03.
/// - AVX2 (16 registers): the tile with the most FMAs per load among those
///   whose accumulators, weight vectors and one broadcast fit in the
///   registers. Each step of the reduction loads ft/lanes weight vectors and
///   broadcasts owt pixels for owt*ft/lanes FMAs. A tile that spills (7x32
///   needs 28 accumulators, 7x16 needs 17 registers) turned the inner loop
///   into stack traffic: ResNet-50 took 258-276 ms against ONNX Runtime's 103
///   on a Zen 3 EPYC, 129 ms with this choice. Widths of 1, 2 or 4 vectors.
static std::optional<std::pair<int64_t, int64_t>>
chooseConvTile(linalg::Conv2DNhwcHwcfOp conv, int64_t channelTile,
               int64_t pixelTile, HostVectors host) {
  auto type = dyn_cast<RankedTensorType>(conv.getOutputs()[0].getType());
  if (!type || !type.hasStaticShape() ||
      !isTiledAccumulator(type.getElementType()))
    return std::nullopt;
  int64_t ow = type.getDimSize(2), f = type.getDimSize(3);
  const int64_t pixelOrder[] = {7, 6, 8, 4, 5, 3, 2, 1};
  if (channelTile > 0 || pixelTile > 0 || host.registers >= 32) {
    bool wide = host.registers >= 32;
    if (channelTile <= 0)
      channelTile = wide ? 2 * host.lanes : 4 * host.lanes;
    if (pixelTile <= 0 && wide)
      pixelTile = 8;
    int64_t ft = 0;
    for (int64_t candidate :
         {channelTile, channelTile / 2, int64_t(16), int64_t(8)})
      if (candidate > 0 && f % candidate == 0) {
        ft = candidate;
        break;
      }
    if (!ft)
      return std::nullopt;
    if (pixelTile > 0 && ow % pixelTile == 0)
      return std::make_pair(pixelTile, ft);
    for (int64_t owt : pixelOrder)
      if (ow % owt == 0)
        return std::make_pair(owt, ft);
    return std::nullopt;
  }
  std::optional<std::pair<int64_t, int64_t>> best;
  double bestScore = 0;
  // Power-of-two widths only: vector<24xf32> legalizes through shuffles and
  // made MobileNetV2 (24, 144 channels) twice as slow.
  for (int64_t vectors : {4, 2, 1}) {
    int64_t ft = vectors * host.lanes;
    if (f % ft != 0)
      continue;
    for (int64_t owt = 1; owt <= 14; ++owt) {
      if (ow % owt != 0 || owt * vectors + vectors + 1 > host.registers)
        continue;
      double score = double(owt * vectors) / double(owt + vectors);
      if (score > bestScore) {
        bestScore = score;
        best = std::make_pair(owt, ft);
      }
    }
  }
  return best;
}

/// The register tile (rows, columns) of a matmul-like op with result
/// dims (..., M, N), or nullopt.
static std::optional<std::pair<int64_t, int64_t>>
chooseMatmulTile(RankedTensorType type) {
  if (!type.hasStaticShape() || !type.getElementType().isF32())
    return std::nullopt;
  int64_t m = type.getDimSize(type.getRank() - 2);
  int64_t n = type.getDimSize(type.getRank() - 1);
  int64_t nt = n % 16 == 0 ? 16 : n % 8 == 0 ? 8 : 0;
  if (!nt)
    return std::nullopt;
  for (int64_t mt : {6, 4, 8, 5, 3, 2, 1})
    if (m % mt == 0)
      return std::make_pair(mt, nt);
  return std::nullopt;
}

/// The register tile (output pixels, output channels) of a depthwise conv,
/// or nullopt: the widest of 32/16/8 channels and the first of 7, 8, 6, 4, 5,
/// 3, 2, 1 pixels dividing the shape.
static std::optional<std::pair<int64_t, int64_t>>
chooseDepthwiseTile(linalg::DepthwiseConv2DNhwcHwcOp conv) {
  auto type = dyn_cast<RankedTensorType>(conv.getOutputs()[0].getType());
  if (!type || !type.hasStaticShape() ||
      !isTiledAccumulator(type.getElementType()))
    return std::nullopt;
  int64_t ow = type.getDimSize(2), c = type.getDimSize(3), ct = 0, owt = 0;
  for (int64_t candidate : {32, 16, 8})
    if (c % candidate == 0) {
      ct = candidate;
      break;
    }
  for (int64_t candidate : {7, 8, 6, 4, 5, 3, 2, 1})
    if (ow % candidate == 0) {
      owt = candidate;
      break;
    }
  if (!ct || !owt)
    return std::nullopt;
  return std::make_pair(owt, ct);
}

/// The vector width for an elementwise-like op (fill, copy, transpose, or an
/// all-parallel generic without index computations), tiled as [1, ..., 1, W]:
/// the widest of 16/8/4 dividing the innermost dim, or nullopt.
static std::optional<int64_t> chooseElementwiseWidth(Operation *op) {
  auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
  if (!linalgOp || !linalgOp.hasPureTensorSemantics() ||
      op->getNumResults() != 1 || op->hasAttr(kTileAttrName) ||
      op->hasAttr(kFusedAttrName) || op->hasAttr(kEpilogueAttrName))
    return std::nullopt;
  if (auto generic = dyn_cast<linalg::GenericOp>(op)) {
    if (generic.getNumReductionLoops() != 0)
      return std::nullopt;
    // Plain or broadcasting reads only (Tile's modulo maps do not vectorize).
    for (AffineMap map : generic.getIndexingMapsArray())
      if (!map.isProjectedPermutation(/*allowZeroInResults=*/true))
        return std::nullopt;
    if (!hasVectorizableBody(generic))
      return std::nullopt;
  } else if (!isa<linalg::FillOp, linalg::CopyOp>(op)) {
    // Transposes stay scalar: vectorized, their strided reads become
    // element-by-element shuffles (measured slower on ResNet-50).
    return std::nullopt;
  }
  auto type = dyn_cast<RankedTensorType>(op->getResult(0).getType());
  if (!type || !type.hasStaticShape() || type.getRank() == 0 ||
      !type.getElementType().isIntOrFloat())
    return std::nullopt;
  // f32, and the integers of the int8 path (i8 activations, i32
  // accumulators, the requantize's i64 products): vectors of i1 are stored
  // as packed bits, and other types are rare enough here not to be worth
  // the risk.
  for (Value value : llvm::concat<Value>(op->getOperands(), op->getResults())) {
    auto t = dyn_cast<RankedTensorType>(value.getType());
    if (!t)
      continue;
    Type element = t.getElementType();
    if (!t.hasStaticShape() ||
        !(element.isF32() || element.isInteger(8) || element.isInteger(32) ||
          element.isInteger(64)))
      return std::nullopt;
  }
  int64_t last = type.getDimSize(type.getRank() - 1);
  for (int64_t width : {16, 8, 4})
    if (last % width == 0)
      return width;
  return std::nullopt;
}

/// Replaces `op` (whose result's last dim holds the output channels or
/// columns) by a loop over blocks of `block` of them: block `b` reads
/// `packed[b]` (packed is [blocks][...][block]: one contiguous slice) and
/// writes its columns of the result. `build` creates the op of one block from
/// that weight slice and the output slice. Returns the op of the loop body.
static Operation *loopOverWeightBlocks(
    RewriterBase &rewriter, Operation *op, Value init, Value packed,
    int64_t block,
    function_ref<Operation *(OpBuilder &, Location, Value w, Value out)>
        build) {
  auto packedType = cast<RankedTensorType>(packed.getType());
  auto outType = cast<RankedTensorType>(init.getType());
  Location loc = op->getLoc();
  int64_t blocks = packedType.getDimSize(0);
  int64_t wRank = packedType.getRank(), oRank = outType.getRank();
  Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
  Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
  Value count = arith::ConstantIndexOp::create(rewriter, loc, blocks);
  Value blockSize = arith::ConstantIndexOp::create(rewriter, loc, block);
  Operation *inner = nullptr;
  auto loop = scf::ForOp::create(
      rewriter, loc, zero, count, one, ValueRange{init},
      [&](OpBuilder &b, Location loc, Value index, ValueRange iterArgs) {
        SmallVector<OpFoldResult> wOffsets(wRank, b.getIndexAttr(0));
        wOffsets[0] = index;
        SmallVector<OpFoldResult> wSizes = {b.getIndexAttr(1)};
        for (int64_t d = 1; d < wRank; ++d)
          wSizes.push_back(b.getIndexAttr(packedType.getDimSize(d)));
        SmallVector<OpFoldResult> wStrides(wRank, b.getIndexAttr(1));
        auto wType = RankedTensorType::get(packedType.getShape().drop_front(),
                                           packedType.getElementType());
        Value w = tensor::ExtractSliceOp::create(b, loc, wType, packed,
                                                 wOffsets, wSizes, wStrides);
        SmallVector<OpFoldResult> oOffsets(oRank, b.getIndexAttr(0));
        oOffsets.back() =
            arith::MulIOp::create(b, loc, index, blockSize).getResult();
        SmallVector<OpFoldResult> oSizes;
        for (int64_t d = 0; d + 1 < oRank; ++d)
          oSizes.push_back(b.getIndexAttr(outType.getDimSize(d)));
        oSizes.push_back(b.getIndexAttr(block));
        SmallVector<OpFoldResult> oStrides(oRank, b.getIndexAttr(1));
        Value out = tensor::ExtractSliceOp::create(b, loc, iterArgs[0],
                                                   oOffsets, oSizes, oStrides);
        inner = build(b, loc, w, out);
        Value inserted = tensor::InsertSliceOp::create(
            b, loc, inner->getResult(0), iterArgs[0], oOffsets, oSizes,
            oStrides);
        scf::YieldOp::create(b, loc, inserted);
      });
  rewriter.replaceOp(op, loop->getResults());
  return inner;
}

/// Computes a convolution with constant weights as a loop over blocks of
/// `block` output channels, each a convolution whose filter is one contiguous
/// [KH][KW][C][block] slice of a filter packed at compile time as
/// [F/block][KH][KW][C][block]: the register tile then streams its weights
/// instead of reading `block` floats every F (a row stride of up to 8 KB,
/// which made the weight loads the hottest instructions of ResNet-50).
/// Returns the inner convolution, or nullopt when the conv is left as it is.
static std::optional<linalg::Conv2DNhwcHwcfOp>
blockOutputChannels(RewriterBase &rewriter, linalg::Conv2DNhwcHwcfOp conv,
                    int64_t block) {
  if (!conv.hasPureTensorSemantics())
    return std::nullopt;
  Value filter = conv.getInputs()[1];
  auto filterType = cast<RankedTensorType>(filter.getType());
  int64_t f = filterType.getDimSize(3);
  if (f <= block || f % block != 0)
    return std::nullopt;
  ArrayRef<int64_t> hwcf = filterType.getShape();
  rewriter.setInsertionPoint(conv);
  Value packed =
      permuteConstant(rewriter, conv.getLoc(), filter, {3, 0, 1, 2, 4},
                      {hwcf[0], hwcf[1], hwcf[2], f / block, block});
  if (!packed)
    return std::nullopt;
  return cast<linalg::Conv2DNhwcHwcfOp>(loopOverWeightBlocks(
      rewriter, conv, conv.getOutputs()[0], packed, block,
      [&](OpBuilder &b, Location loc, Value w, Value out) -> Operation * {
        return linalg::Conv2DNhwcHwcfOp::create(
            b, loc, TypeRange{out.getType()},
            ValueRange{conv.getInputs()[0], w}, ValueRange{out},
            conv.getStrides(), conv.getDilations());
      }));
}

/// A matmul with constant weights B (K x N) becomes a loop over blocks of
/// `block` columns with B packed as [N/block][K][block], so each block's
/// register tiles stream one contiguous K x block slice instead of rows N
/// floats apart (4 KB for N = 1024: the B loads were the hottest
/// instructions of the Transformer encoder). Returns the inner matmul.
static std::optional<linalg::MatmulOp>
blockMatmulColumns(RewriterBase &rewriter, linalg::MatmulOp mm, int64_t block) {
  if (!mm.hasPureTensorSemantics())
    return std::nullopt;
  Value weights = mm.getInputs()[1];
  auto bType = cast<RankedTensorType>(weights.getType());
  int64_t k = bType.getDimSize(0), n = bType.getDimSize(1);
  if (n <= block || n % block != 0)
    return std::nullopt;
  rewriter.setInsertionPoint(mm);
  Value packed = permuteConstant(rewriter, mm.getLoc(), weights, {1, 0, 2},
                                 {k, n / block, block});
  if (!packed)
    return std::nullopt;
  return cast<linalg::MatmulOp>(loopOverWeightBlocks(
      rewriter, mm, mm.getOutputs()[0], packed, block,
      [&](OpBuilder &b, Location loc, Value w, Value out) -> Operation * {
        return linalg::MatmulOp::create(b, loc, TypeRange{out.getType()},
                                        ValueRange{mm.getInputs()[0], w},
                                        ValueRange{out});
      }));
}

/// `acc + shape_cast(a * b)` (or `acc + a * b`) on f32 vectors, the form
/// single-op vectorization gives a matmul tile's k step (an outer product of
/// broadcasts), becomes `vector.fma`: LLVM does not fuse a separate fmul and
/// fadd, and the matmuls ran as vmulps + vaddps at half the FMA rate.
struct MulAddToFMA : public OpRewritePattern<arith::AddFOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(arith::AddFOp add,
                                PatternRewriter &rewriter) const override {
    auto type = dyn_cast<VectorType>(add.getType());
    if (!type || !type.getElementType().isF32())
      return rewriter.notifyMatchFailure(add, "not on f32 vectors");
    for (unsigned i = 0; i < 2; ++i) {
      Value product = add->getOperand(i);
      auto cast = product.getDefiningOp<vector::ShapeCastOp>();
      if (cast) {
        if (!cast->hasOneUse())
          continue;
        product = cast.getSource();
      }
      auto mul = product.getDefiningOp<arith::MulFOp>();
      if (!mul || !mul->hasOneUse())
        continue;
      Location loc = add.getLoc();
      auto reshape = [&](Value v) -> Value {
        return v.getType() == type
                   ? v
                   : vector::ShapeCastOp::create(rewriter, loc, type, v);
      };
      rewriter.replaceOpWithNewOp<vector::FMAOp>(add, reshape(mul.getLhs()),
                                                 reshape(mul.getRhs()),
                                                 add->getOperand(1 - i));
      return success();
    }
    return rewriter.notifyMatchFailure(add, "no single-use product operand");
  }
};
} // namespace

void tessera::populateCPUVectorFMAPatterns(RewritePatternSet &patterns) {
  patterns.add<MulAddToFMA>(patterns.getContext());
}

namespace {

/// The register tiles to choose, from the pass options.
struct TileOptions {
  int64_t channelTile, pixelTile;
  HostVectors host;
  bool packFilter;
};

/// The groups of tagged ops by (kind, tag values), in the order of their
/// first op, with the location of that op.
using GroupMap =
    llvm::MapVector<std::tuple<GroupKind, int64_t, int64_t>, Location>;

/// Tags `op` as one of the group (kind, first, second).
static void addToGroup(GroupMap &groups, Operation *op, GroupKind kind,
                       int64_t first, int64_t second) {
  op->setAttr(getTagAttrName(kind),
              DenseI64ArrayAttr::get(op->getContext(), {first, second}));
  groups.insert({{kind, first, second}, op->getLoc()});
}

static void removeTags(ModuleOp module) {
  module.walk([](Operation *op) {
    op->removeAttr(kTileAttrName);
    op->removeAttr(kElementwiseAttrName);
    op->removeAttr(kFusedAttrName);
    op->removeAttr(kEpilogueAttrName);
  });
}

/// Tags each NHWC conv with its register tile; with `packFilter`, a conv with
/// constant weights first becomes a loop over blocks of the tile's output
/// channels, and the conv in the loop is tagged.
static void groupConvs(ModuleOp module, RewriterBase &rewriter,
                       const TileOptions &options, GroupMap &groups) {
  SmallVector<linalg::Conv2DNhwcHwcfOp> convs;
  module.walk([&](linalg::Conv2DNhwcHwcfOp conv) {
    if (!conv->hasAttr(kFusedAttrName))
      convs.push_back(conv);
  });
  for (linalg::Conv2DNhwcHwcfOp conv : convs) {
    std::optional<std::pair<int64_t, int64_t>> tile = chooseConvTile(
        conv, options.channelTile, options.pixelTile, options.host);
    if (!tile)
      continue;
    if (options.packFilter)
      if (auto blocked = blockOutputChannels(rewriter, conv, tile->second))
        conv = *blocked;
    addToGroup(groups, conv, GroupKind::Conv, tile->first, tile->second);
  }
}

/// Matmuls with constant weights become loops over blocks of their register
/// tile's columns.
static void packMatmulWeights(ModuleOp module, RewriterBase &rewriter) {
  SmallVector<linalg::MatmulOp> matmuls;
  module.walk([&](linalg::MatmulOp mm) {
    if (!mm.hasUserDefinedMaps() && mm.hasPureTensorSemantics() &&
        !mm->hasAttr(kFusedAttrName))
      matmuls.push_back(mm);
  });
  for (linalg::MatmulOp mm : matmuls)
    if (auto tile = chooseMatmulTile(
            cast<RankedTensorType>(mm->getResult(0).getType())))
      (void)blockMatmulColumns(rewriter, mm, tile->second);
}

/// Tags the row-major matmuls and batch matmuls (no transposed or broadcast
/// maps) with their register tiles.
static void groupMatmuls(ModuleOp module, GroupMap &groups) {
  module.walk([&](Operation *op) {
    GroupKind kind;
    if (auto mm = dyn_cast<linalg::MatmulOp>(op);
        mm && !mm.hasUserDefinedMaps())
      kind = GroupKind::Matmul;
    else if (auto bmm = dyn_cast<linalg::BatchMatmulOp>(op);
             bmm && !bmm.hasUserDefinedMaps())
      kind = GroupKind::BatchMatmul;
    else
      return;
    if (!cast<linalg::LinalgOp>(op).hasPureTensorSemantics() ||
        op->hasAttr(kFusedAttrName))
      return;
    auto type = cast<RankedTensorType>(op->getResult(0).getType());
    if (std::optional<std::pair<int64_t, int64_t>> tile =
            chooseMatmulTile(type))
      addToGroup(groups, op, kind, tile->first, tile->second);
  });
}

/// Tags the elementwise-like ops with their rank and vector width.
static void groupElementwise(ModuleOp module, GroupMap &groups) {
  module.walk([&](Operation *op) {
    std::optional<int64_t> width = chooseElementwiseWidth(op);
    if (!width)
      return;
    int64_t rank = cast<RankedTensorType>(op->getResult(0).getType()).getRank();
    addToGroup(groups, op, GroupKind::Elementwise, rank, *width);
  });
}

/// Tags the NHWC depthwise convs with their register tiles.
static void groupDepthwiseConvs(ModuleOp module, GroupMap &groups) {
  module.walk([&](linalg::DepthwiseConv2DNhwcHwcOp conv) {
    if (conv->hasAttr(kFusedAttrName))
      return;
    if (std::optional<std::pair<int64_t, int64_t>> tile =
            chooseDepthwiseTile(conv))
      addToGroup(groups, conv, GroupKind::Depthwise, tile->first, tile->second);
  });
}

/// The register tile of an anchor as sizes of its epilogue's loops and their
/// order, and how to pack its constant weights (operand 1) by blocks of the
/// tile's output channels or columns: the permutation and view of
/// permuteConstant, and the loop order then (blocks outermost).
struct AnchorTile {
  GroupKind kind;
  SmallVector<int64_t> sizes, interchange;
  int64_t block = 0; ///< 0: weights not packed
  SmallVector<int64_t> perm, view, packedInterchange;
};

static std::optional<AnchorTile> chooseAnchorTile(Operation *op,
                                                  const TileOptions &options) {
  auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
  if (!linalgOp || !linalgOp.hasPureTensorSemantics() ||
      op->getNumResults() != 1)
    return std::nullopt;
  auto type = cast<RankedTensorType>(op->getResult(0).getType());
  if (auto conv = dyn_cast<linalg::Conv2DNhwcHwcfOp>(op)) {
    std::optional<std::pair<int64_t, int64_t>> tile = chooseConvTile(
        conv, options.channelTile, options.pixelTile, options.host);
    if (!tile)
      return std::nullopt;
    auto [owt, ft] = *tile;
    // Rows, blocks of channels, pixels; blocks of packed weights outermost,
    // as the loop over weight blocks of a conv without epilogue.
    AnchorTile result{GroupKind::Conv, {1, 1, owt, ft}, {0, 1, 3, 2}};
    ArrayRef<int64_t> hwcf =
        cast<RankedTensorType>(conv.getInputs()[1].getType()).getShape();
    if (options.packFilter && hwcf[3] > ft && hwcf[3] % ft == 0) {
      result.block = ft;
      result.perm = {3, 0, 1, 2, 4};
      result.view = {hwcf[0], hwcf[1], hwcf[2], hwcf[3] / ft, ft};
      result.packedInterchange = {3, 0, 1, 2};
    }
    return result;
  }
  if (auto conv = dyn_cast<linalg::DepthwiseConv2DNhwcHwcOp>(op)) {
    std::optional<std::pair<int64_t, int64_t>> tile = chooseDepthwiseTile(conv);
    if (!tile)
      return std::nullopt;
    return AnchorTile{
        GroupKind::Depthwise, {1, 1, tile->first, tile->second}, {0, 1, 3, 2}};
  }
  bool batched = isa<linalg::BatchMatmulOp>(op);
  if (!isa<linalg::MatmulOp>(op) && !batched)
    return std::nullopt;
  if (auto mm = dyn_cast<linalg::MatmulOp>(op); mm && mm.hasUserDefinedMaps())
    return std::nullopt;
  if (auto bmm = dyn_cast<linalg::BatchMatmulOp>(op);
      bmm && bmm.hasUserDefinedMaps())
    return std::nullopt;
  std::optional<std::pair<int64_t, int64_t>> tile = chooseMatmulTile(type);
  if (!tile)
    return std::nullopt;
  auto [mt, nt] = *tile;
  if (batched)
    return AnchorTile{GroupKind::BatchMatmul, {1, mt, nt}, {0, 1, 2}};
  AnchorTile result{GroupKind::Matmul, {mt, nt}, {0, 1}};
  ArrayRef<int64_t> kn =
      cast<RankedTensorType>(linalgOp.getDpsInputs()[1].getType()).getShape();
  if (options.packFilter && kn[1] > nt && kn[1] % nt == 0) {
    result.block = nt;
    result.perm = {1, 0, 2};
    result.view = {kn[0], kn[1] / nt, nt};
    result.packedInterchange = {1, 0};
  }
  return result;
}

/// Computes the elementwise epilogue of each conv, depthwise conv and matmul
/// in the anchor's register tiles (Epilogues.h): the epilogue is tiled by the
/// register tile, the anchor fused into that loop nest with its weights
/// packed as without epilogue, and both tagged for the schedule.
static void fuseEpilogues(ModuleOp module, RewriterBase &rewriter,
                          const TileOptions &options, GroupMap &groups) {
  SmallVector<Operation *> anchors;
  module.walk([&](Operation *op) {
    if (isa<linalg::Conv2DNhwcHwcfOp, linalg::DepthwiseConv2DNhwcHwcOp,
            linalg::MatmulOp, linalg::BatchMatmulOp>(op))
      anchors.push_back(op);
  });
  for (Operation *anchor : anchors) {
    std::optional<AnchorTile> tile = chooseAnchorTile(anchor, options);
    if (!tile)
      continue;
    if (isa<linalg::MatmulOp, linalg::BatchMatmulOp>(anchor))
      sinkUnitDimExpands(rewriter, anchor);
    linalg::GenericOp epilogue = mergeEpilogue(rewriter, anchor);
    if (!epilogue)
      continue;
    Value packed;
    if (tile->block) {
      rewriter.setInsertionPoint(anchor);
      packed = permuteConstant(rewriter, anchor->getLoc(),
                               anchor->getOperand(1), tile->perm, tile->view);
    }
    FailureOr<EpilogueTile> tiled =
        tileWithEpilogue(rewriter, anchor, epilogue, tile->sizes,
                         packed ? tile->packedInterchange : tile->interchange);
    if (succeeded(tiled) && packed)
      (void)usePackedWeights(rewriter, tiled->anchor, 1, packed, tile->block);
    if (packed && packed.use_empty())
      rewriter.eraseOp(packed.getDefiningOp());
    if (failed(tiled))
      continue;
    addToGroup(groups, tiled->anchor, GroupKind::Fused,
               static_cast<int64_t>(tile->kind), 0);
    for (Operation *op : tiled->elementwise)
      addToGroup(groups, op, GroupKind::Epilogue, 0, 0);
  }
}

/// The groups in the order the schedule handles their kinds (matmuls and
/// batch matmuls together), each kind in the order of its first op.
static SmallVector<ScheduleGroup> orderGroups(const GroupMap &groups) {
  SmallVector<ScheduleGroup> ordered;
  for (const auto &[key, loc] : groups)
    ordered.push_back(
        {std::get<0>(key), std::get<1>(key), std::get<2>(key), loc});
  auto rank = [](GroupKind kind) {
    return kind == GroupKind::BatchMatmul ? GroupKind::Matmul : kind;
  };
  llvm::stable_sort(ordered,
                    [&](const ScheduleGroup &a, const ScheduleGroup &b) {
                      return rank(a.kind) < rank(b.kind);
                    });
  return ordered;
}

/// Verifies `schedule` and applies it to `module`. On failure, the
/// interpreter's diagnostics become the notes of one error, located where
/// the first of them is (a transform of a group is located at the group's
/// first op).
static LogicalResult applySchedule(ModuleOp module, ModuleOp schedule) {
  MLIRContext *ctx = module.getContext();
  SmallVector<Diagnostic> diagnostics;
  LogicalResult result = success();
  {
    ScopedDiagnosticHandler capture(ctx, [&](Diagnostic &diag) {
      diagnostics.push_back(std::move(diag));
      return success();
    });
    result = verify(schedule);
    if (succeeded(result))
      result = transform::applyTransformNamedSequence(
          module,
          schedule.lookupSymbol(
              transform::TransformDialect::kTransformEntryPointSymbolName),
          schedule, transform::TransformOptions());
  }
  if (succeeded(result)) {
    for (Diagnostic &diag : diagnostics)
      ctx->getDiagEngine().emit(std::move(diag));
    return success();
  }
  const Diagnostic *first = llvm::find_if(diagnostics, [](const Diagnostic &d) {
    return d.getSeverity() == DiagnosticSeverity::Error;
  });
  InFlightDiagnostic error = emitError(
      first != diagnostics.end() ? first->getLocation() : module.getLoc(),
      "failed to apply the tiling and vectorization schedule");
  for (Diagnostic &diag : diagnostics) {
    error.attachNote(diag.getLocation()) << diag.str();
    for (Diagnostic &note : diag.getNotes())
      error.attachNote(note.getLocation()) << note.str();
  }
  return failure();
}

struct CPUVectorizePass
    : public tessera::impl::CPUVectorizeBase<CPUVectorizePass> {
  using CPUVectorizeBase::CPUVectorizeBase;

  void getDependentDialects(DialectRegistry &registry) const override {
    CPUVectorizeBase::getDependentDialects(registry);
    // The transform ops the schedule is built of.
    linalg::registerTransformDialectExtension(registry);
    vector::registerTransformDialectExtension(registry);
    transform::registerLoopExtension(registry);
  }

  /// The options checked, with the vector registers they choose tiles for.
  FailureOr<TileOptions> getTileOptions() {
    ModuleOp module = getOperation();
    TileOptions options{channelTile, pixelTile, HostVectors(), packFilter};
    if (vectorBits == 0)
      options.host = getHostVectors();
    else if (vectorBits == 128)
      options.host = {4, 16};
    else if (vectorBits == 256)
      options.host = {8, 16};
    else if (vectorBits == 512)
      options.host = {16, 32};
    else
      return module.emitError()
             << "vector-bits must be 0 (the host), 128, 256 or 512, got "
             << int64_t(vectorBits);
    if (channelTile < 0)
      return module.emitError()
             << "channel-tile must be 0 (chosen for the host) or positive, "
                "got "
             << int64_t(channelTile);
    if (pixelTile < 0)
      return module.emitError()
             << "pixel-tile must be 0 (chosen for the host) or positive, got "
             << int64_t(pixelTile);
    return options;
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    FailureOr<TileOptions> options = getTileOptions();
    if (failed(options))
      return signalPassFailure();
    // Tags already in the input would join this run's groups.
    removeTags(module);
    IRRewriter rewriter(&getContext());
    GroupMap groups;
    if (fuseEpilogues)
      ::fuseEpilogues(module, rewriter, *options, groups);
    groupConvs(module, rewriter, *options, groups);
    if (packFilter)
      packMatmulWeights(module, rewriter);
    groupMatmuls(module, groups);
    if (vectorizeElementwise)
      groupElementwise(module, groups);
    groupDepthwiseConvs(module, groups);
    if (groups.empty())
      return;

    OwningOpRef<ModuleOp> schedule =
        buildVectorizeSchedule(module.getLoc(), orderGroups(groups));
    // For pass developers: the schedule this pass applies.
    if (std::getenv("TESSERA_DUMP_CPU_TRANSFORM"))
      llvm::errs() << *schedule << "\n";
    if (failed(applySchedule(module, *schedule)))
      return signalPassFailure();
    removeTags(module);
    RewritePatternSet patterns(&getContext());
    tessera::populateCPUVectorFMAPatterns(patterns);
    if (llvm::any_of(groups, [](const auto &group) {
          return std::get<0>(group.first) == GroupKind::Fused;
        }))
      populateEpilogueForwardingPatterns(patterns);
    if (failed(applyPatternsGreedily(module, std::move(patterns)))) {
      module.emitError("fused multiply-add rewrites did not converge");
      return signalPassFailure();
    }
  }
};

} // namespace
