#!/usr/bin/env node
/**
 * `recist` command line. Each sub-command lives in its own file under src/cli/commands and exports
 * `register(program: Command)`; this file only wires them up.
 */
import { Command } from 'commander';

const COMMANDS = [
  'inspect', 'synth', 'boxes', 'train', 'predict', 'eval', 'serve', 'readers', 'labels', 'al-sim', 'models',
] as const;

export async function buildProgram(): Promise<Command> {
  const program = new Command('recist')
    .description('Semi-automatic RECIST measurement on CT (STN + stacked hourglass cascade)')
    .showHelpAfterError();
  for (const name of COMMANDS) {
    const mod: { register?: (p: Command) => void } | null = await import(`./commands/${name}.ts`).catch((err: unknown) => {
      if (err && typeof err === 'object' && 'code' in err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err).includes(`commands/${name}.ts`)) return null;
      throw err;
    });
    mod?.register?.(program);
  }
  return program;
}

const isMain = process.argv[1] && /(main\.ts|recist(\.js)?)$/.test(process.argv[1]);
if (isMain) {
  const program = await buildProgram();
  await program.parseAsync(process.argv);
}
