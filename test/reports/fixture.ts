/**
 * A small org with a week of selling, seeded with drizzle inserts, for the report tests. "Now" is
 * Friday 2026-11-27 10:00 in Shanghai; 本周 starts Monday 11-23 00:00 (+08:00).
 */
import type { Db } from '../../db/client.ts';
import {
  actions,
  atomEvents,
  conversations,
  messages,
  nudges,
  opportunities,
  people,
  playbookRules,
  stageChanges,
  teams,
  timers,
} from '../../db/schema/index.ts';
import type { StoredActionKind } from '../../db/schema/enums.ts';
import { loadCatalog } from '../unit/config-files.ts';

export const TZ = 'Asia/Shanghai';

const catalog = loadCatalog();
/** How the reports are rendered: Shanghai's clock and the default playbook's stage names. */
export const VIEW = { timeZone: TZ, stageLabel: (stage: string) => catalog.stageLabel(stage) };

/** `t('11-24 09:00')`: a wall-clock time in Shanghai in November 2026. */
export function t(mmddhhmm: string, seconds = '00'): Date {
  const [md, hm] = mmddhhmm.split(' ');
  return new Date(`2026-${md}T${hm}:${seconds}+08:00`);
}

export const NOW = t('11-27 10:00');

type Who = string | 'customer';
interface Msg {
  id: string;
  conv: string;
  who: Who;
  text: string;
  at: Date;
  files?: string[];
  acts?: { id: string; kind: string; attrs?: Record<string, unknown> }[];
}

const NAMES: Record<string, string> = { zhangsan: '张三', lisi: '李四', wangwu: '王五', zhaomin: '赵敏' };

// Timeline of 华东医疗 (zhangsan): one action and one move last week, the rest this week.
const MESSAGES: Msg[] = [
  { id: 'm0', conv: 'wecom:hd', who: 'customer', text: '什么时候能上线？', at: t('11-20 16:00'), acts: [{ id: 'a0', kind: 'buying_signal' }] },
  { id: 'm1', conv: 'wecom:hd', who: 'customer', text: '能报个价吗？我们预算有限', at: t('11-24 09:00'), acts: [{ id: 'a1', kind: 'price_inquiry' }] },
  {
    id: 'm2',
    conv: 'wecom:hd',
    who: 'zhangsan',
    text: '王总，这套是 12.8 万，含安装调试和三年维保。报价单_v2_final.pdf 也发您邮箱了，请查收，有任何问题随时联系我，我们也可以约个时间当面聊聊细节。',
    at: t('11-24 10:05'),
    acts: [{ id: 'a2', kind: 'quote_sent', attrs: { amount: 128000 } }],
  },
  {
    id: 'm3',
    conv: 'wecom:hd',
    who: 'customer',
    text: '价格还是太高了，别家便宜两成',
    at: t('11-25 14:00'),
    acts: [
      { id: 'a3a', kind: 'objection_raised', attrs: { objection: 'price' } },
      { id: 'a3b', kind: 'competitor_mentioned' },
    ],
  },
  {
    id: 'm4',
    conv: 'wecom:hd',
    who: 'zhangsan',
    text: '理解，我们在三家三甲医院的案例可以参考',
    at: t('11-25 14:30'),
    acts: [{ id: 'a4', kind: 'objection_handled' }],
  },
  { id: 'm5', conv: 'wecom:hd', who: 'zhangsan', text: '', files: ['采购合同.docx'], at: t('11-26 11:00'), acts: [{ id: 'a5', kind: 'contract_sent' }] },
  // 苏州精密 (zhangsan), created this week.
  { id: 'm6', conv: 'wecom:sz', who: 'zhangsan', text: '约周三下午两点线上演示', at: t('11-24 15:00'), acts: [{ id: 'a6', kind: 'meeting_scheduled' }] },
  // The bot's 1:1 chat with zhangsan: never a customer conversation.
  { id: 'm7', conv: 'wecom:dm-zhangsan', who: 'zhangsan', text: '/kb 价格异议', at: t('11-25 09:00') },
  // 李四物流 (lisi): one second before the week (excluded), one exactly at its start (included).
  { id: 'm8', conv: 'wecom:ls', who: 'lisi', text: '上次的方案您看得怎么样了', at: t('11-22 23:59', '59'), acts: [{ id: 'a8', kind: 'follow_up' }] },
  { id: 'm9', conv: 'wecom:ls', who: 'customer', text: '好的，下周三前给您反馈', at: t('11-23 00:00'), acts: [{ id: 'a9', kind: 'next_step_agreed' }] },
  { id: 'm10', conv: 'wecom:ls', who: 'customer', text: '我们选了别家', at: t('11-26 09:00') },
  // 杭州制造 (lisi): moves only.
  { id: 'm11', conv: 'wecom:hz', who: 'lisi', text: '演示视频发您了', at: t('11-24 11:00') },
  // An inactive rep and another team's rep, both busy this week.
  { id: 'm12', conv: 'wecom:ww', who: 'wangwu', text: '报价单发您了', at: t('11-24 11:00'), acts: [{ id: 'a12', kind: 'quote_sent' }] },
  { id: 'm13', conv: 'wecom:bj', who: 'zhaomin', text: '报价单发您了', at: t('11-24 11:00'), acts: [{ id: 'a13', kind: 'quote_sent' }] },
];

/** Inserts the fixture. */
export async function seed(db: Db): Promise<void> {
  const old = t('11-01 09:00');
  await db.insert(teams).values([
    { id: 'east', name: '华东一组' },
    { id: 'north', name: '华北二组' },
    { id: 'west', name: '西南三组' },
  ]);
  await db.insert(people).values([
    { id: 'zhangsan', name: '张三', role: 'rep', teamId: 'east' },
    { id: 'lisi', name: '李四', role: 'rep', teamId: 'east' },
    { id: 'wangwu', name: '王五', role: 'rep', teamId: 'east', active: false },
    { id: 'wangjing', name: '王静', role: 'manager', teamId: 'east', manages: ['east'] },
    { id: 'zhaomin', name: '赵敏', role: 'rep', teamId: 'north' },
    { id: 'ops', name: '陈运营', role: 'admin' },
  ]);
  const deal = (d: { id: string; name: string; ownerId: string; stage: string; amount?: number; createdAt: Date; updatedAt: Date }) => ({
    ...d,
    stageAt: d.updatedAt,
    status: d.stage === 'won' ? ('won' as const) : d.stage === 'lost' ? ('lost' as const) : ('open' as const),
  });
  await db.insert(opportunities).values([
    deal({
      id: 'opp-hd',
      name: '华东医疗',
      ownerId: 'zhangsan',
      stage: 'negotiation',
      amount: 128000,
      createdAt: t('11-10 09:00'),
      updatedAt: t('11-26 11:00'),
    }),
    deal({ id: 'opp-hd2', name: '华东医疗二期', ownerId: 'zhangsan', stage: 'lead', createdAt: old, updatedAt: t('11-26 12:00') }),
    deal({ id: 'opp-sz', name: '苏州精密', ownerId: 'zhangsan', stage: 'demo', createdAt: t('11-24 14:00'), updatedAt: t('11-26 10:00') }),
    deal({ id: 'opp-acme', name: 'ACME Robotics', ownerId: 'zhangsan', stage: 'won', amount: 5000, createdAt: old, updatedAt: old }),
    deal({ id: 'opp-ls', name: '李四物流', ownerId: 'lisi', stage: 'lost', createdAt: old, updatedAt: t('11-26 09:00') }),
    deal({ id: 'opp-hz', name: '杭州制造', ownerId: 'lisi', stage: 'proposal', createdAt: old, updatedAt: t('11-25 09:00') }),
    deal({ id: 'opp-ww', name: '王五教育', ownerId: 'wangwu', stage: 'proposal', createdAt: old, updatedAt: old }),
    deal({ id: 'opp-bj', name: '北京物流', ownerId: 'zhaomin', stage: 'proposal', createdAt: t('11-24 09:00'), updatedAt: old }),
  ]);
  const conv = (id: string, opp: string | null, owner: string, direct = false) => ({
    id: `wecom:${id}`,
    platform: 'wecom' as const,
    chatId: id,
    chatType: direct ? ('single' as const) : ('group' as const),
    direct,
    opportunityId: opp,
    ownerId: owner,
    createdAt: old,
  });
  await db
    .insert(conversations)
    .values([
      conv('hd', 'opp-hd', 'zhangsan'),
      conv('sz', 'opp-sz', 'zhangsan'),
      conv('dm-zhangsan', null, 'zhangsan', true),
      conv('ls', 'opp-ls', 'lisi'),
      conv('hz', 'opp-hz', 'lisi'),
      conv('ww', 'opp-ww', 'wangwu'),
      conv('bj', 'opp-bj', 'zhaomin'),
    ]);
  const oppOf = new Map([
    ['wecom:hd', 'opp-hd'],
    ['wecom:sz', 'opp-sz'],
    ['wecom:ls', 'opp-ls'],
    ['wecom:hz', 'opp-hz'],
    ['wecom:ww', 'opp-ww'],
    ['wecom:bj', 'opp-bj'],
  ]);
  await db.insert(messages).values(
    MESSAGES.map((m) => ({
      id: m.id,
      platform: 'wecom' as const,
      platformMessageId: m.id,
      conversationId: m.conv,
      senderId: m.who === 'customer' ? 'wm_customer' : m.who,
      // The platform's display name of a customer must not leak into reports.
      senderName: m.who === 'customer' ? '王总' : (NAMES[m.who] ?? m.who),
      personId: m.who === 'customer' ? null : m.who,
      role: m.who === 'customer' ? ('customer' as const) : ('rep' as const),
      kind: m.files ? 'file' : 'text',
      text: m.text,
      attachments: (m.files ?? []).map((name) => ({ name, type: 'file' })),
      sentAt: m.at,
      receivedAt: m.at,
    })),
  );
  await db.insert(actions).values(
    MESSAGES.flatMap((m) =>
      (m.acts ?? []).map((a) => ({
        id: a.id,
        messageId: m.id,
        conversationId: m.conv,
        opportunityId: oppOf.get(m.conv) ?? null,
        personId: m.who === 'customer' ? null : m.who,
        kind: a.kind as StoredActionKind,
        confidence: 0.9,
        attrs: a.attrs ?? {},
        at: m.at,
      })),
    ),
  );
  await db.insert(stageChanges).values([
    // Same instant as its action a0: the timeline puts the action first.
    { id: 's0', opportunityId: 'opp-hd', fromStage: 'contacted', toStage: 'demo', actionId: 'a0', messageId: 'm0', at: t('11-20 16:00') },
    { id: 's1', opportunityId: 'opp-hd', fromStage: 'demo', toStage: 'proposal', actionId: 'a2', messageId: 'm2', at: t('11-24 10:05') },
    { id: 's2', opportunityId: 'opp-hd', fromStage: 'proposal', toStage: 'negotiation', actionId: 'a5', messageId: 'm5', at: t('11-26 11:00') },
    // 苏州精密 jumps from lead to demo: it passed contacted and qualified.
    { id: 's3', opportunityId: 'opp-sz', fromStage: 'lead', toStage: 'demo', actionId: 'a6', messageId: 'm6', at: t('11-24 15:00') },
    { id: 's4', opportunityId: 'opp-ls', fromStage: 'contacted', toStage: 'lost', messageId: 'm10', at: t('11-26 09:00') },
    { id: 's5', opportunityId: 'opp-hz', fromStage: 'qualified', toStage: 'demo', messageId: 'm11', at: t('11-24 11:00') },
    { id: 's6', opportunityId: 'opp-hz', fromStage: 'demo', toStage: 'proposal', messageId: 'm11', at: t('11-25 09:00') },
    { id: 's7', opportunityId: 'opp-ww', fromStage: 'demo', toStage: 'proposal', messageId: 'm12', at: t('11-24 11:00') },
    { id: 's8', opportunityId: 'opp-bj', fromStage: 'lead', toStage: 'proposal', messageId: 'm13', at: t('11-24 11:00') },
  ]);
  await db.insert(playbookRules).values([{ id: 'demo-material-48h', name: '演示后48小时内发资料', definition: {} }]);
  const timer = (
    id: string,
    ruleId: string,
    conv: string,
    repId: string | null,
    status: 'pending' | 'fired' | 'fulfilled' | 'cancelled',
    due: Date,
    resolved?: Date,
  ) => ({
    id,
    ruleId,
    opportunityId: oppOf.get(conv) ?? null,
    conversationId: conv,
    repId,
    triggerMessageId: `trigger-${id}`,
    triggerAt: new Date(due.getTime() - 48 * 3_600_000),
    expect: { action: 'material_sent' },
    startedAt: new Date(due.getTime() - 48 * 3_600_000),
    nudgeAt: new Date(due.getTime() - 24 * 3_600_000),
    dueAt: due,
    status,
    resolvedAt: resolved ?? null,
  });
  await db.insert(timers).values([
    timer('t1', 'demo-material-48h', 'wecom:hd', 'zhangsan', 'pending', t('11-25 10:00')), // overdue, open
    timer('t2', 'quote-follow-up-3d', 'wecom:hd', 'zhangsan', 'fulfilled', t('11-26 09:00'), t('11-26 12:00')), // late
    timer('t3', 'demo-material-48h', 'wecom:hd', 'zhangsan', 'cancelled', t('11-24 10:00'), t('11-24 08:00')), // not overdue
    timer('t4', 'quote-follow-up-3d', 'wecom:hd', 'zhangsan', 'fulfilled', t('11-26 09:00'), t('11-25 09:00')), // on time
    timer('t5', 'demo-material-48h', 'wecom:sz', 'zhangsan', 'pending', t('11-28 09:00')), // not yet due
    timer('t6', 'demo-material-48h', 'wecom:hd', 'zhangsan', 'fired', t('11-20 18:00')), // last week's
    timer('t7', 'unanswered-2h', 'wecom:sz', null, 'fired', t('11-26 16:00')), // no rep: the owner's
    timer('t8', 'unanswered-2h', 'wecom:ww', 'wangwu', 'fired', t('11-26 16:00')), // inactive rep
  ]);
  const nudge = (id: string, personId: string, at: Date, feedback: string | null) => ({
    id,
    idempotencyKey: id,
    personId,
    ruleId: 'price-objection',
    atomIds: ['atom-a'],
    title: '价格异议',
    body: '…',
    createdAt: at,
    feedback,
  });
  await db
    .insert(nudges)
    .values([
      nudge('n1', 'zhangsan', t('11-25 14:01'), 'useful'),
      nudge('n2', 'zhangsan', t('11-25 15:00'), 'used'),
      nudge('n3', 'zhangsan', t('11-26 09:00'), null),
      nudge('n4', 'zhangsan', t('11-26 10:00'), 'not_useful'),
      nudge('n5', 'zhangsan', t('11-19 10:00'), 'useful'),
    ]);
  const ev = (id: string, atomId: string, personId: string, kind: 'pushed' | 'used', at: Date) => ({ id, atomId, personId, kind, at });
  await db
    .insert(atomEvents)
    .values([
      ev('e1', 'atom-a', 'zhangsan', 'used', t('11-25 14:20')),
      ev('e2', 'atom-a', 'zhangsan', 'used', t('11-26 09:30')),
      ev('e3', 'atom-b', 'zhangsan', 'used', t('11-26 10:30')),
      ev('e4', 'atom-c', 'zhangsan', 'pushed', t('11-26 10:00')),
      ev('e5', 'atom-d', 'zhangsan', 'used', t('11-18 10:00')),
      ev('e6', 'atom-a', 'lisi', 'used', t('11-24 12:00')),
    ]);
}
