/**
 * MaxPoolGrad for the wasm backend. tfjs-backend-wasm 4.22's native MaxPoolGrad is WRONG when there
 * is more than one channel (measured: a [1,2,2,3] input routes gradients to the wrong channel), so this
 * replaces it: for each output (b, y, x, c), find the window's first maximum (as the cpu backend does)
 * and add dy there. One pass on the wasm heap.
 */
import { backend_util, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapView } from './wasm-call.ts';

interface MaxPoolGradAttrs {
  filterSize: [number, number] | number;
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** The kernel function (exported for tests). */
export function maxPoolGradWasm(args: { inputs: { dy?: TensorInfo; input?: TensorInfo }; backend: BackendWasm; attrs: MaxPoolGradAttrs }): TensorInfo {
  const { backend, attrs } = args;
  const { dy, input } = args.inputs;
  if (!dy || !input) throw new Error('MaxPoolGrad (wasm): inputs dy and input are required');
  const info = backend_util.computePool2DInfo(
    input.shape as [number, number, number, number], attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: ch, outHeight: oh, outWidth: ow } = info;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const { effectiveFilterHeight: fh, effectiveFilterWidth: fw } = info;
  const { top, left } = info.padInfo;
  const dx = backend.makeOutput(input.shape, 'float32');
  const out = heapView(backend, dx);
  const x = heapView(backend, input);
  const g = heapView(backend, dy);
  out.fill(0);
  for (let b = 0; b < n; b++) {
    for (let yr = 0; yr < oh; yr++) {
      const r0 = yr * sh - top;
      let rMin = r0;
      while (rMin < 0) rMin += dh;
      const rMax = Math.min(h, r0 + fh);
      for (let yc = 0; yc < ow; yc++) {
        const c0 = yc * sw - left;
        let cMin = c0;
        while (cMin < 0) cMin += dw;
        const cMax = Math.min(w, c0 + fw);
        const gBase = ((b * oh + yr) * ow + yc) * ch;
        for (let d = 0; d < ch; d++) {
          let best = Number.NEGATIVE_INFINITY;
          let at = -1;
          for (let r = rMin; r < rMax; r += dh) {
            for (let c = cMin; c < cMax; c += dw) {
              const i = ((b * h + r) * w + c) * ch + d;
              if (x[i] > best) {
                best = x[i];
                at = i;
              }
            }
          }
          if (at >= 0) out[at] += g[gBase + d];
        }
      }
    }
  }
  return dx;
}

export const maxPoolGradConfig: KernelConfig = {
  kernelName: 'MaxPoolGrad',
  backendName: 'wasm',
  kernelFunc: maxPoolGradWasm as unknown as KernelFunc,
};
