/**
 * The team's labels as training lines (analyzers/corpus/team-labels.ts is their format): each a
 * partial label on one message, saying whether that message carries one action.
 */
import type { Sql } from '../../db/client.ts';
import { teamLabels } from '../../db/queries/labels.ts';

const CJK = /[\u4e00-\u9fff]/;

export async function teamLabelLines(sql: Sql): Promise<string[]> {
  return (await teamLabels(sql)).map((l) =>
    JSON.stringify({
      id: l.id,
      lang: CJK.test(l.text) ? 'zh' : 'en',
      role: l.role === 'customer' ? 'customer' : 'rep',
      text: l.text,
      ...(l.attachments.length > 0 ? { attachments: l.attachments.map((a) => ({ name: a.name })) } : {}),
      action: l.action,
      value: l.value,
      ...(l.objection ? { objection: l.objection } : {}),
      source: l.source,
      at: new Date(l.at).toISOString(),
    }),
  );
}
