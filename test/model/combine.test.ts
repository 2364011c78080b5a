import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTraining } from '../../src/model/train-run.ts';
import { combineModels } from '../../src/model/combine.ts';
import { resolveConfig } from '../../src/model/config.ts';

test('models combine: the STN of one model, the SHN of another, both lineages in the card', async () => {
  const root = mkdtempSync(join(tmpdir(), 'recist-combine-'));
  try {
    const run = (out: string, phases: string[]) => runTraining({
      dataDirs: [], synthetic: true, realFraction: 0, preset: 'tiny', outDir: join(root, out), minutes: 0.03, batch: 2, microBatch: 2,
      optimizer: 'adam', lr: 1e-3, seed: 3, valCount: 2, resume: false, backend: 'wasm', command: `test ${out}`, phases, log: () => {},
    });
    const a = await run('a', ['stn-lrp-first']);
    const b = await run('b', ['shn']);
    const card = await combineModels(join(root, 'a'), join(root, 'b'), join(root, 'c'));
    assert.equal(card.parent, `${a.version} (stn) + ${b.version} (shn)`);
    assert.deepEqual((card.training as { history: { command: string }[] }).history.map((r) => r.command), ['test a', 'test b']);
    assert.deepEqual(readFileSync(join(root, 'c', 'stn', 'weights.bin')), readFileSync(join(root, 'a', 'stn', 'weights.bin')));
    assert.deepEqual(readFileSync(join(root, 'c', 'shn', 'weights.bin')), readFileSync(join(root, 'b', 'shn', 'weights.bin')));
    assert.notDeepEqual(readFileSync(join(root, 'c', 'shn', 'weights.bin')), readFileSync(join(root, 'a', 'shn', 'weights.bin')));
    assert.ok(resolveConfig(card.config));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
