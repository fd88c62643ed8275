//===- ConstantUtils.cpp - reading and building nn constants --------------===//
//
// Part of Tessera.
//
//===----------------------------------------------------------------------===//

#include "ConstantUtils.h"

#include "NN/NNOps.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include <cmath>
#include <cstring>

using namespace mlir;

namespace tessera::transforms {

bool isConstant(Value v) { return v && v.getDefiningOp<nn::ConstantOp>(); }

/// Decodes one element of `bits` width from raw little-endian bytes.
static std::optional<double> decodeRaw(Type element, const char *p) {
  if (element.isF32()) {
    float f;
    std::memcpy(&f, p, sizeof f);
    return f;
  }
  if (element.isF64()) {
    double d;
    std::memcpy(&d, p, sizeof d);
    return d;
  }
  if (auto floatType = dyn_cast<FloatType>(element)) {
    unsigned width = floatType.getWidth();
    if (width != 16)
      return std::nullopt;
    uint16_t bits;
    std::memcpy(&bits, p, sizeof bits);
    return APFloat(floatType.getFloatSemantics(), APInt(16, bits))
        .convertToDouble();
  }
  if (auto intType = dyn_cast<IntegerType>(element)) {
    unsigned width = intType.getWidth();
    if (width % 8 != 0 || width > 64)
      return std::nullopt;
    uint64_t raw = 0;
    std::memcpy(&raw, p, width / 8);
    APInt value(width, raw);
    return intType.isUnsigned() ? (double)value.getZExtValue()
                                : (double)value.getSExtValue();
  }
  return std::nullopt;
}

std::optional<ArrayRef<int8_t>> getI8ConstantData(Value v) {
  auto cst = v ? v.getDefiningOp<nn::ConstantOp>() : nn::ConstantOp();
  if (!cst)
    return std::nullopt;
  auto type = dyn_cast<RankedTensorType>(cst.getType());
  if (!type || !type.hasStaticShape() ||
      !type.getElementType().isSignlessInteger(8))
    return std::nullopt;
  ArrayRef<char> raw;
  Attribute value = cst.getValue();
  if (auto dense = dyn_cast<DenseElementsAttr>(value)) {
    if (dense.isSplat())
      return std::nullopt;
    raw = dense.getRawData();
  } else if (auto resource = dyn_cast<DenseResourceElementsAttr>(value)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return std::nullopt;
    raw = blob->getData();
  } else {
    return std::nullopt;
  }
  if (int64_t(raw.size()) != type.getNumElements())
    return std::nullopt;
  return ArrayRef<int8_t>(reinterpret_cast<const int8_t *>(raw.data()),
                          raw.size());
}

std::optional<ConstTensor> readConstant(Value v, int64_t maxElements) {
  auto cst = v ? v.getDefiningOp<nn::ConstantOp>() : nn::ConstantOp();
  if (!cst)
    return std::nullopt;
  auto type = dyn_cast<RankedTensorType>(cst.getType());
  if (!type || !type.hasStaticShape() || type.getNumElements() > maxElements)
    return std::nullopt;
  Type element = type.getElementType();
  if (!isa<FloatType, IntegerType>(element))
    return std::nullopt;
  int64_t count = type.getNumElements();
  ConstTensor out{type, {}};
  out.values.reserve(count);
  Attribute value = cst.getValue();
  if (auto dense = dyn_cast<DenseElementsAttr>(value)) {
    if (auto floatType = dyn_cast<FloatType>(element)) {
      if (dense.isSplat()) {
        out.values.assign(count,
                          dense.getSplatValue<APFloat>().convertToDouble());
      } else if (element.isF32()) {
        for (float f : dense.getValues<float>())
          out.values.push_back(f);
      } else {
        for (const APFloat &f : dense.getValues<APFloat>())
          out.values.push_back(f.convertToDouble());
      }
      return out;
    }
    auto intType = cast<IntegerType>(element);
    auto asDouble = [&](const APInt &x) {
      return intType.isUnsigned() || intType.getWidth() == 1
                 ? (double)x.getZExtValue()
                 : (double)x.getSExtValue();
    };
    if (dense.isSplat()) {
      out.values.assign(count, asDouble(dense.getSplatValue<APInt>()));
    } else if (intType.isSignless() && intType.getWidth() == 8) {
      // The common weight types without an APInt per element.
      for (int8_t x : dense.getValues<int8_t>())
        out.values.push_back(x);
    } else if (intType.isSignless() && intType.getWidth() == 32) {
      for (int32_t x : dense.getValues<int32_t>())
        out.values.push_back(x);
    } else {
      for (const APInt &x : dense.getValues<APInt>())
        out.values.push_back(asDouble(x));
    }
    return out;
  }
  auto resource = dyn_cast<DenseResourceElementsAttr>(value);
  if (!resource)
    return std::nullopt;
  AsmResourceBlob *blob = resource.getRawHandle().getBlob();
  unsigned width = element.getIntOrFloatBitWidth();
  if (!blob || width % 8 != 0)
    return std::nullopt;
  ArrayRef<char> raw = blob->getData();
  size_t bytes = width / 8;
  if ((int64_t)raw.size() != count * (int64_t)bytes)
    return std::nullopt;
  if (element.isSignlessInteger(8)) {
    // Weights of the int8 graph: no per-element decoding.
    out.values.assign(reinterpret_cast<const int8_t *>(raw.data()),
                      reinterpret_cast<const int8_t *>(raw.data()) + count);
    return out;
  }
  if (element.isF32()) {
    // Float weights (little-endian, as the blob stores them on this host).
    out.values.resize(count);
    for (int64_t i = 0; i < count; ++i) {
      float f;
      std::memcpy(&f, raw.data() + i * 4, 4);
      out.values[i] = f;
    }
    return out;
  }
  for (int64_t i = 0; i < count; ++i) {
    std::optional<double> x = decodeRaw(element, raw.data() + i * bytes);
    if (!x)
      return std::nullopt;
    out.values.push_back(*x);
  }
  return out;
}

std::optional<double> getSplatValue(Value v) {
  std::optional<ConstTensor> c = readConstant(v, /*maxElements=*/4096);
  if (!c || c->values.empty())
    return std::nullopt;
  for (double x : c->values)
    if (x != c->values.front())
      return std::nullopt;
  return c->values.front();
}

/// The raw little-endian bytes of `values` as elements of `element`.
static std::optional<std::vector<char>> encodeRaw(Type element,
                                                  ArrayRef<double> values) {
  unsigned width = element.getIntOrFloatBitWidth();
  if (width % 8 != 0 || width > 64)
    return std::nullopt;
  size_t bytes = width / 8;
  std::vector<char> out(values.size() * bytes);
  if (isa<IntegerType>(element)) {
    // The weights of a quantized model: millions of them, the type's checks
    // hoisted out of the loop.
    if (bytes == 1) {
      for (size_t i = 0; i < values.size(); ++i)
        out[i] = char(uint8_t((uint64_t)(int64_t)values[i]));
      return out;
    }
    for (size_t i = 0; i < values.size(); ++i) {
      uint64_t bits = (uint64_t)(int64_t)values[i];
      std::memcpy(out.data() + i * bytes, &bits, bytes);
    }
    return out;
  }
  for (size_t i = 0; i < values.size(); ++i) {
    char *p = out.data() + i * bytes;
    if (element.isF32()) {
      float f = (float)values[i];
      std::memcpy(p, &f, sizeof f);
    } else if (element.isF64()) {
      std::memcpy(p, &values[i], sizeof(double));
    } else if (auto floatType = dyn_cast<FloatType>(element)) {
      APFloat x(values[i]);
      bool lost;
      x.convert(floatType.getFloatSemantics(), APFloat::rmNearestTiesToEven,
                &lost);
      uint64_t bits = x.bitcastToAPInt().getZExtValue();
      std::memcpy(p, &bits, bytes);
    } else {
      uint64_t bits = (uint64_t)(int64_t)values[i];
      std::memcpy(p, &bits, bytes);
    }
  }
  return out;
}

ElementsAttr buildElements(RankedTensorType type, ArrayRef<double> values) {
  if (!type.hasStaticShape() || type.getNumElements() != (int64_t)values.size())
    return {};
  Type element = type.getElementType();
  if (!isa<FloatType, IntegerType>(element) || element.isInteger(1))
    return {};
  if ((int64_t)values.size() > kResourceThreshold) {
    std::optional<std::vector<char>> raw = encodeRaw(element, values);
    if (!raw)
      return {};
    AsmResourceBlob blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(
        ArrayRef<char>(*raw), alignof(double));
    return DenseResourceElementsAttr::get(type, "folded", std::move(blob));
  }
  if (auto floatType = dyn_cast<FloatType>(element)) {
    SmallVector<APFloat> out;
    for (double d : values) {
      APFloat x(d);
      bool lost;
      x.convert(floatType.getFloatSemantics(), APFloat::rmNearestTiesToEven,
                &lost);
      out.push_back(x);
    }
    return DenseElementsAttr::get(type, out);
  }
  auto intType = cast<IntegerType>(element);
  SmallVector<APInt> out;
  for (double d : values)
    out.push_back(APInt(intType.getWidth(), (uint64_t)(int64_t)d,
                        /*isSigned=*/!intType.isUnsigned(),
                        /*implicitTrunc=*/true));
  return DenseElementsAttr::get(type, out);
}

Value createConstant(RewriterBase &rewriter, Location loc,
                     RankedTensorType type, ArrayRef<double> values) {
  ElementsAttr attr = buildElements(type, values);
  if (!attr)
    return {};
  return nn::ConstantOp::create(rewriter, loc, type, attr);
}

int64_t broadcastOffset(ArrayRef<int64_t> shape, ArrayRef<int64_t> index) {
  int64_t offset = 0, stride = 1;
  size_t lead = index.size() - shape.size();
  for (int64_t d = (int64_t)shape.size() - 1; d >= 0; --d) {
    if (shape[d] != 1)
      offset += index[lead + d] * stride;
    stride *= shape[d];
  }
  return offset;
}

void nextIndex(MutableArrayRef<int64_t> index, ArrayRef<int64_t> shape) {
  for (int64_t d = (int64_t)shape.size() - 1; d >= 0; --d) {
    if (++index[d] < shape[d])
      return;
    index[d] = 0;
  }
}

bool isClose(double a, double b, double rtol) {
  return std::fabs(a - b) <= rtol * std::fabs(b);
}

} // namespace tessera::transforms
