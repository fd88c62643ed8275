"""Writes a corrupted copy of an NPU binary (docs/npu/binary-format.md).

usage: corrupt.py IN OUT MODE; MODE names one corruption. Modes that must get
past the checksum recompute it (FNV-1a 64 over the file without bytes 16..23).
"""
import struct
import sys


def fnv1a64(data):
    h = 0xCBF29CE484222325
    for i, byte in enumerate(data):
        if 16 <= i < 24:
            continue
        h = ((h ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def fix_checksum(b):
    b[16:24] = struct.pack("<Q", fnv1a64(b))


src, dst, mode = sys.argv[1:4]
b = bytearray(open(src, "rb").read())
header = 144
if mode == "magic":
    b[0:8] = b"NOTNPU\0\0"
elif mode == "major":
    b[8:10] = struct.pack("<H", 3)
elif mode == "major1":  # a version-2 program under a 1.0 header
    b[8:10] = struct.pack("<H", 1)
    fix_checksum(b)
elif mode == "minor":
    b[10:12] = struct.pack("<H", 1)
elif mode == "truncate":
    b = b[: len(b) // 2]
elif mode == "trailing":
    b += b"\0"
elif mode == "checksum":
    b[header + 3] ^= 0x10  # a payload bit, checksum left stale
elif mode == "reserved":
    b[header + 16 * 3 + 15] |= 0x80  # bit 127 of instruction 3
    fix_checksum(b)
elif mode == "opcode":
    b[header + 16 * 5] = 0xEE
    fix_checksum(b)
elif mode == "section":
    strings = 64 + 16 * 4
    b[strings + 8 : strings + 16] = struct.pack("<Q", 1 << 40)
    fix_checksum(b)
elif mode == "layer":
    layers_offset, layers_size = struct.unpack_from("<QQ", b, 64 + 16 * 3)
    struct.pack_into("<I", b, layers_offset + 12, 999)  # end of layer 0
    fix_checksum(b)
else:
    sys.exit("unknown mode " + mode)
open(dst, "wb").write(bytes(b))
