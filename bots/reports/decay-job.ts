/**
 * The monthly knowledge decay report: on the 1st at 09:00 (organisation time), each active
 * manager gets the atoms their teams' reps stopped using (under 15% for two months running), and
 * each atom's owner (`owner:` in the atom) gets those of their atoms, over every team. Nothing is
 * sent to someone with nothing decaying; at most once a month per person however often it runs.
 */
import { z } from 'zod';
import { newId } from '../../core/ids.ts';
import { deliveries } from '../../db/schema/index.ts';
import { defineJob, type JobHandler, type JobRunner } from '../../jobs/define.ts';
import { privateChannel } from '../coaching/nudges.ts';
import { DECAY_MONTHS, decayingAtoms, lastMonths } from './atom-decay.ts';
import { atomScope, decayBlock, decayLine } from './atoms-answer.ts';
import type { DigestDeps } from './digest-job.ts';

export const atomDecayJob = defineJob({
  name: 'atom-decay',
  queue: 'reports',
  schema: z.object({ personId: z.string().min(1).max(64) }).strict(),
  attempts: 3,
  backoffMs: 60_000,
});

/** The 1st of the month at 09:00. */
export const DECAY_CRON = '0 9 1 * *';

/** Who gets the report: active managers and the active owners of atoms. */
export function decayRecipients(catalog: DigestDeps['catalog']['current']): string[] {
  const ids = new Set<string>();
  for (const p of catalog.people) if (p.active && p.role === 'manager') ids.add(p.id);
  for (const a of catalog.atoms.values()) if (a.owner && catalog.person(a.owner)?.active) ids.add(a.owner);
  return [...ids].sort();
}

export async function scheduleDecayReports(runner: JobRunner, deps: Pick<DigestDeps, 'catalog' | 'config'>): Promise<void> {
  const ids: string[] = [];
  for (const personId of decayRecipients(deps.catalog.current)) {
    const id = `atom-decay-${personId}`;
    ids.push(id);
    await runner.schedule(id, atomDecayJob, { cron: DECAY_CRON, timeZone: deps.config.TIMEZONE }, { personId });
  }
  await runner.unscheduleExcept('atom-decay-', ids);
}

export function atomDecayHandler(deps: DigestDeps): JobHandler<{ personId: string }> {
  return async ({ personId }) => {
    const row = await createDecayReport(deps, personId);
    if (row) await deps.dispatch([row]);
  };
}

/** Builds the report and its delivery; null when there is nothing to say or it went out this month. */
export async function createDecayReport(deps: DigestDeps, personId: string): Promise<{ id: string; platform: string } | null> {
  const catalog = deps.catalog.current;
  const person = catalog.person(personId);
  if (!person?.active) return null;
  const { db } = deps.database;
  const now = deps.clock.now();
  const timeZone = deps.config.TIMEZONE;
  const blocks: string[] = [];
  if (person.role === 'manager' || person.role === 'admin') {
    const team = await decayingAtoms(db, { scope: await atomScope(db, catalog, person), now, timeZone });
    if (team.length > 0) blocks.push(decayBlock(catalog, team, 10));
  }
  const owned = [...catalog.atoms.values()].filter((a) => a.owner === person.id).map((a) => a.id);
  if (owned.length > 0) {
    const all = await decayingAtoms(db, { scope: { all: true }, now, timeZone });
    const mine = all.filter((d) => owned.includes(d.atomId));
    if (mine.length > 0) blocks.push(['**你维护的话术**（全部团队）', ...mine.map((d) => `- ${decayLine(catalog, d)}`)].join('\n'));
  }
  if (blocks.length === 0) return null;
  const platform = privateChannel(catalog, deps.sendPlatforms, person.id, deps.sendPlatforms[0] ?? 'local');
  if (!platform) return null;
  const months = lastMonths(now, timeZone, DECAY_MONTHS);
  blocks.push('可能的原因：话术不贴合场景、触发条件太宽、销售不知道怎么用。详情：`/atoms 衰减`');
  const [inserted] = await db
    .insert(deliveries)
    .values({
      id: newId(),
      idempotencyKey: `atom-decay-${person.id}-${months.at(-1)!.label}`,
      platform,
      to: { personId: person.id },
      message: { type: 'markdown', title: `话术衰减月报 · ${months.map((m) => m.label).join('、')}`, text: blocks.join('\n\n') },
      status: 'pending',
      createdAt: now,
    })
    .onConflictDoNothing({ target: deliveries.idempotencyKey })
    .returning({ id: deliveries.id, platform: deliveries.platform });
  return inserted ?? null;
}
