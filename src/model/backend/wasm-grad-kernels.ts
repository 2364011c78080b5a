/**
 * Gradient kernels that tfjs-backend-wasm 4.22 lacks (or has only as a slow loop), registered by
 * `initBackend` when wasm is chosen:
 *  - Conv2DBackpropFilter (missing: training fails at the first conv without it);
 *  - Conv2DBackpropInput (present but ~12× slower than a forward conv; replaced);
 *  - UnsortedSegmentSum (missing: gather's gradient, used by the bilinear sampler);
 *  - MaxPoolGrad (present but WRONG for more than one channel; replaced);
 *  - ResizeNearestNeighborGrad (present but WRONG for batch > 1; replaced);
 *  - Tile (present but an element-by-element loop; batch-norm gradients tile [1,1,1,C] to the activation: replaced
 *    by block copies, kernels/tile.ts);
 *  - Slice, Concat, Pack, GatherV2 (present, but a typed-array view per innermost row: slow for the sampler's
 *    1-wide rows; replaced by loops for short runs, kernels/data-movement.ts);
 *  - Sum, Mean over leading axes (present, but transpose the whole activation first; batch-norm gradients and
 *    moments reduce [B,H,W,C] over [0,1,2]: one GEMM row instead, kernels/reduce-leading.ts; other axes → wasm's own);
 *  - Identity (present, but copies the tensor; shares it instead, as the cpu backend does).
 * Everything else the model's training touches (batch norm, resizeBilinear, gatherND's ScatterNd,
 * sin/cos, …) exists and agrees with cpu: see test/model/backend-wasm-net.test.ts.
 */
import { findBackend, getKernel, registerKernel, unregisterKernel, type KernelConfig } from '@tensorflow/tfjs';
import { conv2DBackpropFilterConfig } from './kernels/conv2d-backprop-filter.ts';
import { conv2DBackpropInputConfig } from './kernels/conv2d-backprop-input.ts';
import { unsortedSegmentSumConfig } from './kernels/unsorted-segment-sum.ts';
import { maxPoolGradConfig } from './kernels/max-pool-grad.ts';
import { resizeNearestNeighborGradConfig, resizeNearestNeighborGradCpuConfig } from './kernels/resize-nearest-grad.ts';
import { tileConfig } from './kernels/tile.ts';
import { concatConfig, gatherV2Config, identityConfig, packConfig, sliceConfig } from './kernels/data-movement.ts';
import { meanConfig, sumConfig } from './kernels/reduce-leading.ts';

/** The kernels this module installs on wasm. */
export const WASM_GRAD_KERNELS: readonly KernelConfig[] = [
  conv2DBackpropFilterConfig,
  conv2DBackpropInputConfig,
  unsortedSegmentSumConfig,
  maxPoolGradConfig,
  resizeNearestNeighborGradConfig,
  tileConfig,
  sliceConfig,
  concatConfig,
  packConfig,
  gatherV2Config,
  identityConfig,
  sumConfig,
  meanConfig,
];

/** Fixes for the cpu backend (registered whatever backend is chosen: cpu is the reference and fallback). */
export const CPU_FIXED_KERNELS: readonly KernelConfig[] = [resizeNearestNeighborGradCpuConfig];

/** Kernels replaced (not added): kept so `unregisterWasmGradKernels` can restore them. */
const replaced = new Map<string, KernelConfig>();

/** Install the kernels (idempotent). Returns the names installed. */
export function registerWasmGradKernels(): string[] {
  registerCpuKernelFixes();
  for (const cfg of WASM_GRAD_KERNELS) {
    const existing = getKernel(cfg.kernelName, 'wasm');
    if (existing === cfg) continue;
    if (existing) {
      replaced.set(cfg.kernelName, existing);
      unregisterKernel(cfg.kernelName, 'wasm');
    }
    registerKernel(cfg);
  }
  return WASM_GRAD_KERNELS.map((k) => k.kernelName);
}

/** Replace the cpu backend's broken kernels (idempotent). */
export function registerCpuKernelFixes(): void {
  for (const cfg of CPU_FIXED_KERNELS) {
    if (getKernel(cfg.kernelName, cfg.backendName) === cfg) continue;
    if (getKernel(cfg.kernelName, cfg.backendName)) unregisterKernel(cfg.kernelName, cfg.backendName);
    registerKernel(cfg);
  }
}

/** Remove the kernels and restore wasm's originals (for before/after benchmarks and tests). */
export function unregisterWasmGradKernels(): void {
  for (const cfg of WASM_GRAD_KERNELS) {
    if (getKernel(cfg.kernelName, 'wasm') !== cfg) continue;
    unregisterKernel(cfg.kernelName, 'wasm');
    const orig = replaced.get(cfg.kernelName);
    if (!orig) continue;
    registerKernel(orig);
    // tfjs runs setupFunc only for kernels registered when the backend starts; ours had replaced it then.
    const backend = findBackend('wasm');
    if (backend && orig.setupFunc) orig.setupFunc(backend);
  }
  replaced.clear();
}
