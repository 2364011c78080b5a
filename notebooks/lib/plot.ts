/**
 * Plotly in tslab: plotly.js is loaded once per notebook (`loadPlotly()` in the first cells), and each figure is a
 * small `<div>` + `<script>` that waits for `window.Plotly` — figures never embed the bundle.
 *
 * Where plotly.js comes from: `$RECIST_PLOTLY_SRC` when set (a URL; `npm run notebooks` sets it to the relative path
 * of node_modules/plotly.js-dist/plotly.js from docs/notebooks/, so the executed copies stay small), otherwise the
 * bundle is minified once with esbuild (cached in the OS temp folder) and inlined in a single output. The bundle
 * is wrapped so it neither registers with a page's AMD `define` (classic Jupyter loads require.js) nor with
 * `module`, and always sets `window.Plotly`.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tslab from 'tslab';
import { REPO, scratchDir } from './project';

const PLOTLY = path.join(REPO, 'node_modules', 'plotly.js-dist', 'plotly.js');

/** Injects plotly.js into the notebook's page once; returns where it came from. */
export function loadPlotly(): string {
  const version = (JSON.parse(fs.readFileSync(path.join(REPO, 'node_modules', 'plotly.js-dist', 'package.json'), 'utf8')) as { version: string }).version;
  const src = process.env.RECIST_PLOTLY_SRC;
  if (src && src !== 'inline') {
    tslab.display.html(`<script id="recist-plotly-loader" src="${src}"></script><small>plotly.js ${version} from ${src}</small>`);
    return src;
  }
  const cached = path.join(scratchDir('plotly'), `plotly-${version}.min.js`);
  if (!fs.existsSync(cached)) {
    const esbuild = require('esbuild') as { transformSync(code: string, o: object): { code: string } };
    fs.writeFileSync(cached, esbuild.transformSync(fs.readFileSync(PLOTLY, 'utf8'), { minify: true, loader: 'js' }).code);
  }
  const code = fs.readFileSync(cached, 'utf8').replace(/<\/script/gi, '<\\/script');
  tslab.display.html(`<script id="recist-plotly-loader">(function (define, module, exports) {\n${code}\n}).call(window, undefined, undefined, undefined);</script><small>plotly.js ${version} (inline, minified)</small>`);
  return 'inline';
}

let counter = 0;

/** Rounds numbers to `digits` decimals (keeps the figure JSON small). */
export function round(values: readonly number[], digits = 2): number[] {
  const k = 10 ** digits;
  return values.map((v) => (Number.isFinite(v) ? Math.round(v * k) / k : v));
}

/** Displays one plotly figure (after `loadPlotly()`). */
export function plot(data: readonly object[], layout: Record<string, unknown> = {}, opts: { height?: number } = {}): void {
  const height = opts.height ?? 420;
  const id = `recist-plot-${process.pid}-${++counter}`;
  const spec = JSON.stringify({
    data,
    layout: { height, margin: { l: 60, r: 20, t: 50, b: 50 }, template: undefined, ...layout },
    config: { displaylogo: false, responsive: true },
  }).replace(/</g, '\\u003c');
  tslab.display.html(
    `<div id="${id}" style="width:100%;height:${height}px"></div>` +
      `<script>(function(){var s=${spec};var n=0;function draw(){var el=document.getElementById('${id}');` +
      `if(window.Plotly&&el){window.Plotly.newPlot(el,s.data,s.layout,s.config);}else if(n++<400){setTimeout(draw,50);}}draw();})();</script>`,
  );
}

/** An HTML table from rows of cells (first row = header). */
export function table(rows: readonly (readonly (string | number)[])[], caption?: string): void {
  const esc = (s: string | number): string => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const [head, ...body] = rows;
  tslab.display.html(
    `<table style="border-collapse:collapse;font-size:12px">${caption ? `<caption style="text-align:left;font-weight:bold">${esc(caption)}</caption>` : ''}` +
      `<thead><tr>${head.map((c) => `<th style="border-bottom:1px solid #888;padding:2px 6px">${esc(c)}</th>`).join('')}</tr></thead>` +
      `<tbody>${body.map((r) => `<tr>${r.map((c, i) => `<td style="padding:2px 6px;text-align:${i ? 'right' : 'left'}">${esc(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`,
  );
}
