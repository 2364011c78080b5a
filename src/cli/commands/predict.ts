import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';

interface PredictOpts {
  image?: string;
  box?: string;
  boxes?: string;
  out?: string;
  model?: string;
  slice?: string;
  backend: string;
}

export function register(program: Command): void {
  program
    .command('predict')
    .description('Propose RECIST marks for rough boxes: one image + --box (JSON: marks, lengths in px and mm when the image has a spacing, backend, model version), or a boxes CSV (image,x1,y1,x2,y2) with --boxes')
    .option('--image <path>', 'a DeepLesion 16-bit PNG, a DICOM file or a NIfTI volume (with --slice)')
    .option('--slice <z>', 'NIfTI volumes: the axial slice (0-based, display layout)')
    .option('--box <x1,y1,x2,y2>', 'rough box around the lesion, in the image\'s pixels')
    .option('--boxes <csv>', 'CSV with columns image,x1,y1,x2,y2 and, for NIfTI volumes, slice (image relative to the CSV\'s folder)')
    .option('--out <csv>', 'predictions CSV (with --boxes; default: stdout)')
    .option('--model <dir>', 'model folder (default: the shipped models/default)')
    .option('--backend <name>', 'tensorflow | webgpu | wasm | cpu | auto', process.env.RECIST_BACKEND ?? 'auto')
    .action(async (opts: PredictOpts) => {
      if (!opts.boxes && !(opts.image && opts.box)) throw new Error('predict needs --image and --box, or --boxes CSV');
      // The public API's createMeasurer: the same options, defaults and checks as a script's (src/api/measurer.ts).
      const { createMeasurer } = await import('../../api/measurer.ts');
      const measurer = await createMeasurer({ model: opts.model, backend: opts.backend as never });
      process.stderr.write(`model ${measurer.modelVersion} on ${measurer.backend}\n`);
      if (opts.boxes) {
        const { predictBoxesCsv } = await import('../predict-csv.ts');
        // A live counter on a terminal; in logs (not a TTY) one line per 10 % so they stay readable.
        const tty = process.stderr.isTTY;
        const { csv, failed, total } = await predictBoxesCsv(measurer, opts.boxes, (done, n, error) => {
          if (error) process.stderr.write(`${tty ? '\n' : ''}${error}\n`);
          if (tty) process.stderr.write(`\rpredicted ${done}/${n}`);
          else if (done === n || Math.floor((10 * done) / n) > Math.floor((10 * (done - 1)) / n)) process.stderr.write(`predicted ${done}/${n}\n`);
        });
        process.stderr.write(`${tty ? '\n' : ''}${total - failed} of ${total} rows predicted${failed ? `, ${failed} failed (see the error column)` : ''}\n`);
        if (opts.out) writeFileSync(opts.out, csv);
        else process.stdout.write(csv);
        if (failed === total && total > 0) process.exitCode = 1;
      } else {
        const { predictImage } = await import('../predict-csv.ts');
        const prediction = await predictImage(measurer, opts.image ?? '', opts.box ?? '', opts.slice);
        process.stdout.write(JSON.stringify(prediction, null, 2) + '\n');
      }
      measurer.dispose();
    });
}
