/**
 * Report results as Chinese markdown messages, short enough to read on a phone. The title is not
 * repeated in the text: WeCom and Feishu show it above the text already. Lines are separated by
 * `\n`, blocks by a blank line; lists use `- `.
 */
import type { OutboundMessage } from '../../core/types.ts';
import type { DealTimeline, OpportunityMatch, TimelineEntry } from './deal.ts';
import type { FunnelResult } from './funnel.ts';
import { ACTION_KINDS } from '../../core/types.ts';
import { actionLabel } from './labels.ts';
import type { RepMetrics, StageMove } from './metrics.ts';
import { isEmptyMetrics } from './metrics.ts';
import { wallClock as wallTime } from '../../core/zoned-time.ts';
import { formatDuration } from '../documents/signals.ts';
import type { Period } from './period.ts';
import type { RepSummary } from './rep.ts';
import type { TeamSummary } from './team.ts';

/** How to render: the organisation's time zone, for every time shown, and its stages' names. */
export interface RenderOptions {
  timeZone: string;
  /** The catalog's `stageLabel`: a stage is shown by the playbook's one name for it everywhere. */
  stageLabel: (stage: string) => string;
}

// About 300 bytes a rep: each rep's block stays at two or three lines on a phone.
const KINDS_IN_LINE = 4;
const MOVES_PER_REP = 3;
/** Timeline entries shown, the newest kept: about 2 KB, what a WeCom app message carries. */
export const TIMELINE_MAX_ENTRIES = 15;

const OBJECTION_ZH: Record<string, string> = {
  price: '价格',
  competitor: '竞品',
  timing: '时机',
  authority: '决策权',
  need: '需求',
  trust: '信任',
};
const MATERIAL_ZH: Record<string, string> = {
  case: '案例',
  video: '视频',
  comparison: '对比表',
  datasheet: '参数表',
  whitepaper: '白皮书',
  brochure: '宣传册',
  report: '报告',
};

/** One team's summary: the team total, then a compact block per rep. */
export function renderTeamSummary(s: TeamSummary, period: Period, opts: RenderOptions): OutboundMessage {
  const title = `${s.teamName} · ${period.label}团队概览`;
  const head = rangeText(period, opts.timeZone);
  if (s.reps.length === 0) return markdown(title, [head, `${md(s.teamName)}暂无在职销售`]);
  if (isEmptyMetrics(s.totals)) return markdown(title, [head, noData(period)]);
  const blocks = [`${head}\n**合计** ${metricsLine(s.totals)}`];
  for (const rep of s.reps) {
    const lines = [`**${md(rep.name)}**`];
    if (isEmptyMetrics(rep.metrics)) lines.push('暂无数据');
    else {
      lines.push(metricsLine(rep.metrics));
      const moves = movesLine('推进', rep.metrics.stageMoves, opts.stageLabel);
      if (moves) lines.push(moves);
      // A stage corrected backwards is not progress, but a manager should see the deal went back.
      const back = movesLine('回退', rep.metrics.stageMovesBack, opts.stageLabel);
      if (back) lines.push(back);
    }
    blocks.push(lines.join('\n'));
  }
  return markdown(title, blocks);
}

/** One person's summary: the figures in full, then their open deals. */
export function renderRepSummary(s: RepSummary, period: Period, opts: RenderOptions): OutboundMessage {
  const title = `${s.person.name} · ${period.label}个人概览`;
  const m = s.metrics;
  const blocks = [rangeText(period, opts.timeZone) + (s.person.teamName ? ` · ${md(s.person.teamName)}` : '')];
  if (isEmptyMetrics(m)) blocks.push(noData(period));
  else {
    blocks.push(metricsLine(m, Infinity));
    if (m.actions.total > 0) blocks.push(`**关键动作** 我方 ${m.actions.ours} · 客户 ${m.actions.customer}`);
    for (const [heading, moves] of [
      ['阶段推进', m.stageMoves],
      ['阶段回退', m.stageMovesBack],
    ] as const) {
      if (moves.length === 0) continue;
      const lines = moves.map(
        (mv) => `- ${clock(mv.at, opts.timeZone)} ${md(mv.opportunityName)} ${opts.stageLabel(mv.fromStage)} → ${opts.stageLabel(mv.toStage)}`,
      );
      blocks.push([`**${heading}**`, ...lines].join('\n'));
    }
    if (m.overdue.count > 0) {
      const lines = m.overdue.byRule.map((r) => `- ${md(r.ruleName)} ${r.count}`);
      blocks.push([`**超时未跟进** ${m.overdue.count}（仍未跟进 ${m.overdue.open} · 迟到完成 ${m.overdue.late}）`, ...lines].join('\n'));
    }
  }
  if (s.openDeals.length > 0) {
    const lines = s.openDeals.map((d) => `- ${md(d.name)} · ${opts.stageLabel(d.stage)}${d.amount === null ? '' : ` · ${formatAmount(d.amount)}`}`);
    blocks.push([`**在跟商机** ${s.openDeals.length}`, ...lines].join('\n'));
  } else blocks.push('暂无在跟商机');
  return markdown(title, blocks);
}

/** A deal's header and its timeline, the newest entries when there are many. */
export function renderDealTimeline(t: DealTimeline, opts: RenderOptions): OutboundMessage {
  const d = t.deal;
  const title = `${d.name} · 商机时间线`;
  const head = [`负责人 ${md(d.ownerName ?? '未分配')}`, `阶段 ${opts.stageLabel(d.stage)}`];
  if (d.amount !== null) head.push(`金额 ${formatAmount(d.amount)}`);
  if (t.entries.length === 0) return markdown(title, [head.join(' · '), '暂无关键动作和阶段变化']);
  const shown = t.entries.slice(-TIMELINE_MAX_ENTRIES);
  const blocks = [head.join(' · ')];
  if (shown.length < t.entries.length) blocks.push(`共 ${t.entries.length} 条，显示最近 ${shown.length} 条`);
  blocks.push(shown.map((e) => timelineLine(e, opts)).join('\n'));
  return markdown(title, blocks);
}

/** Several deals matched a search: list them so the asker can be more precise. */
export function renderDealMatches(query: string, matches: readonly OpportunityMatch[], opts: Pick<RenderOptions, 'stageLabel'>): OutboundMessage {
  const title = `商机搜索 · ${query}`;
  if (matches.length === 0) return markdown(title, [`没有找到名称包含「${md(query)}」的商机`]);
  const lines = matches.map(
    (m) => `- ${md(m.name)} · ${md(m.ownerName ?? '未分配')} · ${opts.stageLabel(m.stage)}${m.amount === null ? '' : ` · ${formatAmount(m.amount)}`}`,
  );
  return markdown(title, [`找到 ${matches.length} 个商机，请用更完整的名称再查：`, lines.join('\n')]);
}

/** The funnel: per stage, the deals that reached it and the share that went on. */
export function renderFunnel(f: FunnelResult, period: Period, opts: RenderOptions & { scopeName: string }): OutboundMessage {
  const title = `${opts.scopeName} · ${period.label}销售漏斗`;
  const head = rangeText(period, opts.timeZone);
  if (f.deals === 0) return markdown(title, [head, noData(period)]);
  const lines = f.rows.map((r) => {
    const conv = r.conversion === null ? '' : ` · 转化 ${percent(r.conversion)}（${r.advanced}）`;
    return `**${opts.stageLabel(r.stage)}** ${r.reached}${conv}`;
  });
  lines.push(`**${opts.stageLabel('lost')}** ${f.lost}`);
  return markdown(title, [`${head} · 共 ${f.deals} 个商机`, lines.join('\n')]);
}

// ---- pieces -----------------------------------------------------------------------------------

function markdown(title: string, blocks: string[]): OutboundMessage {
  return { type: 'markdown', title, text: blocks.join('\n\n') };
}

function noData(period: Period): string {
  return `${period.label}暂无数据`;
}

/** `会话 3 · 关键动作 7（报价 2、提出异议 3、…）· 阶段推进 1 · 超时未跟进 1 · 提醒 2（有用 1）· 采用话术 1` */
function metricsLine(m: RepMetrics, maxKinds = KINDS_IN_LINE): string {
  const parts = [`会话 ${m.conversations}`];
  const kinds = Object.entries(m.actions.byKind).sort((a, b) => b[1] - a[1] || kindRank(a[0]) - kindRank(b[0]));
  let actions = `关键动作 ${m.actions.total}`;
  if (kinds.length > 0) {
    const shown = kinds.slice(0, maxKinds).map(([k, n]) => `${actionLabel(k)} ${n}`);
    actions += `（${shown.join('、')}${kinds.length > maxKinds ? '、…' : ''}）`;
  }
  parts.push(actions, `阶段推进 ${m.stageMoves.length}`, `超时未跟进 ${m.overdue.count}`);
  // A nudge marked `used` was useful too: the rep acted on it.
  const liked = m.nudges.useful + m.nudges.used;
  parts.push(`提醒 ${m.nudges.received}${m.nudges.received > 0 ? `（有用 ${liked}）` : ''}`);
  parts.push(`采用话术 ${m.atomIds.length}`);
  return tidy(parts.join(' · '));
}

/** `推进：华东医疗 演示→方案报价；苏州精密 线索→演示`, the first few; null when there are none. */
function movesLine(label: string, moves: readonly StageMove[], stageLabel: (stage: string) => string): string | null {
  if (moves.length === 0) return null;
  const shown = moves.slice(0, MOVES_PER_REP).map((m) => `${md(m.opportunityName)} ${stageLabel(m.fromStage)}→${stageLabel(m.toStage)}`);
  return `${label}：${shown.join('；')}${moves.length > MOVES_PER_REP ? ` 等${moves.length}项` : ''}`;
}

function kindRank(kind: string): number {
  const i = (ACTION_KINDS as readonly string[]).indexOf(kind);
  return i < 0 ? ACTION_KINDS.length : i;
}

function timelineLine(e: TimelineEntry, opts: RenderOptions): string {
  const when = clock(e.at, opts.timeZone);
  if (e.type === 'stage') {
    const quote = e.evidence ? ` ·「${md(e.evidence.text)}」` : '';
    return `${when}  阶段 ${opts.stageLabel(e.fromStage)} → ${opts.stageLabel(e.toStage)}${quote}`;
  }
  if (!e.evidence) return `${when}  ${e.kind === 'document_viewed' ? readingText(e.attrs) : actionLabel(e.kind)}`;
  return tidy(`${when}  ${actionLabel(e.kind)}${attrsText(e.attrs)} · ${md(e.evidence.speaker)}「${md(e.evidence.text)}」`);
}

/** A `document_viewed` action (bots/coaching/reading.ts): 「客户阅读《报价单》2分20秒，最久在第7页 · 价格（2分钟）」. */
function readingText(attrs: Record<string, unknown>): string {
  const title = typeof attrs.title === 'string' ? attrs.title : '文档';
  const seconds = typeof attrs.seconds === 'number' ? attrs.seconds : 0;
  const pages = Array.isArray(attrs.pages) ? (attrs.pages as Array<{ label?: unknown; seconds?: unknown }>) : [];
  const top = pages
    .filter((p): p is { label: string; seconds: number } => typeof p.label === 'string' && typeof p.seconds === 'number')
    .sort((a, b) => b.seconds - a.seconds)[0];
  const forwarded = attrs.forwarded === true ? '（新设备或网络，可能是转发）' : '';
  if (seconds <= 0) return `客户打开《${md(title)}》${forwarded}`;
  const where = top ? `，最久在${md(top.label)}（${formatDuration(top.seconds)}）` : '';
  return `客户阅读《${md(title)}》${formatDuration(seconds)}${forwarded}${where}`;
}

/** The attributes worth a word: the objection, the material, the amount quoted. */
function attrsText(attrs: Record<string, unknown>): string {
  const out: string[] = [];
  const { objection, materialType, amount } = attrs;
  if (typeof objection === 'string') out.push(OBJECTION_ZH[objection] ?? md(objection));
  if (typeof materialType === 'string') out.push(MATERIAL_ZH[materialType] ?? md(materialType));
  if (typeof amount === 'number' && Number.isFinite(amount)) out.push(formatAmount(amount));
  return out.length === 0 ? '' : `（${out.join('，')}）`;
}

/** `MM-DD HH:mm` on the organisation's clock. */
function clock(at: Date, timeZone: string): string {
  const w = wallTime(at, timeZone);
  return `${pad(w.month)}-${pad(w.day)} ${pad(w.hour)}:${pad(w.minute)}`;
}

/** `11-16 至 11-22` for whole days, `11-23 至 11-27 10:00` for a period running to now. */
function rangeText(period: Period, timeZone: string): string {
  const from = wallTime(period.from, timeZone);
  const to = wallTime(period.to, timeZone);
  const start = `${pad(from.month)}-${pad(from.day)}`;
  if (period.to.getTime() <= period.from.getTime()) return start;
  if (to.hour === 0 && to.minute === 0 && to.second === 0) {
    // A period ending at midnight ends with the day before.
    const last = wallTime(new Date(period.to.getTime() - 1), timeZone);
    return `${start} 至 ${pad(last.month)}-${pad(last.day)}`;
  }
  return `${start} 至 ${clock(period.to, timeZone)}`;
}

/** A full-width bracket carries its own spacing: `（有用 2）· 采用话术` reads better without a space. */
function tidy(line: string): string {
  return line.replace(/） ·/g, '）·');
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** Amounts in CNY: `12.8万` from ten thousand up, `8,000元` below. */
export function formatAmount(yuan: number): string {
  if (Math.abs(yuan) >= 10_000) return `${trimZeros((yuan / 10_000).toFixed(2))}万`;
  return `${Math.round(yuan).toLocaleString('en-US')}元`;
}

function percent(x: number): string {
  return `${trimZeros((x * 100).toFixed(1))}%`;
}

function trimZeros(s: string): string {
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

/**
 * Chat text and names inside our markdown: markup characters become their full-width forms, so a
 * file name like `报价单_v2_final.pdf` or a customer's `*` cannot restyle the message.
 */
function md(s: string): string {
  return s.replace(/[*_`[\]<>#~|]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));
}
