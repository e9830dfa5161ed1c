/**
 * What the local adapter sent (the demo's and the simulator's chat view): oldest first, a page at
 * a time (`limit`, and `after` = the previous page's `next`), filtered by recipient (`personId`)
 * or conversation (`conversationId`, the chat id the messages were posted with or the
 * conversation's full id, as `/v1/deals` takes it: private nudges about it and messages into it).
 * Needs a read token; 404 when the local adapter is off.
 */
import { and, asc, eq, gt, inArray, or, sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { AppError } from '../../../core/errors.ts';
import { conversationKeysFor } from '../../../core/ids.ts';
import { deliveries, nudges } from '../../../db/schema/index.ts';
import { nudgeCardColumns, sentMessage } from '../../../db/queries/deliveries.ts';
import type { App } from '../../app.ts';

const query = z
  .object({
    personId: z.string().min(1).max(64).optional(),
    conversationId: z.string().min(1).max(256).optional(),
    /** The `next` of the previous page. */
    after: z.string().max(200).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(100),
  })
  .strict();

export function registerOutbox(v1: FastifyInstance, app: App): void {
  v1.get('/v1/outbox', { config: { scope: 'read' } }, async (req) => {
    if (!app.config.LOCAL_ADAPTER) throw new AppError('NOT_FOUND', 'the local adapter is off (LOCAL_ADAPTER), so nothing is sent to the outbox');
    const parsed = query.safeParse(req.query);
    if (!parsed.success) throw new AppError('BAD_REQUEST', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    const q = parsed.data;
    const cursor = q.after ? decodeCursor(q.after) : null;
    const conv = q.conversationId ? conversationKeysFor(q.conversationId) : null;
    const found = await app.database.db
      .select({ d: deliveries, ...nudgeCardColumns })
      .from(deliveries)
      .leftJoin(nudges, eq(nudges.id, deliveries.nudgeId))
      .where(
        and(
          eq(deliveries.platform, 'local'),
          eq(deliveries.status, 'sent'),
          q.personId ? sql`${deliveries.to}->>'personId' = ${q.personId}` : undefined,
          conv
            ? or(
                inArray(sql`${deliveries.to}->>'conversationId'`, conv),
                inArray(deliveries.nudgeId, app.database.db.select({ id: nudges.id }).from(nudges).where(inArray(nudges.conversationId, conv))),
              )
            : undefined,
          cursor ? or(gt(deliveries.sentAt, cursor.at), and(eq(deliveries.sentAt, cursor.at), gt(deliveries.id, cursor.id))) : undefined,
        ),
      )
      .orderBy(asc(deliveries.sentAt), asc(deliveries.id))
      .limit(q.limit);
    const last = found.at(-1)?.d;
    return {
      items: found.map(({ d, nudgeTitle, nudgeBody }) => ({
        id: d.id,
        to: d.to,
        message: sentMessage({ ...d, nudgeTitle, nudgeBody }),
        nudgeId: d.nudgeId,
        sentAt: d.sentAt,
      })),
      next: found.length === q.limit && last?.sentAt ? encodeCursor(last.sentAt, last.id) : null,
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
