// RUN: tessera-opt %s -split-input-file --tessera-npu-attach-hw=hw=edge "--tessera-npu-place=cost-rule=false" | FileCheck %s
// RUN: tessera-opt %s -split-input-file --tessera-npu-attach-hw=hw=%S/Inputs/edge-isa1.yaml "--tessera-npu-place=hw=%S/Inputs/edge-isa1.yaml cost-rule=false" | FileCheck %s --check-prefix=ISA1

// The ISA v2 layers (docs/npu/compiler.md): the integer residual Add
// between two convolutions, a lookup table alone and after a convolution,
// and the average pooling. On isa_version 1 hardware they stay on the host
// with a reason naming ISA v2.

// Both convolutions and the Add (two cast + sub + requantize chains, the
// add and the final requantize) are NPU layers.
// CHECK-LABEL: func.func @residual
// CHECK:       nn.conv_integer {{.*}}npu.place = "npu"
// CHECK:       nn.conv_integer {{.*}}npu.place = "npu"
// CHECK:       nn.cast {{.*}}npu.place = "npu", npu.tiling = "rows={{[0-9]+}}"
// CHECK:       nn.sub {{.*}}npu.place = "npu"
// CHECK:       nn.requantize {{.*}}npu.place = "npu"
// CHECK:       nn.cast {{.*}}npu.place = "npu"
// CHECK-NOT:   npu.tiling
// CHECK:       nn.add {{.*}}npu.place = "npu"
// CHECK:       nn.requantize {{.*}}npu.place = "npu"
// ISA1-LABEL:  func.func @residual
// ISA1:        nn.conv_integer {{.*}}npu.place = "npu"
// ISA1:        nn.conv_integer {{.*}}npu.place = "npu"
// ISA1:        nn.cast {{.*}}npu.place = "host", npu.reason = "the integer residual Add (config_quant wide) needs ISA v2
// ISA1:        nn.add {{.*}}npu.place = "host", npu.reason = "the integer residual Add (config_quant wide) needs ISA v2; hardware 'edge-isa1' has isa_version 1"
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
  return %y3 : tensor<1x16x8x8xi8>
}

// -----

// A lookup table alone is an elementwise layer.
// CHECK-LABEL: func.func @lut
// CHECK:       nn.lookup_table {{.*}}npu.place = "npu", npu.tiling = "rows={{[0-9]+}}"
// ISA1-LABEL:  func.func @lut
// ISA1:        nn.lookup_table {{.*}}npu.place = "host", npu.reason = "a lookup-table activation (vec lut) needs ISA v2; hardware 'edge-isa1' has isa_version 1"
func.func @lut(%x: tensor<1x16x8x8xi8>) -> tensor<1x16x8x8xi8> {
  %y = nn.lookup_table %x {table = dense<"0x000306090C0F1215181B1E2124272A2D303336393C3F4245484B4E5154575A5D606366696C6F7275787B7E8184878A8D909396999C9FA2A5A8ABAEB1B4B7BABDC0C3C6C9CCCFD2D5D8DBDEE1E4E7EAEDF0F3F6F9FCFF0205080B0E1114171A1D202326292C2F3235383B3E4144474A4D505356595C5F6265686B6E7174777A7D808386898C8F9295989B9EA1A4A7AAADB0B3B6B9BCBFC2C5C8CBCED1D4D7DADDE0E3E6E9ECEFF2F5F8FBFE0104070A0D101316191C1F2225282B2E3134373A3D404346494C4F5255585B5E6164676A6D707376797C7F8285888B8E9194979A9DA0A3A6A9ACAFB2B5B8BBBEC1C4C7CACDD0D3D6D9DCDFE2E5E8EBEEF1F4F7FAFD"> : tensor<256xi8>} : (tensor<1x16x8x8xi8>) -> tensor<1x16x8x8xi8> loc("sig")
  return %y : tensor<1x16x8x8xi8>
}

// -----

// After a convolution the table is its epilogue (ConvLayer::table); on ISA
// v1 the convolution runs without it.
// CHECK-LABEL: func.func @conv_lut
// CHECK:       nn.conv_integer {{.*}}npu.place = "npu", npu.tiling
// CHECK:       nn.requantize {{.*}}npu.place = "npu"
// CHECK:       nn.lookup_table {{.*}}npu.place = "npu"
// CHECK-NOT:   npu.tiling
// ISA1-LABEL:  func.func @conv_lut
// ISA1:        nn.conv_integer {{.*}}npu.place = "npu"
// ISA1:        nn.lookup_table {{.*}}npu.place = "host", npu.reason = "a lookup-table activation (vec lut) needs ISA v2
func.func @conv_lut(%x: tensor<1x16x8x8xi8>) -> tensor<1x16x8x8xi8> {
  %w1 = nn.constant dense<1> : tensor<16x16x3x3xi8>
  %w2 = nn.constant dense<-1> : tensor<16x16x3x3xi8>
  %zp = nn.constant dense<-3> : tensor<i8>
  %zp32 = nn.constant dense<-3> : tensor<i32>
  %none = nn.none
  %conv1c = nn.conv_integer %x, %w1, %zp, %none {kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x16x8x8xi8>, tensor<16x16x3x3xi8>, tensor<i8>, none) -> tensor<1x16x8x8xi32> loc("conv1")
  %y1 = nn.requantize %conv1c {multiplier = array<i32: 1073741824>, shift = array<i32: 36>, zero_point = -3 : i32} : (tensor<1x16x8x8xi32>) -> tensor<1x16x8x8xi8> loc("conv1")
  %y2 = nn.lookup_table %y1 {table = dense<"0x000306090C0F1215181B1E2124272A2D303336393C3F4245484B4E5154575A5D606366696C6F7275787B7E8184878A8D909396999C9FA2A5A8ABAEB1B4B7BABDC0C3C6C9CCCFD2D5D8DBDEE1E4E7EAEDF0F3F6F9FCFF0205080B0E1114171A1D202326292C2F3235383B3E4144474A4D505356595C5F6265686B6E7174777A7D808386898C8F9295989B9EA1A4A7AAADB0B3B6B9BCBFC2C5C8CBCED1D4D7DADDE0E3E6E9ECEFF2F5F8FBFE0104070A0D101316191C1F2225282B2E3134373A3D404346494C4F5255585B5E6164676A6D707376797C7F8285888B8E9194979A9DA0A3A6A9ACAFB2B5B8BBBEC1C4C7CACDD0D3D6D9DCDFE2E5E8EBEEF1F4F7FAFD"> : tensor<256xi8>} : (tensor<1x16x8x8xi8>) -> tensor<1x16x8x8xi8> loc("hswish")
  return %y2 : tensor<1x16x8x8xi8>
}

// -----

// tessera-quantize's AveragePool (a window sum per channel with weights 1)
// is a pooling layer; on ISA v1 it runs as the grouped convolution it is.
// CHECK-LABEL: func.func @avg_pool
// CHECK:       nn.conv_integer {{.*}}npu.place = "npu", npu.tiling = "rows={{[0-9]+}} ch={{[0-9]+}}"
// ISA1-LABEL:  func.func @avg_pool
// ISA1:        nn.conv_integer {{.*}}npu.place = "npu", npu.tiling = "rows={{[0-9]+}} ch={{[0-9]+}} {{(weights|inputs)}}-outer
func.func @avg_pool(%x: tensor<1x16x8x8xi8>) -> tensor<1x16x4x4xi8> {
  %ones = nn.constant dense<1> : tensor<16x1x3x3xi8>
  %zp = nn.constant dense<-3> : tensor<i8>
  %none = nn.none
  %s = nn.conv_integer %x, %ones, %zp, %none {group = 16 : i64, kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x16x8x8xi8>, tensor<16x1x3x3xi8>, tensor<i8>, none) -> tensor<1x16x4x4xi32> loc("avg")
  %y = nn.requantize %s {multiplier = array<i32: 1908874354>, shift = array<i32: 34>, zero_point = -3 : i32} : (tensor<1x16x4x4xi32>) -> tensor<1x16x4x4xi8> loc("avg")
  return %y : tensor<1x16x4x4xi8>
}
