/**
 * Lesion appearance: insert a rasterized lesion outline into a background HU slice.
 *
 * Model (per pixel of the lesion's neighbourhood window):
 *   out = (1 − α)·bg + α·L(x) + √(1 − (1 − α)²)·σ_bg·n(x)
 * α = coverage blurred by the partial-volume σ (0.5–1.5 px); L = lesion HU level + interior texture + rim
 * enhancement / necrotic core; n = correlated noise (blurred white noise) rescaled so its high-pass MAD equals
 * the background's, so the lesion's interior carries the same noise as the surrounding tissue and the total
 * noise variance stays constant through the edge. Only the window around the lesion is written.
 *
 * Contrast levels were set from the 24 real DeepLesion dev lesions (mean HU inside the RECIST ellipse minus
 * the median of a ring outside): hypo-dense −12…−75 HU (most −20…−50), hyper-dense +38…+59, one iso (−4);
 * high-pass noise 5–14 HU; raw/high-pass noise ratio 1.3–1.8 (≈ blurred white noise with σ 0.5–0.65 px).
 */
import type { Rng } from '../../geometry/random.ts';
import { perturbationAt, type CoverageMap, type LesionShape } from './shape.ts';
import { gaussianBlur } from '../../geometry/blur.ts';
import { clamp, highPassNoise, smoothNoise } from './util.ts';

/** Appearance families. */
export const LESION_KINDS = ['hypo', 'cyst', 'hyper', 'rim', 'hetero', 'lung-nodule', 'node'] as const;
export type LesionKind = (typeof LESION_KINDS)[number];

/** Tissue the lesion sits in (decides the plausible kinds). */
export type TissueContext = 'parenchyma' | 'lung' | 'fat';

/** Parameters of one lesion's appearance (all HU values absolute unless named "delta"). */
export interface AppearanceParams {
  readonly kind: LesionKind;
  /** Mean HU of the lesion interior. */
  readonly levelHu: number;
  /** Interior texture: std (HU) and correlation length (px). */
  readonly textureStd: number;
  readonly textureScale: number;
  /** Rim enhancement: HU added at the edge and its width (px); 0 for none. */
  readonly rimDeltaHu: number;
  readonly rimWidthPx: number;
  /** Necrotic/cystic core: HU added (negative) inside ρ < coreRadius (fraction of the outline). */
  readonly coreDeltaHu: number;
  readonly coreRadius: number;
  /** Partial-volume blur σ (px). */
  readonly blurSigma: number;
  /** Correlation σ (px) of the synthetic noise. */
  readonly noiseCorr: number;
}

/** Kinds that make sense in a tissue, with relative weights. */
export const KIND_WEIGHTS: Record<TissueContext, readonly (readonly [LesionKind, number])[]> = {
  parenchyma: [['hypo', 0.45], ['cyst', 0.12], ['hyper', 0.13], ['rim', 0.12], ['hetero', 0.18]],
  lung: [['lung-nodule', 1]],
  fat: [['node', 1]],
};

/** The tissue a kind belongs to (the context whose KIND_WEIGHTS list it). */
export function contextForKind(kind: LesionKind): TissueContext {
  const found = (Object.keys(KIND_WEIGHTS) as TissueContext[]).find((c) => KIND_WEIGHTS[c].some(([k]) => k === kind));
  if (!found) throw new Error(`lesion kind ${JSON.stringify(kind)} belongs to no tissue context`);
  return found;
}

/** Draws a kind for a tissue context. */
export function sampleKind(context: TissueContext, rng: Rng): LesionKind {
  const list = KIND_WEIGHTS[context];
  const total = list.reduce((s, [, w]) => s + w, 0);
  let u = rng.next() * total;
  for (const [k, w] of list) {
    if ((u -= w) < 0) return k;
  }
  return list[list.length - 1][0];
}

/** Random appearance of a `kind` lesion on a background whose local median is `bgHu`. */
export function sampleAppearance(kind: LesionKind, bgHu: number, rng: Rng, longPx = 15): AppearanceParams {
  const base = {
    kind,
    textureStd: rng.uniform(1, 5),
    textureScale: rng.uniform(1.2, 2.5),
    rimDeltaHu: 0,
    rimWidthPx: 1,
    coreDeltaHu: 0,
    coreRadius: 0.5,
    blurSigma: rng.uniform(0.6, 1.6),
    noiseCorr: rng.uniform(0.45, 0.65),
  };
  switch (kind) {
    case 'hypo': {
      // Metastases/indeterminate hypodense lesions: 15–70 HU below the parenchyma, not below cyst fluid.
      const delta = -rng.uniform(15, 70);
      return { ...base, levelHu: Math.max(bgHu + delta, rng.uniform(-15, 15)), textureStd: rng.uniform(2, 7) };
    }
    case 'cyst':
      return { ...base, levelHu: Math.min(rng.uniform(-10, 25), bgHu - 20), textureStd: rng.uniform(0, 2), blurSigma: rng.uniform(0.5, 1.0) };
    case 'hyper':
      // Real hyper-dense dev lesions sit at 99–159 HU (+38…+59): cap the level on bright backgrounds (kidney, spleen).
      return { ...base, levelHu: Math.min(bgHu + rng.uniform(30, 65), Math.max(bgHu + 30, rng.uniform(130, 175))), textureStd: rng.uniform(2, 7) };
    case 'rim':
      return {
        ...base,
        levelHu: bgHu - rng.uniform(5, 35),
        rimDeltaHu: rng.uniform(20, 50),
        rimWidthPx: clamp(rng.uniform(0.08, 0.2) * longPx, 1, 3),
        textureStd: rng.uniform(2, 6),
      };
    case 'hetero':
      return {
        ...base,
        levelHu: bgHu - rng.uniform(20, 55),
        textureStd: rng.uniform(6, 15),
        textureScale: rng.uniform(1.5, 3.5),
        coreDeltaHu: -rng.uniform(0, 30),
        coreRadius: rng.uniform(0.3, 0.65),
      };
    case 'lung-nodule':
      // Solid nodules: soft tissue density; the partial-volume blur lowers small ones further.
      return { ...base, levelHu: rng.uniform(-100, 50), textureStd: rng.uniform(3, 12), blurSigma: rng.uniform(0.5, 1.1) };
    case 'node':
      return { ...base, levelHu: rng.uniform(20, 70), textureStd: rng.uniform(2, 6), blurSigma: rng.uniform(0.5, 1.0) };
  }
}

/** Normalized radius of image point (x, y): < 1 inside the outline, 1 on it. */
export function normalizedRadius(shape: LesionShape, x: number, y: number): number {
  const dx = x - shape.cx;
  const dy = y - shape.cy;
  const c = Math.cos(shape.angle);
  const s = Math.sin(shape.angle);
  const un = (dx * c + dy * s) / shape.a;
  const vn = (-dx * s + dy * c) / shape.b;
  return Math.sqrt(un * un + vn * vn) / (1 + perturbationAt(shape, Math.atan2(vn, un)));
}

/** Background statistics around a lesion site. */
export interface LocalBackground {
  /** Median HU in the disk of radius `r` around the site. */
  readonly medianHu: number;
  /** Robust high-pass noise σ (HU) in the square of half-size `r + 4`. */
  readonly noiseHu: number;
}

/** Median HU (disk, subsampled) and robust noise around (cx, cy). */
export function localBackground(hu: Float32Array, width: number, height: number, cx: number, cy: number, r: number): LocalBackground {
  const vals: number[] = [];
  const step = r > 12 ? 2 : 1;
  const ri = Math.ceil(r);
  for (let dy = -ri; dy <= ri; dy += step) {
    for (let dx = -ri; dx <= ri; dx += step) {
      if (dx * dx + dy * dy > r * r) continue;
      const x = Math.round(cx + dx);
      const y = Math.round(cy + dy);
      if (x >= 0 && y >= 0 && x < width && y < height) vals.push(hu[y * width + x]);
    }
  }
  vals.sort((a, b) => a - b);
  const medianHu = vals.length ? vals[vals.length >> 1] : 0;
  const h = Math.ceil(r) + 4;
  const noiseHu = highPassNoise(hu, width, height, Math.round(cx - h), Math.round(cy - h), Math.round(cx + h), Math.round(cy + h));
  return { medianHu, noiseHu };
}

/**
 * Writes the lesion into `out` (a full-slice HU array already holding the background), changing only the
 * coverage window. `bg` is read for the background (may be the same array as `out`).
 */
export function insertLesion(
  out: Float32Array,
  bg: Float32Array,
  width: number,
  height: number,
  shape: LesionShape,
  cov: CoverageMap,
  params: AppearanceParams,
  noiseHu: number,
  rng: Rng,
): void {
  const { x0, y0, width: w, height: h } = cov;
  const alpha = gaussianBlur(cov.cov, w, h, params.blurSigma);
  const tex = params.textureStd > 0 ? smoothNoise(w, h, rng, params.textureScale) : null;
  let noise = smoothNoise(w, h, rng, params.noiseCorr);
  // Match the noise in the estimator's domain (high-pass MAD), as the background was measured there.
  const nHp = highPassNoise(noise, w, h, 0, 0, w - 1, h - 1);
  const scale = nHp > 0 ? noiseHu / nHp : 0;
  noise = noise.map((v) => v * scale);
  const sizePx = Math.sqrt(shape.a * shape.b);
  for (let j = 0; j < h; j++) {
    const y = y0 + j;
    if (y < 0 || y >= height) continue;
    for (let i = 0; i < w; i++) {
      const x = x0 + i;
      if (x < 0 || x >= width) continue;
      const k = j * w + i;
      const a = alpha[k];
      if (a < 1e-3) continue;
      let level = params.levelHu;
      if (tex) level += params.textureStd * tex[k];
      if (params.rimDeltaHu !== 0 || params.coreDeltaHu !== 0) {
        const rho = normalizedRadius(shape, x, y);
        if (params.rimDeltaHu !== 0) {
          const depth = Math.max(0, (1 - rho) * sizePx);
          level += params.rimDeltaHu * Math.exp(-depth / params.rimWidthPx);
        }
        if (params.coreDeltaHu !== 0) {
          const t = clamp((params.coreRadius - rho) / 0.15 + 0.5, 0, 1);
          level += params.coreDeltaHu * t * t * (3 - 2 * t);
        }
      }
      const p = y * width + x;
      const b = bg[p];
      out[p] = (1 - a) * b + a * level + Math.sqrt(Math.max(0, 1 - (1 - a) * (1 - a))) * noise[k];
    }
  }
}
