/**
 * The benchmark suite (`npm run bench`): runs every part in its own process (so peak RSS and the wasm heap are per
 * part), writes bench/results/<part>.json, then bench/results/SUMMARY.md (markdown tables with date, machine and
 * backend): proposal latency/throughput (wasm; cpu at batch 1), training step per preset with GFLOP/s, the PyTorch
 * CPU peer side by side with ratios, tf.profile top kernels, fine-tune time for 32 corrections, the 50-reader load
 * test, the UI round trip from the e2e test, and the WebGPU H200 numbers measured on lent machines (bench/results/webgpu-h200*.json).
 *
 *   npm run bench                                  everything (~10 min on 2 cores)
 *   npm run bench -- --only torch,train-default    some parts (SUMMARY.md is rebuilt from all result files)
 *   npm run bench -- --skip ui,load --load-seconds 30
 *   npm run bench -- --summary                     only rebuild SUMMARY.md from bench/results/*.json
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { BENCH_DIR, RESULTS_DIR, machine, round, writeResult } from './parts/common.ts';

const ROOT = resolve(BENCH_DIR, '..');
const { values } = parseArgs({
  options: {
    only: { type: 'string' }, skip: { type: 'string' }, 'load-seconds': { type: 'string', default: '120' }, summary: { type: 'boolean', default: false },
  },
});

interface Part { readonly name: string; readonly args: string[]; readonly env?: Record<string, string>; readonly timeoutS: number }
const tsx = (file: string, ...args: string[]): string[] => ['--import', 'tsx', join(BENCH_DIR, 'parts', file), ...args];
const loadOut = join(RESULTS_DIR, 'load.json');
const PARTS: Part[] = [
  { name: 'proposal-wasm', args: tsx('proposal.ts', 'wasm'), timeoutS: 240 },
  { name: 'proposal-cpu', args: tsx('proposal.ts', 'cpu', '--reps', '2'), timeoutS: 240 },
  { name: 'profile', args: tsx('profile.ts'), timeoutS: 120 },
  { name: 'train-default', args: tsx('train.ts', 'default', '--profile'), timeoutS: 240 },
  { name: 'train-default-baseline', args: tsx('train.ts', 'default', '--baseline', '--steps', '2'), timeoutS: 240 },
  { name: 'train-paper', args: tsx('train.ts', 'paper'), timeoutS: 600 },
  { name: 'torch', args: tsx('torch.ts'), timeoutS: 600 },
  { name: 'finetune', args: tsx('finetune.ts'), timeoutS: 300 },
  {
    name: 'load', args: ['--import', 'tsx', '--test', join(ROOT, 'test', 'load', 'load.test.ts')],
    env: { RECIST_LOAD_SECONDS: values['load-seconds']!, RECIST_LOAD_OUT: loadOut, RECIST_LOAD_MODEL: 'untrained' }, timeoutS: Number(values['load-seconds']) + 180,
  },
  { name: 'ui', args: ['--import', 'tsx', '--test', join(ROOT, 'test', 'e2e', 'labeling.test.ts')], timeoutS: 240 },
];

const only = values.only ? new Set(values.only.split(',')) : null;
const skip = new Set((values.skip ?? '').split(',').filter(Boolean));
const load0 = loadavg();
const log: { part: string; seconds: number; status: string }[] = [];

if (!values.summary) {
  for (const p of PARTS) {
    if ((only && !only.has(p.name)) || skip.has(p.name)) continue;
    console.log(`\n=== ${p.name} (load average ${loadavg()[0].toFixed(2)}) ===`);
    const t0 = Date.now();
    const r = spawnSync(process.execPath, p.args, {
      cwd: ROOT, env: { ...process.env, ...p.env }, encoding: 'utf8', timeout: p.timeoutS * 1000, maxBuffer: 1 << 26, stdio: ['ignore', 'pipe', 'pipe'],
    });
    const seconds = (Date.now() - t0) / 1000;
    const out = `${r.stdout ?? ''}`;
    process.stdout.write(out.split('\n').filter((l) => !/^\s*(duration_ms|\.\.\.|---|TAP|1\.\.)/.test(l)).slice(-25).join('\n') + '\n');
    const status = r.error ? `failed: ${r.error.message}` : r.status === 0 ? 'ok' : `exit ${r.status ?? r.signal}: ${(r.stderr ?? '').split('\n').filter((l) => /Error|error|not ok/.test(l)).slice(0, 3).join(' | ').slice(0, 300)}`;
    if (status !== 'ok') console.log(`!! ${p.name}: ${status}\n${(r.stderr ?? '').slice(-1500)}`);
    log.push({ part: p.name, seconds: round(seconds), status });
    if (p.name === 'ui') {
      const m = /proposal round trip[^:]*?, (\d+) boxes, model (.*?): p50 (\d+) ms, p95 (\d+) ms, max (\d+) ms/.exec(out);
      writeResult('ui', m
        ? { source: 'test/e2e/labeling.test.ts (headless Chromium, pointer-up → marks drawn)', boxes: Number(m[1]), model: m[2], p50Ms: Number(m[3]), p95Ms: Number(m[4]), maxMs: Number(m[5]) }
        : { skipped: `the e2e test printed no round-trip line (${/# SKIP[^\n]*|no Chromium[^\n]*/.exec(out)?.[0] ?? status})` });
    }
  }
  writeResult('run', { loadAverageAtStart: load0.map((x) => round(x, 2)), parts: log });
}

// ------------------------------------------------------------------------------------------------------ summary
const read = (name: string): any => {
  const p = join(RESULTS_DIR, `${name}.json`);
  try { return existsSync(p) ? JSON.parse(readFileSync(p, 'utf8')) : null; } catch { return null; }
};
const f = (x: unknown, d = 0): string => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(d) : '—');
const ratio = (a: unknown, b: unknown): string => (typeof a === 'number' && typeof b === 'number' && b > 0 ? `${(a / b).toFixed(2)}×` : '—');
const mib = (r: any): string => (r?.peakRssMiB ? `${r.peakRssMiB} MiB` : '—');
const lines: string[] = [];
const m = machine();
const run = read('run');
const pw = read('proposal-wasm'), pc = read('proposal-cpu'), td = read('train-default-wasm'), tp = read('train-paper-wasm'), tb = read('train-default-wasm-baseline');
const torch = read('torch'), ft = read('finetune-wasm'), load = read('load'), ui = read('ui'), prof = read('profile-forward-wasm'), gpu = read('webgpu-h200');
lines.push('# Benchmarks', '');
lines.push(`- date: ${new Date().toISOString()} (parts: ${[pw, pc, td, tp, torch, ft, load].filter((r: any) => r?.name && r?.date).map((r: any) => `${r.name} ${String(r.date).slice(0, 16)}`).join(', ')})`);
lines.push(`- machine: ${m.cpu} × ${m.cores} logical cores, ${m.memGiB} GiB, Node ${m.node}; load average at start ${run?.loadAverageAtStart?.join(' / ') ?? '—'}`);
lines.push(`- backend: ${pw?.backend ?? td?.backend ?? '—'}${pc ? `; cpu backend: ${pc.backend}` : ''}`);
lines.push(`- model: ${pw?.model ?? td?.model ?? '—'}; ${pw ? `${pw.gflopPerLesion} GFLOP per lesion (convs + dense)` : ''}`);
lines.push(`- regenerate: \`npm run bench\` (JSON per part in bench/results/); timings are medians unless marked p95`, '');

lines.push('## Proposals (default preset, one lesion = crop + cascade + decode, as the server does)', '');
lines.push('| backend | p50 (1 lesion) | p95 (1 lesion) | batch 8 | batch 64 | peak RSS |', '|---|---|---|---|---|---|');
for (const r of [pw, pc]) {
  if (!r) continue;
  const t = r.throughput ?? {};
  const thr = (b: any) => (b ? `${f(b.lesionsPerS, 1)} lesions/s (${f(b.medianMs)} ms)` : 'not run');
  lines.push(`| ${r.backend} | ${f(r.latencyBatch1?.p50Ms)} ms | ${f(r.latencyBatch1?.p95Ms)} ms | ${thr(t.batch8)} | ${thr(t.batch64)} | ${mib(r)} |`);
}
lines.push('');
if (pw?.forwardVariants) {
  lines.push('Forward pass alone, same weights and inputs, one run (median ms, kernels per forward): the whole cascade or the STN alone',
    '(what a mask read-out proposal runs), with the layers models or batchnorm folded into the convolutions (`folded.ts`).', '');
  lines.push('| variant | median | kernels |', '|---|---|---|');
  for (const [name, v] of Object.entries(pw.forwardVariants as Record<string, { medianMs: number; kernels: number }>)) lines.push(`| ${name} | ${f(v.medianMs)} ms | ${v.kernels} |`);
  lines.push('');
}

lines.push('## Training step (batch 8, joint phase: all losses, all weights, Adam, clip)', '');
lines.push('| preset | params | forward GFLOP/sample | GFLOP/step (3× fwd × 8) | step | achieved | micro-batch | peak RSS |', '|---|---|---|---|---|---|---|---|');
for (const r of [td, tp]) {
  if (!r) continue;
  lines.push(`| ${r.preset} | ${(r.params / 1e6).toFixed(2)} M | ${r.forwardGflopPerSample} | ${r.trainGflopPerStep} | ${f(r.stepMs / 1000, 2)} s | ${f(r.achievedGflops, 1)} GFLOP/s | ${r.microBatch} | ${mib(r)} |`);
}
lines.push('');

if (tb && td) {
  lines.push(`Effect of this project's speed kernels (${(tb.baselineKernels ?? []).join(', ')}; src/model/backend/kernels/), default preset, same run: ` +
    `train step ${f(tb.stepMs)} → ${f(td.stepMs)} ms (${ratio(tb.stepMs, td.stepMs)} faster), forward batch 1 ${f(tb.forward?.batch1?.medianMs)} → ${f(td.forward?.batch1?.medianMs)} ms, ` +
    `batch 8 ${f(tb.forward?.batch8?.medianMs)} → ${f(td.forward?.batch8?.medianMs)} ms (before → after).`, '');
}

lines.push('## tfjs-wasm vs PyTorch CPU (same machine, same run)', '');
if (torch?.presets) {
  lines.push(`PyTorch ${torch.torch} (Debian python3-torch, oneDNN ${torch.mkldnn ? 'on' : 'off'}), ${torch.threads} threads, OPENBLAS_NUM_THREADS=${torch.openblasThreads}, layout ${torch.layout}. Ratio = tfjs ÷ PyTorch (goal ≤ 2×).`, '');
  lines.push('| preset | trainable params tfjs / torch | total (incl. BN stats) tfjs / torch | fwd b1 tfjs / torch | ratio | fwd b8 tfjs / torch | ratio | train step b8 tfjs / torch | ratio |', '|---|---|---|---|---|---|---|---|---|');
  for (const [preset, r] of [['default', td], ['paper', tp]] as const) {
    const t = torch.presets[preset];
    if (!t) continue;
    const same = r && r.trainableParams === t.params.trainable && r.params === t.params.total ? ' ✓' : r ? ' ✗ MISMATCH' : '';
    lines.push(`| ${preset} | ${r?.trainableParams ?? '—'} / ${t.params.trainable}${same} | ${r?.params ?? '—'} / ${t.params.total} | ` +
      `${f(r?.forward?.batch1?.medianMs)} / ${f(t.forwardBatch1Ms)} ms | ${ratio(r?.forward?.batch1?.medianMs, t.forwardBatch1Ms)} | ` +
      `${f(r?.forward?.batch8?.medianMs)} / ${f(t.forwardBatch8Ms)} ms | ${ratio(r?.forward?.batch8?.medianMs, t.forwardBatch8Ms)} | ` +
      `${f(r?.stepMs)} / ${f(t.trainStepBatch8Ms)} ms | ${ratio(r?.stepMs, t.trainStepBatch8Ms)} |`);
  }
  lines.push('', `PyTorch peak RSS ${mib(torch)} (the Node wrapper; the Python process is not included).`, '');
} else lines.push(torch?.skipped ? `Not run: ${torch.skipped}` : 'Not run.', '');

lines.push('## Where the tfjs time goes (tf.profile, kernel time by kernel)', '');
const profTable = (title: string, p: any): void => {
  if (!p?.top) return;
  lines.push(`${title} — ${p.kernelCalls} kernel calls, ${p.totalKernelMs} ms kernel time:`, '');
  lines.push('| kernel | ms | calls | share |', '|---|---|---|---|');
  for (const k of p.top.slice(0, 8)) lines.push(`| ${k.kernel} | ${f(k.ms, 1)} | ${k.calls} | ${(k.share * 100).toFixed(1)}% |`);
  lines.push('', `Most expensive (kernel, input shapes): ${p.byShape.slice(0, 4).map((s: any) => `${s.kernel} ${s.shapes} ${f(s.ms)} ms/${s.calls}`).join('; ')}`, '');
};
profTable('Training step, default preset, batch 8 (wasm)', td?.profile);
profTable('Forward, batch 1 (wasm)', prof?.batch1);
profTable('Forward, batch 8 (wasm)', prof?.batch8);

lines.push('## Fine-tune (32 corrections)', '');
if (ft) {
  lines.push(`${ft.how}. ${ft.trainCorrections} train / ${ft.validationCorrections} held-out corrections, ${ft.steps} steps: **${f(ft.totalS, 1)} s** in all ` +
    `(${f(ft.trainS, 1)} s training = ${f(ft.perStepS, 2)} s/step, ${f(ft.validateAndLoadS, 1)} s load + validation${ft.readoutFit ? ' + read-out fit' : ''}); peak RSS ${mib(ft)}; model ${ft.model}.` +
    (ft.readoutOnly ? ` A read-out-only job on the same corrections (\`serve --finetune-steps 0\`: the classical weight re-picked, no training): **${f(ft.readoutOnly.totalS, 1)} s**.` : '') +
    (ft.withoutReadoutFit ? ` The job without the read-out fit (\`--no-finetune-readout\`), same run: ${f(ft.withoutReadoutFit.totalS, 1)} s (${f(ft.withoutReadoutFit.trainS, 1)} s training).` : ''), '');
} else lines.push('Not run.', '');

lines.push('## Load test (test/load/load.test.ts)', '');
if (load) {
  lines.push(`${load.readers} socket.io readers against one server (child process, 127.0.0.1, demo dataset, temp labels, measurer: ${load.measurer}) for ${load.seconds} s:`, '');
  lines.push('| proposals | saves | labels on disk | lost | duplicated | errors | propose p50 / p95 / max | save p50 / p95 / max | server RSS start / warm / end |', '|---|---|---|---|---|---|---|---|---|');
  lines.push(`| ${load.proposals} (${load.proposalsPerS}/s) | ${load.saves} (${load.savesPerS}/s) | ${load.labelsOnDisk} | ${load.missing} | ${load.duplicates} | ${load.errors} | ` +
    `${load.proposeMs.p50} / ${load.proposeMs.p95} / ${load.proposeMs.max} ms | ${load.saveMs.p50} / ${load.saveMs.p95} / ${load.saveMs.max} ms | ` +
    `${load.serverRssMiB.start} / ${load.serverRssMiB.warm} / ${load.serverRssMiB.end} MiB |`, '');
} else lines.push('Not run.', '');

lines.push('## UI round trip (pointer-up → marks drawn)', '');
lines.push(ui?.p50Ms !== undefined ? `From ${ui.source}: ${ui.boxes} boxes, model ${ui.model}: p50 ${ui.p50Ms} ms, p95 ${ui.p95Ms} ms, max ${ui.maxMs} ms.` : `Skipped: ${ui?.skipped ?? 'not run'}.`, '');

if (gpu) {
  lines.push('## WebGPU on an NVIDIA H200 (bench/gpu-run.ts on lent machines, bench/results/webgpu-h200.json, not re-measured here)', '');
  lines.push('| forward (medians) | batch 1 | batch 8 | JS enqueue b1 / b8 | kernels |', '|---|---|---|---|---|');
  const fwd = (name: string, r: any) => r && lines.push(`| ${name} | ${f(r.batch1.wallMs, 1)} ms | ${f(r.batch8.wallMs, 1)} ms | ${f(r.batch1.enqueueMs, 1)} / ${f(r.batch8.enqueueMs, 1)} ms | ${r.batch1.kernels} |`);
  fwd('STN alone, batchnorm folded (a mask read-out proposal)', gpu.forwardFolded?.['STN only folded']);
  fwd('whole cascade, batchnorm folded (heatmap read-outs)', gpu.forwardFolded?.['cascade folded']);
  const old = read('webgpu-h200-2026-11-26');
  for (const [name, r] of Object.entries(old?.forwardDefaultPreset ?? {}).slice(0, 1)) fwd(`whole cascade, layers models (2026-11-26), ${name}`, r);
  lines.push('');
  const p = gpu.proposalShippedModel;
  const pb = gpu.proposalShippedModelBeforeJitter;
  if (p) lines.push(`Proposal, shipped model end to end: p50 ${f(p.p50Ms, 1)} ms, p95 ${f(p.p95Ms, 1)} ms, batch of 8 ${f(p.batch8Ms, 1)} ms` +
    (pb ? ` (before the box jitter, one crop per proposal: ${f(pb.p50Ms, 1)} / ${f(pb.p95Ms, 1)} / ${f(pb.batch8Ms, 1)} ms).` : '.'), '');
  lines.push('| fine-tune on 32 corrections (40 steps, batch 8), code | total | first step | later steps (median) | load + validation |', '|---|---|---|---|---|');
  for (const t of gpu.fineTune32ByCode ?? []) lines.push(`| ${t.code} | ${f(t.totalS, 1)} s | ${f(t.firstStepS, 2)} s | ${f(t.laterStepMedianS, 3)} s | ${f(t.validateAndLoadS, 1)} s |`);
  const fz = gpu.fineTune32FrozenBatchnorm;
  if (fz) lines.push(`| a4ff48e with the batchnorm statistics frozen (after that row, in its process) | ${f(fz.totalS, 1)} s | ${f(fz.firstStepS, 2)} s | ${f(fz.laterStepMedianS, 3)} s | ${f(fz.validateAndLoadS, 1)} s |`);
  const o = gpu.optimizerUpdateStn;
  lines.push('');
  if (o) lines.push(`One optimizer update of the STN's ${o.variables} variables, in one call: per variable (clip + tf.train.adam) ${f(o.perVariable.ms, 1)} ms, ${o.perVariable.kernels} kernels; flat ${f(o.flat.ms, 1)} ms, ${o.flat.kernels} kernels (${o.ratio}×).`);
  lines.push(`Training step (joint): default b8 ${f(gpu.trainStepDefaultB8Ms)} ms, default b32 ${f(gpu.trainStepDefaultB32Ms)} ms, paper b8 ${f(gpu.trainStepPaperB8Ms)} ms (2026-11-26: ${f(old?.trainStepDefaultB8Ms)} / ${f(old?.trainStepDefaultB32Ms)} / ${f(old?.trainStepPaperB8Ms)} ms).`, '');
  const x = gpu.crossBackendDevEval;
  if (x) lines.push(`Real dev lesions on WebGPU vs wasm (${x.data}): ${x.result}; long-axis location ${Object.entries(x.longLocPx).map(([k, v]) => `${k} ${v}`).join(', ')} px; ${x.wallS} s.`, '');
  const tr = gpu.trainCli;
  if (tr) lines.push(`\`recist train\` on WebGPU (${tr.data}): ${tr.steps} STN steps at batch 32 in ${tr.seconds} s, ${tr.samplesPerS} samples/s (wasm, 2 cores: ${tr.wasmSamplesPerS}; ${tr.wasmSource}); ${tr.validation}; ${tr.devEval}.`, '');
  lines.push(`${gpu.backend}; ${(gpu.runs ?? []).map((r: any) => `${String(r.date).slice(0, 16)} (${r.code})`).join(', ')}. ${gpu.note ?? ''}`, '');
}
if (run?.parts) {
  lines.push('## Parts of the last run', '', '| part | wall s | status |', '|---|---|---|');
  for (const p of run.parts) lines.push(`| ${p.part} | ${p.seconds} | ${p.status} |`);
  lines.push('');
}
const notes = join(BENCH_DIR, 'NOTES.md');
if (existsSync(notes)) lines.push(readFileSync(notes, 'utf8').trim(), '');
writeFileSync(join(RESULTS_DIR, 'SUMMARY.md'), lines.join('\n'));
console.log(`wrote ${join(RESULTS_DIR, 'SUMMARY.md')}`);
