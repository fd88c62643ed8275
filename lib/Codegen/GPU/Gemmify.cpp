//===- Gemmify.cpp - convolutions and matrix products as padded GEMMs -----===//
//
// Part of Tessera. Every 2-D convolution (NCHW/FCHW, one group) and matrix
// product becomes three ops the GPU kernels are built from:
//   pack:   A[m, k] (and B[k, n] unless constant) gathered into operands
//           padded to the GEMM block tile, zeros outside, in the GEMM's
//           element type (f16 in fp16 mode); im2col for a convolution;
//   gemm:   C = A x B, a static linalg.matmul / batch_matmul into zeros;
//   unpack: the original result, C's valid part plus the original
//           accumulator (the conv's bias broadcast), elementwise.
// Constant B operands (weights) are packed at compile time. With every GEMM
// static and a multiple of its tile, the GEMM kernels have no partial tiles.
//
//===----------------------------------------------------------------------===//

#include "Codegen.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/APFloat.h"

using namespace mlir;

namespace tessera::gpu {

GemmTile getGemmTile(GemmKind kind) {
  switch (kind) {
  case GemmKind::Simt:
    return {128, 128, 16, 256};
  case GemmKind::MmaSync:
    return {128, 128, 32, 128};
  case GemmKind::Wgmma:
    return {128, 128, 64, 128};
  }
  llvm_unreachable("unknown GEMM kind");
}

GemmKind CodegenConfig::getGemmKind() const {
  if (precision != "fp16")
    return GemmKind::Simt;
  return target.hasWgmma ? GemmKind::Wgmma : GemmKind::MmaSync;
}

static StringRef getGemmKindName(GemmKind kind) {
  switch (kind) {
  case GemmKind::Simt:
    return "simt";
  case GemmKind::MmaSync:
    return "mma";
  case GemmKind::Wgmma:
    return "wgmma";
  }
  llvm_unreachable("unknown GEMM kind");
}

static int64_t roundUp(int64_t v, int64_t m) { return (v + m - 1) / m * m; }

namespace {

/// Maps a pack's output coordinates to the source's: `indices` (one per
/// source dim) and whether the element exists (else it is a zero).
using IndexMapFn =
    llvm::function_ref<void(OpBuilder &b, Location loc, ArrayRef<Value> coords,
                            SmallVectorImpl<Value> &indices, Value &valid)>;

struct Builder {
  OpBuilder &b;
  Location loc;

  Value idx(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value div(Value a, int64_t v) {
    return arith::DivUIOp::create(b, loc, a, idx(v));
  }
  Value rem(Value a, int64_t v) {
    return arith::RemUIOp::create(b, loc, a, idx(v));
  }
  Value mul(Value a, int64_t v) {
    return arith::MulIOp::create(b, loc, a, idx(v));
  }
  Value add(Value a, Value c) { return arith::AddIOp::create(b, loc, a, c); }
  Value lt(Value a, int64_t v) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, a, idx(v));
  }
  Value andI(Value a, Value c) {
    if (!a)
      return c;
    return arith::AndIOp::create(b, loc, a, c);
  }
};

/// Casts a float scalar to `to` (extension or truncation).
static Value castFloat(OpBuilder &b, Location loc, Value v, Type to) {
  Type from = v.getType();
  if (from == to)
    return v;
  if (cast<FloatType>(from).getWidth() < cast<FloatType>(to).getWidth())
    return arith::ExtFOp::create(b, loc, to, v);
  return arith::TruncFOp::create(b, loc, to, v);
}

/// A generic over `shape` (all parallel) whose element is `source` at the
/// mapped indices, cast to `element`, or zero where the map says it does
/// not exist.
static Value buildPack(OpBuilder &b, Location loc, Value source,
                       ArrayRef<int64_t> shape, Type element, IndexMapFn map) {
  Value empty = tensor::EmptyOp::create(b, loc, shape, element);
  auto id = AffineMap::getMultiDimIdentityMap(shape.size(), b.getContext());
  SmallVector<utils::IteratorType> iterators(shape.size(),
                                             utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{empty.getType()}, ValueRange{}, ValueRange{empty},
      ArrayRef<AffineMap>{id}, iterators,
      [&](OpBuilder &nb, Location nloc, ValueRange) {
        SmallVector<Value> coords;
        for (int64_t d = 0, e = shape.size(); d < e; ++d)
          coords.push_back(linalg::IndexOp::create(nb, nloc, d));
        SmallVector<Value> indices;
        Value valid;
        map(nb, nloc, coords, indices, valid);
        Value zeroIdx = arith::ConstantIndexOp::create(nb, nloc, 0);
        if (valid)
          for (Value &index : indices)
            index = arith::SelectOp::create(nb, nloc, valid, index, zeroIdx);
        Value v = tensor::ExtractOp::create(nb, nloc, source, indices);
        v = castFloat(nb, nloc, v, element);
        if (valid) {
          Value zero = arith::ConstantOp::create(nb, nloc, element,
                                                 nb.getZeroAttr(element));
          v = arith::SelectOp::create(nb, nloc, valid, v, zero);
        }
        linalg::YieldOp::create(nb, nloc, v);
      });
  return generic.getResult(0);
}

/// The float values of a constant (dense or resource) f32 tensor.
static std::optional<SmallVector<float>> getConstantFloats(Value v) {
  Attribute attr;
  if (!matchPattern(v, m_Constant(&attr)))
    return std::nullopt;
  if (auto dense = dyn_cast<DenseFPElementsAttr>(attr)) {
    if (!dense.getElementType().isF32())
      return std::nullopt;
    SmallVector<float> values;
    values.reserve(dense.getNumElements());
    for (float f : dense.getValues<float>())
      values.push_back(f);
    return values;
  }
  if (auto resource = dyn_cast<DenseF32ResourceElementsAttr>(attr)) {
    std::optional<ArrayRef<float>> data = resource.tryGetAsArrayRef();
    if (!data)
      return std::nullopt;
    return SmallVector<float>(data->begin(), data->end());
  }
  return std::nullopt;
}

/// A constant of `shape` and `element` (f32 or f16) from f32 values.
static Value buildConstant(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                           Type element, ArrayRef<float> values) {
  auto type = RankedTensorType::get(shape, element);
  if (element.isF32())
    return arith::ConstantOp::create(b, loc, type,
                                     DenseElementsAttr::get(type, values));
  SmallVector<APFloat> halves;
  halves.reserve(values.size());
  for (float f : values) {
    APFloat h(f);
    bool lost;
    h.convert(APFloat::IEEEhalf(), APFloat::rmNearestTiesToEven, &lost);
    halves.push_back(h);
  }
  return arith::ConstantOp::create(b, loc, type,
                                   DenseElementsAttr::get(type, halves));
}

/// The bias of an accumulator that broadcasts a 1-D tensor along every dim
/// but `channelDim` (the conv's output channel, the matmul's column), or
/// null.
static Value getChannelBias(Value init, int64_t channelDim) {
  auto broadcast = init.getDefiningOp<linalg::BroadcastOp>();
  if (!broadcast ||
      cast<RankedTensorType>(broadcast.getInput().getType()).getRank() != 1)
    return {};
  int64_t rank = cast<RankedTensorType>(init.getType()).getRank();
  ArrayRef<int64_t> dims = broadcast.getDimensions();
  for (int64_t d = 0; d < rank; ++d)
    if ((d == channelDim) == llvm::is_contained(dims, d))
      return {};
  return broadcast.getInput();
}

/// C = A x B (batched for 3-D shapes) on the padded operands, into zeros or,
/// with `bias` (1-D, the valid columns), into the bias broadcast over the
/// rows: the bias is then added by the GEMM kernel itself.
static Operation *buildGemm(OpBuilder &b, Location loc, Value a, Value bMat,
                            ArrayRef<int64_t> cShape, GemmKind kind,
                            Value bias = {}) {
  Type f32 = b.getF32Type();
  Value empty = tensor::EmptyOp::create(b, loc, cShape, f32);
  Value init;
  if (bias) {
    int64_t np = cShape.back();
    int64_t n = cast<RankedTensorType>(bias.getType()).getDimSize(0);
    Value padded;
    if (std::optional<SmallVector<float>> values = getConstantFloats(bias)) {
      values->resize(np, 0.0f);
      padded = buildConstant(b, loc, {np}, f32, *values);
    } else {
      padded = buildPack(b, loc, bias, {np}, f32,
                         [&](OpBuilder &nb, Location nloc, ArrayRef<Value> co,
                             SmallVectorImpl<Value> &indices, Value &valid) {
                           Builder h{nb, nloc};
                           indices.push_back(co[0]);
                           valid = h.lt(co[0], n);
                         });
    }
    SmallVector<int64_t> dims;
    for (int64_t d = 0, e = cShape.size() - 1; d < e; ++d)
      dims.push_back(d);
    init =
        linalg::BroadcastOp::create(b, loc, padded, empty, dims).getResult()[0];
  } else {
    Value zero = arith::ConstantOp::create(b, loc, f32, b.getZeroAttr(f32));
    init = linalg::FillOp::create(b, loc, ValueRange{zero}, ValueRange{empty})
               .getResult(0);
  }
  // The warpgroup-MMA emitter takes 2-D GEMMs: batched ones use mma.sync.
  if (kind == GemmKind::Wgmma && cShape.size() == 3)
    kind = GemmKind::MmaSync;
  Operation *gemm;
  if (cShape.size() == 3)
    gemm = linalg::BatchMatmulOp::create(b, loc, TypeRange{init.getType()},
                                         ValueRange{a, bMat}, ValueRange{init});
  else
    gemm = linalg::MatmulOp::create(b, loc, TypeRange{init.getType()},
                                    ValueRange{a, bMat}, ValueRange{init});
  gemm->setAttr(kGemmAttr, b.getStringAttr(getGemmKindName(kind)));
  return gemm;
}

/// The elementwise op applied to `result` alone, when it can move onto the
/// GEMM's C (an activation: one input read by the identity, a body that
/// reads neither its output nor indices, f32 in and out).
static linalg::GenericOp getFusableEpilogue(Value result) {
  if (!result.hasOneUse())
    return {};
  auto user = dyn_cast<linalg::GenericOp>(*result.getUsers().begin());
  if (!user || user.getNumDpsInputs() != 1 || user.getNumDpsInits() != 1 ||
      user->getNumResults() != 1 || user.hasIndexSemantics() ||
      user.getNumParallelLoops() != user.getNumLoops() ||
      user.getDpsInputs()[0] != result ||
      !user.getMatchingIndexingMap(user.getDpsInputOperand(0)).isIdentity() ||
      !cast<RankedTensorType>(user->getResult(0).getType())
           .getElementType()
           .isF32())
    return {};
  Block &body = user.getRegion().front();
  if (!body.getArgument(1).use_empty())
    return {};
  return user;
}

/// With the bias in C, the unpack only moves values: an activation of the
/// op's result moves onto C, into the GEMM kernel (SIMT and warpgroup-MMA
/// kernels: the mma.sync conversion does not take it, see Tile.cpp).
static Value fuseEpilogue(OpBuilder &b, Location loc, Value c, Value original) {
  linalg::GenericOp epilogue = getFusableEpilogue(original);
  if (!epilogue)
    return c;
  // The activation's body applied in place to C, marked for the GEMM
  // kernel.
  linalg::GenericOp onC =
      buildInPlaceElementwise(b, loc, c, epilogue.getRegion().front());
  onC->setAttr(kEpilogueAttr, b.getUnitAttr());
  Value applied = onC.getResult(0);
  epilogue->getResult(0).replaceAllUsesWith(original);
  epilogue->erase();
  return applied;
}

/// The original result: `init` (the op's accumulator) plus C at the
/// coordinates `map` gives for each result coordinate. An accumulator that
/// is a broadcast (the bias) is read from the broadcast's input instead.
static Value buildUnpack(OpBuilder &b, Location loc, Value c, Value init,
                         RankedTensorType type, IndexMapFn map) {
  Value empty =
      tensor::EmptyOp::create(b, loc, type.getShape(), type.getElementType());
  auto id = AffineMap::getMultiDimIdentityMap(type.getRank(), b.getContext());
  AffineMap initMap = id;
  if (auto broadcast =
          init ? init.getDefiningOp<linalg::BroadcastOp>() : nullptr) {
    SmallVector<AffineExpr> kept;
    for (int64_t d = 0; d < type.getRank(); ++d)
      if (!llvm::is_contained(broadcast.getDimensions(), d))
        kept.push_back(b.getAffineDimExpr(d));
    init = broadcast.getInput();
    initMap = AffineMap::get(type.getRank(), 0, kept, b.getContext());
  }
  SmallVector<utils::IteratorType> iterators(type.getRank(),
                                             utils::IteratorType::parallel);
  SmallVector<Value> inputs;
  SmallVector<AffineMap> maps;
  if (init) {
    inputs.push_back(init);
    maps.push_back(initMap);
  }
  maps.push_back(id);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{type}, inputs, ValueRange{empty}, maps, iterators,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        SmallVector<Value> coords;
        for (int64_t d = 0; d < type.getRank(); ++d)
          coords.push_back(linalg::IndexOp::create(nb, nloc, d));
        SmallVector<Value> indices;
        Value valid;
        map(nb, nloc, coords, indices, valid);
        Value v = tensor::ExtractOp::create(nb, nloc, c, indices);
        v = castFloat(nb, nloc, v, type.getElementType());
        if (init)
          v = arith::AddFOp::create(nb, nloc, v, args[0]);
        linalg::YieldOp::create(nb, nloc, v);
      });
  return generic.getResult(0);
}

static bool isStaticF32(Value v) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  return type && type.hasStaticShape() && type.getElementType().isF32();
}

/// conv_2d_nchw_fchw: A = im2col(X) [M=N*OH*OW, K=C*KH*KW], B = W as
/// [K, F], out[n, f, oh, ow] = init + C[n*OH*OW + oh*OW + ow, f].
static LogicalResult gemmifyConv(linalg::Conv2DNchwFchwOp conv,
                                 const CodegenConfig &config) {
  Value x = conv.getInputs()[0], w = conv.getInputs()[1];
  Value init = conv.getOutputs()[0];
  if (!isStaticF32(x) || !isStaticF32(w) || !isStaticF32(init))
    return success();
  ArrayRef<int64_t> ws = cast<RankedTensorType>(w.getType()).getShape();
  ArrayRef<int64_t> os = cast<RankedTensorType>(init.getType()).getShape();
  int64_t n = os[0], f = os[1], oh = os[2], ow = os[3];
  int64_t c = ws[1], kh = ws[2], kw = ws[3];
  int64_t sh = conv.getStrides().getValues<int64_t>()[0];
  int64_t sw = conv.getStrides().getValues<int64_t>()[1];
  int64_t dh = conv.getDilations().getValues<int64_t>()[0];
  int64_t dw = conv.getDilations().getValues<int64_t>()[1];
  GemmKind kind = config.getGemmKind();
  GemmTile tile = getGemmTile(kind);
  int64_t m = n * oh * ow, k = c * kh * kw;
  int64_t mp = roundUp(m, tile.m), kp = roundUp(k, tile.k),
          np = roundUp(f, tile.n);
  Type element = kind == GemmKind::Simt
                     ? Type(Float32Type::get(conv.getContext()))
                     : Type(Float16Type::get(conv.getContext()));
  OpBuilder b(conv);
  Location loc = conv.getLoc();
  Value a =
      buildPack(b, loc, x, {mp, kp}, element,
                [&](OpBuilder &nb, Location nloc, ArrayRef<Value> co,
                    SmallVectorImpl<Value> &indices, Value &valid) {
                  Builder h{nb, nloc};
                  Value row = co[0], col = co[1];
                  Value img = h.div(row, oh * ow), pix = h.rem(row, oh * ow);
                  Value y = h.div(pix, ow), xo = h.rem(pix, ow);
                  Value ch = h.div(col, kh * kw), tap = h.rem(col, kh * kw);
                  Value ty = h.div(tap, kw), tx = h.rem(tap, kw);
                  indices.push_back(img);
                  indices.push_back(ch);
                  indices.push_back(h.add(h.mul(y, sh), h.mul(ty, dh)));
                  indices.push_back(h.add(h.mul(xo, sw), h.mul(tx, dw)));
                  valid = h.andI(h.lt(row, m), h.lt(col, k));
                });
  Value bMat;
  if (std::optional<SmallVector<float>> weights = getConstantFloats(w)) {
    SmallVector<float> packed(kp * np, 0.0f);
    for (int64_t fi = 0; fi < f; ++fi)
      for (int64_t ki = 0; ki < k; ++ki)
        packed[ki * np + fi] = (*weights)[fi * k + ki];
    bMat = buildConstant(b, loc, {kp, np}, element, packed);
  } else {
    bMat = buildPack(b, loc, w, {kp, np}, element,
                     [&](OpBuilder &nb, Location nloc, ArrayRef<Value> co,
                         SmallVectorImpl<Value> &indices, Value &valid) {
                       Builder h{nb, nloc};
                       Value row = co[0], col = co[1];
                       Value tap = h.rem(row, kh * kw);
                       indices.push_back(col);
                       indices.push_back(h.div(row, kh * kw));
                       indices.push_back(h.div(tap, kw));
                       indices.push_back(h.rem(tap, kw));
                       valid = h.andI(h.lt(row, k), h.lt(col, f));
                     });
  }
  Value bias = getChannelBias(init, 1);
  Operation *gemm = buildGemm(b, loc, a, bMat, {mp, np}, kind, bias);
  Value cMat = gemm->getResult(0);
  if (bias && kind != GemmKind::MmaSync)
    cMat = fuseEpilogue(b, loc, cMat, conv.getResult(0));
  Value result =
      buildUnpack(b, loc, cMat, bias ? Value() : init,
                  cast<RankedTensorType>(init.getType()),
                  [&](OpBuilder &nb, Location nloc, ArrayRef<Value> co,
                      SmallVectorImpl<Value> &indices, Value &) {
                    Builder h{nb, nloc};
                    Value row = h.add(
                        h.add(h.mul(co[0], oh * ow), h.mul(co[2], ow)), co[3]);
                    indices.push_back(row);
                    indices.push_back(co[1]);
                  });
  conv.getResult(0).replaceAllUsesWith(result);
  conv.erase();
  return success();
}

/// matmul [M,K] x [K,N] and batch_matmul [B,M,K] x [B,K,N].
static LogicalResult gemmifyMatmul(linalg::LinalgOp op,
                                   const CodegenConfig &config) {
  Value lhs = op.getDpsInputs()[0], rhs = op.getDpsInputs()[1];
  Value init = op.getDpsInits()[0];
  if (!isStaticF32(lhs) || !isStaticF32(rhs) || !isStaticF32(init))
    return success();
  // Only the plain forms (no transposed or broadcast indexing maps).
  if (op.hasUserDefinedMaps())
    return success();
  bool batched = isa<linalg::BatchMatmulOp>(op);
  ArrayRef<int64_t> ls = cast<RankedTensorType>(lhs.getType()).getShape();
  ArrayRef<int64_t> rs = cast<RankedTensorType>(rhs.getType()).getShape();
  int64_t bt = batched ? ls[0] : 0;
  int64_t m = ls[batched], k = ls[batched + 1], n = rs[batched + 1];
  GemmKind kind = config.getGemmKind();
  GemmTile tile = getGemmTile(kind);
  int64_t mp = roundUp(m, tile.m), kp = roundUp(k, tile.k),
          np = roundUp(n, tile.n);
  Type element = kind == GemmKind::Simt
                     ? Type(Float32Type::get(op.getContext()))
                     : Type(Float16Type::get(op.getContext()));
  OpBuilder b(op);
  Location loc = op.getLoc();
  auto shape2 = [&](int64_t r, int64_t c) {
    SmallVector<int64_t> s;
    if (batched)
      s.push_back(bt);
    s.push_back(r);
    s.push_back(c);
    return s;
  };
  auto packMap = [&](int64_t rows, int64_t cols) {
    return [=](OpBuilder &nb, Location nloc, ArrayRef<Value> co,
               SmallVectorImpl<Value> &indices, Value &valid) {
      Builder h{nb, nloc};
      indices.append(co.begin(), co.end());
      valid = h.andI(h.lt(co[batched], rows), h.lt(co[batched + 1], cols));
    };
  };
  Value a = buildPack(b, loc, lhs, shape2(mp, kp), element, packMap(m, k));
  Value bMat;
  std::optional<SmallVector<float>> weights =
      batched ? std::nullopt : getConstantFloats(rhs);
  if (weights) {
    SmallVector<float> packed(kp * np, 0.0f);
    for (int64_t ki = 0; ki < k; ++ki)
      for (int64_t ni = 0; ni < n; ++ni)
        packed[ki * np + ni] = (*weights)[ki * n + ni];
    bMat = buildConstant(b, loc, {kp, np}, element, packed);
  } else {
    bMat = buildPack(b, loc, rhs, shape2(kp, np), element, packMap(k, n));
  }
  Value bias = batched ? Value() : getChannelBias(init, 1);
  Operation *gemm = buildGemm(b, loc, a, bMat, shape2(mp, np), kind, bias);
  Value c = gemm->getResult(0);
  if (bias && kind != GemmKind::MmaSync)
    c = fuseEpilogue(b, loc, c, op->getResult(0));
  Value result = buildUnpack(b, loc, c, bias ? Value() : init,
                             cast<RankedTensorType>(init.getType()),
                             [&](OpBuilder &, Location, ArrayRef<Value> co,
                                 SmallVectorImpl<Value> &indices, Value &) {
                               indices.append(co.begin(), co.end());
                             });
  op->getResult(0).replaceAllUsesWith(result);
  op->erase();
  return success();
}

} // namespace

linalg::GenericOp buildInPlaceElementwise(OpBuilder &b, Location loc,
                                          Value target, Block &body) {
  auto type = cast<RankedTensorType>(target.getType());
  auto id = AffineMap::getMultiDimIdentityMap(type.getRank(), b.getContext());
  SmallVector<utils::IteratorType> iterators(type.getRank(),
                                             utils::IteratorType::parallel);
  return linalg::GenericOp::create(
      b, loc, TypeRange{type}, ValueRange{}, ValueRange{target},
      ArrayRef<AffineMap>{id}, iterators,
      [&](OpBuilder &nb, Location, ValueRange args) {
        IRMapping map;
        map.map(body.getArgument(0), args[0]);
        for (Operation &op : body)
          nb.clone(op, map);
      });
}

LogicalResult gemmify(func::FuncOp func, const CodegenConfig &config) {
  SmallVector<Operation *> ops;
  func.walk([&](Operation *op) {
    if (isa<linalg::Conv2DNchwFchwOp, linalg::MatmulOp, linalg::BatchMatmulOp>(
            op) &&
        !op->hasAttr(kGemmAttr))
      ops.push_back(op);
  });
  for (Operation *op : ops) {
    LogicalResult result =
        isa<linalg::Conv2DNchwFchwOp>(op)
            ? gemmifyConv(cast<linalg::Conv2DNchwFchwOp>(op), config)
            : gemmifyMatmul(cast<linalg::LinalgOp>(op), config);
    if (failed(result))
      return failure();
  }
  return success();
}

} // namespace tessera::gpu
