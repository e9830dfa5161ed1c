/** Recorded WeCom payloads under ./fixtures, read fresh for each test. */
import { readFileSync } from 'node:fs';

const dir = new URL('./fixtures/', import.meta.url);

/** A JSON fixture, e.g. `json('bot/text-group.json')`. */
export function json(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(name, dir), 'utf8')) as Record<string, unknown>;
}

/** A text fixture (app XML), trailing newline removed. */
export function text(name: string): string {
  return readFileSync(new URL(name, dir), 'utf8').trimEnd();
}
