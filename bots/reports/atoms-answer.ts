/**
 * `/atoms [衰减]`: the knowledge loop per atom and the decay list, within what the asker may see.
 * A manager reads their teams' reps, an admin everyone; a rep reads their own use of the atoms
 * pushed to them (how the team uses them is the manager's to read) and is refused the decay list,
 * which is a team measure.
 */
import type { OutboundMessage } from '../../core/types.ts';
import type { Db } from '../../db/client.ts';
import type { Catalog, Person } from '../catalog/catalog.ts';
import { winningPath } from '../deals/stages.ts';
import { resolveVisibleTeamIds, visibleTeamIds } from './access.ts';
import { DECAY_RATE, type DecayingAtom, decayingAtoms } from './atom-decay.ts';
import { type AtomFunnelRow, atomFunnel, type PersonScope } from './atom-funnel.ts';
import { pct } from './render-insights.ts';

/** Atoms listed in the loop: a phone screen. */
export const ATOMS_SHOWN = 8;

const md = (s: string) => s.replace(/[*_`[\]<>#~|]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));

/** The people whose atom events a viewer may read; null for a rep (their own only) handled by the caller. */
export async function atomScope(db: Db, catalog: Catalog, viewer: Person): Promise<PersonScope> {
  if (viewer.role === 'rep' || !viewer.active) return { personIds: viewer.active ? [viewer.id] : [] };
  if (visibleTeamIds(viewer) === 'all') return { all: true };
  const teams = new Set(await resolveVisibleTeamIds(db, viewer));
  return { personIds: [...catalog.people].filter((p) => p.teamId !== null && teams.has(p.teamId)).map((p) => p.id) };
}

const title = (catalog: Catalog, id: string) => md(catalog.atoms.get(id)?.title ?? id);

/** `**标题** 推送 40 次（12 人）→ 采用 10 → 有用 6 / 没用 2 → 7 天内推进 9 → 赢单 4`. */
export function funnelLine(catalog: Catalog, r: AtomFunnelRow): string {
  return `**${title(catalog, r.atomId)}** 推送 ${r.pushed} 次（${r.pushedReps} 人）→ 采用 ${r.used} → 有用 ${r.useful} / 没用 ${r.notUseful} → 7天内推进 ${r.advanced} → 赢单 ${r.won}`;
}

/** `标题（维护人 张三）：2026-09 1/12 人采用（8.3%） · 2026-10 0/10（0.0%）`. */
export function decayLine(catalog: Catalog, d: DecayingAtom): string {
  const owner = catalog.atoms.get(d.atomId)?.owner;
  const ownerName = owner ? (catalog.person(owner)?.name ?? owner) : null;
  const months = d.months.map((m) => `${m.month} ${m.usedReps}/${m.pushedReps} 人采用（${pct(m.rate ?? 0)}）`).join(' · ');
  return `${title(catalog, d.atomId)}${ownerName ? `（维护人 ${md(ownerName)}）` : ''}：${months}`;
}

/** The decay block of a report or digest. */
export function decayBlock(catalog: Catalog, list: readonly DecayingAtom[], limit = 5): string {
  if (list.length === 0) return `**话术衰减** 暂无：没有连续两个月采用率低于 ${Math.round(DECAY_RATE * 100)}% 的话术`;
  const more = list.length > limit ? `（共 ${list.length} 条，显示前 ${limit} 条）` : '';
  return [
    `**话术衰减**${more}（连续两个月采用率低于 ${Math.round(DECAY_RATE * 100)}%）`,
    ...list.slice(0, limit).map((d) => `- ${decayLine(catalog, d)}`),
  ].join('\n');
}

export async function answerAtoms(
  a: { tx: Db; catalog: Catalog; person: Person; now: Date; timeZone: string },
  view: string | undefined,
): Promise<OutboundMessage> {
  const { tx, catalog, person } = a;
  const decayOnly = view !== undefined && /^(衰减|decay)$/i.test(view.trim());
  if (view !== undefined && view.trim() !== '' && !decayOnly) return { type: 'markdown', title: '知识闭环', text: '用法：`/atoms` 或 `/atoms 衰减`' };
  if (!person.active) return { type: 'markdown', title: '知识闭环', text: '知识闭环只对在职的销售和经理开放。' };
  const scope = await atomScope(tx, catalog, person);
  if (person.role === 'rep' && decayOnly) {
    return { type: 'markdown', title: '话术衰减', text: '话术衰减报告只对销售经理开放。你自己的话术使用情况：`/atoms`' };
  }
  const blocks: string[] = [];
  if (!decayOnly) {
    const rows = await atomFunnel(tx, { scope, stages: winningPath(catalog.playbook.funnel) });
    if (person.role === 'rep') blocks.push('只统计推送给你的话术和你的采用。');
    const shown = rows.slice(0, ATOMS_SHOWN).map((r) => funnelLine(catalog, r));
    const more = rows.length > ATOMS_SHOWN ? `（共 ${rows.length} 条，显示推送最多的 ${ATOMS_SHOWN} 条）` : '';
    blocks.push(shown.length > 0 ? [`**知识闭环**${more}`, ...shown].join('\n') : '**知识闭环** 还没有推送过话术');
  }
  if (person.role !== 'rep') blocks.push(decayBlock(catalog, await decayingAtoms(tx, { scope, now: a.now, timeZone: a.timeZone })));
  blocks.push('采用：推送后7天内在同一商机里说了话术的要点；有用/没用：对提醒的反馈；推进、赢单：推送后该商机的结果。');
  return { type: 'markdown', title: decayOnly ? '话术衰减' : '知识闭环', text: blocks.join('\n\n') };
}
