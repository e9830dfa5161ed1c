/**
 * `POST /v1/deal-events` (ingest scope): what happened after the sale, from a CRM or billing
 * system. One event per request:
 *
 *   { "id": "pay-2026-001", "dealId": "…", "kind": "payment", "at": "2026-12-01T10:00:00+08:00", "amount": 120000, "onTime": true }
 *   { "id": "…", "dealId": "…", "kind": "referral", "at": "…", "note": "介绍了苏州精密" }
 *   { "id": "…", "dealId": "…", "kind": "ticket", "at": "…", "severity": "high" }
 *   { "id": "…", "dealId": "…", "kind": "renewal", "at": "…", "amount": 80000 }
 *
 * `at` (ISO 8601 with an offset, from 2000 to five minutes ahead) is required, `note` optional.
 * 201 with the score before and after when applied; a repeat of the same event id is a 200 with
 * the same result and changes nothing; the same id with other content is a 409; an unknown deal
 * a 404; anything malformed a 400 naming the field.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { AppError, toAppError } from '../../../core/errors.ts';
import { checkDate } from '../../../core/text.ts';
import type { App } from '../../app.ts';
import { MAX_AMOUNT } from '../../deals/corrections.ts';
import { applyDealEvent } from '../../deals/deal-events.ts';
import { dispatchSends } from '../../outbound/send-job.ts';

const common = {
  id: z.string().min(1).max(128),
  dealId: z.string().min(1).max(64),
  at: z.iso.datetime({ offset: true }),
  note: z.string().max(500).optional(),
};
const amount = z.number().nonnegative().max(MAX_AMOUNT);

const eventSchema = z.discriminatedUnion('kind', [
  z.object({ ...common, kind: z.literal('payment'), amount, onTime: z.boolean() }).strict(),
  z.object({ ...common, kind: z.literal('referral') }).strict(),
  z.object({ ...common, kind: z.literal('ticket'), severity: z.enum(['low', 'medium', 'high']) }).strict(),
  z.object({ ...common, kind: z.literal('renewal'), amount: amount.optional() }).strict(),
]);

export function registerDealEvents(v1: FastifyInstance, app: App): void {
  v1.post('/v1/deal-events', { config: { scope: 'ingest' } }, async (req, reply) => {
    const parsed = eventSchema.safeParse(req.body);
    if (!parsed.success) throw new AppError('BAD_REQUEST', parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '));
    const { id, dealId, kind, at, ...attrs } = parsed.data;
    // Not before 2000, as a message's time (a 1900 payment is a typing error); and, more tightly
    // than a message, not from the future: a post-sale event reports something that happened.
    const now = app.clock.now();
    const when = checkDate('at', new Date(at), now.getTime());
    if (when.getTime() > now.getTime() + 5 * 60_000) throw new AppError('BAD_REQUEST', 'at: in the future');
    const { result, deliveries } = await applyDealEvent(
      { database: app.database, catalog: app.catalog.current, sendPlatforms: app.adapters.sendPlatforms, now },
      { id, dealId, kind, at: when, attrs },
    );
    if (deliveries.length > 0) {
      await dispatchSends(app.runner, app.adapters.liveOnly, deliveries).catch((err: unknown) =>
        app.log.warn({ err: toAppError(err).message }, 'sends not dispatched; the sweep will pick them up'),
      );
    }
    return reply.status(result.applied ? 201 : 200).send(result);
  });
}
