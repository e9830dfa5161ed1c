/**
 * The admin's lists as files, like the console's other lists (bots/console/export.ts): the org
 * directory in the columns its CSV import takes (so an export edited in Excel imports back), and
 * the atoms with their usage funnel. Registered inside the knowledge plugin: admins only.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { AppError } from '../../../core/errors.ts';
import type { Db } from '../../../db/client.ts';
import { attachment, EXPORT_ROW_CAP, type ExportColumn, type ExportFile, exportFile } from '../export.ts';
import { listAtoms } from './atoms.ts';
import { CSV_COLUMNS, orgDirectory, type OrgPerson } from './org.ts';

const formatQuery = z.object({ format: z.enum(['csv', 'xlsx']).default('csv') }).strict();

/** Exactly the import's columns, so a file exported, edited and imported back is accepted as is. */
const ORG_COLUMNS: ExportColumn<OrgPerson>[] = CSV_COLUMNS.map((c) => ({
  header: c,
  // Ids are text: a DingTalk id 0805922573 that Excel saved as 805922573 is someone else's.
  asText: c !== 'name' && c !== 'role',
  value: (p: OrgPerson) => {
    switch (c) {
      case 'id':
      case 'name':
      case 'role':
        return p[c];
      case 'team':
        return p.teamId;
      case 'manages':
        return p.manages.join(';');
      default:
        return p.ids[c];
    }
  },
}));

export function registerKnowledgeExports(k: FastifyInstance, deps: { db: Db; timeZone: string; now: () => Date }): void {
  const format = (q: unknown) => {
    const r = formatQuery.safeParse(q ?? {});
    if (!r.success) throw new AppError('BAD_REQUEST', 'format: csv or xlsx');
    return r.data.format;
  };
  const send = async <T>(reply: FastifyReply, f: 'csv' | 'xlsx', name: string, sheet: string, columns: ExportColumn<T>[], all: T[]) => {
    const rows = all.slice(0, EXPORT_ROW_CAP);
    const file: ExportFile = await exportFile(f, { name, sheet, columns, rows, timeZone: deps.timeZone, now: deps.now() });
    return reply
      .header('content-disposition', attachment(file.fileName))
      .header('x-export-rows-cap', String(EXPORT_ROW_CAP))
      .header('x-export-truncated', String(all.length > EXPORT_ROW_CAP))
      .type(file.contentType)
      .send(file.body);
  };

  k.get('/v1/console/export/org', async (req, reply) => {
    const { people } = await orgDirectory(deps.db);
    return send(reply, format(req.query), 'org', '组织', ORG_COLUMNS, people);
  });

  k.get('/v1/console/export/atoms', async (req, reply) => {
    const columns: ExportColumn<Awaited<ReturnType<typeof listAtoms>>[number]>[] = [
      { header: 'id', value: (a) => a.id },
      { header: '标题', value: (a) => a.title },
      { header: '主题', value: (a) => a.topic },
      { header: '启用', value: (a) => (a.enabled ? '是' : '否') },
      { header: '版本', value: (a) => a.version },
      { header: '推送', value: (a) => a.usage.pushed },
      { header: '采用', value: (a) => a.usage.used },
      { header: '有用', value: (a) => a.usage.useful },
      { header: '没用', value: (a) => a.usage.notUseful },
      { header: '更新于', value: (a) => a.updatedAt },
    ];
    return send(reply, format(req.query), 'atoms', '知识原子', columns, await listAtoms(deps.db));
  });
}
