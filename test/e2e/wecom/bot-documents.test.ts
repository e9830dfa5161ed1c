/**
 * A PDF sent to the WeCom intelligent bot, through the whole app: the real @wecom/aibot-node-sdk on
 * its long connection to the loopback fake, which pushes a single-chat `file` callback from a rep
 * (an encrypted download URL and its AES key, no file name); the command job downloads and
 * decrypts it, names it from the download, stores it for the rep's deal (opened from the chat
 * archive) and pushes the tracked link back to the rep. An expired link gets a clear answer.
 */
import { eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../../bots/http/server.ts';
import { conversations, documents } from '../../../db/schema/index.ts';
import { samplePdf } from '../../documents/harness.ts';
import { FakeWecomFileServer } from '../../fakes/wecom/file-server.ts';
import { FakeWecomWsServer } from '../../fakes/wecom/ws-server.ts';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { archiveText, BOT, botEnv, CUSTOMER, START_TIMEOUT_MS, storedMessage, until } from './harness.ts';

const at = (hhmm: string) => new Date(`2026-11-25T${hhmm}:00+08:00`);
const ROOM = 'wrE2eRoomDocsHuadongMedical01';

let t: TestApp;
let ws: FakeWecomWsServer;
let files: FakeWecomFileServer;
let server: FastifyInstance;

beforeAll(async () => {
  ws = new FakeWecomWsServer(BOT);
  await ws.start();
  files = new FakeWecomFileServer();
  await files.start();
  t = await startTestApp({ start: at('09:00'), env: { ...botEnv(ws.url), PUBLIC_URL: 'https://dealwise.example.com' } });
  server = buildServer(t.app);
  t.clock.set(at('09:15'));
  const res = await server.inject({
    method: 'POST',
    url: '/v1/wecom/archive',
    payload: [
      archiveText({ msgid: 'e2e-doc-1', from: 'zhangsan', to: [CUSTOMER], room: ROOM, at: at('09:10'), text: '李主任您好，报价单稍后发您。' }),
      archiveText({ msgid: 'e2e-doc-2_external', from: CUSTOMER, to: ['zhangsan'], room: ROOM, at: at('09:12'), text: '好的，价格大概多少？' }),
    ],
  });
  expect(res.statusCode).toBe(200);
  await t.app.drain();
}, START_TIMEOUT_MS);

afterAll(async () => {
  await server?.close();
  await t?.cleanup();
  await ws?.close();
  await files?.close();
}, START_TIMEOUT_MS);

const fileCallback = (msgid: string, file: { url: string; aeskey: string }) => ({
  msgid,
  aibotid: BOT.botId,
  chattype: 'single',
  from: { userid: 'zhangsan' },
  create_time: Math.floor(t.clock.now().getTime() / 1000),
  msgtype: 'file',
  file,
});

const pushesToZhangsan = () =>
  ws
    .frames('aibot_send_msg')
    .map((f) => f.body as { chatid: string; msgtype: string; markdown?: { content: string } })
    .filter((b) => b.chatid === 'zhangsan');

describe('a PDF sent to the WeCom bot', () => {
  it('is downloaded, decrypted, stored for the rep’s deal and answered with a tracked link', async () => {
    t.clock.set(at('09:20'));
    const before = pushesToZhangsan().length;
    ws.pushMessage(fileCallback('e2e-doc-file-1', files.put(samplePdf(), '华东医疗-报价单.pdf')));
    await until(async () => (await storedMessage(t.app, 'e2e-doc-file-1')) !== null, 'the file message is stored');
    await t.app.drain();

    expect(files.downloads).toHaveLength(1);
    const [group] = await t.app.database.db
      .select()
      .from(conversations)
      .where(eq(conversations.id, `wecom:${ROOM}`));
    const [doc] = await t.app.database.db.select().from(documents).where(eq(documents.uploadedBy, 'zhangsan'));
    expect(doc).toMatchObject({ fileName: '华东医疗-报价单.pdf', title: '华东医疗-报价单', kind: 'quote', pageCount: 9, opportunityId: group!.opportunityId });
    const answers = pushesToZhangsan().slice(before);
    expect(answers).toHaveLength(1);
    expect(answers[0]!.markdown!.content).toContain('《华东医疗-报价单》发到');
    expect(answers[0]!.markdown!.content).toMatch(/https:\/\/dealwise\.example\.com\/d\/[A-Za-z0-9_-]{43}/);
  });

  it('answers clearly when the download link has expired, storing nothing', async () => {
    t.clock.set(at('09:30'));
    const before = pushesToZhangsan().length;
    const file = files.put(samplePdf(), '合同.pdf');
    files.expire(file.url);
    ws.pushMessage(fileCallback('e2e-doc-file-2', file));
    await until(async () => (await storedMessage(t.app, 'e2e-doc-file-2')) !== null, 'the file message is stored');
    await t.app.drain();
    expect(await t.app.database.db.select().from(documents).where(eq(documents.fileName, '合同.pdf'))).toEqual([]);
    expect(pushesToZhangsan().slice(before)[0]!.markdown!.content).toContain('「文件」下载失败');
  });
});
