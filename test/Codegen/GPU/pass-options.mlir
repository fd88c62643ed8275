// Every GPU pass that takes the chip and precision checks them.
// RUN: not tessera-opt %s --tessera-gpu-gemmify=chip=sm_100 2>&1 | FileCheck %s --check-prefix=CHIP
// RUN: not tessera-opt %s --tessera-gpu-tile=chip=sm_70 2>&1 | FileCheck %s --check-prefix=CHIP70
// RUN: not tessera-opt %s --tessera-gpu-map=chip=sm_100 2>&1 | FileCheck %s --check-prefix=CHIP
// RUN: not tessera-opt %s --tessera-gpu-ptx=chip=sm_100 2>&1 | FileCheck %s --check-prefix=CHIP
// RUN: not tessera-opt %s --tessera-gpu-gemmify=precision=fp8 2>&1 | FileCheck %s --check-prefix=PRECISION
// RUN: not tessera-opt %s --tessera-gpu-tile=precision=bf16 2>&1 | FileCheck %s --check-prefix=BF16
// RUN: not tessera-opt %s --tessera-gpu-map=precision=fp8 2>&1 | FileCheck %s --check-prefix=PRECISION
// RUN: not tessera-opt %s --tessera-gpu-ptx=precision=fp8 2>&1 | FileCheck %s --check-prefix=PRECISION
// CHIP: error: unknown GPU chip 'sm_100'; known chips: sm_80, sm_86, sm_89, sm_90, sm_90a
// CHIP70: error: unknown GPU chip 'sm_70'; known chips: sm_80, sm_86, sm_89, sm_90, sm_90a
// PRECISION: error: unknown precision 'fp8' (fp32 or fp16)
// BF16: error: unknown precision 'bf16' (fp32 or fp16)

func.func @main(%a: tensor<4xf32>) -> tensor<4xf32> {
  return %a : tensor<4xf32>
}
