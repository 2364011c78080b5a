/**
 * The backend ladder (src/model/backend/index.ts). Each case runs in a fresh Node process, because
 * the active tfjs backend is process-wide state.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';

/** Run initBackend(preferred) (no argument for 'default') twice in a child process; returns its JSON report. */
function ladder(preferred: string, env: NodeJS.ProcessEnv = {}): { ok: boolean; info?: { name: string; detail: string; skipped?: string[] }; same?: boolean; error?: string; ms: number } {
  const code = `import('./src/model/backend/index.ts').then(async (m) => {
    const t0 = Date.now();
    try { const a = await (${JSON.stringify(preferred)} === 'default' ? m.initBackend() : m.initBackend(${JSON.stringify(preferred)})); const b = await m.initBackend();
      const tf = await import('@tensorflow/tfjs');
      console.log(JSON.stringify({ ok: true, info: a, same: a === b && m.backendInfo() === a && tf.getBackend() === a.name, ms: Date.now() - t0 }));
    } catch (e) { console.log(JSON.stringify({ ok: false, error: e.message, ms: Date.now() - t0 })); } })`;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '-e', code], {
    cwd: new URL('../..', import.meta.url), env: { ...process.env, ...env }, timeout: 90_000, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'],
  });
  const line = out.trim().split('\n').pop() ?? '';
  return JSON.parse(line);
}

describe('initBackend ladder (no GPU, no tfjs-node on this machine)', () => {
  it("auto picks wasm with SIMD and says why tensorflow and webgpu were skipped; idempotent", () => {
    const r = ladder('auto');
    assert.ok(r.ok, r.error);
    assert.equal(r.info?.name, 'wasm');
    assert.match(r.info?.detail ?? '', /^wasm \(SIMD, \d threads?/);
    assert.equal(r.same, true);
    assert.equal(r.info?.skipped?.length, 2);
  });

  it('RECIST_BACKEND=cpu forces cpu', () => {
    const r = ladder('default', { RECIST_BACKEND: 'cpu' });
    assert.ok(r.ok, r.error);
    assert.equal(r.info?.name, 'cpu');
  });

  it('forcing cpu works', () => {
    const r = ladder('cpu');
    assert.ok(r.ok, r.error);
    assert.equal(r.info?.name, 'cpu');
    assert.equal(r.same, true);
  });

  it('forcing webgpu without an adapter throws a clear error quickly', () => {
    const r = ladder('webgpu');
    assert.equal(r.ok, false);
    assert.match(r.error ?? '', /backend 'webgpu' unavailable: no (GPU adapter|Vulkan loader)/);
    assert.ok(r.ms < 20_000, `took ${r.ms} ms`);
  });

  it('forcing tensorflow without tfjs-node throws a clear error', () => {
    const r = ladder('tensorflow');
    assert.equal(r.ok, false);
    assert.match(r.error ?? '', /backend 'tensorflow' unavailable: @tensorflow\/tfjs-node-gpu is not installed; @tensorflow\/tfjs-node is not installed/);
  });

  it('an unknown name throws listing the valid ones', () => {
    const r = ladder('gpu');
    assert.equal(r.ok, false);
    assert.match(r.error ?? '', /unknown backend 'gpu'.*auto, tensorflow, webgpu, wasm, cpu/);
  });

  it('RECIST_WASM_THREADS=1 gives a single-threaded wasm', () => {
    const r = ladder('wasm', { RECIST_WASM_THREADS: '1' });
    assert.ok(r.ok, r.error);
    assert.equal(r.info?.detail, 'wasm (SIMD, 1 thread)');
  });
});
