/** Summaries of tf.profile results: kernel time by kernel name (wrapper/op scopes left out), top first. */
import * as tf from '@tensorflow/tfjs';

export interface KernelRow {
  readonly kernel: string;
  readonly ms: number;
  readonly calls: number;
  readonly share: number;
}

/**
 * tf.profile lists kernels and, for ops built from other ops (fusedConv2d's custom gradient, tidy scopes), a wrapper
 * entry whose time includes its inner kernels: only names registered as kernels for `backend` are counted.
 */
export type ProfileInfo = Awaited<ReturnType<typeof tf.profile>>;

export function topKernels(info: ProfileInfo, backend: string, top = 12): { totalKernelMs: number; kernelCalls: number; top: KernelRow[]; byShape: { kernel: string; shapes: string; ms: number; calls: number }[] } {
  const by = new Map<string, { ms: number; calls: number }>();
  const shapes = new Map<string, { kernel: string; shapes: string; ms: number; calls: number }>();
  let total = 0, calls = 0;
  for (const k of info.kernels) {
    if (!tf.getKernel(k.name, backend)) continue;
    const ms = Number(k.kernelTimeMs) || 0;
    total += ms;
    calls++;
    const e = by.get(k.name) ?? { ms: 0, calls: 0 };
    e.ms += ms;
    e.calls++;
    by.set(k.name, e);
    const key = `${k.name} ${JSON.stringify(k.inputShapes)}`;
    const s = shapes.get(key) ?? { kernel: k.name, shapes: JSON.stringify(k.inputShapes), ms: 0, calls: 0 };
    s.ms += ms;
    s.calls++;
    shapes.set(key, s);
  }
  const rows = [...by].map(([kernel, e]) => ({ kernel, ms: Math.round(e.ms * 10) / 10, calls: e.calls, share: Math.round((e.ms / total) * 1000) / 1000 }));
  rows.sort((a, b) => b.ms - a.ms);
  const byShape = [...shapes.values()].sort((a, b) => b.ms - a.ms).slice(0, top).map((s) => ({ ...s, ms: Math.round(s.ms * 10) / 10 }));
  return { totalKernelMs: Math.round(total), kernelCalls: calls, top: rows.slice(0, top), byShape };
}
