/** Small argument checks shared by the geometry module; every message names the offending value. */
import type { Point } from './types.ts';

/** Throws `<name>=<value> is not a finite number` unless `value` is finite. */
export function assertFinite(value: number, name: string): void {
  if (!Number.isFinite(value)) throw new Error(`${name}=${value} is not a finite number`);
}

/** Throws unless both coordinates of `p` are finite; `name` is used in the message (e.g. "long[0]"). */
export function assertFinitePoint(p: Point, name: string): void {
  assertFinite(p.x, `${name}.x`);
  assertFinite(p.y, `${name}.y`);
}

/** Throws unless `value` is a positive integer. */
export function assertPositiveInt(value: number, name: string): void {
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name}=${value} is not a positive integer`);
}
