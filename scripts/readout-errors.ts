/**
 * The scoring loop of the read-out picking scripts (pick-readout-constant.ts, pick-box-aspect.ts): every candidate
 * read-out on a labeled folder under each of READOUT_PICK_PROTOCOLS (seeds 0–2, no extra readers), its four errors vs
 * the folder's marks printed per protocol and returned.
 */
import type { Method } from '../src/eval/baselines/index.ts';
import { findSummary, evaluateFolder } from '../src/eval/run.ts';
import { READOUT_PICK_PROTOCOLS } from '../src/geometry/box.ts';

/** Long/short-axis location and length errors (px, mean over lesions) under one protocol. */
export interface ReadoutErrors {
  readonly longLoc: number;
  readonly shortLoc: number;
  readonly longLen: number;
  readonly shortLen: number;
}

/** Errors per method name, one entry per protocol (paper, square). */
export async function errorsOverPickProtocols(dir: string, methods: readonly Method[]): Promise<Map<string, ReadoutErrors[]>> {
  const out = new Map<string, ReadoutErrors[]>(methods.map((m) => [m.name, []]));
  for (const [name, boxProtocol] of Object.entries(READOUT_PICK_PROTOCOLS)) {
    const r = await evaluateFolder({ dir, methods, seeds: [0, 1, 2], readersCsv: null, boxProtocol });
    for (const m of methods) {
      const s = findSummary(r, m.name)!.axes;
      const e = { longLoc: s.long.locPx.mean, shortLoc: s.short.locPx.mean, longLen: s.long.lenPx.mean, shortLen: s.short.lenPx.mean };
      out.get(m.name)!.push(e);
      console.log(`${name} boxes, ${m.name}: location long ${e.longLoc.toFixed(2)} / short ${e.shortLoc.toFixed(2)} px, length long ${e.longLen.toFixed(2)} / short ${e.shortLen.toFixed(2)} px`);
    }
  }
  return out;
}
