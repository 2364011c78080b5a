/** fast-check arbitraries shared by the geometry tests. */
import fc from 'fast-check';
import type { Point, Recist } from '../../src/geometry/types.ts';

export const coord = (min = -1000, max = 1000): fc.Arbitrary<number> => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });

export const point = (min = -1000, max = 1000): fc.Arbitrary<Point> => fc.record({ x: coord(min, max), y: coord(min, max) });

/** A perpendicular RECIST mark: centre, angle, long length ≥ short length, short axis crossing at its midpoint. */
export const recistArb = (opts: { center?: [number, number]; long?: [number, number] } = {}): fc.Arbitrary<Recist> => {
  const [cmin, cmax] = opts.center ?? [20, 108];
  const [lmin, lmax] = opts.long ?? [4, 60];
  return fc
    .record({ cx: coord(cmin, cmax), cy: coord(cmin, cmax), angle: coord(-Math.PI, Math.PI), long: coord(lmin, lmax), ratio: coord(0.2, 1) })
    .map(({ cx, cy, angle, long, ratio }) => makeRecist({ x: cx, y: cy }, angle, long, long * ratio));
};

/** A perpendicular mark centred at `c`: long axis of `long` px at `angle` rad, short axis of `short` px. */
export function makeRecist(c: Point, angle: number, long: number, short: number): Recist {
  const u = { x: Math.cos(angle), y: Math.sin(angle) }, v = { x: -Math.sin(angle), y: Math.cos(angle) };
  const at = (d: Point, t: number): Point => ({ x: c.x + d.x * t, y: c.y + d.y * t });
  return { long: [at(u, -long / 2), at(u, long / 2)], short: [at(v, -short / 2), at(v, short / 2)] };
}

export function close(a: Point, b: Point, tol: number): boolean {
  return Math.hypot(a.x - b.x, a.y - b.y) <= tol;
}
