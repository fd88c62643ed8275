"""Runs the host code of an Inputs/mgpu-*.mlir module (lowered by mlir-opt,
linked with the GPU runtime into a shared library) on the fake CUDA driver
and prints what the driver saw: runtime-abi.test checks it.

    run_mgpu.py launch|cluster|tma LIBRARY FAKE_DRIVER
"""
import ctypes
import os
import sys

kind, library, fake_path = sys.argv[1:4]
os.environ["TESSERA_CUDA_DRIVER"] = fake_path
fake = ctypes.CDLL(fake_path)
lib = ctypes.CDLL(library)
lib.tessera_gpu_error.restype = ctypes.c_char_p
i64 = ctypes.c_int64


class Descriptor2D(ctypes.Structure):
    _fields_ = [("allocated", ctypes.c_void_p), ("aligned", ctypes.c_void_p),
                ("offset", i64), ("sizes", i64 * 2), ("strides", i64 * 2)]


class TensorMap(ctypes.Structure):
    # FakeTensorMap (test/Unit/GPU/FakeCuda.h).
    _fields_ = [("dataType", ctypes.c_int), ("rank", ctypes.c_uint),
                ("address", ctypes.c_void_p), ("dims", ctypes.c_uint64 * 5),
                ("strides", ctypes.c_uint64 * 5), ("box", ctypes.c_uint * 5),
                ("elementStrides", ctypes.c_uint * 5),
                ("interleave", ctypes.c_int), ("swizzle", ctypes.c_int),
                ("l2Promotion", ctypes.c_int), ("oobFill", ctypes.c_int)]


def calls(*names):
    return " ".join("%s=%d" % (n, fake.fakeCudaCalls(n.encode())) for n in names)


if kind == "launch":
    # main(memref<128xf32>): copies in, sets 1.0, launches, copies back.
    buffer = (ctypes.c_float * 128)(*range(128))
    lib.main(buffer, buffer, i64(0), i64(128), i64(1))
    print("values", buffer[0], buffer[127])
    print(calls("cuModuleLoadDataEx", "cuLaunchKernel", "cuMemAlloc_v2",
                "cuMemcpyAsync", "cuMemsetD32Async", "cuStreamSynchronize"))
elif kind == "cluster":
    # main(memref<128xf16>, memref<*xf32> of a 2x3 buffer).
    halves = (ctypes.c_uint16 * 128)()
    floats = (ctypes.c_float * 6)()
    d = Descriptor2D(ctypes.addressof(floats), ctypes.addressof(floats), 0,
                     (2, 3), (3, 1))
    lib.main(halves, halves, i64(0), i64(128), i64(1), i64(2), ctypes.byref(d))
    print(calls("cuLaunchKernelEx", "cuMemsetD16Async", "cuEventRecord",
                "cuStreamWaitEvent", "cuMemHostRegister_v2",
                "cuMemHostUnregister"))
else:
    # main(memref<128x128xf16>) -> the device copy of its tensor map.
    buffer = (ctypes.c_uint16 * (128 * 128))()
    lib.main.restype = ctypes.c_void_p
    copy = lib.main(buffer, buffer, i64(0), i64(128), i64(128), i64(128), i64(1))
    fake.fakeCudaLastTensorMap.restype = ctypes.POINTER(TensorMap)
    t = fake.fakeCudaLastTensorMap().contents
    print("map", "copied" if copy else "null", "dtype", t.dataType, "rank",
          t.rank, "address", "ok" if t.address == ctypes.addressof(buffer)
          else "wrong", "dims", t.dims[0], t.dims[1], "stride", t.strides[0],
          "box", t.box[0], t.box[1], "swizzle", t.swizzle)
print("status", lib.tessera_gpu_status(), lib.tessera_gpu_error().decode())
