/** Test doubles for fine-tuning: a random tiny model folder and ellipse lesions with known RECIST marks. */
import type * as tf from '@tensorflow/tfjs';
import { buildCascade } from '../../src/model/cascade.ts';
import { saveCheckpoint } from '../../src/model/checkpoint.ts';
import { resolveConfig, type Readout } from '../../src/model/config.ts';
import type { CtSlice } from '../../src/data/types.ts';
import { createRng } from '../../src/geometry/random.ts';
import { mapRecist, recistCenter } from '../../src/geometry/recist.ts';
import type { Recist } from '../../src/geometry/types.ts';

export async function saveTinyModel(dir: string, version = 'tiny-test', readout?: Readout): Promise<void> {
  const config = resolveConfig({ preset: 'tiny', ...(readout ? { readout } : {}) });
  const c = buildCascade(config, { seed: 7 });
  await saveCheckpoint(c, {
    format: 'recist-cascade/1', version, preset: 'tiny', ablation: 'full', config, createdAt: new Date().toISOString(), backend: 'test',
    seed: 0, data: {}, training: {}, metrics: {}, parent: null, command: 'test',
  }, dir);
  c.stn?.dispose();
  c.shn.dispose();
}

/** An elliptic lesion (60 HU, noisy) on a −80 HU background with its RECIST mark (axes = the ellipse's). */
export function ellipseLesion(seed: number, size = 160): { slice: CtSlice; recist: Recist } {
  const rng = createRng(seed);
  const cx = rng.uniform(55, size - 55), cy = rng.uniform(55, size - 55);
  const a = rng.uniform(10, 22), b = a * rng.uniform(0.45, 0.9), t = rng.uniform(-Math.PI / 2, Math.PI / 2);
  const c = Math.cos(t), s = Math.sin(t);
  const hu = new Float32Array(size * size);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) {
    const u = (x - cx) * c + (y - cy) * s, v = -(x - cx) * s + (y - cy) * c;
    hu[y * size + x] = ((u / a) ** 2 + (v / b) ** 2 <= 1 ? 60 : -80) + rng.normal(0, 8);
  }
  const recist: Recist = {
    long: [{ x: cx - a * c, y: cy - a * s }, { x: cx + a * c, y: cy + a * s }],
    short: [{ x: cx + b * s, y: cy - b * c }, { x: cx - b * s, y: cy + b * c }],
  };
  return { slice: { width: size, height: size, hu, spacing: { x: 0.7, y: 0.7 }, window: null, source: `ellipse:${seed}` }, recist };
}

/** A deliberately wrong correction: rotated 90° about the centre and 2.5× too long. */
export function sabotage(r: Recist): Recist {
  const c = recistCenter(r);
  return mapRecist(r, (p) => ({ x: c.x - 2.5 * (p.y - c.y), y: c.y + 2.5 * (p.x - c.x) }));
}

/** The values of `model`'s weights whose original name matches `name`, in the model's order (to check what training moved). */
export function weightValues(model: tf.LayersModel, name: RegExp): number[][] {
  return model.weights.filter((w) => name.test(w.originalName)).map((w) => Array.from(w.read().dataSync()));
}
