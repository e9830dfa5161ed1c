/**
 * The `dealwise` command line: a registry of commands, each in its own file exporting a
 * `register…(program)` function. Only the command being run is loaded (so `analyze` does not
 * pay for the database and platform SDKs that `import-archive` needs); help loads them all.
 * To add a command: one file in this folder and one line in COMMANDS.
 */
import { Command } from 'commander';

type Register = (program: Command) => void;

const COMMANDS: Record<string, () => Promise<Register>> = {
  analyze: async () => (await import('./analyze.ts')).registerAnalyze,
  'import-archive': async () => (await import('./import-archive.ts')).registerImportArchive,
  'export-labels': async () => (await import('./export-labels.ts')).registerExportLabels,
  'console-link': async () => (await import('./console-link.ts')).registerConsoleLink,
};

/** Builds the program with the commands `argv` asks for (all of them when it names none). */
export async function buildProgram(argv: readonly string[]): Promise<Command> {
  const program = new Command('dealwise').description('sales-coaching bot and conversation analyzer').showHelpAfterError();
  const named = argv[2];
  const wanted = named !== undefined && named in COMMANDS ? [named] : Object.keys(COMMANDS);
  for (const name of wanted) (await (COMMANDS[name] as () => Promise<Register>)())(program);
  return program;
}

const program = await buildProgram(process.argv);
await program.parseAsync(process.argv);
