/**
 * Backend-level helpers for kernels written on top of other wasm kernels.
 *
 * A kernel function receives and returns `TensorInfo`s (backend data with a ref count, no engine
 * `Tensor`), so composite kernels call the other kernels' functions directly, as tfjs's own backends
 * do, and free their intermediates with `backend.disposeData`.
 */
import { getKernel, type NamedAttrMap, type NamedTensorInfoMap, type TensorInfo, type DataType } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** Run the wasm kernel `name` on backend-level inputs; the caller owns (and frees) the result. */
export function callWasm(backend: BackendWasm, name: string, inputs: NamedTensorInfoMap, attrs: NamedAttrMap = {}): TensorInfo {
  const kernel = getKernel(name, 'wasm');
  if (!kernel) throw new Error(`wasm grad kernels: kernel ${name} is not registered for backend wasm`);
  const out = kernel.kernelFunc({ inputs, attrs, backend });
  if (Array.isArray(out)) throw new Error(`wasm grad kernels: kernel ${name} returned ${out.length} outputs, expected 1`);
  return out;
}

/** Release intermediates made by `callWasm`/`makeOutput`. */
export function free(backend: BackendWasm, ...infos: TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

/** A float32/int32 view of a tensor on the wasm heap. Take views only after the last allocation. */
export function heapView(backend: BackendWasm, info: TensorInfo): Float32Array | Int32Array {
  const view = backend.typedArrayFromHeap(info);
  if (!(view instanceof Float32Array) && !(view instanceof Int32Array)) {
    throw new Error(`wasm grad kernels: dtype ${info.dtype} is not supported (float32/int32 only)`);
  }
  return view;
}

/** Allocate an output and zero it. */
export function zeros(backend: BackendWasm, shape: number[], dtype: DataType = 'float32'): TensorInfo {
  const out = backend.makeOutput(shape, dtype);
  heapView(backend, out).fill(0);
  return out;
}

/** A reshaped alias (shares data, own ref count). */
export function reshape(backend: BackendWasm, x: TensorInfo, shape: number[]): TensorInfo {
  return callWasm(backend, 'Reshape', { x }, { shape });
}

/** Transpose into a new tensor. */
export function transpose(backend: BackendWasm, x: TensorInfo, perm: number[]): TensorInfo {
  return callWasm(backend, 'Transpose', { x }, { perm });
}
