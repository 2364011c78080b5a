/**
 * The `recist` command tree. Each sub-command lives in its own file under src/cli/commands and exports
 * `register(program: Command)`; this module only wires them up (no top-level await, so CommonJS loaders
 * such as the notebooks' can use it too).
 */
import { Command } from 'commander';

export const COMMANDS = [
  'inspect', 'synth', 'boxes', 'split', 'train', 'tune-readout', 'accuracy', 'predict', 'eval', 'serve', 'readers', 'labels', 'al-sim', 'models', 'response',
] as const;

export async function buildProgram(): Promise<Command> {
  const program = new Command('recist')
    .description('Semi-automatic RECIST measurement on CT (STN + stacked hourglass cascade)')
    .showHelpAfterError();
  for (const name of COMMANDS) {
    const mod = (await import(`./commands/${name}.ts`)) as { register: (p: Command) => void };
    mod.register(program);
  }
  return program;
}
