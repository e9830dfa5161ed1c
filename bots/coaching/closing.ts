/**
 * The one nudge a deal gets when it closes: a 复盘 (review) after a loss, a handover after a win,
 * as the playbook's `on: { closed }` rules say. The analysis emits it when a message closes the
 * deal; this builds it when a person does (a confirmation, a correction).
 */
import type { Platform } from '../../core/types.ts';
import type { Catalog } from '../catalog/catalog.ts';
import { chooseAtoms } from './atoms.ts';
import { type BuiltNudge, buildNudge } from './nudges.ts';

export function closingNudges(
  catalog: Catalog,
  sendPlatforms: readonly Platform[],
  d: {
    closed: 'won' | 'lost';
    dealId: string;
    dealName: string | null;
    ownerId: string | null;
    stage: string;
    valueScore: number;
    conversationId: string | null;
    platform: Platform;
    at: Date;
  },
): BuiltNudge[] {
  if (!d.ownerId) return [];
  const out: BuiltNudge[] = [];
  for (const rule of catalog.playbook.rules) {
    if (!rule.enabled || !('closed' in rule.on) || rule.on.closed !== d.closed) continue;
    const atoms = chooseAtoms(catalog, { rule, action: null, topics: [], stage: d.stage, valueScore: d.valueScore, text: '', exclude: new Set() });
    // A deactivated owner gets no handover or 复盘 nudge either (buildNudge: null).
    const built = buildNudge(catalog, sendPlatforms, {
      rule,
      triggerId: d.dealId,
      personId: d.ownerId,
      opportunityId: d.dealId,
      dealName: d.dealName,
      conversationId: d.conversationId,
      platform: d.platform,
      evidence: null,
      atoms,
      vars: { rep: catalog.person(d.ownerId)?.name ?? null },
      at: d.at,
    });
    if (built) out.push(built);
  }
  return out;
}
