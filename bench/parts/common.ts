/**
 * Shared by the benchmark parts (bench/parts/*.ts, each run by bench/run.ts in its own process so peak RSS and the
 * wasm heap are per part): the model under test, quantiles, machine description, result files.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { REPO_ROOT } from '../../src/data/paths.ts';
import { buildCascade, type Cascade } from '../../src/model/cascade.ts';
import { loadCheckpoint } from '../../src/model/checkpoint.ts';
import { resolveConfig, type PresetName } from '../../src/model/config.ts';
import { netStats } from '../../src/model/nets/stats.ts';

export const BENCH_DIR = join(REPO_ROOT, 'bench');
export const RESULTS_DIR = process.env.RECIST_BENCH_OUT ? resolve(process.env.RECIST_BENCH_OUT) : join(BENCH_DIR, 'results');
export const MODEL_DIR = join(REPO_ROOT, 'models', 'default');

/** models/default when it exists (trained weights), else an untrained seeded cascade of `preset` (same cost). */
export async function benchModel(preset: PresetName = 'default'): Promise<{ cascade: Cascade; source: string }> {
  if (preset === 'default' && existsSync(join(MODEL_DIR, 'card.json'))) {
    const { cascade, card } = await loadCheckpoint(MODEL_DIR);
    return { cascade, source: `models/default (${card.version})` };
  }
  return { cascade: buildCascade(resolveConfig({ preset }), { seed: 1 }), source: `untrained ${preset} preset (timings do not depend on the weights)` };
}

/** Forward FLOPs per sample (convs + dense; sampler and elementwise ops excluded) and parameter counts. */
export function cascadeStats(c: Cascade): { flopsPerSample: number; params: number; trainableParams: number } {
  const parts = [c.stn, c.shn].filter((m): m is tf.LayersModel => m !== null).map(netStats);
  return {
    flopsPerSample: parts.reduce((a, s) => a + s.flops, 0),
    params: parts.reduce((a, s) => a + s.params, 0),
    trainableParams: parts.reduce((a, s) => a + s.trainableParams, 0),
  };
}

export function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const i = (s.length - 1) * q;
  const lo = Math.floor(i), hi = Math.ceil(i);
  return s[lo] + (s[hi] - s[lo]) * (i - lo);
}
export const median = (xs: readonly number[]): number => quantile(xs, 0.5);

export function machine(): { cpu: string; cores: number; memGiB: number; node: string } {
  const c = cpus();
  return { cpu: c[0]?.model ?? 'unknown', cores: c.length, memGiB: Math.round(totalmem() / 2 ** 30), node: process.version };
}

/** Peak resident set of this process so far, MiB (process.resourceUsage().maxRSS is in KiB). */
export const peakRssMiB = (): number => process.resourceUsage().maxRSS / 1024;

/** Write bench/results/<name>.json (with date, machine and peak RSS) and print the path. */
export function writeResult(name: string, data: Record<string, unknown>): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const path = join(RESULTS_DIR, `${name}.json`);
  const out = { name, date: new Date().toISOString(), machine: machine(), ...data, peakRssMiB: Math.round(peakRssMiB()) };
  writeFileSync(path, JSON.stringify(out, null, 2) + '\n');
  console.log(`wrote ${path}`);
  return path;
}

export const round = (x: number, d = 1): number => Math.round(x * 10 ** d) / 10 ** d;
