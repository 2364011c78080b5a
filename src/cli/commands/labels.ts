/** `recist labels export --format csv|json|sr|response` and `recist labels import-dl FOLDER`. */
import type { Command } from 'commander';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadDataset } from '../../server/datasets.ts';
import { importDeepLesionMarks } from '../../server/import.ts';
import { formatMeasurementsCsv, measurementsFromLabels, parseAssignments } from '../../response/from-labels.ts';
import { labelToSr } from '../../server/sr.ts';
import { LabelStore, labelsToCsv, labelsToJson } from '../../server/store.ts';

const labelsDir = (o: { labels?: string }): string => resolve(o.labels ?? process.env.RECIST_LABELS ?? './labels');

export function register(program: Command): void {
  const labels = program.command('labels').description('export and import labels of the label store');
  labels.command('export')
    .description('export labels: csv (DeepLesion-style columns) or json to --out (default stdout); sr: one DICOM SR per accepted label on a DICOM image into --out DIR; response: the measurements CSV of `recist response` (lesion roles from --assignments)')
    .option('-f, --format <format>', 'csv | json | sr | response', 'csv')
    .option('-a, --assignments <file>', 'for response: lesion roles (patient, study, lesion, kind, organ, nodal, status); default <labels>/response.json')
    .option('-l, --labels <dir>', 'label store folder (env RECIST_LABELS, default ./labels)')
    .option('-o, --out <path>', 'output file (csv/json) or folder (sr)')
    .option('-d, --data <path>', 'for sr: the DICOM folder/file the labels were made on (env RECIST_DATA)')
    .action(async (o: { format: string; labels?: string; out?: string; data?: string; assignments?: string }) => {
      const store = await LabelStore.open(labelsDir(o));
      if (o.format === 'response') {
        const file = resolve(o.assignments ?? join(labelsDir(o), 'response.json'));
        if (!existsSync(file)) throw new Error(`--assignments ${file}: not found (it names each lesion's patient, study, kind, organ, node and status)`);
        let data: unknown;
        try {
          data = JSON.parse(readFileSync(file, 'utf8'));
        } catch (err) {
          throw new Error(`${file}: not valid JSON (${err instanceof Error ? err.message : String(err)})`);
        }
        const rows = measurementsFromLabels(parseAssignments(data, file), store.labels(), file);
        const text = formatMeasurementsCsv(rows);
        if (o.out) {
          writeFileSync(o.out, text);
          console.error(`${rows.length} lesion rows → ${o.out}`);
        } else process.stdout.write(text);
        return;
      }
      if (o.format === 'csv' || o.format === 'json') {
        const text = o.format === 'csv' ? labelsToCsv(store.labels()) : labelsToJson(store.labels());
        if (o.out) {
          writeFileSync(o.out, text);
          console.error(`${store.labels().length} labels → ${o.out}`);
        } else process.stdout.write(text);
        return;
      }
      if (o.format !== 'sr') throw new Error(`--format ${o.format}: expected csv, json, sr or response`);
      const data = o.data ?? process.env.RECIST_DATA;
      if (!data) throw new Error('--format sr needs --data <DICOM folder> (the images the labels refer to)');
      const dataset = loadDataset(data, { warn: (m) => console.error(`warning: ${m}`) });
      if (dataset.kind !== 'dicom') throw new Error(`--data ${data}: SR export needs DICOM input (got ${dataset.kind})`);
      const out = resolve(o.out ?? 'sr');
      mkdirSync(out, { recursive: true });
      let n = 0;
      for (const label of store.labels()) {
        if (label.dataset !== dataset.id || label.status !== 'accepted' || !label.final) continue;
        const ref = dataset.lesion(label.lesionId)?.dicom;
        if (!ref) { console.error(`warning: label ${label.id}: lesion ${label.lesionId} not in ${data}`); continue; }
        writeFileSync(join(out, `${label.lesionId}_${label.reader}_${label.id.slice(0, 8)}.dcm`), labelToSr(label, ref));
        n++;
      }
      console.error(`${n} SR files → ${out}`);
    });
  labels.command('import-dl <folder>')
    .description('import the DeepLesion marks of a folder (DL_info.csv) as reader "DL"')
    .option('-l, --labels <dir>', 'label store folder (env RECIST_LABELS, default ./labels)')
    .action(async (folder: string, o: { labels?: string }) => {
      const store = await LabelStore.open(labelsDir(o));
      const n = await importDeepLesionMarks(store, folder);
      console.log(`${n} DeepLesion marks imported as reader DL into ${store.file}`);
    });
}
