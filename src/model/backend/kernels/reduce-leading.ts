/**
 * Sum and Mean over LEADING axes for the wasm backend. tfjs-backend-wasm reduces only innermost axes, so reducing an
 * activation [B, H, W, C] over [0, 1, 2] — what every batch-norm gradient (Σ dy, Σ dy·x̂) and every training-mode
 * batch-norm (moments) does — first transposes the whole tensor to [C, B·H·W]. Here such reductions are one
 * matrix product instead, [1, rows] · x[rows, C] with a row of ones (Sum) or 1/rows (Mean), on XNNPACK (SIMD,
 * threads). Other reductions, and non-float32 inputs, go to wasm's own kernel.
 */
import '@tensorflow/tfjs-backend-wasm'; // its kernels are registered before the originals are looked up below
import { backend_util, getKernel, util, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { callWasm, free } from './wasm-call.ts';

const originals = { Sum: getKernel('Sum', 'wasm'), Mean: getKernel('Mean', 'wasm') };
/** wasm's setupFunc ran only for the kernels registered when the backend started (ours): run theirs once per backend. */
const setUp = { Sum: new WeakSet<object>(), Mean: new WeakSet<object>() };

function fallback(name: 'Sum' | 'Mean', args: { inputs: { x?: TensorInfo }; backend: BackendWasm; attrs: { axis: number | number[]; keepDims: boolean } }): TensorInfo {
  const orig = originals[name];
  if (!orig) throw new Error(`${name} (wasm): tfjs-backend-wasm's own kernel is not registered`);
  if (!setUp[name].has(args.backend)) {
    orig.setupFunc?.(args.backend as never);
    setUp[name].add(args.backend);
  }
  return orig.kernelFunc(args as never) as TensorInfo;
}

/** Axes normalized and sorted; the count of leading axes when they are exactly [0 … k−1], else −1. */
function leadingAxes(shape: number[], axis: number | number[]): { axes: number[]; k: number } {
  const axes = util.parseAxisParam(axis, shape).sort((a, b) => a - b);
  const k = axes.every((a, i) => a === i) ? axes.length : -1;
  return { axes, k };
}

function reduceLeading(name: 'Sum' | 'Mean', args: { inputs: { x?: TensorInfo }; backend: BackendWasm; attrs: { axis: number | number[]; keepDims: boolean } }): TensorInfo {
  const { backend, attrs } = args;
  const x = args.inputs.x;
  if (!x) throw new Error(`${name} (wasm): input x is required`);
  const { axes, k } = leadingAxes(x.shape, attrs.axis);
  // Only worth it (and only needed) when a transpose would happen: leading axes, not all of them, float32.
  if (x.dtype !== 'float32' || k <= 0 || k === x.shape.length) return fallback(name, args);
  const rows = x.shape.slice(0, k).reduce((a, b) => a * b, 1);
  const outShape = x.shape.slice(k);
  const cols = outShape.reduce((a, b) => a * b, 1);
  // One GEMM row: [1, rows] · x[rows, cols] (XNNPACK, SIMD, threads) with a row of 1s (Sum) or 1/rows (Mean).
  const weights = backend.makeOutput([1, 1, rows], 'float32');
  (backend.typedArrayFromHeap(weights) as Float32Array).fill(name === 'Mean' ? 1 / rows : 1);
  const a = callWasm(backend, 'Reshape', { x }, { shape: [1, rows, cols] });
  const prod = callWasm(backend, 'BatchMatMul', { a: weights, b: a }, { transposeA: false, transposeB: false });
  const out = callWasm(backend, 'Reshape', { x: prod }, { shape: attrs.keepDims ? backend_util.expandShapeToKeepDim(outShape, axes) : outShape });
  free(backend, weights, a, prod);
  return out;
}

export function sumWasm(args: Parameters<typeof reduceLeading>[1]): TensorInfo { return reduceLeading('Sum', args); }
export function meanWasm(args: Parameters<typeof reduceLeading>[1]): TensorInfo { return reduceLeading('Mean', args); }

export const sumConfig: KernelConfig = { kernelName: 'Sum', backendName: 'wasm', kernelFunc: sumWasm as unknown as KernelFunc };
export const meanConfig: KernelConfig = { kernelName: 'Mean', backendName: 'wasm', kernelFunc: meanWasm as unknown as KernelFunc };
