/**
 * A correction made in the console (the deal page's form or `PATCH /v1/console/deals/:id`): the
 * fields that differ from the deal as it is go through `correctDeal`, the code the chat's
 * `/deal 名称 阶段 …` uses, all in one transaction with an audit row each; one refused field
 * changes nothing.
 */
import { eq } from 'drizzle-orm';
import { AppError } from '../../core/errors.ts';
import type { Db } from '../../db/client.ts';
import { writeAudit } from '../../db/queries/console.ts';
import { opportunities, people } from '../../db/schema/index.ts';
import type { Catalog, Person } from '../catalog/catalog.ts';
import { amountFromWords, correctDeal, type DealField } from '../deals/corrections.ts';
import { canSeeDeal } from '../reports/access.ts';
import { UNNAMED_DEAL_LABEL } from '../reports/deal-name.ts';
import { formatAmount } from '../reports/render.ts';

export interface ConsoleCorrection {
  stage?: string;
  amount?: string;
  name?: string;
  owner?: string;
}

export interface AppliedCorrection {
  field: DealField;
  before: unknown;
  after: unknown;
}

export async function correctFromConsole(
  db: Db,
  catalog: Catalog,
  by: Person,
  dealId: string,
  input: ConsoleCorrection,
  now: Date,
): Promise<AppliedCorrection[]> {
  return db.transaction(async (tx) => {
    const [deal] = await tx
      .select({
        id: opportunities.id,
        stage: opportunities.stage,
        amount: opportunities.amount,
        name: opportunities.name,
        ownerId: opportunities.ownerId,
        ownerTeamId: people.teamId,
      })
      .from(opportunities)
      .leftJoin(people, eq(people.id, opportunities.ownerId))
      .where(eq(opportunities.id, dealId));
    if (!deal) throw new AppError('NOT_FOUND', '没有这个商机。');
    if (!canSeeDeal(by, deal)) throw new AppError('FORBIDDEN', '你不能查看或更正这个商机。');
    const changes: Array<[DealField, string]> = [];
    const stage = input.stage?.trim();
    if (stage && catalog.stageByName(stage) !== deal.stage) changes.push(['stage', stage]);
    // The form shows the amount as managers read it (12.35万): sent back unchanged, it is no correction.
    const amount = input.amount?.trim();
    const read = amount ? amountFromWords(amount) : null;
    const sameAmount = (read?.ok && read.amount === deal.amount) || (deal.amount !== null && amount === formatAmount(deal.amount));
    // Words that are no amount go on to correctDeal, which refuses them with the reason.
    if (amount && !sameAmount) changes.push(['amount', amount]);
    const name = input.name?.trim();
    if (name && name !== deal.name && !(deal.name === null && name === UNNAMED_DEAL_LABEL)) changes.push(['name', name]);
    // A blank name for a named deal is no "unchanged": correctDeal refuses it in the chat's words.
    // An unnamed deal's form sends its empty field back, which is no correction.
    if (input.name !== undefined && !name && deal.name !== null) changes.push(['name', input.name]);
    const owner = input.owner?.trim();
    if (owner && owner !== deal.ownerId) changes.push(['owner', owner]);
    const applied: AppliedCorrection[] = [];
    for (const [field, value] of changes) {
      const r = await correctDeal(tx, catalog, { dealId, by, via: 'console', field, value, at: now });
      // Throwing rolls back the fields already corrected in this request.
      if (!r.ok) throw new AppError(r.code, r.reason);
      await writeAudit(tx, {
        at: now,
        personId: by.id,
        action: 'deal.correct',
        subject: `opportunity:${dealId}`,
        before: { [field]: r.before },
        after: { [field]: r.after },
        via: 'console',
      });
      applied.push({ field, before: r.before, after: r.after });
    }
    return applied;
  });
}
