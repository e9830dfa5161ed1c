/**
 * The org directory file (ORG_FILE): teams and people with their user id on each platform,
 * validated as a whole (unknown teams, duplicate ids and one platform id for two people are errors).
 */
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { AppError } from '../../core/errors.ts';
import { PLATFORMS } from '../../core/types.ts';

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
