/**
 * Training labels people made without meaning to: an owner's answer to a close the analysis only
 * suggested (confirmed: the message did say it; rejected: it did not), and a correction that undid
 * a close the analysis made on its own (the message did not say it).
 */
import type { Attachment } from '../../core/types.ts';
import type { Sql } from '../client.ts';

export interface LabelRow {
  id: string;
  role: string;
  text: string;
  attachments: Attachment[];
  action: string;
  value: boolean;
  objection: string | null;
  source: 'confirmation' | 'correction';
  at: Date;
}

export async function teamLabels(sql: Sql): Promise<LabelRow[]> {
  return sql.query<LabelRow>(
    `select 'lbl-c-' || c.id as id, m.role::text as role, m.text, m.attachments, a.kind::text as action, (c.status = 'confirmed') as value,
            a.attrs->>'objection' as objection, 'confirmation' as source, c.answered_at as at
       from deal_confirmations c
       join actions a on a.id = c.action_id
       join messages m on m.id = a.message_id
      where c.kind = 'stage' and c.status in ('confirmed', 'rejected')
     union all
     select 'lbl-r-' || k.id as id, m.role::text, m.text, m.attachments, a.kind::text, false, a.attrs->>'objection', 'correction', k.at
       from deal_corrections k
       join stage_changes s on s.opportunity_id = k.opportunity_id and s.source = 'auto' and s.to_stage = k.before #>> '{}' and s.action_id is not null
       join actions a on a.id = s.action_id
       join messages m on m.id = a.message_id
      where k.field = 'stage' and s.at <= k.at
     order by at, id`,
  );
}
