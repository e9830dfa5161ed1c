/**
 * `/breakpoints 归因` as Chinese markdown for a phone: the behaviours ranked by lift with their
 * interval and n (「样本不足，n=…」 below the floor), then what the best reps do differently (a
 * manager) or nothing more (a rep reads their own deals only).
 */
import type { OutboundMessage } from '../../core/types.ts';
import type { AttributionReport, Lift } from './attribution.ts';
import { pct } from './render-insights.ts';

const md = (s: string) => s.replace(/[*_`[\]<>#~|]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));

/** `×1.88（1.61–2.19）`. */
export function liftText(l: Lift): string {
  const r = l.lift;
  const high = Number.isFinite(r.high) ? r.high.toFixed(2) : '∞';
  return `×${(r.ratio ?? 0).toFixed(2)}（${r.low.toFixed(2)}–${high}）`;
}

/** One ranked line: the lift with both rates and their n, or 样本不足 with both n. */
export function liftLine(l: Lift): string {
  if (!l.enough || l.lift.ratio === null) return `${l.label}：样本不足，n=${l.with.n}（做到）/${l.without.n}（未做到）`;
  return `${l.label}：${liftText(l)}，推进率 ${pct(l.with.rate ?? 0)} vs ${pct(l.without.rate ?? 0)}（n=${l.with.n}/${l.without.n}）`;
}

export function renderAttribution(
  r: AttributionReport,
  opts: { title: string; scopeNote?: string; teamName?: (id: string) => string; showReps: boolean },
): OutboundMessage {
  const blocks: string[] = [];
  if (opts.scopeNote) blocks.push(opts.scopeNote);
  blocks.push(['**推进前做了什么**（提升倍数 = 做到时的推进率 ÷ 没做到时）', ...r.behaviours.map((l, i) => `${i + 1}. ${liftLine(l)}`)].join('\n'));
  if (r.teams.length > 1 && opts.teamName) {
    const lines = r.teams.map((t) => {
      const top = t.behaviours[0];
      return `${md(opts.teamName!(t.teamId))}：${top?.enough && top.lift.ratio !== null ? `${top.label} ${liftText(top)}` : '样本不足'}`;
    });
    blocks.push(['**各团队提升最大的行为**', ...lines].join('\n'));
  }
  if (opts.showReps && r.best) {
    const who = r.best.reps.map((x) => `${md(x.ownerName)} ${pct(x.advance.rate ?? 0)}`).join('、');
    const diffs = r.best.behaviours
      .filter((b) => b.difference !== null && b.best.n > 0 && b.rest.n > 0)
      .slice(0, 3)
      .map((b) => `${b.label}：他们 ${pct(b.best.rate ?? 0)}（${b.best.k}/${b.best.n}） vs 其他人 ${pct(b.rest.rate ?? 0)}（${b.rest.k}/${b.rest.n}）`);
    if (diffs.length > 0) blocks.push([`**推进率最高的销售做得不同的**（${who}）`, ...diffs].join('\n'));
  }
  blocks.push(`推进按发生后${r.advanceDays}天内计；区间为 95%（Katz 对数法）；两边各至少${r.minDeals}个商机才给出倍数。`);
  return { type: 'markdown', title: opts.title, text: blocks.join('\n\n') };
}
