//===- HopperGemm.cpp - the sm_90a warpgroup-MMA GEMM emitter -------------===//
//
// Part of Tessera. Builds, in host code, the TMA descriptors of A and B and a
// gpu.launch of a pipelined GEMM kernel: 128x128x64 tiles on one warpgroup
// (128x256x64 on two when N % 256 == 0), TMA loads into multi-buffered shared
// memory synchronized by one mbarrier per stage, nvgpu.warpgroup.mma
// (wgmma.mma_async) accumulating in registers, and an epilogue staged
// through shared memory. docs/gpu.md ("Hopper warpgroup-MMA GEMM") describes
// the layout and every sync.
//
//===----------------------------------------------------------------------===//

#include "tessera/Codegen/GPU/GPU.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMTypes.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/SymbolTable.h"

using namespace mlir;

namespace tessera::gpu {
namespace {

// The block tile's rows and the K slice of one pipeline stage.
constexpr int64_t kTileM = 128, kTileK = 64;
// TMA boxes are 64 f16 (128 bytes, the swizzle width) wide: A is one 128x64
// box per slice, B one 64x64 box per 64 columns of the tile.
constexpr int64_t kBoxCols = 64;
constexpr int64_t kTileBytesA = kTileM * kTileK * 2;
constexpr int64_t kBoxBytes = kTileK * kBoxCols * 2;
// Padding (floats) of the rows of the accumulator tile staged in shared
// memory: 8 make the v2 stores of the mma fragments conflict-free.
constexpr int64_t kStagePad = 8;
// Shared memory address space as the nvgpu ops spell it.
constexpr unsigned kShared = 3;
// The dynamic shared memory of the kernel: an external shared array whose
// 1024-byte alignment the 128-byte TMA swizzle and the wgmma descriptors
// (base offset 0) need.
constexpr llvm::StringLiteral kSmemSymbol = "__tessera_hopper_smem";

/// The kernel's shape. Narrow: 128x128 tiles, one warpgroup (m64n128k16 on
/// both 64-row halves), 3 stages (96 KiB, two blocks per SM). Wide, when N is
/// a multiple of 256: 128x256 tiles, two warpgroups of 64 rows each
/// (m64n256k16, which reads less shared memory per FLOP), 4 stages (192 KiB).
struct Config {
  int64_t tileN, warpgroups, stages;
  int64_t threads() const { return 128 * warpgroups; }
  int64_t rowsPerWarpgroup() const { return kTileM / warpgroups; }
  int64_t tileBytesB() const { return kTileK * tileN * 2; }
  int64_t stageStride() const { return tileN + kStagePad; }
};

Config chooseConfig(int64_t n) {
  if (n % 256 == 0)
    return {256, 2, 4};
  return {128, 1, 3};
}

struct Shapes {
  int64_t m, n, k;
};

/// Checks the operands; emits the error at `loc` and fails otherwise.
FailureOr<Shapes> checkSpec(Location loc, const HopperGemmSpec &spec) {
  auto fail = [&](const Twine &msg) -> FailureOr<Shapes> {
    emitError(loc) << "hopper gemm: " << msg;
    return failure();
  };
  if (!spec.a || !spec.b || !spec.c)
    return fail("A, B and C must all be given");
  auto check = [&](Value v, StringRef name, Type elem,
                   MemRefType &out) -> LogicalResult {
    auto type = dyn_cast<MemRefType>(v.getType());
    if (!type || type.getRank() != 2 || !type.hasStaticShape() ||
        !type.getLayout().isIdentity() || type.getElementType() != elem) {
      std::string s;
      llvm::raw_string_ostream os(s);
      os << name << " must be a static, identity-layout 2-D memref of " << elem
         << ", got " << v.getType();
      (void)fail(os.str());
      return failure();
    }
    Attribute space = type.getMemorySpace();
    auto gpuSpace = dyn_cast_or_null<mlir::gpu::AddressSpaceAttr>(space);
    if (space &&
        !(gpuSpace && gpuSpace.getValue() == mlir::gpu::AddressSpace::Global)) {
      std::string s;
      llvm::raw_string_ostream os(s);
      os << name << " must be in global (device) memory, got memory space "
         << space;
      (void)fail(os.str());
      return failure();
    }
    out = type;
    return success();
  };
  Builder b(loc.getContext());
  MemRefType ta, tb, tc;
  if (failed(check(spec.a, "A", b.getF16Type(), ta)) ||
      failed(check(spec.b, "B", b.getF16Type(), tb)) ||
      failed(check(spec.c, "C", b.getF32Type(), tc)))
    return failure();
  Shapes s{ta.getDimSize(0), tb.getDimSize(1), ta.getDimSize(1)};
  if (tb.getDimSize(0) != s.k || tc.getDimSize(0) != s.m ||
      tc.getDimSize(1) != s.n) {
    std::string msg;
    llvm::raw_string_ostream os(msg);
    os << "shapes do not form a matrix product: A " << s.m << "x" << s.k
       << ", B " << tb.getDimSize(0) << "x" << s.n << ", C " << tc.getDimSize(0)
       << "x" << tc.getDimSize(1);
    return fail(os.str());
  }
  if (s.m <= 0 || s.n <= 0 || s.k <= 0 || s.m % kTileM || s.n % 128 ||
      s.k % kTileK) {
    std::string msg;
    llvm::raw_string_ostream os(msg);
    os << "M=" << s.m << ", N=" << s.n << ", K=" << s.k
       << " not supported: M and N must be positive multiples of 128 and K a "
          "positive multiple of 64";
    return fail(os.str());
  }
  // TMA coordinates are 32-bit.
  if (s.m > INT32_MAX || s.n > INT32_MAX || s.k > INT32_MAX)
    return fail("dimensions above 2^31 are not supported");
  return s;
}

} // namespace

FailureOr<Operation *> emitHopperGemm(OpBuilder &b, Location loc,
                                      const HopperGemmSpec &spec) {
  FailureOr<Shapes> shapes = checkSpec(loc, spec);
  if (failed(shapes))
    return failure();
  const int64_t m = shapes->m, n = shapes->n, k = shapes->k;

  Block *block = b.getInsertionBlock();
  Operation *parent = block ? block->getParentOp() : nullptr;
  if (!parent || parent->getParentOfType<mlir::gpu::GPUModuleOp>() ||
      isa<mlir::gpu::GPUModuleOp>(parent) ||
      parent->getParentOfType<mlir::gpu::LaunchOp>() ||
      isa<mlir::gpu::LaunchOp>(parent)) {
    emitError(loc) << "hopper gemm: must be emitted in host code, outside "
                      "gpu.launch and gpu.module";
    return failure();
  }
  Operation *symbolTableOp = SymbolTable::getNearestSymbolTable(parent);
  if (!symbolTableOp) {
    emitError(loc) << "hopper gemm: no enclosing symbol table (module) to "
                      "hold the shared memory declaration";
    return failure();
  }

  MLIRContext *ctx = b.getContext();
  Type f16 = b.getF16Type(), f32 = b.getF32Type(), i8 = b.getI8Type();
  auto shared = b.getI64IntegerAttr(kShared);
  const Config cfg = chooseConfig(n);
  const int64_t tileN = cfg.tileN;
  const int64_t kTiles = k / kTileK;
  const int64_t stages = std::min(cfg.stages, kTiles);
  const int64_t tileBytesB = cfg.tileBytesB();
  const int64_t stageStride = cfg.stageStride();
  const int64_t inputBytes = stages * (kTileBytesA + tileBytesB);
  const int64_t stagingBytes = kTileM * stageStride * 4;
  const int64_t smemBytes = std::max(inputBytes, stagingBytes);

  // The external shared array, once per symbol table; outlining copies it
  // into each kernel's gpu.module.
  SymbolTable symbols(symbolTableOp);
  memref::GlobalOp createdGlobal;
  auto smemGlobalTy =
      MemRefType::get({0}, i8, MemRefLayoutAttrInterface{}, shared);
  if (auto existing = symbols.lookup<memref::GlobalOp>(kSmemSymbol)) {
    if (existing.getType() != smemGlobalTy || !existing.isExternal()) {
      emitError(loc) << "hopper gemm: symbol " << kSmemSymbol
                     << " exists with another definition";
      return failure();
    }
  } else {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&symbolTableOp->getRegion(0).front());
    createdGlobal = memref::GlobalOp::create(
        b, loc, kSmemSymbol, b.getStringAttr("public"), smemGlobalTy,
        Attribute(), /*constant=*/false, b.getI64IntegerAttr(1024));
    symbols.insert(createdGlobal);
  }

  auto cIndex = [&](OpBuilder &bb, int64_t v) -> Value {
    return arith::ConstantIndexOp::create(bb, loc, v);
  };
  // The first op built in host code (erased with the rest on failure).
  Operation *firstHostOp = nullptr;

  // TMA descriptors: A as 128x64 boxes (one K slice of the block's rows); B
  // as 64x64 boxes, tileN / 64 per slice, since a 128-byte swizzled box row
  // holds 64 f16. B stays row-major (N contiguous) in shared memory and the
  // wgmma reads it transposed (transposeB).
  auto tensorMapTy = [&](int64_t rows, int64_t cols) {
    return nvgpu::TensorMapDescriptorType::get(
        ctx,
        MemRefType::get({rows, cols}, f16, MemRefLayoutAttrInterface{}, shared),
        nvgpu::TensorMapSwizzleKind::SWIZZLE_128B,
        nvgpu::TensorMapL2PromoKind::L2PROMO_256B,
        nvgpu::TensorMapOOBKind::OOB_ZERO,
        nvgpu::TensorMapInterleaveKind::INTERLEAVE_NONE);
  };
  auto tmaTyA = tensorMapTy(kTileM, kTileK);
  auto tmaTyB = tensorMapTy(kTileK, 64);
  auto unranked = [&](Value v) -> Value {
    auto t = cast<MemRefType>(v.getType());
    return memref::CastOp::create(
        b, loc, UnrankedMemRefType::get(t.getElementType(), t.getMemorySpace()),
        v);
  };
  Value castA = unranked(spec.a);
  firstHostOp = castA.getDefiningOp();
  Value descA = nvgpu::TmaCreateDescriptorOp::create(
      b, loc, tmaTyA, castA, ValueRange{cIndex(b, kTileM), cIndex(b, kTileK)});
  Value descB = nvgpu::TmaCreateDescriptorOp::create(
      b, loc, tmaTyB, unranked(spec.b),
      ValueRange{cIndex(b, kTileK), cIndex(b, 64)});
  // The descriptors cross into the kernel as pointers (the device address of
  // the CUtensorMap): a gpu.func argument of tensormap type does not
  // legalize once the launch is outlined before the NVVM lowering. The
  // ptrtoint/inttoptr pair keeps canonicalization from folding the casts on
  // both sides of the launch back into the descriptor.
  Type ptrTy = LLVM::LLVMPointerType::get(ctx);
  auto asPointer = [&](Value desc) -> Value {
    Value p =
        UnrealizedConversionCastOp::create(b, loc, ptrTy, desc).getResult(0);
    Value i = LLVM::PtrToIntOp::create(b, loc, b.getI64Type(), p);
    return LLVM::IntToPtrOp::create(b, loc, ptrTy, i);
  };
  Value ptrA = asPointer(descA);
  Value ptrB = asPointer(descB);

  Value one = cIndex(b, 1);
  auto launch = mlir::gpu::LaunchOp::create(
      b, loc, cIndex(b, n / tileN), cIndex(b, m / kTileM), one,
      cIndex(b, cfg.threads()), one, one,
      arith::ConstantIntOp::create(b, loc, b.getI32Type(), smemBytes));

  OpBuilder kb = OpBuilder::atBlockBegin(&launch.getBody().front());
  Value tmaA =
      UnrealizedConversionCastOp::create(kb, loc, tmaTyA, ptrA).getResult(0);
  Value tmaB =
      UnrealizedConversionCastOp::create(kb, loc, tmaTyB, ptrB).getResult(0);
  Value c0 = cIndex(kb, 0), c1 = cIndex(kb, 1);
  Value tid = launch.getThreadIds().x;
  Value col0 =
      arith::MulIOp::create(kb, loc, launch.getBlockIds().x, cIndex(kb, tileN));
  Value row0 = arith::MulIOp::create(kb, loc, launch.getBlockIds().y,
                                     cIndex(kb, kTileM));
  Value isLeader =
      arith::CmpIOp::create(kb, loc, arith::CmpIPredicate::eq, tid, c0);
  Value warpgroup = arith::DivUIOp::create(kb, loc, tid, cIndex(kb, 128));

  // Dynamic shared memory: [stage][A 128x64] then [stage][B 64 x tileN] (each
  // B tile tileN/64 boxes of 64x64); after the main loop the accumulator tile
  // 128 x stageStride f32 reuses it from offset 0.
  auto smemTy =
      MemRefType::get({smemBytes}, i8, MemRefLayoutAttrInterface{}, shared);
  Value smemGlobal =
      memref::GetGlobalOp::create(kb, loc, smemGlobalTy, kSmemSymbol);
  Value smem = memref::ReinterpretCastOp::create(
      kb, loc, smemTy, smemGlobal, /*offset=*/0, ArrayRef<int64_t>{smemBytes},
      ArrayRef<int64_t>{1});
  auto view = [&](OpBuilder &bb, Value byteOffset, ArrayRef<int64_t> shape,
                  Type elem) -> Value {
    auto t = MemRefType::get(shape, elem, MemRefLayoutAttrInterface{}, shared);
    return memref::ViewOp::create(bb, loc, t, smem, byteOffset, ValueRange{});
  };

  auto barTy = nvgpu::MBarrierGroupType::get(
      ctx,
      mlir::gpu::AddressSpaceAttr::get(ctx, mlir::gpu::AddressSpace::Workgroup),
      stages);
  Value bars = nvgpu::MBarrierCreateOp::create(kb, loc, barTy);
  // One arrival per phase: the leader's arrive.expect_tx; the TMA bytes
  // complete the phase.
  for (int64_t s = 0; s < stages; ++s)
    nvgpu::MBarrierInitOp::create(kb, loc, bars, c1, cIndex(kb, s), isLeader);
  NVVM::FenceMbarrierInitOp::create(kb, loc);
  mlir::gpu::BarrierOp::create(kb, loc);
  nvgpu::TmaPrefetchOp::create(kb, loc, tmaA, isLeader);
  nvgpu::TmaPrefetchOp::create(kb, loc, tmaB, isLeader);

  const int64_t txBytes = kTileBytesA + tileBytesB;
  // Issues the TMA loads of K slice `kt` into stage `stage` (leader only).
  auto issueLoads = [&](OpBuilder &bb, Value kt, Value stage) {
    Value offA = arith::MulIOp::create(bb, loc, stage, cIndex(bb, kTileBytesA));
    Value offB0 = arith::AddIOp::create(
        bb, loc, arith::MulIOp::create(bb, loc, stage, cIndex(bb, tileBytesB)),
        cIndex(bb, stages * kTileBytesA));
    Value kc = arith::MulIOp::create(bb, loc, kt, cIndex(bb, kTileK));
    nvgpu::MBarrierArriveExpectTxOp::create(bb, loc, bars, cIndex(bb, txBytes),
                                            stage, Value());
    // Coordinates are innermost first.
    nvgpu::TmaAsyncLoadOp::create(
        bb, loc, view(bb, offA, {kTileM, kTileK}, f16), bars, tmaA,
        ValueRange{kc, row0}, stage, Value(), Value());
    for (int64_t box = 0; box < tileN / kBoxCols; ++box) {
      Value off = box ? arith::AddIOp::create(bb, loc, offB0,
                                              cIndex(bb, box * kBoxBytes))
                            .getResult()
                      : offB0;
      Value col =
          box ? arith::AddIOp::create(bb, loc, col0, cIndex(bb, box * kBoxCols))
                    .getResult()
              : col0;
      nvgpu::TmaAsyncLoadOp::create(
          bb, loc, view(bb, off, {kTileK, kBoxCols}, f16), bars, tmaB,
          ValueRange{col, kc}, stage, Value(), Value());
    }
  };

  // Prologue: slices 0 .. stages-2 in flight before the loop.
  {
    auto ifOp = scf::IfOp::create(kb, loc, isLeader, /*withElse=*/false);
    OpBuilder ib = OpBuilder::atBlockBegin(ifOp.thenBlock());
    const int64_t prologue = stages == 1 ? 1 : stages - 1;
    for (int64_t s = 0; s < prologue; ++s) {
      Value sv = cIndex(ib, s);
      issueLoads(ib, sv, sv);
    }
  }

  auto accTy = nvgpu::WarpgroupAccumulatorType::get(
      ctx, VectorType::get({cfg.rowsPerWarpgroup(), tileN}, f32));
  Value acc0 = nvgpu::WarpgroupMmaInitAccumulatorOp::create(kb, loc, accTy);
  auto wgDescTy = [&](int64_t rows, int64_t cols) {
    return nvgpu::WarpgroupMatrixDescriptorType::get(
        ctx, MemRefType::get({rows, cols}, f16, MemRefLayoutAttrInterface{},
                             shared));
  };
  auto loop =
      scf::ForOp::create(kb, loc, c0, cIndex(kb, kTiles), c1, ValueRange{acc0});
  {
    OpBuilder lb = OpBuilder::atBlockBegin(loop.getBody());
    Value kt = loop.getInductionVar();
    Value acc = loop.getRegionIterArgs()[0];
    Value cStages = cIndex(lb, stages);
    Value stage = arith::RemUIOp::create(lb, loc, kt, cStages);
    // Slice kt is the (kt / stages)-th use of its barrier: wait for the
    // phase of that parity.
    Value use = arith::DivUIOp::create(lb, loc, kt, cStages);
    Value parity = arith::TruncIOp::create(
        lb, loc, lb.getI1Type(),
        arith::IndexCastUIOp::create(
            lb, loc, lb.getI64Type(),
            arith::AndIOp::create(lb, loc, use, cIndex(lb, 1))));
    nvgpu::MBarrierTryWaitParityOp::create(lb, loc, bars, parity,
                                           cIndex(lb, 10000000), stage);
    Value offA = arith::MulIOp::create(lb, loc, stage, cIndex(lb, kTileBytesA));
    Value offB = arith::AddIOp::create(
        lb, loc, arith::MulIOp::create(lb, loc, stage, cIndex(lb, tileBytesB)),
        cIndex(lb, stages * kTileBytesA));
    // Each warpgroup multiplies its rows of the A tile (64 rows are 8 KiB of
    // the swizzled tile) by the whole B tile.
    const int64_t rowsA = cfg.rowsPerWarpgroup();
    if (cfg.warpgroups > 1)
      offA = arith::AddIOp::create(
          lb, loc, offA,
          arith::MulIOp::create(lb, loc, warpgroup,
                                cIndex(lb, rowsA * kTileK * 2)));
    Value tileA = view(lb, offA, {rowsA, kTileK}, f16);
    Value tileB = view(lb, offB, {kTileK, tileN}, f16);
    Value wgA = nvgpu::WarpgroupGenerateDescriptorOp::create(
        lb, loc, wgDescTy(rowsA, kTileK), tileA, tmaA);
    Value wgB = nvgpu::WarpgroupGenerateDescriptorOp::create(
        lb, loc, wgDescTy(kTileK, tileN), tileB, tmaB);
    // fence; 4 x wgmma m64nNk16 per 64 rows; commit; wait until at most this
    // group is pending, so the group of slice kt-1 has finished reading its
    // stage.
    auto mma = nvgpu::WarpgroupMmaOp::create(
        lb, loc, accTy, wgA, wgB, lb.getI64IntegerAttr(1),
        /*transposeA=*/UnitAttr(), /*transposeB=*/lb.getUnitAttr(), acc);
    // Every warp of the block is past its wait: the stage of slice kt-1 is
    // free for the TMA of slice kt+stages-1.
    mlir::gpu::BarrierOp::create(lb, loc);
    if (stages > 1) {
      Value next = arith::AddIOp::create(lb, loc, kt, cIndex(lb, stages - 1));
      Value inRange = arith::CmpIOp::create(lb, loc, arith::CmpIPredicate::ult,
                                            next, cIndex(lb, kTiles));
      Value issue = arith::AndIOp::create(lb, loc, isLeader, inRange);
      auto ifOp = scf::IfOp::create(lb, loc, issue, /*withElse=*/false);
      OpBuilder ib = OpBuilder::atBlockBegin(ifOp.thenBlock());
      issueLoads(ib, next, arith::RemUIOp::create(ib, loc, next, cStages));
    } else {
      // One stage: the next slice reuses it once this group is done.
      NVVM::WgmmaWaitGroupSyncOp::create(lb, loc, 0);
      mlir::gpu::BarrierOp::create(lb, loc);
      Value next = arith::AddIOp::create(lb, loc, kt, c1);
      Value inRange = arith::CmpIOp::create(lb, loc, arith::CmpIPredicate::ult,
                                            next, cIndex(lb, kTiles));
      Value issue = arith::AndIOp::create(lb, loc, isLeader, inRange);
      auto ifOp = scf::IfOp::create(lb, loc, issue, /*withElse=*/false);
      OpBuilder ib = OpBuilder::atBlockBegin(ifOp.thenBlock());
      issueLoads(ib, next, c0);
    }
    scf::YieldOp::create(lb, loc, mma.getResult());
  }

  // Epilogue. All wgmma groups done, then every warp is past its last read of
  // the stages before the accumulators overwrite them.
  NVVM::WgmmaWaitGroupSyncOp::create(kb, loc, 0);
  mlir::gpu::BarrierOp::create(kb, loc);
  Value staging = view(kb, c0, {kTileM, stageStride}, f32);
  // The store's lowering places warp w (w = thread id / 32, over the whole
  // block) at rows 16w.. of the memref it is given, which must have the
  // accumulator's shape. With two warpgroups that view has 64 rows and the
  // second warpgroup (warps 4-7) writes rows 64-127 past it: still the
  // staging tile, which is what the view's base and row stride address.
  const int64_t rowsAcc = cfg.rowsPerWarpgroup();
  auto stagedTy = MemRefType::get(
      {rowsAcc, tileN}, f32,
      StridedLayoutAttr::get(ctx, 0, ArrayRef<int64_t>{stageStride, 1}),
      shared);
  Value staged = memref::SubViewOp::create(
      kb, loc, stagedTy, staging,
      ArrayRef<OpFoldResult>{kb.getIndexAttr(0), kb.getIndexAttr(0)},
      ArrayRef<OpFoldResult>{kb.getIndexAttr(rowsAcc), kb.getIndexAttr(tileN)},
      ArrayRef<OpFoldResult>{kb.getIndexAttr(1), kb.getIndexAttr(1)});
  nvgpu::WarpgroupMmaStoreOp::create(kb, loc, loop.getResult(0), staged);
  mlir::gpu::BarrierOp::create(kb, loc);

  // Each warp stores whole rows: lane l holds columns 4l .. 4l+3 of each
  // 128-column half, so a warp writes 512 contiguous bytes of C at a time.
  Value warp = arith::DivUIOp::create(kb, loc, tid, cIndex(kb, 32));
  Value lane = arith::RemUIOp::create(kb, loc, tid, cIndex(kb, 32));
  Value laneCol = arith::MulIOp::create(kb, loc, lane, cIndex(kb, 4));
  auto rows = scf::ForOp::create(kb, loc, warp, cIndex(kb, kTileM),
                                 cIndex(kb, cfg.threads() / 32));
  bool epilogueOk = true;
  {
    OpBuilder rb = OpBuilder::atBlockBegin(rows.getBody());
    Value r = rows.getInductionVar();
    Value row = arith::AddIOp::create(rb, loc, row0, r);
    auto vecTy = VectorType::get({4}, f32);
    for (int64_t half = 0; half < tileN / 128 && epilogueOk; ++half) {
      Value colInTile =
          half ? arith::AddIOp::create(rb, loc, laneCol, cIndex(rb, half * 128))
                     .getResult()
               : laneCol;
      Value col = arith::AddIOp::create(rb, loc, col0, colInTile);
      Value v = vector::LoadOp::create(rb, loc, vecTy, staging,
                                       ValueRange{r, colInTile});
      if (spec.epilogue) {
        for (int64_t e = 0; e < 4; ++e) {
          Value x = vector::ExtractOp::create(rb, loc, v, e);
          Value ce =
              e ? arith::AddIOp::create(rb, loc, col, cIndex(rb, e)).getResult()
                : col;
          Value y = spec.epilogue(rb, loc, x, row, ce);
          if (!y || y.getType() != f32) {
            epilogueOk = false;
            break;
          }
          v = vector::InsertOp::create(rb, loc, y, v, e);
        }
      }
      vector::StoreOp::create(rb, loc, v, spec.c, ValueRange{row, col});
    }
  }
  mlir::gpu::TerminatorOp::create(kb, loc);

  if (!epilogueOk) {
    emitError(loc) << "hopper gemm: the epilogue must return an f32 value";
    // Remove what was built in host code, the launch last built first.
    Operation *last = launch.getOperation();
    while (last && last != firstHostOp) {
      Operation *prev = last->getPrevNode();
      last->erase();
      last = prev;
    }
    if (firstHostOp)
      firstHostOp->erase();
    if (createdGlobal)
      createdGlobal.erase();
    return failure();
  }
  return launch.getOperation();
}

} // namespace tessera::gpu
