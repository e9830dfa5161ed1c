/**
 * Answers a command written to the bot in a 1:1 chat, from the database, within what the asker
 * may see: a manager their teams, a rep themselves. The answer is a delivery to the asker's chat.
 */
import { AppError } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import type { OutboundMessage, Platform } from '../../core/types.ts';
import type { Db } from '../../db/client.ts';
import { personById, type Person } from '../../db/queries/directory.ts';
import { atomEvents, type conversations, deliveries, type messages } from '../../db/schema/index.ts';
import { renderKbAnswer } from '../coach/render.ts';
import { searchAtoms } from '../coach/atoms.ts';
import type { LoopContext } from '../loop/context.ts';
import { canSeeDeal, canSeeRep, dealScope, resolveVisibleTeamIds, visibleTeamIds } from '../reports/access.ts';
import { dealTimeline, findOpportunities } from '../reports/deal.ts';
import { funnel } from '../reports/funnel.ts';
import { parsePeriod } from '../reports/period.ts';
import { renderDealMatches, renderDealTimeline, renderFunnel, renderRepSummary, renderTeamSummary } from '../reports/render.ts';
import { findPeople, repSummary } from '../reports/rep.ts';
import { teamSummary } from '../reports/team.ts';
import { winningPath } from '../playbook/stage-linker.ts';
import { HELP_TEXT, parseCommand, type Command } from './parse.ts';

type MessageRow = typeof messages.$inferSelect;
type ConversationRow = typeof conversations.$inferSelect;

const note = (title: string, text: string): OutboundMessage => ({ type: 'markdown', title, text });

/** Handles one direct message; returns the id of the reply's delivery, or null for no reply. */
export async function handleCommand(ctx: LoopContext, tx: Db, msg: MessageRow, conv: ConversationRow): Promise<string | null> {
  // Customers or strangers writing to the bot get no answer: the bot serves the sales team.
  const person = msg.personId ? await personById(tx, msg.personId) : null;
  if (!person?.active) return null;
  const cmd = parseCommand(msg.text);
  let reply: OutboundMessage;
  try {
    reply = cmd ? await answer(ctx, tx, person, cmd) : note('dealwise', HELP_TEXT);
  } catch (err) {
    if (!(err instanceof AppError) || err.code !== 'BAD_REQUEST') throw err;
    reply = note('没看懂这条命令', `${err.message}\n\n${HELP_TEXT}`);
  }
  const id = newId();
  await tx.insert(deliveries).values({
    id,
    idempotencyKey: `reply:${msg.id}`,
    platform: conv.platform as Platform,
    to: { personId: person.id },
    message: reply,
    status: 'pending',
    createdAt: ctx.clock.now(),
  });
  return id;
}

async function answer(ctx: LoopContext, tx: Db, person: Person, cmd: Command): Promise<OutboundMessage> {
  const now = ctx.clock.now();
  const tz = ctx.config.TIMEZONE;
  switch (cmd.name) {
    case 'help':
      return note('dealwise', HELP_TEXT);
    case 'kb': {
      const found = searchAtoms(ctx.playbook().atoms, cmd.query);
      if (found.length > 0) {
        await tx.insert(atomEvents).values(found.map((a) => ({ id: newId(), atomId: a.id, personId: person.id, kind: 'viewed' as const, at: now })));
      }
      return renderKbAnswer(cmd.query, found);
    }
    case 'team': {
      const visible = visibleTeamIds(person);
      if (visible !== 'all' && visible.length === 0) {
        return note('团队概览', '团队概览只对销售经理开放。想看自己的情况，可以发 `/rep` 查看个人概览。');
      }
      const period = parsePeriod(cmd.period, now, tz);
      const teamIds = await resolveVisibleTeamIds(tx, person);
      const summaries = await teamSummary(tx, { teamIds, from: period.from, to: period.to, now });
      if (summaries.length === 0) return note('团队概览', '没有可查看的团队。');
      const parts = summaries.map((s) => renderTeamSummary(s, period, { timeZone: tz }));
      return parts.length === 1
        ? parts[0]!
        : note(`团队概览 · ${period.label}`, parts.map((p) => (p.type === 'text' ? p.text : `**${p.title}**\n${p.text}`)).join('\n\n'));
    }
    case 'rep': {
      const period = parsePeriod(cmd.period, now, tz);
      let subject: { id: string; teamId: string | null } = person;
      if (cmd.who) {
        const scope = visibleTeamIds(person) === 'all' ? { all: true as const } : { teamIds: visibleTeamIds(person) as string[] };
        const found = person.role === 'rep' ? [person].filter((p) => p.name.includes(cmd.who)) : await findPeople(tx, cmd.who, scope);
        if (!found[0]) return note('销售概览', `没有找到你能查看的「${cmd.who}」。`);
        subject = found[0];
      }
      if (!canSeeRep(person, subject)) return note('销售概览', '只能查看自己或你管理的团队成员。');
      const s = await repSummary(tx, { personId: subject.id, from: period.from, to: period.to, now });
      return s ? renderRepSummary(s, period, { timeZone: tz }) : note('销售概览', '没有这位销售的数据。');
    }
    case 'deal': {
      if (!cmd.query) return note('商机', '请在 /deal 后面写商机名称，例如 `/deal 华东医疗`。');
      const matches = await findOpportunities(tx, cmd.query, dealScope(person));
      if (matches.length !== 1) return renderDealMatches(cmd.query, matches);
      const timeline = await dealTimeline(tx, matches[0]!.id);
      if (!timeline || !canSeeDeal(person, timeline.deal)) return renderDealMatches(cmd.query, []);
      return renderDealTimeline(timeline, { timeZone: tz });
    }
    case 'funnel': {
      const visible = visibleTeamIds(person);
      if (visible !== 'all' && visible.length === 0) return note('漏斗', '漏斗只对销售经理开放。');
      const period = parsePeriod(cmd.period, now, tz);
      const teamIds = await resolveVisibleTeamIds(tx, person);
      const f = await funnel(tx, { teamIds, from: period.from, to: period.to, stages: winningPath(ctx.playbook().funnel) });
      return renderFunnel(f, period, { timeZone: tz, scopeName: teamIds.length === 1 ? teamIds[0]! : '我的团队' });
    }
  }
}
