import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { registerAnalyze } from '../../bots/cli/analyze.ts';
import { runCommandHere } from '../helpers/cli.ts';

// The real command, as a user runs it: the launcher in bin/, a child process, stdin or a file.
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = join(ROOT, 'bin/dealwise.js');
const tmp = mkdtempSync(join(tmpdir(), 'dealwise-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The command's output: one JSON object a line. */
const jsonLines = (stdout: string): Record<string, unknown>[] =>
  stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

function run(args: string[], stdin = ''): { status: number | null; lines: Record<string, unknown>[]; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, input: stdin, encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, lines: jsonLines(r.stdout), stderr: r.stderr };
}

// The other tests run the registered command in this process (test/helpers/cli.ts).
async function runHere(args: string[]): Promise<{ status: number; lines: Record<string, unknown>[]; stderr: string }> {
  const r = await runCommandHere(registerAnalyze, args);
  return { status: r.status, lines: jsonLines(r.stdout), stderr: r.stderr };
}

const GOOD = [
  { id: 'a1', role: 'rep', text: '王总，报价单已经发您邮箱了，这套是12.8万，请查收' },
  { id: 'a2', role: 'customer', text: '太贵了，超出我们今年的预算' },
  { id: 3, lang: 'en', role: 'rep', text: 'see attached', attachments: [{ name: 'MSA_Acme_2024.pdf' }] },
  { id: 'a4', role: 'customer', text: 'ok thanks' },
];

describe('dealwise analyze', () => {
  it('reads JSON lines from stdin and writes one result per line, in order', () => {
    const { status, lines } = run(['analyze', '-'], `${GOOD.map((m) => JSON.stringify(m)).join('\n')}\n`);
    expect(status).toBe(0);
    expect(lines.map((l) => l.id)).toEqual(['a1', 'a2', 3, 'a4']);
    const kinds = lines.map((l) => (l.actions as { kind: string }[]).map((a) => a.kind));
    expect(kinds[0]).toContain('quote_sent');
    expect(kinds[1]).toContain('objection_raised');
    expect(kinds[2]).toEqual(['contract_sent']);
    expect(kinds[3]).toEqual([]);
    const raised = (lines[1]!.actions as { kind: string; objection?: string; confidence: number }[]).find((a) => a.kind === 'objection_raised');
    expect(raised?.objection).toBe('price');
    expect(raised?.confidence).toBeGreaterThanOrEqual(0.5);
    expect(raised?.confidence).toBeLessThanOrEqual(1);
  });

  it('reports a bad line with its line number and goes on with the rest', async () => {
    const input = [JSON.stringify(GOOD[0]), '{"id":"x", "role":', '', JSON.stringify({ id: 'b', role: 'boss', text: 'hi' }), JSON.stringify(GOOD[3])].join(
      '\n',
    );
    const file = join(tmp, 'bad-lines.jsonl');
    writeFileSync(file, input);
    const { status, lines } = await runHere(['analyze', file]);
    expect(status).toBe(1);
    expect(lines).toHaveLength(4);
    expect(lines[0]?.id).toBe('a1');
    expect(lines[1]).toMatchObject({ line: 2 });
    expect(String(lines[1]?.error)).toMatch(/invalid JSON/);
    expect(lines[2]).toMatchObject({ line: 4, id: 'b' });
    expect(String(lines[2]?.error)).toMatch(/role/);
    expect(lines[3]).toMatchObject({ id: 'a4', actions: [] });
  });

  it('reads a file given by path', async () => {
    const file = join(tmp, 'messages.jsonl');
    writeFileSync(file, GOOD.map((m) => JSON.stringify(m)).join('\r\n'));
    const { status, lines } = await runHere(['analyze', file]);
    expect(status).toBe(0);
    expect(lines).toHaveLength(4);
  });

  it('fails clearly on a missing file or a corrupt model', async () => {
    const missing = await runHere(['analyze', join(tmp, 'nope.jsonl')]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/nope\.jsonl/);
    const model = join(tmp, 'model.json');
    writeFileSync(model, '{"format":"dealwise-action-classifier"');
    const empty = join(tmp, 'empty.jsonl');
    writeFileSync(empty, '');
    const corrupt = await runHere(['analyze', '--model', model, empty]);
    expect(corrupt.status).toBe(2);
    expect(corrupt.stderr).toMatch(/not valid JSON/);
  });
});
