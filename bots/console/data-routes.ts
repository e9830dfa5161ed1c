/**
 * The console's data routes, inside the console plugin (so behind its session or token check):
 * conversation search, the audit log, a document's reading, as pages and JSON, and every list as
 * a CSV or Excel file under /v1/console/export/*. Each obeys the viewer's scope.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError } from '../../core/errors.ts';
import type { Db } from '../../db/client.ts';
import { listAudit } from '../../db/queries/audit.ts';
import type { Catalog, Person } from '../catalog/catalog.ts';
import { actionLabel } from '../reports/labels.ts';
import { visibleTeamIds } from '../reports/access.ts';
import { auditPage, documentPage, searchPage } from './data-pages.ts';
import { type ConsoleTimelineItem, consoleDeal, type DealListItem, listConsoleDeals } from './deals.ts';
import { consoleDocument } from './documents.ts';
import { attachment, EXPORT_ROW_CAP, type ExportColumn, type ExportFile, exportFile } from './export.ts';
import { type AuditQuery, auditQuery, dayRange, dealListQueryFor, exportFormat, searchQuery } from './filters.ts';
import type { PageContext } from './pages.ts';
import { consoleSearch, type SearchHit } from './search.ts';
import type { Viewing } from './session.ts';

export interface DataRouteDeps {
  db: Db;
  catalog: { readonly current: Catalog };
  timeZone: string;
  now: () => Date;
  who: (req: FastifyRequest) => Viewing;
  ctx: (v: Viewing) => PageContext;
  html: (reply: FastifyReply, body: string) => FastifyReply;
}

const bad = (e: z.ZodError) => new AppError('BAD_REQUEST', e.issues.map((i) => `${i.path.join('.') || '(query)'}: ${i.message}`).join('; '));
const blank = (o: unknown) => Object.fromEntries(Object.entries((o ?? {}) as Record<string, string>).filter(([, v]) => v !== undefined && v !== ''));
const idParam = z.object({ id: z.string().min(1).max(64) });

function parse<T>(schema: z.ZodType<T>, raw: unknown): T {
  const r = schema.safeParse(blank(raw));
  if (!r.success) throw bad(r.error);
  return r.data;
}

/** The query without `format`, and the format (csv by default). */
function splitFormat(raw: unknown): { rest: Record<string, unknown>; format: 'csv' | 'xlsx' } {
  const { format, ...rest } = blank(raw);
  const f = exportFormat.safeParse(format ?? 'csv');
  if (!f.success) throw new AppError('BAD_REQUEST', 'format: csv or xlsx');
  return { rest, format: f.data };
}

/** Whose audit entries a viewer reads: an admin everyone's, a manager their teams' people and their own, a rep their own. */
export function auditPeople(catalog: Catalog, viewer: Person): readonly string[] | 'all' {
  const teams = visibleTeamIds(viewer);
  if (teams === 'all') return 'all';
  const ids = new Set([viewer.id]);
  for (const p of catalog.people) if (p.teamId !== null && teams.includes(p.teamId)) ids.add(p.id);
  return [...ids];
}

export function registerDataRoutes(c: FastifyInstance, d: DataRouteDeps): void {
  const send = (reply: FastifyReply, f: ExportFile, truncated: boolean) =>
    reply
      .header('content-disposition', attachment(f.fileName))
      .header('x-export-rows-cap', String(EXPORT_ROW_CAP))
      .header('x-export-truncated', String(truncated))
      .type(f.contentType)
      .send(f.body);
  const capped = <T>(rows: T[]) => ({ rows: rows.slice(0, EXPORT_ROW_CAP), truncated: rows.length > EXPORT_ROW_CAP });
  const stageLabel = (s: string) => d.catalog.current.stageLabel(s);
  const file = <T>(format: 'csv' | 'xlsx', name: string, sheet: string, columns: ExportColumn<T>[], rows: T[]) =>
    exportFile(format, { name, sheet, columns, rows, timeZone: d.timeZone, now: d.now() });

  const runSearch = (v: Viewing, q: z.infer<typeof searchQuery>) => consoleSearch(d.db, v.person, q, d.timeZone);
  const runAudit = (v: Viewing, q: AuditQuery) =>
    listAudit(d.db, {
      people: auditPeople(d.catalog.current, v.person),
      ...(q.action ? { action: q.action } : {}),
      ...(q.person ? { person: q.person } : {}),
      ...dayRange(q, d.timeZone),
      limit: q.limit,
      offset: q.offset,
    });

  // ---- pages ----
  c.get('/console/search', async (req, reply) => {
    const v = d.who(req);
    const q = parse(searchQuery, req.query);
    return d.html(reply, searchPage(d.ctx(v), q, await runSearch(v, q)));
  });
  c.get('/console/audit', async (req, reply) => {
    const v = d.who(req);
    const q = parse(auditQuery, req.query);
    return d.html(reply, auditPage(d.ctx(v), q, await runAudit(v, q)));
  });
  const loadDocument = async (v: Viewing, id: string) => {
    const doc = await consoleDocument(d.db, v.person, id);
    if (doc === null) throw new AppError('NOT_FOUND', '没有这个文档。');
    if (doc === 'forbidden') throw new AppError('FORBIDDEN', '你不能查看这个文档的阅读情况。');
    return doc;
  };
  c.get('/console/documents/:id', async (req, reply) => {
    const v = d.who(req);
    const p = idParam.safeParse(req.params);
    if (!p.success) throw bad(p.error);
    return d.html(reply, documentPage(d.ctx(v), await loadDocument(v, p.data.id)));
  });

  // ---- JSON ----
  c.get('/v1/console/search', async (req) => {
    const q = parse(searchQuery, req.query);
    return { ...(await runSearch(d.who(req), q)), limit: q.limit, offset: q.offset };
  });
  c.get('/v1/console/audit', async (req) => {
    const q = parse(auditQuery, req.query);
    return { ...(await runAudit(d.who(req), q)), limit: q.limit, offset: q.offset };
  });
  c.get('/v1/console/documents/:id', async (req) => {
    const p = idParam.safeParse(req.params);
    if (!p.success) throw bad(p.error);
    return loadDocument(d.who(req), p.data.id);
  });

  // ---- exports: the same filters as the lists, without the paging ----
  c.get('/v1/console/export/deals', async (req, reply) => {
    const { rest, format } = splitFormat(req.query);
    const q = parse(dealListQueryFor(d.catalog.current.playbook.funnel.stages), rest);
    const list = await listConsoleDeals(d.db, d.who(req).person, { ...q, limit: EXPORT_ROW_CAP + 1, offset: 0 }, d.timeZone);
    const { rows, truncated } = capped(list.items);
    const columns: ExportColumn<DealListItem>[] = [
      { header: '商机', value: (r) => r.name },
      { header: '客户联系人', value: (r) => r.contactName },
      { header: '负责人', value: (r) => r.ownerName },
      { header: '阶段', value: (r) => stageLabel(r.stage) },
      { header: '状态', value: (r) => STATUS[r.status] ?? r.status },
      { header: '金额', value: (r) => r.amount },
      { header: '价值分', value: (r) => r.valueScore },
      { header: '更新时间', value: (r) => r.updatedAt },
      { header: '商机编号', value: (r) => r.id },
    ];
    return send(reply, await file(format, 'deals', '商机', columns, rows), truncated);
  });

  c.get('/v1/console/export/search', async (req, reply) => {
    const { rest, format } = splitFormat(req.query);
    const q = parse(searchQuery, rest);
    const found = await runSearch(d.who(req), { ...q, limit: EXPORT_ROW_CAP + 1, offset: 0 });
    const { rows, truncated } = capped(found.items);
    const columns: ExportColumn<SearchHit>[] = [
      { header: '时间', value: (r) => r.sentAt },
      { header: '商机', value: (r) => r.dealName },
      { header: '会话', value: (r) => r.conversationTitle ?? r.conversationId },
      { header: '发言人', value: (r) => r.speaker },
      { header: '消息', value: (r) => r.text },
      { header: '动作', value: (r) => r.actions.map(actionLabel).join('、') },
      { header: '负责人', value: (r) => r.ownerName },
      { header: '消息编号', value: (r) => r.id },
    ];
    return send(reply, await file(format, 'search', '搜索结果', columns, rows), truncated);
  });

  c.get('/v1/console/export/deals/:id/timeline', async (req, reply) => {
    const { format } = splitFormat(req.query);
    const p = idParam.safeParse(req.params);
    if (!p.success) throw bad(p.error);
    const deal = await consoleDeal(d.db, d.who(req).person, p.data.id);
    if (deal === null) throw new AppError('NOT_FOUND', 'no such deal');
    if (deal === 'forbidden') throw new AppError('FORBIDDEN', 'you may not read this deal');
    const { rows, truncated } = capped(deal.timeline);
    const name = (id: string | null) => (id ? (d.catalog.current.person(id)?.name ?? id) : '');
    const columns: ExportColumn<ConsoleTimelineItem>[] = [
      { header: '时间', value: (r) => r.at },
      { header: '类型', value: (r) => KIND[r.type] },
      {
        header: '人员',
        value: (r) =>
          r.type === 'message'
            ? r.speaker
            : r.type === 'move'
              ? name(r.byPersonId)
              : r.type === 'reading'
                ? '客户'
                : name(r.type === 'nudge' ? r.personId : r.byPersonId),
      },
      { header: '内容', value: (r) => timelineText(r, stageLabel) },
      {
        header: '动作',
        value: (r) =>
          r.type === 'message' ? r.actions.map((a) => actionLabel(a.kind)).join('、') : r.type === 'reading' ? actionLabel('document_viewed') : '',
      },
      {
        header: '阶段变化',
        value: (r) =>
          (r.type === 'message' ? r.moves : r.type === 'move' ? [r] : []).map((m) => `${stageLabel(m.fromStage)} → ${stageLabel(m.toStage)}`).join('；'),
      },
    ];
    return send(reply, await file(format, `deal-${deal.id}`, '时间线', columns, rows), truncated);
  });

  c.get('/v1/console/export/audit', async (req, reply) => {
    const { rest, format } = splitFormat(req.query);
    const q = parse(auditQuery, rest);
    const list = await runAudit(d.who(req), { ...q, limit: EXPORT_ROW_CAP + 1, offset: 0 });
    const { rows, truncated } = capped(list.items);
    const json = (x: unknown) => (x === null || x === undefined ? '' : JSON.stringify(x));
    const columns: ExportColumn<(typeof rows)[number]>[] = [
      { header: '时间', value: (r) => r.at },
      { header: '人员', value: (r) => d.catalog.current.person(r.personId)?.name ?? r.personId },
      { header: '操作', value: (r) => r.action },
      { header: '对象', value: (r) => r.subject },
      { header: '之前', value: (r) => json(r.before) },
      { header: '之后', value: (r) => json(r.after) },
      { header: '途径', value: (r) => r.via },
    ];
    return send(reply, await file(format, 'audit', '操作记录', columns, rows), truncated);
  });
}

const STATUS: Record<string, string> = { open: '进行中', won: '赢单', lost: '丢单' };
const KIND: Record<ConsoleTimelineItem['type'], string> = { message: '消息', move: '阶段', nudge: '提醒', correction: '更正', reading: '阅读' };

function timelineText(r: ConsoleTimelineItem, stageLabel: (s: string) => string): string {
  switch (r.type) {
    case 'message':
      return r.text;
    case 'move':
      return `${stageLabel(r.fromStage)} → ${stageLabel(r.toStage)}`;
    case 'nudge':
      return `${r.title}：${r.body}`;
    case 'correction':
      return `${r.field}: ${JSON.stringify(r.before)} → ${JSON.stringify(r.after)}`;
    case 'reading':
      return `《${r.title}》${r.seconds} 秒${r.pages.length > 0 ? `；${r.pages.map((p) => `${p.label} ${p.seconds} 秒`).join('，')}` : ''}`;
  }
}
