/** Test helpers: recorded fixtures, and a pino logger whose lines the test can read. */
import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import type { Logger } from '../../../core/logger.ts';

/** A recorded Feishu payload from ./fixtures (the v2 envelope as Feishu sends it). */
export function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8')) as Record<string, unknown>;
}

/** A trace-level logger writing into `lines`, so a test can check what was (not) logged. */
export function capturingLogger(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const log = pino({ level: 'trace' }, { write: (s: string) => void lines.push(s) });
  return { log, lines };
}
