"""Runs an npu artifact's library directly, without the Tessera runtime (so
no NPU device is installed): tessera_run must fail with a clear message on
stderr instead of crashing. Prints the return code."""
import ctypes
import sys

lib = ctypes.CDLL(sys.argv[1] + "/model.so")
x = (ctypes.c_int8 * (16 * 8 * 32))()
y = (ctypes.c_int8 * (16 * 8 * 32))()
inputs = (ctypes.c_void_p * 1)(ctypes.addressof(x))
outputs = (ctypes.c_void_p * 1)(ctypes.addressof(y))
lib.tessera_run.restype = ctypes.c_int32
sys.stderr.flush()
print("tessera_run returned", lib.tessera_run(inputs, outputs), flush=True)
