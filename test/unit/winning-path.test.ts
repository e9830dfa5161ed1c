import { describe, expect, it } from 'vitest';
import { winningPath } from '../../bots/deals/stages.ts';
import { funnelSchema } from '../../bots/catalog/schema.ts';

describe('winningPath', () => {
  it('is the open stages then the win, whatever the funnel is configured to', () => {
    const funnel = funnelSchema.parse({ stages: ['lead', 'trial', 'paid', 'churned'], closed: ['paid', 'churned'], moves: [] });
    expect(winningPath(funnel)).toEqual(['lead', 'trial', 'paid']);
  });
});
