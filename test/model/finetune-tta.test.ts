import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TTA_TRANSFORMS, transformCrop } from '../../src/model/finetune-tta.ts';

test('TTA transforms are exact pixel permutations and inverse maps points back', () => {
  const S = 8;
  const img = Float32Array.from({ length: S * S }, (_, i) => i);
  for (const t of TTA_TRANSFORMS) {
    const out = transformCrop(img, S, t);
    assert.deepEqual([...out].sort((a, b) => a - b), [...img], `${t.name}: a permutation`);
    for (const p of [{ x: 1, y: 2 }, { x: 7, y: 0 }, { x: 3.25, y: 5.5 }]) {
      const q = t.forward(p, S);
      const back = t.inverse(q, S);
      assert.ok(Math.abs(back.x - p.x) < 1e-12 && Math.abs(back.y - p.y) < 1e-12, `${t.name} inverse`);
      if (Number.isInteger(p.x) && Number.isInteger(p.y)) assert.equal(out[q.y * S + q.x], img[p.y * S + p.x], `${t.name}: pixel moves with its point`);
    }
  }
});
