/**
 * Conv2DBackpropFilter for the wasm backend (tfjs-backend-wasm 4.22 has none).
 *
 * dW[kh,kw,ci,co] = Σ_{n,oh,ow} x[n, oh·s + kh − padT, ow·s + kw − padL, ci] · dy[n,oh,ow,co]
 * is ONE forward convolution once batch and channel axes swap places: the input is xᵀ [Ci,H,W,N]
 * (batch = Ci, channels = N), the filter is dyᵀ [OH,OW,N,Co], the forward stride becomes the dilation,
 * and the output [Ci,KH,KW,Co] is transposed back to [KH,KW,Ci,Co]. The padding is explicit: the
 * forward top/left pad, and bottom/right chosen so the output is exactly KH × KW (negative = crop x).
 * 1×1 filters without padding take a matrix product instead (a 1-row GEMM per channel is slow).
 */
import { backend_util, type KernelConfig, type KernelFunc, type TensorInfo, type NamedAttrMap } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { callWasm, free, reshape, transpose } from './wasm-call.ts';

/** Attributes tfjs passes to Conv2DBackpropFilter. */
interface FilterGradAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

/** 1×1, unpadded: dW = xsᵀ · dy with xs = x sampled at the stride. */
function pointwiseFilterGrad(backend: BackendWasm, x: TensorInfo, dy: TensorInfo, sh: number, sw: number): TensorInfo {
  const [n, , , ci] = x.shape;
  const [, oh, ow, co] = dy.shape;
  const xs = sh === 1 && sw === 1 && x.shape[1] === oh && x.shape[2] === ow
    ? callWasm(backend, 'Identity', { x })
    : callWasm(backend, 'StridedSlice', { x }, {
        begin: [0, 0, 0, 0], end: [n, (oh - 1) * sh + 1, (ow - 1) * sw + 1, ci], strides: [1, sh, sw, 1],
        beginMask: 0, endMask: 0, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 0,
      });
  const m = n * oh * ow;
  const a = reshape(backend, xs, [1, m, ci]);
  const b = reshape(backend, dy, [1, m, co]);
  const prod = callWasm(backend, 'BatchMatMul', { a, b }, { transposeA: true, transposeB: false });
  const out = reshape(backend, prod, [1, 1, ci, co]);
  free(backend, xs, a, b, prod);
  return out;
}

/** The kernel function (exported for tests and benchmarks). */
export function conv2DBackpropFilterWasm(args: { inputs: { x?: TensorInfo; dy?: TensorInfo }; backend: BackendWasm; attrs: FilterGradAttrs }): TensorInfo {
  const { backend, attrs } = args;
  const { x, dy } = args.inputs;
  if (!x || !dy) throw new Error('Conv2DBackpropFilter (wasm): inputs x and dy are required');
  if (attrs.dataFormat !== 'NHWC') throw new Error(`Conv2DBackpropFilter (wasm): dataFormat ${attrs.dataFormat} unsupported, use NHWC`);
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], attrs.filterShape, attrs.strides, 1, attrs.pad,
    attrs.dimRoundingMode, false, 'channelsLast');
  const [n, h, w, ci] = x.shape;
  const [, oh, ow] = dy.shape;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  if (kh === 1 && kw === 1 && top === 0 && left === 0) return pointwiseFilterGrad(backend, x, dy, sh, sw);

  const bottom = kh - 1 + (oh - 1) * sh - top - (h - 1);
  const right = kw - 1 + (ow - 1) * sw - left - (w - 1);
  const cropped = bottom < 0 || right < 0
    ? callWasm(backend, 'Slice', { x }, { begin: [0, 0, 0, 0], size: [n, h + Math.min(bottom, 0), w + Math.min(right, 0), ci] })
    : null;
  const xT = transpose(backend, cropped ?? x, [3, 1, 2, 0]);
  const dyT = transpose(backend, dy, [1, 2, 0, 3]);
  const conv = callWasm(backend, 'Conv2D', { x: xT, filter: dyT }, {
    strides: [1, 1], dilations: [sh, sw], dataFormat: 'NHWC',
    pad: [[0, 0], [top, Math.max(bottom, 0)], [left, Math.max(right, 0)], [0, 0]],
  } as unknown as NamedAttrMap);
  const out = transpose(backend, conv, [1, 2, 0, 3]);
  free(backend, xT, dyT, conv, ...(cropped ? [cropped] : []));
  return out;
}

export const conv2DBackpropFilterConfig: KernelConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilterWasm as unknown as KernelFunc,
};
