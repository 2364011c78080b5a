import { test } from 'node:test';
import assert from 'node:assert/strict';
import { listBackgrounds } from '../../src/data/synth/placement.ts';
import { generateCase } from '../../src/data/synth/generate.ts';
import { roughBoxFor } from '../../src/geometry/box.ts';
import { createRng } from '../../src/geometry/random.ts';
import { blendRecist, scaleAxes, segmentLocationDistance } from '../../src/geometry/recist.ts';
import { createMeasurer, DEFAULT_MODEL_DIR } from '../../src/model/measurer.ts';
import { classicalRecist } from '../../src/segment/classical.ts';

test('mask+classical read-out (the shipped model): the mask read-out blended with the classical segment, then length-scaled (each axis by its own scale)', async () => {
  const blended = await createMeasurer({ modelDir: DEFAULT_MODEL_DIR, backend: 'wasm' });
  const maskOnly = await createMeasurer({ modelDir: DEFAULT_MODEL_DIR, backend: 'wasm', readout: 'mask' });
  try {
    assert.equal(blended.card.config.readout, 'mask+classical');
    const w = blended.card.config.classicalWeight!, ls = blended.card.config.lengthScale, ss = blended.card.config.shortLengthScale;
    assert.equal(maskOnly.card.config.lengthScale, ls, 'both read-outs calibrate lengths the same way');
    assert.equal(maskOnly.card.config.shortLengthScale, ss);
    assert.notEqual(ss, ls, 'the shipped read-out scales the short axis on its own');
    assert.ok(w > 0 && w < 1, `classicalWeight ${w}`);
    const bgs = listBackgrounds({ sharedDir: null });
    const rng = createRng(11);
    let checked = 0;
    for (let i = 0; i < 12 && checked < 3; i++) {
      const c = generateCase(bgs[rng.int(bgs.length)], rng);
      const box = roughBoxFor(c.recist, `case${i}`, 0, c.slice.width, c.slice.height);
      const seg = classicalRecist(c.slice, box);
      const [p, q] = [await blended.measure(c.slice, box), await maskOnly.measure(c.slice, box)];
      if (seg.source !== 'segment' || q.readout !== 'mask') {
        assert.equal(p.readout, q.readout, 'no segment (or no mask): nothing to blend');
        continue;
      }
      assert.equal(p.readout, 'mask+classical');
      // the mask read-out's marks before its length scales (scaling about each axis' midpoint is undone exactly)
      const want = scaleAxes(blendRecist(scaleAxes(q.recist, 1 / ls, 1 / ss), seg.recist, w), ls, ss);
      assert.ok(segmentLocationDistance(p.recist.long, want.long) < 1e-6 && segmentLocationDistance(p.recist.short, want.short) < 1e-6);
      assert.equal(p.entropy, q.entropy, 'uncertainty is the pseudo-mask\'s');
      checked++;
    }
    assert.ok(checked > 0, 'at least one synthetic lesion had a classical segment to blend');
  } finally {
    blended.dispose();
    maskOnly.dispose();
  }
});
