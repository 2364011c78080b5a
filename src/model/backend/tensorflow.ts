/**
 * The `tensorflow` backend (native libtensorflow through @tensorflow/tfjs-node-gpu or -node), used only
 * where a site could install it: its install script downloads libtensorflow, which fails offline, so it
 * is never a dependency here, only an optional dynamic import.
 */
import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';

/** Packages tried, best first. */
export const TFJS_NODE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

function resolvable(pkg: string): boolean {
  try {
    createRequire((import.meta as { url?: string }).url ?? `${process.cwd()}/`).resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

/** Activate `tensorflow`; returns the detail line or throws naming each package and why it failed. */
export async function initTensorflow(): Promise<string> {
  const why: string[] = [];
  for (const pkg of TFJS_NODE_PACKAGES) {
    if (!resolvable(pkg)) {
      why.push(`${pkg} is not installed`);
      continue;
    }
    try {
      await import(pkg);
      if (!(await tf.setBackend('tensorflow'))) throw new Error('tf.setBackend("tensorflow") returned false');
      return `tensorflow (${pkg.replace('@tensorflow/', '')}, native libtensorflow)`;
    } catch (e) {
      why.push(`${pkg} failed to load: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  throw new Error(
    `backend 'tensorflow' unavailable: ${why.join('; ')} ` +
      '(install needs internet: its script downloads libtensorflow; the GPU build also needs CUDA 11.2 + cuDNN 8.1)',
  );
}
