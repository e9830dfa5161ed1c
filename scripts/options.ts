/**
 * The scripts' command lines: `--help` prints the script's usage; a mistyped option, a stray
 * argument or a count that is not a positive integer is named with the usage and exits 2, not a
 * stack trace (nor, as a hand-rolled `argv.indexOf` did, ignored).
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;
const HELP = { help: { type: 'boolean', default: false } } as const;
type Config<O extends Options> = { options: O & typeof HELP; strict: true; allowPositionals: false };

/** Stops with the usage: exit 2, on standard error. */
export function usageError(usage: string, message: string): never {
  console.error(`${message}\n\n${usage}`);
  process.exit(2);
}

/** Parses `process.argv` against `options` (and `--help`); only the options, no positionals. */
export function parseOptions<O extends Options>(usage: string, options: O) {
  let values: ReturnType<typeof parseArgs<Config<O>>>['values'];
  try {
    values = parseArgs<Config<O>>({ options: { ...options, ...HELP }, strict: true, allowPositionals: false }).values;
  } catch (err) {
    return usageError(usage, (err as Error).message);
  }
  if ((values as { help?: boolean }).help) {
    console.log(usage);
    process.exit(0);
  }
  return values;
}

/** An option's value as an integer of at least `min` (`fallback` when not given), or the usage and exit 2. */
export function intOption(usage: string, name: string, raw: string | undefined, fallback: number, min: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(n) || n < min) {
    usageError(usage, `--${name} ${raw}: expected ${min === 1 ? 'a positive integer' : `an integer of ${min} or more`}`);
  }
  return n;
}

/** An option's value as a positive integer, or the usage and exit 2. */
export function positiveInt(usage: string, name: string, raw: string | undefined, fallback: number): number {
  return intOption(usage, name, raw, fallback, 1);
}
