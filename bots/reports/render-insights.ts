/**
 * The analytics answers as Chinese markdown for a phone: behaviour breakpoints with their n and
 * intervals (figures below the sample floor are never shown as rates: 「样本不足，n=…」), and the
 * ranked risks of open deals with their evidence and next step.
 */
import type { OutboundMessage } from '../../core/types.ts';
import type { BreakpointReport, Comparison } from './breakpoints.ts';
import { formatAmount } from './render.ts';
import type { DealRisk } from './risks.ts';

/** Chat text inside our markdown: markup characters become full-width (as render.ts does). */
function md(s: string): string {
  return s.replace(/[*_`[\]<>#~|]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));
}

/** `67.5%`, one decimal. */
export function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

/** Percentage points with a sign: `+39.8`. */
function points(x: number): string {
  const v = (x * 100).toFixed(1);
  return x > 0 ? `+${v}` : v;
}

/** `67.5%（63.0–71.7%，n=437）`: a rate with its Wilson interval and n. */
function rateText(r: Comparison['with']): string {
  return r.rate === null ? `n=0` : `${pct(r.rate)}（${(r.low * 100).toFixed(1)}–${pct(r.high)}，n=${r.n}）`;
}

/** One outcome line: with vs without and the difference, or 样本不足 with both n. */
export function comparisonLine(name: string, c: Comparison, horizonDays?: number): string {
  if (!c.enough || c.difference.diff === null) {
    const young = c.young > 0 && horizonDays !== undefined ? `；另有 ${c.young} 个未满${horizonDays}天` : '';
    return `${name} 样本不足，n=${c.with.n}（做到）/${c.without.n}（未做到）${young}`;
  }
  const d = c.difference;
  return `${name} 做到 ${rateText(c.with)} · 未做到 ${rateText(c.without)} · 差 ${points(d.diff ?? 0)} 个百分点（${points(d.low)}~${points(d.high)}）`;
}

/** The breakpoints answer: one block per behaviour, the clearest difference first. */
export function renderBreakpoints(r: BreakpointReport, opts: { title: string; scopeNote?: string }): OutboundMessage {
  const shown = [...r.behaviours].sort((a, b) => strength(b.win) - strength(a.win) || strength(b.advance) - strength(a.advance));
  const blocks: string[] = [];
  if (opts.scopeNote) blocks.push(opts.scopeNote);
  for (const b of shown)
    blocks.push([`**${b.label}**`, comparisonLine('推进到下一阶段', b.advance, r.advanceDays), comparisonLine('赢单', b.win, r.outcomeDays)].join('\n'));
  const who = whoDoesIt(r);
  if (who) blocks.push(who);
  blocks.push(
    `95%区间：比率用 Wilson，差值用 Newcombe。推进按发生后${r.advanceDays}天内、赢单按${r.outcomeDays}天内计，只计已满期的商机；两边各至少${r.minDeals}个商机才给出比率。`,
  );
  return { type: 'markdown', title: opts.title, text: blocks.join('\n\n') };
}

/**
 * For the clearest breakpoint, how often each rep did it when it came up: where coaching pays.
 * Null when no breakpoint has enough deals or only one rep is in the report.
 */
export function whoDoesIt(r: BreakpointReport): string | null {
  const top = [...r.behaviours].sort((a, b) => Math.max(strength(b.win), strength(b.advance)) - Math.max(strength(a.win), strength(a.advance)))[0];
  if (!top || Math.max(strength(top.win), strength(top.advance)) <= 0) return null;
  const reps = r.byRep.filter((x) => x.behaviour === top.key && x.n > 0).sort((a, b) => b.done / b.n - a.done / a.n || b.n - a.n);
  if (reps.length < 2) return null;
  return [`**谁做到了** ${top.label}（做到/发生）`, reps.map((x) => `${md(x.ownerName)} ${pct(x.done / x.n)}（${x.done}/${x.n}）`).join(' · ')].join('\n');
}

/** How sure a difference is: its interval's bound nearest zero, when both sides are big enough. */
export function strength(c: Comparison): number {
  if (!c.enough || c.difference.diff === null) return -2;
  return c.difference.low > 0 ? c.difference.low : c.difference.high < 0 ? -c.difference.high : -1;
}

/** Deals shown in a risk list: a phone screen. */
export const RISKS_SHOWN = 5;

/** The ranked risk list of a team (`/team`, the digest): the riskiest deals, each with one next step. */
export function riskListBlock(deals: readonly DealRisk[], opts: { stageLabel: (s: string) => string; limit?: number; showOwner?: boolean }): string {
  const risky = deals.filter((d) => d.flags.length > 0);
  if (risky.length === 0) return '**风险商机** 暂无';
  const limit = opts.limit ?? RISKS_SHOWN;
  const lines = risky.slice(0, limit).map((d, i) => {
    const head = [
      md(d.name),
      ...(opts.showOwner === false ? [] : [md(d.ownerName ?? '未分配')]),
      opts.stageLabel(d.stage),
      ...(d.amount === null ? [] : [formatAmount(d.amount)]),
    ];
    return `${i + 1}. ${head.join(' · ')}\n${d.flags.map((f) => md(f.evidence)).join('；')}\n→ ${d.nextAction}`;
  });
  const more = risky.length > limit ? `（共 ${risky.length} 个，显示前 ${limit} 个）` : '';
  return [`**风险商机**${more}`, ...lines].join('\n');
}

/** One deal's risks for `/deal`: every flag with its evidence, then the next step. */
export function dealRiskBlock(d: DealRisk, stageLabel: (s: string) => string): string {
  const stay = `在「${stageLabel(d.stage)}」${Math.floor(d.daysInStage)} 天`;
  if (d.flags.length === 0) return `**风险** 暂无风险信号（${stay}）`;
  return [`**风险**（${stay}）`, ...d.flags.map((f) => `- ${md(f.evidence)}`), `→ 建议：${d.nextAction}`].join('\n');
}

/** The strongest breakpoint with enough deals, as one line; null when none has. */
export function topBreakpointLine(r: BreakpointReport): string | null {
  let best: { label: string; outcome: string; c: Comparison } | null = null;
  for (const b of r.behaviours) {
    for (const [outcome, c] of [
      ['赢单', b.win],
      ['推进到下一阶段', b.advance],
    ] as const) {
      if (strength(c) > 0 && (best === null || strength(c) > strength(best.c))) best = { label: b.label, outcome, c };
    }
  }
  if (!best) return null;
  const { c } = best;
  const d = c.difference;
  return `${best.label}：${best.outcome} ${pct(c.with.rate ?? 0)} vs ${pct(c.without.rate ?? 0)}（n=${c.with.n}/${c.without.n}，差 ${points(d.diff ?? 0)} 个百分点，95%区间 ${points(d.low)}~${points(d.high)}）`;
}

/** One team's part of the weekly digest: last week in a line, then its risks. */
export interface DigestTeam {
  teamName: string;
  /** Last week's totals, in a line. */
  week: string;
  risks: readonly DealRisk[];
}

/**
 * The weekly digest: per team, last week in one line and the riskiest open deals with their next
 * step; then the behaviour that goes with winning most clearly in the manager's teams. The full
 * figures stay one command away (`/team 上周`, `/breakpoints`).
 */
export function renderDigest(
  teams: readonly DigestTeam[],
  top: string | null,
  opts: { title: string; range: string; stageLabel: (s: string) => string; minDeals: number; decay?: string },
): OutboundMessage {
  const blocks = [opts.range];
  for (const t of teams) {
    blocks.push(`**${md(t.teamName)}** ${t.week}`);
    blocks.push(riskListBlock(t.risks, { stageLabel: opts.stageLabel, limit: 3 }));
  }
  blocks.push(top ? `**关键行为**\n${top}` : `**关键行为** 样本不足：每侧至少 ${opts.minDeals} 个满期商机才给出比率`);
  if (opts.decay) blocks.push(opts.decay);
  blocks.push(`详情：\`/team 上周\` · \`/breakpoints\`${opts.decay ? ' · `/atoms`' : ''} · \`/deal 客户名\``);
  return { type: 'markdown', title: opts.title, text: blocks.join('\n\n') };
}
