/** The risks panel: the riskiest open deals with their flags and next step, and how many are stalled. */
import type { Catalog } from '../../catalog/catalog.ts';
import type { DealRisk } from '../../reports/risks.ts';

/** Deals listed: the rest are counted. */
export const RISKS_LISTED = 10;

export interface RisksPanel {
  open: number;
  flagged: number;
  stalled: number;
  deals: Array<{
    id: string;
    name: string;
    ownerName: string | null;
    stage: string;
    stageLabel: string;
    daysInStage: number;
    stalled: boolean;
    flags: Array<{ kind: string; evidence: string }>;
    nextAction: string | null;
  }>;
}

export function risksPanel(deals: readonly DealRisk[], catalog: Catalog): RisksPanel {
  const flagged = deals.filter((d) => d.flags.length > 0);
  return {
    open: deals.length,
    flagged: flagged.length,
    stalled: deals.filter((d) => d.flags.some((f) => f.kind === 'stalled')).length,
    deals: flagged.slice(0, RISKS_LISTED).map((d) => ({
      id: d.id,
      name: d.name,
      ownerName: d.ownerName,
      stage: d.stage,
      stageLabel: catalog.stageLabel(d.stage),
      daysInStage: Math.floor(d.daysInStage),
      stalled: d.flags.some((f) => f.kind === 'stalled'),
      flags: d.flags.map((f) => ({ kind: f.kind, evidence: f.evidence })),
      nextAction: d.nextAction,
    })),
  };
}
