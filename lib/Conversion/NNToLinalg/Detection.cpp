//===- Detection.cpp - nn detection and image ops to linalg ---------------===//
//
// Part of Tessera. GridSample and RoiAlign (linalg.generic over the output
// whose body gathers with tensor.extract), Det (LU decomposition with partial
// pivoting in scf loops) and MaxUnpool (a scatter in an scf loop). The
// arithmetic follows ONNX Runtime's CPU kernels step by step, so results match
// it to the rounding of each operation.
//
//===----------------------------------------------------------------------===//

#include "Utils.h"
#include "tessera/Conversion/NNToLinalg/NNToLinalg.h"

#include "mlir/Dialect/SCF/IR/SCF.h"

#include <array>

using namespace mlir;
using namespace tessera;
using namespace tessera::nn_to_linalg;

namespace {

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

/// Scalar arithmetic on one float type `t`, and on indices.
struct Scalar {
  OpBuilder &b;
  Location loc;
  Type t;

  Value c(double v) { return scalarConstant(b, loc, t, v); }
  Value idx(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value add(Value x, Value y) { return arith::AddFOp::create(b, loc, x, y); }
  Value sub(Value x, Value y) { return arith::SubFOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return arith::MulFOp::create(b, loc, x, y); }
  Value div(Value x, Value y) { return arith::DivFOp::create(b, loc, x, y); }
  Value max(Value x, Value y) {
    return arith::MaximumFOp::create(b, loc, x, y);
  }
  Value floor(Value x) { return math::FloorOp::create(b, loc, x); }
  Value cmp(arith::CmpFPredicate p, Value x, Value y) {
    return arith::CmpFOp::create(b, loc, p, x, y);
  }
  Value lt(Value x, Value y) { return cmp(arith::CmpFPredicate::OLT, x, y); }
  Value gt(Value x, Value y) { return cmp(arith::CmpFPredicate::OGT, x, y); }
  Value sel(Value cond, Value x, Value y) {
    return arith::SelectOp::create(b, loc, cond, x, y);
  }
  Value orI(Value x, Value y) { return arith::OrIOp::create(b, loc, x, y); }
  Value andI(Value x, Value y) { return arith::AndIOp::create(b, loc, x, y); }
  /// Clamps `x` into [lo, hi] (NaN stays NaN).
  Value clampF(Value x, Value lo, Value hi) {
    return arith::MinimumFOp::create(b, loc, max(x, lo), hi);
  }
  /// A float holding an integer in a safe range to an index.
  Value toIndex(Value x) {
    Value i = arith::FPToSIOp::create(b, loc, b.getI64Type(), x);
    return arith::IndexCastOp::create(b, loc, b.getIndexType(), i);
  }
  Value fromIndex(Value i) {
    Value v = arith::IndexCastOp::create(b, loc, b.getI64Type(), i);
    return arith::SIToFPOp::create(b, loc, t, v);
  }
  Value clampIdx(Value i, int64_t lo, int64_t hi) {
    i = arith::MaxSIOp::create(b, loc, i, idx(lo));
    return arith::MinSIOp::create(b, loc, i, idx(hi));
  }
  Value convert(Value v, Type to) {
    return castScalar(b, loc, v, to, /*fromUnsigned=*/false,
                      /*toUnsigned=*/false);
  }
};

/// The type the arithmetic of a float element type runs in (f16 and bf16 in
/// f32, like ONNX Runtime's kernels).
static Type computeType(Type element) {
  if (element.getIntOrFloatBitWidth() < 32)
    return Float32Type::get(element.getContext());
  return element;
}

//===----------------------------------------------------------------------===//
// GridSample
//===----------------------------------------------------------------------===//

/// ONNX's reflection of coordinate `x` into [lo, hi]: whole periods of the
/// range fold away, and the remainder reflects off the edge it crossed.
static Value reflect(Scalar &s, Value x, double lo, double hi) {
  double range = hi - lo;
  if (range <= 0)
    return s.c(lo);
  Value vlo = s.c(lo), vhi = s.c(hi), vr = s.c(range);
  auto fold = [&](Value dx, Value evenBase, Value oddBase, bool evenAdds) {
    Value n = math::TruncOp::create(s.b, s.loc, s.div(dx, vr));
    Value r = s.sub(dx, s.mul(n, vr));
    Value even = s.cmp(arith::CmpFPredicate::OEQ,
                       arith::RemFOp::create(s.b, s.loc, n, s.c(2)), s.c(0));
    Value e = evenAdds ? s.add(evenBase, r) : s.sub(evenBase, r);
    Value o = evenAdds ? s.sub(oddBase, r) : s.add(oddBase, r);
    return s.sel(even, e, o);
  };
  Value below = fold(s.sub(vlo, x), vlo, vhi, /*evenAdds=*/true);
  Value above = fold(s.sub(x, vhi), vhi, vlo, /*evenAdds=*/false);
  return s.sel(s.lt(x, vlo), below, s.sel(s.gt(x, vhi), above, x));
}

static FailureOr<Value> lowerGridSample(nn::GridSampleOp op,
                                        nn::GridSampleOp::Adaptor adaptor,
                                        RankedTensorType type,
                                        ConversionPatternRewriter &rewriter) {
  FailureOr<RankedTensorType> xType =
      staticOperandType(op, adaptor.getX(), rewriter);
  FailureOr<RankedTensorType> gridType =
      staticOperandType(op, adaptor.getGrid(), rewriter);
  if (failed(xType) || failed(gridType))
    return failure();
  int64_t height = xType->getDimSize(2), width = xType->getDimSize(3);
  if (height == 0 || width == 0)
    return rewriter.notifyMatchFailure(op, "sampling an empty image");
  bool align = op.getAlignCorners() != 0;
  StringRef mode = op.getMode(), padding = op.getPaddingMode();
  Type element = type.getElementType();
  Type ct = computeType(element);
  Value x = adaptor.getX(), grid = adaptor.getGrid();
  // The coordinate range of the image: pixel centers (align_corners) or
  // pixel edges.
  double xMin = align ? 0 : -0.5, yMin = xMin;
  double xMax = align ? width - 1 : width - 0.5;
  double yMax = align ? height - 1 : height - 0.5;
  return buildIndexGeneric(
      rewriter, op.getLoc(), type,
      [&](OpBuilder &b, Location loc, ValueRange iv) -> Value {
        Scalar s{b, loc, ct};
        auto gridAt = [&](int64_t k) {
          Value v = tensor::ExtractOp::create(
              b, loc, grid, ValueRange{iv[0], iv[2], iv[3], s.idx(k)});
          return s.convert(v, ct);
        };
        auto denormalize = [&](Value n, int64_t length) {
          Value one = s.c(1);
          if (align)
            return s.mul(s.div(s.add(n, one), s.c(2)), s.c(length - 1));
          return s.div(s.sub(s.mul(s.add(n, one), s.c(length)), one), s.c(2));
        };
        Value px = denormalize(gridAt(0), width);
        Value py = denormalize(gridAt(1), height);
        if (mode == "nearest") {
          px = math::RoundEvenOp::create(b, loc, px);
          py = math::RoundEvenOp::create(b, loc, py);
        }
        Value outside = s.orI(s.orI(s.lt(px, s.c(xMin)), s.gt(px, s.c(xMax))),
                              s.orI(s.lt(py, s.c(yMin)), s.gt(py, s.c(yMax))));
        if (padding == "border") {
          px = s.sel(outside, s.clampF(px, s.c(0), s.c(width - 1)), px);
          py = s.sel(outside, s.clampF(py, s.c(0), s.c(height - 1)), py);
        } else if (padding == "reflection") {
          px = s.sel(outside, reflect(s, px, xMin, xMax), px);
          py = s.sel(outside, reflect(s, py, yMin, yMax), py);
        }
        // The pixel at integer (float-held) row r and column c; coordinates
        // are clamped to a window around the image first so that far-away
        // samples convert to indices safely.
        auto pixel = [&](Value r, Value c) -> Value {
          Value inside;
          if (padding == "reflection") {
            r = s.floor(reflect(s, r, yMin, yMax));
            c = s.floor(reflect(s, c, xMin, xMax));
            // int() truncates; reflected values are >= -0.5.
            r = s.max(r, s.c(0));
            c = s.max(c, s.c(0));
          } else if (padding == "zeros") {
            inside = s.andI(
                s.andI(s.cmp(arith::CmpFPredicate::OGE, r, s.c(0)),
                       s.cmp(arith::CmpFPredicate::OLE, r, s.c(height - 1))),
                s.andI(s.cmp(arith::CmpFPredicate::OGE, c, s.c(0)),
                       s.cmp(arith::CmpFPredicate::OLE, c, s.c(width - 1))));
          }
          Value ri = s.toIndex(s.clampF(r, s.c(0), s.c(height - 1)));
          Value ci = s.toIndex(s.clampF(c, s.c(0), s.c(width - 1)));
          Value v = tensor::ExtractOp::create(b, loc, x,
                                              ValueRange{iv[0], iv[1], ri, ci});
          v = s.convert(v, ct);
          return inside ? s.sel(inside, v, s.c(0)) : v;
        };
        Value result;
        if (mode == "nearest") {
          result = pixel(py, px);
        } else if (mode == "bilinear") {
          Value x1 = s.floor(px), y1 = s.floor(py);
          Value x2 = s.add(x1, s.c(1)), y2 = s.add(y1, s.c(1));
          Value p11 = pixel(y1, x1), p12 = pixel(y1, x2);
          Value p21 = pixel(y2, x1), p22 = pixel(y2, x2);
          Value dx2 = s.sub(x2, px), dx1 = s.sub(px, x1);
          Value dy2 = s.sub(y2, py), dy1 = s.sub(py, y1);
          result = s.add(s.mul(dy2, s.add(s.mul(dx2, p11), s.mul(dx1, p12))),
                         s.mul(dy1, s.add(s.mul(dx2, p21), s.mul(dx1, p22))));
        } else {
          // Bicubic: the 4x4 neighbourhood weighted by the cubic convolution
          // kernel with alpha = -0.75, rows first.
          Value x0 = s.sub(s.floor(px), s.c(1)),
                y0 = s.sub(s.floor(py), s.c(1));
          Value tx = s.sub(s.sub(px, x0), s.c(1));
          Value ty = s.sub(s.sub(py, y0), s.c(1));
          auto coeffs = [&](Value t) {
            const double a = -0.75;
            Value one = s.c(1), two = s.c(2);
            Value t1 = s.add(t, one), u = s.sub(one, t), u2 = s.sub(two, t);
            auto outer = [&](Value v) {
              // ((a * v - 5a) * v + 8a) * v - 4a
              Value r = s.sub(s.mul(s.c(a), v), s.c(5 * a));
              r = s.add(s.mul(r, v), s.c(8 * a));
              return s.sub(s.mul(r, v), s.c(4 * a));
            };
            auto inner = [&](Value v) {
              // ((a + 2) * v - (a + 3)) * v * v + 1
              Value r = s.sub(s.mul(s.c(a + 2), v), s.c(a + 3));
              return s.add(s.mul(s.mul(r, v), v), one);
            };
            return std::array<Value, 4>{outer(t1), inner(t), inner(u),
                                        outer(u2)};
          };
          std::array<Value, 4> cx = coeffs(tx), cy = coeffs(ty);
          Value acc;
          for (int64_t i = 0; i < 4; ++i) {
            Value r = s.add(y0, s.c(i)), row;
            for (int64_t j = 0; j < 4; ++j) {
              Value term = s.mul(cx[j], pixel(r, s.add(x0, s.c(j))));
              row = j == 0 ? term : s.add(row, term);
            }
            Value term = s.mul(cy[i], row);
            acc = i == 0 ? term : s.add(acc, term);
          }
          result = acc;
        }
        return s.convert(result, element);
      });
}

//===----------------------------------------------------------------------===//
// RoiAlign
//===----------------------------------------------------------------------===//

static FailureOr<Value> lowerRoiAlign(nn::RoiAlignOp op,
                                      nn::RoiAlignOp::Adaptor adaptor,
                                      RankedTensorType type,
                                      ConversionPatternRewriter &rewriter) {
  FailureOr<RankedTensorType> xType =
      staticOperandType(op, adaptor.getX(), rewriter);
  if (failed(xType) ||
      failed(staticOperandType(op, adaptor.getRois(), rewriter)) ||
      failed(staticOperandType(op, adaptor.getBatchIndices(), rewriter)))
    return failure();
  int64_t batch = xType->getDimSize(0);
  int64_t height = xType->getDimSize(2), width = xType->getDimSize(3);
  if (batch == 0 || height == 0 || width == 0)
    return rewriter.notifyMatchFailure(op, "pooling from an empty image");
  bool halfPixel = op.getCoordinateTransformationMode() == "half_pixel";
  bool isMax = op.getMode() == "max";
  int64_t pooledH = type.getDimSize(2), pooledW = type.getDimSize(3);
  int64_t samplingRatio = op.getSamplingRatio();
  double scale = op.getSpatialScale().convertToDouble();
  Type element = type.getElementType();
  Type ct = computeType(element);
  Value x = adaptor.getX(), rois = adaptor.getRois(),
        batchIndices = adaptor.getBatchIndices();
  return buildIndexGeneric(
      rewriter, op.getLoc(), type,
      [&](OpBuilder &b, Location loc, ValueRange iv) -> Value {
        Scalar s{b, loc, ct};
        Value bi =
            tensor::ExtractOp::create(b, loc, batchIndices, ValueRange{iv[0]});
        bi = arith::IndexCastOp::create(b, loc, b.getIndexType(), bi);
        bi = s.clampIdx(bi, 0, batch - 1);
        auto roi = [&](int64_t k) {
          Value v = tensor::ExtractOp::create(b, loc, rois,
                                              ValueRange{iv[0], s.idx(k)});
          return s.sub(s.mul(s.convert(v, ct), s.c(scale)),
                       s.c(halfPixel ? 0.5 : 0));
        };
        Value startW = roi(0), startH = roi(1), endW = roi(2), endH = roi(3);
        Value roiW = s.sub(endW, startW), roiH = s.sub(endH, startH);
        if (!halfPixel) {
          roiW = s.max(roiW, s.c(1));
          roiH = s.max(roiH, s.c(1));
        }
        Value binH = s.div(roiH, s.c(pooledH));
        Value binW = s.div(roiW, s.c(pooledW));
        Type i64 = b.getI64Type();
        auto gridSize = [&](Value extent, int64_t pooled) -> Value {
          if (samplingRatio > 0)
            return arith::ConstantIntOp::create(b, loc, i64, samplingRatio);
          Value g = math::CeilOp::create(b, loc, s.div(extent, s.c(pooled)));
          // Saturate before the conversion: a grid larger than the image
          // samples nothing new.
          g = s.clampF(g, s.c(-1), s.c(double(int64_t(1) << 20)));
          return arith::FPToSIOp::create(b, loc, i64, g);
        };
        Value gridH = gridSize(roiH, pooledH), gridW = gridSize(roiW, pooledW);
        Value count = arith::MaxSIOp::create(
            b, loc, arith::MulIOp::create(b, loc, gridH, gridW),
            arith::ConstantIntOp::create(b, loc, i64, 1));
        Value gridHF = arith::SIToFPOp::create(b, loc, ct, gridH);
        Value gridWF = arith::SIToFPOp::create(b, loc, ct, gridW);
        Value baseY = s.add(startH, s.mul(s.fromIndex(iv[2]), binH));
        Value baseX = s.add(startW, s.mul(s.fromIndex(iv[3]), binW));
        auto upper = [&](Value g) -> Value {
          Value zeroI = arith::ConstantIntOp::create(b, loc, i64, 0);
          return arith::IndexCastOp::create(
              b, loc, b.getIndexType(),
              arith::MaxSIOp::create(b, loc, g, zeroI));
        };
        Value upperH = upper(gridH), upperW = upper(gridW);
        Value zero = s.c(0);
        Value noSample = arith::ConstantIntOp::create(b, loc, b.getI1Type(), 0);
        auto outerLoop = scf::ForOp::create(
            b, loc, s.idx(0), upperH, s.idx(1), ValueRange{zero, noSample},
            [&](OpBuilder &ob, Location ol, Value iy, ValueRange outerArgs) {
              Scalar so{ob, ol, ct};
              Value yy = so.add(
                  baseY,
                  so.div(so.mul(so.add(so.fromIndex(iy), so.c(0.5)), binH),
                         gridHF));
              auto innerLoop = scf::ForOp::create(
                  ob, ol, so.idx(0), upperW, so.idx(1), outerArgs,
                  [&](OpBuilder &ib, Location il, Value ix, ValueRange args) {
                    Scalar si{ib, il, ct};
                    Value xx = si.add(
                        baseX,
                        si.div(
                            si.mul(si.add(si.fromIndex(ix), si.c(0.5)), binW),
                            gridWF));
                    Value skip = si.orI(
                        si.orI(si.lt(yy, si.c(-1)), si.gt(yy, si.c(height))),
                        si.orI(si.lt(xx, si.c(-1)), si.gt(xx, si.c(width))));
                    // Coordinates are within [-1, size] from here on (skipped
                    // samples read pixel (0, 0) with zero weights).
                    Value y = si.clampF(yy, si.c(0), si.c(height));
                    Value xc = si.clampF(xx, si.c(0), si.c(width));
                    auto corner = [&](Value v, int64_t size) {
                      Value low = si.floor(v);
                      Value atEdge = si.cmp(arith::CmpFPredicate::OGE, low,
                                            si.c(size - 1));
                      low = si.sel(atEdge, si.c(size - 1), low);
                      Value high = si.sel(atEdge, low, si.add(low, si.c(1)));
                      v = si.sel(atEdge, low, v);
                      return std::array<Value, 3>{low, high, si.sub(v, low)};
                    };
                    auto [yLow, yHigh, ly] = corner(y, height);
                    auto [xLow, xHigh, lx] = corner(xc, width);
                    Value hy = si.sub(si.c(1), ly), hx = si.sub(si.c(1), lx);
                    Value w1 = si.mul(hy, hx), w2 = si.mul(hy, lx);
                    Value w3 = si.mul(ly, hx), w4 = si.mul(ly, lx);
                    auto at = [&](Value r, Value c) {
                      Value v = tensor::ExtractOp::create(
                          ib, il, x,
                          ValueRange{bi, iv[1], si.toIndex(r), si.toIndex(c)});
                      return si.convert(v, ct);
                    };
                    Value t1 = si.mul(w1, at(yLow, xLow));
                    Value t2 = si.mul(w2, at(yLow, xHigh));
                    Value t3 = si.mul(w3, at(yHigh, xLow));
                    Value t4 = si.mul(w4, at(yHigh, xHigh));
                    Value acc = args[0], seen = args[1];
                    Value next;
                    if (isMax) {
                      Value val = si.max(si.max(si.max(t1, t2), t3), t4);
                      val = si.sel(skip, si.c(0), val);
                      next = si.sel(seen, si.max(acc, val), val);
                    } else {
                      Value val = si.add(si.add(si.add(t1, t2), t3), t4);
                      next = si.add(acc, si.sel(skip, si.c(0), val));
                    }
                    Value yes =
                        arith::ConstantIntOp::create(ib, il, ib.getI1Type(), 1);
                    scf::YieldOp::create(ib, il, ValueRange{next, yes});
                  });
              scf::YieldOp::create(ob, ol, innerLoop.getResults());
            });
        Value result = outerLoop.getResult(0);
        if (!isMax)
          result = s.div(result, arith::SIToFPOp::create(b, loc, ct, count));
        return s.convert(result, element);
      });
}

//===----------------------------------------------------------------------===//
// Det
//===----------------------------------------------------------------------===//

/// The determinant of each matrix of the batch: Gaussian elimination with
/// partial pivoting (the largest magnitude in the column), the product of the
/// pivots with the sign of the row swaps.
static FailureOr<Value> lowerDet(nn::DetOp op, nn::DetOp::Adaptor adaptor,
                                 RankedTensorType type,
                                 ConversionPatternRewriter &rewriter) {
  FailureOr<RankedTensorType> xType =
      staticOperandType(op, adaptor.getX(), rewriter);
  if (failed(xType))
    return failure();
  Location loc = op.getLoc();
  int64_t rank = xType->getRank();
  int64_t n = xType->getDimSize(rank - 1);
  int64_t batch = type.getNumElements();
  Type element = type.getElementType();
  Type ct = computeType(element);
  OpBuilder &b = rewriter;
  Scalar s{b, loc, ct};
  auto flatType = RankedTensorType::get({batch, n, n}, element);
  Value flat = reshapeTo(b, loc, adaptor.getX(), flatType);
  auto matType = RankedTensorType::get({n, n}, ct);
  auto dets = RankedTensorType::get({batch}, element);
  Value init = createEmpty(b, loc, dets);
  auto batchLoop = scf::ForOp::create(
      b, loc, s.idx(0), s.idx(batch), s.idx(1), ValueRange{init},
      [&](OpBuilder &bb, Location l, Value bi, ValueRange bArgs) {
        Scalar sb{bb, l, ct};
        // A private copy of the matrix in the compute type.
        Value mat = buildIndexGeneric(
            bb, l, matType, [&](OpBuilder &gb, Location gl, ValueRange iv) {
              Value v = tensor::ExtractOp::create(gb, gl, flat,
                                                  ValueRange{bi, iv[0], iv[1]});
              return Scalar{gb, gl, ct}.convert(v, ct);
            });
        auto kLoop = scf::ForOp::create(
            bb, l, sb.idx(0), sb.idx(n), sb.idx(1), ValueRange{mat, sb.c(1)},
            [&](OpBuilder &kb, Location kl, Value k, ValueRange kArgs) {
              Scalar sk{kb, kl, ct};
              Value m = kArgs[0], det = kArgs[1];
              auto at = [&](OpBuilder &ab, Location al, Value mm, Value r,
                            Value c) -> Value {
                return tensor::ExtractOp::create(ab, al, mm, ValueRange{r, c});
              };
              auto absAt = [&](OpBuilder &ab, Location al, Value r) -> Value {
                return math::AbsFOp::create(ab, al, at(ab, al, m, r, k));
              };
              // The pivot row: the first largest magnitude in column k.
              Value k1 = arith::AddIOp::create(kb, kl, k, sk.idx(1));
              auto pivotLoop = scf::ForOp::create(
                  kb, kl, k1, sk.idx(n), sk.idx(1),
                  ValueRange{k, absAt(kb, kl, k)},
                  [&](OpBuilder &pb, Location pl, Value i, ValueRange pArgs) {
                    Value a = absAt(pb, pl, i);
                    Value better = arith::CmpFOp::create(
                        pb, pl, arith::CmpFPredicate::OGT, a, pArgs[1]);
                    scf::YieldOp::create(
                        pb, pl,
                        ValueRange{arith::SelectOp::create(pb, pl, better, i,
                                                           pArgs[0]),
                                   arith::SelectOp::create(pb, pl, better, a,
                                                           pArgs[1])});
                  });
              Value p = pivotLoop.getResult(0);
              // Swap rows k and p (a no-op when they are the same row).
              auto swapLoop = scf::ForOp::create(
                  kb, kl, sk.idx(0), sk.idx(n), sk.idx(1), ValueRange{m},
                  [&](OpBuilder &wb, Location wl, Value j, ValueRange wArgs) {
                    Value mm = wArgs[0];
                    Value a = at(wb, wl, mm, k, j), c = at(wb, wl, mm, p, j);
                    mm = tensor::InsertOp::create(wb, wl, c, mm,
                                                  ValueRange{k, j});
                    mm = tensor::InsertOp::create(wb, wl, a, mm,
                                                  ValueRange{p, j});
                    scf::YieldOp::create(wb, wl, mm);
                  });
              m = swapLoop.getResult(0);
              Value swapped =
                  arith::CmpIOp::create(kb, kl, arith::CmpIPredicate::ne, p, k);
              det = sk.sel(swapped, arith::NegFOp::create(kb, kl, det), det);
              Value pivot = at(kb, kl, m, k, k);
              det = sk.mul(det, pivot);
              Value singular =
                  sk.cmp(arith::CmpFPredicate::OEQ, pivot, sk.c(0));
              // Eliminate below the pivot (nothing to do for a zero column:
              // the determinant is zero).
              auto rowLoop = scf::ForOp::create(
                  kb, kl, k1, sk.idx(n), sk.idx(1), ValueRange{m},
                  [&](OpBuilder &rb, Location rl, Value i, ValueRange rArgs) {
                    Scalar sr{rb, rl, ct};
                    Value mm = rArgs[0];
                    Value f = sr.sel(singular, sr.c(0),
                                     sr.div(at(rb, rl, mm, i, k), pivot));
                    auto colLoop = scf::ForOp::create(
                        rb, rl, k1, sr.idx(n), sr.idx(1), ValueRange{mm},
                        [&](OpBuilder &cb, Location cl, Value j,
                            ValueRange cArgs) {
                          Scalar sc{cb, cl, ct};
                          Value m2 = cArgs[0];
                          Value v = sc.sub(at(cb, cl, m2, i, j),
                                           sc.mul(f, at(cb, cl, m2, k, j)));
                          m2 = tensor::InsertOp::create(cb, cl, v, m2,
                                                        ValueRange{i, j});
                          scf::YieldOp::create(cb, cl, m2);
                        });
                    scf::YieldOp::create(rb, rl, colLoop.getResults());
                  });
              scf::YieldOp::create(kb, kl,
                                   ValueRange{rowLoop.getResult(0), det});
            });
        Value det = sb.convert(kLoop.getResult(1), element);
        Value out =
            tensor::InsertOp::create(bb, l, det, bArgs[0], ValueRange{bi});
        scf::YieldOp::create(bb, l, out);
      });
  return reshapeTo(b, loc, batchLoop.getResult(0), type);
}

//===----------------------------------------------------------------------===//
// MaxUnpool
//===----------------------------------------------------------------------===//

/// Zeros with each X value stored at its flat index from I (the indices
/// MaxPool returns: row-major over the whole unpooled tensor, of the shape
/// the attributes imply). A larger constant `output_shape` extends that
/// tensor with zeros at the end of each dim, as ONNX's reference does.
/// Out-of-range indices (an invalid model) are clamped so they never write
/// out of bounds.
static FailureOr<Value> lowerMaxUnpool(nn::MaxUnpoolOp op,
                                       nn::MaxUnpoolOp::Adaptor adaptor,
                                       RankedTensorType type,
                                       ConversionPatternRewriter &rewriter) {
  FailureOr<RankedTensorType> xType =
      staticOperandType(op, adaptor.getX(), rewriter);
  FailureOr<RankedTensorType> iType =
      staticOperandType(op, adaptor.getI(), rewriter);
  if (failed(xType) || failed(iType))
    return failure();
  if (!nn::isNone(op.getOutputShape()) &&
      !nn::getConstantInts(op.getOutputShape()))
    return op.emitOpError("output_shape must be a constant: a computed one "
                          "gives a result shape that depends on input values");
  Location loc = op.getLoc();
  OpBuilder &b = rewriter;
  Type element = type.getElementType();
  Scalar s{b, loc, element};
  // The unpooled shape the attributes imply.
  ArrayRef<int64_t> kernel = op.getKernelShape();
  size_t spatial = kernel.size();
  SmallVector<int64_t> strides(spatial, 1), pads(2 * spatial, 0);
  if (std::optional<ArrayRef<int64_t>> v = op.getStrides())
    strides.assign(v->begin(), v->end());
  if (std::optional<ArrayRef<int64_t>> v = op.getPads())
    pads.assign(v->begin(), v->end());
  SmallVector<int64_t> inferred = {xType->getDimSize(0), xType->getDimSize(1)};
  for (size_t i = 0; i < spatial; ++i)
    inferred.push_back((xType->getDimSize(i + 2) - 1) * strides[i] + kernel[i] -
                       pads[i] - pads[i + spatial]);
  auto inferredType = RankedTensorType::get(inferred, element);
  if (inferred.size() != (size_t)type.getRank())
    return rewriter.notifyMatchFailure(op, "result rank mismatch");
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (inferred[d] <= 0 || inferred[d] > type.getDimSize(d))
      return rewriter.notifyMatchFailure(op, "result smaller than unpooled");
  int64_t count = xType->getNumElements();
  int64_t total = inferredType.getNumElements();
  Value x = reshapeTo(b, loc, adaptor.getX(),
                      RankedTensorType::get({count}, element));
  Value ind =
      reshapeTo(b, loc, adaptor.getI(),
                RankedTensorType::get({count}, iType->getElementType()));
  Value out =
      createFilled(b, loc, RankedTensorType::get({total}, element), s.c(0));
  auto loop = scf::ForOp::create(
      b, loc, s.idx(0), s.idx(count), s.idx(1), ValueRange{out},
      [&](OpBuilder &lb, Location l, Value i, ValueRange args) {
        Scalar sl{lb, l, element};
        Value k = tensor::ExtractOp::create(lb, l, ind, ValueRange{i});
        k = arith::IndexCastOp::create(lb, l, lb.getIndexType(), k);
        k = sl.clampIdx(k, 0, total - 1);
        Value v = tensor::ExtractOp::create(lb, l, x, ValueRange{i});
        scf::YieldOp::create(
            lb, l,
            Value(tensor::InsertOp::create(lb, l, v, args[0], ValueRange{k})));
      });
  Value unpooled = reshapeTo(b, loc, loop.getResult(0), inferredType);
  if (inferredType == type)
    return unpooled;
  // Zero-extend to output_shape.
  return buildIndexGeneric(
      b, loc, type, [&](OpBuilder &gb, Location gl, ValueRange iv) -> Value {
        Scalar sg{gb, gl, element};
        Value inside;
        SmallVector<Value> coords;
        for (int64_t d = 0; d < type.getRank(); ++d) {
          Value in = arith::CmpIOp::create(gb, gl, arith::CmpIPredicate::slt,
                                           iv[d], sg.idx(inferred[d]));
          inside = inside ? sg.andI(inside, in) : in;
          coords.push_back(sg.clampIdx(iv[d], 0, inferred[d] - 1));
        }
        Value v = tensor::ExtractOp::create(gb, gl, unpooled, coords);
        return sg.sel(inside, v, sg.c(0));
      });
}

template <typename OpTy, LowerFn<OpTy> Lower>
using DetectionLowering =
    SingleResultLowering<OpTy, lowerUnlessEmpty<OpTy, Lower>>;

} // namespace

void tessera::populateNNDetectionToLinalgPatterns(
    const TypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<DetectionLowering<nn::GridSampleOp, lowerGridSample>,
               DetectionLowering<nn::RoiAlignOp, lowerRoiAlign>,
               DetectionLowering<nn::DetOp, lowerDet>,
               DetectionLowering<nn::MaxUnpoolOp, lowerMaxUnpool>>(
      converter, patterns.getContext());
}
