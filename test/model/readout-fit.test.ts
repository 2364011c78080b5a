import { test } from 'node:test';
import assert from 'node:assert/strict';
import { listBackgrounds } from '../../src/data/synth/placement.ts';
import { generateCase } from '../../src/data/synth/generate.ts';
import { roughBoxFor } from '../../src/geometry/box.ts';
import { createRng } from '../../src/geometry/random.ts';
import { initBackend } from '../../src/model/backend/index.ts';
import { disposeCascade } from '../../src/model/cascade.ts';
import { loadCheckpoint } from '../../src/model/checkpoint.ts';
import { evaluateOnItems, type ValidationItem } from '../../src/model/finetune.ts';
import { DEFAULT_MODEL_DIR, proposeForBoxes } from '../../src/model/measurer.ts';
import { CLASSICAL_WEIGHT_GRID, fitClassicalWeight, pairedGain, READOUT_FIT_MIN_Z, withClassicalWeight } from '../../src/model/readout-fit.ts';

/** Five synthetic lesions with their paper rough boxes (marks filled in by each test). */
function cases(): Omit<ValidationItem, 'recist'>[] {
  const bgs = listBackgrounds({ sharedDir: null });
  const rng = createRng(5);
  return Array.from({ length: 5 }, (_, i) => {
    const g = generateCase(bgs[rng.int(bgs.length)], rng);
    return { lesionId: `case${i}`, slice: g.slice, box: roughBoxFor(g.recist, `case${i}`, 0, g.slice.width, g.slice.height) };
  });
}

test('fitClassicalWeight: corrections that are the read-out\'s own marks at one weight are learned back to that weight; the error per weight is the evaluation\'s', async () => {
  await initBackend('wasm');
  const { cascade } = await loadCheckpoint(DEFAULT_MODEL_DIR);
  try {
    const own = cascade.config.classicalWeight!;
    assert.ok(own > 0 && own < 1, `the shipped read-out's weight ${own} lies inside the grid (0 and 1 are the targets below)`);
    const boxed = cases();
    const marksAt0 = await proposeForBoxes(withClassicalWeight(cascade, 0), boxed, 'test', 'wasm');
    for (const target of [0, 1]) {
      // A "site" whose readers mark exactly what the read-out gives with this weight.
      const marks = await proposeForBoxes(withClassicalWeight(cascade, target), boxed, 'test', 'wasm');
      const items = boxed.map((b, i) => ({ ...b, recist: marks[i].recist }));
      const fit = await fitClassicalWeight(cascade, items);
      assert.equal(fit.classicalWeight, target, fit.reason);
      assert.deepEqual(fit.tried.map((t) => t.classicalWeight), [...CLASSICAL_WEIGHT_GRID]);
      const at = fit.tried.find((t) => t.classicalWeight === target)!;
      assert.ok(at.longLocPx < 1e-6, `its own marks: ${at.longLocPx} px`);
      assert.ok(at.gainPx > 0 && at.z >= READOUT_FIT_MIN_Z, `a clear gain over ${own}: ${at.gainPx} px, z ${at.z}`);
      const oneOther = fit.tried.find((t) => t.classicalWeight === 0.5)!;
      assert.equal(oneOther.longLocPx, (await evaluateOnItems(withClassicalWeight(cascade, 0.5), items)).longLocPx);
      assert.match(fit.reason, new RegExp(`classical weight ${own} → ${target} on 5 correction`));
    }
    // Corrections that are its current marks: nothing beats the current weight.
    const current = await proposeForBoxes(cascade, boxed, 'test', 'wasm');
    const kept = await fitClassicalWeight(cascade, boxed.map((b, i) => ({ ...b, recist: current[i].recist })));
    assert.equal(kept.classicalWeight, own);
    assert.match(kept.reason, new RegExp(`kept at ${own} on 5 correction\\(s\\): the best of the grid`));
    // A gain within its noise is not taken: marks at weight 0 on one lesion, the current marks on the other four.
    const one = await fitClassicalWeight(cascade, boxed.map((b, i) => ({ ...b, recist: i === 0 ? marksAt0[0].recist : current[i].recist })));
    assert.equal(one.classicalWeight, own, one.reason);
    // Too few corrections: kept, nothing tried.
    const few = await fitClassicalWeight(cascade, boxed.slice(0, 2).map((b, i) => ({ ...b, recist: current[i].recist })));
    assert.deepEqual([few.classicalWeight, few.tried.length], [own, 0]);
    assert.match(few.reason, /2 correction\(s\), need ≥ 3/);
  } finally {
    disposeCascade(cascade);
  }
  const { cascade: maskOnly } = await loadCheckpoint(DEFAULT_MODEL_DIR, { readout: 'mask' });
  try {
    const fit = await fitClassicalWeight(maskOnly, []);
    assert.equal(fit.classicalWeight, null);
    assert.match(fit.reason, /no classical part/);
  } finally {
    disposeCascade(maskOnly);
  }
});

test('pairedGain: mean per-item gain (current − candidate) and its size in standard errors', () => {
  assert.deepEqual(pairedGain([3, 3, 3], [3, 3, 3]), { gainPx: 0, z: 0 });
  const g = pairedGain([4, 5, 6, 7], [3, 3, 5, 5]); // differences 1, 2, 1, 2: mean 1.5, sd 0.577, se 0.289
  assert.ok(Math.abs(g.gainPx - 1.5) < 1e-12 && Math.abs(g.z - 1.5 / (Math.sqrt(1 / 3) / 2)) < 1e-9, JSON.stringify(g));
  assert.equal(pairedGain([2, 2], [1, 1]).z, Infinity, 'the same gain on every item');
  assert.ok(pairedGain([1, 1], [2, 2]).z === -Infinity);
  assert.throws(() => pairedGain([1], [1, 2]), /pairedGain: 1 vs 2 errors/);
});
