/**
 * What the local adapter sent (the demo's and the simulator's chat view): newest last, paginated
 * by a cursor, filterable by person.
 */
import { and, asc, eq, gt, or, sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { AppError } from '../../../core/errors.ts';
import { deliveries } from '../../../db/schema/index.ts';
import type { App } from '../../app.ts';

const query = z
  .object({
    personId: z.string().max(64).optional(),
    /** The `next` of the previous page. */
    after: z.string().max(200).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();

export function registerOutbox(v1: FastifyInstance, app: App): void {
  v1.get('/v1/outbox', async (req) => {
    const parsed = query.safeParse(req.query);
    if (!parsed.success) throw new AppError('BAD_REQUEST', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    const q = parsed.data;
    const cursor = q.after ? decodeCursor(q.after) : null;
    const rows = await app.database.db
      .select()
      .from(deliveries)
      .where(
        and(
          eq(deliveries.platform, 'local'),
          eq(deliveries.status, 'sent'),
          q.personId ? sql`${deliveries.to}->>'personId' = ${q.personId}` : undefined,
          cursor ? or(gt(deliveries.sentAt, cursor.at), and(eq(deliveries.sentAt, cursor.at), gt(deliveries.id, cursor.id))) : undefined,
        ),
      )
      .orderBy(asc(deliveries.sentAt), asc(deliveries.id))
      .limit(q.limit);
    const last = rows[rows.length - 1];
    return {
      items: rows.map((d) => ({ id: d.id, to: d.to, message: d.message, nudgeId: d.nudgeId, sentAt: d.sentAt })),
      next: rows.length === q.limit && last?.sentAt ? encodeCursor(last.sentAt, last.id) : null,
    };
  });
}

const encodeCursor = (at: Date, id: string) => Buffer.from(`${at.toISOString()}|${id}`).toString('base64url');

function decodeCursor(s: string): { at: Date; id: string } {
  const [at, id] = Buffer.from(s, 'base64url').toString('utf8').split('|');
  const date = new Date(at ?? '');
  if (!id || Number.isNaN(date.getTime())) throw new AppError('BAD_REQUEST', 'after: not a cursor from a previous page');
  return { at: date, id };
}
