//===- NPUOps.td - npu dialect operations ----------------*- tablegen -*-===//
//
// Part of Tessera. The program container, one op per ISA instruction
// (include/tessera/NPU/ISA.def) and the macro tile ops.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_DIALECT_NPU_NPUOPS_TD
#define TESSERA_DIALECT_NPU_NPUOPS_TD

include "NPU/NPUAttrs.td"
include "mlir/IR/OpBase.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"

class NPU_Op<string mnemonic, list<Trait> traits = []>
    : Op<NPU_Dialect, mnemonic, traits>;

//===----------------------------------------------------------------------===//
// Program structure
//===----------------------------------------------------------------------===//

def NPU_ProgramOp : NPU_Op<"program", [Symbol, IsolatedFromAbove, NoTerminator,
                                       SingleBlock]> {
  let summary = "An NPU program: tensor table, constants and instructions";
  let description = [{
    The unit that becomes one NPU binary (docs/npu/binary-format.md). Its
    body lists, in any order, the program's I/O tensors (`npu.tensor`) and
    constants (`npu.constant`), and the instructions in program order, either
    directly or grouped into `npu.layer`s. The instruction stream must end
    with `npu.finish` once translated.

    `dram_bytes` is the DRAM the program uses (inputs, outputs, constants and
    scratch); when absent the translation uses the end of the last tensor or
    constant. `hw_hash` records the hash of the hardware description of an
    imported binary; the module's `npu.hardware` attribute, when present,
    must agree with it.

    Example:
    ```mlir
    npu.program @relu {
      npu.tensor input "x" at 0 : tensor<16x16xi32>
      npu.tensor output "y" at 1024 : tensor<16x16xi32>
      npu.layer "Relu_0" {
        npu.config_load dram_stride = 64, sram_stride = 64, pad_value = 0
        npu.dma_load acc, sram_addr = 0, dram_addr = 0, rows = 16, cols = 16, pad = [0, 0, 0, 0] push_next
        npu.config_exec src_stride = 64, src2_stride = 0, dst_stride = 64
        npu.vec relu, src_addr = 0, src2_addr = 0, dst_mem = acc, dst_addr = 0, rows = 16, cols = 16 pop_prev push_next
        npu.config_store dram_stride = 64, sram_stride = 64
        npu.dma_store acc, sram_addr = 0, dram_addr = 1024, rows = 16, cols = 16 pop_prev
      }
      npu.finish
    }
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name,
                       OptionalAttr<NPU_I64Attr>:$dram_bytes,
                       OptionalAttr<NPU_I64Attr>:$hw_hash);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = "$sym_name attr-dict-with-keyword $body";
  let hasVerifier = 1;
  let builders = [
    OpBuilder<(ins "::llvm::StringRef":$name), [{
      $_state.addAttribute(getSymNameAttrName($_state.name),
                           $_builder.getStringAttr(name));
      $_state.addRegion()->emplaceBlock();
    }]>
  ];
}

def NPU_LaunchOp : NPU_Op<"launch", [DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "Run an NPU program on host tensors";
  let description = [{
    The host's side of an NPU segment: runs the module's `npu.program`
    `@program` with `inputs` bound to the program's input tensors and
    returns its output tensors, both in the order of the program's tensor
    table (the NPU layouts: NHWC int8 or int32). The host part of the
    `npu` target lowers it to a call of the runtime, which starts the
    program on the NPU device (the simulator).

    Example:
    ```mlir
    %y = npu.launch @segment_0(%x) : (tensor<1x32x32x16xi8>) -> tensor<1x16x16x16xi8>
    ```
  }];
  let arguments = (ins FlatSymbolRefAttr:$program,
                       Variadic<AnyRankedTensor>:$inputs);
  let results = (outs Variadic<AnyRankedTensor>:$results);
  let assemblyFormat =
      "$program `(` $inputs `)` attr-dict `:` functional-type($inputs, $results)";
}

def NPU_LayerOp : NPU_Op<"layer", [HasParent<"ProgramOp">, NoTerminator,
                                   SingleBlock]> {
  let summary = "The instructions of one layer, named after its ONNX node";
  let description = [{
    Groups consecutive instructions of a program into a layer; the
    translation records its instruction range under `name`, and the
    simulator reports cycles, utilization and energy per layer under that
    name (the ONNX node name, so reports line up with the model).

    Example:
    ```mlir
    npu.layer "Conv_0" {
      npu.preload sp_addr = 0, k = 16, n = 16, sp_stride = 16
      npu.matmul sp_addr = 256, acc_addr = 0, m = 16, sp_stride = 16, acc_stride = 64
    }
    ```
  }];
  let arguments = (ins StrAttr:$name);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = "$name attr-dict-with-keyword $body";
  let builders = [
    OpBuilder<(ins "::llvm::StringRef":$name), [{
      $_state.addAttribute(getNameAttrName($_state.name),
                           $_builder.getStringAttr(name));
      $_state.addRegion()->emplaceBlock();
    }]>
  ];
}

def NPU_TensorOp : NPU_Op<"tensor", [HasParent<"ProgramOp">]> {
  let summary = "A program input or output in DRAM";
  let description = [{
    One row of the program's I/O tensor table: a dense row-major tensor of
    i8, i32 or bf16 at byte address `dram_addr`.

    Example:
    ```mlir
    npu.tensor input "images" at 0 : tensor<1x224x224x3xi8>
    ```
  }];
  let arguments = (ins NPU_IOKind:$kind, StrAttr:$name, NPU_I64Attr:$dram_addr,
                       TypeAttrOf<AnyRankedTensor>:$type);
  let assemblyFormat = "$kind $name `at` $dram_addr `:` $type attr-dict";
  let hasVerifier = 1;
}

def NPU_ConstantOp : NPU_Op<"constant", [HasParent<"ProgramOp">]> {
  let summary = "Constant DRAM contents (weights, biases, requant tables)";
  let description = [{
    Bytes the program finds in DRAM at `dram_addr` when it starts: the
    elements of `value` (i8, i32 or bf16, little-endian, row-major). The
    translation merges all constants of a program into the container's one
    constant image, zero-filling the gaps; constants may not overlap.

    Example:
    ```mlir
    npu.constant "fc.weight" at 4096 = dense<1> : tensor<16x16xi8>
    npu.constant at 8192 = dense_resource<fc_bias> : tensor<16xi32>
    ```
  }];
  let arguments = (ins OptionalAttr<StrAttr>:$name, NPU_I64Attr:$dram_addr,
                       ElementsAttr:$value);
  let assemblyFormat = "($name^)? `at` $dram_addr `=` $value attr-dict";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Instructions: one op per row of ISA.def
//===----------------------------------------------------------------------===//

def NPU_InstOpInterface : OpInterface<"InstOpInterface"> {
  let cppNamespace = "::tessera::npu";
  let description = [{
    An op that is exactly one NPU instruction: its inherent attributes are
    the instruction's fields under their ISA.def names, plus the dependency
    flags `pop_prev`, `pop_next`, `push_prev`, `push_next`.
  }];
  let methods = [
    InterfaceMethod<"The ISA opcode of the instruction",
      "::tessera::npu::Opcode", "getOpcode", (ins), [{}],
      [{ return ConcreteOp::kOpcode; }]>
  ];
}

/// The dependency-token flags of every queue instruction and their syntax.
defvar NPU_DepArgs = (ins UnitAttr:$pop_prev, UnitAttr:$pop_next,
                          UnitAttr:$push_prev, UnitAttr:$push_next);
defvar NPU_DepFormat = " (`pop_prev` $pop_prev^)? (`pop_next` $pop_next^)?"
                       " (`push_prev` $push_prev^)? (`push_next` $push_next^)?"
                       " attr-dict";

/// One instruction. Its verifier converts the op to a tessera::npu::Inst and
/// checks it against the ISA table and the module's hardware description.
class NPU_InstOp<string mnemonic, string opcode, dag fields, string format>
    : NPU_Op<mnemonic, [NPU_InstOpInterface]> {
  let arguments = !con(fields, NPU_DepArgs);
  let assemblyFormat = !strconcat(format, NPU_DepFormat);
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    static constexpr ::tessera::npu::Opcode kOpcode =
        ::tessera::npu::Opcode::}] # opcode # [{;
  }];
  let extraClassDefinition = [{
    ::llvm::LogicalResult $cppClass::verify() {
      return ::tessera::npu::verifyInstOp(getOperation());
    }
  }];
}

def NPU_ConfigLoadOp : NPU_InstOp<"config_load", "ConfigLoad",
    (ins NPU_I64Attr:$dram_stride, NPU_I64Attr:$sram_stride, NPU_I64Attr:$pad_value),
    "`dram_stride` `=` $dram_stride `,` `sram_stride` `=` $sram_stride `,` "
    "`pad_value` `=` $pad_value"> {
  let summary = "Configure the strides and padding value of later dma_loads";
  let description = [{
    Load queue. Sets the DRAM and SRAM row strides (bytes) and the int8 value
    written into padding by the following `npu.dma_load`s of the load queue.

    Example:
    ```mlir
    npu.config_load dram_stride = 256, sram_stride = 64, pad_value = -128
    ```
  }];
}

def NPU_ConfigStoreOp : NPU_InstOp<"config_store", "ConfigStore",
    (ins NPU_I64Attr:$dram_stride, NPU_I64Attr:$sram_stride),
    "`dram_stride` `=` $dram_stride `,` `sram_stride` `=` $sram_stride"> {
  let summary = "Configure the strides of later dma_stores";
  let description = [{
    Store queue. Sets the DRAM and SRAM row strides (bytes) of the following
    `npu.dma_store`s.

    Example:
    ```mlir
    npu.config_store dram_stride = 256, sram_stride = 64
    ```
  }];
}

def NPU_ConfigExecOp : NPU_InstOp<"config_exec", "ConfigExec",
    (ins NPU_I64Attr:$src_stride, NPU_I64Attr:$src2_stride, NPU_I64Attr:$dst_stride),
    "`src_stride` `=` $src_stride `,` `src2_stride` `=` $src2_stride `,` "
    "`dst_stride` `=` $dst_stride"> {
  let summary = "Configure the row strides of later vec instructions";
  let description = [{
    Execute queue. Bytes between rows of the first and second source and of
    the destination of the following `npu.vec`s.

    Example:
    ```mlir
    npu.config_exec src_stride = 64, src2_stride = 0, dst_stride = 16
    ```
  }];
}

def NPU_ConfigQuantOp : NPU_InstOp<"config_quant", "ConfigQuant",
    (ins NPU_I64Attr:$multiplier, NPU_I64Attr:$shift, NPU_I64Attr:$zero_point,
         NPU_I64Attr:$clamp_lo, NPU_I64Attr:$clamp_hi, UnitAttr:$per_channel,
         NPU_I64Attr:$param_addr, UnitAttr:$bias, UnitAttr:$wide),
    "`multiplier` `=` $multiplier `,` `shift` `=` $shift `,` "
    "`zero_point` `=` $zero_point `,` `clamp` `=` `[` $clamp_lo `,` "
    "$clamp_hi `]` `,` `param_addr` `=` $param_addr "
    "(`per_channel` $per_channel^)? (`bias` $bias^)? (`wide` $wide^)?"> {
  let summary = "Configure the requantization of later vec requant";
  let description = [{
    Execute queue. Requantization parameters (docs/npu/numerics.md):
    `clamp(((acc * multiplier) >> shift, rounded) + zero_point, lo, hi)`.
    With `per_channel`, column j instead uses the int32 pair (multiplier,
    shift) stored in the accumulator at `param_addr + 8*j`.

    ISA version 2: with `bias` (needs `per_channel`) the entries are int32
    triples (multiplier, shift, bias) at `param_addr + 12*j` and `acc + bias`
    (wrapping) is requantized; with `wide` the result saturates to int32
    instead of the clamp, and the `vec requant` must write `acc`.

    Example:
    ```mlir
    npu.config_quant multiplier = 1073741824, shift = 33, zero_point = 0, clamp = [-128, 127], param_addr = 0
    npu.config_quant multiplier = 0, shift = 0, zero_point = 0, clamp = [-128, 127], param_addr = 1024 per_channel bias
    ```
  }];
}

def NPU_ConfigTapsOp : NPU_InstOp<"config_taps", "ConfigTaps",
    (ins NPU_I64Attr:$tap_cols, NPU_I64Attr:$tap_stride,
         NPU_I64Attr:$tap_row_stride),
    "`tap_cols` `=` $tap_cols `,` `tap_stride` `=` $tap_stride `,` "
    "`tap_row_stride` `=` $tap_row_stride"> {
  let summary = "Configure the tap geometry of later depthwise matmuls";
  let description = [{
    Execute queue, ISA version 2. Weight row `i` of a following
    `npu.matmul ... depthwise` reads its input at byte offset
    `(i / tap_cols) * tap_row_stride + (i % tap_cols) * tap_stride` from the
    row's start: the taps of a `KH x KW` depthwise kernel over an NHWC image
    are `tap_cols = KW`, `tap_stride` = the bytes of one pixel and
    `tap_row_stride` = the bytes of one image row.

    Example:
    ```mlir
    npu.config_taps tap_cols = 3, tap_stride = 32, tap_row_stride = 1856
    ```
  }];
}

def NPU_DmaLoadOp : NPU_InstOp<"dma_load", "DmaLoad",
    (ins NPU_MemorySpace:$mem, NPU_I64Attr:$sram_addr, NPU_I64Attr:$dram_addr,
         NPU_I64Attr:$rows, NPU_I64Attr:$cols, NPU_I64Attr:$pad_top, NPU_I64Attr:$pad_bottom,
         NPU_I64Attr:$pad_left, NPU_I64Attr:$pad_right),
    "$mem `,` `sram_addr` `=` $sram_addr `,` `dram_addr` `=` $dram_addr `,` "
    "`rows` `=` $rows `,` `cols` `=` $cols `,` `pad` `=` `[` $pad_top `,` "
    "$pad_bottom `,` $pad_left `,` $pad_right `]`"> {
  let summary = "2-D strided DRAM to SRAM copy with padding";
  let description = [{
    Load queue. Copies `rows` x `cols` elements (int8 into `sp`, int32 into
    `acc`) from `dram_addr` (row stride from `npu.config_load`) into a
    `(pad_top + rows + pad_bottom) x (pad_left + cols + pad_right)` block at
    `sram_addr`, filling the padding with the configured value. The verifier
    checks that the first row of the block fits the SRAM; the strides live in
    the preceding `npu.config_load`, so the whole extent is checked by the
    simulator.

    Example:
    ```mlir
    npu.dma_load sp, sram_addr = 0, dram_addr = 4096, rows = 16, cols = 64, pad = [1, 1, 1, 1] push_next
    ```
  }];
}

def NPU_DmaStoreOp : NPU_InstOp<"dma_store", "DmaStore",
    (ins NPU_MemorySpace:$mem, NPU_I64Attr:$sram_addr, NPU_I64Attr:$dram_addr,
         NPU_I64Attr:$rows, NPU_I64Attr:$cols),
    "$mem `,` `sram_addr` `=` $sram_addr `,` `dram_addr` `=` $dram_addr `,` "
    "`rows` `=` $rows `,` `cols` `=` $cols"> {
  let summary = "2-D strided SRAM to DRAM copy";
  let description = [{
    Store queue. Copies `rows` x `cols` elements from `sram_addr` to
    `dram_addr` with the strides of the last `npu.config_store`.

    Example:
    ```mlir
    npu.dma_store sp, sram_addr = 8192, dram_addr = 65536, rows = 16, cols = 16 pop_prev
    ```
  }];
}

def NPU_PreloadOp : NPU_InstOp<"preload", "Preload",
    (ins NPU_I64Attr:$sp_addr, NPU_I64Attr:$k, NPU_I64Attr:$n, NPU_I64Attr:$sp_stride),
    "`sp_addr` `=` $sp_addr `,` `k` `=` $k `,` `n` `=` $n `,` "
    "`sp_stride` `=` $sp_stride"> {
  let summary = "Load a k x n int8 weight block into the systolic array";
  let description = [{
    Execute queue. `W[i][j] = sp[sp_addr + i*sp_stride + j]` for `i < k`,
    `j < n`; `k` is at most the array's rows and `n` at most its columns.

    Example:
    ```mlir
    npu.preload sp_addr = 4096, k = 16, n = 16, sp_stride = 64
    ```
  }];
}

def NPU_MatmulOp : NPU_InstOp<"matmul", "Matmul",
    (ins NPU_I64Attr:$sp_addr, NPU_I64Attr:$acc_addr, NPU_I64Attr:$m, NPU_I64Attr:$sp_stride,
         NPU_I64Attr:$acc_stride, UnitAttr:$accumulate, UnitAttr:$depthwise),
    "`sp_addr` `=` $sp_addr `,` `acc_addr` `=` $acc_addr `,` `m` `=` $m `,` "
    "`sp_stride` `=` $sp_stride `,` `acc_stride` `=` $acc_stride "
    "(`accumulate` $accumulate^)? (`depthwise` $depthwise^)?"> {
  let summary = "Stream m input rows through the preloaded weights";
  let description = [{
    Execute queue. For each of `m` int8 rows at `sp_addr + r*sp_stride`,
    writes (or with `accumulate` adds) the row's product with the preloaded
    `k x n` weights as `n` int32 values at `acc_addr + r*acc_stride`.

    ISA version 2: with `depthwise`, column `j` multiplies weight row `i`
    with its own input byte, `sp[sp_addr + r*sp_stride + tap(i) + j]`, the
    tap offsets from the last `npu.config_taps` (a depthwise convolution,
    one channel per column, one kernel tap per weight row).

    Example:
    ```mlir
    npu.matmul sp_addr = 0, acc_addr = 0, m = 64, sp_stride = 64, acc_stride = 64 accumulate
    ```
  }];
}

def NPU_VecOp : NPU_InstOp<"vec", "Vec",
    (ins NPU_VectorFunc:$func, NPU_I64Attr:$src_addr, NPU_I64Attr:$src2_addr,
         NPU_MemorySpace:$dst_mem, NPU_I64Attr:$dst_addr, NPU_I64Attr:$rows,
         NPU_I64Attr:$cols),
    "$func `,` `src_addr` `=` $src_addr `,` `src2_addr` `=` $src2_addr `,` "
    "`dst_mem` `=` $dst_mem `,` `dst_addr` `=` $dst_addr `,` `rows` `=` $rows "
    "`,` `cols` `=` $cols"> {
  let summary = "Vector-unit operation over accumulator rows";
  let description = [{
    Execute queue. Applies `func` to `rows` x `cols` int32 accumulator
    elements (row strides from `npu.config_exec`): `requant` (parameters from
    `npu.config_quant`) writes int8 to `sp` or int32 to `acc`; `relu`, `add`
    and `max` (the latter two with the second source at `src2_addr`) write
    int32 to `acc`; `lut` (ISA version 2) looks each element, clamped to
    [-128, 127], up in the 256-byte int8 table at scratchpad address
    `src2_addr` and writes int8 to `sp` or int32 to `acc`.

    Example:
    ```mlir
    npu.vec requant, src_addr = 0, src2_addr = 0, dst_mem = sp, dst_addr = 8192, rows = 16, cols = 16
    ```
  }];
}

def NPU_FenceOp : NPU_Op<"fence", [NPU_InstOpInterface]> {
  let summary = "Wait until every queue has drained";
  let description = [{
    Control. Dispatch stops until the load, execute and store queues are
    empty. Takes no dependency flags.

    Example:
    ```mlir
    npu.fence
    ```
  }];
  let assemblyFormat = "attr-dict";
  let extraClassDeclaration = [{
    static constexpr ::tessera::npu::Opcode kOpcode =
        ::tessera::npu::Opcode::Fence;
  }];
}

def NPU_FinishOp : NPU_Op<"finish", [NPU_InstOpInterface]> {
  let summary = "End of the program";
  let description = [{
    Control. Completes when every queue has drained; the last instruction of
    every program.

    Example:
    ```mlir
    npu.finish
    ```
  }];
  let assemblyFormat = "attr-dict";
  let extraClassDeclaration = [{
    static constexpr ::tessera::npu::Opcode kOpcode =
        ::tessera::npu::Opcode::Finish;
  }];
}

//===----------------------------------------------------------------------===//
// Macro tile ops
//===----------------------------------------------------------------------===//

/// The optional requantize/ReLU epilogue and the dependency flags that the
/// expansion puts on its first (pops) and last (pushes) instruction.
defvar NPU_TileEpilogueArgs = !con(
    (ins UnitAttr:$accumulate, UnitAttr:$relu,
         OptionalAttr<NPU_I64Attr>:$multiplier,
         OptionalAttr<NPU_I64Attr>:$shift,
         OptionalAttr<NPU_I64Attr>:$zero_point,
         OptionalAttr<NPU_I64Attr>:$clamp_lo,
         OptionalAttr<NPU_I64Attr>:$clamp_hi,
         OptionalAttr<NPU_I64Attr>:$out_addr,
         OptionalAttr<NPU_I64Attr>:$out_stride),
    NPU_DepArgs);
defvar NPU_TileEpilogueFormatNoDeps =
    " (`accumulate` $accumulate^)? (`relu` $relu^)?"
    " (`requant` `(` `multiplier` `=` $multiplier^ `,` `shift` `=` $shift `,`"
    " `zero_point` `=` $zero_point `,` `clamp` `=` `[` $clamp_lo `,` $clamp_hi"
    " `]` `)` `out` `=` `sp` `[` $out_addr `]` `stride` $out_stride)?";

def NPU_TileMatmulOp : NPU_Op<"tile_matmul"> {
  let summary = "An int8 M x K x N matmul tile held in the SRAMs";
  let description = [{
    `C[M][N] (+)= A[M][K] * B[K][N]`: A (int8, row stride `a` stride) and B
    (int8) in the scratchpad, C (int32) in the accumulator. With
    `accumulate`, the products are added to C; otherwise C is overwritten.
    Optional epilogue: `relu` on C, then `requant(...)` writes
    `requantize(C)` as int8 to the scratchpad at `out`. The dependency flags
    go to the first (pops) and last (pushes) instruction of the expansion.

    The verifier checks that every operand region fits its SRAM of the
    module's hardware; `tessera-npu-expand-tiles` blocks k by the array's
    rows and n by its columns into `npu.preload`/`npu.matmul` and the
    epilogue into `npu.config_exec`/`npu.config_quant`/`npu.vec`.

    Example:
    ```mlir
    npu.tile_matmul m = 64, k = 64, n = 64, a = sp[0] stride 64, b = sp[4096] stride 64, c = acc[0] stride 256 relu requant(multiplier = 1073741824, shift = 36, zero_point = 0, clamp = [-128, 127]) out = sp[8192] stride 64
    ```
  }];
  let arguments = !con(
      (ins NPU_I64Attr:$m, NPU_I64Attr:$k, NPU_I64Attr:$n, NPU_I64Attr:$a_addr,
           NPU_I64Attr:$a_stride, NPU_I64Attr:$b_addr, NPU_I64Attr:$b_stride,
           NPU_I64Attr:$c_addr, NPU_I64Attr:$c_stride),
      NPU_TileEpilogueArgs);
  let assemblyFormat = !strconcat(
      "`m` `=` $m `,` `k` `=` $k `,` `n` `=` $n `,` `a` `=` `sp` `[` $a_addr "
      "`]` `stride` $a_stride `,` `b` `=` `sp` `[` $b_addr `]` `stride` "
      "$b_stride `,` `c` `=` `acc` `[` $c_addr `]` `stride` $c_stride",
      NPU_TileEpilogueFormatNoDeps, NPU_DepFormat);
  let hasVerifier = 1;
}

def NPU_TileConvOp : NPU_Op<"tile_conv"> {
  let summary = "An int8 2-D convolution tile held in the SRAMs";
  let description = [{
    A convolution of an already padded input image in the scratchpad:
    - `in = sp[addr] row_stride s, channels = Cin`: pixel (y, x) channel c is
      the int8 at `addr + y*s + x*Cin + c` (channels contiguous, padding
      already in the image, e.g. written by `npu.dma_load`'s padding);
    - `kernel = [KH, KW]`, `strides = [SH, SW]` (no dilation);
    - `out = [OH, OW, Cout]`: output pixel (oy, ox) reads input pixels
      (oy*SH + ky, ox*SW + kx);
    - `w = sp[addr] stride ws`: weight (ky, kx, c, o) is the int8 at
      `addr + ((ky*KW + kx)*Cin + c)*ws + o`, i.e. a (KH*KW*Cin) x Cout
      matrix in HWIO order;
    - `c = acc[addr] stride cs`: output pixel (oy, ox) is the row of Cout
      int32 at `addr + (oy*OW + ox)*cs`.
    Accumulate flag and epilogue as `npu.tile_matmul` over the OH*OW output
    rows. The expansion computes the convolution as a sum of KH*KW shifted
    matmuls: for each kernel tap and k/n block one `npu.preload`, then one
    `npu.matmul` per output row streaming OW pixels with sp_stride SW*Cin.

    Example:
    ```mlir
    npu.tile_conv in = sp[0] row_stride 288, channels = 16, kernel = [3, 3], strides = [1, 1], out = [16, 16, 16], w = sp[8192] stride 16, c = acc[0] stride 64
    ```
  }];
  let arguments = !con(
      (ins NPU_I64Attr:$in_addr, NPU_I64Attr:$in_row_stride,
           NPU_I64Attr:$in_channels, NPU_I64Attr:$kernel_h,
           NPU_I64Attr:$kernel_w, NPU_I64Attr:$stride_h, NPU_I64Attr:$stride_w,
           NPU_I64Attr:$out_h, NPU_I64Attr:$out_w, NPU_I64Attr:$out_channels,
           NPU_I64Attr:$w_addr, NPU_I64Attr:$w_stride, NPU_I64Attr:$c_addr,
           NPU_I64Attr:$c_stride),
      NPU_TileEpilogueArgs);
  let assemblyFormat = !strconcat(
      "`in` `=` `sp` `[` $in_addr `]` `row_stride` $in_row_stride `,` "
      "`channels` `=` $in_channels `,` `kernel` `=` `[` $kernel_h `,` "
      "$kernel_w `]` `,` `strides` `=` `[` $stride_h `,` $stride_w `]` `,` "
      "`out` `=` `[` $out_h `,` $out_w `,` $out_channels `]` `,` `w` `=` `sp` "
      "`[` $w_addr `]` `stride` $w_stride `,` `c` `=` `acc` `[` $c_addr `]` "
      "`stride` $c_stride",
      NPU_TileEpilogueFormatNoDeps, NPU_DepFormat);
  let hasVerifier = 1;
}

#endif // TESSERA_DIALECT_NPU_NPUOPS_TD
