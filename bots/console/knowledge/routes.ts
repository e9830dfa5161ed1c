/**
 * The knowledge admin's routes, registered inside the console's plugin (so its session, CSRF and
 * error handling apply): pages under /console/knowledge and /console/org, the same data as JSON
 * under /v1/console/knowledge and /v1/console/org. Admins only, checked on every request. After a
 * change this process reloads its catalog at once; the others see the bumped version at their next
 * poll (CATALOG_POLL_MS).
 */
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError, toAppError } from '../../../core/errors.ts';
import type { Db } from '../../../db/client.ts';
import { documentById } from '../../../db/queries/documents.ts';
import { libraryDocuments } from '../../../db/queries/knowledge.ts';
import type { Catalog } from '../../catalog/catalog.ts';
import { type Atom, atomSchema } from '../../catalog/schema.ts';
import { catalogVersion } from '../../catalog/sync.ts';
import { labelsOf } from '../../documents/api-routes.ts';
import { MAX_DOCUMENT_BYTES, PDF_MIME } from '../../documents/share.ts';
import type { DocumentStorage } from '../../documents/storage.ts';
import type { ConsoleAssets } from '../html.ts';
import type { Viewing } from '../session.ts';
import { atomDetail, atomYaml, exportAtoms, importAtoms, listAtoms, restoreAtom, saveAtom, setAtomEnabled, validateAtom, versionParam } from './atoms.ts';
import { pageLabelsBody } from '../../documents/page-labels.ts';
import { editPageLabels, uploadFields, uploadMaterial } from './library.ts';
import { applyOrgImport, orgDirectory, planOrgImport, saveTeam, setActive, teamInput } from './org.ts';
import {
  atomEditorPage,
  atomsPage,
  type EditorView,
  type Flash,
  importPage,
  type KnowledgeContext,
  labelsPage,
  libraryPage,
  orgPage,
  playbookPage,
} from './pages.ts';
import { playbookDocument, playbookHistory, playbookYaml, restorePlaybook, savePlaybook } from './playbook.ts';
import { previewAtom } from './preview.ts';
import { registerKnowledgeExports } from './exports.ts';
import { type FieldError, fieldsOf, MAX_YAML_CHARS } from './validate.ts';

export interface KnowledgeDeps {
  db: Db;
  /** The process's catalog; `refresh` (CatalogHolder) reloads it at once after a change. */
  catalog: { readonly current: Catalog; refresh?: () => Promise<boolean> };
  /** Where library material goes; without it, uploads are refused. */
  storage?: DocumentStorage;
  assets: ConsoleAssets;
  timeZone: string;
  now: () => Date;
  who: (req: FastifyRequest) => Viewing;
}

const atomIdParam = z.object({ id: z.string().regex(/^[a-z0-9-]{1,64}$/) });
const docIdParam = z.object({ id: z.uuid() });
const personParam = z.object({ id: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/) });
const yamlBody = z.object({ yaml: z.string().max(MAX_YAML_CHARS), do: z.enum(['save', 'preview']).default('save'), _csrf: z.string().optional() }).strict();
const csvBody = z
  .object({ csv: z.string().max(1_000_000), do: z.enum(['preview', 'apply']).default('preview'), apply: z.boolean().optional(), _csrf: z.string().optional() })
  .strict();
const flag = z.union([z.boolean(), z.enum(['1', '0', 'true', 'false']).transform((s) => s === '1' || s === 'true')]);
const enabledBody = z.object({ enabled: flag, _csrf: z.string().optional() }).strict();
const activeBody = z.object({ active: flag, _csrf: z.string().optional() }).strict();
const auditIdBody = z.object({ id: z.string().min(1).max(64), _csrf: z.string().optional() }).strict();
const restoreBody = z.object({ version: versionParam, _csrf: z.string().optional() }).strict();

/** What a redirect after a change says; `a` and `b` are ids or numbers. */
const FLASH = {
  saved: (a: string) => `已保存为 v${a}，所有进程几秒内生效。`,
  enabled: (a: string) => `${a} 已启用。`,
  disabled: (a: string) => `${a} 已停用。`,
  restored: (a: string, b: string) => `已恢复第 ${a} 版，现为 v${b}。`,
  playbook: () => '剧本已保存，所有进程几秒内生效。',
  imported: (a: string) => `已导入：${a} 人新增或修改。`,
  activated: (a: string) => `${a} 已恢复。`,
  deactivated: (a: string) => `${a} 已停用。`,
  team: (a: string) => `团队 ${a} 已保存。`,
  uploaded: (a: string) => `已上传，共 ${a} 页。`,
  existed: () => '这个文件已在资料库中。',
  labels: () => '页面名称已保存。',
} as const;

const bad = (e: z.ZodError) => new AppError('BAD_REQUEST', e.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '));
function parse<T>(schema: z.ZodType<T>, v: unknown): T {
  const r = schema.safeParse(v ?? {});
  if (!r.success) throw bad(r.error);
  return r.data;
}

/** A refused change for the JSON API: 400 with each field's problem. */
const fieldReply = (reply: FastifyReply, err: unknown) => {
  const e = toAppError(err);
  if (e.code !== 'BAD_REQUEST') throw err;
  const d = e.details as { fields?: unknown; errors?: unknown } | undefined;
  return reply
    .status(400)
    .send({ error: { code: e.code, message: e.message, ...(d?.fields ? { fields: d.fields } : {}), ...(d?.errors ? { errors: d.errors } : {}) } });
};

/** The multipart file as the upload route reads it (see onFile below). */
interface UploadedFile {
  fileName: string;
  mimetype: string;
  body: Buffer;
}

export function registerKnowledge(c: FastifyInstance, deps: KnowledgeDeps): void {
  c.register(async (k) => {
    // YAML files and CSV lists are larger than the console's other forms.
    k.removeContentTypeParser('application/x-www-form-urlencoded');
    k.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 1_048_576 }, (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });
    // Fields land on the body before the console's preHandler, so the form's _csrf is checked like any other.
    await k.register(multipart, {
      attachFieldsToBody: 'keyValues',
      limits: { fileSize: MAX_DOCUMENT_BYTES, files: 1, fields: 8, fieldSize: 1024, parts: 10 },
      async onFile(part) {
        (part as unknown as { value: UploadedFile }).value = {
          fileName: part.filename || 'document.pdf',
          mimetype: part.mimetype,
          body: await part.toBuffer(),
        };
      },
    });

    // Admins only, page or JSON.
    k.addHook('preHandler', async (req) => {
      if (deps.who(req).person.role !== 'admin') throw new AppError('FORBIDDEN', '知识库和组织管理只对管理员开放。');
    });

    const by = (req: FastifyRequest) => ({ person: deps.who(req).person, now: deps.now() });
    // This process reloads before it answers, so the admin's next page (and the next message here)
    // has the change. A poll already checking returns without reloading: try again until current.
    const reload = async () => {
      if (!deps.catalog.refresh) return;
      const want = await catalogVersion(deps.db);
      for (let i = 0; i < 100 && deps.catalog.current.version < want; i++) {
        if (!(await deps.catalog.refresh())) await new Promise((r) => setTimeout(r, 20));
      }
    };
    const ctx = (req: FastifyRequest): KnowledgeContext => {
      const v = deps.who(req);
      const catalog = deps.catalog.current;
      return {
        assets: deps.assets,
        viewer: { person: v.person, csrf: v.session.csrfToken },
        timeZone: deps.timeZone,
        now: deps.now(),
        personName: (id) => (id ? (catalog.person(id)?.name ?? id) : '配置文件'),
      };
    };
    const html = (reply: FastifyReply, body: string, status = 200) => reply.status(status).type('text/html; charset=utf-8').send(body);
    // A redirect says what was done by a code and a short id, never by text from the address: a
    // crafted link cannot make an admin page say something of its own.
    const flashOf = (req: FastifyRequest): Flash | undefined => {
      const q = req.query as { done?: string; a?: string; b?: string };
      const text = q.done && Object.hasOwn(FLASH, q.done) ? FLASH[q.done as keyof typeof FLASH] : undefined;
      const arg = (v: string | undefined) => (v && /^[\w.-]{1,64}$/.test(v) ? v : '');
      return text ? { ok: true, text: text(arg(q.a), arg(q.b)) } : undefined;
    };
    const back = (reply: FastifyReply, to: string, done: keyof typeof FLASH, a = '', b = '') =>
      reply.redirect(`${to}?${new URLSearchParams({ done, a, b })}`, 303);

    // ---- atoms: pages ----
    k.get('/console/knowledge', async (req, reply) => html(reply, atomsPage(ctx(req), await listAtoms(deps.db), flashOf(req))));

    const previewsOf = (a: Atom | null) => (a ? previewAtom(a) : []);
    const editorView = async (id: string, extra: Partial<EditorView> = {}): Promise<EditorView> => {
      const { row, history } = await atomDetail(deps.db, id);
      const current = atomSchema.safeParse(row.definition);
      return {
        id,
        yaml: atomYaml(row.definition),
        enabled: row.enabled,
        version: row.version,
        source: row.source,
        errors: [],
        previews: previewsOf(current.success ? current.data : null),
        draft: false,
        history,
        ...extra,
      };
    };

    k.get('/console/knowledge/atoms/new', async (req, reply) => {
      const sample = atomYaml({
        id: 'new-atom',
        title: '',
        topic: '',
        about: [],
        keywords: [],
        stages: [],
        talkTracks: ['{称呼}，'],
        evidence: [],
        risks: [],
      });
      return html(reply, atomEditorPage(ctx(req), { id: null, yaml: sample, errors: [], previews: [], draft: true, history: [] }));
    });

    /** Saves or previews the editor's text; a refusal shows the text again with its field errors. */
    const editorPost = async (req: FastifyRequest, reply: FastifyReply, id: string | null) => {
      const body = parse(yamlBody, req.body);
      const draft = (extra: Partial<EditorView>): Promise<EditorView> | EditorView =>
        id
          ? editorView(id, { yaml: body.yaml, draft: true, ...extra })
          : { id: null, yaml: body.yaml, errors: [], previews: [], draft: true, history: [], ...extra };
      try {
        if (body.do === 'preview') {
          const atom = await validateAtom(deps.db, deps.catalog.current, id, body.yaml);
          return html(reply, atomEditorPage(ctx(req), await draft({ previews: previewAtom(atom) })));
        }
        const row = await saveAtom(deps.db, deps.catalog.current, id, body.yaml, by(req));
        await reload();
        return back(reply, `/console/knowledge/atoms/${encodeURIComponent(row.id)}`, 'saved', String(row.version));
      } catch (err) {
        if (toAppError(err).code !== 'BAD_REQUEST') throw err;
        return html(
          reply,
          atomEditorPage(ctx(req), await draft({ errors: fieldsOf(err), previews: [], flash: { ok: false, text: '没有保存：请改正下面标出的字段。' } })),
          400,
        );
      }
    };

    k.post('/console/knowledge/atoms/new', async (req, reply) => editorPost(req, reply, null));

    k.get('/console/knowledge/atoms/:id', async (req, reply) => {
      const { id } = parse(atomIdParam, req.params);
      return html(reply, atomEditorPage(ctx(req), await editorView(id, { ...(flashOf(req) ? { flash: flashOf(req)! } : {}) })));
    });

    k.post('/console/knowledge/atoms/:id', async (req, reply) => editorPost(req, reply, parse(atomIdParam, req.params).id));

    k.post('/console/knowledge/atoms/:id/enabled', async (req, reply) => {
      const { id } = parse(atomIdParam, req.params);
      const { enabled } = parse(enabledBody, req.body);
      await setAtomEnabled(deps.db, id, enabled, by(req));
      await reload();
      return back(reply, '/console/knowledge', enabled ? 'enabled' : 'disabled', id);
    });

    k.post('/console/knowledge/atoms/:id/restore', async (req, reply) => {
      const { id } = parse(atomIdParam, req.params);
      const { version } = parse(restoreBody, req.body);
      try {
        const row = await restoreAtom(deps.db, deps.catalog.current, id, version, by(req));
        await reload();
        return back(reply, `/console/knowledge/atoms/${encodeURIComponent(id)}`, 'restored', String(version), String(row.version));
      } catch (err) {
        if (toAppError(err).code !== 'BAD_REQUEST') throw err;
        return html(
          reply,
          atomEditorPage(
            ctx(req),
            await editorView(id, { errors: fieldsOf(err), flash: { ok: false, text: `第 ${version} 版已不符合现在的剧本或资料库，没有恢复。` } }),
          ),
          400,
        );
      }
    });

    k.get('/console/knowledge/import', async (req, reply) => html(reply, importPage(ctx(req), { yaml: '', errors: [] })));

    k.post('/console/knowledge/import', async (req, reply) => {
      const body = parse(yamlBody, req.body);
      try {
        const result = await importAtoms(deps.db, deps.catalog.current, body.yaml, by(req));
        await reload();
        return html(reply, importPage(ctx(req), { yaml: '', errors: [], result }));
      } catch (err) {
        if (toAppError(err).code !== 'BAD_REQUEST') throw err;
        return html(reply, importPage(ctx(req), { yaml: body.yaml, errors: fieldsOf(err) }), 400);
      }
    });

    const exportReply = async (reply: FastifyReply) =>
      reply
        .type('application/yaml; charset=utf-8')
        .header('content-disposition', 'attachment; filename="atoms.yaml"')
        .send(await exportAtoms(deps.db));
    k.get('/console/knowledge/atoms.yaml', async (_req, reply) => exportReply(reply));

    // ---- playbook: page ----
    const playbookView = async (req: FastifyRequest, extra: { yaml?: string; errors?: FieldError[]; flash?: Flash } = {}) => {
      const [pb, history] = await Promise.all([playbookDocument(deps.db), playbookHistory(deps.db)]);
      const flash = extra.flash ?? flashOf(req);
      return playbookPage(ctx(req), {
        yaml: extra.yaml ?? playbookYaml(pb.doc),
        source: pb.source,
        errors: extra.errors ?? [],
        history,
        ...(flash ? { flash } : {}),
      });
    };
    const refusedFlash: Flash = { ok: false, text: '没有保存：请改正下面标出的字段。' };

    k.get('/console/knowledge/playbook', async (req, reply) => html(reply, await playbookView(req)));

    k.post('/console/knowledge/playbook', async (req, reply) => {
      const body = parse(yamlBody, req.body);
      try {
        await savePlaybook(deps.db, body.yaml, by(req));
        await reload();
        return back(reply, '/console/knowledge/playbook', 'playbook');
      } catch (err) {
        if (toAppError(err).code !== 'BAD_REQUEST') throw err;
        return html(reply, await playbookView(req, { yaml: body.yaml, errors: fieldsOf(err), flash: refusedFlash }), 400);
      }
    });

    k.post('/console/knowledge/playbook/restore', async (req, reply) => {
      const { id } = parse(auditIdBody, req.body);
      try {
        await restorePlaybook(deps.db, id, by(req));
        await reload();
        return back(reply, '/console/knowledge/playbook', 'playbook');
      } catch (err) {
        if (toAppError(err).code !== 'BAD_REQUEST') throw err;
        return html(reply, await playbookView(req, { errors: fieldsOf(err), flash: { ok: false, text: '这一版已不符合现在的知识原子，没有恢复。' } }), 400);
      }
    });

    // ---- org: page ----
    k.get('/console/org', async (req, reply) =>
      html(reply, orgPage(ctx(req), await orgDirectory(deps.db), { csv: '', ...(flashOf(req) ? { flash: flashOf(req)! } : {}) })),
    );

    k.post('/console/org/import', async (req, reply) => {
      const body = parse(csvBody, req.body);
      if (body.do === 'preview') {
        const plan = await planOrgImport(deps.db, body.csv);
        return html(reply, orgPage(ctx(req), await orgDirectory(deps.db), { csv: body.csv, plan }), plan.errors.length > 0 ? 400 : 200);
      }
      try {
        const plan = await applyOrgImport(deps.db, body.csv, by(req));
        await reload();
        const n = plan.rows.filter((r) => r.change !== 'unchanged').length;
        return back(reply, '/console/org', 'imported', String(n));
      } catch (err) {
        if (toAppError(err).code !== 'BAD_REQUEST') throw err;
        const plan = await planOrgImport(deps.db, body.csv);
        return html(reply, orgPage(ctx(req), await orgDirectory(deps.db), { csv: body.csv, plan }), 400);
      }
    });

    k.post('/console/org/people/:id/active', async (req, reply) => {
      const { id } = parse(personParam, req.params);
      const { active } = parse(activeBody, req.body);
      await setActive(deps.db, id, active, by(req));
      await reload();
      return back(reply, '/console/org', active ? 'activated' : 'deactivated', id);
    });

    k.post('/console/org/teams', async (req, reply) => {
      const t = parse(teamInput, req.body);
      await saveTeam(deps.db, t, by(req));
      await reload();
      return back(reply, '/console/org', 'team', t.id);
    });

    // ---- library: pages ----
    k.get('/console/knowledge/library', async (req, reply) => html(reply, libraryPage(ctx(req), await libraryDocuments(deps.db), flashOf(req))));

    const upload = async (req: FastifyRequest) => {
      if (!deps.storage) throw new AppError('BAD_REQUEST', '这个进程没有配置文档存储。');
      const raw = (req.body ?? {}) as Record<string, unknown>;
      const file = raw.file as UploadedFile | undefined;
      if (!file || !Buffer.isBuffer(file.body)) throw new AppError('BAD_REQUEST', '请选择一个 PDF 文件（字段 file）。');
      if (file.mimetype !== PDF_MIME && !/\.pdf$/i.test(file.fileName)) throw new AppError('BAD_REQUEST', `只接受 PDF 文件（收到 ${file.mimetype}）。`);
      const { file: _f, ...fields } = raw;
      const f = parse(uploadFields, Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== '')));
      return uploadMaterial(deps.db, deps.storage, { body: file.body, fileName: file.fileName, ...(f.title ? { title: f.title } : {}), kind: f.kind }, by(req));
    };

    k.post('/console/knowledge/library', { config: { accepts: 'multipart/form-data' } }, async (req, reply) => {
      try {
        const { document, existed } = await upload(req);
        return back(reply, '/console/knowledge/library', existed ? 'existed' : 'uploaded', String(document.pageCount));
      } catch (err) {
        const e = toAppError(err);
        if (e.code !== 'BAD_REQUEST' && e.code !== 'PAYLOAD_TOO_LARGE') throw err;
        return html(reply, libraryPage(ctx(req), await libraryDocuments(deps.db), { ok: false, text: e.message }), 400);
      }
    });

    const loadDoc = async (req: FastifyRequest) => {
      const p = docIdParam.safeParse(req.params);
      const doc = p.success ? await documentById(deps.db, p.data.id) : null;
      if (!doc) throw new AppError('NOT_FOUND', '没有这个文档。');
      return doc;
    };

    k.get('/console/knowledge/library/:id', async (req, reply) => html(reply, labelsPage(ctx(req), await loadDoc(req), flashOf(req))));

    k.post('/console/knowledge/library/:id', async (req, reply) => {
      const doc = await loadDoc(req);
      const body = (req.body ?? {}) as Record<string, unknown>;
      const labels = Array.from({ length: doc.pageCount }, (_, i) => ({ page: i + 1, raw: body[`title${i + 1}`] }))
        .filter((l) => typeof l.raw === 'string')
        .map((l) => ({ page: l.page, title: (l.raw as string).slice(0, 100) }));
      await editPageLabels(deps.db, doc.id, labels, by(req));
      return back(reply, `/console/knowledge/library/${doc.id}`, 'labels');
    });

    // ---- JSON ----
    k.get('/v1/console/knowledge/atoms', async () => ({ atoms: await listAtoms(deps.db) }));

    k.get('/v1/console/knowledge/atoms/:id', async (req) => {
      const { id } = parse(atomIdParam, req.params);
      const v = await editorView(id);
      return { id, version: v.version, enabled: v.enabled, source: v.source, yaml: v.yaml, history: v.history, previews: v.previews };
    });

    k.post('/v1/console/knowledge/atoms', async (req, reply) => {
      const body = parse(yamlBody, req.body);
      try {
        const row = await saveAtom(deps.db, deps.catalog.current, null, body.yaml, by(req));
        await reload();
        return reply.status(201).send(row);
      } catch (err) {
        return fieldReply(reply, err);
      }
    });

    k.put('/v1/console/knowledge/atoms/:id', async (req, reply) => {
      const { id } = parse(atomIdParam, req.params);
      const body = parse(yamlBody, req.body);
      try {
        const row = await saveAtom(deps.db, deps.catalog.current, id, body.yaml, by(req));
        await reload();
        return row;
      } catch (err) {
        return fieldReply(reply, err);
      }
    });

    k.post('/v1/console/knowledge/atoms/preview', async (req, reply) => {
      const body = parse(yamlBody, req.body);
      try {
        return { previews: previewAtom(await validateAtom(deps.db, deps.catalog.current, (req.query as { id?: string }).id ?? null, body.yaml)) };
      } catch (err) {
        return fieldReply(reply, err);
      }
    });

    k.post('/v1/console/knowledge/atoms/:id/enabled', async (req) => {
      const { id } = parse(atomIdParam, req.params);
      const row = await setAtomEnabled(deps.db, id, parse(enabledBody, req.body).enabled, by(req));
      await reload();
      return row;
    });

    k.post('/v1/console/knowledge/atoms/:id/restore', async (req, reply) => {
      const { id } = parse(atomIdParam, req.params);
      try {
        const row = await restoreAtom(deps.db, deps.catalog.current, id, parse(restoreBody, req.body).version, by(req));
        await reload();
        return row;
      } catch (err) {
        return fieldReply(reply, err);
      }
    });

    k.get('/v1/console/knowledge/atoms.yaml', async (_req, reply) => exportReply(reply));

    k.post('/v1/console/knowledge/atoms/import', async (req, reply) => {
      try {
        const result = await importAtoms(deps.db, deps.catalog.current, parse(yamlBody, req.body).yaml, by(req));
        await reload();
        return result;
      } catch (err) {
        return fieldReply(reply, err);
      }
    });

    k.get('/v1/console/knowledge/playbook', async () => {
      const pb = await playbookDocument(deps.db);
      return { source: pb.source, playbook: pb.doc, yaml: playbookYaml(pb.doc), history: await playbookHistory(deps.db) };
    });

    k.post('/v1/console/knowledge/playbook/restore', async (req, reply) => {
      try {
        await restorePlaybook(deps.db, parse(auditIdBody, req.body).id, by(req));
        await reload();
        const pb = await playbookDocument(deps.db);
        return { source: pb.source, playbook: pb.doc };
      } catch (err) {
        return fieldReply(reply, err);
      }
    });

    k.put('/v1/console/knowledge/playbook', async (req, reply) => {
      try {
        await savePlaybook(deps.db, parse(yamlBody, req.body).yaml, by(req));
        await reload();
        const pb = await playbookDocument(deps.db);
        return { source: pb.source, playbook: pb.doc };
      } catch (err) {
        return fieldReply(reply, err);
      }
    });

    k.get('/v1/console/org', async () => orgDirectory(deps.db));
    registerKnowledgeExports(k, deps);

    /** `{csv, apply: false}` previews; `{csv, apply: true}` applies (nothing when any row is bad). */
    k.post('/v1/console/org/import', async (req, reply) => {
      const body = parse(csvBody, req.body);
      if (!body.apply) {
        const plan = await planOrgImport(deps.db, body.csv);
        return reply.status(plan.errors.length > 0 ? 400 : 200).send({ applied: false, ...plan });
      }
      try {
        const plan = await applyOrgImport(deps.db, body.csv, by(req));
        await reload();
        return { applied: true, ...plan };
      } catch (err) {
        return fieldReply(reply, err);
      }
    });

    k.post('/v1/console/org/people/:id/active', async (req) => {
      const { id } = parse(personParam, req.params);
      const row = await setActive(deps.db, id, parse(activeBody, req.body).active, by(req));
      await reload();
      return { id: row.id, active: row.active };
    });

    k.post('/v1/console/org/teams', async (req) => {
      const t = parse(teamInput, req.body);
      await saveTeam(deps.db, t, by(req));
      await reload();
      return { id: t.id, name: t.name };
    });

    const docJson = (d: Awaited<ReturnType<typeof loadDoc>>) => ({
      id: d.id,
      title: d.title,
      fileName: d.fileName,
      kind: d.kind,
      size: d.size,
      pageCount: d.pageCount,
      labels: labelsOf(d),
      uploadedBy: d.uploadedBy,
      createdAt: d.createdAt,
    });

    k.get('/v1/console/knowledge/library', async () => ({ documents: (await libraryDocuments(deps.db)).map(docJson) }));

    k.post('/v1/console/knowledge/library', async (req, reply) => {
      const { document, existed } = await upload(req);
      return reply.status(existed ? 200 : 201).send({ existed, document: docJson(document) });
    });

    k.patch('/v1/console/knowledge/library/:id/labels', async (req) => {
      const doc = await loadDoc(req);
      const { labels } = parse(pageLabelsBody.extend({ _csrf: z.string().optional() }), req.body);
      return docJson(await editPageLabels(deps.db, doc.id, labels, by(req)));
    });
  });
}
