/**
 * Every adapter acknowledges its platform from one decision: what the sink answered. Stored,
 * duplicate, applied and refused are acknowledged (a refusal is bad input that redelivery cannot
 * fix; it is logged with its reason); a sink that threw could not store, so the platform is left
 * to deliver it again.
 */
import type { Logger } from '../core/logger.ts';
import type { IngestResult, PressResult } from './types.ts';

export type Ack = 'ack' | 'redeliver';

export async function handOver(log: Logger, ids: Record<string, unknown>, work: () => Promise<IngestResult | PressResult>): Promise<Ack> {
  try {
    const result = await work();
    if (result.status === 'refused') log.warn({ ...ids, reason: result.reason }, 'refused by the sink; acknowledged so it is not redelivered');
    else log.debug({ ...ids, status: result.status }, 'handed to the sink');
    return 'ack';
  } catch (err) {
    log.error({ err, ...ids }, 'not stored; left unacknowledged for the platform to redeliver');
    return 'redeliver';
  }
}
