/**
 * Shared value types. Coordinate convention everywhere: continuous pixel coordinates of the image they
 * belong to, x to the right, y down, pixel (i, j) has its centre at (x = i, y = j) — the convention of
 * DeepLesion's `Measurement_coordinates`.
 */
export interface Point {
  readonly x: number;
  readonly y: number;
}

/** A measured diameter: two endpoints. */
export type Segment = readonly [Point, Point];

/** A RECIST mark: the long axis and the (near-)perpendicular short axis. */
export interface Recist {
  readonly long: Segment;
  readonly short: Segment;
}

/** Axis-aligned box, x1 < x2, y1 < y2, in pixel coordinates. */
export interface Box {
  readonly x1: number;
  readonly y1: number;
  readonly x2: number;
  readonly y2: number;
}

/** Millimetres per pixel along x and y. */
export interface Spacing {
  readonly x: number;
  readonly y: number;
}

/**
 * 2x3 affine [a, b, c, d, e, f]: x' = a·x + b·y + c, y' = d·x + e·y + f.
 */
export type Affine = readonly [number, number, number, number, number, number];

/** The paper's transformation parameters θ = {tx, ty, α, s} (Eq. 1–3), in normalized [-1, 1] crop coordinates. */
export interface Theta {
  readonly tx: number;
  readonly ty: number;
  readonly alpha: number;
  readonly s: number;
}

/** Keypoint order used for heatmap channels, fixed in canonical space. */
export const KEYPOINT_NAMES = ['longLeft', 'longRight', 'shortTop', 'shortBottom'] as const;
export type KeypointName = (typeof KEYPOINT_NAMES)[number];

/** A stack of single-channel float maps, channel-major: data[c * height * width + y * width + x]. */
export interface MapStack {
  readonly width: number;
  readonly height: number;
  readonly channels: number;
  readonly data: Float32Array;
}
