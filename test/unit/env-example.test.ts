/**
 * `.env.example` is where an administrator learns the settings (the README points there): it must
 * name every variable the configuration reads, nothing it does not, and show each default as the
 * default, so a copy of it starts dealwise exactly as an empty environment does.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configSchema, loadConfig } from '../../core/config.ts';

const example = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');
/** Its `NAME=value` lines (comments and blank lines left out). */
const entries = example
  .split('\n')
  .filter((line) => /^[A-Z][A-Z0-9_]*=/.test(line))
  .map((line) => {
    const at = line.indexOf('=');
    return [line.slice(0, at), line.slice(at + 1)] as const;
  });

describe('.env.example', () => {
  it('names every variable the configuration reads, once, and no other', () => {
    const names = entries.map(([name]) => name);
    expect(new Set(names).size).toBe(names.length);
    expect(names.toSorted()).toEqual(Object.keys(configSchema.in.shape).toSorted());
  });

  it('shows the defaults: as a whole it configures what an empty environment does', () => {
    expect(loadConfig(Object.fromEntries(entries))).toEqual(loadConfig({}));
  });
});
