//===- Tile.cpp - the pre-mapping loop nest of every GPU kernel -----------===//
//
// Part of Tessera. Stage `tiled` of the gpu target: every linalg op of the
// model becomes one kernel, an scf.forall over blocks (#gpu.block mapping)
// holding scf.forall loops over threads (#gpu.thread / #gpu.warp mapping),
// still on tensors. GEMMs are tiled as the recipes of docs/gpu.md say: block
// tile, zero fill fused, K loop, operand tiles copied (padded, no-fold) by
// all threads, thread or warp tiles of the product. Every other op gets one
// element per thread over its parallel dims (its reductions stay a loop in
// the thread). Producers are not fused into consumers. The loop nest is
// plain SCF + tensor: the gpu-emulate target runs it on the CPU, so a tiling
// bug is caught without a GPU.
//
//===----------------------------------------------------------------------===//

#include "Codegen.h"

#include "tessera/Codegen/CPU/Patterns.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Transform/IR/TransformOps.h"
#include "mlir/Dialect/Transform/Interfaces/TransformInterfaces.h"
#include "mlir/Dialect/Transform/Transforms/TransformInterpreterUtils.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/Support/FormatVariadic.h"

using namespace mlir;

namespace tessera::gpu {

LogicalResult applyTransformScript(Operation *payload, StringRef body) {
  MLIRContext *ctx = payload->getContext();
  std::string text =
      "module attributes {transform.with_named_sequence} {\n"
      "transform.named_sequence @__transform_main(%root: !transform.any_op "
      "{transform.consumed}) {\n" +
      body.str() + "\ntransform.yield\n}\n}\n";
  // The sequences declare %root consumed whether or not they consume it:
  // the interpreter's warning about that is for script authors, not users.
  ScopedDiagnosticHandler quiet(ctx, [](Diagnostic &diag) {
    return success(diag.getSeverity() == DiagnosticSeverity::Warning &&
                   StringRef(diag.str()).contains("is not consumed"));
  });
  ParserConfig parserConfig(ctx);
  OwningOpRef<ModuleOp> script =
      parseSourceString<ModuleOp>(text, parserConfig, "tessera-gpu-strategy");
  if (!script)
    return emitError(payload->getLoc())
           << "internal error: a GPU strategy script does not parse";
  Operation *entry = script->lookupSymbol("__transform_main");
  transform::TransformOptions options;
  return transform::applyTransformNamedSequence(payload, entry, *script,
                                                options);
}

//===----------------------------------------------------------------------===//
// Elementwise fusion
//===----------------------------------------------------------------------===//

namespace {

static bool isElementwise(linalg::GenericOp op) {
  return op.hasPureTensorSemantics() && op->getNumResults() == 1 &&
         op.getNumParallelLoops() == op.getNumLoops();
}

/// Fuse when the producer's one result goes to this consumer alone and both
/// index it by the identity: each element is still computed once.
struct FuseElementwisePair : public OpRewritePattern<linalg::GenericOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::GenericOp consumer,
                                PatternRewriter &rewriter) const override {
    if (!isElementwise(consumer))
      return failure();
    for (OpOperand &operand : consumer->getOpOperands()) {
      auto producer = operand.get().getDefiningOp<linalg::GenericOp>();
      if (!producer || !consumer.isDpsInput(&operand) ||
          !producer->hasOneUse() || !isElementwise(producer) ||
          !consumer.getMatchingIndexingMap(&operand).isIdentity() ||
          !producer.getIndexingMapMatchingResult(producer->getResult(0))
               .isIdentity() ||
          !linalg::areElementwiseOpsFusable(&operand))
        continue;
      if (succeeded(fuseElementwiseProducer(rewriter, &operand)))
        return success();
    }
    return failure();
  }
};

} // namespace

LogicalResult fuseElementwise(func::FuncOp func) {
  RewritePatternSet patterns(func.getContext());
  patterns.add<FuseElementwisePair>(func.getContext());
  return applyPatternsGreedily(func, std::move(patterns));
}

//===----------------------------------------------------------------------===//
// Tiling
//===----------------------------------------------------------------------===//

/// "[a, b, c]".
static std::string list(ArrayRef<int64_t> values) {
  std::string s = "[";
  for (auto [i, v] : llvm::enumerate(values))
    s += (i ? ", " : "") + std::to_string(v);
  return s + "]";
}

/// `#gpu.<kind><linear_dim_{n-1}>, ..., <linear_dim_0>` for n dims: the
/// innermost dim is the fastest-varying id.
static std::string linearMapping(StringRef kind, int64_t n) {
  std::string s = "[";
  for (int64_t i = 0; i < n; ++i)
    s += llvm::formatv("{0}#gpu.{1}<linear_dim_{2}>", i ? ", " : "", kind,
                       n - 1 - i)
             .str();
  return s + "]";
}

/// The transform sequence of a GEMM kernel (payload: the marked matmul).
static std::string getGemmScript(linalg::LinalgOp gemm, GemmKind kind) {
  bool batched = isa<linalg::BatchMatmulOp>(gemm);
  GemmTile tile = getGemmTile(kind);
  auto withBatch = [&](SmallVector<int64_t> sizes, int64_t batch) {
    if (batched)
      sizes.insert(sizes.begin(), batch);
    return list(sizes);
  };
  std::string blockMap = batched ? "[#gpu.block<z>, #gpu.block<y>, "
                                   "#gpu.block<x>]"
                                 : "[#gpu.block<y>, #gpu.block<x>]";
  std::string threadMap = batched ? "[#gpu.thread<z>, #gpu.thread<y>, "
                                    "#gpu.thread<x>]"
                                  : "[#gpu.thread<y>, #gpu.thread<x>]";
  std::string fillThreads, computeTiles, computeMap, padValues;
  if (kind == GemmKind::Simt) {
    fillThreads = llvm::formatv("tile_sizes {0}(mapping = {1})",
                                withBatch({8, 8}, 1), threadMap);
    computeTiles = withBatch({8, 8}, 1);
    computeMap = threadMap;
    padValues = "[0.0 : f32, 0.0 : f32, 0.0 : f32]";
  } else {
    // 128 threads zero the 128x128 f32 tile, 4x32 each.
    fillThreads =
        llvm::formatv("tile_sizes {0}(mapping = {1})", withBatch({4, 32}, 1),
                      linearMapping("thread", batched ? 3 : 2));
    computeTiles = withBatch({64, 64}, 1);
    computeMap = batched ? "[#gpu.warp<z>, #gpu.warp<y>, #gpu.warp<x>]"
                         : "[#gpu.warp<y>, #gpu.warp<x>]";
    padValues = "[0.0 : f16, 0.0 : f16, 0.0 : f32]";
  }
  std::string padDims = batched ? "[0, 1, 2, 3]" : "[0, 1, 2]";
  std::string nofold = batched ? "[1, 1, 0]" : "[1, 1, 0]";
  return llvm::formatv(
             R"(
%fill = transform.get_producer_of_operand %root[2]
    : (!transform.any_op) -> !transform.any_op
%tmm, %blk = transform.structured.tile_using_forall %root tile_sizes {0}
    (mapping = {1}) : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
%ffill, %blk2 = transform.structured.fuse_into_containing_op %fill into %blk
    : (!transform.any_op, !transform.any_op) -> (!transform.any_op, !transform.any_op)
%tfill, %fthr = transform.structured.tile_using_forall %ffill {2}
    : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
%tk, %kloop = transform.structured.tile_using_for %tmm tile_sizes {3}
    : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
%padded, %pad, %copy_back = transform.structured.pad %tk
    {{padding_values = {4}, padding_dimensions = {5}, nofold_flags = {6},
     copy_back_op = "none"}
    : (!transform.any_op) -> (!transform.any_op, !transform.any_op, !transform.any_op)
%pad_forall, %tiled_pad = transform.structured.gpu.map_copy_to_threads %pad
    total_num_threads = {7} desired_bit_alignment = 128
    : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
%tt, %thr = transform.structured.tile_using_forall %padded tile_sizes {8}
    (mapping = {9}) : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
)",
             withBatch({tile.m, tile.n}, 1), blockMap, fillThreads,
             withBatch({0, 0, tile.k}, 0), padValues, padDims, nofold,
             tile.threads, computeTiles, computeMap)
      .str();
}

/// The transform sequence of any other op: up to 256 threads over its
/// innermost parallel dims, one element each.
static std::optional<std::string> getElementwiseScript(linalg::LinalgOp op) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  if (ranges.empty() || llvm::any_of(ranges, ShapedType::isDynamic))
    return std::nullopt;
  int64_t n = ranges.size();
  SmallVector<int64_t> blockTile(n, 0), threads(n, 0);
  int64_t budget = 256;
  for (int64_t d = n - 1; d >= 0; --d) {
    if (iterators[d] != utils::IteratorType::parallel || ranges[d] == 1)
      continue;
    if (budget >= 2) {
      int64_t t = std::min(ranges[d], budget);
      blockTile[d] = threads[d] = t;
      budget /= t;
    } else {
      blockTile[d] = 1;
    }
  }
  if (llvm::all_of(blockTile, [](int64_t t) { return t == 0; })) {
    // Every parallel dim has size 1: one block of one thread.
    auto it = llvm::find(iterators, utils::IteratorType::parallel);
    if (it == iterators.end())
      return std::nullopt;
    int64_t d = it - iterators.begin();
    blockTile[d] = threads[d] = 1;
  }
  int64_t blockDims = llvm::count_if(blockTile, [](int64_t t) { return t; });
  int64_t threadDims = llvm::count_if(threads, [](int64_t t) { return t; });
  // Producers are not fused: a fused producer's tile would need a buffer
  // of its own inside the kernel. Every op is a kernel of its own.
  return llvm::formatv(
             "%t, %blk = transform.structured.tile_using_forall %root "
             "tile_sizes {0}(mapping = {1}) : (!transform.any_op) -> "
             "(!transform.any_op, !transform.any_op)\n"
             "%tt, %thr = transform.structured.tile_using_forall %t "
             "num_threads {2}(mapping = {3}) : (!transform.any_op) -> "
             "(!transform.any_op, !transform.any_op)\n",
             list(blockTile), linearMapping("block", blockDims), list(threads),
             linearMapping("thread", threadDims))
      .str();
}

/// Puts `op` (destination style, results = its inits) into a one-iteration
/// scf.forall with `mapping` whose shared outputs are the inits; returns the
/// loop, which is destination style the same way.
static scf::ForallOp wrapInForall(Operation *op, ValueRange inits,
                                  Attribute mapping) {
  OpBuilder b(op);
  Location loc = op->getLoc();
  auto forall =
      scf::ForallOp::create(b, loc, ArrayRef<OpFoldResult>{b.getIndexAttr(1)},
                            inits, b.getArrayAttr({mapping}));
  Block *body = forall.getBody();
  IRMapping map;
  for (auto [init, arg] : llvm::zip(inits, forall.getRegionIterArgs()))
    map.map(init, arg);
  b.setInsertionPointToStart(body);
  Operation *clone = b.clone(*op, map);
  b.setInsertionPointToStart(forall.getTerminator().getBody());
  for (auto [result, arg] :
       llvm::zip(clone->getResults(), forall.getRegionIterArgs())) {
    auto type = cast<RankedTensorType>(result.getType());
    SmallVector<OpFoldResult> offsets(type.getRank(), b.getIndexAttr(0));
    SmallVector<OpFoldResult> strides(type.getRank(), b.getIndexAttr(1));
    SmallVector<OpFoldResult> sizes;
    for (int64_t d : type.getShape())
      sizes.push_back(b.getIndexAttr(d));
    tensor::ParallelInsertSliceOp::create(b, loc, result, arg, offsets, sizes,
                                          strides);
  }
  op->replaceAllUsesWith(forall.getResults());
  op->erase();
  return forall;
}

/// A kernel of one thread for an op with no parallel dim (a reduction to a
/// scalar): the forall loops of one iteration the mapping expects.
static LogicalResult buildSingleThreadKernel(linalg::LinalgOp op) {
  MLIRContext *ctx = op->getContext();
  ctx->getOrLoadDialect<mlir::gpu::GPUDialect>();
  if (!op.hasPureTensorSemantics() ||
      llvm::any_of(op->getResultTypes(), [](Type t) {
        return !cast<RankedTensorType>(t).hasStaticShape();
      }))
    return op->emitOpError("cannot be tiled for the GPU (dynamic shape)");
  SmallVector<Value> inits(op.getDpsInits());
  scf::ForallOp threads =
      wrapInForall(op, inits,
                   mlir::gpu::GPUThreadMappingAttr::get(
                       ctx, mlir::gpu::MappingId::LinearDim0));
  wrapInForall(threads, inits,
               mlir::gpu::GPUBlockMappingAttr::get(
                   ctx, mlir::gpu::MappingId::LinearDim0));
  return success();
}

/// Moves a GEMM's in-place epilogue (kEpilogueAttr, applied to the GEMM
/// loop's result) into the GEMM's block loop, after the K loop, tiled over
/// the same threads: the GEMM kernel computes it before C is stored.
static LogicalResult fuseEpilogueIntoGemmKernel(linalg::GenericOp epilogue,
                                                GemmKind kind) {
  auto block = epilogue.getDpsInits()[0].getDefiningOp<scf::ForallOp>();
  if (!block || block->getNumResults() != 1)
    return epilogue.emitOpError("internal error: no GEMM loop to fuse into");
  tensor::ParallelInsertSliceOp insert;
  for (Operation &op : block.getTerminator().getBody()->getOperations())
    if (auto candidate = dyn_cast<tensor::ParallelInsertSliceOp>(op))
      insert = candidate;
  if (!insert)
    return epilogue.emitOpError("internal error: no GEMM tile to fuse into");
  OpBuilder b(block.getTerminator());
  Location loc = epilogue.getLoc();
  Value tile = insert.getSource();
  linalg::GenericOp tiled =
      buildInPlaceElementwise(b, loc, tile, epilogue.getRegion().front());
  tiled->setAttrs(epilogue->getDiscardableAttrDictionary());
  insert.getSourceMutable().assign(tiled.getResult(0));
  epilogue->replaceAllUsesWith(block->getResults());
  epilogue->erase();
  std::string threads =
      kind == GemmKind::Simt
          ? "tile_sizes [8, 8](mapping = [#gpu.thread<y>, #gpu.thread<x>])"
          : "tile_sizes [4, 32](mapping = [#gpu.thread<linear_dim_1>, "
            "#gpu.thread<linear_dim_0>])";
  return applyTransformScript(
      tiled, "%t, %l = transform.structured.tile_using_forall %root " +
                 threads +
                 " : (!transform.any_op) -> (!transform.any_op, "
                 "!transform.any_op)");
}

LogicalResult tileForGPU(func::FuncOp func, const CodegenConfig &config) {
  // Consumers first, so their producers are still in place to be fused;
  // the ops left untiled (the warpgroup-MMA GEMMs, emitted whole after
  // bufferization) are skipped on the next rounds.
  annotateFlops(func);
  llvm::SmallPtrSet<Operation *, 8> untiled;
  while (true) {
    linalg::LinalgOp op;
    for (Operation &candidate :
         llvm::reverse(func.getBody().front().getOperations())) {
      auto linalgOp = dyn_cast<linalg::LinalgOp>(&candidate);
      if (linalgOp && !untiled.contains(&candidate)) {
        op = linalgOp;
        break;
      }
    }
    if (!op)
      break;
    // A GEMM's epilogue goes into the GEMM's kernel (or the warpgroup-MMA
    // emitter's epilogue).
    // mma.sync kernels keep it apart: their conversion to mma.sync takes
    // the epilogue's scalar arithmetic in with the fragments and fails.
    if (op->hasAttr(kEpilogueAttr)) {
      auto gemm = op.getDpsInits()[0].getDefiningOp();
      auto kind = gemm ? gemm->getAttrOfType<StringAttr>(kGemmAttr) : nullptr;
      if (kind && kind.getValue() != "mma") {
        untiled.insert(op);
        continue;
      }
      op->removeAttr(kEpilogueAttr);
    }
    // Fills and broadcasts every reader of which took in.
    if (isa<linalg::FillOp, linalg::BroadcastOp>(op) && op->use_empty()) {
      op->erase();
      continue;
    }
    if (op->hasAttr(kGemmAttr)) {
      // The kind gemmify chose (batched GEMMs use mma.sync on sm_90a too).
      StringRef name = op->getAttrOfType<StringAttr>(kGemmAttr).getValue();
      if (name == "wgmma") {
        untiled.insert(op);
        continue;
      }
      GemmKind kind = name == "mma" ? GemmKind::MmaSync : GemmKind::Simt;
      linalg::GenericOp epilogue;
      for (Operation *user : op->getUsers())
        if (user->hasAttr(kEpilogueAttr))
          epilogue = cast<linalg::GenericOp>(user);
      if (failed(applyTransformScript(op, getGemmScript(op, kind))) ||
          (epilogue && failed(fuseEpilogueIntoGemmKernel(epilogue, kind))))
        return failure();
      continue;
    }
    if (op.getNumParallelLoops() == 0) {
      if (failed(buildSingleThreadKernel(op)))
        return failure();
      continue;
    }
    std::optional<std::string> script = getElementwiseScript(op);
    if (!script)
      return op->emitOpError("cannot be tiled for the GPU (dynamic shape)");
    if (failed(applyTransformScript(op, *script)))
      return failure();
  }
  return success();
}

} // namespace tessera::gpu
