/** Renders an al-sim result: CSV (one row per strategy and round), an SVG error-vs-corrections plot, and markdown. */
import type { AlSimResult } from './al-sim.ts';

const COLORS = ['#d62728', '#1f77b4', '#2ca02c', '#9467bd', '#ff7f0e'];

export function alSimCsv(r: AlSimResult): string {
  const metricKeys = [...new Set(r.curves.flatMap((c) => c.points.flatMap((p) => Object.keys(p.metrics))))];
  const head = ['strategy', 'round', 'corrections', ...metricKeys, 'picked_mean_score', 'promoted', 'fine_tune_s', 'model_version', 'picked'];
  const esc = (v: string): string => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const rows = r.curves.flatMap((c) => c.points.map((p) => [
    c.strategy, String(p.round), String(p.corrections), ...metricKeys.map((k) => (p.metrics[k] ?? NaN).toFixed(4)),
    p.pickedEntropy === null ? '' : p.pickedEntropy.toFixed(4), p.promoted === null ? '' : String(p.promoted), p.fineTuneSeconds.toFixed(1),
    p.modelVersion, p.picked.join(' '),
  ].map(esc).join(',')));
  return [head.join(','), ...rows].join('\n') + '\n';
}

function niceTicks(lo: number, hi: number, n = 5): number[] {
  const span = hi - lo || 1;
  const step0 = span / n;
  const mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= step0) ?? step0;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push(Number(v.toFixed(10)));
  return out;
}

/** Error (y, px) vs revealed corrections (x); one line per strategy, dashed line = start model, dotted = box-cross. */
export function alSimSvg(r: AlSimResult, title: string, metric = 'longLocPx', yLabel = 'test long-axis location error (px)'): string {
  const W = 640, H = 400, L = 64, R = 150, T = 40, B = 52;
  const pts = r.curves.flatMap((c) => c.points);
  const b0 = r.baseline?.[metric];
  const xs = pts.map((p) => p.corrections), ys = [...pts.map((p) => p.metrics[metric]), ...(b0 === undefined ? [] : [b0])].filter(Number.isFinite);
  const xMax = Math.max(1, ...xs);
  let yLo = Math.min(...ys), yHi = Math.max(...ys);
  const pad = (yHi - yLo) * 0.1 || Math.max(1, yHi * 0.05);
  yLo = Math.max(0, yLo - pad); yHi += pad;
  const X = (v: number): number => L + ((W - L - R) * v) / xMax;
  const Y = (v: number): number => T + ((H - T - B) * (yHi - v)) / (yHi - yLo);
  const f = (v: number): string => v.toFixed(1);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="14">${escapeXml(title)}</text>`,
  ];
  for (const t of niceTicks(yLo, yHi)) {
    parts.push(`<line x1="${L}" x2="${W - R}" y1="${f(Y(t))}" y2="${f(Y(t))}" stroke="#eee"/>`, `<text x="${L - 6}" y="${f(Y(t) + 4)}" text-anchor="end">${t}</text>`);
  }
  for (const t of niceTicks(0, xMax, Math.min(8, xMax))) {
    parts.push(`<line x1="${f(X(t))}" x2="${f(X(t))}" y1="${H - B}" y2="${H - B + 5}" stroke="#333"/>`, `<text x="${f(X(t))}" y="${H - B + 18}" text-anchor="middle">${t}</text>`);
  }
  parts.push(
    `<line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="#333"/>`, `<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="#333"/>`,
    `<text x="${(L + W - R) / 2}" y="${H - 12}" text-anchor="middle">corrections revealed (lesions)</text>`,
    `<text transform="translate(16 ${(T + H - B) / 2}) rotate(-90)" text-anchor="middle">${escapeXml(yLabel)}</text>`,
  );
  const s0 = r.start[metric];
  if (Number.isFinite(s0)) parts.push(`<line x1="${L}" x2="${W - R}" y1="${f(Y(s0))}" y2="${f(Y(s0))}" stroke="#777" stroke-dasharray="5 4"/>`);
  if (b0 !== undefined && Number.isFinite(b0)) parts.push(`<line x1="${L}" x2="${W - R}" y1="${f(Y(b0))}" y2="${f(Y(b0))}" stroke="#b35806" stroke-dasharray="2 3"/>`);
  r.curves.forEach((c, i) => {
    const color = COLORS[i % COLORS.length];
    const p = c.points.filter((q) => Number.isFinite(q.metrics[metric]));
    parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${p.map((q) => `${f(X(q.corrections))},${f(Y(q.metrics[metric]))}`).join(' ')}"/>`);
    for (const q of p) parts.push(`<circle cx="${f(X(q.corrections))}" cy="${f(Y(q.metrics[metric]))}" r="3.5" fill="${q.promoted === false ? 'white' : color}" stroke="${color}" stroke-width="1.5"/>`);
    const ly = T + 10 + i * 20;
    parts.push(`<line x1="${W - R + 12}" x2="${W - R + 36}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2"/>`, `<text x="${W - R + 42}" y="${ly + 4}">${escapeXml(c.strategy)}</text>`);
  });
  const ly = T + 10 + r.curves.length * 20;
  parts.push(`<line x1="${W - R + 12}" x2="${W - R + 36}" y1="${ly}" y2="${ly}" stroke="#777" stroke-dasharray="5 4"/>`, `<text x="${W - R + 42}" y="${ly + 4}">start model</text>`);
  const lb = ly + (b0 !== undefined ? 20 : 0);
  if (b0 !== undefined) parts.push(`<line x1="${W - R + 12}" x2="${W - R + 36}" y1="${lb}" y2="${lb}" stroke="#b35806" stroke-dasharray="2 3"/>`, `<text x="${W - R + 42}" y="${lb + 4}">box-cross</text>`);
  parts.push(`<text x="${W - R + 12}" y="${lb + 26}" font-size="10" fill="#555">open marker: not</text>`, `<text x="${W - R + 12}" y="${lb + 38}" font-size="10" fill="#555">promoted (kept old)</text>`);
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c] ?? c);
}

export interface AlSimContext {
  readonly name: string;
  readonly data: string;
  readonly startModel: string;
  readonly settings: Readonly<Record<string, unknown>>;
  readonly backend: string;
  readonly command: string;
}

/** The table's metric columns (key in AlMetrics, title); a column is left out when no point has the metric. */
const METRIC_COLUMNS = [['longLocPx', 'loc. px'], ['longLenMm', 'long len. mm'], ['shortLenMm', 'short len. mm']] as const;

/** Markdown summary: setup, the curve table, and whether the goals held (entropy < random at every k; fine-tuned < start). */
export function alSimMarkdown(r: AlSimResult, ctx: AlSimContext, svgFile: string): string {
  const rounds = Math.max(...r.curves.map((c) => c.points.length));
  const columns = METRIC_COLUMNS.filter(([key]) => r.curves.some((c) => c.points.some((p) => p.metrics[key] !== undefined)));
  const lines: string[] = [
    `# Active-learning simulation: ${ctx.name}`, '',
    `- data: ${ctx.data} — ${r.pool.length + r.test.length} lesions; pool ${r.pool.length} lesions (${r.poolPatients} patients), test ${r.test.length} lesions (${r.testPatients} patients), split by patient`,
    `- start model: ${ctx.startModel}`,
    `- backend: ${ctx.backend}; total wall time ${(r.seconds / 60).toFixed(1)} min`,
    `- settings: ${Object.entries(ctx.settings).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ')}`,
    `- command: \`${ctx.command}\``,
    `- metric: mean long-axis location error on the test part vs ${typeof ctx.settings.reader === 'string' ? `reader ${JSON.stringify(ctx.settings.reader)}'s marks (readers.csv; corrections reveal them too)` : "the folder's marks (DL_info.csv)"} (original px; rough boxes simulated per the paper protocol around DL_info.csv's marks, seeded per lesion id); also long- and short-axis length errors in mm`,
    ...(r.baseline ? [`- reference: the box-cross baseline on the same test lesions and boxes: ${r.baseline.longLocPx.toFixed(2)} px long-axis location, ${r.baseline.longLenMm.toFixed(2)} mm long-axis length${r.baseline.shortLenMm !== undefined ? `, ${r.baseline.shortLenMm.toFixed(2)} mm short-axis length` : ''} (dotted line)`] : []), '',
    `![error vs corrections](${svgFile})`, '',
    `| corrections | ${columns.map(([, title]) => r.curves.map((c) => `${c.strategy} ${title}`).join(' | ')).join(' | ')} |`,
    `|---:|${columns.map(() => r.curves.map(() => '---:').join('|')).join('|')}|`,
  ];
  for (let i = 0; i < rounds; i++) {
    const n = r.curves.map((c) => c.points[i]?.corrections).find((v) => v !== undefined);
    const cell = (c: (typeof r.curves)[number], key: string): string => {
      const p = c.points[i];
      if (!p) return '';
      const v = p.metrics[key];
      return Number.isFinite(v) ? `${v.toFixed(2)}${p.promoted === false ? ' (kept)' : ''}` : '—';
    };
    lines.push(`| ${n} | ${columns.map(([key]) => r.curves.map((c) => cell(c, key)).join(' | ')).join(' | ')} |`);
  }
  if (r.curves.some((c) => c.points.some((p) => p.taught))) {
    lines.push('', '## The lesions it was taught', '', 'Mean long-axis location error (px) on all lesions revealed so far (the same rough-box seeds as the test part), start model → this round\'s model:', '',
      `| corrections | ${r.curves.map((c) => c.strategy).join(' | ')} |`, `|---:|${r.curves.map(() => '---:').join('|')}|`);
    for (let i = 1; i < rounds; i++) {
      const n = r.curves.map((c) => c.points[i]?.corrections).find((v) => v !== undefined);
      const cell = (t: AlSimResult['curves'][number]['points'][number]['taught']): string => (t ? `${t.startLongLocPx.toFixed(2)} → ${t.longLocPx.toFixed(2)}` : '');
      lines.push(`| ${n} | ${r.curves.map((c) => cell(c.points[i]?.taught)).join(' | ')} |`);
    }
  }
  const ent = r.curves.find((c) => c.strategy === 'entropy'), rnd = r.curves.find((c) => c.strategy === 'random');
  lines.push('', '## Goals');
  if (ent && rnd) {
    const pairs = ent.points.slice(1).map((p, i) => [p, rnd.points[i + 1]] as const).filter(([, q]) => q);
    const wins = pairs.filter(([p, q]) => p.metrics.longLocPx < q.metrics.longLocPx).length;
    lines.push(`- entropy below random at ${wins} of ${pairs.length} rounds (${wins === pairs.length ? 'goal met' : 'goal NOT met'}).`);
  }
  for (const c of r.curves) {
    const lastP = c.points[c.points.length - 1];
    const better = lastP.metrics.longLocPx < r.start.longLocPx;
    lines.push(`- ${c.strategy}: after ${lastP.corrections} corrections ${lastP.metrics.longLocPx.toFixed(2)} px vs start ${r.start.longLocPx.toFixed(2)} px (${better ? 'fine-tuned model beats the start model' : 'NOT better than the start model'}).`);
  }
  lines.push('', 'Picked lesions per round are in `curve.csv` (column `picked`).', '');
  return lines.join('\n');
}
