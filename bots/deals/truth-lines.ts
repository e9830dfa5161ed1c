/**
 * What people said about a deal, for `/deal`: each correction (who, when, what from, what to) and
 * each stage move an owner confirmed. A manager reading the timeline should see which parts of
 * the deal's state came from a person rather than from the classifier.
 */
import { and, asc, eq } from 'drizzle-orm';
import { wallClock } from '../../core/zoned-time.ts';
import type { Db } from '../../db/client.ts';
import { dealCorrections, stageChanges } from '../../db/schema/index.ts';
import type { Catalog } from '../catalog/catalog.ts';
import { formatAmount } from '../reports/render.ts';

/** Enough to read in chat; the API and the console give the whole list. */
const MAX_LINES = 8;

const FIELD_LABELS: Record<string, string> = { stage: '阶段', amount: '金额', name: '名称', owner: '负责人', crm_id: 'CRM 编号' };

/** The 「更正与确认」 block for a deal, or null when no person has touched its state. */
export async function dealTruthBlock(db: Db, catalog: Catalog, dealId: string, timeZone: string): Promise<string | null> {
  const [corrections, confirmed] = await Promise.all([
    db
      .select({
        field: dealCorrections.field,
        before: dealCorrections.before,
        after: dealCorrections.after,
        by: dealCorrections.byPersonId,
        at: dealCorrections.at,
      })
      .from(dealCorrections)
      .where(eq(dealCorrections.opportunityId, dealId))
      .orderBy(asc(dealCorrections.at)),
    db
      .select({ to: stageChanges.toStage, by: stageChanges.byPersonId, at: stageChanges.at })
      .from(stageChanges)
      .where(and(eq(stageChanges.opportunityId, dealId), eq(stageChanges.source, 'confirmed')))
      .orderBy(asc(stageChanges.at)),
  ]);
  const name = (id: string | null) => (id ? (catalog.person(id)?.name ?? id) : '某人');
  const show = (field: string, v: unknown): string => {
    if (v === null || v === undefined || v === '') return '（空）';
    if (field === 'stage' && typeof v === 'string') return catalog.stageLabel(v);
    if (field === 'owner' && typeof v === 'string') return name(v);
    if (field === 'amount' && typeof v === 'number') return formatAmount(v);
    return String(v);
  };
  const lines = [
    ...corrections.map((c) => ({
      at: c.at,
      text: `${stamp(c.at, timeZone)}  ${name(c.by)}更正${FIELD_LABELS[c.field] ?? c.field}：${show(c.field, c.before)} → ${show(c.field, c.after)}`,
    })),
    ...confirmed.map((s) => ({ at: s.at, text: `${stamp(s.at, timeZone)}  ${name(s.by)}确认${catalog.stageLabel(s.to)}` })),
  ].sort((a, b) => a.at.getTime() - b.at.getTime());
  if (lines.length === 0) return null;
  const shown = lines.slice(-MAX_LINES).map((l) => l.text);
  const more = lines.length > shown.length ? `（共 ${lines.length} 条，显示最近 ${shown.length} 条）` : '';
  return `**更正与确认**${more}\n${shown.join('\n')}`;
}

function stamp(at: Date, timeZone: string): string {
  const w = wallClock(at, timeZone);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(w.month)}-${pad(w.day)} ${pad(w.hour)}:${pad(w.minute)}`;
}
