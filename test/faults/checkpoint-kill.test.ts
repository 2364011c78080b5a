/**
 * kill -9 during a checkpoint save: a child process saves a tiny cascade to one folder in a loop (version v<i>, every
 * weight = i) and is SIGKILLed at random moments; after each kill the folder must hold either the last completed
 * model or the one being written — complete, loadable, weights matching its card. Plus the one state a kill can leave
 * between saveCheckpoint's two renames (the old folder moved aside, the new one not yet in place), made by hand.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/model/backend/index.ts';
import { disposeCascade } from '../../src/model/cascade.ts';
import { loadCheckpoint } from '../../src/model/checkpoint.ts';

const CHILD = fileURLToPath(new URL('./checkpoint-child.ts', import.meta.url));
const KILLS = 6;

/** Load `dir`, check every weight equals the card's version number; returns that number. */
async function checkModel(dir: string): Promise<number> {
  const { cascade, card } = await loadCheckpoint(dir);
  try {
    const v = Number(/^v(\d+)$/.exec(card.version)?.[1]);
    assert.ok(Number.isInteger(v), `card version ${card.version}`);
    for (const m of [cascade.stn!, cascade.shn]) {
      for (const w of m.weights) {
        const vals = w.read().dataSync();
        assert.ok(vals.every((x) => x === v), `${card.version}: weight ${w.name} is not all ${v}`);
      }
    }
    return v;
  } finally {
    disposeCascade(cascade);
  }
}

test('kill -9 during checkpoint saves: the folder is always the old or the new complete model', { timeout: 120_000 }, async () => {
  await initBackend('cpu');
  const root = mkdtempSync(join(tmpdir(), 'recist-fault-ckpt-'));
  const dir = join(root, 'model');
  let seed = 99;
  const rand = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  try {
    let next = 1;
    for (let k = 0; k < KILLS; k++) {
      let lastSaved = -1;
      const child = fork(CHILD, [], { execArgv: ['--import', 'tsx'], env: { ...process.env, RECIST_CKPT_DIR: dir, RECIST_CKPT_START: String(next) }, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
      let err = '';
      child.stderr?.on('data', (d: Buffer) => { err += d.toString(); });
      const exited = new Promise((r) => child.once('exit', r));
      // Wait for a first completed save in this round, then kill after a random delay (spread over a save's phases).
      await new Promise<void>((res, rej) => {
        const t = setTimeout(() => rej(new Error(`no save within 60 s: ${err.slice(-1000)}`)), 60_000);
        child.on('message', (m: { saved: number }) => { lastSaved = m.saved; if (m.saved >= next) { clearTimeout(t); res(); } });
      });
      await new Promise((r) => setTimeout(r, rand() * 120));
      child.kill('SIGKILL');
      await exited;
      const v = await checkModel(dir);
      assert.ok(v === lastSaved || v === lastSaved + 1, `after kill ${k}: folder holds v${v}, last completed save v${lastSaved}`);
      next = Math.max(v, lastSaved) + 1;
    }
    const leftovers = readdirSync(root).filter((f) => f !== 'model');
    console.log(`# ${KILLS} kills; model folder always complete; leftovers from interrupted saves: ${leftovers.length}`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a kill between the two renames of saveCheckpoint (old folder moved aside, new not yet in place) is recovered on load', async () => {
  await initBackend('cpu');
  const root = mkdtempSync(join(tmpdir(), 'recist-fault-ckpt2-'));
  const dir = join(root, 'model');
  try {
    // Make a complete v3 with the child's save loop (one save), then move it aside as saveCheckpoint does.
    const child = fork(CHILD, [], { execArgv: ['--import', 'tsx'], env: { ...process.env, RECIST_CKPT_DIR: dir, RECIST_CKPT_START: '3' }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    await new Promise<void>((res) => child.on('message', () => res()));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    for (const f of readdirSync(root)) if (f !== 'model') rmSync(join(root, f), { recursive: true, force: true });
    const v = await checkModel(dir);
    renameSync(dir, `${dir}.old-4194000-1`);
    assert.equal(existsSync(dir), false);
    assert.equal(await checkModel(dir), v, 'the moved-aside model is put back and loads');
    assert.equal(existsSync(dir), true);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  void tf;
});
