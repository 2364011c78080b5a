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
import { cropInput, proposeForBoxes, proposeFromCrops } from '../../src/model/measurer.ts';
import { jitterBoxes } from '../../src/geometry/box.ts';
import { averageRecists } from '../../src/geometry/recist.ts';
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

test('proposeForBoxes: with boxJitter, one proposal per item whose marks average the box\'s and its jittered copies\' read the same way; without, the box\'s alone', async () => {
  const plain = buildCascade(PRESETS.tiny, { seed: 3 });
  constantMask(plain.stn!, 8); // every crop read from its (full) pseudo-mask, so every copy is averaged
  const jittered = { ...plain, config: { ...plain.config, boxJitter: { k: 4, shift: 0.15, scale: 0.15 } } };
  const W = 96;
  const hu = new Float32Array(W * W).fill(40);
  for (let y = 38; y < 58; y++) for (let x = 34; x < 62; x++) hu[y * W + x] = 120 + ((x * 7 + y * 3) % 11);
  const slice: CtSlice = { width: W, height: W, hu, spacing: { x: 0.8, y: 0.8 }, window: null, source: 'test' };
  const items = [{ slice, box: { x1: 26, y1: 30, x2: 70, y2: 66 } }, { slice, box: { x1: 30, y1: 28, x2: 66, y2: 68 } }];
  const one = await proposeForBoxes(plain, items, 'test', 'wasm');
  const direct = await proposeFromCrops(plain, items.map((it) => cropInput(it.slice, it.box, plain.config)), 'test', 'wasm');
  assert.equal(one.length, 2);
  one.forEach((p, i) => assert.deepEqual(p.recist, direct[i].recist, 'no jitter: the box\'s own marks'));
  const avg = await proposeForBoxes(jittered, items, 'test', 'wasm');
  assert.equal(avg.length, 2);
  const single = await proposeForBoxes(jittered, items, 'test', 'wasm', { jitter: false });
  single.forEach((p, i) => assert.deepEqual(p.recist, direct[i].recist, 'jitter: false reads the box alone (worklist scoring)'));
  for (const [i, it] of items.entries()) {
    const boxes = [it.box, ...jitterBoxes(it.box, jittered.config.boxJitter!, W, W)];
    const each = await proposeFromCrops(plain, boxes.map((b) => cropInput(slice, b, plain.config)), 'test', 'wasm');
    // copies read another way than the reader's box (an empty pseudo-mask's heatmap fallback) are left out
    const same = each.filter((p) => (p.readout === 'heatmaps') === (each[0].readout === 'heatmaps'));
    assert.equal(same.length, 5);
    assert.deepEqual(avg[i].recist, averageRecists(same.map((p) => p.recist)));
    assert.notDeepEqual(avg[i].recist, direct[i].recist);
    assert.equal(avg[i].entropy, direct[i].entropy, 'the uncertainty is the reader\'s box\'s');
    assert.deepEqual(avg[i].crop, direct[i].crop);
  }
  disposeCascade(plain);
});
