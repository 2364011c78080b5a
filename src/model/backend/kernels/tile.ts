/**
 * Tile for the wasm backend, replacing tfjs-backend-wasm's element-by-element loop (an index computation per output
 * value: ~25 ns/value on a Zen 4 core). Training spends most of its Tile time in tfjs-core's batch-norm gradient,
 * which tiles the per-channel scale [1, 1, 1, C] to the full [B, H, W, C] activation: in a default-preset training
 * step (batch 8) that Tile was the single most expensive kernel (36% of kernel time, bench/results/SUMMARY.md).
 *
 * Here the output is built with block copies on the wasm heap: the innermost input rows are copied once, and every
 * tiled block is replicated with `copyWithin` (memmove), doubling the copied span each time. Any dtype the wasm heap
 * holds (float32, int32, bool) works.
 */
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

type Heap = Float32Array | Int32Array | Uint8Array;

/** Replicate dst[off, off + len) so that `times` copies lie back to back (doubling memmoves). */
function replicate(dst: Heap, off: number, len: number, times: number): void {
  let have = 1;
  while (have < times) {
    const n = Math.min(have, times - have);
    dst.copyWithin(off + have * len, off, off + n * len);
    have += n;
  }
}

/** The kernel function (exported for tests and benchmarks). */
export function tileWasm(args: { inputs: { x?: TensorInfo }; backend: BackendWasm; attrs: { reps: number[] } }): TensorInfo {
  const { backend } = args;
  const { x } = args.inputs;
  const reps = [...args.attrs.reps];
  if (!x) throw new Error('Tile (wasm): input x is required');
  const shape = x.shape;
  if (reps.length !== shape.length) throw new Error(`Tile (wasm): reps [${reps}] must have one entry per axis of x [${shape}]`);
  if (reps.some((r) => !Number.isInteger(r) || r < 0)) throw new Error(`Tile (wasm): reps [${reps}] must be non-negative integers`);
  const outShape = shape.map((d, i) => d * reps[i]);
  const out = backend.makeOutput(outShape, x.dtype);
  const size = outShape.reduce((a, b) => a * b, 1);
  if (size === 0) return out;
  const src = backend.typedArrayFromHeap(x) as Heap;
  const dst = backend.typedArrayFromHeap(out) as Heap;
  if (shape.length === 0) {
    dst[0] = src[0];
    return out;
  }
  const n = shape.length;
  // inner sizes: inIn[d] = Π_{j>d} shape[j], outIn[d] = Π_{j>d} outShape[j]; noRepFrom: first axis from which all reps are 1.
  const inIn = new Array<number>(n).fill(1), outIn = new Array<number>(n).fill(1);
  for (let d = n - 2; d >= 0; d--) {
    inIn[d] = inIn[d + 1] * shape[d + 1];
    outIn[d] = outIn[d + 1] * outShape[d + 1];
  }
  let noRepFrom = n;
  while (noRepFrom > 0 && reps[noRepFrom - 1] === 1) noRepFrom--;
  const fill = (d: number, inOff: number, outOff: number): void => {
    if (d >= noRepFrom) {
      // The rest is an untouched contiguous copy of the input block.
      const len = d === 0 ? size : inIn[d - 1];
      dst.set(src.subarray(inOff, inOff + len), outOff);
      return;
    }
    const block = outIn[d];
    if (d === n - 1) dst.set(src.subarray(inOff, inOff + shape[d]), outOff);
    else for (let i = 0; i < shape[d]; i++) fill(d + 1, inOff + i * inIn[d], outOff + i * block);
    replicate(dst, outOff, shape[d] * block, reps[d]);
  };
  fill(0, 0, 0);
  return out;
}

export const tileConfig: KernelConfig = {
  kernelName: 'Tile',
  backendName: 'wasm',
  kernelFunc: tileWasm as unknown as KernelFunc,
};
