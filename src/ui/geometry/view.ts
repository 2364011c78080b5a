/**
 * The canvas view transform as pure functions: screen = image · scale + (tx, ty). Zoom keeps the point under the
 * cursor fixed; pan adds a screen offset. Window/level from a right-drag.
 */
import type { Point } from '../../geometry/types.ts';

export interface View {
  readonly scale: number;
  readonly tx: number;
  readonly ty: number;
}

export const MIN_SCALE = 0.1;
export const MAX_SCALE = 40;

/** Image pixel coordinates (pixel centres at integers) → canvas coordinates. */
export function imageToScreen(v: View, p: Point): Point {
  return { x: (p.x + 0.5) * v.scale + v.tx, y: (p.y + 0.5) * v.scale + v.ty };
}

/** Canvas coordinates → image pixel coordinates; exact inverse of `imageToScreen`. */
export function screenToImage(v: View, p: Point): Point {
  return { x: (p.x - v.tx) / v.scale - 0.5, y: (p.y - v.ty) / v.scale - 0.5 };
}

/** Fits a W×H image centred in a canvas of cw×ch. */
export function fitView(imageW: number, imageH: number, cw: number, ch: number): View {
  const scale = Math.max(MIN_SCALE, Math.min(cw / imageW, ch / imageH));
  return { scale, tx: (cw - imageW * scale) / 2, ty: (ch - imageH * scale) / 2 };
}

/** Zooms by `factor` about the canvas point `at` (the image point under it stays put); scale is clamped. */
export function zoomAt(v: View, at: Point, factor: number): View {
  const scale = Math.min(MAX_SCALE, Math.max(MIN_SCALE, v.scale * factor));
  const k = scale / v.scale;
  return { scale, tx: at.x - (at.x - v.tx) * k, ty: at.y - (at.y - v.ty) * k };
}

/** Pans by a canvas offset. */
export function pan(v: View, dx: number, dy: number): View {
  return { scale: v.scale, tx: v.tx + dx, ty: v.ty + dy };
}

/** Window/level right-drag: horizontal = width, vertical = centre (down = brighter… as most viewers: centre up). */
export function windowDrag(
  start: { center: number; width: number }, dx: number, dy: number, huPerPixel = 2,
): { center: number; width: number } {
  return { center: Math.round(start.center + dy * huPerPixel), width: Math.round(Math.max(1, start.width + dx * huPerPixel)) };
}
