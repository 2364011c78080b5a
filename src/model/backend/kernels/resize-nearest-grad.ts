/**
 * ResizeNearestNeighborGrad (the gradient of upSampling2d) for wasm AND cpu: both tfjs 4.22 kernels
 * are WRONG for batch > 1 (measured on [2,4,4,1] → [2,8,8,1]: the cpu one reads batch 0's dy rows for
 * batch 1; checked by hand and against the gather-gradient formulation in the tests), so this replaces
 * them. Each dy pixel is added to the source pixel the forward resize read, with the cpu backend's
 * forward mapping (alignCorners / halfPixelCenters). One pass over dy.
 */
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapView } from './wasm-call.ts';

/** Source index per output index along one axis, as the forward ResizeNearestNeighbor computes it. */
export function nearestSourceIndex(oldSize: number, newSize: number, alignCorners: boolean, halfPixelCenters: boolean): Int32Array {
  const effIn = alignCorners && newSize > 1 ? oldSize - 1 : oldSize;
  const effOut = alignCorners && newSize > 1 ? newSize - 1 : newSize;
  const ratio = effIn / effOut;
  const out = new Int32Array(newSize);
  for (let i = 0; i < newSize; i++) {
    const frac = halfPixelCenters ? ratio * (i + 0.5) : ratio * i;
    let src = Math.min(oldSize - 1, alignCorners ? Math.round(frac) : Math.floor(frac));
    if (halfPixelCenters) src = Math.max(0, src);
    out[i] = src;
  }
  return out;
}

/** dx (zeroed by the caller) += the scatter of g through the nearest-neighbour mapping. */
function scatterNearest(g: ArrayLike<number>, dx: Float32Array, imagesShape: number[], dyShape: number[], alignCorners: boolean, halfPixelCenters: boolean): void {
  const [n, h, w, ch] = imagesShape;
  const [, oh, ow] = dyShape;
  const rows = nearestSourceIndex(h, oh, alignCorners, halfPixelCenters);
  const cols = nearestSourceIndex(w, ow, alignCorners, halfPixelCenters);
  for (let b = 0; b < n; b++) {
    for (let r = 0; r < oh; r++) {
      const dstRow = (b * h + rows[r]) * w;
      for (let c = 0; c < ow; c++) {
        const o = (dstRow + cols[c]) * ch;
        const s = ((b * oh + r) * ow + c) * ch;
        for (let d = 0; d < ch; d++) dx[o + d] += g[s + d];
      }
    }
  }
}

/** The wasm kernel function (exported for tests). */
export function resizeNearestNeighborGradWasm(args: { inputs: { images?: TensorInfo; dy?: TensorInfo }; backend: BackendWasm; attrs: { alignCorners?: boolean; halfPixelCenters?: boolean } }): TensorInfo {
  const { backend } = args;
  const { images, dy } = args.inputs;
  if (!images || !dy) throw new Error('ResizeNearestNeighborGrad (wasm): inputs images and dy are required');
  const alignCorners = Boolean(args.attrs.alignCorners);
  const halfPixelCenters = Boolean(args.attrs.halfPixelCenters);
  const dx = backend.makeOutput(images.shape, 'float32');
  const out = heapView(backend, dx) as Float32Array;
  out.fill(0);
  scatterNearest(heapView(backend, dy), out, images.shape, dy.shape, alignCorners, halfPixelCenters);
  return dx;
}

export const resizeNearestNeighborGradConfig: KernelConfig = {
  kernelName: 'ResizeNearestNeighborGrad',
  backendName: 'wasm',
  kernelFunc: resizeNearestNeighborGradWasm as unknown as KernelFunc,
};

/** The slice of tfjs's MathBackendCPU used here. */
interface CpuBackendLike {
  data: { get(dataId: object): { values: ArrayLike<number> } };
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): TensorInfo;
}

/** The cpu kernel function. */
export function resizeNearestNeighborGradCpu(args: { inputs: { images?: TensorInfo; dy?: TensorInfo }; backend: CpuBackendLike; attrs: { alignCorners?: boolean; halfPixelCenters?: boolean } }): TensorInfo {
  const { images, dy } = args.inputs;
  if (!images || !dy) throw new Error('ResizeNearestNeighborGrad (cpu): inputs images and dy are required');
  const dx = new Float32Array(images.shape.reduce((a, b) => a * b, 1));
  scatterNearest(args.backend.data.get(dy.dataId).values, dx, images.shape, dy.shape, Boolean(args.attrs.alignCorners), Boolean(args.attrs.halfPixelCenters));
  return args.backend.makeTensorInfo(images.shape, 'float32', dx);
}

export const resizeNearestNeighborGradCpuConfig: KernelConfig = {
  kernelName: 'ResizeNearestNeighborGrad',
  backendName: 'cpu',
  kernelFunc: resizeNearestNeighborGradCpu as unknown as KernelFunc,
};
