/**
 * For before/after timings in one run: tfjs-backend-wasm's OWN kernels for the ones this project replaced for speed
 * (Tile, Slice, Concat, Pack, GatherV2, Identity, Sum, Mean — not the gradient kernels training cannot do without).
 * Import this module before the backend starts; `useOriginalKernels()` after it started swaps them back in.
 */
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs';

export const SPEED_KERNELS = ['Tile', 'Slice', 'Concat', 'Pack', 'GatherV2', 'Identity', 'Sum', 'Mean'] as const;
const originals = new Map(SPEED_KERNELS.map((k) => [k, tf.getKernel(k, 'wasm')]));

export function useOriginalKernels(): string[] {
  const backend = tf.findBackend('wasm');
  if (!backend) throw new Error('useOriginalKernels: start the wasm backend first');
  const swapped: string[] = [];
  for (const [name, cfg] of originals) {
    if (!cfg) continue;
    if (tf.getKernel(name, 'wasm')) tf.unregisterKernel(name, 'wasm');
    tf.registerKernel(cfg);
    cfg.setupFunc?.(backend);
    swapped.push(name);
  }
  return swapped;
}
