/**
 * Answers to the bot's commands, from the database, within what the asker may see: a manager
 * their teams, a rep themselves and their own deals, an admin everything.
 */
import { newId } from '../../core/ids.ts';
import type { OutboundMessage, Platform } from '../../core/types.ts';
import type { Config } from '../../core/config.ts';
import type { WorkingHours } from '../../core/zoned-time.ts';
import type { Db } from '../../db/client.ts';
import { atomEvents } from '../../db/schema/index.ts';
import type { Person } from '../catalog/catalog.ts';
import type { CatalogHolder } from '../catalog/watch.ts';
import { searchAtoms } from '../coaching/atoms.ts';
import { renderKbAnswer } from '../coaching/render.ts';
import { consoleBaseUrl, createConsoleLink } from '../console/links.ts';
import { correctDeal } from '../deals/corrections.ts';
import type { DocumentStorage } from '../documents/storage.ts';
import { dealTruthBlock } from '../deals/truth-lines.ts';
import { winningPath } from '../deals/stages.ts';
import { canSeeDeal, canSeeRep, dealScope, resolveVisibleTeamIds, visibleTeamIds } from '../reports/access.ts';
import { dealTimeline, findOpportunities } from '../reports/deal.ts';
import { answerForecast } from '../reports/forecast-answer.ts';
import { funnel } from '../reports/funnel.ts';
import { answerAtoms } from '../reports/atoms-answer.ts';
import { answerBreakpoints, dealRisksText, repRiskBlock, teamRiskBlock, withBlock } from '../reports/insights.ts';
import { parsePeriod, periodLikeTail, unknownPeriod } from '../reports/period.ts';
import { formatAmount, renderDealMatches, renderDealTimeline, renderFunnel, renderRepSummary, renderTeamSummary } from '../reports/render.ts';
import { dealReadingBlock, documentsAnswer } from '../reports/reading.ts';
import { dealValueBlock } from '../reports/value-block.ts';
import { findPeople, repSummary } from '../reports/rep.ts';
import { teamSummary } from '../reports/team.ts';
import { HELP_TEXT, type Command } from './parse.ts';
import { answerShare } from './share.ts';

export const note = (title: string, text: string): OutboundMessage => ({ type: 'markdown', title, text });

export interface AnswerContext {
  tx: Db;
  catalog: CatalogHolder;
  config: Config;
  person: Person;
  platform: Platform;
  now: Date;
  /** Where shared files are kept and where customers open links (`/share`). */
  documents: { storage: DocumentStorage; publicUrl: string };
  wh: WorkingHours;
}

export async function answerCommand(a: AnswerContext, cmd: Command): Promise<OutboundMessage> {
  const { tx, person, now } = a;
  const tz = a.config.TIMEZONE;
  const catalog = a.catalog.current;
  const view = { timeZone: tz, stageLabel: (s: string) => catalog.stageLabel(s) };
  switch (cmd.name) {
    case 'help':
      return note('dealwise', HELP_TEXT);
    case 'kb': {
      // A search for nothing finds nothing and says so with an empty 「」: say how to ask instead.
      if (!cmd.query) return note('知识库', '请在 /kb 后面写想查的话题，例如 `/kb 价格异议`。也可以试试：竞品、决策人、数据安全、付款方式。');
      const found = searchAtoms(catalog, cmd.query);
      if (found.length > 0) {
        await tx.insert(atomEvents).values(found.map((atom) => ({ id: newId(), atomId: atom.id, personId: person.id, kind: 'viewed' as const, at: now })));
      }
      return renderKbAnswer(cmd.query, found, catalog.figures);
    }
    case 'team': {
      const visible = visibleTeamIds(person);
      if (visible !== 'all' && visible.length === 0) {
        return note('团队概览', '团队概览只对销售经理开放。想看自己的情况，可以发 `/rep` 查看个人概览。');
      }
      const period = parsePeriod(cmd.period, now, tz);
      const teamIds = await resolveVisibleTeamIds(tx, person);
      const summaries = await teamSummary(tx, { teamIds, from: period.from, to: period.to, now, funnel: catalog.playbook.funnel });
      if (summaries.length === 0) return note('团队概览', '没有可查看的团队。');
      const parts = summaries.map((s) => renderTeamSummary(s, period, view));
      const risks = await teamRiskBlock({ tx, catalog, config: a.config, now }, teamIds);
      return withBlock(
        parts.length === 1
          ? parts[0]!
          : note(`团队概览 · ${period.label}`, parts.map((p) => (p.type === 'text' ? p.text : `**${p.title}**\n${p.text}`)).join('\n\n')),
        risks,
      );
    }
    case 'rep': {
      const period = parsePeriod(cmd.period, now, tz);
      let subject: { id: string; teamId: string | null } = person;
      if (cmd.who) {
        const scope = visibleTeamIds(person) === 'all' ? { all: true as const } : { teamIds: visibleTeamIds(person) as string[] };
        const found = person.role === 'rep' ? [person].filter((p) => p.name.includes(cmd.who)) : await findPeople(tx, cmd.who, scope);
        if (!found[0]) {
          // 「张三 去年」: nobody by that name, and its last word is a period; say which, as /team does.
          const tail = periodLikeTail(cmd.who);
          if (tail) throw unknownPeriod(tail);
          return note('销售概览', `没有找到你能查看的「${cmd.who}」。`);
        }
        subject = found[0];
      }
      if (!canSeeRep(person, subject)) return note('销售概览', '只能查看自己或你管理的团队成员。');
      const s = await repSummary(tx, { personId: subject.id, from: period.from, to: period.to, now, funnel: catalog.playbook.funnel });
      return s
        ? withBlock(renderRepSummary(s, period, view), await repRiskBlock({ tx, catalog, config: a.config, now }, subject.id))
        : note('销售概览', '没有这位销售的数据。');
    }
    case 'deal': {
      if (!cmd.query) return note('商机', '请在 /deal 后面写商机名称，例如 `/deal 华东医疗`。');
      const matches = await findOpportunities(tx, cmd.query, dealScope(person));
      if (matches.length !== 1) return renderDealMatches(cmd.query, matches, view);
      const timeline = await dealTimeline(tx, matches[0]!.id);
      if (!timeline || !canSeeDeal(person, timeline.deal)) return renderDealMatches(cmd.query, [], view);
      const shown = renderDealTimeline(timeline, view);
      const blocks = [
        await dealReadingBlock(tx, timeline.deal.id, tz),
        await dealTruthBlock(tx, catalog, timeline.deal.id, tz),
        await dealValueBlock(tx, timeline.deal.id, tz),
        await dealRisksText({ tx, catalog, config: a.config, now }, timeline.deal.id),
      ].filter((b): b is string => b !== null);
      return blocks.length > 0 && shown.type === 'markdown' ? { ...shown, text: [shown.text, ...blocks].join('\n\n') } : shown;
    }
    case 'share':
      return answerShare(a, cmd.query);
    case 'docs': {
      const visible = visibleTeamIds(person);
      const scope = visible === 'all' ? { all: true as const } : person.role === 'rep' ? { personId: person.id } : { teamIds: visible };
      const scopeName =
        visible === 'all' ? '全部' : person.role === 'rep' ? '我分享的' : visible.map((id) => catalog.teams.get(id)?.name ?? id).join('、') || '我的团队';
      return documentsAnswer(tx, { scope, text: cmd.query, scopeName });
    }
    case 'correct': {
      const matches = await findOpportunities(tx, cmd.query, dealScope(person));
      if (matches.length !== 1) return renderDealMatches(cmd.query, matches, view);
      const r = await correctDeal(tx, catalog, { dealId: matches[0]!.id, by: person, via: `chat:${a.platform}`, field: cmd.field, value: cmd.value, at: now });
      if (!r.ok) return note('没有更正', r.reason);
      const show = (v: unknown) =>
        cmd.field === 'stage' && typeof v === 'string'
          ? catalog.stageLabel(v)
          : cmd.field === 'amount' && typeof v === 'number'
            ? formatAmount(v)
            : v === null || v === undefined
              ? '（空）'
              : String(v);
      return note('已更正', `「${r.dealName ?? matches[0]!.name}」的${FIELD_LABELS[cmd.field]}：${show(r.before)} → ${show(r.after)}。已记录更正人和时间。`);
    }
    case 'console': {
      const link = await createConsoleLink(tx, { personId: person.id, via: `chat:${a.platform}`, now, baseUrl: consoleBaseUrl(a.config) });
      return note('网页控制台', `[打开控制台](${link.url})\n\n链接 10 分钟内有效，只能使用一次，请勿转发。`);
    }
    case 'funnel': {
      const visible = visibleTeamIds(person);
      if (visible !== 'all' && visible.length === 0) return note('漏斗', '漏斗只对销售经理开放。');
      const period = parsePeriod(cmd.period, now, tz);
      const teamIds = await resolveVisibleTeamIds(tx, person);
      const f = await funnel(tx, { teamIds, from: period.from, to: period.to, stages: winningPath(catalog.playbook.funnel) });
      return renderFunnel(f, period, { ...view, scopeName: teamIds.length === 1 ? (catalog.teams.get(teamIds[0]!)?.name ?? teamIds[0]!) : '我的团队' });
    }
    case 'forecast':
      return answerForecast({ tx, catalog, person, now, timeZone: tz }, cmd.period, cmd.whatIf);
    case 'atoms':
      return answerAtoms({ tx, catalog, person, now, timeZone: tz }, cmd.view);
    case 'breakpoints':
      return answerBreakpoints({ tx, catalog, config: a.config, person, now }, cmd.period, cmd.view);
  }
}

const FIELD_LABELS = { stage: '阶段', amount: '金额', name: '名称', owner: '负责人' } as const;
