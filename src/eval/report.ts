/**
 * Evaluation report files: JSON (everything), CSV (tables, summaries, per-lesion rows), markdown with embedded
 * standalone SVG plots, and a self-contained HTML page (inline SVG, worst cases as PNG data URIs; no network).
 *
 * Plots: Bland–Altman of diameter lengths (mm) per axis, location error vs lesion size per axis, and for models the
 * long-axis location error vs the proposal's uncertainty (does the worklist's ranking find the bad proposals?).
 * Worst cases: per method, the lesions with the largest long-axis location error vs DL, as windowed crops with
 * every reader's mark, the method's prediction (first seed) and its rough box.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openLesionSet } from '../data/lesion-set.ts';
import { COLORS, type OverlayLayer, overlayPng, type Rgb } from '../data/overlay.ts';
import { AXES, type AxisName, formatSig } from './metrics.ts';
import { renderCsv, renderLongCsv, renderMarkdown, tableToJson } from './reader-table.ts';
import { DL_READER, type EvalResult, findSummary } from './run.ts';
import { modelVsBaselines, type PairedDifference } from './paired.ts';
import { type HLine, PALETTE, scatterSvg, type Series } from './svg.ts';
import { UNCERTAINTY_SCORES, type UncertaintyCheck, uncertaintyVsError } from './uncertainty.ts';

export interface ReportOptions {
  /** Title line (default "RECIST evaluation"). */
  readonly title?: string;
  /** Model cards by method name, printed in the header. */
  readonly modelCards?: Readonly<Record<string, unknown>>;
  /** Worst cases per method (default 4). */
  readonly worstCount?: number;
}

export interface ReportFiles {
  readonly dir: string;
  readonly files: readonly string[];
  readonly markdown: string;
}

function writeAtomic(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new Error(`${path}: cannot write report file: ${err instanceof Error ? err.message : String(err)}`);
  }
}

const csvCell = (v: unknown): string => {
  const s = v === null || v === undefined ? '' : typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};
const csv = (rows: readonly (readonly unknown[])[]): string => rows.map((r) => r.map(csvCell).join(',')).join('\n') + '\n';
const f3 = (v: number): string => formatSig(v, 3);
const slug = (s: string): string => s.replace(/[^A-Za-z0-9._-]+/g, '_');

/** Per-lesion comparison rows (methods: mean over seeds). */
export function perLesionCsv(result: EvalResult): string {
  const info = new Map(result.lesions.map((l) => [l.id, l]));
  const rows: unknown[][] = [[
    'row', 'reference', 'lesion_id', 'file_name', 'lesion_type', 'spacing_mm', 'ref_long_px', 'ref_short_px',
    ...AXES.flatMap((a) => [`${a}_loc_px`, `${a}_len_px`, `${a}_signed_len_px`, `${a}_loc_mm`, `${a}_len_mm`, `${a}_signed_len_mm`, `${a}_rel_len_pct`]),
  ]];
  for (const p of result.comparisons) {
    for (const it of p.items) {
      const l = info.get(it.id);
      rows.push([
        p.row, p.column, it.id, l?.fileName, l?.typeName, l?.spacing.x, it.cmp.long.lenBPx, it.cmp.short.lenBPx,
        ...AXES.flatMap((a) => {
          const c = it.cmp[a];
          return [c.locPx, c.lenPx, c.signedLenPx, c.locMm, c.lenMm, c.signedLenMm, c.relLenPct];
        }),
      ]);
    }
  }
  return csv(rows);
}

/** One line per (row, reference, axis): the headline numbers. */
export function summaryCsv(result: EvalResult): string {
  const rows: unknown[][] = [[
    'row', 'reference', 'axis', 'n', 'loc_px_mean', 'loc_px_std', 'len_px_mean', 'len_px_std', 'loc_mm_mean', 'loc_mm_std',
    'len_mm_mean', 'len_mm_std', 'rel_len_pct_median', 'abs_rel_len_pct_median', 'ba_bias_mm', 'ba_lower_mm', 'ba_upper_mm', 'ba_bias_pct', 'ba_lower_pct', 'ba_upper_pct',
  ]];
  for (const s of result.summaries) {
    for (const a of AXES) {
      const x = s.axes[a];
      rows.push([s.method, s.reader, a, s.n, x.locPx.mean, x.locPx.std, x.lenPx.mean, x.lenPx.std, x.locMm.mean, x.locMm.std, x.lenMm.mean, x.lenMm.std,
        x.relLenPct.median, x.absRelLenPct.median, x.blandAltmanMm.bias, x.blandAltmanMm.lower, x.blandAltmanMm.upper,
        x.blandAltmanPct.bias, x.blandAltmanPct.lower, x.blandAltmanPct.upper]);
    }
  }
  return csv(rows);
}

/** Rows compared against DL (methods and the other readers), in display order. */
function rowsVsDl(result: EvalResult): string[] {
  return [...result.readers.filter((r) => r !== DL_READER), ...result.methods.map((m) => m.name)];
}

export function blandAltmanSvg(result: EvalResult, axis: AxisName): string {
  const rows = rowsVsDl(result);
  const series: Series[] = [];
  const hlines: HLine[] = [];
  rows.forEach((name, i) => {
    const s = findSummary(result, name);
    if (!s) return;
    const ba = s.axes[axis].blandAltmanMm;
    const color = PALETTE[i % PALETTE.length];
    series.push({ name: `${name} (bias ${f3(ba.bias)}, LoA ${f3(ba.lower)}…${f3(ba.upper)} mm)`, color, points: ba.points.map((p) => ({ x: p.mean, y: p.diff })) });
    hlines.push({ y: ba.bias, color }, { y: ba.lower, color, dash: true }, { y: ba.upper, color, dash: true });
  });
  return scatterSvg(series, {
    title: `Bland–Altman, ${axis} diameter vs DL (mm)`, xLabel: 'mean of the two lengths (mm)', yLabel: 'difference (row − DL), mm', hlines,
  });
}

export function errorVsSizeSvg(result: EvalResult, axis: AxisName): string {
  const size = new Map(result.lesions.map((l) => [l.id, l.longPx * l.spacing.x]));
  const series: Series[] = [];
  rowsVsDl(result).forEach((name, i) => {
    const p = result.comparisons.find((c) => c.row === name && c.column === DL_READER);
    if (!p) return;
    series.push({ name, color: PALETTE[i % PALETTE.length], points: p.items.map((it) => ({ x: size.get(it.id) ?? Number.NaN, y: it.cmp[axis].locPx, label: it.id })) });
  });
  return scatterSvg(series, { title: `${axis} axis location error vs lesion size`, xLabel: 'DL long diameter (mm)', yLabel: 'location difference vs DL (px)' });
}

/** Every method that reports an uncertainty, checked against DL with each score. */
function uncertaintyChecks(result: EvalResult): UncertaintyCheck[] {
  return result.methods.flatMap((m) => UNCERTAINTY_SCORES.map((s) => uncertaintyVsError(result, m.name, s))).filter((c): c is UncertaintyCheck => c !== null);
}

/** One scatter per score (entropy is a fraction, entropy-px a length: they do not share an axis). */
export function errorVsUncertaintySvg(checks: readonly UncertaintyCheck[], score: UncertaintyCheck['score']): string {
  const series: Series[] = checks.filter((c) => c.score === score).map((c, i) => ({
    name: `${c.method} (Spearman ρ ${f3(c.rho)})`, color: PALETTE[i % PALETTE.length],
    points: c.points.map((p) => ({ x: p.uncertainty, y: p.errorPx, label: p.id })),
  }));
  const xLabel = score === 'entropy' ? 'entropy, mean over rough boxes' : 'entropy × proposed long axis (px), mean over rough boxes';
  return scatterSvg(series, { title: `long-axis location error vs ${score}`, xLabel, yLabel: 'location difference vs DL (px)' });
}

function uncertaintyMarkdown(checks: readonly UncertaintyCheck[]): string {
  const lines = [
    'Per lesion, the mean uncertainty over its rough boxes against the mean long-axis location error vs DL; score `entropy` is the proposal\'s entropy, `entropy-px` the same × the proposed long axis in slice pixels (the worklist strategies of those names rank by them). A worklist that serves the most uncertain lesions first puts the worst proposals first when ρ > 0 and the most uncertain third is measured worse than the least uncertain third.',
    '',
    '| method | score | lesions | Spearman ρ [95 % bootstrap] | long Loc. px, most uncertain third | least uncertain third | all |',
    '| :-- | :-- | --: | :-- | --: | --: | --: |',
  ];
  for (const c of checks) {
    lines.push(`| ${c.method} | ${c.score} | ${c.n} | ${f3(c.rho)} [${f3(c.interval[0])}, ${f3(c.interval[1])}] | ${f3(c.errorMostUncertainThird)} | ${f3(c.errorLeastUncertainThird)} | ${f3(c.errorAll)} |`);
  }
  return lines.join('\n');
}

function pairedMarkdown(diffs: readonly PairedDifference[]): string {
  const lines = [
    'Per lesion, the model\'s error minus the baseline\'s (both the mean over the same rough boxes, vs DL); negative = the model is closer to DL. The interval resamples patients, not lesions (a patient\'s lesions share a scan and a reader), so it is wider than a per-lesion one; an interval that excludes 0 is a lead these lesions support, one that straddles it is not.',
    '',
    '| model | baseline | figure | lesions (patients) | model px | baseline px | difference px [95 % patient bootstrap] | relative | model better on |',
    '| :-- | :-- | :-- | --: | --: | --: | :-- | --: | --: |',
  ];
  for (const d of diffs) {
    const rel = d.baselineMean > 0 ? `${d.meanDiff > 0 ? '+' : ''}${(100 * d.meanDiff / d.baselineMean).toFixed(0)} %` : '-';
    lines.push(`| ${d.method} | ${d.baseline} | ${d.figure} | ${d.n} (${d.patients}) | ${f3(d.methodMean)} | ${f3(d.baselineMean)} | ${f3(d.meanDiff)} [${f3(d.interval[0])}, ${f3(d.interval[1])}] | ${rel} | ${(100 * d.betterShare).toFixed(0)} % |`);
  }
  return lines.join('\n');
}

interface WorstCase { method: string; id: string; locPx: number; lenPx: number; png: Uint8Array }

function worstCases(result: EvalResult, count: number): WorstCase[] {
  if (count <= 0 || result.methods.length === 0) return [];
  const byId = new Map(openLesionSet(result.dataDir, { split: result.split }).lesions.map((l) => [l.info.id, l]));
  const out: WorstCase[] = [];
  for (const m of result.methods) {
    const p = result.comparisons.find((c) => c.row === m.name && c.column === DL_READER);
    if (!p) continue;
    const worst = [...p.items].sort((a, b) => b.cmp.long.locPx - a.cmp.long.locPx).slice(0, count);
    for (const it of worst) {
      const lesion = byId.get(it.id);
      const pred = result.predictions[m.name][it.id]?.[0];
      if (!lesion || !pred) continue;
      const slice = lesion.slice();
      const layers: OverlayLayer[] = [];
      result.readers.forEach((r, k) => {
        const mark = result.readerMarks[r][it.id];
        if (!mark) return;
        layers.push(r === DL_READER ? { recist: mark } : { recist: mark, longColor: COLORS.readers[(k + 1) % COLORS.readers.length], shortColor: COLORS.readers[(k + 1) % COLORS.readers.length] });
      });
      const predColor: Rgb = COLORS.readers[0];
      layers.push({ box: pred.box, recist: pred.recist, longColor: predColor, shortColor: predColor });
      const side = Math.max(pred.box.x2 - pred.box.x1, pred.box.y2 - pred.box.y1) * 1.6 + 8;
      const zoom = Math.max(1, Math.min(8, Math.floor(256 / side)));
      const png = overlayPng(slice, layers, { crop: { center: { x: (pred.box.x1 + pred.box.x2) / 2, y: (pred.box.y1 + pred.box.y2) / 2 }, size: side }, zoom });
      out.push({ method: m.name, id: it.id, locPx: it.cmp.long.locPx, lenPx: it.cmp.long.lenPx, png });
    }
  }
  return out;
}

/** The headline lines: each row vs DL, px and mm, median |relative| length error. */
export function headlineMarkdown(result: EvalResult): string {
  const lines = [
    '| row vs DL | axis | Loc. px | Len. px | Loc. mm | Len. mm | median rel. len. % (signed) | median abs rel. len. % | BA bias mm [95% LoA] |',
    '| :-- | :-- | --: | --: | --: | --: | --: | --: | :-- |',
  ];
  for (const name of rowsVsDl(result)) {
    const s = findSummary(result, name);
    if (!s) continue;
    for (const a of AXES) {
      const x = s.axes[a];
      lines.push(`| ${name} | ${a} | ${f3(x.locPx.mean)}±${f3(x.locPx.std)} | ${f3(x.lenPx.mean)}±${f3(x.lenPx.std)} | ${f3(x.locMm.mean)}±${f3(x.locMm.std)} | ${f3(x.lenMm.mean)}±${f3(x.lenMm.std)} | ${f3(x.relLenPct.median)} | ${f3(x.absRelLenPct.median)} | ${f3(x.blandAltmanMm.bias)} [${f3(x.blandAltmanMm.lower)}, ${f3(x.blandAltmanMm.upper)}] |`);
    }
  }
  return lines.join('\n');
}

/** Location error split into position (midpoint distance) and orientation (axis angle). */
function anatomyMarkdown(result: EvalResult): string {
  const lines = ['| row vs DL | axis | Loc. px | midpoint distance px | axis angle ° (mean) | axis angle ° (median) |', '| :-- | :-- | --: | --: | --: | --: |'];
  for (const name of rowsVsDl(result)) {
    const s = findSummary(result, name);
    if (!s) continue;
    for (const a of AXES) {
      const x = s.axes[a];
      lines.push(`| ${name} | ${a} | ${f3(x.locPx.mean)} | ${f3(x.centrePx.mean)}±${f3(x.centrePx.std)} | ${f3(x.angleDeg.mean)}±${f3(x.angleDeg.std)} | ${f3(x.angleDeg.median)} |`);
    }
  }
  return lines.join('\n');
}

function byTypeMarkdown(result: EvalResult): string {
  const lines = ['| row vs DL | lesion type | n | long Loc. px | long Len. px | short Loc. px | short Len. px |', '| :-- | :-- | --: | --: | --: | --: | --: |'];
  for (const name of rowsVsDl(result)) {
    const s = findSummary(result, name);
    if (!s) continue;
    for (const [t, v] of Object.entries(s.byType)) {
      lines.push(`| ${name} | ${t} | ${v.long.locPx.n} | ${f3(v.long.locPx.mean)}±${f3(v.long.locPx.std)} | ${f3(v.long.lenPx.mean)}±${f3(v.long.lenPx.std)} | ${f3(v.short.locPx.mean)}±${f3(v.short.locPx.std)} | ${f3(v.short.lenPx.mean)}±${f3(v.short.lenPx.std)} |`);
    }
  }
  return lines.join('\n');
}

function headerMarkdown(result: EvalResult, opts: ReportOptions): string {
  const lines = [
    `# ${opts.title ?? 'RECIST evaluation'}`,
    '',
    `- data folder: \`${result.dataDir}\``,
    `- lesions: ${result.lesionSet ?? result.lesions.length}; readers: ${result.readers.join(', ')}`,
    `- seeds: ${result.seeds.join(', ')} (method comparisons are averaged over seeds per lesion)`,
    `- box protocol: ${result.boxProtocol}`,
    `- run: ${result.startedAt}, ${result.seconds.toFixed(1)} s`,
  ];
  for (const m of result.methods) {
    const info = Object.entries(m.info).map(([k, v]) => `${k}: ${v}`).join('; ');
    lines.push(`- method **${m.name}** (${m.kind})${info ? `: ${info}` : ''}`);
    const card = opts.modelCards?.[m.name];
    if (card) lines.push(`  - model card: \`${JSON.stringify(card)}\``);
  }
  return lines.join('\n');
}

/** Writes every report file into `dir` (created). Returns the paths and the markdown. */
export function writeReport(result: EvalResult, dir: string, opts: ReportOptions = {}): ReportFiles {
  mkdirSync(join(dir, 'plots'), { recursive: true });
  const files: string[] = [];
  const put = (name: string, data: string | Uint8Array): void => {
    writeAtomic(join(dir, name), data);
    files.push(join(dir, name));
  };
  put('result.json', JSON.stringify({ ...result, modelCards: opts.modelCards ?? {} }, null, 1) + '\n');
  put('table.json', JSON.stringify({ px: tableToJson(result.tablePx), mm: tableToJson(result.tableMm) }, null, 1) + '\n');
  put('table.csv', renderCsv(result.tablePx));
  put('table-mm.csv', renderCsv(result.tableMm));
  put('table-long.csv', renderLongCsv(result.tablePx) + renderLongCsv(result.tableMm).split('\n').slice(1).join('\n'));
  put('summary.csv', summaryCsv(result));
  put('per-lesion.csv', perLesionCsv(result));
  const paired = modelVsBaselines(result);
  if (paired.length) put('paired.csv', csv([Object.keys(paired[0]), ...paired.map((d) => Object.values(d).map((v) => (Array.isArray(v) ? v.join(' ') : v)))]));
  const plots: { name: string; title: string; svg: string }[] = [];
  for (const a of AXES) {
    plots.push({ name: `plots/bland-altman-${a}.svg`, title: `Bland–Altman (${a}, mm)`, svg: blandAltmanSvg(result, a) });
    plots.push({ name: `plots/error-vs-size-${a}.svg`, title: `Location error vs size (${a})`, svg: errorVsSizeSvg(result, a) });
  }
  const checks = uncertaintyChecks(result);
  for (const score of UNCERTAINTY_SCORES) {
    if (checks.some((c) => c.score === score)) plots.push({ name: `plots/error-vs-${score}-long.svg`, title: `Location error vs ${score} (long)`, svg: errorVsUncertaintySvg(checks, score) });
  }
  for (const p of plots) put(p.name, p.svg);
  const worst = worstCases(result, opts.worstCount ?? 4);
  for (const w of worst) put(`plots/worst-${slug(w.method)}-${slug(w.id)}.png`, w.png);

  const md = [
    headerMarkdown(result, opts),
    '',
    '## Table 1 layout (pixels of the original image)',
    '',
    renderMarkdown(result.tablePx),
    '',
    '## Table 1 layout (mm)',
    '',
    renderMarkdown(result.tableMm),
    '',
    '## Against DL: px, mm, relative length',
    '',
    headlineMarkdown(result),
    '',
    '## Where the location error comes from (vs DL): position vs orientation',
    '',
    anatomyMarkdown(result),
    '',
    '## By lesion type (vs DL)',
    '',
    byTypeMarkdown(result),
    '',
    ...(paired.length ? ['## Is the lead over the baselines real? (paired by lesion, vs DL)', '', pairedMarkdown(paired), ''] : []),
    ...(checks.length ? ['## Does the uncertainty find the bad proposals? (vs DL)', '', uncertaintyMarkdown(checks), ''] : []),
    '## Plots',
    '',
    ...plots.map((p) => `![${p.title}](${p.name})`),
    '',
    ...(worst.length ? ['## Worst cases (long-axis location error vs DL)', '', 'DL: red long / green short; other readers in their colours; prediction (first seed) and its rough box in yellow/blue.', '',
      ...worst.map((w) => `- ${w.method}, ${w.id}: Loc. ${f3(w.locPx)} px, Len. ${f3(w.lenPx)} px\n\n  ![${w.id}](plots/worst-${slug(w.method)}-${slug(w.id)}.png)`)] : []),
  ].join('\n');
  put('report.md', md + '\n');
  put('report.html', renderHtml(md, plots, worst, result, opts));
  return { dir, files, markdown: md };
}

const escHtml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Minimal markdown → HTML for our own report (headings, lists, tables, code); images handled separately. */
function mdToHtml(md: string): string {
  const out: string[] = [];
  const lines = md.split('\n');
  const inline = (s: string): string => escHtml(s).replace(/\*\*(.+?)\*\*/g, '<b>$1</b>').replace(/`(.+?)`/g, '<code>$1</code>');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.startsWith('|')) {
      const rows: string[][] = [];
      while (i < lines.length && lines[i].startsWith('|')) {
        rows.push(lines[i].slice(1, -1).split(/(?<!\\)\|/).map((c) => c.trim().replace(/\\\|/g, '|')));
        i++;
      }
      i--;
      const [head, , ...body] = rows;
      out.push('<table><thead><tr>' + head.map((c) => `<th>${inline(c)}</th>`).join('') + '</tr></thead><tbody>' +
        body.map((r) => '<tr>' + r.map((c) => `<td>${inline(c)}</td>`).join('') + '</tr>').join('') + '</tbody></table>');
    } else if (line.startsWith('## ')) out.push(`<h2>${inline(line.slice(3))}</h2>`);
    else if (line.startsWith('# ')) out.push(`<h1>${inline(line.slice(2))}</h1>`);
    else if (/^\s*- /.test(line)) out.push(`<div class="li">• ${inline(line.replace(/^\s*- /, ''))}</div>`);
    else if (line.trim() && !line.trim().startsWith('![')) out.push(`<p>${inline(line)}</p>`);
  }
  return out.join('\n');
}

function renderHtml(md: string, plots: { title: string; svg: string }[], worst: WorstCase[], result: EvalResult, opts: ReportOptions): string {
  const body = mdToHtml(md.split('\n## Plots')[0]);
  const plotHtml = plots.map((p) => `<figure>${p.svg.replace(/^<svg /, '<svg role="img" ')}<figcaption>${escHtml(p.title)}</figcaption></figure>`).join('\n');
  const worstHtml = worst.map((w) => `<figure><img alt="${escHtml(w.id)}" src="data:image/png;base64,${Buffer.from(w.png).toString('base64')}"><figcaption>${escHtml(w.method)} — ${escHtml(w.id)}: Loc. ${f3(w.locPx)} px, Len. ${f3(w.lenPx)} px</figcaption></figure>`).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escHtml(opts.title ?? 'RECIST evaluation')} — ${escHtml(result.dataDir)}</title>
<style>
body{font-family:sans-serif;margin:24px;max-width:1300px;color:#222}
table{border-collapse:collapse;margin:8px 0 16px;font-size:13px}th,td{border:1px solid #ccc;padding:3px 7px;text-align:center}
td:first-child{text-align:left}code{background:#f3f3f3;padding:0 3px;font-size:12px;word-break:break-all}
figure{display:inline-block;margin:6px;vertical-align:top}figcaption{font-size:12px;text-align:center}.li{margin:2px 0 2px 12px}
</style></head><body>
${body}
<h2>Plots</h2>
${plotHtml}
${worst.length ? `<h2>Worst cases (long-axis location error vs DL)</h2><p>DL: red long / green short; other readers in their colours; prediction (first seed) and its rough box in yellow/blue.</p>${worstHtml}` : ''}
</body></html>
`;
}
