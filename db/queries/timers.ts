/** The timer job's statements: take due timers (skipping those another process holds) and resolve them. */
import type { Sql } from '../client.ts';
import { byBatchId, rowsParam, testedPerRow } from './json.ts';

export interface DueTimer {
  id: string;
  ruleId: string;
  opportunityId: string | null;
  conversationId: string;
  repId: string | null;
  triggerMessageId: string;
  silent: boolean;
  /** The trigger message's text and speaker, quoted in the nudge. */
  text: string | null;
  role: string | null;
  /** For a timer on a shared document (its trigger is the link), the document's title. */
  documentTitle: string | null;
  platform: string;
  dealName: string | null;
  dealStage: string | null;
  dealStatus: 'open' | 'won' | 'lost' | null;
  ownerId: string | null;
  valueScore: number | null;
  contactName: string | null;
}

export async function takeDueTimers(tx: Sql, now: Date, limit: number): Promise<DueTimer[]> {
  return tx.query<DueTimer>(
    `select t.id, t.rule_id as "ruleId", t.opportunity_id as "opportunityId", t.conversation_id as "conversationId", t.rep_id as "repId",
       t.trigger_message_id as "triggerMessageId", t.silent, m.text, m.role, d.title as "documentTitle", c.platform, o.name as "dealName", o.stage as "dealStage",
       o.status as "dealStatus", o.owner_id as "ownerId", o.value_score as "valueScore", o.contact_name as "contactName"
     from timers t
     join conversations c on c.id = t.conversation_id
     left join messages m on m.id = t.trigger_message_id
     left join document_links l on l.id = t.trigger_message_id
     left join documents d on d.id = l.document_id
     left join opportunities o on o.id = t.opportunity_id
     where t.status = 'pending' and t.nudge_at <= $1
     order by t.nudge_at
     limit $2
     for update of t skip locked`,
    [now, limit],
  );
}

export async function resolveTimers(tx: Sql, rows: ReadonlyArray<{ id: string; status: 'fired' | 'expired' | 'cancelled'; at: string }>): Promise<void> {
  if (rows.length === 0) return;
  await tx.query(
    `with x as (select * from jsonb_to_recordset($1::text::jsonb) as x(id text, status text, at timestamptz))
     update timers t set status = x.status, fired_at = case when x.status = 'fired' then x.at end,
       resolved_at = case when x.status <> 'fired' then x.at else t.resolved_at end
     from x
     where ${byBatchId('t')} and ${testedPerRow("t.status = 'pending'")}`,
    [rowsParam(rows)],
  );
}

/** Atoms pushed for these deals since `since` (not pushed again within the week). */
export async function atomsPushedSince(tx: Sql, dealIds: readonly string[], since: Date): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  if (dealIds.length === 0) return out;
  const rows = await tx.query<{ opportunityId: string; atomIds: string[] }>(
    'select opportunity_id as "opportunityId", atom_ids as "atomIds" from nudges where opportunity_id = any($1::text[]) and created_at >= $2',
    [dealIds, since],
  );
  for (const r of rows) {
    const set = out.get(r.opportunityId) ?? new Set<string>();
    for (const a of r.atomIds) set.add(a);
    out.set(r.opportunityId, set);
  }
  return out;
}
