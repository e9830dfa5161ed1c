/**
 * What a rep reads: a nudge card (why, the hint, the best talk-track with its evidence and risk)
 * and the `/kb` answer. Chinese, short enough for a phone screen.
 */
import { feedbackButtons } from '../../core/feedback.ts';
import type { OutboundMessage } from '../../core/types.ts';
import type { Atom } from '../playbook/schema.ts';
import { UNNAMED_DEAL } from '../loop/ingest.ts';

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** Values for the talk-tracks' placeholders: {客户}, {称呼}, {竞品}. Unknown ones stay as written. */
export interface TrackVars {
  customer?: string | null;
  contact?: string | null;
  competitor?: string | null;
}

/** Fills a talk-track's placeholders with what is known, so the rep can send it almost as is. */
export function fillTrack(track: string, vars: TrackVars): string {
  // With no name known: an opening "{称呼}，" greets with 您好, anywhere else it is the plain 您
  // ("{称呼}好" → 您好, "谢谢{称呼}" → 谢谢您).
  const named = vars.contact ? track : track.replace(/^\{称呼\}，/, '您好，');
  return named
    .replaceAll('{客户}', vars.customer || '贵司')
    .replaceAll('{称呼}', vars.contact || '您')
    .replaceAll('{竞品}', vars.competitor || '对方');
}

/** The customer's short name: a deal called "华东医疗 · HIS 升级" is 华东医疗; an unnamed deal has none. */
export const customerOf = (dealName: string | null): string | null =>
  dealName && !dealName.startsWith(UNNAMED_DEAL) ? dealName.split(/\s*[·|｜-]\s*/)[0]?.trim() || null : null;

export function renderNudge(n: {
  nudgeId: string;
  title: string;
  hint: string;
  dealName: string | null;
  evidenceText: string | null;
  atoms: Atom[];
  vars?: TrackVars;
}): OutboundMessage {
  const vars: TrackVars = { customer: customerOf(n.dealName), ...n.vars };
  const lines: string[] = [];
  if (n.dealName) lines.push(`**商机**：${n.dealName}`);
  if (n.evidenceText) lines.push(`**客户原话**：「${clip(n.evidenceText, 80)}」`);
  lines.push(`**建议**：${n.hint}`);
  const [first, ...others] = n.atoms;
  if (first) {
    lines.push('', `**话术 · ${first.title}**`);
    for (const [i, t] of first.talkTracks.slice(0, 2).entries()) lines.push(`${i + 1}. ${fillTrack(t, vars)}`);
    if (first.evidence[0]) lines.push(`**证据**：${first.evidence[0].title}：${first.evidence[0].detail}`);
    if (first.risks[0]) lines.push(`**注意**：${first.risks[0]}`);
  }
  for (const a of others) lines.push(`**也可参考**：${a.title}（/kb ${a.topic}）`);
  return { type: 'card', title: `💡 ${n.title}`, text: lines.join('\n'), buttons: feedbackButtons(n.nudgeId) };
}

export function renderKbAnswer(query: string, atoms: Atom[]): OutboundMessage {
  if (atoms.length === 0) {
    return { type: 'markdown', title: `知识库 · ${query}`, text: `没有找到和「${query}」相关的话术。可以试试：价格异议、竞品、决策人、演示跟进。` };
  }
  const blocks = atoms.map((a) => {
    const lines = [`**${a.title}**`, ...a.talkTracks.slice(0, 2).map((t, i) => `${i + 1}. ${t}`)];
    if (a.evidence[0]) lines.push(`证据：${a.evidence[0].title}：${a.evidence[0].detail}`);
    if (a.risks[0]) lines.push(`注意：${a.risks[0]}`);
    return lines.join('\n');
  });
  return { type: 'markdown', title: `知识库 · ${query}`, text: blocks.join('\n\n') };
}
