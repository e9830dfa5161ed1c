/**
 * `dealwise import-archive FILE` as an admin runs it, on the embedded default: the records are
 * stored once and analysed (the customer's price objection is recorded on the deal, but an import
 * of the past nudges nobody); a file with a malformed record stores nothing.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { registerImportArchive } from '../../../bots/cli/import-archive.ts';
import { openDatabase } from '../../../db/client.ts';
import { actions, deliveries, messages, nudges } from '../../../db/schema/index.ts';
import { makeDataDir } from '../../helpers/app.ts';
import { runCommandHere } from '../../helpers/cli.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const BIN = join(ROOT, 'bin/dealwise.js');
const tmp = mkdtempSync(join(tmpdir(), 'dealwise-import-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const t0 = Date.parse('2026-11-24T10:00:00+08:00');
const records = [
  {
    msgid: 'rec-1',
    action: 'send',
    from: 'zhangsan',
    tolist: ['wmCustomerLi'],
    roomid: 'wrRoomHuadong',
    msgtime: t0,
    msgtype: 'text',
    text: { content: '李主任好，报价和方案都在这个群里沟通。' },
  },
  {
    msgid: 'rec-2_external',
    action: 'send',
    from: 'wmCustomerLi',
    tolist: ['zhangsan'],
    roomid: 'wrRoomHuadong',
    msgtime: t0 + 60_000,
    msgtype: 'text',
    text: { content: '48 万太贵了，超出我们今年的预算。' },
  },
  { msgid: 'rec-3', action: 'recall', from: 'zhangsan', tolist: [], roomid: 'wrRoomHuadong', msgtime: t0 + 120_000 },
];

const envFor = (dataDir: string) => ({ DATA_DIR: dataDir, DATABASE_URL: '', REDIS_URL: '', LOG_LEVEL: 'warn' });

/** The command as an admin runs it: bin/dealwise.js in a child process. */
function run(file: string, dataDir: string) {
  return spawnSync(process.execPath, [BIN, 'import-archive', file], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, ...envFor(dataDir) },
  });
}

/**
 * The same command in this process (a child costs seconds of CPU: node, tsx, the whole app): the
 * first import keeps the true run, the second import and the malformed file go through the
 * registered command here, the same code on the same data folder.
 */
const runHere = (file: string, dataDir: string) => runCommandHere(registerImportArchive, ['import-archive', file], envFor(dataDir));

describe('dealwise import-archive', () => {
  it('imports JSON lines once and analyses them, nudging nobody about the past', async () => {
    const dataDir = await makeDataDir();
    const file = join(tmp, 'archive.jsonl');
    writeFileSync(file, `${records.map((r) => JSON.stringify(r)).join('\n')}\n`);
    const first = run(file, dataDir);
    expect(first.status, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ stored: 2, duplicate: 0, skipped: 1 });
    const again = await runHere(file, dataDir);
    expect(again.status, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ stored: 0, duplicate: 2, skipped: 1 });

    const db = await openDatabase({ dataDir, migrate: false });
    try {
      const stored = await db.db.select().from(messages);
      expect(stored.map((m) => [m.platformMessageId, m.role, m.analyzedAt !== null])).toEqual([
        ['rec-1', 'rep', true],
        ['rec-2_external', 'customer', true],
      ]);
      const found = await db.db.select().from(actions);
      expect(found.map((a) => [a.kind, a.attrs.objection])).toContainEqual(['objection_raised', 'price']);
      // Last week's conversation: the deal knows, nobody is nudged about it now.
      expect(await db.db.select().from(nudges)).toEqual([]);
      expect(await db.db.select().from(deliveries)).toEqual([]);
    } finally {
      await db.close();
    }
  }, 120_000);

  it('rejects a file with a malformed record and stores nothing', async () => {
    const dataDir = await makeDataDir();
    const file = join(tmp, 'bad.json');
    writeFileSync(
      file,
      JSON.stringify([
        records[0],
        { msgid: 'x', action: 'send', from: 'a', tolist: ['b'], roomid: '', msgtime: 'soon', msgtype: 'text', text: { content: 'hi' } },
      ]),
    );
    const r = await runHere(file, dataDir);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/record 1: .*msgtime/);
    const db = await openDatabase({ dataDir, migrate: false });
    try {
      expect(await db.db.select().from(messages)).toHaveLength(0);
    } finally {
      await db.close();
    }
  }, 120_000);
});
