//===- Recurrent.cpp - nn LSTM, GRU and RNN to linalg and scf -------------===//
//
// Part of Tessera. The input projections of every time step and direction
// are one linalg.matmul before the loop (X * W^T for all steps at once, with
// Wb + Rb folded into its init); each direction then runs an scf.for over
// seq_length whose iter_args are the hidden state (and LSTM's cell state)
// and Y. A step is the recurrent matmul H * R^T accumulated into that step's
// projection, and elementwise linalg.generic ops for the gates. A batch entry
// whose sequence_lens is not larger than the step's time index keeps its
// state and writes zeros to Y (as ONNX Runtime does); reverse directions
// walk the time steps backwards, so each sequence starts at its own end.
// 16-bit float ops compute in f32.
//
//===----------------------------------------------------------------------===//

#include "NN/NNRecurrent.h"
#include "Utils.h"
#include "tessera/Conversion/NNToLinalg/NNToLinalg.h"

#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace tessera;
using namespace tessera::nn_to_linalg;

namespace {

using nn::RecurrentActivation;
using nn::RecurrentAttrs;
using nn::RecurrentKind;

static Value fconst(OpBuilder &b, Location loc, Type type, double value) {
  return scalarConstant(b, loc, type, value);
}

/// The scalar activation `a` of `x`.
static Value activate(OpBuilder &b, Location loc, const RecurrentActivation &a,
                      Value x) {
  Type t = x.getType();
  auto mul = [&](Value l, Value r) {
    return arith::MulFOp::create(b, loc, l, r);
  };
  auto add = [&](Value l, Value r) {
    return arith::AddFOp::create(b, loc, l, r);
  };
  Value zero = fconst(b, loc, t, 0.0), one = fconst(b, loc, t, 1.0);
  Value alpha = fconst(b, loc, t, a.alpha), beta = fconst(b, loc, t, a.beta);
  auto isNegative = [&](Value v) {
    return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, v, zero);
  };
  using A = RecurrentActivation;
  switch (a.kind) {
  case A::Relu:
    return arith::MaximumFOp::create(b, loc, x, zero);
  case A::Tanh:
    return math::TanhOp::create(b, loc, x);
  case A::Sigmoid: {
    Value e = math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, x));
    return arith::DivFOp::create(b, loc, one, add(one, e));
  }
  case A::Affine:
    return add(mul(alpha, x), beta);
  case A::LeakyRelu:
    return arith::SelectOp::create(b, loc, isNegative(x), mul(alpha, x), x);
  case A::ThresholdedRelu: {
    Value above =
        arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, x, alpha);
    return arith::SelectOp::create(b, loc, above, x, zero);
  }
  case A::ScaledTanh:
    return mul(alpha, math::TanhOp::create(b, loc, mul(beta, x)));
  case A::HardSigmoid: {
    Value v = add(mul(alpha, x), beta);
    v = arith::MaximumFOp::create(b, loc, v, zero);
    return arith::MinimumFOp::create(b, loc, v, one);
  }
  case A::Elu:
    return arith::SelectOp::create(
        b, loc, isNegative(x), mul(alpha, math::ExpM1Op::create(b, loc, x)), x);
  case A::Softsign:
    return arith::DivFOp::create(b, loc, x,
                                 add(one, math::AbsFOp::create(b, loc, x)));
  case A::Softplus:
    return math::Log1pOp::create(b, loc, math::ExpOp::create(b, loc, x));
  }
  return x;
}

/// How a per-step generic reads an input: (batch, hidden), (hidden) or
/// (batch).
enum class Read { Full, Hidden, Batch };

struct StepInput {
  Value value;
  Read read;
};

/// A (batch, hidden) linalg.generic over `inputs` into `init` (a new tensor
/// when null); `body` maps their scalars, and last the init's, to the
/// result. The states are
/// updated into their loop-carried tensors, so every iter_arg bufferizes in
/// place.
static Value
stepGeneric(OpBuilder &b, Location loc, RankedTensorType type,
            ArrayRef<StepInput> inputs,
            function_ref<Value(OpBuilder &, Location, ValueRange)> body,
            Value init = Value()) {
  MLIRContext *ctx = b.getContext();
  AffineExpr d0 = getAffineDimExpr(0, ctx), d1 = getAffineDimExpr(1, ctx);
  SmallVector<AffineMap> maps;
  SmallVector<Value> values;
  for (const StepInput &in : inputs) {
    values.push_back(in.value);
    if (in.read == Read::Full)
      maps.push_back(AffineMap::get(2, 0, {d0, d1}, ctx));
    else if (in.read == Read::Hidden)
      maps.push_back(AffineMap::get(2, 0, {d1}, ctx));
    else
      maps.push_back(AffineMap::get(2, 0, {d0}, ctx));
  }
  maps.push_back(AffineMap::get(2, 0, {d0, d1}, ctx));
  SmallVector<utils::IteratorType> iterators(2, utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{type}, values,
      ValueRange{init ? init : createEmpty(b, loc, type)}, maps, iterators,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        linalg::YieldOp::create(nb, nloc, body(nb, nloc, args));
      });
  return generic.getResult(0);
}

static Value transpose(OpBuilder &b, Location loc, Value v,
                       ArrayRef<int64_t> perm) {
  auto type = cast<RankedTensorType>(v.getType());
  SmallVector<int64_t> shape;
  for (int64_t p : perm)
    shape.push_back(type.getDimSize(p));
  return linalg::TransposeOp::create(
             b, loc, v, createEmpty(b, loc, type.clone(shape)), perm)
      .getResult()[0];
}

/// `v[offsets...]` with `sizes`, dropping the leading `drop` unit dims.
static Value slice(OpBuilder &b, Location loc, Value v,
                   ArrayRef<OpFoldResult> offsets, ArrayRef<int64_t> sizes,
                   unsigned drop) {
  auto type = cast<RankedTensorType>(v.getType());
  SmallVector<OpFoldResult> sizeAttrs, strides;
  for (int64_t s : sizes) {
    sizeAttrs.push_back(b.getIndexAttr(s));
    strides.push_back(b.getIndexAttr(1));
  }
  auto resultType =
      RankedTensorType::get(sizes.drop_front(drop), type.getElementType());
  return tensor::ExtractSliceOp::create(b, loc, resultType, v, offsets,
                                        sizeAttrs, strides);
}

static SmallVector<OpFoldResult> indexAttrs(OpBuilder &b,
                                            ArrayRef<int64_t> values) {
  SmallVector<OpFoldResult> result;
  for (int64_t v : values)
    result.push_back(b.getIndexAttr(v));
  return result;
}

/// Writes `source` (of rank `rank(dest) - drop`) into `dest` at `offsets`.
static Value insert(OpBuilder &b, Location loc, Value source, Value dest,
                    ArrayRef<OpFoldResult> offsets) {
  auto destType = cast<RankedTensorType>(dest.getType());
  auto srcType = cast<RankedTensorType>(source.getType());
  int64_t drop = destType.getRank() - srcType.getRank();
  SmallVector<OpFoldResult> sizes(drop, b.getIndexAttr(1)), strides;
  for (int64_t s : srcType.getShape())
    sizes.push_back(b.getIndexAttr(s));
  for (int64_t i = 0; i < destType.getRank(); ++i)
    strides.push_back(b.getIndexAttr(1));
  return tensor::InsertSliceOp::create(b, loc, source, dest, offsets, sizes,
                                       strides);
}

template <typename OpTy>
struct RecurrentLowering : public OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;

  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Operation *operation = op.getOperation();
    if (failed(requireStaticResults(operation, rewriter)))
      return failure();
    FailureOr<RecurrentAttrs> attrsOr = nn::getRecurrentAttrs(operation);
    if (failed(attrsOr))
      return rewriter.notifyMatchFailure(op, "invalid attributes");
    const RecurrentAttrs &attrs = *attrsOr;
    bool isLSTM = attrs.kind == RecurrentKind::LSTM;
    bool isGRU = attrs.kind == RecurrentKind::GRU;
    ValueRange operands = adaptor.getOperands();
    auto present = [&](unsigned i) {
      return i < operation->getNumOperands() &&
             !nn::isNone(operation->getOperand(i));
    };
    for (unsigned i = 0; i < operation->getNumOperands(); ++i) {
      if (!present(i))
        continue;
      auto type = dyn_cast<RankedTensorType>(operands[i].getType());
      if (!type || !type.hasStaticShape())
        return rewriter.notifyMatchFailure(op, "operands must be static");
    }
    Location loc = op.getLoc();
    OpBuilder &b = rewriter;
    auto xType = cast<RankedTensorType>(operands[0].getType());
    Type element = xType.getElementType();
    Type ct = element;
    if (element.isF16() || element.isBF16())
      ct = Float32Type::get(op.getContext());
    auto widen = [&](Value v) -> Value {
      auto type = cast<RankedTensorType>(v.getType());
      if (type.getElementType() == ct)
        return v;
      return buildElementwise(
          b, loc, type.clone(ct), v,
          [&](OpBuilder &nb, Location l, ValueRange a) {
            return arith::ExtFOp::create(nb, l, ct, a[0]).getResult();
          });
    };

    bool batchFirst = attrs.layout == 1;
    int64_t seq = xType.getDimSize(batchFirst ? 1 : 0);
    int64_t batch = xType.getDimSize(batchFirst ? 0 : 1);
    int64_t input = xType.getDimSize(2);
    auto rType = cast<RankedTensorType>(operands[2].getType());
    int64_t hidden = rType.getDimSize(2);
    int64_t dirs = attrs.numDirections, gates = attrs.numGates;
    int64_t gh = gates * hidden;

    // X as (seq_length * batch, input_size).
    Value x = widen(operands[0]);
    if (batchFirst)
      x = transpose(b, loc, x, {1, 0, 2});
    x = tensor::CollapseShapeOp::create(
        b, loc, RankedTensorType::get({seq * batch, input}, ct), x,
        SmallVector<ReassociationIndices>{{0, 1}, {2}});
    // W^T of every direction: (input_size, num_directions * gates * hidden).
    Value wT = transpose(b, loc, widen(operands[1]), {2, 0, 1});
    wT = tensor::CollapseShapeOp::create(
        b, loc, RankedTensorType::get({input, dirs * gh}, ct), wT,
        SmallVector<ReassociationIndices>{{0}, {1, 2}});
    Value r = widen(operands[2]);

    // Wb + Rb per direction, except GRU's Rbh when linear_before_reset (it
    // is scaled by the reset gate inside the step).
    Value bias;
    Value biasAll;
    auto projType = RankedTensorType::get({seq * batch, dirs * gh}, ct);
    if (present(3)) {
      biasAll = widen(operands[3]);
      Value wb = slice(b, loc, biasAll, indexAttrs(b, {0, 0}), {dirs, gh}, 0);
      Value rb = slice(b, loc, biasAll, indexAttrs(b, {0, gh}), {dirs, gh}, 0);
      bool keepRbh = isGRU && attrs.linearBeforeReset;
      int64_t hiddenCopy = hidden;
      bias = buildElementwise(
          b, loc, RankedTensorType::get({dirs, gh}, ct), {wb, rb},
          [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
            Value sum = arith::AddFOp::create(nb, l, a[0], a[1]);
            if (!keepRbh)
              return sum;
            Value j = linalg::IndexOp::create(nb, l, 1);
            Value limit = arith::ConstantIndexOp::create(nb, l, 2 * hiddenCopy);
            Value zr = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::slt,
                                             j, limit);
            return arith::SelectOp::create(nb, l, zr, sum, a[0]);
          });
      bias = tensor::CollapseShapeOp::create(
          b, loc, RankedTensorType::get({dirs * gh}, ct), bias,
          SmallVector<ReassociationIndices>{{0, 1}});
    }
    Value projInit =
        bias ? buildElementwise(
                   b, loc, projType, bias,
                   [](OpBuilder &, Location, ValueRange a) { return a[0]; })
             : createFilled(b, loc, projType, fconst(b, loc, ct, 0.0));
    Value proj =
        linalg::MatmulOp::create(b, loc, TypeRange{projType}, ValueRange{x, wT},
                                 ValueRange{projInit})
            .getResult(0);
    proj = tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get({seq, batch, dirs * gh}, ct), proj,
        SmallVector<ReassociationIndices>{{0, 1}, {2}});

    // Initial states as (num_directions, batch, hidden).
    auto stepType = RankedTensorType::get({batch, hidden}, ct);
    auto initialState = [&](unsigned i) -> Value {
      if (!present(i))
        return Value();
      Value s = widen(operands[i]);
      return batchFirst ? transpose(b, loc, s, {1, 0, 2}) : s;
    };
    Value h0 = initialState(5);
    Value c0 = isLSTM ? initialState(6) : Value();
    Value peep = isLSTM && present(7) ? widen(operands[7]) : Value();
    Value lens = present(4) ? operands[4] : Value();
    Value zeroState = createFilled(b, loc, stepType, fconst(b, loc, ct, 0.0));

    auto yType = RankedTensorType::get({seq, dirs, batch, hidden}, ct);
    auto finalType = RankedTensorType::get({dirs, batch, hidden}, ct);
    Value y = createFilled(b, loc, yType, fconst(b, loc, ct, 0.0));
    Value yh = createEmpty(b, loc, finalType);
    Value yc = isLSTM ? createEmpty(b, loc, finalType) : Value();
    std::optional<float> clipValue = attrs.clip;

    for (int64_t d = 0; d < dirs; ++d) {
      bool reverse = dirs == 2 ? d == 1 : attrs.reverse;
      ArrayRef<RecurrentActivation> acts =
          ArrayRef(attrs.activations)
              .slice(d * attrs.activationsPerDirection,
                     attrs.activationsPerDirection);
      Value rT = transpose(
          b, loc,
          slice(b, loc, r, indexAttrs(b, {d, 0, 0}), {1, gh, hidden}, 1),
          {1, 0});
      auto dirState = [&](Value s) -> Value {
        if (!s)
          return zeroState;
        return slice(b, loc, s, indexAttrs(b, {d, 0, 0}), {1, batch, hidden},
                     1);
      };
      auto hiddenVec = [&](Value v, int64_t offset) {
        return slice(b, loc, v, indexAttrs(b, {d, offset}), {1, hidden}, 1);
      };
      Value pi, po, pf, rbh, rTzr, rTh;
      if (peep) {
        pi = hiddenVec(peep, 0);
        po = hiddenVec(peep, hidden);
        pf = hiddenVec(peep, 2 * hidden);
      }
      if (isGRU && attrs.linearBeforeReset && biasAll)
        rbh = hiddenVec(biasAll, gh + 2 * hidden);
      if (isGRU && !attrs.linearBeforeReset) {
        rTzr =
            slice(b, loc, rT, indexAttrs(b, {0, 0}), {hidden, 2 * hidden}, 0);
        rTh = slice(b, loc, rT, indexAttrs(b, {0, 2 * hidden}),
                    {hidden, hidden}, 0);
      }

      // LSTM's h and c start as the two halves of one (2, batch, hidden)
      // tensor: iter_args with one initial value (zeros, or initial_h ==
      // initial_c) could not both be updated in place.
      SmallVector<Value> inits;
      if (isLSTM) {
        Value state =
            createFilled(b, loc, RankedTensorType::get({2, batch, hidden}, ct),
                         fconst(b, loc, ct, 0.0));
        if (h0)
          state = insert(b, loc, dirState(h0), state, indexAttrs(b, {0, 0, 0}));
        if (c0)
          state = insert(b, loc, dirState(c0), state, indexAttrs(b, {1, 0, 0}));
        inits.push_back(slice(b, loc, state, indexAttrs(b, {0, 0, 0}),
                              {1, batch, hidden}, 1));
        inits.push_back(slice(b, loc, state, indexAttrs(b, {1, 0, 0}),
                              {1, batch, hidden}, 1));
      } else {
        inits.push_back(dirState(h0));
      }
      inits.push_back(y);
      Value lb = arith::ConstantIndexOp::create(b, loc, 0);
      Value ub = arith::ConstantIndexOp::create(b, loc, seq);
      Value one = arith::ConstantIndexOp::create(b, loc, 1);
      Value last = arith::ConstantIndexOp::create(b, loc, seq - 1);
      auto loop = scf::ForOp::create(
          b, loc, lb, ub, one, inits,
          [&](OpBuilder &lb2, Location l, Value t, ValueRange iter) {
            OpBuilder &nb = lb2;
            Value ta =
                reverse ? arith::SubIOp::create(nb, l, last, t).getResult() : t;
            Value h = iter[0];
            Value c = isLSTM ? iter[1] : Value();
            Value yIter = iter.back();
            auto projSlice = [&](int64_t offset, int64_t size) {
              SmallVector<OpFoldResult> offsets = {
                  ta, nb.getIndexAttr(0), nb.getIndexAttr(d * gh + offset)};
              return slice(nb, l, proj, offsets, {1, batch, size}, 1);
            };
            auto matmul = [&](Value lhs, Value rhs, Value init) {
              return linalg::MatmulOp::create(nb, l, TypeRange{init.getType()},
                                              ValueRange{lhs, rhs},
                                              ValueRange{init})
                  .getResult(0);
            };
            auto cols = [&](Value v, int64_t offset) {
              return slice(nb, l, v, indexAttrs(nb, {0, offset}),
                           {batch, hidden}, 0);
            };
            auto clip = [&](OpBuilder &gb, Location gl, Value v) -> Value {
              if (!clipValue)
                return v;
              Value hi = fconst(gb, gl, ct, *clipValue);
              Value lo = fconst(gb, gl, ct, -*clipValue);
              v = arith::MaximumFOp::create(gb, gl, v, lo);
              return arith::MinimumFOp::create(gb, gl, v, hi);
            };
            // `inputs` followed by sequence_lens when present; `body` gets
            // the scalars, the init's last (the previous state when updating
            // in place: a state is read only through the init, so the tiled
            // loops update it in place), and whether the batch entry is
            // active.
            auto masked = [&](SmallVector<StepInput> inputs,
                              function_ref<Value(OpBuilder &, Location,
                                                 ValueRange, Value)>
                                  body,
                              Value init = Value()) {
              if (lens)
                inputs.push_back({lens, Read::Batch});
              return stepGeneric(
                  nb, l, stepType, inputs,
                  [&](OpBuilder &gb, Location gl, ValueRange all) -> Value {
                    Value out = all.back();
                    ValueRange a = all.drop_back();
                    Value active;
                    if (lens) {
                      Value len = arith::IndexCastOp::create(
                          gb, gl, gb.getIndexType(), a.back());
                      active = arith::CmpIOp::create(
                          gb, gl, arith::CmpIPredicate::slt, ta, len);
                      a = a.drop_back();
                    }
                    SmallVector<Value> args(a);
                    args.push_back(out);
                    return body(gb, gl, args, active);
                  },
                  init);
            };
            auto select = [&](OpBuilder &gb, Location gl, Value active, Value v,
                              Value keep) -> Value {
              if (!active)
                return v;
              return arith::SelectOp::create(gb, gl, active, v, keep);
            };
            auto mulf = [](OpBuilder &gb, Location gl, Value p, Value q) {
              return arith::MulFOp::create(gb, gl, p, q).getResult();
            };
            auto addf = [](OpBuilder &gb, Location gl, Value p, Value q) {
              return arith::AddFOp::create(gb, gl, p, q).getResult();
            };
            auto subf = [](OpBuilder &gb, Location gl, Value p, Value q) {
              return arith::SubFOp::create(gb, gl, p, q).getResult();
            };

            SmallVector<Value> results;
            Value hNext;
            if (isLSTM) {
              Value g = matmul(h, rT, projSlice(0, gh));
              SmallVector<StepInput> cIn = {{cols(g, 0), Read::Full},
                                            {cols(g, 2 * hidden), Read::Full},
                                            {cols(g, 3 * hidden), Read::Full}};
              if (peep) {
                cIn.push_back({pi, Read::Hidden});
                cIn.push_back({pf, Read::Hidden});
              }
              bool inputForget = attrs.inputForget;
              Value cNext = masked(
                  cIn,
                  [&](OpBuilder &gb, Location gl, ValueRange a, Value active) {
                    // The previous c is the init's value.
                    Value iPre = a[0], fPre = a[1], cPre = a[2],
                          cPrev = a.back();
                    if (peep) {
                      iPre = addf(gb, gl, iPre, mulf(gb, gl, a[3], cPrev));
                      fPre = addf(gb, gl, fPre, mulf(gb, gl, a[4], cPrev));
                    }
                    Value iGate = activate(gb, gl, acts[0], clip(gb, gl, iPre));
                    Value fGate =
                        inputForget
                            ? subf(gb, gl, fconst(gb, gl, ct, 1.0), iGate)
                            : activate(gb, gl, acts[0], clip(gb, gl, fPre));
                    Value cand = activate(gb, gl, acts[1], clip(gb, gl, cPre));
                    Value cNew = addf(gb, gl, mulf(gb, gl, fGate, cPrev),
                                      mulf(gb, gl, iGate, cand));
                    return select(gb, gl, active, cNew, cPrev);
                  },
                  c);
              // h is updated in place; the generic reads the previous h from
              // its init.
              SmallVector<StepInput> hIn = {{cols(g, hidden), Read::Full},
                                            {cNext, Read::Full}};
              if (peep)
                hIn.push_back({po, Read::Hidden});
              hNext = masked(
                  hIn,
                  [&](OpBuilder &gb, Location gl, ValueRange a, Value active) {
                    Value oPre = a[0];
                    if (peep)
                      oPre = addf(gb, gl, oPre, mulf(gb, gl, a[2], a[1]));
                    Value oGate = activate(gb, gl, acts[0], clip(gb, gl, oPre));
                    Value hNew =
                        mulf(gb, gl, oGate, activate(gb, gl, acts[2], a[1]));
                    return select(gb, gl, active, hNew, a.back());
                  },
                  h);
              results = {hNext, cNext};
            } else if (isGRU) {
              auto update = [&](OpBuilder &gb, Location gl, Value zPre,
                                Value cand, Value hPrev, Value active) {
                Value z = activate(gb, gl, acts[0], clip(gb, gl, zPre));
                Value ht = activate(gb, gl, acts[1], clip(gb, gl, cand));
                // (1 - z) * ht + z * hPrev
                Value hNew = addf(
                    gb, gl,
                    mulf(gb, gl, subf(gb, gl, fconst(gb, gl, ct, 1.0), z), ht),
                    mulf(gb, gl, z, hPrev));
                return select(gb, gl, active, hNew, hPrev);
              };
              if (attrs.linearBeforeReset) {
                Value rec = matmul(
                    h, rT,
                    createFilled(nb, l, RankedTensorType::get({batch, gh}, ct),
                                 fconst(nb, l, ct, 0.0)));
                Value xw = projSlice(0, gh);
                SmallVector<StepInput> in = {
                    {cols(xw, 0), Read::Full},
                    {cols(rec, 0), Read::Full},
                    {cols(xw, hidden), Read::Full},
                    {cols(rec, hidden), Read::Full},
                    {cols(xw, 2 * hidden), Read::Full},
                    {cols(rec, 2 * hidden), Read::Full}};
                if (rbh)
                  in.push_back({rbh, Read::Hidden});
                hNext = masked(
                    in,
                    [&](OpBuilder &gb, Location gl, ValueRange a,
                        Value active) {
                      Value rGate =
                          activate(gb, gl, acts[0],
                                   clip(gb, gl, addf(gb, gl, a[2], a[3])));
                      Value recH = rbh ? addf(gb, gl, a[5], a[6]) : a[5];
                      Value cand =
                          addf(gb, gl, a[4], mulf(gb, gl, rGate, recH));
                      return update(gb, gl, addf(gb, gl, a[0], a[1]), cand,
                                    a.back(), active);
                    },
                    h);
              } else {
                Value zr = matmul(h, rTzr, projSlice(0, 2 * hidden));
                Value rh = stepGeneric(
                    nb, l, stepType,
                    {{cols(zr, hidden), Read::Full}, {h, Read::Full}},
                    [&](OpBuilder &gb, Location gl, ValueRange a) {
                      Value rGate =
                          activate(gb, gl, acts[0], clip(gb, gl, a[0]));
                      return mulf(gb, gl, rGate, a[1]);
                    });
                Value cand = matmul(rh, rTh, projSlice(2 * hidden, hidden));
                hNext = masked(
                    {{cols(zr, 0), Read::Full}, {cand, Read::Full}},
                    [&](OpBuilder &gb, Location gl, ValueRange a,
                        Value active) {
                      return update(gb, gl, a[0], a[1], a.back(), active);
                    },
                    h);
              }
              results = {hNext};
            } else {
              Value pre = matmul(h, rT, projSlice(0, hidden));
              hNext = masked(
                  {{pre, Read::Full}},
                  [&](OpBuilder &gb, Location gl, ValueRange a, Value active) {
                    Value hNew = activate(gb, gl, acts[0], clip(gb, gl, a[0]));
                    return select(gb, gl, active, hNew, a.back());
                  },
                  h);
              results = {hNext};
            }
            Value yt = hNext;
            if (lens)
              yt = masked({{hNext, Read::Full}}, [&](OpBuilder &gb, Location gl,
                                                     ValueRange a,
                                                     Value active) {
                return select(gb, gl, active, a[0], fconst(gb, gl, ct, 0.0));
              });
            SmallVector<OpFoldResult> yOffsets = {
                ta, nb.getIndexAttr(d), nb.getIndexAttr(0), nb.getIndexAttr(0)};
            results.push_back(insert(nb, l, yt, yIter, yOffsets));
            scf::YieldOp::create(nb, l, results);
          });
      y = loop.getResults().back();
      yh = insert(b, loc, loop.getResult(0), yh, indexAttrs(b, {d, 0, 0}));
      if (isLSTM)
        yc = insert(b, loc, loop.getResult(1), yc, indexAttrs(b, {d, 0, 0}));
    }

    SmallVector<Value> results = {y, yh};
    if (isLSTM)
      results.push_back(yc);
    if (batchFirst) {
      results[0] = transpose(b, loc, results[0], {2, 0, 1, 3});
      for (size_t i = 1; i < results.size(); ++i)
        results[i] = transpose(b, loc, results[i], {1, 0, 2});
    }
    if (ct != element) {
      for (Value &v : results) {
        auto type = cast<RankedTensorType>(v.getType());
        v = buildElementwise(
            b, loc, type.clone(element), v,
            [&](OpBuilder &nb, Location l, ValueRange a) {
              return arith::TruncFOp::create(nb, l, element, a[0]).getResult();
            });
      }
    }
    rewriter.replaceOp(op, results);
    return success();
  }
};

} // namespace

void tessera::populateNNRecurrentToLinalgPatterns(
    const TypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<RecurrentLowering<nn::LSTMOp>, RecurrentLowering<nn::GRUOp>,
               RecurrentLowering<nn::RNNOp>>(converter, patterns.getContext());
}
