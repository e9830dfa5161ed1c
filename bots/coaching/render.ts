/**
 * What a rep reads: a nudge card (why, the hint, the best talk-track with its evidence and risk)
 * and the `/kb` answer. Chinese, short enough for a phone screen. A talk-track's placeholders are
 * filled from the deal or the track is not written: no `{…}` ever reaches a rep.
 */
import { nudgeCard } from '../../core/card-actions.ts';
import type { OutboundMessage } from '../../core/types.ts';
import type { Atom } from '../catalog/schema.ts';
import { evidenceText, type FiguresHolder } from '../reports/figures.ts';

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** Values for the talk-tracks' placeholders: {客户}, {称呼}, {竞品}, {销售}. */
export interface TrackVars {
  customer?: string | null;
  contact?: string | null;
  competitor?: string | null;
  rep?: string | null;
}

/**
 * A talk-track with its placeholders filled, or null when one cannot be: with nothing better
 * known {客户} is 贵司, {称呼} 您 (an opening "{称呼}，" greets with 您好), {竞品} 对方; {销售}
 * needs the rep's name and any other placeholder is never guessed.
 */
export function fillTrack(track: string, vars: TrackVars): string | null {
  const named = vars.contact ? track : track.replace(/^\{称呼\}，/, '您好，');
  let out = named
    .replaceAll('{客户}', vars.customer || '贵司')
    .replaceAll('{称呼}', vars.contact || '您')
    .replaceAll('{竞品}', vars.competitor || '对方');
  if (vars.rep) out = out.replaceAll('{销售}', vars.rep);
  return /[{}]/.test(out) ? null : out;
}

/** The customer's short name: a deal called "华东医疗 · HIS 升级" is 华东医疗. */
export const customerOf = (dealName: string | null): string | null => (dealName ? dealName.split(/\s*[·|｜-]\s*/)[0]?.trim() || null : null);

export interface Evidence {
  text: string;
  /** Who said it, or 客户阅读 for what the customer read in a tracked document. */
  label: '客户原话' | '你的原话' | '销售原话' | '客户阅读' | '售后事件';
}

export interface NudgeView {
  /** The app's computed figures for atom evidence tied to a behaviour; without them the written one (示例). */
  figures?: FiguresHolder;
  nudgeId: string;
  title: string;
  hint: string;
  dealName: string | null;
  /** The message that set the nudge off, labelled by who wrote it (客户原话, 你的原话, 销售原话). */
  evidence: Evidence | null;
  atoms: Atom[];
  vars?: TrackVars;
  /** A question for the rep (the deal's name when it has none), answered by replying. */
  ask?: string;
  /** A figure the team's own data gives for this behaviour, when there is one. */
  figure?: string;
}

export function renderNudge(n: NudgeView): OutboundMessage {
  const vars: TrackVars = { customer: customerOf(n.dealName), ...n.vars };
  const lines: string[] = [];
  if (n.dealName) lines.push(`**商机**：${n.dealName}`);
  if (n.evidence?.text) lines.push(`**${n.evidence.label}**：「${clip(n.evidence.text, 80)}」`);
  lines.push(`**建议**：${fillHint(n.hint, vars)}`);
  if (n.figure) lines.push(`**数据**：${n.figure}`);
  const [first, ...others] = n.atoms;
  if (first) {
    const tracks = first.talkTracks.map((t) => fillTrack(t, vars)).filter((t): t is string => t !== null);
    lines.push('', `**话术 · ${first.title}**`);
    for (const [i, t] of tracks.slice(0, 2).entries()) lines.push(`${i + 1}. ${t}`);
    if (first.evidence[0]) lines.push(`**证据**：${evidenceText(first.evidence[0], n.figures)}`);
    if (first.risks[0]) lines.push(`**注意**：${first.risks[0]}`);
    // The rep's own /share makes the tracked link for this deal's customer chat.
    if (first.material) {
      const cmd = `/share ${first.material}${vars.customer ? ` ${vars.customer}` : ''}`;
      lines.push(`**资料**：「${first.material}」可发给客户：私聊我发送 \`${cmd}\`，得到这位客户的跟踪链接。`);
    }
  }
  for (const a of others) lines.push(`**也可参考**：${a.title}（/kb ${a.topic}）`);
  if (n.ask) lines.push('', `❓ ${n.ask}`);
  return nudgeCard({ id: n.nudgeId, title: `💡 ${n.title}`, body: lines.join('\n') });
}

/** A hint may name the customer; anything it cannot fill is dropped rather than shown raw. */
function fillHint(hint: string, vars: TrackVars): string {
  return hint.replaceAll('{客户}', vars.customer || '客户').replace(/\{[^}]*\}/g, '');
}

export function renderKbAnswer(query: string, atoms: Atom[], figures?: FiguresHolder): OutboundMessage {
  if (atoms.length === 0) {
    return { type: 'markdown', title: `知识库 · ${query}`, text: `没有找到和「${query}」相关的话术。可以试试：价格异议、竞品、决策人、数据安全、付款方式。` };
  }
  const blocks = atoms.map((a) => {
    const tracks = a.talkTracks.map((t) => fillTrack(t, {})).filter((t): t is string => t !== null);
    const lines = [`**${a.title}**`, ...tracks.slice(0, 2).map((t, i) => `${i + 1}. ${t}`)];
    if (a.evidence[0]) lines.push(`证据：${evidenceText(a.evidence[0], figures)}`);
    if (a.risks[0]) lines.push(`注意：${a.risks[0]}`);
    return lines.join('\n');
  });
  return { type: 'markdown', title: `知识库 · ${query}`, text: blocks.join('\n\n') };
}
