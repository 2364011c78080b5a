import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ScoreCache } from '../../src/active/scores.ts';
import { STRATEGIES, getStrategy, rankWorklist, serveNext } from '../../src/active/strategies.ts';

const ids = ['a', 'b', 'c', 'd', 'e', 'f'];
const cache = new ScoreCache();
cache.useModel('v1');
// entropyPx = entropy × long-axis px: lesion d (entropy 0.7, 40 px) comes before b (0.9, 10 px)
const longPx = [20, 10, 30, 40, 50];
[0.1, 0.9, 0.5, 0.7, 0.3].forEach((e, i) => cache.set({ lesionId: ids[i], modelVersion: 'v1', entropy: e, tta: 1 - e, entropyPx: e * longPx[i] }));
const scores = cache.snapshot(); // f is unscored

test('strategies: registry with info(); entropy / tta / first order; unscored last; labeled excluded', () => {
  assert.deepEqual([...STRATEGIES.keys()].sort(), ['entropy', 'entropy-px', 'first', 'random', 'tta']);
  for (const s of STRATEGIES.values()) assert.ok(s.info().description.length > 0);
  assert.deepEqual(getStrategy('entropy')({ items: ids }, scores).order, ['b', 'd', 'c', 'e', 'a', 'f']);
  assert.deepEqual(getStrategy('tta')({ items: ids }, scores).order, ['a', 'e', 'c', 'd', 'b', 'f']);
  assert.deepEqual(getStrategy('entropy-px')({ items: ids }, scores).order, ['d', 'c', 'e', 'b', 'a', 'f'], '28, 15, 15, 9, 2 px; ties keep dataset order');
  assert.equal(getStrategy('entropy-px').info().uses, 'entropy', 'scored in the same pass as entropy');
  assert.deepEqual(getStrategy('first')({ items: ids, labeled: new Set(['a']) }, scores).order, ['b', 'c', 'd', 'e', 'f']);
  assert.deepEqual(getStrategy('entropy')({ items: ids, labeled: new Set(['b', 'd']) }, scores).order, ['c', 'e', 'a', 'f']);
  assert.throws(() => getStrategy('nope'), /unknown active-learning strategy "nope"/);
});

test('random strategy: seeded, independent of list order, differs between seeds', () => {
  const r = getStrategy('random');
  const o1 = r({ items: ids, seed: 7 }, scores).order;
  assert.deepEqual(r({ items: [...ids].reverse(), seed: 7 }, scores).order, o1);
  assert.notDeepEqual(r({ items: ids, seed: 8 }, scores).order, o1);
  assert.deepEqual([...o1].sort(), ids);
});

test('rankWorklist: top-k by uncertainty, least recently served first', () => {
  const e = getStrategy('entropy');
  const r = rankWorklist(ids, scores, e, { k: 3, served: new Map([['b', 1000], ['d', 500]]) });
  assert.deepEqual(r.top, ['c', 'd', 'b'], 'never served first, then oldest hand-out');
  assert.deepEqual(r.order, ['c', 'd', 'b', 'e', 'a', 'f']);
  assert.equal(r.scores.b, 0.9);
  assert.throws(() => rankWorklist(ids, scores, e, { k: 0 }), /k = 0/);
});

test('serveNext: two readers asking at once get different lesions; rotation through the top-k', () => {
  const e = getStrategy('entropy');
  const served = new Map<string, number>();
  const now = 5000; // same millisecond for both readers
  const first = serveNext(ids, scores, e, served, { k: 3, now });
  const second = serveNext(ids, scores, e, served, { k: 3, now });
  assert.equal(first, 'b');
  assert.equal(second, 'd');
  assert.equal(serveNext(ids, scores, e, served, { k: 3, now }), 'c');
  assert.equal(serveNext(ids, scores, e, served, { k: 3, now }), 'b', 'all top-k served: the least recently served again');
  assert.equal(serveNext(['x'], scores, e, new Map(), { labeled: new Set(['x']) }), null);
});
