/**
 * The org directory file (ORG_FILE): teams and people with their user id on each platform.
 * Loading it upserts the directory; people no longer listed are deactivated, never deleted, so
 * their messages, deals and nudges stay attributable.
 */
import { readFile } from 'node:fs/promises';
import { eq, notInArray, sql } from 'drizzle-orm';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { AppError } from '../../core/errors.ts';
import { PLATFORMS } from '../../core/types.ts';
import type { Db } from '../../db/client.ts';
import { identities, people, teams } from '../../db/schema/index.ts';

const idSchema = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'ids are letters, digits, _ . - (max 64)');

export const orgFileSchema = z
  .object({
    teams: z.array(z.object({ id: idSchema, name: z.string().min(1) })).default([]),
    people: z.array(
      z.object({
        id: idSchema,
        name: z.string().min(1),
        role: z.enum(['rep', 'manager', 'admin']),
        team: idSchema.optional(),
        manages: z.array(idSchema).default([]),
        ids: z.partialRecord(z.enum(PLATFORMS), z.coerce.string().min(1)).default({}),
      }),
    ),
  })
  .superRefine((org, ctx) => {
    const teamIds = new Set(org.teams.map((t) => t.id));
    const seen = new Set<string>();
    const platformIds = new Map<string, string>();
    org.people.forEach((p, i) => {
      if (seen.has(p.id)) ctx.addIssue({ code: 'custom', path: ['people', i, 'id'], message: `duplicate person id ${p.id}` });
      seen.add(p.id);
      for (const t of [p.team, ...p.manages]) {
        if (t && !teamIds.has(t)) ctx.addIssue({ code: 'custom', path: ['people', i], message: `unknown team ${t}` });
      }
      for (const [platform, userId] of Object.entries(p.ids)) {
        const key = `${platform}:${userId}`;
        const other = platformIds.get(key);
        if (other) ctx.addIssue({ code: 'custom', path: ['people', i, 'ids', platform], message: `${key} is also ${other}` });
        platformIds.set(key, p.id);
      }
    });
  });

export type OrgFile = z.infer<typeof orgFileSchema>;

export async function readOrgFile(path: string): Promise<OrgFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new AppError('CONFIG_INVALID', `ORG_FILE: cannot read ${path}`, { cause: err });
  }
  const parsed = orgFileSchema.safeParse(parseYaml(text));
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new AppError('CONFIG_INVALID', `ORG_FILE ${path} is invalid:\n  ${lines.join('\n  ')}`);
  }
  return parsed.data;
}

/** Makes the directory tables match the file, in one transaction. */
export async function syncOrg(db: Db, org: OrgFile): Promise<{ people: number; teams: number }> {
  const now = new Date();
  await db.transaction(async (tx) => {
    for (const t of org.teams) {
      await tx
        .insert(teams)
        .values({ id: t.id, name: t.name, updatedAt: now })
        .onConflictDoUpdate({
          target: teams.id,
          set: { name: t.name, updatedAt: now },
        });
    }
    for (const p of org.people) {
      const row = { name: p.name, role: p.role, teamId: p.team ?? null, manages: p.manages, active: true, updatedAt: now };
      await tx
        .insert(people)
        .values({ id: p.id, ...row })
        .onConflictDoUpdate({ target: people.id, set: row });
      // A person's platform ids are replaced wholesale: an id moved to someone else must not linger.
      await tx.delete(identities).where(eq(identities.personId, p.id));
      const ids = Object.entries(p.ids).map(([platform, userId]) => ({ platform, userId, personId: p.id }));
      if (ids.length > 0) {
        await tx
          .insert(identities)
          .values(ids)
          .onConflictDoUpdate({ target: [identities.platform, identities.userId], set: { personId: sql`excluded.person_id` } });
      }
    }
    const listed = org.people.map((p) => p.id);
    await tx
      .update(people)
      .set({ active: false, updatedAt: now })
      .where(listed.length > 0 ? notInArray(people.id, listed) : sql`true`);
  });
  return { people: org.people.length, teams: org.teams.length };
}
