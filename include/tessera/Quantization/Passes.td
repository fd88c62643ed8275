//===- Passes.td - Tessera quantization passes -------------*- tablegen -*-===//
//
// Part of Tessera.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_QUANTIZATION_PASSES
#define TESSERA_QUANTIZATION_PASSES

include "mlir/Pass/PassBase.td"

def QuantizeGraph : Pass<"tessera-quantize", "mlir::func::FuncOp"> {
  let summary = "Post-training int8 quantization of the nn graph from "
                "calibration statistics";
  let description = [{
    Rewrites the float graph into the integer graph of docs/npu/numerics.md
    with the ranges calibration recorded (`stats`, the JSON file of
    tessera/Quantization/Calibration.h, keyed by `enumerateQuantPoints` on
    this same graph: see `buildPreQuantizePipeline`):

    - Conv (any group), Gemm and MatMul with constant weights become
      `nn.conv_integer` / `nn.matmul_integer` (i8 x i8 -> i32, per-output-
      channel symmetric weights), an `nn.add` of the int32 bias at scale
      s_x * s_w[c], and `nn.requantize` to the int8 output scale; a single
      use ReLU or Clip with constant bounds after them is the clamp.
    - MaxPool, Reshape, Flatten, Transpose, Squeeze, Unsqueeze, ReLU and
      Concat (inputs of one scale and zero point) of int8 values run on int8.
    - An Add of two int8 values: `nn.cast` to i32 less the zero points,
      `nn.requantize` of each to the scale 2 * max(s1, s2) / 2^20 (i32
      result), `nn.add` in i32, `nn.requantize` to int8; a single use ReLU
      or Clip after it is the clamp.
    - GlobalAveragePool of an int8 value: the i32 `nn.reduce_sum` of q - z_x,
      `nn.requantize` by s_x / (s_y * N).
    - AveragePool of an int8 value (2-D, no ceil_mode, count_include_pad=1
      or no padding): the window sum of q - z_x as an `nn.conv_integer`
      with one group per channel and weights 1, `nn.requantize` by
      s_x / (s_y * kh * kw).
    - A one-input activation (Sigmoid, Tanh, HardSigmoid, HardSwish, SiLU,
      Gelu, Elu, LeakyRelu, Softplus, Exp), or a chain of them with ReLU,
      Clip and arithmetic by constants whose intermediates have no other
      user, of an int8 value: one `nn.lookup_table` of
      quantize(f(dequantize(q))) for the 256 int8 inputs.
    - Every other op stays float between `nn.dequantize` and `nn.quantize`
      and carries `nn.quant_float = "<reason>"`.

    Every op whose int8 result quantizes a calibrated activation carries
    `nn.quant_key`, `nn.quant_scale` and `nn.quant_zero_point`.
  }];
  let dependentDialects = ["tessera::nn::NNDialect"];
  let options = [
    Option<"stats", "stats", "std::string", /*default=*/"",
           "Calibration statistics file (JSON)">,
    Option<"observer", "observer", "std::string", /*default=*/"\"minmax\"",
           "Range of each activation: minmax, percentile or entropy">,
    Option<"percentile", "percentile", "double", /*default=*/"99.99",
           "Percentile (in percent) of the percentile observer">,
    Option<"activations", "activations", "std::string",
           /*default=*/"\"asymmetric\"",
           "Activation scheme: asymmetric or symmetric">,
    Option<"perChannel", "per-channel", "bool", /*default=*/"true",
           "One weight scale per output channel (else per tensor)">,
  ];
}

#endif // TESSERA_QUANTIZATION_PASSES
