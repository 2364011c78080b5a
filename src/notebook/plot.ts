/**
 * Plotly figures in a notebook. plotly.js is loaded into the page once ({@link loadPlotly}); each figure is a small
 * `<div>` + `<script>` that waits for `window.Plotly`, so figures never embed the bundle. The builders
 * ({@link histogram}, {@link scatter}, {@link identityLine}, {@link blandAltmanTraces}, {@link panels}) return plain
 * plotly trace and layout objects; {@link plot} displays them.
 *
 * Where plotly.js comes from: `$RECIST_PLOTLY_SRC` when set (a URL; `npm run notebooks` sets it to the relative path of
 * node_modules/plotly.js-dist/plotly.js from docs/notebooks/, so the executed copies stay small), otherwise the bundle
 * is inlined in one output (minified with esbuild when it is installed, cached in the OS temp folder). The bundle is
 * wrapped so it neither registers with a page's AMD `define` (classic Jupyter loads require.js) nor with `module`.
 */
import { createRequire } from 'node:module';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { display } from './display.ts';
import { scratchDir } from './project.ts';

/** One plotly trace or layout: plain JSON. */
export type PlotlyObject = Record<string, unknown>;

const requireHere = createRequire(import.meta.url);

function plotlyPath(): string {
  try {
    return requireHere.resolve('plotly.js-dist/plotly.js');
  } catch {
    throw new Error('recist-cascade/notebook: plotly.js-dist is not installed (npm i plotly.js-dist)');
  }
}

/** Injects plotly.js into the notebook's page once; returns where it came from (a URL or 'inline'). */
export function loadPlotly(): string {
  const file = plotlyPath();
  const version = (JSON.parse(readFileSync(join(dirname(file), 'package.json'), 'utf8')) as { version: string }).version;
  const src = process.env.RECIST_PLOTLY_SRC;
  if (src && src !== 'inline') {
    display().html(`<script id="recist-plotly-loader" src="${src}"></script><small>plotly.js ${version} from ${src}</small>`);
    return src;
  }
  const cached = join(scratchDir('plotly'), `plotly-${version}.min.js`);
  if (!existsSync(cached)) {
    let code = readFileSync(file, 'utf8');
    try {
      const esbuild = requireHere('esbuild') as { transformSync(code: string, o: object): { code: string } };
      code = esbuild.transformSync(code, { minify: true, loader: 'js' }).code;
    } catch {
      // esbuild is a devDependency: without it the bundle is inlined as shipped.
    }
    writeFileSync(cached, code);
  }
  const code = readFileSync(cached, 'utf8').replace(/<\/script/gi, '<\\/script');
  display().html(`<script id="recist-plotly-loader">(function (define, module, exports) {\n${code}\n}).call(window, undefined, undefined, undefined);</script><small>plotly.js ${version} (inline)</small>`);
  return 'inline';
}

let counter = 0;

/** Rounds numbers to `digits` decimals (keeps the figure JSON small); non-finite values pass through. */
export function round(values: readonly number[], digits = 2): number[] {
  const k = 10 ** digits;
  return values.map((v) => (Number.isFinite(v) ? Math.round(v * k) / k : v));
}

/** The HTML of one plotly figure (a div and a script that draws it once plotly.js is there). */
export function figureHtml(data: readonly object[], layout: PlotlyObject = {}, opts: { height?: number } = {}): string {
  const height = opts.height ?? 420;
  if (!(height > 0)) throw new Error(`figureHtml: height ${height}, expected pixels > 0`);
  const id = `recist-plot-${process.pid}-${++counter}`;
  const spec = JSON.stringify({
    data,
    layout: { height, margin: { l: 60, r: 20, t: 50, b: 50 }, ...layout },
    config: { displaylogo: false, responsive: true },
  }).replace(/</g, '\\u003c');
  return `<div id="${id}" style="width:100%;height:${height}px"></div>` +
    `<script>(function(){var s=${spec};var n=0;function draw(){var el=document.getElementById('${id}');` +
    `if(window.Plotly&&el){window.Plotly.newPlot(el,s.data,s.layout,s.config);}else if(n++<400){setTimeout(draw,50);}}draw();})();</script>`;
}

/** Displays one plotly figure (after {@link loadPlotly}). */
export function plot(data: readonly object[], layout: PlotlyObject = {}, opts: { height?: number } = {}): void {
  display().html(figureHtml(data, layout, opts));
}

/** Axis suffix of panel k (0-based): '' for the first, '2', '3', … */
export function axis(k: number): string {
  return k === 0 ? '' : String(k + 1);
}

/** Layout of `titles.length` side-by-side panels, x axes titled; `extra` is merged over it. */
export function panels(titles: readonly string[], extra: PlotlyObject = {}, yTitle?: string): PlotlyObject {
  const layout: PlotlyObject = { grid: { rows: 1, columns: titles.length, pattern: 'independent' } };
  titles.forEach((t, k) => { layout[`xaxis${axis(k)}`] = { title: { text: t } }; });
  if (yTitle) layout.yaxis = { title: { text: yTitle } };
  return { ...layout, ...extra };
}

/** A histogram trace on panel `k` (0-based). */
export function histogram(x: readonly number[], name: string, opts: { panel?: number; color?: string; bins?: { start: number; end: number; size: number }; density?: boolean; showlegend?: boolean } = {}): PlotlyObject {
  const ax = axis(opts.panel ?? 0);
  return {
    type: 'histogram', x: round(x, 3), name, opacity: 0.6, xaxis: `x${ax}`, yaxis: `y${ax}`,
    ...(opts.color ? { marker: { color: opts.color } } : {}), ...(opts.bins ? { xbins: opts.bins } : {}),
    ...(opts.density ? { histnorm: 'probability density' } : {}), showlegend: opts.showlegend ?? (opts.panel ?? 0) === 0,
  };
}

/** A scatter trace (markers, or lines with `mode`) on panel `k`; `text` is the hover label per point. */
export function scatter(x: readonly (number | string | null)[], y: readonly (number | null)[], name: string, opts: { panel?: number; mode?: string; color?: string; text?: readonly string[]; size?: number; showlegend?: boolean } = {}): PlotlyObject {
  const ax = axis(opts.panel ?? 0);
  const num = (v: readonly (number | string | null)[]) => v.map((e) => (typeof e === 'number' ? round([e], 4)[0] : e));
  return {
    type: 'scatter', mode: opts.mode ?? 'markers', name, x: num(x), y: num(y), xaxis: `x${ax}`, yaxis: `y${ax}`,
    marker: { size: opts.size ?? 6, opacity: 0.75, ...(opts.color ? { color: opts.color } : {}) },
    ...(opts.color ? { line: { color: opts.color } } : {}), ...(opts.text ? { text: opts.text } : {}),
    ...(opts.showlegend === undefined ? {} : { showlegend: opts.showlegend }),
  };
}

/** The dotted y = x line over [lo, hi] on panel `k` (for predicted-vs-true plots). */
export function identityLine(lo: number, hi: number, panel = 0): PlotlyObject {
  const ax = axis(panel);
  return { type: 'scatter', mode: 'lines', x: [lo, hi], y: [lo, hi], line: { color: '#999', dash: 'dot' }, showlegend: false, hoverinfo: 'skip', xaxis: `x${ax}`, yaxis: `y${ax}` };
}

/**
 * Bland–Altman traces of one row: the points (mean, difference), the bias (solid) and the 95 % limits of agreement
 * (dotted), on panel `k`.
 */
export function blandAltmanTraces(ba: { points: readonly { mean: number; diff: number }[]; bias: number; lower: number; upper: number }, name: string, opts: { panel?: number; color?: string; showlegend?: boolean } = {}): PlotlyObject[] {
  const ax = axis(opts.panel ?? 0);
  const xs = ba.points.map((p) => p.mean);
  const lo = Math.min(...xs), hi = Math.max(...xs);
  const color = opts.color ?? '#1f77b4';
  const line = (y: number, dash: string): PlotlyObject => ({
    type: 'scatter', mode: 'lines', x: [lo, hi], y: [y, y], line: { color, dash, width: 1 }, legendgroup: name, showlegend: false, hoverinfo: 'skip', xaxis: `x${ax}`, yaxis: `y${ax}`,
  });
  return [
    { type: 'scatter', mode: 'markers', name, legendgroup: name, showlegend: opts.showlegend ?? true, x: round(xs), y: round(ba.points.map((p) => p.diff)), marker: { color, size: 6, opacity: 0.75 }, xaxis: `x${ax}`, yaxis: `y${ax}` },
    line(ba.bias, 'solid'), line(ba.lower, 'dot'), line(ba.upper, 'dot'),
  ];
}

/** Ten distinguishable colours (plotly's default cycle). */
export const PALETTE: readonly string[] = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

/** The HTML of a table from rows of cells (first row = header). */
export function tableHtml(rows: readonly (readonly (string | number)[])[], caption?: string): string {
  if (rows.length === 0) throw new Error('table: no rows (the first row is the header)');
  const esc = (s: string | number): string => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const [head, ...body] = rows;
  return `<table style="border-collapse:collapse;font-size:12px">${caption ? `<caption style="text-align:left;font-weight:bold">${esc(caption)}</caption>` : ''}` +
    `<thead><tr>${head.map((c) => `<th style="border-bottom:1px solid #888;padding:2px 6px">${esc(c)}</th>`).join('')}</tr></thead>` +
    `<tbody>${body.map((r) => `<tr>${r.map((c, i) => `<td style="padding:2px 6px;text-align:${i ? 'right' : 'left'}">${esc(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

/** Displays a table (first row = header). */
export function table(rows: readonly (readonly (string | number)[])[], caption?: string): void {
  display().html(tableHtml(rows, caption));
}
