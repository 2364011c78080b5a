/**
 * Used only when no trained model folder exists (a fresh checkout before `recist train`): the classical
 * segmentation baseline (src/eval/baselines) behind the `Measurer` interface, so the labeling UI still works.
 * It has no heatmaps (all zero) and reports maximal uncertainty (entropy 1); its version says what it is.
 */
import type { Box } from '../geometry/types.ts';
import type { CtSlice } from '../data/types.ts';
import { cropFrameFromBox, CROP_SIZE, toCrop } from '../geometry/crop.ts';
import { mapRecist } from '../geometry/recist.ts';
import { HEATMAP_SIZE, thetaFromRecist } from '../geometry/theta.ts';
import type { Measurer, Proposal } from '../model/measurer-types.ts';
import { classicalRecist } from '../segment/classical.ts';

export const FALLBACK_VERSION = 'baseline-classical (no model)';

export function fallbackMeasurer(): Measurer {
  const measure = async (slice: CtSlice, box: Box): Promise<Proposal> => {
    const t0 = performance.now();
    const recist = classicalRecist(slice, box).recist;
    const frame = cropFrameFromBox(box, CROP_SIZE);
    let theta = { tx: 0, ty: 0, alpha: 0, s: 1 };
    try { theta = thetaFromRecist(mapRecist(recist, (p) => toCrop(frame, p)), CROP_SIZE); } catch { /* degenerate mark */ }
    return {
      recist, readout: 'classical', entropy: 1, entropies: [1, 1, 1, 1],
      heatmaps: { width: HEATMAP_SIZE, height: HEATMAP_SIZE, channels: 4, data: new Float32Array(4 * HEATMAP_SIZE * HEATMAP_SIZE) },
      theta, crop: frame, modelVersion: FALLBACK_VERSION, backend: 'cpu', ms: performance.now() - t0,
    };
  };
  return {
    modelVersion: FALLBACK_VERSION, backend: 'cpu', measure,
    measureBatch: (items) => Promise.all(items.map((i) => measure(i.slice, i.box))),
    dispose() {},
  };
}
