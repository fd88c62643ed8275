// "npu" forced by the placement file on a lookup table for isa_version 1
// hardware: an error at the op naming ISA v2.
// RUN: not tessera-opt %s --tessera-npu-attach-hw=hw=%S/Inputs/edge-isa1.yaml "--tessera-npu-place=hw=%S/Inputs/edge-isa1.yaml placement-file=%S/Inputs/placement-lut-npu.json" 2>&1 | FileCheck %s

// CHECK: error: loc("sig"): placement file '{{.*}}placement-lut-npu.json': entry "sig": "npu", but the NPU cannot run it: a lookup-table activation (vec lut) needs ISA v2; hardware 'edge-isa1' has isa_version 1

func.func @main(%x: tensor<1x16x8x8xi8>) -> tensor<1x16x8x8xi8> {
  %y = nn.lookup_table %x {table = dense<3> : tensor<256xi8>} : (tensor<1x16x8x8xi8>) -> tensor<1x16x8x8xi8> loc("sig")
  return %y : tensor<1x16x8x8xi8>
}
