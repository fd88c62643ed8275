// The binary records the hash of the hardware description the module was
// compiled for: the one --npu-check-hw prints for the same preset.
// RUN: tessera-translate --npu-check-hw %tessera_src/lib/NPU/presets/mid.yaml > %t
// RUN: tessera-opt %s --tessera-npu-attach-hw=hw=mid | tessera-translate --npu-to-bin | tessera-translate --npu-bin-to-asm >> %t
// RUN: FileCheck %s < %t

// CHECK: # hash: [[HASH:0x[0-9a-f]+]]
// CHECK: .hw_hash [[HASH]]
npu.program @p {
  npu.finish
}
