import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ScoreCache } from '../../src/active/scores.ts';

test('score cache: keyed by lesion + model version, invalidated when the model version changes', () => {
  const cache = new ScoreCache();
  cache.useModel('v1');
  assert.deepEqual(cache.missing(['a', 'b']), ['a', 'b']);
  cache.set({ lesionId: 'a', modelVersion: 'v1', entropy: 0.4 });
  cache.set({ lesionId: 'b', modelVersion: 'v1', entropy: 0.2 });
  assert.deepEqual(cache.missing(['a', 'b', 'c']), ['c']);
  assert.equal(cache.useModel('v1'), false, 'same version: nothing dropped');
  assert.equal(cache.get('a')?.entropy, 0.4);
  // a late result from an old model is ignored
  cache.useModel('v2');
  assert.equal(cache.set({ lesionId: 'a', modelVersion: 'v1', entropy: 0.9 }), false);
  assert.equal(cache.get('a'), undefined, 'scores of v1 are stale under v2');
  assert.deepEqual(cache.missing(['a', 'b']), ['a', 'b'], 're-scored only after the version changed');
  cache.set({ lesionId: 'a', modelVersion: 'v2', entropy: 0.1 });
  const copy = ScoreCache.fromJSON(JSON.parse(JSON.stringify(cache.toJSON())));
  assert.equal(copy.modelVersion, 'v2');
  assert.equal(copy.get('a')?.entropy, 0.1);
  assert.equal(ScoreCache.fromJSON({ format: 'nope' }).size, 0);
  const v1 = { format: 'recist-al-scores/1', modelVersion: 'v2', scores: [{ lesionId: 'a', modelVersion: 'v2', entropy: 0.1, time: 0 }] };
  assert.equal(ScoreCache.fromJSON(v1).size, 0, 'a cache written before entropyPx existed is re-scored, not ranked without it');
});
