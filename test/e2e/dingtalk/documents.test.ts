/**
 * A PDF sent to the robot on DingTalk, through the whole app: the real dingtalk-stream SDK and
 * adapter against the loopback fake, which pushes a `file` robot message from a rep's 1:1 chat;
 * the command job downloads it (robot/messageFiles/download hands out a short-lived URL, fetched
 * at once), stores it for the rep's deal and answers through the chat's session webhook with the
 * tracked link. A download code DingTalk refuses gets a clear answer and stores nothing; neither
 * the access token nor the download URL reaches a log.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { conversations, documents } from '../../../db/schema/index.ts';
import { samplePdf } from '../../documents/harness.ts';
import { groupMessage, push, singleMessage, START_TIMEOUT_MS, startDingtalkApp, TEST_TIMEOUT_MS, type DingtalkApp } from './harness.ts';

const T0 = new Date('2026-11-25T10:00:00+08:00');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
const GROUP = { conversationId: 'cidE2eDocsMedical==', title: '华东医疗 · 患者随访平台项目' };

let t: DingtalkApp;

beforeAll(async () => {
  vi.spyOn(console, 'info').mockImplementation(() => {});
  t = await startDingtalkApp(T0);
  const { app, clock, fake, staffId } = t;
  await push(
    fake,
    groupMessage(fake, {
      ...GROUP,
      msgId: 'msgDocsHello01',
      from: { staffId: staffId('zhangsan'), nick: '张三', dingtalkId: '$:LWCP_v1:$zhangsan01' },
      at: at(0),
      text: '李主任您好，报价单稍后发您。',
    }),
  );
  clock.set(at(1));
  await push(
    fake,
    groupMessage(fake, {
      ...GROUP,
      msgId: 'msgDocsAsk01',
      from: { nick: '李主任', dingtalkId: '$:LWCP_v1:$customerLi01' },
      at: at(1),
      text: '好的，价格大概多少？',
    }),
  );
  await app.drain();
}, START_TIMEOUT_MS);

afterAll(async () => {
  await t?.cleanup();
  vi.restoreAllMocks();
});

/** A file message in zhangsan's 1:1 chat with the robot. */
function fileMessage(msgId: string, minutes: number, downloadCode: string, fileName: string): Record<string, unknown> {
  const m = singleMessage(t.fake, { staffId: t.staffId('zhangsan'), nick: '张三', msgId, at: at(minutes), text: '' });
  delete m.text;
  return { ...m, msgtype: 'file', content: { downloadCode, fileName } };
}

describe('DingTalk end to end: a PDF sent to the robot', { timeout: TEST_TIMEOUT_MS }, () => {
  it('is downloaded, stored for the rep’s deal and answered with a tracked link', async () => {
    const { app, clock, fake } = t;
    fake.files.set('dcQuotePdf01', samplePdf());
    clock.set(at(5));
    const before = fake.webhookSends.length;
    await push(fake, fileMessage('msgDocsFile01', 5, 'dcQuotePdf01', '报价单_v2.pdf'));
    await app.drain();

    expect(fake.fileDownloads.map((d) => d.body)).toEqual([{ downloadCode: 'dcQuotePdf01', robotCode: 'dinge2erobotcode' }]);
    expect(fake.fileDownloads[0]!.token).toMatch(/^tok-/);
    const [group] = await app.database.db
      .select()
      .from(conversations)
      .where(eq(conversations.id, `dingtalk:${GROUP.conversationId}`));
    const [doc] = await app.database.db.select().from(documents).where(eq(documents.fileName, '报价单_v2.pdf'));
    expect(doc).toMatchObject({ kind: 'quote', pageCount: 9, uploadedBy: 'zhangsan', opportunityId: group!.opportunityId });
    const replies = fake.webhookSends.slice(before);
    expect(replies).toHaveLength(1);
    const md = replies[0]!.body.markdown as { title: string; text: string };
    expect(md.title).toBe('跟踪链接 · 报价单_v2');
    expect(md.text).toMatch(/\/d\/[A-Za-z0-9_-]{43}/);
  });

  it('answers clearly when DingTalk refuses the download code, storing nothing, logging no credential', async () => {
    const { app, clock, fake } = t;
    clock.set(at(10));
    const before = fake.webhookSends.length;
    await push(fake, fileMessage('msgDocsFile02', 10, 'dcUnknown02', '合同.pdf'));
    await app.drain();
    expect(await app.database.db.select().from(documents).where(eq(documents.fileName, '合同.pdf'))).toEqual([]);
    const md = fake.webhookSends.slice(before)[0]!.body.markdown as { text: string };
    expect(md.text).toContain('「合同.pdf」下载失败');
    const logs = t.logs.join('\n');
    for (const token of fake.tokensIssued) expect(logs).not.toContain(token);
    expect(logs).not.toContain('/files/');
  });
});
