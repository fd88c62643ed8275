"""Prints the header of an NPU binary (docs/npu/binary-format.md), checking
the size and checksum independently of the C++ decoder."""
import struct
import sys

b = open(sys.argv[1], "rb").read()
print("magic", b[0:8].hex())
major, minor, header_size = struct.unpack_from("<HHI", b, 8)
print("version %d.%d" % (major, minor))
print("header_size", header_size)
checksum, size, hw_hash, dram, const_addr = struct.unpack_from("<QQQQQ", b, 16)
assert size == len(b), (size, len(b))
print("hw_hash %#x dram_bytes %#x constants_addr %#x" % (hw_hash, dram, const_addr))
sections = ["instructions", "constants", "tensors", "layers", "strings"]
offsets = []
for i, name in enumerate(sections):
    offset, length = struct.unpack_from("<QQ", b, 64 + 16 * i)
    offsets.append(offset)
    print(name, hex(offset), length)
h = 0xCBF29CE484222325
for i, byte in enumerate(b):
    if 16 <= i < 24:
        continue
    h = ((h ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
print("checksum", "ok" if h == checksum else "BAD")
print("inst0", b[offsets[0] : offsets[0] + 16].hex())
