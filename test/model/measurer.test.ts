/**
 * The proposal path (src/model/measurer.ts): mask read-outs run the STN alone, and the SHN only for the samples whose
 * pseudo-mask holds no lesion (their heatmap fallback), within one batch.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/model/backend/index.ts';
import { PRESETS } from '../../src/model/config.ts';
import { buildCascade, disposeCascade } from '../../src/model/cascade.ts';
import { cropInput, proposeFromCrops } from '../../src/model/measurer.ts';
import type { CtSlice } from '../../src/data/types.ts';

before(async () => {
  await initBackend('wasm');
});

/** Sets the STN's pseudo-mask head to a constant logit (zero kernel, bias `logit`). */
function constantMask(stn: tf.LayersModel, logit: number): void {
  const head = stn.layers.find((l) => l.name.includes('head_lrp'))!;
  const [k, b] = head.getWeights();
  const values = [tf.zerosLike(k), tf.fill(b.shape, logit)];
  head.setWeights(values);
  tf.dispose(values);
}

test('mask read-out proposals skip the SHN unless the pseudo-mask is empty, then read the heatmaps', async () => {
  const c = buildCascade(PRESETS.tiny, { seed: 2 });
  assert.equal(c.config.readout, 'mask');
  const W = 96;
  const hu = new Float32Array(W * W).fill(40);
  for (let y = 40; y < 56; y++) for (let x = 36; x < 60; x++) hu[y * W + x] = 120;
  const slice: CtSlice = { width: W, height: W, hu, spacing: { x: 0.8, y: 0.8 }, window: null, source: 'test' };
  const crops = [cropInput(slice, { x1: 28, y1: 32, x2: 68, y2: 64 }, c.config), cropInput(slice, { x1: 30, y1: 30, x2: 66, y2: 66 }, c.config)];

  constantMask(c.stn!, 8); // a pseudo-mask over the whole crop: measured, no heatmaps needed
  for (const p of await proposeFromCrops(c, crops, 'test', 'wasm')) {
    assert.equal(p.readout, 'mask');
    assert.equal(p.heatmaps, undefined, 'the SHN ran although the marks come from the pseudo-mask');
    assert.equal(p.entropies, null);
    assert.equal(p.mask?.width, 32);
  }
  constantMask(c.stn!, -8); // an empty pseudo-mask: the heatmap fallback, which needs the SHN
  for (const p of await proposeFromCrops(c, crops, 'test', 'wasm')) {
    assert.equal(p.readout, 'heatmaps');
    assert.equal(p.heatmaps?.width, 64);
    assert.equal(p.entropies?.length, 4);
    assert.ok(p.entropy >= 0 && p.entropy <= 1);
  }
  disposeCascade(c);
});
