/**
 * How well the forecast's chances match what happened: split a history at a cut, learn from the
 * deals closed before it, score every deal open at the cut that has closed since, and compare the
 * chances with the outcomes (Brier score, reliability table). Several cuts a month apart (a
 * rolling origin) give enough scored deals for the table's bins. The yardstick is the base-rate
 * predictor, which gives every deal its cut's training win share whatever its stage.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import type { Funnel } from '../catalog/schema.ts';
import { rowsOf, scopeCondition } from './breakpoints.ts';
import type { DealScope } from './deal.ts';
import { forecast, openDealsAt } from './forecast.ts';
import { type Calibration, calibration } from './forecast-model.ts';

export interface CalibrationParams {
  scope: DealScope;
  teamIds: readonly string[];
  cuts: readonly Date[];
  funnel: Funnel;
  stages: readonly string[];
  bins?: number;
}

export async function calibrateForecast(db: Db, p: CalibrationParams): Promise<Calibration> {
  const scored: { p: number; won: boolean; base: number }[] = [];
  for (const cut of p.cuts) {
    const f = await forecast(db, { scope: p.scope, teamIds: p.teamIds, from: cut, to: cut, now: cut, asOf: cut, funnel: p.funnel, stages: p.stages });
    const outcomes = new Map((await openDealsAt(db, { scope: p.scope, asOf: cut })).map((d) => [d.id, d.outcome]));
    const [base] = rowsOf<{ closed: number; won: number }>(
      await db.execute(sql`
        select count(*)::int as closed, (count(*) filter (where o.status = 'won'))::int as won
        from opportunities o left join people p on p.id = o.owner_id
        where o.status in ('won', 'lost') and o.closed_at <= ${cut.toISOString()}::timestamptz and ${scopeCondition(p.scope)}`),
    );
    const baseRate = base && base.closed > 0 ? base.won / base.closed : 0;
    for (const d of f.deals) {
      const o = outcomes.get(d.id);
      if (o === 'won' || o === 'lost') scored.push({ p: d.p, won: o === 'won', base: baseRate });
    }
  }
  return calibration(scored, p.bins);
}
