/**
 * A PDF sent to the bot on Feishu, through the whole app: the real @larksuiteoapi/node-sdk on the
 * long connection to the loopback fake, which pushes a p2p `file` message from a rep; the command
 * job downloads it with `im.messageResource.get` (message id and file key), stores it for the
 * rep's deal and answers on Feishu with the tracked link. A file Feishu will not hand over gets
 * a clear answer and stores nothing.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { advanceTo } from '../../../bots/demo/replay.ts';
import { conversations, documents } from '../../../db/schema/index.ts';
import { samplePdf } from '../../documents/harness.ts';
import { FAKE_APP_ID, FAKE_APP_SECRET, FakeFeishu } from '../../adapters/feishu/fake-feishu.ts';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { feishuOpenIds, messageEvent, openIdOf, plus, postOf, settle, STARTUP_TIMEOUT_MS, type MessageEventInput } from './feishu-world.ts';

const CUSTOMER = 'ou_0c1e2f3a4b5c6d7e8f90a1b2c3d4e5f6';
const GROUP = 'oc_e2e_docs_group';
const P2P = 'oc_e2e_docs_p2p_zhangsan';

let fake: FakeFeishu;
let t: TestApp;
let zhangsan: string;

beforeAll(async () => {
  fake = await FakeFeishu.start();
  t = await startTestApp({
    start: new Date('2026-11-25T10:00:00+08:00'),
    env: {
      FEISHU_APP_ID: FAKE_APP_ID,
      FEISHU_APP_SECRET: FAKE_APP_SECRET,
      FEISHU_DOMAIN: fake.url,
      FEISHU_MODE: 'ws',
      PUBLIC_URL: 'https://dealwise.example.com',
    },
  });
  zhangsan = openIdOf(await feishuOpenIds(t.config.ORG_FILE), 'zhangsan');
}, STARTUP_TIMEOUT_MS);
afterAll(async () => {
  await t?.cleanup();
  await fake?.close();
});

async function deliver(p: MessageEventInput, file?: { key: string; name: string }): Promise<void> {
  await advanceTo(t.app, t.clock, p.at);
  const event = messageEvent(p);
  if (file) {
    event.event.message.message_type = 'file';
    event.event.message.content = JSON.stringify({ file_key: file.key, file_name: file.name });
  }
  const ack = await fake.pushEvent(event);
  expect(ack.code).toBe(200);
  await settle(t);
}

describe('a PDF sent to the bot on Feishu', () => {
  it('is downloaded, stored for the rep’s deal and answered with a tracked link', async () => {
    const at = new Date('2026-11-25T10:00:00+08:00');
    await deliver({ messageId: 'om_docs_hello', chatId: GROUP, chatType: 'group', from: zhangsan, text: '王总您好，报价单稍后发您。', at });
    await deliver({ messageId: 'om_docs_ask', chatId: GROUP, chatType: 'group', from: CUSTOMER, text: '好的，价格大概多少？', at: plus(at, 2) });
    const [group] = await t.app.database.db
      .select()
      .from(conversations)
      .where(eq(conversations.id, `feishu:${GROUP}`));

    fake.files.set('om_docs_file/file_v2_quote', samplePdf());
    const before = fake.sends.length;
    await deliver(
      { messageId: 'om_docs_file', chatId: P2P, chatType: 'p2p', from: zhangsan, at: plus(at, 5) },
      { key: 'file_v2_quote', name: '报价单_v2.pdf' },
    );

    expect(fake.downloads).toEqual([{ messageId: 'om_docs_file', fileKey: 'file_v2_quote', type: 'file' }]);
    const [doc] = await t.app.database.db.select().from(documents).where(eq(documents.fileName, '报价单_v2.pdf'));
    expect(doc).toMatchObject({ kind: 'quote', pageCount: 9, uploadedBy: 'zhangsan', conversationId: `feishu:${GROUP}`, opportunityId: group!.opportunityId });
    const replies = fake.sends.slice(before);
    expect(replies).toHaveLength(1);
    expect(replies[0]).toMatchObject({ receiveIdType: 'open_id', receiveId: zhangsan });
    const post = postOf(replies[0]);
    expect(post.title).toBe('跟踪链接 · 报价单_v2');
    expect(post.text).toMatch(/https:\/\/dealwise\.example\.com\/d\/[A-Za-z0-9_-]{43}/);
  });

  it('answers clearly when Feishu will not hand the file over, storing nothing', async () => {
    const before = fake.sends.length;
    await deliver(
      { messageId: 'om_docs_gone', chatId: P2P, chatType: 'p2p', from: zhangsan, at: new Date('2026-11-25T10:10:00+08:00') },
      { key: 'file_v2_gone', name: '合同.pdf' },
    );
    expect(await t.app.database.db.select().from(documents).where(eq(documents.fileName, '合同.pdf'))).toEqual([]);
    const post = postOf(fake.sends.slice(before)[0]);
    expect(post.text).toContain('「合同.pdf」下载失败');
  });
});
