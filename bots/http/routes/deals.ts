/**
 * Deals as data: `GET /v1/deals` (filtered, paged; `conversationId` as `/v1/outbox` takes it),
 * `GET /v1/deals/:id` (with the stage history, each move with its evidence message, and the
 * corrections with who made them) and `PATCH /v1/deals/:id` for corrections and the CRM id (how a
 * CRM sync links its opportunity). A correction is made in a person's name and follows their
 * rights (owner, their manager, admin), so it needs an admin token; reading needs read.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { AppError } from '../../../core/errors.ts';
import { conversationKeysFor } from '../../../core/ids.ts';
import { dealById, listDeals } from '../../../db/queries/deals.ts';
import type { App } from '../../app.ts';
import { correctDeal, type DealField } from '../../deals/corrections.ts';

const listQuery = z
  .object({
    conversationId: z.string().max(300).optional(),
    stage: z.string().max(64).optional(),
    owner: z.string().max(64).optional(),
    status: z.enum(['open', 'won', 'lost']).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
    offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
  })
  .strict();

const patchBody = z
  .object({
    /** The person (org id) making the correction. */
    by: z.string().min(1).max(64),
    stage: z.string().min(1).max(64).optional(),
    // Any number: the correction's one rule for amounts (amountFromWords) refuses it in the chat's words.
    amount: z.union([z.number(), z.string().min(1).max(40)]).optional(),
    name: z.string().min(1).max(100).optional(),
    owner: z.string().min(1).max(64).optional(),
    crmId: z.string().max(100).optional(),
  })
  .strict();

const idParam = z.object({ id: z.string().min(1).max(64) });

const bad = (e: z.ZodError) => new AppError('BAD_REQUEST', e.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '));

export function registerDeals(v1: FastifyInstance, app: App): void {
  v1.get('/v1/deals', { config: { scope: 'read' } }, async (req) => {
    const q = listQuery.safeParse(req.query);
    if (!q.success) throw bad(q.error);
    // A stage the funnel does not have would list nothing; say so, as the console's list does.
    const stages = app.catalog.current.playbook.funnel.stages;
    if (q.data.stage !== undefined && !stages.includes(q.data.stage)) {
      throw new AppError('BAD_REQUEST', `stage: not a stage of the funnel (${stages.join(', ')})`);
    }
    const { owner, conversationId, ...rest } = q.data;
    const deals = await listDeals(app.database.db, {
      ...rest,
      ...(owner ? { ownerId: owner } : {}),
      ...(conversationId ? { conversationIds: conversationKeysFor(conversationId) } : {}),
    });
    return { items: deals, limit: q.data.limit, offset: q.data.offset };
  });

  v1.get('/v1/deals/:id', { config: { scope: 'read' } }, async (req) => {
    const p = idParam.safeParse(req.params);
    if (!p.success) throw bad(p.error);
    const deal = await dealById(app.database.db, p.data.id);
    if (!deal) throw new AppError('NOT_FOUND', 'no such deal');
    return deal;
  });

  v1.patch('/v1/deals/:id', { config: { scope: 'admin' } }, async (req) => {
    const p = idParam.safeParse(req.params);
    if (!p.success) throw bad(p.error);
    const body = patchBody.safeParse(req.body);
    if (!body.success) throw bad(body.error);
    const catalog = app.catalog.current;
    const by = catalog.person(body.data.by);
    if (!by?.active) throw new AppError('FORBIDDEN', 'by: not an active person in the directory');
    const changes: Array<[DealField, string]> = [];
    if (body.data.stage !== undefined) changes.push(['stage', body.data.stage]);
    if (body.data.amount !== undefined) changes.push(['amount', String(body.data.amount)]);
    if (body.data.name !== undefined) changes.push(['name', body.data.name]);
    if (body.data.owner !== undefined) changes.push(['owner', body.data.owner]);
    if (body.data.crmId !== undefined) changes.push(['crm_id', body.data.crmId]);
    if (changes.length === 0) throw new AppError('BAD_REQUEST', 'nothing to change');
    for (const [field, value] of changes) {
      const r = await correctDeal(app.database.db, catalog, { dealId: p.data.id, by, via: 'api', field, value, at: app.clock.now() });
      if (!r.ok) throw new AppError(r.code, r.reason);
    }
    return dealById(app.database.db, p.data.id);
  });
}
