import { test } from 'node:test';
import assert from 'node:assert/strict';
import { listBackgrounds } from '../../src/data/synth/placement.ts';
import { generateCase } from '../../src/data/synth/generate.ts';
import { roughBoxFor, towardBoxLengths } from '../../src/geometry/box.ts';
import { createRng } from '../../src/geometry/random.ts';
import { blendRecist, scaleAxes, segmentLocationDistance } from '../../src/geometry/recist.ts';
import { loadCheckpoint } from '../../src/model/checkpoint.ts';
import { initBackend } from '../../src/model/backend/index.ts';
import { DEFAULT_MODEL_DIR, measurerFromCascade } from '../../src/model/measurer.ts';
import { classicalRecist } from '../../src/segment/classical.ts';

test('mask+classical read-out (the shipped model): the mask read-out blended with the classical segment, length-scaled per axis, then pulled toward the box\'s lengths', async () => {
  await initBackend('wasm');
  const { cascade: shippedCascade, card: shippedCard } = await loadCheckpoint(DEFAULT_MODEL_DIR);
  assert.ok(shippedCard.config.boxJitter && shippedCard.config.boxJitter.k > 0, 'the shipped read-out averages over jittered boxes (test/model/measurer.test.ts checks how)');
  // One box's read-out, without the jitter: the steps below are each proposal's before the average.
  const blended = measurerFromCascade({ ...shippedCascade, config: { ...shippedCascade.config, boxJitter: null } }, shippedCard, 'wasm');
  // the same network's pseudo-mask measurement before any of the read-out's constants
  const { cascade, card } = await loadCheckpoint(DEFAULT_MODEL_DIR, { readout: 'mask' });
  const raw = measurerFromCascade({ ...cascade, config: { ...cascade.config, lengthScale: 1, shortLengthScale: 1, boxLengthWeight: null, boxJitter: null } }, card, 'wasm');
  try {
    const c = shippedCard.config;
    assert.equal(c.readout, 'mask+classical');
    const w = c.classicalWeight!, ls = c.lengthScale, ss = c.shortLengthScale, bw = c.boxLengthWeight!;
    assert.ok(w > 0 && w < 1, `classicalWeight ${w}`);
    assert.notEqual(ss, ls, 'the shipped read-out scales the short axis on its own');
    assert.ok(bw.long > 0 && bw.short > 0, 'and pulls both lengths toward the box\'s');
    assert.deepEqual(cascade.config.boxLengthWeight, bw, 'the mask read-out alone uses the same constants');
    const bgs = listBackgrounds({ sharedDir: null });
    const rng = createRng(11);
    let checked = 0;
    for (let i = 0; i < 12 && checked < 3; i++) {
      const g = generateCase(bgs[rng.int(bgs.length)], rng);
      const box = roughBoxFor(g.recist, `case${i}`, 0, g.slice.width, g.slice.height);
      const seg = classicalRecist(g.slice, box);
      const [p, q] = [await blended.measure(g.slice, box), await raw.measure(g.slice, box)];
      if (seg.source !== 'segment' || q.readout !== 'mask') {
        assert.equal(p.readout, q.readout, 'no segment (or no mask): nothing to blend');
        continue;
      }
      assert.equal(p.readout, 'mask+classical');
      const want = towardBoxLengths(scaleAxes(blendRecist(q.recist, seg.recist, w), ls, ss), box, bw);
      assert.ok(segmentLocationDistance(p.recist.long, want.long) < 1e-6 && segmentLocationDistance(p.recist.short, want.short) < 1e-6);
      assert.equal(p.entropy, q.entropy, 'uncertainty is the pseudo-mask\'s');
      checked++;
    }
    assert.ok(checked > 0, 'at least one synthetic lesion had a classical segment to blend');
  } finally {
    blended.dispose();
    raw.dispose();
  }
});
