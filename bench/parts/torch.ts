/**
 * The PyTorch CPU peer (bench/torch/cascade.py): installs Debian `python3-torch` with apt-get when it is missing,
 * runs the peer with OPENBLAS_NUM_THREADS=1 and 2 torch threads, writes bench/results/torch.json.
 *
 *   tsx bench/parts/torch.ts [--presets default,paper] [--reps 10]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { resolveConfig, type PresetName } from '../../src/model/config.ts';
import { BENCH_DIR, writeResult } from './common.ts';

const { values } = parseArgs({ options: { presets: { type: 'string', default: 'default,paper' }, reps: { type: 'string', default: '10' }, python: { type: 'string' } } });
// Debian's torch lives in /usr/lib/python3/dist-packages: use the system interpreter, not a pyenv shim.
const python = values.python ?? process.env.RECIST_TORCH_PYTHON ?? '/usr/bin/python3';

function hasTorch(): string | null {
  const r = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

let version = hasTorch();
if (!version) {
  const policy = spawnSync('apt-cache', ['policy', 'python3-torch'], { encoding: 'utf8' });
  const candidate = /Candidate:\s*(\S+)/.exec(policy.stdout ?? '')?.[1];
  if (!candidate || candidate === '(none)') {
    writeResult('torch', { skipped: `python3-torch is not installed and apt has no candidate (${(policy.stdout || policy.stderr || '').trim().split('\n').slice(0, 3).join(' | ')})` });
    process.exit(0);
  }
  console.log(`installing python3-torch ${candidate} with apt-get …`);
  const inst = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'python3-torch'], {
    encoding: 'utf8', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  version = hasTorch();
  if (!version) {
    writeResult('torch', { skipped: `apt-get install python3-torch failed: ${(inst.stderr || inst.stdout || '').trim().split('\n').slice(-3).join(' | ')}` });
    process.exit(0);
  }
}
console.log(`torch ${version} (${python})`);
// The architecture comes from config.ts as it is now, so the peer never drifts from the tfjs presets.
const archs = Object.fromEntries(values.presets!.split(',').map((p) => {
  const c = resolveConfig({ preset: p as PresetName });
  return [p, { blocks: c.stn.blocks, base_width: c.stn.baseWidth, fpn_width: c.stn.fpnWidth, stacks: c.shn.stacks, width: c.shn.width, depth: c.shn.depth, coord: Boolean((c.losses as unknown as Record<string, boolean>).coord) }];
}));
const out = execFileSync(python, [join(BENCH_DIR, 'torch', 'cascade.py'), '--presets', values.presets!, '--reps', values.reps!, '--threads', process.env.RECIST_TORCH_THREADS ?? '2', '--config-json', JSON.stringify(archs)], {
  encoding: 'utf8', env: { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: process.env.RECIST_TORCH_THREADS ?? '2' }, stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24,
});
const lastLine = out.trim().split('\n').at(-1)!;
const parsed = JSON.parse(lastLine) as Record<string, unknown>;
writeResult('torch', { python, ...parsed });
process.exit(0);
