/** `recist serve`: the labeling server (demo worklist by default). `npm start` runs it. */
import type { Command } from 'commander';
import { serveConfig, startServer, type ServeFlags } from '../../server/index.ts';
import { MIN_VALIDATION_CORRECTIONS } from '../../model/finetune.ts';

export function register(program: Command): void {
  program.command('serve')
    .description('start the labeling server and UI (no --data: a demo worklist of synthetic lesions on a real CT slice)')
    .option('-p, --port <port>', 'port (env PORT, default 3000; 0 = any free port)')
    .option('--host <host>', 'interface to listen on (env HOST, default 127.0.0.1)')
    .option('-d, --data <path>', 'DeepLesion folder (with DL_info.csv) or DICOM folder/file (env RECIST_DATA)')
    .option('--dicomweb <url>', 'take the worklist from a DICOMweb server (CT series; env RECIST_DICOMWEB) and store each accepted label\'s SR in it (STOW-RS); credentials from RECIST_DICOMWEB_TOKEN or RECIST_DICOMWEB_USER/RECIST_DICOMWEB_PASSWORD')
    .option('--dicomweb-study <uids>', 'comma-separated Study Instance UIDs for --dicomweb (env RECIST_DICOMWEB_STUDY; default the first 20 studies)')
    .option('--dicomweb-timeout <s>', 'seconds per DICOMweb request (env RECIST_DICOMWEB_TIMEOUT, default 30)')
    .option('-l, --labels <dir>', 'label store folder (env RECIST_LABELS, default ./labels)')
    .option('-m, --model <dir>', 'model folder (env RECIST_MODEL, default models/default)')
    .option('--backend <name>', 'tfjs backend (env RECIST_BACKEND, default auto)')
    .option('--finetune-every <n>', 'fine-tune after N new accepted corrections (env RECIST_FINETUNE_EVERY, default 20; 0 = only on an admin\'s request)')
    .option('--finetune-steps <n>', 'training steps per fine-tune job (env RECIST_FINETUNE_STEPS, default 40)')
    .option('--no-finetune-readout', 'fine-tune jobs train the network only, without re-picking the read-out\'s classical weight on the corrections (env RECIST_NO_FINETUNE_READOUT=1); with --finetune-steps 0 and the re-pick on, a job fits the read-out alone')
    .option('--finetune-min-validation <n>', `held-out corrections a fine-tune must be validated on before it can be promoted (env RECIST_FINETUNE_MIN_VALIDATION, default ${MIN_VALIDATION_CORRECTIONS})`)
    .option('--no-finetune', 'no fine-tuning: proposals always come from --model (env RECIST_NO_FINETUNE=1)')
    .option('--admins <names>', 'comma-separated readers who may start fine-tunes, roll back and manage readers, besides the label store\'s admins (its first reader, and readers added with --admin) (env RECIST_ADMINS)')
    .option('--inference-workers <n>', 'worker threads that compute proposals and worklist scores (env RECIST_INFERENCE_WORKERS, default: the number of cores; 0 = on the main thread)')
    .option('--proposal-rate <n>', 'proposals per second per reader before they are refused as rate-limited (env RECIST_PROPOSAL_RATE, default 5; 0 = no limit)')
    .option('--strategy <name>', 'worklist order: entropy-px | entropy | tta | random | first (env RECIST_STRATEGY, default entropy-px: entropy × proposed long axis in px)')
    .option('--reader-calibration', 'apply each reader\'s fitted length/rotation calibration to the proposals they see (env RECIST_READER_CALIBRATION=1)')
    .action(async (flags: ServeFlags) => {
      const config = serveConfig(flags);
      const started = await startServer(config);
      const { url, dataset, store, demoToken, app, fineTune, modelDir } = started;
      console.log(`recist labeling server: ${url}`);
      console.log(`  data: ${dataset.id} (${dataset.lesions.length} lesions) · labels: ${store.file} · model: ${app.measurer().modelVersion}${modelDir ? ` (${modelDir})` : ''}`);
      console.log(`  worklist: ${config.strategy} · fine-tune: ${fineTune ? (config.finetuneEvery ? `every ${config.finetuneEvery} corrections` : 'on an admin\'s request') : 'off'}` +
        ` · reader calibration: ${config.readerCalibration ? 'on' : 'off'}` +
        ` · inference: ${config.inferenceWorkers ? `${config.inferenceWorkers} worker thread(s)` : 'main thread'}`);
      if (demoToken) {
        console.log(`  sign in as reader "demo" with token: ${demoToken}`);
        console.log('  (shown once; "demo" is the admin; add readers with `recist readers add NAME [--admin]`)');
      } else {
        const admins = store.readers().filter((r) => store.isAdmin(r.name) || config.admins?.includes(r.name)).map((r) => r.name);
        console.log(`  readers: ${store.readers().map((r) => r.name).join(', ')} · admins: ${admins.join(', ') || '(none)'} (new token: \`recist readers add NAME\` or \`recist readers token NAME\`)`);
      }
      const stop = (): void => {
        console.log('stopping…');
        void started.close().then(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
