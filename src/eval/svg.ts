/**
 * Tiny self-contained SVG plotting (no libraries, no network): scatter plots with optional horizontal lines
 * (Bland–Altman bias and limits), axes with ticks, a legend.
 */
export interface Series {
  readonly name: string;
  readonly color: string;
  readonly points: readonly { readonly x: number; readonly y: number; readonly label?: string }[];
}

export interface HLine {
  readonly y: number;
  readonly color: string;
  readonly dash?: boolean;
  readonly label?: string;
}

export interface ScatterOptions {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly width?: number;
  readonly height?: number;
  readonly hlines?: readonly HLine[];
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** "Nice" tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) {
    const d = Math.abs(lo) || 1;
    return [lo - d / 2, lo, lo + d / 2];
  }
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

const fmt = (v: number): string => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2)).replace(/\.?0+$/, '') || '0';

/** A scatter plot as a standalone SVG document. */
export function scatterSvg(series: readonly Series[], opts: ScatterOptions): string {
  const W = opts.width ?? 560, H = opts.height ?? 380;
  const m = { l: 58, r: 16, t: 34, b: 46 };
  const xs = series.flatMap((s) => s.points.map((p) => p.x)).filter(Number.isFinite);
  const ys = [...series.flatMap((s) => s.points.map((p) => p.y)), ...(opts.hlines ?? []).map((h) => h.y)].filter(Number.isFinite);
  const pad = (lo: number, hi: number): [number, number] => {
    if (lo === hi) return [lo - 1, hi + 1];
    const d = (hi - lo) * 0.06;
    return [lo - d, hi + d];
  };
  const [x0, x1] = xs.length ? pad(Math.min(...xs), Math.max(...xs)) : [0, 1];
  const [y0, y1] = ys.length ? pad(Math.min(...ys), Math.max(...ys)) : [0, 1];
  const X = (v: number): number => m.l + ((v - x0) / (x1 - x0)) * (W - m.l - m.r);
  const Y = (v: number): number => H - m.b - ((v - y0) / (y1 - y0)) * (H - m.t - m.b);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="18" text-anchor="middle" font-size="13" font-weight="bold">${esc(opts.title)}</text>`,
    `<rect x="${m.l}" y="${m.t}" width="${W - m.l - m.r}" height="${H - m.t - m.b}" fill="none" stroke="#999"/>`,
  ];
  for (const t of niceTicks(x0, x1)) {
    if (t < x0 || t > x1) continue;
    parts.push(`<line x1="${X(t)}" y1="${H - m.b}" x2="${X(t)}" y2="${H - m.b + 4}" stroke="#333"/><text x="${X(t)}" y="${H - m.b + 16}" text-anchor="middle">${fmt(t)}</text>`);
  }
  for (const t of niceTicks(y0, y1)) {
    if (t < y0 || t > y1) continue;
    parts.push(`<line x1="${m.l - 4}" y1="${Y(t)}" x2="${m.l}" y2="${Y(t)}" stroke="#333"/><line x1="${m.l}" y1="${Y(t)}" x2="${W - m.r}" y2="${Y(t)}" stroke="#eee"/><text x="${m.l - 7}" y="${Y(t) + 4}" text-anchor="end">${fmt(t)}</text>`);
  }
  parts.push(`<text x="${(m.l + W - m.r) / 2}" y="${H - 8}" text-anchor="middle">${esc(opts.xLabel)}</text>`);
  parts.push(`<text transform="translate(14 ${(m.t + H - m.b) / 2}) rotate(-90)" text-anchor="middle">${esc(opts.yLabel)}</text>`);
  for (const h of opts.hlines ?? []) {
    if (!Number.isFinite(h.y)) continue;
    parts.push(`<line x1="${m.l}" y1="${Y(h.y)}" x2="${W - m.r}" y2="${Y(h.y)}" stroke="${h.color}"${h.dash ? ' stroke-dasharray="5 3"' : ''}/>`);
    if (h.label) parts.push(`<text x="${W - m.r - 3}" y="${Y(h.y) - 3}" text-anchor="end" fill="${h.color}">${esc(h.label)}</text>`);
  }
  for (const s of series) {
    for (const p of s.points) {
      if (!Number.isFinite(p.x) || !Number.isFinite(p.y)) continue;
      parts.push(`<circle cx="${X(p.x).toFixed(1)}" cy="${Y(p.y).toFixed(1)}" r="3.2" fill="${s.color}" fill-opacity="0.7">${p.label ? `<title>${esc(p.label)}</title>` : ''}</circle>`);
    }
  }
  series.forEach((s, i) => {
    const y = m.t + 12 + i * 14;
    parts.push(`<circle cx="${m.l + 10}" cy="${y - 4}" r="4" fill="${s.color}"/><text x="${m.l + 18}" y="${y}">${esc(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

export const PALETTE = ['#d62728', '#1f77b4', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];
