/**
 * The analytics commands' answers, within what the asker may see: `/breakpoints` over a manager's
 * teams (an admin's: every team), or over a rep's own deals only.
 */
import type { Config } from '../../core/config.ts';
import type { OutboundMessage } from '../../core/types.ts';
import type { Db } from '../../db/client.ts';
import type { Catalog, Person } from '../catalog/catalog.ts';
import { winningPath } from '../deals/stages.ts';
import { dealScope, visibleTeamIds } from './access.ts';
import { breakpoints } from './breakpoints.ts';
import { parsePeriod } from './period.ts';
import { renderBreakpoints } from './render-insights.ts';

export interface InsightContext {
  tx: Db;
  catalog: Catalog;
  config: Config;
  person: Person;
  now: Date;
}

/** `/breakpoints [本季度]`: no period means the whole history (breakpoints need many deals). */
export async function answerBreakpoints(a: InsightContext, periodArg: string | undefined): Promise<OutboundMessage> {
  const { person, catalog } = a;
  const visible = visibleTeamIds(person);
  if (!person.active || (person.role !== 'rep' && visible !== 'all' && visible.length === 0)) {
    return { type: 'markdown', title: '行为断点', text: '行为断点只对销售经理和销售本人开放。' };
  }
  const period = periodArg ? parsePeriod(periodArg, a.now, a.config.TIMEZONE) : null;
  const label = period?.label ?? '全部历史';
  const mine = person.role === 'rep';
  const scopeName = mine ? '我的' : visible === 'all' ? '全部团队' : visible.length === 1 ? (catalog.teams.get(visible[0]!)?.name ?? visible[0]!) : '我的团队';
  const report = await breakpoints(a.tx, {
    scope: dealScope(person),
    ...(period ? { from: period.from, to: period.to } : {}),
    now: a.now,
    timeZone: a.config.TIMEZONE,
    stages: winningPath(catalog.playbook.funnel),
    rules: catalog.playbook.rules,
    minDeals: a.config.BREAKPOINT_MIN_DEALS,
  });
  return renderBreakpoints(report, {
    title: `${scopeName} · ${label}行为断点`,
    ...(mine ? { scopeNote: '只统计你负责的商机；团队的数字请问你的经理。' } : {}),
  });
}
