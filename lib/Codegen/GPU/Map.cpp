//===- Map.cpp - tiled loop nests to gpu.launch kernels and PTX -----------===//
//
// Part of Tessera. Stage `gpu`: the GEMM operand tiles become shared-memory
// buffers, the module is bufferized, vectorized and every block loop mapped
// to a gpu.launch (threads and warps from the nested loops); the
// warpgroup-MMA GEMMs are emitted whole (HopperGemm.cpp); every buffer the
// host code holds moves to device memory, with the inputs copied in and the
// outputs copied out. Stage `ptx`: the launches are outlined and compiled by
// NVVM to PTX, embedded in the module as a gpu.binary.
//
//===----------------------------------------------------------------------===//

#include "Codegen.h"

#include "tessera/Codegen/CPU/CABI.h"
#include "tessera/Pipelines/Pipelines.h"

#include "mlir/Conversion/VectorToGPU/VectorToGPU.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/IR/AttrTypeSubElements.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/Program.h"

using namespace mlir;

namespace tessera::gpu {

static bool hasMapping(scf::ForallOp forall, StringRef kind) {
  std::optional<ArrayAttr> mapping = forall.getMapping();
  if (!mapping || mapping->empty())
    return false;
  Attribute first = (*mapping)[0];
  if (kind == "block")
    return isa<mlir::gpu::GPUBlockMappingAttr>(first);
  if (kind == "warp")
    return isa<mlir::gpu::GPUWarpMappingAttr>(first);
  return isa<mlir::gpu::GPUThreadMappingAttr>(first);
}

static LogicalResult runPipeline(ModuleOp module, StringRef pipeline) {
  registerPipelineDependencies();
  // `pipeline` is anchored (builtin.module(...)).
  FailureOr<OpPassManager> parsed = parsePassPipeline(pipeline);
  if (failed(parsed))
    return emitError(module.getLoc())
           << "internal error: invalid GPU pipeline '" << pipeline << "'";
  PassManager pm(module.getContext());
  static_cast<OpPassManager &>(pm) = std::move(*parsed);
  return pm.run(module);
}

//===----------------------------------------------------------------------===//
// Kernel descriptions
//===----------------------------------------------------------------------===//

static int64_t getBytes(Type type) {
  auto shaped = dyn_cast<ShapedType>(type);
  if (!shaped || !shaped.hasStaticShape())
    return 0;
  return shaped.getNumElements() *
         std::max<int64_t>(1, shaped.getElementTypeBitWidth() / 8);
}

/// The ONNX node names in `loc` (a NameLoc, or several in a FusedLoc).
static void collectNodes(Location loc, std::vector<std::string> &nodes) {
  if (auto name = dyn_cast<NameLoc>(loc)) {
    std::string s = name.getName().str();
    if (llvm::find(nodes, s) == nodes.end())
      nodes.push_back(s);
    return;
  }
  if (auto fused = dyn_cast<FusedLoc>(loc))
    for (Location inner : fused.getLocations())
      collectNodes(inner, nodes);
}

static constexpr StringLiteral kKernelAttr = "tessera.gpu.kernel";

/// Describes the kernel of every block loop (on tensors, before any
/// rewriting loses the ops): strategy, ONNX nodes, FLOPs and bytes, as a
/// dictionary on the loop.
static void describeKernels(func::FuncOp func) {
  auto describe = [&](Operation *root) {
    std::vector<std::string> nodes;
    double bytes = 0;
    std::string strategy = "elementwise";
    root->walk([&](linalg::LinalgOp op) {
      collectNodes(op.getLoc(), nodes);
      if (auto gemm = op->getAttrOfType<StringAttr>(kGemmAttr))
        strategy = ("gemm-" + gemm.getValue()).str();
      else if (op.getNumReductionLoops() && strategy == "elementwise")
        strategy = "reduction";
    });
    // Counted on the untiled ops the loop was made from: the loop's results
    // (written) and the tensors defined outside it that it reads.
    llvm::SmallPtrSet<Value, 8> read;
    root->walk([&](Operation *op) {
      for (Value operand : op->getOperands())
        if (isa<RankedTensorType>(operand.getType()) &&
            !root->isAncestor(operand.getParentBlock()->getParentOp()) &&
            !operand.getDefiningOp<tensor::EmptyOp>())
          read.insert(operand);
    });
    for (Value v : read)
      bytes += getBytes(v.getType());
    for (Value r : root->getResults())
      bytes += getBytes(r.getType());
    std::vector<Attribute> nodeAttrs;
    Builder b(func.getContext());
    for (const std::string &n : nodes)
      nodeAttrs.push_back(b.getStringAttr(n));
    NamedAttrList attrs;
    attrs.set("strategy", b.getStringAttr(strategy));
    attrs.set("nodes", b.getArrayAttr(nodeAttrs));
    attrs.set("bytes", b.getF64FloatAttr(bytes));
    return attrs.getDictionary(func.getContext());
  };
  for (auto forall : func.getBody().getOps<scf::ForallOp>())
    if (hasMapping(forall, "block"))
      forall->setAttr(kKernelAttr, describe(forall));
}

/// The FLOPs of the untiled linalg ops of the function, per ONNX node set:
/// computed before tiling (the tiled ops' sizes are per thread).
static double countFlops(linalg::LinalgOp op) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  double iterations = 1;
  for (int64_t r : ranges)
    iterations *= ShapedType::isDynamic(r) ? 1 : r;
  if (op->hasAttr(kGemmAttr))
    return 2 * iterations;
  int64_t arith = 0;
  op.getBlock()->walk([&](Operation *inner) {
    if (inner->getDialect() &&
        (inner->getDialect()->getNamespace() == "arith" ||
         inner->getDialect()->getNamespace() == "math") &&
        !isa<arith::ConstantOp, arith::IndexCastOp>(inner))
      ++arith;
  });
  return iterations * arith;
}

void annotateFlops(func::FuncOp func) {
  Builder b(func.getContext());
  func.walk([&](linalg::LinalgOp op) {
    op->setAttr("tessera.gpu.flops", b.getF64FloatAttr(countFlops(op)));
  });
}

//===----------------------------------------------------------------------===//
// Shared memory and bufferization
//===----------------------------------------------------------------------===//

/// The GEMM kernels' operand copies (thread loops of padded tiles): their
/// tiles are vectorized and their destinations become shared memory.
static LogicalResult stageOperandsInSharedMemory(func::FuncOp func) {
  SmallVector<std::pair<scf::ForallOp, bool>> copies;
  func.walk([&](scf::ForallOp forall) {
    if (!hasMapping(forall, "thread"))
      return;
    bool hasPad = false;
    forall.getBody()->walk([&](tensor::PadOp) { hasPad = true; });
    if (!hasPad)
      return;
    auto block = forall->getParentOfType<scf::ForallOp>();
    bool warps = false;
    block->walk(
        [&](scf::ForallOp inner) { warps |= hasMapping(inner, "warp"); });
    copies.push_back({forall, warps});
  });
  IRRewriter rewriter(func.getContext());
  for (auto [forall, warps] : copies) {
    SmallVector<tensor::PadOp> pads;
    forall.getBody()->walk([&](tensor::PadOp pad) { pads.push_back(pad); });
    for (tensor::PadOp pad : pads) {
      rewriter.setInsertionPoint(pad);
      FailureOr<linalg::VectorizationResult> vectorized =
          linalg::vectorize(rewriter, pad, pad.getResultType().getShape());
      if (failed(vectorized))
        return pad.emitOpError("internal error: cannot vectorize a GEMM "
                               "operand copy");
      rewriter.replaceOp(pad, vectorized->replacements);
    }
    // mma.sync's ldmatrix needs the workgroup address space attribute;
    // the SIMT kernels' vector lowering needs the integer one.
    std::string space = warps ? "#gpu.address_space<workgroup>" : "3";
    if (failed(applyTransformScript(
            forall,
            llvm::formatv("%b, %n = transform.structured."
                          "bufferize_to_allocation %root {{memory_space = "
                          "{0}, bufferize_destination_only, alloc_op = "
                          "\"memref.alloca\"} : !transform.any_op",
                          space)
                .str())))
      return failure();
  }
  return success();
}

static LogicalResult bufferize(ModuleOp module) {
  // The tiling's trivial slices fold first and the empty tensors the copies
  // write become their destinations: without this, bufferization gives each
  // thread's operand copy a buffer of its own.
  if (failed(applyTransformScript(
          module,
          "%f = transform.structured.match ops{[\"func.func\"]} in %root : "
          "(!transform.any_op) -> !transform.any_op\n"
          "transform.apply_patterns to %f {\n"
          "transform.apply_patterns.canonicalization\n"
          "transform.apply_patterns.linalg.tiling_canonicalization\n"
          "} {apply_cse} : !transform.any_op\n"
          "transform.bufferization.eliminate_empty_tensors %f : "
          "!transform.any_op\n"
          "%b = transform.bufferization.one_shot_bufferize "
          "layout{IdentityLayoutMap} %root {bufferize_function_boundaries = "
          "true, allow_return_allocs_from_loops = true, memcpy_op = "
          "\"linalg.copy\"} : (!transform.any_op) -> "
          "!transform.any_op")))
    return failure();
  if (failed(runPipeline(module,
                         "builtin.module(buffer-results-to-out-params{hoist-"
                         "static-allocs=false modify-public-functions=true},"
                         "canonicalize,cse)")))
    return failure();
  // parallel_insert_slice of a tile computed in place leaves copies of a
  // buffer onto itself.
  module.walk([](linalg::CopyOp copy) {
    if (copy.hasPureBufferSemantics() &&
        copy.getInputs()[0] == copy.getOutputs()[0])
      copy.erase();
  });
  return success();
}

/// A buffer bufferization allocates inside a thread loop (the tile of an
/// output no one reads, e.g. ArgMax's running maximum) is private to the
/// thread: a stack allocation, not a malloc.
static void makeThreadBuffersPrivate(func::FuncOp func) {
  SmallVector<memref::AllocOp> allocs;
  func.walk([&](memref::AllocOp alloc) {
    for (auto forall = alloc->getParentOfType<scf::ForallOp>(); forall;
         forall = forall->getParentOfType<scf::ForallOp>())
      if (hasMapping(forall, "thread") || hasMapping(forall, "warp")) {
        if (alloc.getType().hasStaticShape())
          allocs.push_back(alloc);
        return;
      }
  });
  for (memref::AllocOp alloc : allocs) {
    OpBuilder b(alloc);
    auto alloca = memref::AllocaOp::create(b, alloc.getLoc(), alloc.getType(),
                                           alloc.getAlignmentAttr());
    for (Operation *user : llvm::make_early_inc_range(alloc->getUsers()))
      if (isa<memref::DeallocOp>(user))
        user->erase();
    alloc.replaceAllUsesWith(alloca.getResult());
    alloc.erase();
  }
}

//===----------------------------------------------------------------------===//
// Mapping
//===----------------------------------------------------------------------===//

/// The block size of one kernel: the GEMM recipes' fixed shapes, else the
/// largest thread loop (linear mapping).
static std::array<int64_t, 3> getBlockDims(scf::ForallOp block) {
  bool warps = false, threads2d = false;
  int64_t linear = 1;
  block.walk([&](scf::ForallOp inner) {
    if (inner == block)
      return;
    if (hasMapping(inner, "warp")) {
      warps = true;
      return;
    }
    auto mapping = inner.getMapping();
    bool isLinear =
        mapping && !mapping->empty() &&
        cast<DeviceMappingAttrInterface>((*mapping)[0]).isLinearMapping();
    if (!isLinear)
      threads2d = true;
    int64_t product = 1;
    for (OpFoldResult ub : inner.getMixedUpperBound())
      if (std::optional<int64_t> v = getConstantIntValue(ub))
        product *= *v;
    linear = std::max(linear, product);
  });
  if (warps)
    return {64, 2, 1};
  if (threads2d)
    return {16, 16, 1};
  return {linear, 1, 1};
}

/// Whether the block loop computes a GEMM (tiled by the GEMM recipe).
static bool isGemmKernel(scf::ForallOp block) {
  bool gemm = false;
  block.walk([&](linalg::LinalgOp op) { gemm |= op->hasAttr(kGemmAttr); });
  return gemm;
}

/// Vectorizes the ops of the GEMM kernels (their tiles are static): the
/// operand copies, the accumulator fill and the product, which becomes a
/// vector.contract. The other kernels stay scalar loops.
static LogicalResult vectorizeGemmKernels(func::FuncOp func, bool tensorCores) {
  SmallVector<linalg::LinalgOp> ops;
  for (auto block : func.getBody().getOps<scf::ForallOp>())
    if (hasMapping(block, "block") && isGemmKernel(block))
      block.walk([&](linalg::LinalgOp op) {
        // mma.sync's conversion takes every vector op of the kernel: the
        // epilogue stays scalar there.
        if (op.hasPureBufferSemantics() && !op.hasDynamicShape() &&
            !(tensorCores && op->hasAttr(kEpilogueAttr)))
          ops.push_back(op);
      });
  IRRewriter rewriter(func.getContext());
  for (linalg::LinalgOp op : ops) {
    rewriter.setInsertionPoint(op);
    FailureOr<linalg::VectorizationResult> result = linalg::vectorize(
        rewriter, op, /*inputVectorSizes=*/{}, /*inputScalableVecDims=*/{},
        /*vectorizeNDExtract=*/false, /*flatten1DDepthwiseConv=*/false,
        /*assumeDynamicDimsMatchVecSizes=*/false,
        /*createNamedContraction=*/true);
    if (failed(result))
      return op->emitOpError("internal error: cannot vectorize a GEMM "
                             "kernel's tile");
    if (op->getNumResults() == 0)
      rewriter.eraseOp(op);
    else
      rewriter.replaceOp(op, result->replacements);
  }
  RewritePatternSet patterns(func.getContext());
  vector::populateVectorTransferPermutationMapLoweringPatterns(patterns);
  vector::populateVectorReductionToContractPatterns(patterns);
  vector::TransferReadOp::getCanonicalizationPatterns(patterns,
                                                      func.getContext());
  vector::TransferWriteOp::getCanonicalizationPatterns(patterns,
                                                       func.getContext());
  if (failed(applyPatternsGreedily(func, std::move(patterns))))
    return failure();
  // f16 products accumulated in f32: the extensions fold into the contract.
  if (tensorCores)
    return applyTransformScript(
        func, "transform.apply_patterns to %root {\n"
              "transform.apply_patterns.vector.fold_arith_extension\n"
              "} : !transform.any_op");
  return success();
}

static LogicalResult mapKernels(func::FuncOp func, bool tensorCores) {
  if (failed(vectorizeGemmKernels(func, tensorCores)))
    return failure();
  // Subviews folded into the vector transfers (aligned 128-bit accesses).
  // As a pass: the same patterns in a transform apply_patterns did not
  // terminate on these kernels with MLIR 22.1.
  {
    registerPipelineDependencies();
    PassManager pm(func.getContext(), func::FuncOp::getOperationName());
    if (failed(
            parsePassPipeline("fold-memref-alias-ops,canonicalize,cse", pm)) ||
        failed(pm.run(func)))
      return failure();
  }
  // Shared-memory buffers become static shared globals; the threads'
  // private buffers (no memory space) stay stack allocations.
  SmallVector<memref::AllocaOp> shared;
  func.walk([&](memref::AllocaOp alloca) {
    if (alloca.getType().getMemorySpace())
      shared.push_back(alloca);
  });
  for (memref::AllocaOp alloca : shared)
    if (failed(applyTransformScript(
            alloca, "%a = transform.cast %root : !transform.any_op to "
                    "!transform.op<\"memref.alloca\">\n"
                    "%g, %gl = transform.memref.alloca_to_global %a : "
                    "(!transform.op<\"memref.alloca\">) -> "
                    "(!transform.any_op, !transform.any_op)")))
      return failure();
  SmallVector<scf::ForallOp> blocks;
  for (auto forall : func.getBody().getOps<scf::ForallOp>())
    if (hasMapping(forall, "block"))
      blocks.push_back(forall);
  for (scf::ForallOp block : blocks) {
    std::array<int64_t, 3> dims = getBlockDims(block);
    DictionaryAttr kernel = block->getAttrOfType<DictionaryAttr>(kKernelAttr);
    OpBuilder b(block);
    // The launch the mapping creates takes the place of the loop.
    Operation *before = block->getPrevNode();
    Block *parent = block->getBlock();
    if (failed(applyTransformScript(
            block,
            llvm::formatv("%l = transform.gpu.map_forall_to_blocks %root "
                          "generate_gpu_launch : (!transform.any_op) -> "
                          "!transform.any_op\n"
                          "transform.gpu.map_nested_forall_to_threads %l "
                          "block_dims = [{0}, {1}, {2}] : (!transform.any_op) "
                          "-> !transform.any_op",
                          dims[0], dims[1], dims[2])
                .str())))
      return failure();
    Operation *next = before ? before->getNextNode() : &parent->front();
    for (; next; next = next->getNextNode())
      if (auto launch = dyn_cast<mlir::gpu::LaunchOp>(next)) {
        if (kernel)
          launch->setAttr(kKernelAttr, kernel);
        break;
      }
  }
  std::string lower = "%f = transform.structured.hoist_redundant_vector_"
                      "transfers %root : (!transform.any_op) -> "
                      "!transform.any_op\n";
  if (tensorCores) {
    // The batched GEMMs' unit batch dim goes first: mma.sync is 2-D.
    lower = "transform.apply_patterns to %root {\n"
            "transform.apply_patterns.vector.cast_away_vector_leading_one_dim\n"
            "transform.apply_patterns.canonicalization\n"
            "} {apply_cse} : !transform.any_op\n"
            "transform.apply_patterns to %root {\n"
            "transform.apply_patterns.gpu.unroll_vectors_subgroup_mma "
            "[16, 8, 16]\n} : !transform.any_op\n"
            "transform.apply_patterns to %root {\n"
            "transform.apply_patterns.canonicalization\n"
            "} {apply_cse} : !transform.any_op\n" +
            lower;
  } else {
    lower += "transform.apply_patterns to %f {\n"
             "transform.apply_patterns.vector.transfer_to_scf "
             "max_transfer_rank = 1 full_unroll = true\n"
             "transform.apply_patterns.vector.lower_transfer "
             "max_transfer_rank = 1\n"
             "transform.apply_patterns.canonicalization\n"
             "} {apply_cse} : !transform.any_op\n"
             "transform.apply_patterns to %f {\n"
             "transform.apply_patterns.vector.lower_contraction "
             "lowering_strategy = \"outerproduct\"\n"
             "transform.apply_patterns.vector.lower_outerproduct\n"
             "} : !transform.any_op\n"
             "transform.apply_patterns to %f {\n"
             "transform.apply_patterns.vector.lower_transpose\n"
             "transform.apply_patterns.vector.lower_broadcast\n"
             "transform.apply_patterns.vector.lower_shape_cast\n"
             "} : !transform.any_op\n"
             "transform.apply_patterns to %f {\n"
             "transform.apply_patterns.canonicalization\n"
             "} {apply_cse} : !transform.any_op\n";
  }
  if (failed(applyTransformScript(func, lower)))
    return failure();
  // The warp-level contracts become mma.sync + ldmatrix, kernel by kernel
  // (convert-vector-to-gpu{use-nvgpu} over the whole function also looks at
  // the scalar kernels' index arithmetic and fails).
  if (tensorCores) {
    SmallVector<mlir::gpu::LaunchOp> launches;
    func.walk([&](mlir::gpu::LaunchOp launch) {
      auto kernel = launch->getAttrOfType<DictionaryAttr>(kKernelAttr);
      auto strategy =
          kernel ? kernel.getAs<StringAttr>("strategy") : StringAttr();
      if (strategy && strategy.getValue() == "gemm-mma")
        launches.push_back(launch);
    });
    for (mlir::gpu::LaunchOp launch : launches) {
      RewritePatternSet prepare(func.getContext());
      populatePrepareVectorToMMAPatterns(prepare, /*useNvGpu=*/true);
      if (failed(applyPatternsGreedily(launch, std::move(prepare))))
        return failure();
      // The conversion follows the contraction's operands' uses: a constant
      // shared with the (scalar) epilogue would pull the epilogue in. The
      // epilogue gets constants of its own.
      launch.walk([&](linalg::GenericOp epilogue) {
        if (!epilogue->hasAttr(kEpilogueAttr))
          return;
        epilogue.getRegion().walk([&](Operation *inner) {
          for (OpOperand &operand : inner->getOpOperands())
            if (auto constant =
                    operand.get().getDefiningOp<arith::ConstantOp>();
                constant && !epilogue->isAncestor(constant)) {
              OpBuilder b(inner);
              operand.set(b.clone(*constant)->getResult(0));
            }
        });
      });
      IRRewriter rewriter(func.getContext());
      if (failed(convertVectorToNVVMCompatibleMMASync(rewriter, launch)))
        return launch.emitOpError("internal error: the GEMM kernel's "
                                  "contraction does not map to mma.sync");
    }
    registerPipelineDependencies();
    PassManager pm(func.getContext(), func::FuncOp::getOperationName());
    if (failed(parsePassPipeline("canonicalize,cse", pm)) ||
        failed(pm.run(func)))
      return failure();
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Device memory
//===----------------------------------------------------------------------===//

static bool isInKernel(Operation *op) {
  return op->getParentOfType<mlir::gpu::LaunchOp>() ||
         op->getParentOfType<mlir::gpu::GPUModuleOp>();
}

/// A device buffer like `type` (identity layout), allocated at `b`.
static Value allocDevice(OpBuilder &b, Location loc, MemRefType type) {
  auto deviceType = MemRefType::get(type.getShape(), type.getElementType());
  return mlir::gpu::AllocOp::create(b, loc, deviceType, /*asyncToken=*/Type(),
                                    ValueRange{}, ValueRange{}, ValueRange{})
      .getMemref();
}

static void copy(OpBuilder &b, Location loc, Value dst, Value src) {
  mlir::gpu::MemcpyOp::create(b, loc, Type(), ValueRange{}, dst, src);
}

/// A kernel copying `src` into `dst` (same static shape, any layout): one
/// thread per element, 256 per block.
static void buildCopyKernel(OpBuilder &b, Location loc, Value src, Value dst) {
  auto type = cast<MemRefType>(src.getType());
  int64_t total = type.getNumElements();
  constexpr int64_t kThreads = 256;
  auto c = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); };
  Value one = c(1);
  auto launch =
      mlir::gpu::LaunchOp::create(b, loc, c((total + kThreads - 1) / kThreads),
                                  one, one, c(kThreads), one, one);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&launch.getBody().front());
  auto cc = [&](int64_t v) {
    return arith::ConstantIndexOp::create(b, loc, v);
  };
  Value linear = arith::AddIOp::create(
      b, loc,
      arith::MulIOp::create(b, loc, launch.getBlockIds().x, cc(kThreads)),
      launch.getThreadIds().x);
  Value inRange = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult,
                                        linear, cc(total));
  auto guardIf = scf::IfOp::create(b, loc, inRange, /*withElse=*/false);
  b.setInsertionPointToStart(&guardIf.getThenRegion().front());
  SmallVector<Value> indices(type.getRank());
  Value rest = linear;
  for (int64_t d = type.getRank() - 1; d >= 0; --d) {
    Value size = cc(type.getDimSize(d));
    indices[d] = arith::RemUIOp::create(b, loc, rest, size);
    rest = arith::DivUIOp::create(b, loc, rest, size);
  }
  Value v = memref::LoadOp::create(b, loc, src, indices);
  memref::StoreOp::create(b, loc, v, dst, indices);
  b.setInsertionPointToEnd(&launch.getBody().front());
  mlir::gpu::TerminatorOp::create(b, loc);
  Builder ab(b.getContext());
  launch->setAttr(
      kKernelAttr,
      ab.getDictionaryAttr(
          {ab.getNamedAttr("strategy", ab.getStringAttr("copy")),
           ab.getNamedAttr("nodes", ab.getArrayAttr({})),
           ab.getNamedAttr("bytes", ab.getF64FloatAttr(
                                        2.0 * total *
                                        type.getElementTypeBitWidth() / 8))}));
}

/// Whether `value` is only read by host code, directly or through views:
/// scalar reads of an input or a constant (Clip's bounds, Slice's starts,
/// Resize's scales) that the host computes with stay on the host copy.
static bool isOnlyReadOnHost(Value value) {
  return llvm::all_of(value.getUses(), [](OpOperand &use) {
    Operation *user = use.getOwner();
    if (isInKernel(user))
      return false;
    if (isa<memref::LoadOp>(user))
      return true;
    if (isa<ViewLikeOpInterface, memref::ExpandShapeOp, memref::CollapseShapeOp,
            memref::CastOp>(user) &&
        user->getNumResults() == 1)
      return isOnlyReadOnHost(user->getResult(0));
    return false;
  });
}

/// Whether `memref` is (a view of) a function argument or a global: data
/// the host holds.
static bool isHostData(Value memref) {
  while (Operation *def = memref.getDefiningOp()) {
    if (isa<memref::GetGlobalOp>(def))
      return true;
    if (!isa<ViewLikeOpInterface, memref::ExpandShapeOp,
             memref::CollapseShapeOp, memref::CastOp>(def))
      return false;
    memref = def->getOperand(0);
  }
  return isa<BlockArgument>(memref);
}

/// Replaces the uses of the host buffer `host` by `device`, except the
/// host's own scalar reads.
static void useDeviceCopy(Value host, Value device) {
  host.replaceUsesWithIf(device, [&](OpOperand &use) {
    Operation *user = use.getOwner();
    if (user == device.getDefiningOp() || isa<mlir::gpu::MemcpyOp>(user))
      return false;
    if (isa<memref::LoadOp>(user) && !isInKernel(user))
      return false;
    if (user->getNumResults() == 1 && !isInKernel(user) &&
        isa<BaseMemRefType>(user->getResult(0).getType()) &&
        isOnlyReadOnHost(user->getResult(0)))
      return false;
    return true;
  });
}

/// Moves every buffer of `func` (host code after mapping) to the device:
/// allocations, constants (copied in), the inputs (copied in) and the last
/// `numOutputs` arguments (copied out at the end); copies between buffers
/// become device copies. Anything else of the host touching buffer data is
/// an error: it would read device memory on the CPU.
static LogicalResult moveBuffersToDevice(func::FuncOp func,
                                         unsigned numOutputs) {
  Block &entry = func.getBody().front();
  Operation *terminator = entry.getTerminator();
  OpBuilder b(func.getContext());
  SmallVector<Value> deviceBuffers;
  Location loc = func.getLoc();

  // Arguments.
  unsigned numArgs = func.getNumArguments();
  for (BlockArgument arg : func.getArguments()) {
    auto type = dyn_cast<MemRefType>(arg.getType());
    if (!type)
      continue;
    bool isOutput = arg.getArgNumber() >= numArgs - numOutputs;
    b.setInsertionPointToStart(&entry);
    Value device = allocDevice(b, loc, type);
    deviceBuffers.push_back(device);
    useDeviceCopy(arg, device);
    if (!isOutput) {
      b.setInsertionPointAfter(device.getDefiningOp());
      copy(b, loc, device, arg);
    } else {
      b.setInsertionPoint(terminator);
      copy(b, loc, arg, device);
    }
  }

  // Allocations, constants and copies of the host code.
  SmallVector<Operation *> hostOps;
  for (Operation &op : entry)
    hostOps.push_back(&op);
  for (Operation *op : hostOps) {
    if (auto alloc = dyn_cast<memref::AllocOp>(op)) {
      if (!alloc.getType().getLayout().isIdentity() ||
          !alloc.getType().hasStaticShape())
        return alloc.emitOpError("a dynamic or strided buffer cannot be "
                                 "placed in device memory");
      b.setInsertionPoint(alloc);
      Value device = allocDevice(b, alloc.getLoc(), alloc.getType());
      alloc.replaceAllUsesWith(device);
      alloc.erase();
      deviceBuffers.push_back(device);
      continue;
    }
    if (auto dealloc = dyn_cast<memref::DeallocOp>(op)) {
      dealloc.erase();
      continue;
    }
    if (auto global = dyn_cast<memref::GetGlobalOp>(op)) {
      if (global.getType().getMemorySpace())
        continue;
      b.setInsertionPointAfter(global);
      Value device = allocDevice(b, global.getLoc(), global.getType());
      useDeviceCopy(global.getResult(), device);
      b.setInsertionPointAfter(device.getDefiningOp());
      copy(b, global.getLoc(), device, global.getResult());
      deviceBuffers.push_back(device);
      continue;
    }
    auto copyLike = [&](Value src, Value dst) -> LogicalResult {
      auto srcType = cast<MemRefType>(src.getType());
      auto dstType = cast<MemRefType>(dst.getType());
      b.setInsertionPoint(op);
      if (srcType.getLayout().isIdentity() && dstType.getLayout().isIdentity())
        copy(b, op->getLoc(), dst, src);
      else if (srcType.hasStaticShape())
        buildCopyKernel(b, op->getLoc(), src, dst);
      else
        return op->emitOpError("a dynamic strided copy is not mapped to "
                               "the GPU");
      op->erase();
      return success();
    };
    if (auto memcpy = dyn_cast<memref::CopyOp>(op)) {
      if (failed(copyLike(memcpy.getSource(), memcpy.getTarget())))
        return failure();
      continue;
    }
    if (auto linalgCopy = dyn_cast<linalg::CopyOp>(op)) {
      if (failed(
              copyLike(linalgCopy.getInputs()[0], linalgCopy.getOutputs()[0])))
        return failure();
      continue;
    }
  }
  // The copies just made read the constants from the host globals; the
  // gpu.memcpy of a global reads it where the get_global is.
  b.setInsertionPoint(terminator);
  for (Value device : llvm::reverse(deviceBuffers))
    mlir::gpu::DeallocOp::create(b, loc, Type(), ValueRange{}, device);

  // A buffer allocated inside a kernel would be a per-thread malloc.
  WalkResult inKernel = func.walk([&](memref::AllocOp alloc) {
    if (!isInKernel(alloc))
      return WalkResult::advance();
    alloc.emitOpError("internal error: a kernel allocates a buffer");
    return WalkResult::interrupt();
  });
  if (inKernel.wasInterrupted())
    return failure();

  // What is left on the host must not touch buffer data.
  for (Operation &op : entry) {
    if (isa<mlir::gpu::LaunchOp, mlir::gpu::AllocOp, mlir::gpu::DeallocOp,
            mlir::gpu::MemcpyOp, func::ReturnOp>(op))
      continue;
    // Scalar reads of the host's own copies (inputs, constants).
    if (auto load = dyn_cast<memref::LoadOp>(op);
        load && isHostData(load.getMemRef()))
      continue;
    // A sequential loop on buffers (the time loop of LSTM/GRU/RNN) has no
    // kernel mapping.
    if (isa<scf::ForOp>(op))
      return op.emitOpError(
          "was not mapped to a GPU kernel: sequential loops, such as the time "
          "steps of LSTM, GRU and RNN, compile for --target=cpu and "
          "--target=gpu-emulate only");
    if (isa<linalg::LinalgOp, vector::TransferReadOp, vector::TransferWriteOp,
            memref::LoadOp, memref::StoreOp, memref::CopyOp, scf::ForallOp,
            scf::IfOp>(op))
      return op.emitOpError("was not mapped to a GPU kernel");
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Kernel list
//===----------------------------------------------------------------------===//

static void collectKernels(func::FuncOp func, std::vector<KernelInfo> &out) {
  func.walk([&](mlir::gpu::LaunchOp launch) {
    KernelInfo info;
    auto dim = [](Value v) { return getConstantIntValue(v).value_or(1); };
    mlir::gpu::KernelDim3 grid = launch.getGridSizeOperandValues();
    mlir::gpu::KernelDim3 block = launch.getBlockSizeOperandValues();
    info.grid = {dim(grid.x), dim(grid.y), dim(grid.z)};
    info.block = {dim(block.x), dim(block.y), dim(block.z)};
    if (Value smem = launch.getDynamicSharedMemorySize())
      info.dynamicSharedBytes = dim(smem);
    if (auto kernel = launch->getAttrOfType<DictionaryAttr>(kKernelAttr)) {
      if (auto s = kernel.getAs<StringAttr>("strategy"))
        info.strategy = s.getValue().str();
      if (auto nodes = kernel.getAs<ArrayAttr>("nodes"))
        for (Attribute n : nodes)
          info.nodes.push_back(cast<StringAttr>(n).getValue().str());
      if (auto bytes = kernel.getAs<FloatAttr>("bytes"))
        info.bytes = bytes.getValueAsDouble();
      if (auto flops = kernel.getAs<FloatAttr>("flops"))
        info.flops = flops.getValueAsDouble();
    }
    info.tensorCores =
        info.strategy == "gemm-mma" || info.strategy == "gemm-wgmma";
    launch.walk([&](memref::GetGlobalOp global) {
      if (global.getType().getMemorySpace())
        info.staticSharedBytes += getBytes(global.getType());
    });
    out.push_back(std::move(info));
  });
}

//===----------------------------------------------------------------------===//
// Warpgroup-MMA GEMMs
//===----------------------------------------------------------------------===//

static LogicalResult emitWgmmaGemms(func::FuncOp func) {
  SmallVector<linalg::MatmulOp> gemms;
  func.walk([&](linalg::MatmulOp op) {
    if (auto kind = op->getAttrOfType<StringAttr>(kGemmAttr))
      if (kind.getValue() == "wgmma" && !isInKernel(op))
        gemms.push_back(op);
  });
  for (linalg::MatmulOp op : gemms) {
    OpBuilder b(op);
    HopperGemmSpec spec;
    spec.a = op.getInputs()[0];
    spec.b = op.getInputs()[1];
    spec.c = op.getOutputs()[0];
    // linalg's C += A x B: the accumulator adds C's initial value (the bias
    // broadcast, or zeros) in the kernel's epilogue, then the elementwise
    // epilogue gemmify put on C (the activation), whose op goes away.
    Value c = spec.c;
    linalg::GenericOp fused;
    for (Operation *user : c.getUsers())
      if (auto generic = dyn_cast<linalg::GenericOp>(user);
          generic && generic->hasAttr(kEpilogueAttr) &&
          generic.getDpsInits()[0] == c && op->isBeforeInBlock(generic))
        if (!fused || generic->isBeforeInBlock(fused))
          fused = generic;
    Block *body = fused ? &fused.getRegion().front() : nullptr;
    spec.epilogue = [c, body](OpBuilder &eb, Location el, Value acc, Value row,
                              Value col) -> Value {
      Value init = memref::LoadOp::create(eb, el, c, ValueRange{row, col});
      Value v = arith::AddFOp::create(eb, el, acc, init);
      if (!body)
        return v;
      IRMapping map;
      map.map(body->getArgument(0), v);
      for (Operation &inner : body->without_terminator())
        eb.clone(inner, map);
      return map.lookup(body->getTerminator()->getOperand(0));
    };
    std::vector<std::string> nodes;
    collectNodes(op.getLoc(), nodes);
    FailureOr<Operation *> launch = emitHopperGemm(b, op.getLoc(), spec);
    if (failed(launch))
      return failure();
    Builder ab(op.getContext());
    std::vector<Attribute> nodeAttrs;
    for (const std::string &n : nodes)
      nodeAttrs.push_back(ab.getStringAttr(n));
    double bytes = getBytes(spec.a.getType()) + getBytes(spec.b.getType()) +
                   getBytes(spec.c.getType());
    double flops = 0;
    if (auto f = op->getAttrOfType<FloatAttr>("tessera.gpu.flops"))
      flops = f.getValueAsDouble();
    (*launch)->setAttr(
        kKernelAttr,
        ab.getDictionaryAttr(
            {ab.getNamedAttr("strategy", ab.getStringAttr("gemm-wgmma")),
             ab.getNamedAttr("nodes", ab.getArrayAttr(nodeAttrs)),
             ab.getNamedAttr("bytes", ab.getF64FloatAttr(bytes)),
             ab.getNamedAttr("flops", ab.getF64FloatAttr(flops))}));
    op.erase();
    if (fused)
      fused.erase();
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Entry points
//===----------------------------------------------------------------------===//

/// Adds each block loop's FLOPs (the sum over the ops it computes, counted
/// before tiling) to its kernel description.
static void addKernelFlops(func::FuncOp func) {
  Builder b(func.getContext());
  for (auto forall : func.getBody().getOps<scf::ForallOp>()) {
    auto kernel = forall->getAttrOfType<DictionaryAttr>(kKernelAttr);
    if (!kernel)
      continue;
    double flops = 0;
    forall.walk([&](linalg::LinalgOp op) {
      if (auto f = op->getAttrOfType<FloatAttr>("tessera.gpu.flops"))
        flops = std::max(flops, f.getValueAsDouble());
    });
    NamedAttrList attrs(kernel);
    attrs.set("flops", b.getF64FloatAttr(flops));
    forall->setAttr(kKernelAttr, attrs.getDictionary(func.getContext()));
  }
}

LogicalResult mapToGPU(ModuleOp module, const CodegenConfig &config,
                       std::vector<KernelInfo> &kernels) {
  auto main = module.lookupSymbol<func::FuncOp>("main");
  if (!main)
    return emitError(module.getLoc()) << "the GPU target needs @main";
  unsigned numOutputs = main.getNumResults();
  if (failed(prepareForCABI(module)))
    return failure();
  for (auto func : module.getOps<func::FuncOp>()) {
    if (func.isExternal())
      continue;
    describeKernels(func);
    addKernelFlops(func);
    if (failed(stageOperandsInSharedMemory(func)))
      return failure();
  }
  if (failed(bufferize(module)))
    return failure();
  main = module.lookupSymbol<func::FuncOp>("main");
  makeThreadBuffersPrivate(main);
  if (failed(emitWgmmaGemms(main)) ||
      failed(mapKernels(main, config.getGemmKind() != GemmKind::Simt)))
    return failure();
  if (failed(moveBuffersToDevice(main, numOutputs)))
    return failure();
  collectKernels(main, kernels);
  return success();
}

/// Moves every outlined kernel into the first gpu.module (outlining makes
/// one per launch): one PTX module with every kernel, loaded once.
static LogicalResult mergeGPUModules(ModuleOp module) {
  SmallVector<mlir::gpu::GPUModuleOp> modules(
      module.getOps<mlir::gpu::GPUModuleOp>());
  if (modules.size() < 2)
    return success();
  // Every kernel is renamed after its module (unique in the parent).
  llvm::DenseMap<std::pair<StringAttr, StringAttr>, StringAttr> renamed;
  for (mlir::gpu::GPUModuleOp m : modules)
    for (auto func : m.getOps<mlir::gpu::GPUFuncOp>()) {
      renamed[{m.getNameAttr(), func.getNameAttr()}] = m.getNameAttr();
      func.setName(m.getName());
    }
  mlir::gpu::GPUModuleOp target = modules.front();
  SymbolTable targetSymbols(target);
  for (mlir::gpu::GPUModuleOp other : llvm::drop_begin(modules)) {
    for (Operation &op :
         llvm::make_early_inc_range(other.getBody()->getOperations())) {
      auto symbol = dyn_cast<SymbolOpInterface>(&op);
      if (!symbol)
        continue;
      // Shared-memory globals were copied into every module that uses
      // them; one copy is enough.
      if (targetSymbols.lookup(symbol.getName())) {
        if (isa<mlir::gpu::GPUFuncOp>(op))
          return op.emitOpError("internal error: two kernels named ")
                 << symbol.getName();
        continue;
      }
      op.moveBefore(target.getBody(), target.getBody()->end());
      targetSymbols.insert(&op);
    }
  }
  StringAttr targetName = target.getNameAttr();
  module.walk([&](mlir::gpu::LaunchFuncOp launch) {
    StringAttr name =
        renamed.lookup({launch.getKernelModuleName(), launch.getKernelName()});
    launch.setKernelAttr(
        SymbolRefAttr::get(targetName, {FlatSymbolRefAttr::get(name)}));
  });
  for (mlir::gpu::GPUModuleOp other : llvm::drop_begin(modules))
    other.erase();
  return success();
}

/// The CUDA toolkits searched for libdevice: $CUDA_HOME when it is set,
/// else the toolkit of the ptxas on PATH and /usr/local/cuda.
static SmallVector<std::string> getCUDAToolkits() {
  if (std::optional<std::string> home = llvm::sys::Process::GetEnv("CUDA_HOME"))
    return {*home};
  SmallVector<std::string> dirs;
  if (llvm::ErrorOr<std::string> ptxas = llvm::sys::findProgramByName("ptxas"))
    dirs.push_back(
        llvm::sys::path::parent_path(llvm::sys::path::parent_path(*ptxas))
            .str());
  dirs.push_back("/usr/local/cuda");
  return dirs;
}

static std::string getLibdeviceSearchPath() {
  return llvm::join(getCUDAToolkits(), ", ");
}

/// libdevice.10.bc of the first toolkit that has it.
static std::optional<std::string> findLibdevice() {
  for (const std::string &dir : getCUDAToolkits()) {
    SmallString<256> path(dir);
    llvm::sys::path::append(path, "nvvm", "libdevice", "libdevice.10.bc");
    if (llvm::sys::fs::exists(path))
      return std::string(path);
  }
  return std::nullopt;
}

LogicalResult lowerKernelsToPTX(ModuleOp module, const CodegenConfig &config) {
  // ldmatrix was chosen on the workgroup address space attribute; from here
  // on, NVVM's shared address space (3) is what the vector lowering maps.
  AttrTypeReplacer replacer;
  replacer.addReplacement(
      [](mlir::gpu::AddressSpaceAttr space) -> std::optional<Attribute> {
        if (space.getValue() != mlir::gpu::AddressSpace::Workgroup)
          return std::nullopt;
        return IntegerAttr::get(IntegerType::get(space.getContext(), 64), 3);
      });
  replacer.recursivelyReplaceElementsIn(module, /*replaceAttrs=*/true,
                                        /*replaceLocs=*/false,
                                        /*replaceTypes=*/true);
  if (failed(runPipeline(module, "builtin.module(gpu-kernel-outlining,"
                                 "symbol-dce)")) ||
      failed(mergeGPUModules(module)))
    return failure();
  // Math functions (exp, erf, tanh, ...) become calls to libdevice's __nv_*
  // functions, linked from the CUDA toolkit's bitcode library.
  std::optional<std::string> libdevice = findLibdevice();
  std::string pipeline = llvm::formatv(
      "builtin.module(gpu.module(convert-linalg-to-loops,"
      "convert-vector-to-scf{{full-unroll=true},"
      "convert-vector-to-llvm{{use-vector-alignment=true}),"
      "convert-nvgpu-to-nvvm,"
      "nvvm-attach-target{{chip={0} features={1} O=3{2}},"
      "gpu.module(convert-scf-to-cf,convert-nvvm-to-llvm,expand-strided-"
      "metadata,lower-affine,convert-gpu-to-nvvm,convert-arith-to-llvm,"
      "convert-index-to-llvm,canonicalize,cse,reconcile-unrealized-casts))",
      config.target.chip, config.target.features,
      libdevice ? " l=" + *libdevice : std::string());
  if (failed(runPipeline(module, pipeline)))
    return failure();
  if (!libdevice) {
    LogicalResult result = success();
    module.walk([&](LLVM::LLVMFuncOp func) {
      if (!func.isExternal() || !func.getName().starts_with("__nv_"))
        return WalkResult::advance();
      result = emitError(func.getLoc())
               << "the kernels call CUDA's libdevice (" << func.getName()
               << "), but nvvm/libdevice/libdevice.10.bc was not found in "
               << getLibdeviceSearchPath()
               << "; set CUDA_HOME to the CUDA toolkit";
      return WalkResult::interrupt();
    });
    if (failed(result))
      return failure();
  }
  return runPipeline(module,
                     "builtin.module(gpu-module-to-binary{format=isa})");
}

FailureOr<std::string> getPTX(ModuleOp module) {
  std::string ptx;
  for (auto binary : module.getOps<mlir::gpu::BinaryOp>())
    for (Attribute object : binary.getObjects())
      if (auto obj = dyn_cast<mlir::gpu::ObjectAttr>(object))
        ptx += obj.getObject().getValue().str();
  // A model whose every op folded away has no kernel: no PTX.
  return ptx;
}

LogicalResult lowerTiledForCPU(ModuleOp module) {
  if (failed(prepareForCABI(module)) || failed(bufferize(module)))
    return failure();
  return runPipeline(module, "builtin.module(scf-forall-to-for,canonicalize)");
}

} // namespace tessera::gpu
