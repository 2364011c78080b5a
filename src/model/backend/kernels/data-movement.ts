/**
 * Data-movement kernels for the wasm backend where tfjs-backend-wasm 4.22 copies one innermost row at a time with
 * `set(subarray(…))` (a typed-array view allocated per row): Slice, Concat and Pack whose innermost run is short, and
 * GatherV2 of short rows. The cascade's bilinear sampler does exactly that — it stacks the grid's x and y into
 * [B, H, W, 2], slices them apart again, and gathers 1-channel pixels — which made Pack, Slice and GatherV2 ~20% of a
 * batch-1 forward pass (bench/results/SUMMARY.md). Here short runs are copied with a plain loop, long runs with one
 * `copyWithin`/`set`; results are identical (pure copies). Any dtype the wasm heap holds (float32, int32, bool).
 */
import { slice_util, util, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

type Heap = Float32Array | Int32Array | Uint8Array;
const heap = (backend: BackendWasm, t: TensorInfo): Heap => {
  if (t.dtype === 'string' || t.dtype === 'complex64') throw new Error(`wasm data-movement kernels: dtype ${t.dtype} is not supported`);
  return backend.typedArrayFromHeap(t) as Heap;
};

/** Copy n values src[s…] → dst[d…]; a loop for short runs (no view allocation), one set() for long ones. */
function run(src: Heap, s: number, dst: Heap, d: number, n: number): void {
  if (n < 32) for (let k = 0; k < n; k++) dst[d + k] = src[s + k];
  else dst.set(src.subarray(s, s + n), d);
}

/** Slice: begin/size as tf.slice takes them (size −1 = to the end). */
export function sliceWasm(args: { inputs: { x?: TensorInfo }; backend: BackendWasm; attrs: { begin: number | number[]; size: number | number[] } }): TensorInfo {
  const { backend } = args;
  const x = args.inputs.x;
  if (!x) throw new Error('Slice (wasm): input x is required');
  const [begin, size] = slice_util.parseSliceParams(x as never, args.attrs.begin, args.attrs.size);
  slice_util.assertParamsValid(x as never, begin, size);
  const out = backend.makeOutput(size, x.dtype);
  const total = util.sizeFromShape(size);
  if (total === 0) return out;
  const src = heap(backend, x);
  const dst = heap(backend, out);
  const rank = x.shape.length;
  if (rank === 0) {
    dst[0] = src[0];
    return out;
  }
  const strides = util.computeStrides(x.shape);
  if (slice_util.isSliceContinous(x.shape, begin, size)) {
    const off = slice_util.computeFlatOffset(begin, strides);
    dst.set(src.subarray(off, off + total));
    return out;
  }
  // Innermost contiguous run: trailing axes taken whole, times the first partial axis from the end.
  let inner = rank - 1;
  while (inner > 0 && begin[inner] === 0 && size[inner] === x.shape[inner]) inner--;
  const runLen = size.slice(inner).reduce((a, b) => a * b, 1);
  const xStride = (d: number): number => (d === rank - 1 ? 1 : strides[d]);
  // Odometer over the axes before `inner`, moving the source offset incrementally (no recursion per row).
  const count = size.slice(0, inner).reduce((a, b) => a * b, 1);
  const step = Array.from({ length: inner }, (_, d) => xStride(d));
  const idx = new Array<number>(inner).fill(0);
  let base = 0;
  for (let d = 0; d <= inner; d++) base += begin[d] * xStride(d);
  let o = 0;
  for (let r = 0; r < count; r++) {
    if (runLen === 1) dst[o] = src[base];
    else run(src, base, dst, o, runLen);
    o += runLen;
    for (let d = inner - 1; d >= 0; d--) {
      base += step[d];
      if (++idx[d] < size[d]) break;
      base -= size[d] * step[d];
      idx[d] = 0;
    }
  }
  return out;
}

/** Concat along `axis` (negative allowed); empty inputs are skipped. */
export function concatWasm(args: { inputs: TensorInfo[] | Record<string, TensorInfo>; backend: BackendWasm; attrs: { axis: number } }): TensorInfo {
  const { backend } = args;
  const inputs = (Array.isArray(args.inputs) ? args.inputs : Object.values(args.inputs)) as TensorInfo[];
  if (inputs.length === 0) throw new Error('Concat (wasm): no inputs');
  const axis = util.parseAxisParam(args.attrs.axis, inputs[0].shape)[0];
  const shapes = inputs.map((t) => t.shape);
  const outShape = shapes[0].slice();
  outShape[axis] = shapes.reduce((a, s) => a + s[axis], 0);
  for (const s of shapes) {
    if (s.length !== outShape.length || s.some((d, i) => i !== axis && d !== outShape[i])) {
      throw new Error(`Concat (wasm): shapes [${shapes.map((q) => `[${q}]`).join(', ')}] do not match except along axis ${axis}`);
    }
  }
  const dtype = inputs[0].dtype;
  return copyConcat(backend, inputs, outShape, axis, dtype);
}

function copyConcat(backend: BackendWasm, inputs: TensorInfo[], outShape: number[], axis: number, dtype: TensorInfo['dtype']): TensorInfo {
  const out = backend.makeOutput(outShape, dtype);
  if (util.sizeFromShape(outShape) === 0) return out;
  const outer = outShape.slice(0, axis).reduce((a, b) => a * b, 1);
  const inners = inputs.map((t) => t.shape.slice(axis).reduce((a, b) => a * b, 1));
  const rowOut = inners.reduce((a, b) => a + b, 0);
  const srcs = inputs.map((t) => heap(backend, t));
  const dst = heap(backend, out);
  let colOff = 0;
  for (let j = 0; j < inputs.length; j++) {
    const n = inners[j];
    if (n === 0) continue;
    const src = srcs[j];
    if (n === 1) for (let o = 0; o < outer; o++) dst[o * rowOut + colOff] = src[o];
    else for (let o = 0; o < outer; o++) run(src, o * n, dst, o * rowOut + colOff, n);
    colOff += n;
  }
  return out;
}

/** Pack (tf.stack): same-shape inputs, a new axis at `axis`. */
export function packWasm(args: { inputs: TensorInfo[] | Record<string, TensorInfo>; backend: BackendWasm; attrs: { axis: number } }): TensorInfo {
  const { backend } = args;
  const inputs = (Array.isArray(args.inputs) ? args.inputs : Object.values(args.inputs)) as TensorInfo[];
  if (inputs.length === 0) throw new Error('Pack (wasm): no inputs');
  const shape = inputs[0].shape;
  for (const t of inputs) if (!util.arraysEqual(t.shape, shape)) throw new Error(`Pack (wasm): all inputs must have shape [${shape}], got [${t.shape}]`);
  const rank = shape.length + 1;
  const axis = args.attrs.axis < 0 ? args.attrs.axis + rank : args.attrs.axis;
  if (axis < 0 || axis >= rank) throw new Error(`Pack (wasm): axis ${args.attrs.axis} out of range for rank ${rank}`);
  // Stacking at `axis` = concatenating inputs of shape [..., 1 at axis, ...] along it: same bytes, no reshape needed.
  const expanded = inputs.map((t) => ({ ...t, shape: [...shape.slice(0, axis), 1, ...shape.slice(axis)] }));
  const outShape = [...shape.slice(0, axis), inputs.length, ...shape.slice(axis)];
  return copyConcat(backend, expanded, outShape, axis, inputs[0].dtype);
}

/** GatherV2 with batchDims 0: rows of x along `axis` picked by int32 indices (out of range → an Error). */
export function gatherV2Wasm(args: { inputs: { x?: TensorInfo; indices?: TensorInfo }; backend: BackendWasm; attrs: { axis: number; batchDims: number } }): TensorInfo {
  const { backend } = args;
  const { x, indices } = args.inputs;
  if (!x || !indices) throw new Error('GatherV2 (wasm): inputs x and indices are required');
  if ((args.attrs.batchDims ?? 0) !== 0) throw new Error(`GatherV2 (wasm): batchDims ${args.attrs.batchDims} is not supported (0 only)`);
  const axis = util.parseAxisParam(args.attrs.axis, x.shape)[0];
  const outer = x.shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const dim = x.shape[axis];
  const inner = x.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const nIdx = util.sizeFromShape(indices.shape);
  const outShape = [...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)];
  const out = backend.makeOutput(outShape, x.dtype);
  if (util.sizeFromShape(outShape) === 0) return out;
  const src = heap(backend, x);
  const idx = heap(backend, indices);
  const dst = heap(backend, out);
  for (let k = 0; k < nIdx; k++) {
    const v = idx[k];
    if (!(v >= 0 && v < dim)) throw new Error(`GatherV2: the index value ${v} is not in [0, ${dim - 1}]`);
  }
  for (let o = 0; o < outer; o++) {
    const sBase = o * dim * inner, dBase = o * nIdx * inner;
    if (inner === 1) for (let k = 0; k < nIdx; k++) dst[dBase + k] = src[sBase + idx[k]];
    else for (let k = 0; k < nIdx; k++) run(src, sBase + idx[k] * inner, dst, dBase + k * inner, inner);
  }
  return out;
}

export const sliceConfig: KernelConfig = { kernelName: 'Slice', backendName: 'wasm', kernelFunc: sliceWasm as unknown as KernelFunc };
export const concatConfig: KernelConfig = { kernelName: 'Concat', backendName: 'wasm', kernelFunc: concatWasm as unknown as KernelFunc };
export const packConfig: KernelConfig = { kernelName: 'Pack', backendName: 'wasm', kernelFunc: packWasm as unknown as KernelFunc };
export const gatherV2Config: KernelConfig = { kernelName: 'GatherV2', backendName: 'wasm', kernelFunc: gatherV2Wasm as unknown as KernelFunc };

/**
 * Identity without a copy (as the cpu backend does it): the output shares the input's data, one more reference.
 * tfjs-backend-wasm copies the whole tensor; a training step calls Identity thousands of times (clones, kept
 * tensors, variable reads). Kernels never write into their inputs, so sharing is safe (wasm's Reshape shares too).
 */
export function identityWasm(args: { inputs: { x?: TensorInfo }; backend: BackendWasm }): TensorInfo {
  const x = args.inputs.x;
  if (!x) throw new Error('Identity (wasm): input x is required');
  args.backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
}
export const identityConfig: KernelConfig = { kernelName: 'Identity', backendName: 'wasm', kernelFunc: identityWasm as unknown as KernelFunc };
