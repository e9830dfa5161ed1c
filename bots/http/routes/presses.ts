/**
 * A card press over HTTP (the local adapter's cards): nudge feedback or a deal confirmation's
 * answer. It acts as the given person, so it needs an admin token; platform presses come from
 * the platforms, which say who pressed.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { AppError } from '../../../core/errors.ts';
import { checkPress } from '../../../core/inbound.ts';
import { type CardPress, FEEDBACK_VALUES, PLATFORMS } from '../../../core/types.ts';
import type { App } from '../../app.ts';

const id = z.string().min(1).max(100);
const feedbackSchema = z.object({ platform: z.enum(PLATFORMS), nudgeId: id, senderId: z.string().min(1).max(256), value: z.enum(FEEDBACK_VALUES) }).strict();
const confirmSchema = z
  .object({ platform: z.enum(PLATFORMS), confirmationId: id, senderId: z.string().min(1).max(256), answer: z.enum(['yes', 'no']) })
  .strict();

export function registerPresses(v1: FastifyInstance, app: App): void {
  v1.post('/v1/feedback', { config: { scope: 'admin' } }, async (req, reply) => {
    const parsed = feedbackSchema.safeParse(req.body);
    if (!parsed.success) throw new AppError('BAD_REQUEST', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    const { platform, senderId, nudgeId, value } = parsed.data;
    const press: CardPress = { platform, senderId, action: { kind: 'feedback', nudgeId, value } };
    checkPress(press);
    const r = await app.sink.press(press);
    if (r.status === 'refused') throw new AppError('FORBIDDEN', r.reason);
    return reply.status(204).send();
  });
  v1.post('/v1/confirmations', { config: { scope: 'admin' } }, async (req, reply) => {
    const parsed = confirmSchema.safeParse(req.body);
    if (!parsed.success) throw new AppError('BAD_REQUEST', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    const { platform, senderId, confirmationId, answer } = parsed.data;
    const press: CardPress = { platform, senderId, action: { kind: 'confirm', confirmationId, answer } };
    checkPress(press);
    const r = await app.sink.press(press);
    if (r.status === 'refused') throw new AppError('FORBIDDEN', r.reason);
    return reply.status(200).send({ status: r.status });
  });
}
