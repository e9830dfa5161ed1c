/** Reading conversations by a list of ids, as the batches do. */

/**
 * `columns` of the conversations whose ids are in `ids` (a text[] expression, by default the
 * statement's $1): one primary-key probe per id, as a
 * lateral subquery with a limit, which the planner cannot turn into a join. As `id = any($1)` with
 * a batch's few hundred ids known, the planner priced that many probes above a read of the whole
 * table (at the default cost of a random page) until the table held about 200,000 rows, and read
 * it: 2–4 ms a read at 20,000 conversations, four reads an analysis batch.
 */
export const CONVERSATIONS_OF = (columns: string, ids = '$1::text[]'): string =>
  `select c.* from unnest(${ids}) as u(id), lateral (select ${columns} from conversations where id = u.id limit 1) c`;
