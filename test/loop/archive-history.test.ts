/**
 * The chat archive comes two ways. POST /v1/wecom/archive is WeCom's live feed of customer chats
 * (pulled minutes late): an hour-old objection is coached as a live one of that age would be.
 * `dealwise import-archive` is history brought in after the fact: the same records update the
 * deal (its actions and stage) but nudge nobody, whatever their age.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerImportArchive } from '../../bots/cli/import-archive.ts';
import { buildServer } from '../../bots/http/server.ts';
import { openDatabase } from '../../db/client.ts';
import { actions, conversations, deliveries, messages, nudges, opportunities } from '../../db/schema/index.ts';
import { archiveText } from '../e2e/wecom/harness.ts';
import { makeDataDir, startTestApp, type TestApp } from '../helpers/app.ts';
import { runCommandHere } from '../helpers/cli.ts';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const START = new Date('2026-11-24T10:00:00+08:00');
const HOUR = 3_600_000;
const OBJECTION = '这个报价太贵了，能不能便宜点？';

/** A rep's opening and a customer's fresh price objection, `ago` ms before `now`. */
function records(now: number, room: string, ago = HOUR) {
  return [
    archiveText({ msgid: `${room}-1`, from: 'zhangsan', to: ['wmCustomerWang'], room, at: new Date(now - ago), text: '王总好，报价单已经发您了，请查收。' }),
    archiveText({ msgid: `${room}-2_external`, from: 'wmCustomerWang', to: ['zhangsan'], room, at: new Date(now - ago + 60_000), text: OBJECTION }),
  ];
}

async function dealOf(db: TestApp['app']['database']['db'], room: string) {
  const [conv] = await db.select().from(conversations).where(eq(conversations.chatId, room));
  const [deal] = await db.select().from(opportunities).where(eq(opportunities.id, conv!.opportunityId!));
  const kinds = (await db.select().from(actions).where(eq(actions.opportunityId, deal!.id))).map((a) => a.kind);
  return { deal: deal!, kinds };
}

describe('the archive: the live feed coaches, an imported history nudges nobody', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ start: START });
  });
  afterAll(() => t.cleanup());

  it('POST /v1/wecom/archive: an hour-old objection updates the deal and nudges its rep', async () => {
    const server = buildServer(t.app);
    const res = await server.inject({ method: 'POST', url: '/v1/wecom/archive', payload: records(START.getTime(), 'wrRoomQuiet01') });
    expect(res.json()).toEqual({ stored: 2, duplicate: 0, skipped: [] });
    await t.app.drain();
    const { deal, kinds } = await dealOf(t.app.database.db, 'wrRoomQuiet01');
    expect(kinds).toEqual(expect.arrayContaining(['quote_sent', 'objection_raised']));
    expect(deal.ownerId).toBe('zhangsan');
    expect(deal.stage).not.toBe('lead');
    const nudged = await t.app.database.db.select().from(nudges).where(eq(nudges.opportunityId, deal.id));
    expect(nudged.map((n) => n.personId)).toContain('zhangsan');
    expect((await t.app.database.db.select().from(messages)).every((m) => !m.backfill)).toBe(true);
  });

  it('dealwise import-archive: the same records, as history, nudge nobody', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'dealwise-quiet-'));
    try {
      const dataDir = await makeDataDir();
      const file = join(tmp, 'archive.jsonl');
      // The command runs on the real clock.
      const lines = records(Date.now(), 'wrRoomQuiet02').map((r) => `${JSON.stringify(r)}\n`);
      writeFileSync(file, lines.join(''));
      const env = { DATA_DIR: dataDir, DATABASE_URL: '', REDIS_URL: '', LOG_LEVEL: 'warn', LOCAL_ADAPTER: 'true' };
      const r = await runCommandHere(registerImportArchive, ['import-archive', file], env);
      expect(r.status, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ stored: 2, duplicate: 0, skipped: 0 });
      const db = await openDatabase({ dataDir, migrate: false });
      try {
        expect((await db.db.select().from(messages)).every((m) => m.analyzedAt !== null && m.backfill)).toBe(true);
        const { kinds } = await dealOf(db.db, 'wrRoomQuiet02');
        expect(kinds).toEqual(expect.arrayContaining(['quote_sent', 'objection_raised']));
        expect(await db.db.select().from(nudges)).toEqual([]);
        expect(await db.db.select().from(deliveries)).toEqual([]);
      } finally {
        await db.close();
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }, 120_000);
});
