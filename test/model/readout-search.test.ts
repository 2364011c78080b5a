import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../src/model/backend/index.ts';
import { buildCascade, disposeCascade } from '../../src/model/cascade.ts';
import { resolveConfig } from '../../src/model/config.ts';
import { measurerFromCascade } from '../../src/model/measurer.ts';
import { finishCandidate, rawDecodings, readoutGrid, scoreCandidates, type ReadoutCandidate } from '../../src/model/readout-search.ts';
import { generateCase } from '../../src/data/synth/generate.ts';
import { listBackgrounds } from '../../src/data/synth/placement.ts';
import { roughBoxFor } from '../../src/geometry/box.ts';
import { createRng } from '../../src/geometry/random.ts';

test('tune-readout: re-finishing the raw decodings with the model\'s own constants gives exactly the measurer\'s marks; scores sorted, every set scored', async () => {
  await initBackend('wasm');
  const config = resolveConfig({ preset: 'tiny', readout: 'mask+classical', classicalWeight: 0.5, boxJitter: { k: 2, shift: 0.1, scale: 0.1 }, maskMeasure: 'strict' });
  const cascade = buildCascade(config, { seed: 4 });
  try {
    const backgrounds = listBackgrounds({ sharedDir: null });
    const rng = createRng(11);
    const items = Array.from({ length: 4 }, (_, i) => {
      const c = generateCase(backgrounds[0], rng);
      return { set: i < 2 ? 'a' : 'b', id: `l${i}`, slice: c.slice, truth: c.recist, box: roughBoxFor(c.recist, `l${i}`, 0, c.slice.width, c.slice.height) };
    });
    const raw = await rawDecodings(cascade, items, config.boxJitter);
    const own: ReadoutCandidate = { maskMeasure: 'strict', classicalWeight: 0.5, lengthScale: config.lengthScale, shortLengthScale: config.shortLengthScale, boxLengthWeight: config.boxLengthWeight, boxOrientationRatio: config.boxOrientationRatio };
    const measurer = measurerFromCascade(cascade, { version: 'test' }, 'wasm');
    for (let i = 0; i < items.length; i++) {
      const p = await measurer.measure(items[i].slice, items[i].box);
      assert.deepEqual(finishCandidate(raw.strict[i], own, config.readout), p.recist, `item ${i}`);
    }
    const scores = scoreCandidates(items, raw, [own, ...readoutGrid().slice(0, 20)], config.readout);
    assert.equal(scores.length, 21);
    for (let i = 1; i < scores.length; i++) assert.ok(scores[i].objective >= scores[i - 1].objective);
    for (const s of scores) assert.deepEqual(Object.keys(s.sets).sort(), ['a', 'b']);
    assert.ok(scores.every((s) => Number.isFinite(s.objective)));
  } finally {
    disposeCascade(cascade);
  }
});
