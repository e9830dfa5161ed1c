/**
 * The dashboard's analytics panels, each from its own module: behaviour health heatmap, risks
 * and stalled deals, breakpoints with intervals, attribution by lift, the knowledge decay list and
 * compliance events. Breakpoints and the heatmap read the whole history (a week holds too few
 * deals for a rate); risks are the open deals now; compliance follows the dashboard's period.
 */
import type { WorkingHours } from '../../../core/zoned-time.ts';
import type { Db } from '../../../db/client.ts';
import type { Catalog } from '../../catalog/catalog.ts';
import { winningPath } from '../../deals/stages.ts';
import { decayingAtoms } from '../../reports/atom-decay.ts';
import { attributionOf, type Lift } from '../../reports/attribution.ts';
import { breakpoints, type Breakpoint } from '../../reports/breakpoints.ts';
import { dealRisks } from '../../reports/risks.ts';
import { type CompliancePanel, compliancePanel } from './compliance.ts';
import { type HeatmapPanel, heatmapPanel } from './heatmap.ts';
import { type RisksPanel, risksPanel } from './risks.ts';

export interface AnalyticsPanels {
  heatmap: HeatmapPanel;
  risks: RisksPanel;
  breakpoints: { minDeals: number; advanceDays: number; outcomeDays: number; behaviours: Breakpoint[] };
  attribution: Lift[];
  decay: Array<{
    atomId: string;
    title: string;
    owner: string | null;
    months: Array<{ month: string; pushedReps: number; usedReps: number; rate: number | null }>;
  }>;
  compliance: CompliancePanel;
}

export interface AnalyticsParams {
  teamIds: readonly string[];
  from: Date;
  to: Date;
  now: Date;
  timeZone: string;
  wh: WorkingHours;
  minDeals: number;
}

export async function analyticsPanels(db: Db, catalog: Catalog, p: AnalyticsParams): Promise<AnalyticsPanels> {
  const scope = { teamIds: [...p.teamIds] };
  const personIds = [...catalog.people].filter((x) => x.teamId !== null && p.teamIds.includes(x.teamId)).map((x) => x.id);
  const [report, risks, decay, compliance] = await Promise.all([
    breakpoints(db, {
      scope,
      now: p.now,
      timeZone: p.timeZone,
      stages: winningPath(catalog.playbook.funnel),
      rules: catalog.playbook.rules,
      minDeals: p.minDeals,
    }),
    dealRisks(db, { scope, now: p.now, funnel: catalog.playbook.funnel, rules: catalog.playbook.rules, wh: p.wh }),
    decayingAtoms(db, { scope: { personIds }, now: p.now, timeZone: p.timeZone }),
    compliancePanel(db, { teamIds: p.teamIds, from: p.from, to: p.to }),
  ]);
  return {
    heatmap: heatmapPanel(report),
    risks: risksPanel(risks, catalog),
    breakpoints: { minDeals: report.minDeals, advanceDays: report.advanceDays, outcomeDays: report.outcomeDays, behaviours: report.behaviours },
    attribution: attributionOf(report, (id) => catalog.person(id)?.teamId ?? null).behaviours,
    decay: decay.map((d) => {
      const atom = catalog.atoms.get(d.atomId);
      return {
        atomId: d.atomId,
        title: atom?.title ?? d.atomId,
        owner: atom?.owner ? (catalog.person(atom.owner)?.name ?? atom.owner) : null,
        months: d.months,
      };
    }),
    compliance,
  };
}
