/** Test doubles for the server: a tiny in-memory dataset and a box-cross measurer (no model). */
import type { Box, Recist } from '../../src/geometry/types.ts';
import type { CtSlice } from '../../src/data/types.ts';
import type { Measurer, Proposal } from '../../src/model/measurer-types.ts';
import { datasetFromMaps, type Dataset, type LesionItem } from '../../src/server/datasets.ts';

export function tinyDataset(n = 3, size = 64): Dataset {
  const slices = new Map<string, CtSlice>();
  const lesions: LesionItem[] = [];
  for (let i = 0; i < n; i++) {
    const hu = new Float32Array(size * size).map((_, k) => (Math.hypot((k % size) - 32, Math.floor(k / size) - 32) < 10 ? 60 : -100 + i));
    const id = `s${i}`;
    slices.set(id, { width: size, height: size, hu, spacing: { x: 0.8, y: 0.8 }, window: { center: 40, width: 400 }, source: `mem:${id}` });
    lesions.push({
      id: `L${i}`, sliceRef: id, stack: [id], keyIndex: 0, width: size, height: size, spacing: { x: 0.8, y: 0.8 },
      window: { center: 40, width: 400 }, reference: null, title: `tiny ${i}`,
    });
  }
  return datasetFromMaps('tiny', 'demo', lesions, (id) => {
    const s = slices.get(id);
    if (!s) throw new Error(`no slice ${id}`);
    return s;
  }, slices.keys());
}

export function fakeMeasurer(version = 'fake-1'): Measurer & { calls: number } {
  const m = {
    modelVersion: version, backend: 'cpu', calls: 0,
    async measure(_slice: CtSlice, box: Box): Promise<Proposal> {
      m.calls++;
      const cx = (box.x1 + box.x2) / 2, cy = (box.y1 + box.y2) / 2, w = box.x2 - box.x1, h = box.y2 - box.y1;
      const side = Math.max(w, h);
      const heat = new Float32Array(4 * 64 * 64);
      for (let c = 0; c < 4; c++) heat[c * 4096 + 32 * 64 + 16 + c * 8] = 1;
      return {
        recist: { long: [{ x: cx - w / 3, y: cy }, { x: cx + w / 3, y: cy }], short: [{ x: cx, y: cy - h / 4 }, { x: cx, y: cy + h / 4 }] }, readout: 'heatmaps',
        entropy: 0.3, entropies: [0.2, 0.3, 0.3, 0.4], heatmaps: { width: 64, height: 64, channels: 4, data: heat },
        theta: { tx: 0, ty: 0, alpha: 0, s: 0.6 }, crop: { x0: cx + 0.5 - side / 2, y0: cy + 0.5 - side / 2, side, size: 128 },
        modelVersion: version, backend: 'cpu', ms: 1,
      };
    },
    async measureBatch(items: readonly { slice: CtSlice; box: Box }[]) { return Promise.all(items.map((i) => m.measure(i.slice, i.box))); },
    dispose() {},
  };
  return m;
}

/** Lesions of `rankDataset` (L0…L6). */
export const RANK_LESIONS = 7;
/** Entropy of lesion i under a model version of the stub measurer: v1 ascending with i, anything else descending. */
export const entropyOf = (version: string, i: number): number => (version === 'v1' ? 0.1 + 0.1 * i : 0.9 - 0.1 * i);

/** L0…L6 on 96² slices, each with a reference mark except L6 (no reference, no box: never scored). */
export function rankDataset(): Dataset {
  const slices = new Map<string, CtSlice>();
  const lesions: LesionItem[] = [];
  for (let i = 0; i < RANK_LESIONS; i++) {
    const size = 96;
    const hu = new Float32Array(size * size).map((_, k) => (Math.hypot((k % size) - (30 + i * 5), Math.floor(k / size) - 40) < 8 ? 60 : -100));
    slices.set(`s${i}`, { width: size, height: size, hu, spacing: { x: 1, y: 1 }, window: { center: 40, width: 400 }, source: `mem:${i}` });
    const c = 30 + i * 5;
    const reference: Recist = { long: [{ x: c - 8, y: 40 }, { x: c + 8, y: 40 }], short: [{ x: c, y: 35 }, { x: c, y: 45 }] };
    lesions.push({
      id: `L${i}`, sliceRef: `s${i}`, stack: [`s${i}`], keyIndex: 0, width: size, height: size, spacing: { x: 1, y: 1 }, window: { center: 40, width: 400 },
      reference: i === RANK_LESIONS - 1 ? null : reference, title: `L${i}`,
    });
  }
  return datasetFromMaps('rank', 'demo', lesions, (id) => slices.get(id)!, slices.keys());
}

/** A measurer whose entropy depends on the lesion (read from the slice's source `mem:i`) and the version; records boxes. */
export function stubEntropyMeasurer(version: string): Measurer & { boxes: Map<string, Box> } {
  const base = fakeMeasurer(version);
  const boxes = new Map<string, Box>();
  const measure = async (slice: CtSlice, box: Box): Promise<Proposal> => {
    const i = Number(slice.source.slice(4));
    boxes.set(`L${i}`, box);
    const p = await base.measure(slice, box);
    const e = entropyOf(version, i);
    return { ...p, entropy: e, entropies: [e, e, e, e] };
  };
  return { ...base, boxes, measure, measureBatch: (items) => Promise.all(items.map((it) => measure(it.slice, it.box))) };
}
