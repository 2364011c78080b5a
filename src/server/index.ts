/**
 * Wiring only: configuration (flags and environment) → dataset, measurer (an inference worker pool by default), label
 * store, fine-tune service, worklist ranking, UI bundle → `createApplication`.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { REPO_ROOT } from '../data/paths.ts';
import type { Measurer } from '../model/measurer-types.ts';
import { STRATEGIES } from '../active/strategies.ts';
import { createApplication, type Application } from './app.ts';
import { loadDataset, type Dataset } from './datasets.ts';
import { fallbackMeasurer } from './fallback-measurer.ts';
import { createFineTuneService, type FineTuneConfig, type FineTuneService } from './finetune/index.ts';
import { LabelStore } from './store.ts';
import { createInferencePool } from './inference/pool.ts';
import { bundleUi } from './ui-bundle.ts';

export interface ServeConfig {
  readonly port: number;
  readonly host: string;
  /** DeepLesion folder, DICOM folder/file, or null for the demo. */
  readonly data: string | null;
  /** A DICOMweb server to take the worklist from and store SRs in (src/pacs); wins over `data`. */
  readonly dicomweb?: { readonly url: string; readonly studies?: string; readonly timeout?: string } | null;
  readonly labels: string;
  /** Model folder (default: models/default). */
  readonly model: string | null;
  readonly backend?: string;
  /** Fine-tune after this many new accepted corrections (0 = only when an admin asks; default 20). */
  readonly finetuneEvery?: number;
  /** No fine-tune service at all (proposals always from --model). */
  readonly noFinetune?: boolean;
  /** Fine-tune budget per job (steps; default 40). */
  readonly finetuneSteps?: number;
  /** Whether each job also re-picks the read-out's classical weight on its corrections (default true). */
  readonly finetuneReadout?: boolean;
  /** Held-out corrections a fine-tune must be validated on before it can be promoted (default MIN_VALIDATION_CORRECTIONS). */
  readonly finetuneMinValidation?: number;
  /**
   * Admins besides the label store's own (its first reader, e.g. the `demo` reader of a fresh store, and readers added
   * with `recist readers add NAME --admin`): they may start fine-tunes, roll back and manage readers.
   */
  readonly admins?: readonly string[];
  /** Inference worker threads (default: the machine's cores; 0 = proposals on the main thread, as before the pool). */
  readonly inferenceWorkers?: number;
  /** Proposals per second per reader (default 5; 0 = no limit). */
  readonly proposalRate?: number;
  /** Worklist strategy: entropy (default) | tta | random | first. */
  readonly strategy?: string;
  /** Apply each reader's calibration to the proposals they see (default off). */
  readonly readerCalibration?: boolean;
  /** Further fine-tune settings (not flags; tests and embedding): merged over the ones above. */
  readonly finetuneConfig?: FineTuneConfig;
}

export interface ServeFlags {
  port?: string | number; host?: string; data?: string; labels?: string; model?: string; backend?: string;
  dicomweb?: string; dicomwebStudy?: string; dicomwebTimeout?: string;
  finetuneEvery?: string | number; finetune?: boolean; finetuneSteps?: string | number; finetuneReadout?: boolean; finetuneMinValidation?: string | number; admins?: string;
  strategy?: string; readerCalibration?: boolean; inferenceWorkers?: string | number; proposalRate?: string | number;
}

const truthy = (v: string | undefined): boolean | undefined => (v === undefined ? undefined : /^(1|true|yes|on)$/i.test(v.trim()));

function nonNegativeInt(text: string | number | undefined, name: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} ${String(text)}: expected a whole number ≥ 0`);
  return n;
}

/**
 * The default worklist order, entropy × proposed long axis (px): on the real dev lesions it tracks the proposals'
 * long-axis location error (Spearman ρ 0.61) where the entropy alone does not (0.14); reports/dev-default.
 */
export const DEFAULT_STRATEGY = 'entropy-px';

/**
 * Flags win over the environment: PORT, HOST, RECIST_DATA, RECIST_LABELS (default ./labels), RECIST_MODEL,
 * RECIST_FINETUNE_EVERY (default 20; 0 = admin only), RECIST_NO_FINETUNE=1, RECIST_FINETUNE_STEPS, RECIST_NO_FINETUNE_READOUT=1,
 * RECIST_ADMINS (comma-separated), RECIST_STRATEGY (default DEFAULT_STRATEGY), RECIST_READER_CALIBRATION=1,
 * RECIST_INFERENCE_WORKERS (default: the cores; 0 = in-process), RECIST_PROPOSAL_RATE (per reader per second, default 5).
 */
export function serveConfig(flags: ServeFlags, env = process.env): ServeConfig {
  const portText = String(flags.port ?? env.PORT ?? 3000);
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port ${portText}: not a port number (0–65535)`);
  const strategy = flags.strategy ?? env.RECIST_STRATEGY ?? DEFAULT_STRATEGY;
  if (!STRATEGIES.has(strategy)) throw new Error(`--strategy ${strategy}: expected one of ${[...STRATEGIES.keys()].join(', ')}`);
  const admins = (flags.admins ?? env.RECIST_ADMINS)?.split(',').map((a) => a.trim()).filter(Boolean);
  const finetuneSteps = nonNegativeInt(flags.finetuneSteps ?? env.RECIST_FINETUNE_STEPS, '--finetune-steps');
  // commander's --no-finetune-readout sets finetuneReadout: false
  const finetuneReadout = !(flags.finetuneReadout === false || truthy(env.RECIST_NO_FINETUNE_READOUT) === true);
  if (finetuneSteps === 0 && !finetuneReadout) throw new Error('--finetune-steps 0 with --no-finetune-readout: a fine-tune job would neither train nor fit the read-out');
  return {
    port, host: flags.host ?? env.HOST ?? '127.0.0.1',
    data: flags.data ?? env.RECIST_DATA ?? null,
    dicomweb: (flags.dicomweb ?? env.RECIST_DICOMWEB) ? {
      url: (flags.dicomweb ?? env.RECIST_DICOMWEB)!, studies: flags.dicomwebStudy ?? env.RECIST_DICOMWEB_STUDY, timeout: flags.dicomwebTimeout ?? env.RECIST_DICOMWEB_TIMEOUT,
    } : null,
    labels: resolve(flags.labels ?? env.RECIST_LABELS ?? './labels'),
    model: flags.model ?? env.RECIST_MODEL ?? null,
    backend: flags.backend ?? env.RECIST_BACKEND,
    finetuneEvery: nonNegativeInt(flags.finetuneEvery ?? env.RECIST_FINETUNE_EVERY, '--finetune-every') ?? 20,
    // commander's --no-finetune sets finetune: false
    noFinetune: flags.finetune === false || truthy(env.RECIST_NO_FINETUNE) === true,
    finetuneSteps,
    finetuneReadout,
    finetuneMinValidation: nonNegativeInt(flags.finetuneMinValidation ?? env.RECIST_FINETUNE_MIN_VALIDATION, '--finetune-min-validation'),
    admins: admins?.length ? admins : undefined,
    strategy,
    readerCalibration: flags.readerCalibration ?? truthy(env.RECIST_READER_CALIBRATION) ?? false,
    inferenceWorkers: nonNegativeInt(flags.inferenceWorkers ?? env.RECIST_INFERENCE_WORKERS, '--inference-workers') ?? availableParallelism(),
    proposalRate: nonNegativeNumber(flags.proposalRate ?? env.RECIST_PROPOSAL_RATE, '--proposal-rate') ?? 5,
  };
}

function nonNegativeNumber(text: string | number | undefined, name: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} ${String(text)}: expected a number ≥ 0`);
  return n;
}

/** models/default (the same folder as src/model/measurer.ts's DEFAULT_MODEL_DIR, without loading tfjs here). */
const DEFAULT_MODEL_DIR = resolve(REPO_ROOT, 'models', 'default');

/**
 * The model folder proposals come from: `model`, else models/default; null (with a warning) when there is no model
 * yet and none was asked for: the classical baseline then proposes.
 */
function modelFolder(model: string | null, warn: (m: string) => void): string | null {
  const dir = resolve(model ?? DEFAULT_MODEL_DIR);
  if (!existsSync(dir) && !model) {
    warn(`no model at ${dir} (train one with \`recist train\`); proposals come from the classical baseline`);
    return null;
  }
  return dir;
}

/**
 * Proposals from `workers` inference threads (each loads the model with createMeasurer; tfjs never runs on the main
 * thread), or with 0 workers from a measurer in this process (loadMeasurer).
 */
export async function loadProposer(model: string | null, backend: string | undefined, workers: number, warn: (m: string) => void, log: (m: string) => void = () => {}): Promise<Measurer> {
  if (workers <= 0) return loadMeasurer(model, backend, warn);
  return createInferencePool({ modelDir: modelFolder(model, warn), size: workers, backend, log });
}

/** The trained model (createMeasurer) or, when there is none yet, the classical baseline with a warning. */
export async function loadMeasurer(model: string | null, backend: string | undefined, warn: (m: string) => void): Promise<Measurer> {
  const dir = modelFolder(model, warn);
  if (dir === null) return fallbackMeasurer();
  const { createMeasurer } = await import('../model/measurer.ts');
  return createMeasurer({ modelDir: dir, backend: backend as NonNullable<Parameters<typeof createMeasurer>[0]>['backend'] });
}

export interface Started {
  readonly app: Application;
  readonly url: string;
  readonly dataset: Dataset;
  readonly store: LabelStore;
  /** The fine-tune service (null with --no-finetune or when there is no model to fine-tune). */
  readonly fineTune: FineTuneService | null;
  /** The folder proposals were loaded from at start (the active site version, or the --model / default folder). */
  readonly modelDir: string | null;
  /** Token of the `demo` reader when it was created by this start (shown once). */
  readonly demoToken: string | null;
  /** Stops the fine-tune service (kills a running worker) and the app. */
  close(): Promise<void>;
}

export async function startServer(config: ServeConfig, log: (m: string) => void = console.log): Promise<Started> {
  const warn = (m: string): void => log(`warning: ${m}`);
  const store = await LabelStore.open(config.labels);
  // DICOMweb: worklist from the PACS (instances cached under the labels folder), accepted labels' SRs back to it
  const dw = config.dicomweb ? await (await import('../pacs/cli.ts')).dicomwebFromFlags(
    { dicomweb: config.dicomweb.url, dicomwebStudy: config.dicomweb.studies, dicomwebTimeout: config.dicomweb.timeout }, join(config.labels, 'dicomweb-cache'), log) : null;
  const dataset = dw ?? loadDataset(config.data, { warn, demoCacheDir: join(config.labels, 'demo') });
  const srOutbox = dw ? (await import('../pacs/sr-outbox.ts')).createSrOutbox({ dataset: dw, labels: () => store.labels(), dir: join(config.labels, 'sr-outbox'), log }) : null;
  const baseModelDir = resolve(config.model ?? DEFAULT_MODEL_DIR);
  let fineTune: FineTuneService | null = null;
  let modelDir: string | null = null;
  if (!config.noFinetune) {
    fineTune = createFineTuneService({
      store, dataset, labelsDir: config.labels, baseModelDir, log: (l) => log(l),
      config: { every: config.finetuneEvery ?? 20, steps: config.finetuneSteps, fitReadout: config.finetuneReadout, minValidation: config.finetuneMinValidation, backend: config.backend, ...config.finetuneConfig },
    });
    try {
      // the ACTIVE site version (v0001 = a copy of the base model on first start)
      modelDir = await fineTune.activeModelDir();
    } catch (err) {
      warn(`fine-tuning off: no site model version and no base model to start one (${err instanceof Error ? err.message : String(err)})`);
      await fineTune.close();
      fineTune = null;
    }
  }
  const uiPromise = bundleUi();
  let measurer: Measurer;
  const workers = config.inferenceWorkers ?? availableParallelism();
  try {
    measurer = await loadProposer(modelDir ?? config.model, config.backend, workers, warn, log);
  } catch (err) {
    if (!modelDir) throw err;
    warn(`active model ${modelDir} does not load (${err instanceof Error ? err.message : String(err)}); falling back to ${baseModelDir}`);
    measurer = await loadProposer(config.model, config.backend, workers, warn, log);
    modelDir = null;
  }
  if (!modelDir && existsSync(baseModelDir)) modelDir = baseModelDir;
  const ui = await uiPromise;
  let demoToken: string | null = null;
  if (!store.readers().some((r) => r.name === 'demo') && store.readers().length === 0) {
    demoToken = (await store.addReader('demo')).token;
  }
  const app = createApplication({
    dataset, measurer, store, fineTune: fineTune ?? undefined, srOutbox: srOutbox ?? undefined,
    config: {
      ui, log: (l) => log(l),
      activeLearning: { strategy: config.strategy ?? DEFAULT_STRATEGY, cacheFile: join(config.labels, 'active-scores.json') },
      readerCalibration: config.readerCalibration ?? false,
      admins: config.admins,
      proposals: { ratePerS: config.proposalRate ?? 5 },
    },
  });
  const url = await app.listen(config.port, config.host);
  return {
    app, url, dataset, store, fineTune, modelDir, demoToken,
    async close() {
      srOutbox?.close();
      await fineTune?.close();
      await app.close();
      app.measurer().dispose();
    },
  };
}
