/** `recist serve`: the labeling server (demo worklist by default). `npm start` runs it. */
import type { Command } from 'commander';
import { serveConfig, startServer } from '../../server/index.ts';

export function register(program: Command): void {
  program.command('serve')
    .description('start the labeling server and UI (no --data: a demo worklist of synthetic lesions on a real CT slice)')
    .option('-p, --port <port>', 'port (env PORT, default 3000; 0 = any free port)')
    .option('--host <host>', 'interface to listen on (env HOST, default 127.0.0.1)')
    .option('-d, --data <path>', 'DeepLesion folder (with DL_info.csv) or DICOM folder/file (env RECIST_DATA)')
    .option('-l, --labels <dir>', 'label store folder (env RECIST_LABELS, default ./labels)')
    .option('-m, --model <dir>', 'model folder (env RECIST_MODEL, default models/default)')
    .option('--backend <name>', 'tfjs backend (env RECIST_BACKEND, default auto)')
    .action(async (flags: { port?: string; host?: string; data?: string; labels?: string; model?: string; backend?: string }) => {
      const config = serveConfig(flags);
      const started = await startServer(config);
      const { url, dataset, store, demoToken, app } = started;
      console.log(`recist labeling server: ${url}`);
      console.log(`  data: ${dataset.id} (${dataset.lesions.length} lesions) · labels: ${store.file} · model: ${app.measurer().modelVersion}`);
      if (demoToken) {
        console.log(`  sign in as reader "demo" with token: ${demoToken}`);
        console.log('  (shown once; add readers with `recist readers add NAME`)');
      } else {
        console.log(`  readers: ${store.readers().map((r) => r.name).join(', ')} (new token: \`recist readers add NAME\` or \`recist readers token NAME\`)`);
      }
      const stop = (): void => {
        console.log('stopping…');
        void app.close().then(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
