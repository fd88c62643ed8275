; The host code of a GPU artifact as MLIR's lowering emits it, by hand: the
; kernel module loaded by a global constructor, a stream, device memory, a
; launch of copy_kernel (valid PTX for sm_90) on a copy of the float32[4]
; input, copied back; tessera_run returns tessera_gpu_status(). Linked with
; the GPU runtime by tessera-run-gpu.test.
@ptx = internal constant [99 x i8] c".version 8.0\0A.target sm_90\0A.address_size 64\0A\0A.visible .entry copy_kernel(.param .u64 p)\0A{\0A\09ret;\0A}\0A\00"
@name = internal constant [12 x i8] c"copy_kernel\00"
@module = internal global ptr null
@llvm.global_ctors = appending global [1 x { i32, ptr, ptr }] [{ i32, ptr, ptr } { i32 123, ptr @load, ptr null }]
@llvm.global_dtors = appending global [1 x { i32, ptr, ptr }] [{ i32, ptr, ptr } { i32 123, ptr @unload, ptr null }]

declare ptr @mgpuModuleLoadJIT(ptr, i32)
declare void @mgpuModuleUnload(ptr)
declare ptr @mgpuModuleGetFunction(ptr, ptr)
declare void @mgpuLaunchKernel(ptr, i64, i64, i64, i64, i64, i64, i32, ptr, ptr, ptr, i64)
declare ptr @mgpuStreamCreate()
declare void @mgpuStreamSynchronize(ptr)
declare void @mgpuStreamDestroy(ptr)
declare ptr @mgpuMemAlloc(i64, ptr, i8)
declare void @mgpuMemFree(ptr, ptr)
declare void @mgpuMemcpy(ptr, ptr, i64, ptr)
declare i32 @tessera_gpu_status()

define internal void @load() {
  %m = call ptr @mgpuModuleLoadJIT(ptr @ptx, i32 2)
  store ptr %m, ptr @module
  ret void
}

define internal void @unload() {
  %m = load ptr, ptr @module
  call void @mgpuModuleUnload(ptr %m)
  ret void
}

define i32 @tessera_run(ptr %inputs, ptr %outputs) {
  %in = load ptr, ptr %inputs
  %out = load ptr, ptr %outputs
  %s = call ptr @mgpuStreamCreate()
  %d = call ptr @mgpuMemAlloc(i64 16, ptr %s, i8 0)
  call void @mgpuMemcpy(ptr %d, ptr %in, i64 16, ptr %s)
  %slot = alloca ptr
  store ptr %d, ptr %slot
  %args = alloca [4 x ptr]
  store ptr %slot, ptr %args
  %a1 = getelementptr ptr, ptr %args, i64 1
  store ptr %slot, ptr %a1
  %a2 = getelementptr ptr, ptr %args, i64 2
  store ptr %slot, ptr %a2
  %a3 = getelementptr ptr, ptr %args, i64 3
  store ptr %slot, ptr %a3
  %m = load ptr, ptr @module
  %f = call ptr @mgpuModuleGetFunction(ptr %m, ptr @name)
  call void @mgpuLaunchKernel(ptr %f, i64 1, i64 1, i64 1, i64 4, i64 1, i64 1, i32 0, ptr %s, ptr %args, ptr null, i64 1)
  call void @mgpuMemcpy(ptr %out, ptr %d, i64 16, ptr %s)
  call void @mgpuMemFree(ptr %d, ptr %s)
  call void @mgpuStreamSynchronize(ptr %s)
  call void @mgpuStreamDestroy(ptr %s)
  %status = call i32 @tessera_gpu_status()
  ret i32 %status
}
