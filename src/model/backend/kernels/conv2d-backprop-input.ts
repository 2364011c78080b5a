/**
 * Conv2DBackpropInput for the wasm backend, replacing tfjs-backend-wasm's plain loop (~12× slower
 * than the forward conv).
 *
 * dx = conv(z, W̃) with stride 1 and no implicit padding, where W̃[kh,kw,co,ci] = W[KH−1−kh, KW−1−kw, ci, co]
 * (flipped, in/out swapped) and z is dy with (s − 1) zeros inserted between rows/columns (stride s),
 * padded by KH − 1 − padT on top and H + padT − ((OH − 1)·s + 1) at the bottom (same for width);
 * a negative pad crops. With stride 1 and non-negative pads the padding goes into the conv itself.
 */
import { backend_util, type KernelConfig, type KernelFunc, type TensorInfo, type NamedAttrMap } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { callWasm, free, heapView, transpose } from './wasm-call.ts';

/** Attributes tfjs passes to Conv2DBackpropInput. */
interface InputGradAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  inputShape: [number, number, number, number];
}

/** Pads [top, bottom, left, right] (negative = crop) around the zero-inserted dy. */
type Pads = [number, number, number, number];

/**
 * New tensor: dy [N,OH,OW,C] with s−1 zeros between neighbours, then padded/cropped by `pads`.
 * One pass over dy on the wasm heap (rows of C floats copied with `set`).
 */
export function dilateAndPad(backend: BackendWasm, dy: TensorInfo, sh: number, sw: number, pads: Pads): TensorInfo {
  const [n, oh, ow, c] = dy.shape;
  const [pt, pb, pl, pr] = pads;
  const hp = (oh - 1) * sh + 1 + pt + pb;
  const wp = (ow - 1) * sw + 1 + pl + pr;
  if (hp <= 0 || wp <= 0) throw new Error(`Conv2DBackpropInput (wasm): empty padded gradient ${hp}x${wp}`);
  const out = backend.makeOutput([n, hp, wp, c], dy.dtype);
  const dst = heapView(backend, out);
  const src = heapView(backend, dy);
  dst.fill(0);
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < oh; i++) {
      const r = pt + i * sh;
      if (r < 0 || r >= hp) continue;
      for (let j = 0; j < ow; j++) {
        const q = pl + j * sw;
        if (q < 0 || q >= wp) continue;
        const s0 = ((b * oh + i) * ow + j) * c;
        dst.set(src.subarray(s0, s0 + c), ((b * hp + r) * wp + q) * c);
      }
    }
  }
  return out;
}

/** The kernel function (exported for tests and benchmarks). */
export function conv2DBackpropInputWasm(args: { inputs: { dy?: TensorInfo; filter?: TensorInfo }; backend: BackendWasm; attrs: InputGradAttrs }): TensorInfo {
  const { backend, attrs } = args;
  const { dy, filter } = args.inputs;
  if (!dy || !filter) throw new Error('Conv2DBackpropInput (wasm): inputs dy and filter are required');
  if (attrs.dataFormat !== 'NHWC') throw new Error(`Conv2DBackpropInput (wasm): dataFormat ${attrs.dataFormat} unsupported, use NHWC`);
  const info = backend_util.computeConv2DInfo(
    attrs.inputShape, filter.shape as [number, number, number, number], attrs.strides, 1, attrs.pad,
    attrs.dimRoundingMode, false, 'channelsLast');
  const [, h, w] = attrs.inputShape;
  const [, oh, ow] = dy.shape;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  const pads: Pads = [kh - 1 - top, h + top - ((oh - 1) * sh + 1), kw - 1 - left, w + left - ((ow - 1) * sw + 1)];

  const wT = transpose(backend, filter, [0, 1, 3, 2]);
  const wFlip = callWasm(backend, 'Reverse', { x: wT }, { dims: [0, 1] });
  const direct = sh === 1 && sw === 1 && pads.every((p) => p >= 0);
  const z = direct ? null : dilateAndPad(backend, dy, sh, sw, pads);
  const pad = direct ? [[0, 0], [pads[0], pads[1]], [pads[2], pads[3]], [0, 0]] : 'valid';
  const out = callWasm(backend, 'Conv2D', { x: z ?? dy, filter: wFlip }, {
    strides: [1, 1], dilations: [1, 1], dataFormat: 'NHWC', pad,
  } as unknown as NamedAttrMap);
  free(backend, wT, wFlip, ...(z ? [z] : []));
  return out;
}

export const conv2DBackpropInputConfig: KernelConfig = {
  kernelName: 'Conv2DBackpropInput',
  backendName: 'wasm',
  kernelFunc: conv2DBackpropInputWasm as unknown as KernelFunc,
};
