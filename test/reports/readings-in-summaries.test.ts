/**
 * A customer's reading of a tracked document is one of their actions in the team and rep
 * summaries: counted for the conversation's owner, as the customer's, in the window it began in.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePeriod } from '../../bots/reports/period.ts';
import { renderRepSummary } from '../../bots/reports/render.ts';
import { repSummary } from '../../bots/reports/rep.ts';
import { teamSummary } from '../../bots/reports/team.ts';
import type { Database } from '../../db/client.ts';
import { upsertViewAction } from '../../db/queries/reading.ts';
import { openEmptyDatabase } from '../helpers/app.ts';
import { loadPlaybook } from '../unit/config-files.ts';
import { NOW, seed, t, TZ, VIEW } from './fixture.ts';

const { funnel } = loadPlaybook();
let dir: string;
let database: Database;

beforeAll(async () => {
  // An empty database, as the report fixture needs (the template holds the default catalog's org):
  // a copy of the template, emptied.
  ({ database, dataDir: dir } = await openEmptyDatabase());
  await seed(database.db);
  // Written as the reading path writes it (bots/coaching/reading.ts): no message, the view as evidence.
  const view = (id: string, at: Date) =>
    upsertViewAction(database.sql, {
      id: `act-${id}`,
      document_view_id: id,
      conversation_id: 'wecom:hd',
      opportunity_id: 'opp-hd',
      attrs: { documentId: 'doc-1', title: '报价单', seconds: 140 },
      at: at.toISOString(),
    });
  await view('view-1', t('11-25 20:00'));
  await view('view-2', t('11-26 08:30'));
  await view('view-old', t('11-20 10:00'));
});

afterAll(async () => {
  await database?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('readings in the summaries', () => {
  it("counts this week's two readings as the customer's actions for the conversation's owner", async () => {
    const week = parsePeriod('本周', NOW, TZ);
    const [east] = await teamSummary(database.db, { teamIds: ['east'], ...week, now: NOW, funnel });
    const m = east!.reps.find((r) => r.personId === 'zhangsan')!.metrics;
    // The fixture's 7 actions (4 ours, 3 the customers') and the two readings; not last week's.
    expect(m.actions.total).toBe(9);
    expect(m.actions.ours).toBe(4);
    expect(m.actions.customer).toBe(5);
    expect(m.actions.byKind.document_viewed).toBe(2);
    expect(east!.totals.actions.byKind.document_viewed).toBe(2);
  });

  it('shows them in the rep summary, and last week has its own', async () => {
    const week = parsePeriod('本周', NOW, TZ);
    const rep = await repSummary(database.db, { personId: 'zhangsan', ...week, now: NOW, funnel });
    expect(renderRepSummary(rep!, week, VIEW).text).toContain('阅读文档 2');
    const last = parsePeriod('上周', NOW, TZ);
    const before = await repSummary(database.db, { personId: 'zhangsan', ...last, now: NOW, funnel });
    expect(before!.metrics.actions.byKind).toEqual({ buying_signal: 1, document_viewed: 1 });
  });
});
