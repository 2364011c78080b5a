import type { Command } from 'commander';
import { resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { parseBoxProtocolNames } from '../../geometry/box.ts';
import { numberFlag, optimizerFlag, splitFlag } from '../flags.ts';
import { isMaskFolder } from '../../data/mask-lesions.ts';

interface TrainOpts {
  data: string[];
  synthetic: boolean;
  realFraction: string;
  preset: string;
  ablation?: string;
  out: string;
  minutes: string;
  batch: string;
  microBatch: string;
  optimizer: string;
  lr: string;
  seed: string;
  resume: boolean;
  backend: string;
  val: string;
  phases?: string;
  patience: string;
  boxProtocols: string;
  tppLoss: boolean;
  split?: string;
  checkpointMinutes: string;
}

export function register(program: Command): void {
  program
    .command('train')
    .description('Train the STN+SHN cascade (paper schedule: STN, SHN, then joint) on synthetic lesions and/or DeepLesion-layout folders')
    .option('--data <dirs...>', 'folders with lesions to train on: DeepLesion layout (DL_info.csv) or mask folders (image/ + masks, imagesTr/ + labelsTr/; the real mask supervises the pseudo-mask)', [])
    .option('--split <file[:part]>', "patient split file for the mask folders (recist split); only its part (default train) is trained on")
    .option('--checkpoint-minutes <m>', 'save the model to --out every m minutes while training (continue with --resume)', '0')
    .option('--no-synthetic', 'do not generate synthetic lesions on the fly')
    .option('--real-fraction <f>', 'share of each batch drawn from --data folders when synthetic is on', '0.25')
    .option('--preset <name>', 'architecture preset: default | paper | tiny', 'default')
    .option('--ablation <name>', 'Table 1 configuration: shn-only | stn-tpp | stn-tpp-lrp | full')
    .option('--out <dir>', 'model folder to write (atomic; replaced when done)', 'models/default')
    .option('--minutes <m>', 'total wall-time budget, split over the phases', '60')
    .option('--batch <n>', 'samples per optimizer step', '16')
    .option('--micro-batch <n>', 'samples per forward/backward pass (gradients are accumulated)', '8')
    .option('--optimizer <name>', 'adam | sgd-momentum (paper: SGD momentum 0.9, lr 5e-4)', 'adam')
    .option('--lr <x>', 'initial learning rate', '1e-3')
    .option('--seed <n>', 'random seed (data, augmentation, initialization order)', '0')
    .option('--val <n>', 'fixed validation samples (never trained on)', '48')
    .option('--resume', 'continue from the model in --out', false)
    .option('--phases <list>', 'only these phases, e.g. joint (with --resume: continue joint training)')
    .option('--patience <n>', 'validation checks (every 25 steps) without improvement before lr ÷ 10; the phase ends at the third plateau', '6')
    .option('--box-protocols <list>', "rough boxes of the training samples, one drawn per sample: paper (2–2.5× the extent's area, its shape), wide (1.5–6.5×), square (2–6.5×, square)", 'paper')
    .option('--no-tpp-loss', 'train the STN without L_TPP (the pseudo-mask alone; θ head frozen): for mask read-out models, whose proposals never read θ')
    .option('--backend <name>', 'tensorflow | webgpu | wasm | cpu | auto', process.env.RECIST_BACKEND ?? 'auto')
    .action(async (opts: TrainOpts) => {
      const realFraction = numberFlag(opts.realFraction, 'real-fraction', 0, false);
      if (realFraction > 1) throw new Error(`--real-fraction ${JSON.stringify(opts.realFraction)} must be a number in [0, 1]`);
      const { runTraining } = await import('../../model/train-run.ts');
      for (const d of opts.data) {
        if (!existsSync(resolve(d, 'DL_info.csv')) && !isMaskFolder(resolve(d))) throw new Error(`--data ${d}: neither DL_info.csv (DeepLesion layout) nor image/ or imagesTr/ (mask folder) there`);
      }
      const split = splitFlag(opts.split);
      await runTraining({
        dataDirs: opts.data.map((d) => resolve(d)),
        synthetic: opts.synthetic,
        realFraction,
        preset: opts.preset,
        ablation: opts.ablation,
        outDir: resolve(opts.out),
        minutes: numberFlag(opts.minutes, 'minutes', 0.01, false),
        batch: numberFlag(opts.batch, 'batch', 1),
        microBatch: numberFlag(opts.microBatch, 'micro-batch', 1),
        optimizer: optimizerFlag(opts.optimizer),
        lr: numberFlag(opts.lr, 'lr', 1e-9, false),
        seed: numberFlag(opts.seed, 'seed', 0),
        valCount: numberFlag(opts.val, 'val', 1),
        resume: opts.resume,
        phases: opts.phases?.split(',').map((p) => p.trim()).filter(Boolean),
        patience: numberFlag(opts.patience, 'patience', 1),
        boxProtocols: parseBoxProtocolNames(opts.boxProtocols),
        tppLoss: opts.tppLoss,
        split,
        checkpointMinutes: numberFlag(opts.checkpointMinutes, 'checkpoint-minutes', 0, false),
        backend: opts.backend,
        command: `recist train ${process.argv.slice(3).join(' ')}`,
      });
    });
}
