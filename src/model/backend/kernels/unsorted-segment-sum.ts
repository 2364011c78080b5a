/**
 * UnsortedSegmentSum for the wasm backend (gather's gradient; the differentiable bilinear sampler
 * gathers pixels with tf.gather, so training the STN needs it).
 *
 * out[s, …] = Σ_{i: ids[i] = s} x[i, …]; ids may have any rank r (x's first r axes are flattened);
 * ids outside [0, numSegments) are dropped, as in TensorFlow. One pass over x on the wasm heap.
 */
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapView } from './wasm-call.ts';

/** The kernel function (exported for tests). */
export function unsortedSegmentSumWasm(args: { inputs: { x?: TensorInfo; segmentIds?: TensorInfo }; backend: BackendWasm; attrs: { numSegments: number } }): TensorInfo {
  const { backend } = args;
  const { x, segmentIds } = args.inputs;
  const { numSegments } = args.attrs;
  if (!x || !segmentIds) throw new Error('UnsortedSegmentSum (wasm): inputs x and segmentIds are required');
  const r = segmentIds.shape.length;
  if (segmentIds.shape.some((d, i) => d !== x.shape[i])) {
    throw new Error(`UnsortedSegmentSum (wasm): segmentIds shape [${segmentIds.shape}] is not a prefix of x shape [${x.shape}]`);
  }
  const rest = x.shape.slice(r);
  const inner = rest.reduce((a, b) => a * b, 1);
  const out = backend.makeOutput([numSegments, ...rest], x.dtype);
  const dst = heapView(backend, out);
  const src = heapView(backend, x);
  const ids = heapView(backend, segmentIds);
  dst.fill(0);
  for (let i = 0; i < ids.length; i++) {
    const s = ids[i];
    if (s < 0 || s >= numSegments) continue;
    const o = s * inner;
    const k = i * inner;
    for (let j = 0; j < inner; j++) dst[o + j] += src[k + j];
  }
  return out;
}

export const unsortedSegmentSumConfig: KernelConfig = {
  kernelName: 'UnsortedSegmentSum',
  backendName: 'wasm',
  kernelFunc: unsortedSegmentSumWasm as unknown as KernelFunc,
};
