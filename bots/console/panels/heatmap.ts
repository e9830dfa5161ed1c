/**
 * The behaviour health heatmap: reps × behaviours, each cell how often the rep did the behaviour
 * when it came up (done ÷ n, with n), from the breakpoints' per-owner rows.
 */
import type { BreakpointReport } from '../../reports/breakpoints.ts';

export interface HeatmapPanel {
  reps: Array<{ id: string; name: string }>;
  behaviours: Array<{ key: string; label: string }>;
  /** One per rep and behaviour that came up; rate null when n is 0. */
  cells: Array<{ rep: string; behaviour: string; done: number; n: number; rate: number | null }>;
}

export function heatmapPanel(r: BreakpointReport): HeatmapPanel {
  const reps = new Map<string, string>();
  for (const x of r.byRep) reps.set(x.ownerId, x.ownerName);
  return {
    reps: [...reps].map(([id, name]) => ({ id, name })),
    behaviours: r.behaviours.map((b) => ({ key: b.key, label: b.label })),
    cells: r.byRep.map((x) => ({ rep: x.ownerId, behaviour: x.behaviour, done: x.done, n: x.n, rate: x.n > 0 ? x.done / x.n : null })),
  };
}
