/**
 * The analysis's statements: claim a partition's pending messages, read what the batch needs in a
 * few queries, and write what it found in a few multi-row statements, all in one transaction.
 */
import type {
  ActionRow,
  AtomEventRow,
  ComplianceRow,
  ConfirmationRow,
  ConfirmationState,
  ConversationState,
  DealState,
  DeliveryRow,
  NudgeRow,
  PendingMessage,
  RecentNudge,
  StageChangeRow,
  TimerState,
} from '../../bots/analysis/state.ts';
import type { Sql } from '../client.ts';
import { CONVERSATIONS_OF } from './conversations.ts';
import { byBatchId, rowsParam, testedPerRow } from './json.ts';

/**
 * Holds the partition's slots for the rest of the transaction: one writer per slot across
 * processes, whatever partition count each process has. A lock per slot, not per partition, so
 * that processes started with different ANALYSIS_PARTITIONS (a change rolled out one process at a
 * time, a job queued under the old count) never claim the same conversations side by side: a
 * partition is a set of slots, and two sets that overlap share a lock. Taken in ascending order
 * (the function scan runs over the array in its order), so two claims never wait on each other in
 * a cycle. The keys are those the earlier per-partition lock used (7461004, n): a partition k of
 * a process still running that version covers slots k, k + P, …, and any set of slots here that
 * overlaps them holds slot k too when one count divides the other (8 and 2).
 */
export async function lockSlots(tx: Sql, slots: readonly number[]): Promise<void> {
  for (let i = 1; i < slots.length; i++) {
    if (slots[i]! <= slots[i - 1]!) throw new Error('lockSlots: slots must be ascending and distinct');
  }
  await tx.query('select count(pg_advisory_xact_lock(7461004, s)) from unnest($1::int[]) s', [slots]);
}

/**
 * Takes up to `limit` of the partition's queued customer-chat messages, oldest first: their queue
 * rows deleted, `analyzed_at` set (a HOT update, see the schema), in one statement (between two
 * settings of the planner's, below).
 *
 * The oldest `limit` are found slot by slot, in the order of each slot's index
 * (`message_queue_slot_idx`): asked as one ordered query over `slot = any(...)`, the planner sorts
 * every pending row of the partition's slots, so each claim grew with the backlog. Taking each
 * slot's first `limit` and then the first `limit` of those still reads slots × limit entries when
 * every slot has a backlog (16,000 for 32 slots and batches of 500), so the selection bounds
 * itself first (`cut`): each slot's first `per` (a little over its share of `limit`) give a key
 * that the `limit`th oldest of the whole queue cannot be later than (the `limit`th of a subset is
 * never earlier than the `limit`th of the whole), and each slot is then read up to that key. Exact,
 * and about slots × per + limit entries read. With fewer than `limit` rows in the first pass, no
 * bound: each slot up to `limit`, as before.
 *
 * Bitmap scans are off for the statement: PGlite is never analysed, so a slot holding one chat's
 * import of 40,000 messages was estimated at a few hundred rows and read whole by a bitmap scan
 * and sorted (12.8 ms a claim of 64; 0.8 ms by the index in its order). The rows go to the delete
 * as an array of their ctids computed once, so the delete goes straight to them (a TID scan)
 * instead of joining (a hash join planned from a scan of the whole queue). A ctid names the same
 * row until the row is deleted: queue rows are never updated, and the slots' locks (lockSlots)
 * keep every other claim off them. The three statements go in one round trip on PostgreSQL.
 */
export async function claimPending(tx: Sql, slots: readonly number[], limit: number, now: Date): Promise<PendingMessage[]> {
  const per = Math.ceil(limit / Math.max(slots.length, 1)) + 1;
  const [, rows] = await Promise.all([
    tx.query('set local enable_bitmapscan = off'),
    tx.query<PendingMessage>(
      `with cut as (
         select p.sent_at, p.received_at, p.message_id from unnest($1::smallint[]) s(slot),
           lateral (select sent_at, received_at, message_id from message_queue
                    where slot = s.slot and not direct
                    order by sent_at, received_at, message_id limit $4) p
         order by p.sent_at, p.received_at, p.message_id offset $2 - 1 limit 1),
       bound as (
         select coalesce((select sent_at from cut), 'infinity') as sent_at,
           coalesce((select received_at from cut), 'infinity') as received_at,
           coalesce((select message_id from cut), '') as message_id),
       taken as (
         delete from message_queue q
         where q.ctid = any(array(
           select p.ctid from bound b, unnest($1::smallint[]) s(slot),
             lateral (select ctid, message_id, sent_at, received_at from message_queue
                      where slot = s.slot and not direct
                        and (sent_at, received_at, message_id) <= (b.sent_at, b.received_at, b.message_id)
                      order by sent_at, received_at, message_id limit $2) p
           order by p.sent_at, p.received_at, p.message_id limit $2))
         returning q.message_id)
       update messages m set analyzed_at = $3
       from taken where m.id = taken.message_id and m.analyzed_at is null
       returning m.id, m.platform, m.conversation_id as "conversationId", m.sender_id as "senderId", m.sender_name as "senderName",
         m.person_id as "personId", m.role, m.kind, m.backfill, m.text, m.attachments, m.sent_at as "sentAt", m.received_at as "receivedAt"`,
      [slots, limit, now, per],
    ),
    tx.query('set local enable_bitmapscan to default'),
  ]);
  // An UPDATE returns its rows in no set order.
  return rows.sort(
    (a, b) => a.sentAt.getTime() - b.sentAt.getTime() || a.receivedAt.getTime() - b.receivedAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
}

/**
 * Takes a stored message that is still waiting for analysis off the queue, marked as analysed
 * with `reason` as its analysis error (so nothing retries it): a message withdrawn by its sender.
 * Returns whether it was; false when it is not stored or a claim took it first (its delete waits
 * for that claim, then finds no queue row).
 */
export async function withdrawFromAnalysis(sql: Sql, p: { platform: string; platformMessageId: string; reason: string; now: Date }): Promise<boolean> {
  const rows = await sql.query<{ id: string }>(
    `with q as (
       delete from message_queue where message_id = (select id from messages where platform = $1 and platform_message_id = $2)
       returning message_id)
     update messages m set analyzed_at = $3, analysis_error = $4
     from q where m.id = q.message_id and m.analyzed_at is null
     returning m.id`,
    [p.platform, p.platformMessageId, p.now, p.reason],
  );
  return rows.length > 0;
}

/**
 * VACUUM of `message_queue`, the table every message passes through: a row inserted with the
 * message and deleted by the claim above. Each claim steps over the dead rows earlier claims left in
 * the slot index until a vacuum removes them; autovacuum looks at a database once a minute by
 * default (never, where it is off, and PGlite has none), while a burst leaves tens of thousands
 * a minute. `skip_locked`: a vacuum already running (another worker's, autovacuum's) is enough.
 * `truncate false`: giving the emptied pages back to the file system takes the table's exclusive
 * lock, which stops every ingest and claim while it is held, and the next burst wants the pages
 * again (measured: 266 ms a vacuum with it, 23 ms without).
 * Only the table's owner may vacuum it; for anyone else PostgreSQL skips it with a warning, which
 * reaches dealwise's log (db/client.ts), so an administrator who split the roles hears of it.
 */
export async function vacuumMessageQueue(sql: Sql): Promise<void> {
  await sql.query('vacuum (skip_locked, truncate false) message_queue');
}

export async function loadConversations(tx: Sql, ids: readonly string[]): Promise<ConversationState[]> {
  const rows = await tx.query<Omit<ConversationState, 'dirty'>>(
    CONVERSATIONS_OF(`id, platform, chat_id as "chatId", title, direct, opportunity_id as "opportunityId", owner_id as "ownerId"`),
    [ids],
  );
  return rows.map((r) => ({ ...r, dirty: false }));
}

/**
 * The deal ids of the conversations in $1, once each and in order, as an array computed once (an
 * InitPlan) from a probe per conversation.
 */
const DEALS_OF_CONVERSATIONS = `array(select distinct d.opportunity_id from (${CONVERSATIONS_OF('opportunity_id')}) d where d.opportunity_id is not null order by 1)`;

/**
 * `select` over the rows of `from` (a table and condition naming `u.id`) for each id of the text[]
 * expression `ids`: an index probe per id, as a lateral subquery the planner cannot turn into a
 * join (`offset 0` keeps it a subquery when there is no limit). Written as `= any(ids)`, the plan
 * depends on the table's size when it is made; this one probes at any size, so the batch's reads
 * may keep a generic plan made on empty tables (planMode), instead of being planned again for
 * every batch with its few hundred ids.
 */
const PER_ID = (ids: string, select: string, from: string, tail = 'offset 0'): string =>
  `select r.* from unnest(${ids}) as u(id), lateral (select ${select} from ${from} ${tail}) r`;

/**
 * Of the ids in column `column` of the batch's rows (the CTE `x`), those `table` holds: an array
 * computed once (an InitPlan) from one primary-key probe per id (PER_ID). Written as
 * `exists (select 1 from table where id = x.column)` under an OR, the check is planned as a hashed
 * subplan, which reads the whole table on every batch (nudges: every nudge ever made).
 */
const presentIds = (table: string, column: string): string =>
  `array(${PER_ID(`array(select ${column} from x where ${column} is not null)`, 'id', `${table} where id = u.id`, 'limit 1')})`;

/**
 * The deals of these conversations, locked until the batch commits: a correction made meanwhile
 * waits instead of being overwritten. Locked one by one in the order of their ids (the order of
 * the probes), so two batches sharing deals cannot deadlock. By conversation (not deal) ids, like
 * the other reads of the batch, so that they all go in one round trip.
 */
export async function loadDealsForUpdate(tx: Sql, conversationIds: readonly string[]): Promise<DealState[]> {
  if (conversationIds.length === 0) return [];
  const rows = await tx.query<Omit<DealState, 'isNew' | 'dirty'>>(
    PER_ID(
      DEALS_OF_CONVERSATIONS,
      `id, name, named_by as "namedBy", owner_id as "ownerId", stage, stage_at as "stageAt", status, closed_at as "closedAt", amount,
       value_score as "valueScore", value_terms as "valueTerms", created_at as "createdAt", updated_at as "updatedAt",
       customer_messages as "customerMessages", buying_signals as "buyingSignals", reply_hours_sum as "replyHoursSum", reply_count as "replyCount",
       awaiting_reply_since as "awaitingReplySince", last_customer_at as "lastCustomerAt", last_rep_at as "lastRepAt",
       contact_name as "contactName", contacts, touches, touches_day as "touchesDay", meeting_at as "meetingAt", meeting_type as "meetingType",
       document_opens as "documentOpens", action_kinds as "actionKinds"`,
      'opportunities where id = u.id',
      'limit 1 for update',
    ),
    [conversationIds],
  );
  return rows.map((r) => ({ ...r, isNew: false, dirty: false }));
}

export async function loadOpenTimers(tx: Sql, conversationIds: readonly string[]): Promise<TimerState[]> {
  if (conversationIds.length === 0) return [];
  const rows = await tx.query<Omit<TimerState, 'isNew' | 'dirty'>>(
    PER_ID(
      '$1::text[]',
      `id, rule_id as "ruleId", opportunity_id as "opportunityId", conversation_id as "conversationId", rep_id as "repId",
       trigger_message_id as "triggerMessageId", trigger_at as "triggerAt", expect, started_at as "startedAt", nudge_at as "nudgeAt",
       due_at as "dueAt", status, silent, resolved_at as "resolvedAt", resolved_by_message_id as "resolvedByMessageId"`,
      `timers where conversation_id = u.id and status in ('pending', 'fired')`,
    ),
    [conversationIds],
  );
  return rows.map((r) => ({ ...r, isNew: false, dirty: false }));
}

/** The nudges since `since` of these conversations' deals, with the atoms already counted as used. */
export async function loadRecentNudges(tx: Sql, conversationIds: readonly string[], since: Date): Promise<RecentNudge[]> {
  if (conversationIds.length === 0) return [];
  return tx.query<RecentNudge>(
    PER_ID(
      DEALS_OF_CONVERSATIONS,
      `n.id, n.person_id as "personId", n.opportunity_id as "opportunityId", n.conversation_id as "conversationId", n.rule_id as "ruleId",
       n.atom_ids as "atomIds", n.created_at as "createdAt",
       coalesce((select jsonb_agg(e.atom_id) from atom_events e where e.nudge_id = n.id and e.kind = 'used'), '[]'::jsonb) as "usedAtomIds"`,
      'nudges n where n.opportunity_id = u.id and n.created_at >= $2',
    ),
    [conversationIds, since],
  );
}

/** The pending confirmations of these conversations' deals. */
export async function loadPendingConfirmations(tx: Sql, conversationIds: readonly string[]): Promise<ConfirmationState[]> {
  if (conversationIds.length === 0) return [];
  return tx.query<ConfirmationState>(
    PER_ID(
      DEALS_OF_CONVERSATIONS,
      'id, opportunity_id as "opportunityId", kind, to_stage as "toStage", status',
      `deal_confirmations where opportunity_id = u.id and status = 'pending'`,
    ),
    [conversationIds],
  );
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

const dealRow = (d: DealState) => ({
  id: d.id,
  name: d.name,
  named_by: d.namedBy,
  owner_id: d.ownerId,
  stage: d.stage,
  stage_at: iso(d.stageAt),
  status: d.status,
  closed_at: iso(d.closedAt),
  amount: d.amount,
  value_score: d.valueScore,
  value_terms: d.valueTerms,
  created_at: iso(d.createdAt),
  updated_at: iso(d.updatedAt),
  customer_messages: d.customerMessages,
  buying_signals: d.buyingSignals,
  reply_hours_sum: d.replyHoursSum,
  reply_count: d.replyCount,
  awaiting_reply_since: iso(d.awaitingReplySince),
  last_customer_at: iso(d.lastCustomerAt),
  last_rep_at: iso(d.lastRepAt),
  contact_name: d.contactName,
  contacts: d.contacts,
  touches: d.touches,
  touches_day: d.touchesDay,
  meeting_at: iso(d.meetingAt),
  meeting_type: d.meetingType,
  action_kinds: d.actionKinds,
});

const DEAL_COLUMNS = `id text, name text, named_by text, owner_id text, stage text, stage_at timestamptz, status text, closed_at timestamptz, amount float8,
  value_score int, value_terms jsonb, created_at timestamptz, updated_at timestamptz, customer_messages int, buying_signals int, reply_hours_sum real,
  reply_count int, awaiting_reply_since timestamptz, last_customer_at timestamptz, last_rep_at timestamptz, contact_name text, contacts jsonb,
  touches int, touches_day text, meeting_at timestamptz, meeting_type text, action_kinds jsonb`;

export async function insertDeals(tx: Sql, deals: readonly DealState[]): Promise<void> {
  if (deals.length === 0) return;
  await tx.query(
    `insert into opportunities (id, name, named_by, owner_id, stage, stage_at, status, closed_at, amount, value_score, value_terms, created_at, updated_at,
       customer_messages, buying_signals, reply_hours_sum, reply_count, awaiting_reply_since, last_customer_at, last_rep_at, contact_name, contacts, touches, touches_day,
       meeting_at, meeting_type, action_kinds)
     select id, name, named_by, owner_id, stage, stage_at, status::deal_status, closed_at, amount, value_score, value_terms, created_at, updated_at,
       customer_messages, buying_signals, reply_hours_sum, reply_count, awaiting_reply_since, last_customer_at, last_rep_at, contact_name, contacts, touches, touches_day,
       meeting_at, meeting_type, action_kinds
     from jsonb_to_recordset($1::text::jsonb) as x(${DEAL_COLUMNS})`,
    [rowsParam(deals.map(dealRow))],
  );
}

export async function updateDeals(tx: Sql, deals: readonly DealState[]): Promise<void> {
  if (deals.length === 0) return;
  await tx.query(
    `with x as (select * from jsonb_to_recordset($1::text::jsonb) as x(${DEAL_COLUMNS}))
     update opportunities o set name = x.name, named_by = x.named_by, owner_id = x.owner_id, stage = x.stage, stage_at = x.stage_at,
       status = x.status::deal_status, closed_at = x.closed_at, amount = x.amount, value_score = x.value_score, value_terms = x.value_terms,
       updated_at = x.updated_at, customer_messages = x.customer_messages, buying_signals = x.buying_signals, reply_hours_sum = x.reply_hours_sum,
       reply_count = x.reply_count, awaiting_reply_since = x.awaiting_reply_since, last_customer_at = x.last_customer_at, last_rep_at = x.last_rep_at,
       contact_name = x.contact_name, contacts = x.contacts, touches = x.touches, touches_day = x.touches_day,
       meeting_at = x.meeting_at, meeting_type = x.meeting_type, action_kinds = x.action_kinds
     from x
     where ${byBatchId('o')}`,
    [rowsParam(deals.map(dealRow))],
  );
}

export async function updateConversations(tx: Sql, convs: readonly ConversationState[]): Promise<void> {
  if (convs.length === 0) return;
  await tx.query(
    `with x as (select * from jsonb_to_recordset($1::text::jsonb) as x(id text, opportunity_id text, owner_id text))
     update conversations c set opportunity_id = x.opportunity_id, owner_id = x.owner_id
     from x
     where ${byBatchId('c')}`,
    [rowsParam(convs.map((c) => ({ id: c.id, opportunity_id: c.opportunityId, owner_id: c.ownerId })))],
  );
}

export async function insertActions(tx: Sql, rows: readonly ActionRow[]): Promise<void> {
  if (rows.length === 0) return;
  await tx.query(
    `insert into actions (id, message_id, conversation_id, opportunity_id, person_id, kind, confidence, attrs, at)
     select id, message_id, conversation_id, opportunity_id, person_id, kind::action_kind, confidence, attrs, at
     from jsonb_to_recordset($1::text::jsonb) as x(id text, message_id text, conversation_id text, opportunity_id text, person_id text, kind text, confidence real, attrs jsonb, at timestamptz)
     on conflict (message_id, kind) do nothing`,
    [rowsParam(rows)],
  );
}

export async function insertStageChanges(tx: Sql, rows: readonly StageChangeRow[]): Promise<void> {
  if (rows.length === 0) return;
  await tx.query(
    `insert into stage_changes (id, opportunity_id, from_stage, to_stage, action_id, message_id, source, by_person_id, at)
     select id, opportunity_id, from_stage, to_stage, action_id, message_id, source, by_person_id, at
     from jsonb_to_recordset($1::text::jsonb) as x(id text, opportunity_id text, from_stage text, to_stage text, action_id text, message_id text, source text, by_person_id text, at timestamptz)`,
    [rowsParam(rows)],
  );
}

const timerRow = (t: TimerState) => ({
  id: t.id,
  rule_id: t.ruleId,
  opportunity_id: t.opportunityId,
  conversation_id: t.conversationId,
  rep_id: t.repId,
  trigger_message_id: t.triggerMessageId,
  trigger_at: iso(t.triggerAt),
  expect: t.expect,
  started_at: iso(t.startedAt),
  nudge_at: iso(t.nudgeAt),
  due_at: iso(t.dueAt),
  status: t.status,
  silent: t.silent,
  resolved_at: iso(t.resolvedAt),
  resolved_by_message_id: t.resolvedByMessageId,
});

const TIMER_COLUMNS = `id text, rule_id text, opportunity_id text, conversation_id text, rep_id text, trigger_message_id text, trigger_at timestamptz,
  expect jsonb, started_at timestamptz, nudge_at timestamptz, due_at timestamptz, status text, silent boolean, resolved_at timestamptz, resolved_by_message_id text`;

export async function insertTimers(tx: Sql, rows: readonly TimerState[]): Promise<void> {
  if (rows.length === 0) return;
  await tx.query(
    `insert into timers (id, rule_id, opportunity_id, conversation_id, rep_id, trigger_message_id, trigger_at, expect, started_at, nudge_at, due_at, status, silent, resolved_at, resolved_by_message_id)
     select id, rule_id, opportunity_id, conversation_id, rep_id, trigger_message_id, trigger_at, expect, started_at, nudge_at, due_at, status, silent, resolved_at, resolved_by_message_id
     from jsonb_to_recordset($1::text::jsonb) as x(${TIMER_COLUMNS})
     on conflict (rule_id, trigger_message_id) do nothing`,
    [rowsParam(rows.map(timerRow))],
  );
}

/** Writes timers' new window or resolution; a timer fired meanwhile by the timer job is only resolved, never reopened. */
export async function updateTimers(tx: Sql, rows: readonly TimerState[]): Promise<void> {
  if (rows.length === 0) return;
  await tx.query(
    `with x as (select * from jsonb_to_recordset($1::text::jsonb) as x(${TIMER_COLUMNS}))
     update timers t set started_at = x.started_at, nudge_at = x.nudge_at, due_at = x.due_at,
       status = case when x.status = 'pending' and t.status <> 'pending' then t.status else x.status end,
       resolved_at = x.resolved_at, resolved_by_message_id = x.resolved_by_message_id
     from x
     where ${byBatchId('t')} and ${testedPerRow("t.status in ('pending', 'fired')")}`,
    [rowsParam(rows.map(timerRow))],
  );
}

/**
 * Inserts nudges once per idempotency key, and a nudge that goes with a compliance record only if
 * that record was just inserted (earlier in the same transaction); returns the ids inserted.
 */
export async function insertNudges(tx: Sql, rows: ReadonlyArray<NudgeRow & { compliance_id?: string | null }>): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  const inserted = await tx.query<{ id: string }>(
    `with x as (select * from jsonb_to_recordset($1::text::jsonb) as x(id text, idempotency_key text, person_id text, opportunity_id text, conversation_id text,
          rule_id text, action_id text, timer_id text, message_id text, atom_ids jsonb, title text, body text, created_at timestamptz, compliance_id text))
     insert into nudges (id, idempotency_key, person_id, opportunity_id, conversation_id, rule_id, action_id, timer_id, message_id, atom_ids, title, body, created_at)
     select id, idempotency_key, person_id, opportunity_id, conversation_id, rule_id, action_id, timer_id, message_id, atom_ids, title, body, created_at
     from x
     where x.compliance_id is null or x.compliance_id = any(${presentIds('compliance_records', 'compliance_id')})
     on conflict (idempotency_key) do nothing
     returning id`,
    [rowsParam(rows)],
  );
  return new Set(inserted.map((r) => r.id));
}

/**
 * Inserts deliveries once per idempotency key, a nudge's only if the nudge was inserted (a nudge
 * that existed already, by its idempotency key, was delivered with its first delivery); returns
 * the ids actually inserted.
 */
export async function insertDeliveries(tx: Sql, rows: readonly DeliveryRow[]): Promise<Array<{ id: string; platform: string }>> {
  if (rows.length === 0) return [];
  return tx.query<{ id: string; platform: string }>(
    `with x as (select * from jsonb_to_recordset($1::text::jsonb) as x(id text, idempotency_key text, nudge_id text, platform text, "to" jsonb, message jsonb,
          created_at timestamptz))
     insert into deliveries (id, idempotency_key, nudge_id, platform, "to", message, status, created_at)
     select id, idempotency_key, nudge_id, platform::platform, "to", message, 'pending', created_at
     from x
     where x.nudge_id is null or x.nudge_id = any(${presentIds('nudges', 'nudge_id')})
     on conflict (idempotency_key) do nothing
     returning id, platform`,
    [rowsParam(rows)],
  );
}

/** Inserts atom events, a nudge's only if the nudge is there (inserted earlier in the transaction, or before). */
export async function insertAtomEvents(tx: Sql, rows: readonly AtomEventRow[]): Promise<void> {
  if (rows.length === 0) return;
  await tx.query(
    `with x as (select * from jsonb_to_recordset($1::text::jsonb) as x(id text, atom_id text, person_id text, nudge_id text, opportunity_id text, kind text,
          at timestamptz))
     insert into atom_events (id, atom_id, person_id, nudge_id, opportunity_id, kind, at)
     select id, atom_id, person_id, nudge_id, opportunity_id, kind, at
     from x
     where x.nudge_id is null or x.nudge_id = any(${presentIds('nudges', 'nudge_id')})`,
    [rowsParam(rows)],
  );
}

/** Inserts compliance records once per subject; returns the ids actually inserted. */
export async function insertCompliance(tx: Sql, rows: readonly ComplianceRow[]): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  const inserted = await tx.query<{ id: string }>(
    `insert into compliance_records (id, kind, subject_key, person_id, conversation_id, opportunity_id, message_id, detail, at)
     select id, kind, subject_key, person_id, conversation_id, opportunity_id, message_id, detail, at
     from jsonb_to_recordset($1::text::jsonb) as x(id text, kind text, subject_key text, person_id text, conversation_id text, opportunity_id text, message_id text, detail jsonb, at timestamptz)
     on conflict (kind, subject_key) do nothing
     returning id`,
    [rowsParam(rows)],
  );
  return new Set(inserted.map((r) => r.id));
}

export async function insertConfirmations(tx: Sql, rows: readonly ConfirmationRow[]): Promise<void> {
  if (rows.length === 0) return;
  await tx.query(
    `insert into deal_confirmations (id, opportunity_id, kind, from_stage, to_stage, action_id, message_id, person_id, status, created_at)
     select id, opportunity_id, kind, from_stage, to_stage, action_id, message_id, person_id, status, created_at
     from jsonb_to_recordset($1::text::jsonb) as x(id text, opportunity_id text, kind text, from_stage text, to_stage text, action_id text, message_id text, person_id text, status text, created_at timestamptz)`,
    [rowsParam(rows)],
  );
}

export async function supersedeConfirmations(tx: Sql, ids: readonly string[], at: Date): Promise<void> {
  if (ids.length === 0) return;
  await tx.query(`update deal_confirmations set status = 'superseded', answered_at = $2 where id = any($1::text[]) and status = 'pending'`, [ids, at]);
}

/** Messages that could not be analysed: kept analysed-at (so not retried at every start) with the reason. */
export async function markAnalysisErrors(tx: Sql, rows: ReadonlyArray<{ id: string; error: string }>): Promise<void> {
  if (rows.length === 0) return;
  await tx.query(
    `with x as (select * from jsonb_to_recordset($1::text::jsonb) as x(id text, error text))
     update messages m set analysis_error = x.error from x where ${byBatchId('m')}`,
    [rowsParam(rows)],
  );
}
