import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { listMaskCases } from '../../src/data/mask-lesions.ts';
import { parseSplitRef, partOf, readPatientSplit, splitPatients, SPLIT_PARTS } from '../../src/data/patient-split.ts';
import { REPO_ROOT } from '../../src/data/paths.ts';
import { requireSharedData } from '../helpers/shared-data.ts';

test('splitPatients: every patient in exactly one part, sizes by fraction, the same for the same seed', () => {
  const ids = Array.from({ length: 100 }, (_, i) => `p${i}`);
  const a = splitPatients([...ids, 'p3', 'p7'], 5, [0.7, 0.15, 0.15]);
  assert.deepEqual([a.train.length, a.validation.length, a.test.length], [70, 15, 15]);
  const all = [...a.train, ...a.validation, ...a.test];
  assert.equal(new Set(all).size, 100);
  assert.deepEqual(splitPatients(ids, 5, [0.7, 0.15, 0.15]), a);
  assert.notDeepEqual(splitPatients(ids, 6, [0.7, 0.15, 0.15]).test, a.test);
  assert.throws(() => splitPatients(ids, 0, [0, 0, 0]), /split fractions 0,0,0/);
  assert.deepEqual(parseSplitRef('a/b.json:test'), { path: 'a/b.json', part: 'test' });
  assert.deepEqual(parseSplitRef('a/b.json'), { path: 'a/b.json', part: 'train' });
});

test('the committed LIDC split: no patient in two parts, every patient of lidc-nodules in one, reproducible from its command', (t) => {
  const shared = requireSharedData(t);
  if (!shared) return;
  const split = readPatientSplit(join(REPO_ROOT, 'data-splits', 'lidc-nodules.json'));
  const seen = new Map<string, string>();
  for (const part of SPLIT_PARTS) {
    for (const p of split.parts[part]) {
      assert.ok(!seen.has(p), `${p} in ${seen.get(p)} and ${part}`);
      seen.set(p, part);
    }
  }
  const patients = new Set(listMaskCases(join(shared, 'lidc-nodules')).map((c) => c.patientId));
  assert.equal(patients.size, 441);
  assert.equal(seen.size, 441);
  for (const p of patients) assert.ok(partOf(split, p), `${p} is in no part`);
  assert.deepEqual(splitPatients([...patients], split.seed, split.fractions as [number, number, number]), split.parts);
});
