import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';

interface BoxesOpts {
  data: string;
  seed: string;
  boxArea?: string;
  boxShape?: string;
  split?: string;
  out: string;
}

export function register(program: Command): void {
  program
    .command('boxes')
    .description('Simulate radiologists\' rough boxes (paper protocol: 2–2.5x the lesion area, random offset, seeded) for a DeepLesion-layout folder, as a boxes CSV for `recist predict --boxes`')
    .requiredOption('--data <dir>', 'DeepLesion-layout folder (DL_info.csv + Images_png/) or mask folder (NIfTI; rows get a slice column)')
    .option('--split <file:part>', 'mask folders: only this part of a patient split')
    .option('--seed <n>', 'seed (the same seed gives the same boxes as `recist eval --seeds`)', '0')
    .option('--box-area <lo,hi>', "box area as a multiple of the lesion extent's (default the paper's 2,2.5)")
    .option('--box-shape <shape>', "box shape: extent (the lesion extent's aspect, default) or square")
    .requiredOption('--out <csv>', 'boxes CSV to write (image paths relative to its folder)')
    .action(async (opts: BoxesOpts) => {
      const { openDeepLesionFolder, recordSliceLocation } = await import('../../data/deeplesion.ts');
      const { roughBoxFor } = await import('../../geometry/box.ts');
      const { stringify } = await import('csv-stringify/sync');
      const { parseBoxProtocol } = await import('../box-protocol-flags.ts');
      const protocol = parseBoxProtocol(opts.boxArea, opts.boxShape);
      const outDir = dirname(resolve(opts.out));
      const { isMaskFolder } = await import('../../data/mask-lesions.ts');
      if (isMaskFolder(resolve(opts.data))) {
        const { openLesionSet } = await import('../../data/lesion-set.ts');
        const { splitFlag } = await import('../flags.ts');
        const { lesions } = openLesionSet(resolve(opts.data), { split: splitFlag(opts.split) });
        const f = (v: number) => v.toFixed(2);
        const rows = lesions.map((l) => {
          const box = roughBoxFor(l.recist, l.info.id, Number(opts.seed), l.info.imageSize[0], l.info.imageSize[1], protocol);
          const image = relative(outDir, l.volume!.path);
          return { image, slice: l.volume!.slice, x1: f(box.x1), y1: f(box.y1), x2: f(box.x2), y2: f(box.y2), lesion_id: l.info.id };
        });
        writeFileSync(opts.out, stringify(rows, { header: true, columns: ['image', 'slice', 'x1', 'y1', 'x2', 'y2', 'lesion_id'] }));
        process.stderr.write(`${rows.length} rough boxes (seed ${opts.seed}) written to ${opts.out}\n`);
        return;
      }
      const folder = openDeepLesionFolder(resolve(opts.data));
      const rows = folder.records.map((r) => {
        const box = roughBoxFor(r.recist, folder.lesionId(r), Number(opts.seed), r.imageSize[0], r.imageSize[1], protocol);
        const image = relative(outDir, recordSliceLocation(folder.dir, r).path);
        const f = (v: number) => v.toFixed(2);
        return { image, x1: f(box.x1), y1: f(box.y1), x2: f(box.x2), y2: f(box.y2), lesion_id: folder.lesionId(r) };
      });
      writeFileSync(opts.out, stringify(rows, { header: true, columns: ['image', 'x1', 'y1', 'x2', 'y2', 'lesion_id'] }));
      process.stderr.write(`${rows.length} rough boxes (seed ${opts.seed}) written to ${opts.out}\n`);
    });
}
