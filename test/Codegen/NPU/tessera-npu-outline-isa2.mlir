// RUN: tessera-opt %s --tessera-npu-attach-hw=hw=edge "--tessera-npu-place=cost-rule=false" --tessera-npu-outline | FileCheck %s
// RUN: tessera-opt %s --tessera-npu-attach-hw=hw=edge "--tessera-npu-place=cost-rule=false" --tessera-npu-outline -o %t.mlir
// RUN: %python %S/Inputs/check_dram.py %t.mlir | FileCheck %s --check-prefix=DRAM

// A residual block: conv1, conv2 and the integer Add of both, then a lookup
// table: one segment. conv1's result is read by conv2 and by the Add (its
// first operand), conv2's by the Add (its second): both are intermediates
// of the segment, whose only input is x and only output the table's.
// CHECK-LABEL: func.func @residual
// CHECK:       %[[T:.*]] = nn.transpose %arg0
// CHECK-NEXT:  %[[L:.*]] = npu.launch @segment_0(%[[T]]) : (tensor<1x8x8x16xi8>) -> tensor<1x8x8x16xi8>
// CHECK-NEXT:  %[[Y:.*]] = nn.transpose %[[L]]
// CHECK-NEXT:  return %[[Y]]
// CHECK:       npu.program @segment_0
// CHECK-NEXT:    npu.tensor input "segment_0.in0" at 0 : tensor<1x8x8x16xi8>
// CHECK-NEXT:    npu.tensor output "segment_0.out0" at 1024 : tensor<1x8x8x16xi8>
// CHECK:         npu.layer "conv1"
// CHECK:         npu.layer "conv2"
// CHECK:         npu.layer "add" attributes {bound = "{{.*}}", macs = 0 : i64, {{.*}}tiling = "rows={{[0-9]+}}"}
// CHECK:         npu.layer "sig"
// CHECK:         npu.finish
// DRAM: segment_0: {{[0-9]+}} tensors/constants, no overlap, all below dram_bytes
func.func @residual(%x: tensor<1x16x8x8xi8>) -> tensor<1x16x8x8xi8> {
  %w1 = nn.constant dense<1> : tensor<16x16x3x3xi8>
  %w2 = nn.constant dense<-1> : tensor<16x16x3x3xi8>
  %zp = nn.constant dense<-3> : tensor<i8>
  %zp32 = nn.constant dense<-3> : tensor<i32>
  %none = nn.none
  %conv1c = nn.conv_integer %x, %w1, %zp, %none {kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x16x8x8xi8>, tensor<16x16x3x3xi8>, tensor<i8>, none) -> tensor<1x16x8x8xi32> loc("conv1")
  %y1 = nn.requantize %conv1c {multiplier = array<i32: 1073741824>, shift = array<i32: 36>, zero_point = -3 : i32} : (tensor<1x16x8x8xi32>) -> tensor<1x16x8x8xi8> loc("conv1")
  %conv2c = nn.conv_integer %y1, %w2, %zp, %none {kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x16x8x8xi8>, tensor<16x16x3x3xi8>, tensor<i8>, none) -> tensor<1x16x8x8xi32> loc("conv2")
  %y2 = nn.requantize %conv2c {multiplier = array<i32: 1073741824>, shift = array<i32: 36>, zero_point = -3 : i32} : (tensor<1x16x8x8xi32>) -> tensor<1x16x8x8xi8> loc("conv2")
  %adda = nn.cast %y1 {to = i32} : (tensor<1x16x8x8xi8>) -> tensor<1x16x8x8xi32> loc("add")
  %addas = nn.sub %adda, %zp32 : (tensor<1x16x8x8xi32>, tensor<i32>) -> tensor<1x16x8x8xi32> loc("add")
  %addar = nn.requantize %addas {clamp_hi = 2147483647 : i32, clamp_lo = -2147483648 : i32, multiplier = array<i32: 1073741824>, shift = array<i32: 11>} : (tensor<1x16x8x8xi32>) -> tensor<1x16x8x8xi32> loc("add")
  %addb = nn.cast %y2 {to = i32} : (tensor<1x16x8x8xi8>) -> tensor<1x16x8x8xi32> loc("add")
  %addbs = nn.sub %addb, %zp32 : (tensor<1x16x8x8xi32>, tensor<i32>) -> tensor<1x16x8x8xi32> loc("add")
  %addbr = nn.requantize %addbs {clamp_hi = 2147483647 : i32, clamp_lo = -2147483648 : i32, multiplier = array<i32: 1431655765>, shift = array<i32: 11>} : (tensor<1x16x8x8xi32>) -> tensor<1x16x8x8xi32> loc("add")
  %adds = nn.add %addar, %addbr : (tensor<1x16x8x8xi32>, tensor<1x16x8x8xi32>) -> tensor<1x16x8x8xi32> loc("add")
  %y3 = nn.requantize %adds {clamp_lo = -5 : i32, multiplier = array<i32: 1342177280>, shift = array<i32: 50>, zero_point = -5 : i32} : (tensor<1x16x8x8xi32>) -> tensor<1x16x8x8xi8> loc("add")
  %y4 = nn.lookup_table %y3 {table = dense<"0x000306090C0F1215181B1E2124272A2D303336393C3F4245484B4E5154575A5D606366696C6F7275787B7E8184878A8D909396999C9FA2A5A8ABAEB1B4B7BABDC0C3C6C9CCCFD2D5D8DBDEE1E4E7EAEDF0F3F6F9FCFF0205080B0E1114171A1D202326292C2F3235383B3E4144474A4D505356595C5F6265686B6E7174777A7D808386898C8F9295989B9EA1A4A7AAADB0B3B6B9BCBFC2C5C8CBCED1D4D7DADDE0E3E6E9ECEFF2F5F8FBFE0104070A0D101316191C1F2225282B2E3134373A3D404346494C4F5255585B5E6164676A6D707376797C7F8285888B8E9194979A9DA0A3A6A9ACAFB2B5B8BBBEC1C4C7CACDD0D3D6D9DCDFE2E5E8EBEEF1F4F7FAFD"> : tensor<256xi8>} : (tensor<1x16x8x8xi8>) -> tensor<1x16x8x8xi8> loc("sig")
  return %y4 : tensor<1x16x8x8xi8>
}
