/**
 * A printable RECIST 1.1 response report (one self-contained HTML page, no script): per patient the targets'
 * diameters at each time point, the sum of diameters plotted over time (inline SVG) with the inter-reader band
 * around each sum and the PR / PD thresholds, the category per time point and whether a re-measurement could flip it,
 * and the broken selection rules. Pure string building.
 */
import { byPatient, RECIST11, targetDiameter } from './rules.ts';
import type { InterReaderBand, LesionRow, RuleViolation, TimepointResult } from './types.ts';

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
const mm = (x: number | null): string => (x === null ? '—' : x.toFixed(1));
const pct = (x: number | null): string => (x === null ? '—' : `${x > 0 ? '+' : ''}${x.toFixed(1)} %`);

/** The sum-of-diameters plot of one patient: sums, band, PR line (0.7 × baseline) and each time point's PD line. */
export function sumPlotSvg(results: readonly TimepointResult[], band: InterReaderBand, width = 520, height = 240): string {
  const pts = results.filter((r) => r.sumMm !== null) as (TimepointResult & { sumMm: number })[];
  if (pts.length === 0) return '<p class="muted">No target lesions: nothing to plot.</p>';
  const pad = { l: 48, r: 12, t: 12, b: 32 };
  const tps = results.map((r) => r.timepoint);
  const t0 = Math.min(...tps), t1 = Math.max(...tps);
  const baseline = results[0].baselineSumMm ?? 0;
  const pdLines = results.filter((r) => r.nadirMm !== null).map((r) => Math.max(r.nadirMm! * (1 + RECIST11.pdIncreasePct / 100), r.nadirMm! + RECIST11.pdAbsoluteMm));
  const yMax = Math.max(...pts.map((p) => p.sumMm * (1 + band.highPct / 100)), ...pdLines, baseline) * 1.08 || 1;
  const x = (t: number): number => pad.l + (t1 === t0 ? 0.5 : (t - t0) / (t1 - t0)) * (width - pad.l - pad.r);
  const y = (v: number): number => height - pad.b - (v / yMax) * (height - pad.t - pad.b);
  const f = (v: number): string => v.toFixed(1);
  const parts: string[] = [];
  const ticks = 5;
  for (let i = 0; i <= ticks; i++) {
    const v = (yMax * i) / ticks;
    parts.push(`<line x1="${pad.l}" x2="${width - pad.r}" y1="${f(y(v))}" y2="${f(y(v))}" class="grid"/><text x="${pad.l - 6}" y="${f(y(v) + 4)}" text-anchor="end">${v.toFixed(0)}</text>`);
  }
  for (const t of tps) parts.push(`<text x="${f(x(t))}" y="${height - pad.b + 16}" text-anchor="middle">${t === 0 ? 'BL' : `FU${t}`}</text>`);
  parts.push(`<text x="12" y="${f(pad.t + (height - pad.t - pad.b) / 2)}" transform="rotate(-90 12 ${f(pad.t + (height - pad.t - pad.b) / 2)})" text-anchor="middle">sum of diameters (mm)</text>`);
  const lo = pts.map((p) => `${f(x(p.timepoint))},${f(y(p.sumMm * (1 + band.lowPct / 100)))}`);
  const hi = pts.map((p) => `${f(x(p.timepoint))},${f(y(p.sumMm * (1 + band.highPct / 100)))}`).reverse();
  parts.push(`<polygon points="${[...lo, ...hi].join(' ')}" class="band"><title>inter-reader band ${band.lowPct} % / +${band.highPct} %</title></polygon>`);
  for (const p of pts) {
    parts.push(`<line x1="${f(x(p.timepoint))}" x2="${f(x(p.timepoint))}" y1="${f(y(p.sumMm * (1 + band.lowPct / 100)))}" y2="${f(y(p.sumMm * (1 + band.highPct / 100)))}" class="whisker"/>`);
  }
  parts.push(`<line x1="${pad.l}" x2="${width - pad.r}" y1="${f(y(baseline * 0.7))}" y2="${f(y(baseline * 0.7))}" class="pr"><title>PR: −30 % from baseline</title></line>`);
  results.forEach((r, i) => {
    if (r.nadirMm === null || i === 0) return;
    const v = Math.max(r.nadirMm * 1.2, r.nadirMm + 5);
    const xa = x(results[i - 1].timepoint), xb = x(r.timepoint);
    parts.push(`<line x1="${f(xa)}" x2="${f(xb)}" y1="${f(y(v))}" y2="${f(y(v))}" class="pd"><title>PD at FU${r.timepoint}: ≥ ${v.toFixed(1)} mm (+20 % and +5 mm from nadir ${r.nadirMm.toFixed(1)})</title></line>`);
  });
  parts.push(`<polyline points="${pts.map((p) => `${f(x(p.timepoint))},${f(y(p.sumMm))}`).join(' ')}" class="sum"/>`);
  for (const p of pts) parts.push(`<circle cx="${f(x(p.timepoint))}" cy="${f(y(p.sumMm))}" r="3.5" class="dot"><title>${mm(p.sumMm)} mm</title></circle>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="sum of diameters over time">${parts.join('')}</svg>`;
}

/** The report's style sheet, the whole content of its one <style> element (a server can allow it by its hash in a CSP). */
export const REPORT_CSS = `
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222}
h1{font-size:20px;margin:0 0 4px} h2{font-size:16px;margin:24px 0 8px}
table{border-collapse:collapse;margin:8px 0} th,td{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}
thead th{background:#f3f3f3} tr.sum td,tr.overall td{font-weight:600}
.muted{color:#888} .flip{font-weight:400;font-size:12px;color:#a15c00}
.violations{border-left:4px solid #c33;background:#fff4f4;padding:4px 10px;margin:8px 0}
svg text{font-size:11px;fill:#444} svg .grid{stroke:#eee} svg .band{fill:#4a7bd0;fill-opacity:.15;stroke:none}
svg .whisker{stroke:#4a7bd0;stroke-opacity:.5} svg .sum{fill:none;stroke:#1f4e9c;stroke-width:2} svg .dot{fill:#1f4e9c}
svg .pr{stroke:#2a8a2a;stroke-dasharray:5 4} svg .pd{stroke:#c33;stroke-dasharray:5 4}
.patient{page-break-inside:avoid} @media print{body{margin:10mm}}
`;

export interface ReportOptions {
  readonly title?: string;
  /** Printed under the title (e.g. the model version and the date). */
  readonly subtitle?: string;
}

/** The whole report. */
export function responseReportHtml(rows: readonly LesionRow[], results: readonly TimepointResult[], violations: readonly RuleViolation[], band: InterReaderBand, opts: ReportOptions = {}): string {
  const title = opts.title ?? 'RECIST 1.1 response';
  const resultsBy = byPatient(results);
  const sections: string[] = [];
  for (const [patient, list] of byPatient(rows)) {
    const res = resultsBy.get(patient) ?? [];
    const tps = res.map((r) => r.timepoint);
    const cell = new Map(list.map((r) => [`${r.timepoint}\u0000${r.lesion}`, r]));
    const baseline = list.filter((r) => r.timepoint === 0);
    const lesionRow = (r: LesionRow): string => {
      const cells = tps.map((t) => {
        const c = cell.get(`${t}\u0000${r.lesion}`);
        if (!c) return '<td class="muted">not seen</td>';
        if (r.kind === 'target') { const d = targetDiameter(c); return `<td>${d === null ? 'NE' : d.toFixed(1)}</td>`; }
        return `<td>${esc(c.status ?? 'not assessed')}</td>`;
      });
      return `<tr><th>${esc(r.lesion)}</th><td>${esc(r.kind)}</td><td>${esc(r.organ)}${r.nodal ? ' (node, short axis)' : ''}</td>${cells.join('')}</tr>`;
    };
    const newIds = [...new Set(list.filter((r) => r.kind === 'new').map((r) => r.lesion))];
    const bad = violations.filter((v) => v.patient === patient);
    sections.push(`<section class="patient">
<h2>Patient ${esc(patient)}</h2>
${bad.length ? `<div class="violations"><b>RECIST 1.1 rules broken:</b><ul>${bad.map((v) => `<li><code>${esc(v.rule)}</code> ${esc(v.message)}</li>`).join('')}</ul></div>` : ''}
<table><thead><tr><th>lesion</th><th>kind</th><th>organ</th>${tps.map((t) => `<th>${t === 0 ? 'baseline' : `FU${t}`}</th>`).join('')}</tr></thead>
<tbody>${baseline.map(lesionRow).join('')}${newIds.map((id) => `<tr><th>${esc(id)}</th><td>new</td><td>${esc(list.find((r) => r.lesion === id)?.organ ?? '')}</td>${tps.map((t) => `<td>${cell.has(`${t}\u0000${id}`) ? 'present' : ''}</td>`).join('')}</tr>`).join('')}
<tr class="sum"><th>sum (mm)</th><td></td><td></td>${res.map((r) => `<td>${mm(r.sumMm)}</td>`).join('')}</tr>
<tr><th>from baseline</th><td></td><td></td>${res.map((r) => `<td>${pct(r.changeFromBaselinePct)}</td>`).join('')}</tr>
<tr><th>from nadir</th><td></td><td></td>${res.map((r) => `<td>${pct(r.changeFromNadirPct)}${r.nadirMm !== null ? ` <span class="muted">(${mm(r.nadirMm)})</span>` : ''}</td>`).join('')}</tr>
<tr><th>target</th><td></td><td></td>${res.map((r) => `<td>${esc(r.targetResponse ?? '')}</td>`).join('')}</tr>
<tr><th>non-target</th><td></td><td></td>${res.map((r) => `<td>${esc(r.nonTargetResponse ?? '')}</td>`).join('')}</tr>
<tr><th>new lesions</th><td></td><td></td>${res.map((r) => `<td>${r.timepoint === 0 ? '' : r.newLesions.length ? esc(r.newLesions.join(', ')) : 'none'}</td>`).join('')}</tr>
<tr class="overall"><th>overall</th><td></td><td></td>${res.map((r) => `<td class="resp resp-${esc(r.overallResponse.replace(/[^A-Za-z]/g, ''))}">${esc(r.overallResponse)}${r.flipTo.length ? `<div class="flip">a re-measurement could give ${esc(r.flipTo.join(' or '))}</div>` : ''}</td>`).join('')}</tr>
</tbody></table>
${sumPlotSvg(res, band)}
</section>`);
  }
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>${REPORT_CSS}</style></head><body>
<h1>${esc(title)}</h1>
${opts.subtitle ? `<p class="muted">${esc(opts.subtitle)}</p>` : ''}
<p>RECIST 1.1 (Eisenhauer et al. 2009). Sum of diameters: long axis of non-nodal targets, short axis of nodes.
Shaded: the inter-reader band (${band.lowPct.toFixed(1)} % / +${band.highPct.toFixed(1)} % of each length); green dashes: PR (−30 % from baseline);
red dashes: PD (+20 % and +5 mm from the nadir). A category marked "a re-measurement could give …" is within measurement noise.</p>
${sections.join('\n')}
</body></html>
`;
}
