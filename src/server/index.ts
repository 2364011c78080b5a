/**
 * Wiring only: configuration (flags and environment) → dataset, measurer, label store, UI bundle → `createApplication`.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Measurer } from '../model/measurer-types.ts';
import { createApplication, type Application } from './app.ts';
import { loadDataset, type Dataset } from './datasets.ts';
import { fallbackMeasurer } from './fallback-measurer.ts';
import { LabelStore } from './store.ts';
import { bundleUi } from './ui-bundle.ts';

export interface ServeConfig {
  readonly port: number;
  readonly host: string;
  /** DeepLesion folder, DICOM folder/file, or null for the demo. */
  readonly data: string | null;
  readonly labels: string;
  /** Model folder (default: models/default). */
  readonly model: string | null;
  readonly backend?: string;
}

/** Flags win over the environment: PORT, HOST, RECIST_DATA, RECIST_LABELS (default ./labels), RECIST_MODEL. */
export function serveConfig(flags: { port?: string | number; host?: string; data?: string; labels?: string; model?: string; backend?: string }, env = process.env): ServeConfig {
  const portText = String(flags.port ?? env.PORT ?? 3000);
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port ${portText}: not a port number (0–65535)`);
  return {
    port, host: flags.host ?? env.HOST ?? '127.0.0.1',
    data: flags.data ?? env.RECIST_DATA ?? null,
    labels: resolve(flags.labels ?? env.RECIST_LABELS ?? './labels'),
    model: flags.model ?? env.RECIST_MODEL ?? null,
    backend: flags.backend ?? env.RECIST_BACKEND,
  };
}

/** The trained model (createMeasurer) or, when there is none yet, the classical baseline with a warning. */
export async function loadMeasurer(model: string | null, backend: string | undefined, warn: (m: string) => void): Promise<Measurer> {
  const { createMeasurer, DEFAULT_MODEL_DIR } = await import('../model/measurer.ts');
  const dir = resolve(model ?? DEFAULT_MODEL_DIR);
  if (!existsSync(dir) && !model) {
    warn(`no model at ${dir} (train one with \`recist train\`); proposals come from the classical baseline`);
    return fallbackMeasurer();
  }
  return createMeasurer({ modelDir: dir, backend: backend as NonNullable<Parameters<typeof createMeasurer>[0]>['backend'] });
}

export interface Started {
  readonly app: Application;
  readonly url: string;
  readonly dataset: Dataset;
  readonly store: LabelStore;
  /** Token of the `demo` reader when it was created by this start (shown once). */
  readonly demoToken: string | null;
}

export async function startServer(config: ServeConfig, log: (m: string) => void = console.log): Promise<Started> {
  const warn = (m: string): void => log(`warning: ${m}`);
  const store = await LabelStore.open(config.labels);
  const dataset = loadDataset(config.data, { warn, demoCacheDir: join(config.labels, 'demo') });
  const [measurer, ui] = await Promise.all([loadMeasurer(config.model, config.backend, warn), bundleUi()]);
  let demoToken: string | null = null;
  if (!store.readers().some((r) => r.name === 'demo') && store.readers().length === 0) {
    demoToken = (await store.addReader('demo')).token;
  }
  const app = createApplication({ dataset, measurer, store, config: { ui, log: (l) => log(l) } });
  const url = await app.listen(config.port, config.host);
  return { app, url, dataset, store, demoToken };
}
