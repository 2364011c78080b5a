/** What crosses the wire: proposals and labels as clients see them, endpoint checks, and error messages for clients. */
import type { Recist } from '../geometry/types.ts';
import { compose, resizePixelAffine } from '../geometry/affine.ts';
import { cropToOriginalAffine } from '../geometry/crop.ts';
import { canonicalToCropAffine } from '../geometry/theta.ts';
import type { Proposal } from '../model/measurer-types.ts';
import type { LabelDto, PackedHeatmaps } from './events.ts';
import type { StoredLabel, StoredProposal } from './schemas.ts';

export const errorMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * What a client is told about a failure. Node system errors (a read-only or full disk under the label store…) carry
 * server file paths in their message: the client gets the code and its meaning only, the log gets the whole message.
 */
export function clientMessage(err: unknown, event: string, log: (line: string) => void): string {
  const sys = err as NodeJS.ErrnoException | null;
  if (sys instanceof Error && typeof sys.code === 'string' && typeof sys.syscall === 'string') {
    log(`${event} error: ${sys.message}`);
    const meaning = sys.message.startsWith(`${sys.code}: `) ? sys.message.slice(sys.code.length + 2).split(',')[0] : sys.syscall;
    return `server storage error (${sys.code}: ${meaning})${event === 'label:save' ? '; nothing was saved' : ''}`;
  }
  return errorMessage(err);
}

/**
 * Packs what the proposal was read from for the wire (one byte per value, per-channel max scaling): the pseudo-mask
 * for mask read-out proposals (its pixels cover the crop), else the 4 heatmaps (canonical space, mapped through θ).
 */
export function packHeatmaps(p: Proposal): PackedHeatmaps {
  const maps = p.mask ?? p.heatmaps;
  if (!maps) throw new Error(`proposal by ${p.modelVersion} carries neither a pseudo-mask nor heatmaps`);
  const { width, height, channels, data } = maps;
  const n = width * height;
  const bytes = new Uint8Array(n * channels);
  const scale: number[] = [];
  for (let c = 0; c < channels; c++) {
    let max = 0;
    for (let i = 0; i < n; i++) max = Math.max(max, data[c * n + i]);
    scale.push(max);
    const k = max > 0 ? 255 / max : 0;
    for (let i = 0; i < n; i++) bytes[c * n + i] = Math.max(0, Math.min(255, Math.round(data[c * n + i] * k)));
  }
  const toCrop = p.mask ? resizePixelAffine(width, p.crop.size) : canonicalToCropAffine(p.theta, width, p.crop.size);
  const toImage = compose(cropToOriginalAffine(p.crop), toCrop);
  return { width, height, channels, data: Buffer.from(bytes).toString('base64'), scale, toImage, kind: p.mask ? 'mask' : 'heatmaps' };
}

/** Throws unless every endpoint lies inside the image ([−0.5, W − 0.5] × [−0.5, H − 0.5]). */
export function assertRecistInside(r: Recist, width: number, height: number, context = 'recist'): void {
  const pts = [['long[0]', r.long[0]], ['long[1]', r.long[1]], ['short[0]', r.short[0]], ['short[1]', r.short[1]]] as const;
  for (const [name, p] of pts) {
    if (!(p.x >= -0.5 && p.x <= width - 0.5 && p.y >= -0.5 && p.y <= height - 0.5)) {
      throw new Error(`${context}.${name} = (${p.x}, ${p.y}) is outside the ${width}×${height} image`);
    }
  }
}

/** A Recist as plain JSON points (what the store keeps). */
export const plainRecist = (r: Recist): StoredProposal['recist'] => ({
  long: [{ x: r.long[0].x, y: r.long[0].y }, { x: r.long[1].x, y: r.long[1].y }],
  short: [{ x: r.short[0].x, y: r.short[0].y }, { x: r.short[1].x, y: r.short[1].y }],
});

export function labelDto(l: StoredLabel): LabelDto {
  return {
    id: l.id, lesionId: l.lesionId, dataset: l.dataset, reader: l.reader, time: l.time, modelVersion: l.modelVersion,
    original: l.original ? {
      recist: l.original.recist, entropy: l.original.entropy, modelVersion: l.original.modelVersion,
      ...(l.original.calibrated !== undefined ? { calibrated: l.original.calibrated } : {}),
    } : null,
    final: l.final, box: l.box, status: l.status, spacing: l.spacing,
  };
}
