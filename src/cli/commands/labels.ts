/** `recist labels export --format csv|json|sr|response`, `recist labels import-dl FOLDER` and `recist labels import-sr`. */
import type { Command } from 'commander';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadDataset, type Dataset } from '../../server/datasets.ts';
import { importDeepLesionMarks } from '../../server/import.ts';
import { LabelStore, labelsToCsv, labelsToJson } from '../../server/store.ts';
import { formatMeasurementsCsv, measurementsFromLabels, parseAssignments } from '../../response/from-labels.ts';

const labelsDir = (o: { labels?: string }): string => resolve(o.labels ?? process.env.RECIST_LABELS ?? './labels');

interface SrFlags { labels?: string; data?: string; dicomweb?: string; dicomwebStudy?: string; dicomwebTimeout?: string }

/** The dataset SRs are written for / read into: --dicomweb (cached under the labels folder) or the --data DICOM folder. */
async function srDataset(o: SrFlags, what: string): Promise<{ dataset: Dataset; folder: string | null }> {
  const { dicomwebFromFlags } = await import('../../pacs/cli.ts');
  const dw = await dicomwebFromFlags(o, join(labelsDir(o), 'dicomweb-cache'), (m) => console.error(m));
  if (dw) return { dataset: dw, folder: null };
  const data = o.data ?? process.env.RECIST_DATA;
  if (!data) throw new Error(`${what} needs --data <DICOM folder> (the images the labels refer to) or --dicomweb URL`);
  const dataset = loadDataset(data, { warn: (m) => console.error(`warning: ${m}`) });
  if (dataset.kind !== 'dicom') throw new Error(`--data ${data}: ${what} needs DICOM input (got ${dataset.kind})`);
  return { dataset, folder: data };
}

const dicomwebOptions = (c: Command): Command => c
  .option('--dicomweb <url>', 'DICOMweb server instead of --data (env RECIST_DICOMWEB; credentials from RECIST_DICOMWEB_TOKEN or RECIST_DICOMWEB_USER/RECIST_DICOMWEB_PASSWORD)')
  .option('--dicomweb-study <uids>', 'comma-separated Study Instance UIDs (env RECIST_DICOMWEB_STUDY; default the first 20 studies)')
  .option('--dicomweb-timeout <s>', 'seconds per DICOMweb request (env RECIST_DICOMWEB_TIMEOUT, default 30)');

export function register(program: Command): void {
  const labels = program.command('labels').description('export and import labels of the label store');
  dicomwebOptions(labels.command('export')
    .description('export labels: csv (DeepLesion-style columns) or json to --out (default stdout); sr: one DICOM SR (TID 1500) per lesion and reader (their latest accepted label) into --out DIR, with --stow also stored in the --dicomweb server; response: the measurements CSV of `recist response` (lesion roles from --assignments)')
    .option('-f, --format <format>', 'csv | json | sr | response', 'csv')
    .option('-a, --assignments <file>', 'for response: lesion roles (patient, study, lesion, kind, organ, nodal, status); default <labels>/response.json')
    .option('-l, --labels <dir>', 'label store folder (env RECIST_LABELS, default ./labels)')
    .option('-o, --out <path>', 'output file (csv/json) or folder (sr)')
    .option('-d, --data <path>', 'for sr: the DICOM folder/file the labels were made on (env RECIST_DATA)')
    .option('--stow', 'for sr with --dicomweb: also store the SRs in the server (STOW-RS)'))
    .action(async (o: SrFlags & { format: string; out?: string; stow?: boolean; assignments?: string }) => {
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
      const { sourceOf, sourcesOfFolder } = await import('../../pacs/cli.ts');
      const { currentAccepted, labelSr } = await import('../../pacs/sr-export.ts');
      const { dataset, folder } = await srDataset(o, '--format sr');
      const sources = folder ? sourcesOfFolder(folder, (m) => console.error(`warning: ${m}`)) : null;
      const out = resolve(o.out ?? 'sr');
      mkdirSync(out, { recursive: true });
      let n = 0, stored = 0;
      for (const label of currentAccepted(store.labels(), dataset.id)) {
        const source = sourceOf(dataset, label.lesionId, sources);
        if (!source) { console.error(`warning: label ${label.id}: lesion ${label.lesionId} not in ${folder ?? dataset.id}`); continue; }
        const lesion = dataset.lesion(label.lesionId);
        const tracking = lesion?.tracking;
        const sr = labelSr(label, store.labels(), source, {
          lossy: lesion?.dicom?.lossy ?? null,
          ...(tracking ? { trackingUid: tracking.uid, ...(tracking.identifier ? { trackingIdentifier: tracking.identifier } : {}) } : {}),
        });
        writeFileSync(join(out, sr.fileName), sr.bytes);
        n++;
        if (o.stow && 'client' in dataset) {
          await (dataset as import('../../pacs/datastore.ts').DicomwebDataset).client.store(source.studyInstanceUid, [sr.bytes]);
          stored++;
        }
      }
      console.error(`${n} SR files → ${out}${o.stow ? ` · ${stored} stored in ${dataset.id}` : ''}`);
    });
  labels.command('import-dl <folder>')
    .description('import the DeepLesion marks of a folder (DL_info.csv) as reader "DL"')
    .option('-l, --labels <dir>', 'label store folder (env RECIST_LABELS, default ./labels)')
    .action(async (folder: string, o: { labels?: string }) => {
      const store = await LabelStore.open(labelsDir(o));
      const n = await importDeepLesionMarks(store, folder);
      console.log(`${n} DeepLesion marks imported as reader DL into ${store.file}`);
    });
  dicomwebOptions(labels.command('import-sr [files...]')
    .description('import bidirectional measurements (TID 1500/300, as this tool, OHIF and dcmjs write them) from SR files, or with --dicomweb from the SRs of the studies, as accepted labels of their observers')
    .option('-l, --labels <dir>', 'label store folder (env RECIST_LABELS, default ./labels)')
    .option('-d, --data <path>', 'the DICOM folder the measured images are in (env RECIST_DATA), when not --dicomweb'))
    .action(async (files: string[], o: SrFlags) => {
      const { readSrFiles } = await import('../../pacs/cli.ts');
      const { importSrDocuments } = await import('../../pacs/sr-import.ts');
      const store = await LabelStore.open(labelsDir(o));
      const { dataset } = await srDataset(o, 'import-sr');
      const docs = files.length ? readSrFiles(files) : ('srDocuments' in dataset ? (dataset as import('../../pacs/datastore.ts').DicomwebDataset).srDocuments : []);
      if (docs.length === 0) throw new Error(files.length ? `import-sr: no SR files in ${files.join(', ')}` : 'import-sr: name SR files, or --dicomweb a server whose studies hold SRs');
      const r = await importSrDocuments(store, dataset, docs);
      console.log(`${r.added} measurements imported from ${docs.length} SR(s) as readers ${r.readers.join(', ') || '(none)'} into ${store.file}` +
        ` · ${r.duplicates} already there · ${r.superseded} superseded SR(s) skipped · ${r.unmatched} on images not in ${dataset.id}`);
    });
}
