/**
 * Irregular lesion outlines: a star-convex shape around an ellipse, perturbed by a few random low-order
 * radial harmonics and optional lobulation, rasterized to an anti-aliased (supersampled) coverage map.
 *
 * Parametrization, in the lesion's local frame (u along the long axis, v along the short axis):
 *   boundary(t) = (a·cos t·(1 + h(t)), b·sin t·(1 + h(t))),  t ∈ [0, 2π)
 * so a pixel with local coordinates (u, v) is inside iff ρ = √((u/a)² + (v/b)²) ≤ 1 + h(atan2(v/b, u/a)).
 * Scaling a and b scales the shape anisotropically without changing its form, which is how the outline is
 * calibrated to a requested long/short diameter. Pure numbers; no I/O.
 */
import type { Rng } from '../../geometry/random.ts';

/** Number of samples of the tabulated perturbation h(t). */
const H_TABLE = 512;

export interface ShapeOptions {
  /** Scales the random harmonic amplitudes (0 = a perfect ellipse). Default 1. */
  readonly irregularity?: number;
  /** Probability of adding lobulation (bumps of order 3–6). Default 0.3. */
  readonly lobulationProb?: number;
  /** Calibrate a/b so the outline's diameters match the request (default true). */
  readonly calibrate?: boolean;
}

/** A lesion outline in image pixel coordinates. */
export interface LesionShape {
  /** Centre (pixels). */
  readonly cx: number;
  readonly cy: number;
  /** Long-axis direction (radians, image coordinates: x right, y down). */
  readonly angle: number;
  /** Semi-axes of the base ellipse (pixels), a ≥ b. */
  readonly a: number;
  readonly b: number;
  /** Tabulated perturbation h(t) at t = 2π·k/H_TABLE (length H_TABLE + 1, wrapped). */
  readonly h: Float32Array;
  /** max over t of (1 + h(t)): bounds the outline's extent. */
  readonly hMax: number;
  readonly hMin: number;
}

/** Anti-aliased coverage of a lesion on a window of the image. */
export interface CoverageMap {
  /** Top-left pixel of the window (inclusive). */
  readonly x0: number;
  readonly y0: number;
  readonly width: number;
  readonly height: number;
  /** Fraction of each pixel covered, in [0, 1], row-major. */
  readonly cov: Float32Array;
}

/** Perturbation h at parameter t (linear interpolation in the table). */
export function perturbationAt(shape: Pick<LesionShape, 'h'>, t: number): number {
  let f = (t / (2 * Math.PI)) * H_TABLE;
  f -= Math.floor(f / H_TABLE) * H_TABLE;
  const i = Math.floor(f);
  const w = f - i;
  return shape.h[i] * (1 - w) + shape.h[i + 1] * w;
}

/** Boundary polygon in image coordinates (n points, counter-clockwise in t). */
export function shapeOutline(shape: LesionShape, n = 128): { x: number; y: number }[] {
  const c = Math.cos(shape.angle);
  const s = Math.sin(shape.angle);
  const pts: { x: number; y: number }[] = [];
  for (let k = 0; k < n; k++) {
    const t = (2 * Math.PI * k) / n;
    const r = 1 + perturbationAt(shape, t);
    const u = shape.a * Math.cos(t) * r;
    const v = shape.b * Math.sin(t) * r;
    pts.push({ x: shape.cx + u * c - v * s, y: shape.cy + u * s + v * c });
  }
  return pts;
}

/**
 * Diameters of the outline in its local frame: the longest vertex-to-vertex distance, and the extent
 * perpendicular to it. Used only to calibrate a/b (the ground truth is measured on the rasterized mask).
 */
function outlineDiameters(a: number, b: number, h: Float32Array, n = 96): { long: number; short: number } {
  const us = new Float64Array(n);
  const vs = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const t = (2 * Math.PI * k) / n;
    const r = 1 + perturbationAt({ h }, t);
    us[k] = a * Math.cos(t) * r;
    vs[k] = b * Math.sin(t) * r;
  }
  let best = 0;
  let bi = 0;
  let bj = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const d = (us[i] - us[j]) ** 2 + (vs[i] - vs[j]) ** 2;
      if (d > best) {
        best = d;
        bi = i;
        bj = j;
      }
    }
  }
  const long = Math.sqrt(best);
  const px = -(vs[bj] - vs[bi]) / (long || 1);
  const py = (us[bj] - us[bi]) / (long || 1);
  let lo = Infinity;
  let hi = -Infinity;
  for (let k = 0; k < n; k++) {
    const p = us[k] * px + vs[k] * py;
    if (p < lo) lo = p;
    if (p > hi) hi = p;
  }
  return { long, short: hi - lo };
}

/**
 * A random irregular outline with (approximately) the requested long and short diameters (pixels) and
 * long-axis direction `angle` (radians), centred at (cx, cy).
 */
export function randomShape(
  rng: Rng,
  longPx: number,
  shortPx: number,
  angle: number,
  cx = 0,
  cy = 0,
  opts: ShapeOptions = {},
): LesionShape {
  if (!(longPx > 0) || !(shortPx > 0)) throw new Error(`randomShape: diameters must be > 0, got long ${longPx}, short ${shortPx}`);
  const long = Math.max(longPx, shortPx);
  const short = Math.min(longPx, shortPx);
  const irregularity = opts.irregularity ?? 1;
  const lobulationProb = opts.lobulationProb ?? 0.3;
  // Small lesions are rounder in reality and cannot show fine detail at pixel scale.
  const detail = irregularity * Math.min(1, long / 12);
  const harmonics: { k: number; amp: number; phase: number }[] = [];
  for (let k = 2; k <= 5; k++) {
    harmonics.push({ k, amp: rng.normal(0, (0.07 * detail) / (k - 1)), phase: rng.uniform(0, 2 * Math.PI) });
  }
  let lobes: { m: number; amp: number; phase: number } | null = null;
  if (rng.next() < lobulationProb * Math.min(1, long / 10)) {
    lobes = { m: 3 + rng.int(4), amp: rng.uniform(0.04, 0.1) * irregularity, phase: rng.uniform(0, Math.PI) };
  }
  const h = new Float32Array(H_TABLE + 1);
  let hMax = -Infinity;
  let hMin = Infinity;
  for (let i = 0; i <= H_TABLE; i++) {
    const t = (2 * Math.PI * i) / H_TABLE;
    let v = 0;
    for (const hm of harmonics) v += hm.amp * Math.cos(hm.k * t + hm.phase);
    if (lobes) v += lobes.amp * (Math.sqrt(Math.abs(Math.cos((lobes.m * t) / 2 + lobes.phase))) - 0.76);
    v = Math.max(-0.45, Math.min(0.45, v));
    h[i] = v;
  }
  h[H_TABLE] = h[0];
  for (let i = 0; i < H_TABLE; i++) {
    hMax = Math.max(hMax, h[i]);
    hMin = Math.min(hMin, h[i]);
  }
  let a = long / 2;
  let b = short / 2;
  if (opts.calibrate ?? true) {
    for (let it = 0; it < 3; it++) {
      const d = outlineDiameters(a, b, h);
      a *= long / d.long;
      b *= short / d.short;
      if (b > a) b = a;
    }
  }
  return { cx, cy, angle, a, b, h, hMax: 1 + hMax, hMin: 1 + hMin };
}

/** The same outline moved to a new centre. */
export function placeShape(shape: LesionShape, cx: number, cy: number): LesionShape {
  return { ...shape, cx, cy };
}

/** Half-size (pixels) of the axis-aligned box that surely contains the outline. */
export function shapeRadius(shape: LesionShape): number {
  return shape.a * shape.hMax;
}

/**
 * Rasterizes the outline to fractional pixel coverage (pixel (i, j) = square centred at (i, j)) on the window
 * that contains it plus `pad` pixels. Pixels clearly inside/outside are 1/0; pixels near the boundary are
 * supersampled `ss`×`ss`.
 */
export function rasterizeCoverage(shape: LesionShape, pad = 0, ss = 4): CoverageMap {
  const R = shapeRadius(shape) + 1;
  const x0 = Math.floor(shape.cx - R) - pad;
  const y0 = Math.floor(shape.cy - R) - pad;
  const x1 = Math.ceil(shape.cx + R) + pad;
  const y1 = Math.ceil(shape.cy + R) + pad;
  const width = x1 - x0 + 1;
  const height = y1 - y0 + 1;
  const cov = new Float32Array(width * height);
  const c = Math.cos(shape.angle);
  const s = Math.sin(shape.angle);
  const ia = 1 / shape.a;
  const ib = 1 / shape.b;
  // A pixel's normalized radius ρ changes by at most ~√2/b per pixel; add slack for h'(t).
  const band = (1.0 / shape.b) * 1.2 + 0.05;
  const inside = (x: number, y: number): boolean => {
    const dx = x - shape.cx;
    const dy = y - shape.cy;
    const un = (dx * c + dy * s) * ia;
    const vn = (-dx * s + dy * c) * ib;
    const rho = Math.sqrt(un * un + vn * vn);
    if (rho <= shape.hMin) return true;
    if (rho > shape.hMax) return false;
    return rho <= 1 + perturbationAt(shape, Math.atan2(vn, un));
  };
  const step = 1 / ss;
  const off = -0.5 + step / 2;
  const inv = 1 / (ss * ss);
  for (let j = 0; j < height; j++) {
    const y = y0 + j;
    for (let i = 0; i < width; i++) {
      const x = x0 + i;
      const dx = x - shape.cx;
      const dy = y - shape.cy;
      const un = (dx * c + dy * s) * ia;
      const vn = (-dx * s + dy * c) * ib;
      const rho = Math.sqrt(un * un + vn * vn);
      if (rho > shape.hMax + band) continue;
      const edge = 1 + perturbationAt(shape, Math.atan2(vn, un));
      if (Math.abs(rho - edge) > band && rho < shape.hMin - band) {
        cov[j * width + i] = 1;
        continue;
      }
      if (Math.abs(rho - edge) > band) {
        cov[j * width + i] = rho < edge ? 1 : 0;
        continue;
      }
      let n = 0;
      for (let sy = 0; sy < ss; sy++) {
        for (let sx = 0; sx < ss; sx++) if (inside(x + off + sx * step, y + off + sy * step)) n++;
      }
      cov[j * width + i] = n * inv;
    }
  }
  return { x0, y0, width, height, cov };
}
