//===- Passes.td - NPU code generation passes ------------*- tablegen -*-===//
//
// Part of Tessera.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_CODEGEN_NPU_PASSES_TD
#define TESSERA_CODEGEN_NPU_PASSES_TD

include "mlir/Pass/PassBase.td"

def NPUPlace : Pass<"tessera-npu-place", "::mlir::ModuleOp"> {
  let summary = "Decide which ops of a quantized nn graph run on the NPU";
  let description = [{
    Finds the NPU layers of every function: an `nn.conv_integer` (constant
    int8 weights with no or a zero weight zero point, a scalar constant input
    zero point, no dilation, any groups) or an `nn.matmul_integer` (constant
    `[K, N]` B, A of any rank: M is the product of its leading dims), an
    optional `nn.add` of a constant int32 bias broadcast over the output
    channels, and an `nn.requantize` to int8 (per tensor or per output
    channel). Each becomes one `tessera::npu::ConvLayer`, tiled for the
    module's `npu.hardware` with `chooseConvTiling`. Int8 `nn.max_pool`
    (indices unused) and tessera-quantize's GlobalAveragePool (`nn.cast` to
    int32, `nn.sub` of the zero point, `nn.reduce_sum` over H and W,
    `nn.requantize` per tensor) become `PoolLayer`s (`choosePoolTiling`).
    With ISA v2 (`isa_version: 2`, the default) also: tessera-quantize's
    AveragePool (a per-channel `nn.conv_integer` with weights 1) as a
    `PoolLayer`, its integer residual Add (two `nn.cast` + `nn.sub` +
    `nn.requantize` chains, `nn.add`, `nn.requantize`) and
    `nn.lookup_table` as `EltwiseLayer`s (`chooseEltwiseTiling`), and a
    single-use `nn.lookup_table` after a convolution or matrix product as
    its `ConvLayer::table` epilogue; on ISA v1 the Add and the tables stay
    on the host with a reason naming ISA v2.

    A layer goes to the NPU when a tiling fits, unless it would form a
    segment of its own and is cheaper on the host once the NCHW/NHWC
    transfers are counted: host time = MACs (a pooling: input elements) /
    `host-gmacs`, NPU time =
    predicted cycles / clock + bytes in and out / `host-gbps`. A layer that
    no tiling fits stays on the host with the tiling's message as its reason
    (with `strict`, that is an error at the op instead). The `placement-file`
    (JSON, `{"<ONNX node name>": "host" | "npu"}`) overrides both decisions.

    Writes `npu.place = "npu" | "host"` on every op except constants and the
    terminator, `npu.reason` on the host ones and `npu.tiling` (the chosen
    tiling, which the outlining reuses) on the first op of each NPU layer; prints a placement table
    with `report` and writes it as JSON to `report-json` ("-": stdout).
    `tessera-npu-outline` then moves the NPU layers into `npu.program`s
    (docs/npu/compiler.md, "Placement").

    Example: with `--tessera-npu-attach-hw=hw=edge --tessera-npu-place`,
    `nn.conv_integer` + `nn.add` + `nn.requantize` get `npu.place = "npu"`,
    an `nn.max_pool` gets `npu.place = "host"` and `npu.reason = "not in the
    NPU's repertoire (...)"`.
  }];
  let options = [
    Option<"hw", "hw", "std::string", /*default=*/"\"\"",
           "The hardware description npu.hardware was made from (preset or "
           "YAML file); empty: the preset named by npu.hardware">,
    Option<"strict", "strict", "bool", /*default=*/"false",
           "A layer no tiling fits is an error instead of a host fallback">,
    Option<"tiling", "tiling", "std::string", /*default=*/"\"search\"",
           "How convolutions and matrix products are tiled: 'search' (the "
           "cost model's best) or 'greedy' (Gemmini's tiled_conv_auto "
           "policy, the baseline)">,
    Option<"placementFile", "placement-file", "std::string",
           /*default=*/"\"\"",
           "JSON object {\"<ONNX node name>\": \"host\"|\"npu\"} overriding "
           "the placement">,
    Option<"costRule", "cost-rule", "bool", /*default=*/"true",
           "Keep isolated layers on the host when that is faster">,
    Option<"hostGmacs", "host-gmacs", "double", /*default=*/"20.0",
           "Host int8 throughput of the cost rule, GMAC/s">,
    Option<"hostGbps", "host-gbps", "double", /*default=*/"10.0",
           "Host bandwidth of the layout transfers of the cost rule, GB/s">,
    Option<"report", "report", "bool", /*default=*/"false",
           "Print the placement table on stdout">,
    Option<"reportJSON", "report-json", "std::string", /*default=*/"\"\"",
           "Write the placement report as JSON to this file ('-': stdout)">
  ];
  let dependentDialects = ["::tessera::npu::NPUDialect"];
}

def NPUOutline : Pass<"tessera-npu-outline", "::mlir::ModuleOp"> {
  let summary = "Move NPU layers into npu.programs run by npu.launch";
  let description = [{
    Groups maximal runs of consecutive layers placed on the NPU by
    `tessera-npu-place` (in block order, with no host op between them that
    uses their values, and activations of one layout: convolutions NHWC,
    matrix products row-major) into segments. Each segment becomes a
    module-level `npu.program @segment_<k>`: its tensor table
    (`segment_<k>.in<i>`, `segment_<k>.out<i>`), a DRAM allocation of its
    inputs, outputs, intermediates (freed ones reused) and each layer's
    packed constants (`npu.constant`, weights re-laid out OIHW -> HWIO per
    group at compile time), one `npu.layer` per layer (named after its ONNX
    nodes, located at their fused locations, with the attributes `tiling`,
    `predicted_cycles`, `predicted_dram_bytes`, `macs`, `bound` and
    `predicted_energy_pj`) holding `emitConv`'s instructions, and a final
    `npu.finish`. In the function the segment's ops are replaced by
    `nn.transpose` NCHW -> NHWC of each rank-4 input, `npu.launch
    @segment_<k>` and `nn.transpose` back of each output the host uses.

    Example:
    ```mlir
    %t = nn.transpose %x {perm = array<i64: 0, 2, 3, 1>} ...
    %r = npu.launch @segment_0(%t) : (tensor<1x8x8x16xi8>) -> tensor<1x8x8x16xi8>
    %y = nn.transpose %r {perm = array<i64: 0, 3, 1, 2>} ...
    ```
  }];
  let options = [
    Option<"hw", "hw", "std::string", /*default=*/"\"\"",
           "The hardware description npu.hardware was made from (preset or "
           "YAML file); empty: the preset named by npu.hardware">
  ];
  let dependentDialects = ["::tessera::npu::NPUDialect"];
}

#endif // TESSERA_CODEGEN_NPU_PASSES_TD
