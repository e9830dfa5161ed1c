/**
 * The console's knowledge and org admin over HTTP (fastify inject, the real app on PGlite): admins
 * only, CSRF on every change, validation that names fields and rows and changes nothing, atom
 * versions with restore, import and export, the org CSV import and deactivation, library material
 * and page labels, every change audited and reaching the in-memory catalog; and a later file load
 * leaving the console's edits alone.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { desc, eq, like } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogVersion, syncCatalogFiles } from '../../bots/catalog/sync.ts';
import { loadCatalog } from '../../bots/catalog/catalog.ts';
import { createConsoleLink } from '../../bots/console/links.ts';
import { parseCsv } from '../../bots/console/knowledge/csv.ts';
import { renderNudge } from '../../bots/coaching/render.ts';
import { buildServer } from '../../bots/http/server.ts';
import { atoms, atomVersions, auditLog, deliveries, documentLinks, identities, people, teams } from '../../db/schema/index.ts';
import { chat, dm, startTestApp, type TestApp } from '../helpers/app.ts';

let t: TestApp;
let server: FastifyInstance;

beforeAll(async () => {
  t = await startTestApp();
  server = buildServer(t.app);
  await server.ready();
}, 120_000);
afterAll(async () => {
  await server?.close();
  await t?.cleanup();
});

const db = () => t.app.database.db;

async function signIn(personId: string): Promise<{ cookie: string; csrf: string }> {
  const { url } = await createConsoleLink(db(), { personId, via: 'cli', now: t.clock.now(), baseUrl: 'http://127.0.0.1' });
  const res = await server.inject({
    method: 'POST',
    url: '/console/login',
    payload: `token=${url.split('/').pop()}`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  expect(res.statusCode, res.body).toBe(303);
  const cookie = String(res.headers['set-cookie']).split(';')[0]!;
  const me = await server.inject({ method: 'GET', url: '/v1/console/me', headers: { cookie } });
  return { cookie, csrf: me.json().csrfToken };
}

/** Each change a second later, so the audit log's order is the order of the changes. */
const tick = () => t.clock.set(new Date(t.clock.now().getTime() + 1000));
const form = (s: { cookie: string }, url: string, fields: Record<string, string>) => {
  tick();
  return server.inject({
    method: 'POST',
    url,
    payload: new URLSearchParams(fields).toString(),
    headers: { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded' },
  });
};
const json = (s: { cookie: string; csrf: string }, method: 'POST' | 'PUT' | 'PATCH', url: string, body: unknown) => {
  tick();
  return server.inject({ method, url, payload: body as object, headers: { cookie: s.cookie, 'x-csrf-token': s.csrf } });
};

const atomRow = async (id: string) => (await db().select().from(atoms).where(eq(atoms.id, id)))[0]!;
const auditsOf = async (subject: string) => db().select().from(auditLog).where(eq(auditLog.subject, subject)).orderBy(desc(auditLog.at));

let admin: { cookie: string; csrf: string };
/** The rule whose timer the playbook test changes in the console (to 3d). */
let editedRule = '';
beforeAll(async () => {
  admin = await signIn('ops');
});

describe('who may use the knowledge admin', () => {
  it('refuses reps and managers, pages and JSON, reads and changes', async () => {
    for (const id of ['zhangsan', 'wangjing']) {
      const s = await signIn(id);
      for (const url of [
        '/console/knowledge',
        '/console/org',
        '/console/knowledge/library',
        '/console/knowledge/playbook',
        '/v1/console/knowledge/atoms',
        '/v1/console/org',
        '/v1/console/export/org',
        '/v1/console/export/atoms?format=xlsx',
      ]) {
        const res = await server.inject({ method: 'GET', url, headers: { cookie: s.cookie } });
        expect(res.statusCode, `${id} ${url}`).toBe(403);
      }
      const before = await atomRow('price-objection-early');
      const res = await json(s, 'POST', '/v1/console/knowledge/atoms/price-objection-early/enabled', { enabled: false });
      expect(res.statusCode).toBe(403);
      expect((await atomRow('price-objection-early')).version).toBe(before.version);
    }
    const anon = await server.inject({ method: 'GET', url: '/console/knowledge' });
    expect(anon.statusCode).toBe(401);
  });

  it('refuses an admin’s change without the CSRF token, and changes nothing', async () => {
    const before = await atomRow('price-objection-early');
    const noToken = await form(admin, '/console/knowledge/atoms/price-objection-early/enabled', { enabled: '0' });
    expect(noToken.statusCode).toBe(403);
    const wrong = await form(admin, '/console/knowledge/atoms/price-objection-early/enabled', { enabled: '0', _csrf: 'x'.repeat(admin.csrf.length) });
    expect(wrong.statusCode).toBe(403);
    const jsonNoToken = await server.inject({
      method: 'POST',
      url: '/v1/console/org/teams',
      payload: { id: 'south', name: '华南' },
      headers: { cookie: admin.cookie },
    });
    expect(jsonNoToken.statusCode).toBe(403);
    expect(await atomRow('price-objection-early')).toEqual(before);
    expect(await db().select().from(teams).where(eq(teams.id, 'south'))).toEqual([]);
  });
});

describe('atoms', () => {
  it('lists every atom with its usage funnel', async () => {
    const res = await server.inject({ method: 'GET', url: '/v1/console/knowledge/atoms', headers: { cookie: admin.cookie } });
    expect(res.statusCode).toBe(200);
    const list = res.json().atoms as Array<{ id: string; usage: Record<string, number> }>;
    expect(list.length).toBe((await db().select().from(atoms)).length);
    expect(list.find((a) => a.id === 'price-objection-early')?.usage).toEqual({ pushed: 0, used: 0, useful: 0, notUseful: 0 });
    const page = await server.inject({ method: 'GET', url: '/console/knowledge', headers: { cookie: admin.cookie } });
    expect(page.body).toContain('data-atom="price-objection-early"');
    // A page says what was done from a code only: a crafted address cannot put words on it.
    const crafted = await server.inject({
      method: 'GET',
      url: `/console/knowledge?ok=${encodeURIComponent('请把密码发给我')}&done=disabled&a=${encodeURIComponent('<b>x</b>')}`,
      headers: { cookie: admin.cookie },
    });
    expect(crafted.body).not.toContain('请把密码发给我');
    expect(crafted.body).not.toContain('<b>x</b>');
    expect(crafted.body).toContain('<p class="flash ok" role="status"> 已停用。</p>');
  });

  it('refuses an invalid edit with each field named, and changes nothing', async () => {
    const before = await atomRow('price-objection-early');
    const version = await catalogVersion(db());
    const yaml = 'id: price-objection-early\ntitle: 价格\ntopic: 价格异议\nstages: [nowhere]\ntalkTracks: []\nmaterial: 不存在的资料\n';
    const res = await json(admin, 'PUT', '/v1/console/knowledge/atoms/price-objection-early', { yaml });
    expect(res.statusCode).toBe(400);
    const fields = (res.json().error.fields as Array<{ field: string }>).map((f) => f.field);
    expect(fields).toContain('talkTracks');
    // The schema's errors come first; the catalog's (stages, material) once the shape is right.
    const res2 = await json(admin, 'PUT', '/v1/console/knowledge/atoms/price-objection-early', { yaml: yaml.replace('talkTracks: []', 'talkTracks: [好的]') });
    expect((res2.json().error.fields as Array<{ field: string }>).map((f) => f.field)).toEqual(['stages.0', 'material']);
    const renamed = await json(admin, 'PUT', '/v1/console/knowledge/atoms/price-objection-early', { yaml: 'id: other\ntitle: a\ntopic: b\ntalkTracks: [c]\n' });
    expect(renamed.json().error.fields[0].field).toBe('id');
    const notYaml = await form(admin, '/console/knowledge/atoms/price-objection-early', { _csrf: admin.csrf, yaml: 'title: [unclosed' });
    expect(notYaml.statusCode).toBe(400);
    expect(notYaml.body).toContain('<code>(yaml)</code>');
    expect(notYaml.body).toContain('title: [unclosed');
    expect(await atomRow('price-objection-early')).toEqual(before);
    expect(await catalogVersion(db())).toBe(version);
    expect(await auditsOf('atom:price-objection-early')).toEqual([]);
  });

  it('saves an edit as the next version: history, audit with before and after, the catalog reloaded', async () => {
    const before = await atomRow('price-objection-early');
    const version = await catalogVersion(db());
    const get = await server.inject({ method: 'GET', url: '/v1/console/knowledge/atoms/price-objection-early', headers: { cookie: admin.cookie } });
    const yaml = (get.json().yaml as string).replace(/talkTracks:\n {2}- .*\n/, 'talkTracks:\n  - "{称呼}，我们先把每月流失的订单算清楚，再看投入值不值。"\n');
    expect(yaml).toContain('我们先把每月流失的订单算清楚');
    const res = await form(admin, '/console/knowledge/atoms/price-objection-early', { _csrf: admin.csrf, yaml });
    expect(res.statusCode, res.body).toBe(303);
    const after = await atomRow('price-objection-early');
    expect(after.version).toBe(before.version + 1);
    expect(after.source).toBe('console');
    expect(await catalogVersion(db())).toBe(version + 1);
    expect(t.app.catalog.current.atoms.get('price-objection-early')?.talkTracks[0]).toBe('{称呼}，我们先把每月流失的订单算清楚，再看投入值不值。');
    const history = await db().select().from(atomVersions).where(eq(atomVersions.atomId, 'price-objection-early')).orderBy(desc(atomVersions.version));
    expect(history[0]).toMatchObject({ version: after.version, via: 'console', personId: 'ops' });
    const [audit] = await auditsOf('atom:price-objection-early');
    expect(audit).toMatchObject({ action: 'atom.edit', personId: 'ops', via: 'console' });
    expect((audit!.before as { version: number }).version).toBe(before.version);
    expect((audit!.after as { definition: { talkTracks: string[] } }).definition.talkTracks[0]).toContain('我们先把每月流失的订单算清楚');
  });

  it('restores an earlier version as a new one', async () => {
    const history = await db().select().from(atomVersions).where(eq(atomVersions.atomId, 'price-objection-early')).orderBy(atomVersions.version);
    const first = history[0]!;
    const current = await atomRow('price-objection-early');
    const res = await form(admin, '/console/knowledge/atoms/price-objection-early/restore', { _csrf: admin.csrf, version: String(first.version) });
    expect(res.statusCode, res.body).toBe(303);
    const after = await atomRow('price-objection-early');
    expect(after.version).toBe(current.version + 1);
    expect(after.definition).toEqual(first.definition);
    expect(t.app.catalog.current.atoms.get('price-objection-early')?.talkTracks[0]).toBe((first.definition as { talkTracks: string[] }).talkTracks[0]);
    expect((await auditsOf('atom:price-objection-early'))[0]).toMatchObject({ action: 'atom.restore' });
  });

  it('previews the nudge as each platform’s card with the real encoders', async () => {
    const yaml = 'id: preview-test\ntitle: 预览测试\ntopic: 测试\ntalkTracks: ["{称呼}，这是预览话术。"]\nrisks: [不要承诺折扣]\n';
    const res = await json(admin, 'POST', '/v1/console/knowledge/atoms/preview', { yaml });
    expect(res.statusCode, res.body).toBe(200);
    const previews = res.json().previews as Array<{ platform: string; html: string; payload: unknown }>;
    expect(previews.map((p) => p.platform)).toEqual(['wecom', 'feishu', 'dingtalk']);
    for (const p of previews) {
      expect(p.html).toContain('李主任，这是预览话术。');
      expect(JSON.stringify(p.payload)).toContain('李主任，这是预览话术。');
    }
    expect(JSON.stringify(previews[0]!.payload)).toContain('template_card');
    expect((previews[1]!.payload as { msg_type: string }).msg_type).toBe('interactive');
    expect((previews[2]!.payload as { msgKey: string }).msgKey).toMatch(/^sampleActionCard/);
    // A preview writes nothing.
    expect(await db().select().from(atoms).where(eq(atoms.id, 'preview-test'))).toEqual([]);
  });

  it('disables and enables: the catalog follows', async () => {
    const off = await form(admin, '/console/knowledge/atoms/price-objection-early/enabled', { _csrf: admin.csrf, enabled: '0' });
    expect(off.statusCode).toBe(303);
    expect(t.app.catalog.current.atoms.has('price-objection-early')).toBe(false);
    expect((await auditsOf('atom:price-objection-early'))[0]).toMatchObject({ action: 'atom.disable' });
    await form(admin, '/console/knowledge/atoms/price-objection-early/enabled', { _csrf: admin.csrf, enabled: '1' });
    expect(t.app.catalog.current.atoms.has('price-objection-early')).toBe(true);
  });

  it('imports a whole ATOMS_FILE or nothing, and exports one that imports back unchanged', async () => {
    const countBefore = (await db().select().from(atoms)).length;
    const enabledBefore = (await db().select().from(atoms).where(eq(atoms.enabled, true))).length;
    const bad =
      'atoms:\n  - id: import-a\n    title: 甲\n    topic: 导入\n    talkTracks: [一]\n  - id: import-b\n    title: 乙\n    topic: 导入\n    talkTracks: []\n';
    const refused = await json(admin, 'POST', '/v1/console/knowledge/atoms/import', { yaml: bad });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error.fields[0].field).toBe('atoms.1.talkTracks');
    expect((await db().select().from(atoms)).length).toBe(countBefore);

    const good = bad.replace('talkTracks: []', 'talkTracks: [二]');
    const ok = await json(admin, 'POST', '/v1/console/knowledge/atoms/import', { yaml: good });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toEqual({ created: ['import-a', 'import-b'], updated: [], unchanged: [] });
    expect(t.app.catalog.current.atoms.get('import-b')?.talkTracks).toEqual(['二']);

    const exported = await server.inject({ method: 'GET', url: '/console/knowledge/atoms.yaml', headers: { cookie: admin.cookie } });
    expect(exported.headers['content-disposition']).toContain('atoms.yaml');
    const file = parseYaml(exported.body) as { atoms: Array<{ id: string }> };
    expect(file.atoms.length).toBe(enabledBefore + 2);
    const again = await json(admin, 'POST', '/v1/console/knowledge/atoms/import', { yaml: exported.body });
    expect(again.json().created).toEqual([]);
    expect(again.json().updated).toEqual([]);
    expect(again.json().unchanged.length).toBe(enabledBefore + 2);
  });
});

describe('playbook', () => {
  it('refuses an invalid playbook with its fields, saves a valid one audited and console-owned', async () => {
    const get = await server.inject({ method: 'GET', url: '/v1/console/knowledge/playbook', headers: { cookie: admin.cookie } });
    const yaml = get.json().yaml as string;
    const doc = parseYaml(yaml) as { rules: Array<{ id: string; within?: string; atoms?: { ids?: string[] } }> };
    const withAtoms = doc.rules.findIndex((r) => r.atoms?.ids);
    const bad = structuredClone(doc);
    bad.rules[0]!.within = 'soon';
    bad.rules[withAtoms]!.atoms = { ids: ['no-such-atom'] };
    const { stringify } = await import('yaml');
    const r1 = await json(admin, 'PUT', '/v1/console/knowledge/playbook', { yaml: stringify(bad) });
    expect(r1.statusCode).toBe(400);
    expect(r1.json().error.fields.map((f: { field: string }) => f.field)).toContain('rules.0.within');
    const bad2 = structuredClone(doc);
    bad2.rules[withAtoms]!.atoms = { ids: ['no-such-atom'] };
    const r2 = await json(admin, 'PUT', '/v1/console/knowledge/playbook', { yaml: stringify(bad2) });
    expect(r2.json().error.fields).toEqual([{ field: `rules.${withAtoms}.atoms.ids.0`, message: 'unknown atom no-such-atom' }]);
    expect(await auditsOf('playbook')).toEqual([]);

    const good = structuredClone(doc);
    const target = good.rules.find((r) => r.within && r.within !== '3d')!;
    target.within = '3d';
    editedRule = target.id;
    const ok = await json(admin, 'PUT', '/v1/console/knowledge/playbook', { yaml: stringify(good) });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().source).toBe('console');
    expect(t.app.catalog.current.playbook.rules.find((r) => r.id === target.id)?.within).toBe(3 * 86_400_000);
    const [audit] = await auditsOf('playbook');
    expect(audit).toMatchObject({ action: 'playbook.edit', personId: 'ops' });

    // A second save, then the first one back from the history.
    const second = structuredClone(good);
    second.rules.find((r) => r.id === target.id)!.within = '5d';
    expect((await json(admin, 'PUT', '/v1/console/knowledge/playbook', { yaml: stringify(second) })).statusCode).toBe(200);
    expect(t.app.catalog.current.playbook.rules.find((r) => r.id === target.id)?.within).toBe(5 * 86_400_000);
    const history = (await server.inject({ method: 'GET', url: '/v1/console/knowledge/playbook', headers: { cookie: admin.cookie } })).json().history;
    expect(history).toHaveLength(2);
    const restored = await form(admin, '/console/knowledge/playbook/restore', { _csrf: admin.csrf, id: history[1].id });
    expect(restored.statusCode, restored.body).toBe(303);
    expect(t.app.catalog.current.playbook.rules.find((r) => r.id === target.id)?.within).toBe(3 * 86_400_000);
    expect(await auditsOf('playbook')).toHaveLength(3);
    const page = await server.inject({ method: 'GET', url: '/console/knowledge/playbook', headers: { cookie: admin.cookie } });
    expect(page.body.match(/data-audit=/g)).toHaveLength(3);
    expect((await json(admin, 'POST', '/v1/console/knowledge/playbook/restore', { id: 'nope' })).statusCode).toBe(404);
  });

  it("keeps a rule's after / before through the YAML it shows and takes, and names a bad one by its field", async () => {
    const read = async () => {
      const get = await server.inject({ method: 'GET', url: '/v1/console/knowledge/playbook', headers: { cookie: admin.cookie } });
      return parseYaml(get.json().yaml as string) as { rules: Array<{ id: string; after?: unknown; before?: unknown }> };
    };
    const doc = await read();
    const contract = doc.rules.findIndex((r) => r.id === 'silence-contract');
    const negotiation = doc.rules.findIndex((r) => r.id === 'silence-negotiation');
    expect(doc.rules[contract]!.after).toEqual({ action: 'contract_sent' });
    expect(doc.rules[negotiation]!.before).toEqual({ action: 'contract_sent' });
    const { stringify } = await import('yaml');

    const unknown = structuredClone(doc);
    unknown.rules[contract]!.after = { action: 'contract_signed' };
    const r1 = await json(admin, 'PUT', '/v1/console/knowledge/playbook', { yaml: stringify(unknown) });
    expect(r1.statusCode).toBe(400);
    expect(r1.json().error.fields.map((f: { field: string }) => f.field)).toEqual([`rules.${contract}.after.action`]);
    const never = structuredClone(doc);
    never.rules[contract]!.before = { action: 'contract_sent' };
    const r2 = await json(admin, 'PUT', '/v1/console/knowledge/playbook', { yaml: stringify(never) });
    expect(r2.json().error.fields.map((f: { field: string }) => f.field)).toEqual([`rules.${contract}.before`]);

    // Saved as shown, it comes back the same and the running catalog holds it.
    expect((await json(admin, 'PUT', '/v1/console/knowledge/playbook', { yaml: stringify(doc) })).statusCode).toBe(200);
    expect(await read()).toEqual(doc);
    expect(t.app.catalog.current.playbook.rules.find((r) => r.id === 'silence-contract')?.after).toEqual({ action: 'contract_sent' });
  });
});

describe('org', () => {
  it('names each bad CSV row by its line and applies nothing', async () => {
    const csv = [
      'id,name,role,team,manages,wecom,local',
      'newrep,新销售,rep,east,,newrep,newrep',
      'bad id,坏,rep,east,,,',
      'zhou,周,boss,east,,,',
      'wu,吴,rep,nowhere,,,',
      'zheng,郑,rep,east,,zhangsan,',
      '"quoted, name",引号,rep,east,,,',
    ].join('\n');
    const res = await json(admin, 'POST', '/v1/console/org/import', { csv, apply: true });
    expect(res.statusCode).toBe(400);
    const lines = (res.json().error.errors as Array<{ line: number }>).map((e) => e.line);
    expect(lines).toEqual([3, 4, 5, 6, 7]);
    expect(res.json().error.message).toContain('第 6 行');
    expect(res.json().error.message).toContain('wecom:zhangsan belongs to zhangsan');
    expect(await db().select().from(people).where(eq(people.id, 'newrep'))).toEqual([]);
    expect(await auditsOf('org')).toEqual([]);
  });

  it('previews what changes, then applies it: new people with their ids, changed ones, an id moved between two people', async () => {
    const csv = [
      'id,name,role,team,manages,wecom,feishu,dingtalk,local',
      'newrep,新销售,rep,north,,newrep,,,newrep',
      // 李四 changes team; his wecom id moves to 张三's row below, 张三's to him.
      'lisi,李四,rep,north,,zhangsan,ou_bce0869aa6e03df39555d5e73ea15222,1979805057,lisi',
      'zhangsan,张三,rep,east,,lisi,ou_7d8a6e6df7621556ce0d21922b676706,0123456,zhangsan',
      'sunhao,孙浩,rep,north,,sunhao,ou_969dfb1e9d8d33a101cd0da521fd6615,2410229043,sunhao',
    ].join('\r\n');
    const preview = await json(admin, 'POST', '/v1/console/org/import', { csv });
    expect(preview.statusCode, preview.body).toBe(200);
    const rows = preview.json().rows as Array<{ line: number; change: string; fields: string[] }>;
    expect(rows.map((r) => [r.line, r.change, r.fields])).toEqual([
      [2, 'new', []],
      [3, 'changed', ['team', 'wecom']],
      [4, 'changed', ['wecom']],
      [5, 'unchanged', []],
    ]);
    expect(await db().select().from(people).where(eq(people.id, 'newrep'))).toEqual([]);

    const page = await form(admin, '/console/org/import', { _csrf: admin.csrf, do: 'preview', csv });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('id="apply"');
    const applied = await form(admin, '/console/org/import', { _csrf: admin.csrf, do: 'apply', csv });
    expect(applied.statusCode, applied.body).toBe(303);
    const c = t.app.catalog.current;
    expect(c.person('newrep')).toMatchObject({ name: '新销售', role: 'rep', teamId: 'north', active: true });
    expect(c.personByPlatformId('wecom', 'zhangsan')?.id).toBe('lisi');
    expect(c.personByPlatformId('wecom', 'lisi')?.id).toBe('zhangsan');
    expect(c.person('lisi')?.teamId).toBe('north');
    const [audit] = await auditsOf('org');
    expect(audit).toMatchObject({ action: 'org.import', personId: 'ops' });
    expect((audit!.after as Array<{ id: string }>).map((p) => p.id)).toEqual(['newrep', 'lisi', 'zhangsan']);
    expect((audit!.before as Array<{ id: string }>).map((p) => p.id).sort()).toEqual(['lisi', 'zhangsan']);
  });

  it('deactivates a person (never deletes), who then cannot sign in; restores them', async () => {
    const s = await signIn('newrep');
    const res = await json(admin, 'POST', '/v1/console/org/people/newrep/active', { active: false });
    expect(res.statusCode, res.body).toBe(200);
    expect((await db().select().from(people).where(eq(people.id, 'newrep')))[0]).toMatchObject({ active: false, source: 'console' });
    expect((await db().select().from(identities).where(eq(identities.personId, 'newrep'))).length).toBe(2);
    expect(t.app.catalog.current.person('newrep')?.active).toBe(false);
    // The open session stops at once: the directory is read at every request.
    expect((await server.inject({ method: 'GET', url: '/v1/console/me', headers: { cookie: s.cookie } })).statusCode).toBe(401);
    expect((await auditsOf('person:newrep'))[0]).toMatchObject({ action: 'person.deactivate', before: { active: true }, after: { active: false } });
    const self = await json(admin, 'POST', '/v1/console/org/people/ops/active', { active: false });
    expect(self.statusCode).toBe(400);
    await json(admin, 'POST', '/v1/console/org/people/newrep/active', { active: true });
    expect(t.app.catalog.current.person('newrep')?.active).toBe(true);
  });

  it('reads quoted CSV fields with commas, quotes and line breaks, and keeps each record’s first line', () => {
    const { records, error } = parseCsv('\uFEFFa,b\n"x, y","say ""hi"""\n\n"multi\nline",z\n');
    expect(error).toBeNull();
    expect(records).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['x, y', 'say "hi"'] },
      { line: 4, fields: ['multi\nline', 'z'] },
    ]);
    expect(parseCsv('a\n"open').error).toBe('line 2: a quoted field is not closed');
  });
});

describe('shared material', () => {
  let docId = '';
  it('uploads a PDF as library material (multipart, CSRF), lists it, and refuses one without the token', async () => {
    const pdf = await readFile('config/documents/sample-proposal.pdf');
    const multipart = (fields: Record<string, string>) => {
      const boundary = '----dwtest';
      const parts = Object.entries(fields).map(([k, v]) => `--${boundary}\r\ncontent-disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`);
      const body = Buffer.concat([
        Buffer.from(parts.join('')),
        Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="客户案例.pdf"\r\ncontent-type: application/pdf\r\n\r\n`),
        pdf,
        Buffer.from(`\r\n--${boundary}--\r\n`),
      ]);
      return { body, type: `multipart/form-data; boundary=${boundary}` };
    };
    const noToken = multipart({ title: '华东医疗案例' });
    const refused = await server.inject({
      method: 'POST',
      url: '/console/knowledge/library',
      payload: noToken.body,
      headers: { cookie: admin.cookie, 'content-type': noToken.type },
    });
    expect(refused.statusCode).toBe(403);
    const withToken = multipart({ _csrf: admin.csrf, title: '华东医疗案例' });
    const res = await server.inject({
      method: 'POST',
      url: '/console/knowledge/library',
      payload: withToken.body,
      headers: { cookie: admin.cookie, 'content-type': withToken.type },
    });
    expect(res.statusCode, res.body).toBe(303);
    const list = await server.inject({ method: 'GET', url: '/v1/console/knowledge/library', headers: { cookie: admin.cookie } });
    const docs = list.json().documents as Array<{ id: string; title: string; pageCount: number; kind: string }>;
    expect(docs).toHaveLength(1);
    expect(docs[0]).toMatchObject({ title: '华东医疗案例', kind: 'material' });
    docId = docs[0]!.id;
    expect((await auditsOf(`document:${docId}`))[0]).toMatchObject({ action: 'material.upload' });
    // The same file again is the same document, not a second one nor a second audit row.
    const again = multipart({ _csrf: admin.csrf });
    const res2 = await server.inject({
      method: 'POST',
      url: '/v1/console/knowledge/library',
      payload: again.body,
      headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf, 'content-type': again.type },
    });
    expect(res2.statusCode, res2.body).toBe(200);
    expect(res2.json()).toMatchObject({ existed: true, document: { id: docId } });
    expect(await auditsOf(`document:${docId}`)).toHaveLength(1);
    // Not a PDF: refused with the reason on the page, nothing stored.
    const fake = multipart({ _csrf: admin.csrf });
    const notPdf = Buffer.from(fake.body.toString('latin1').replace('%PDF', '%XYZ'), 'latin1');
    const res3 = await server.inject({
      method: 'POST',
      url: '/console/knowledge/library',
      payload: notPdf,
      headers: { cookie: admin.cookie, 'content-type': fake.type },
    });
    expect(res3.statusCode).toBe(400);
    expect(res3.body).toContain('only PDF files can be shared');
    expect((await server.inject({ method: 'GET', url: '/v1/console/knowledge/library', headers: { cookie: admin.cookie } })).json().documents).toHaveLength(1);
    const page = await server.inject({ method: 'GET', url: '/console/knowledge/library', headers: { cookie: admin.cookie } });
    expect(page.body).toContain('华东医疗案例');
  });

  it('edits page labels, audited', async () => {
    const res = await json(admin, 'PATCH', `/v1/console/knowledge/library/${docId}/labels`, { labels: [{ page: 2, title: '客户收益' }] });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().labels[1]).toMatchObject({ page: 2, title: '客户收益', label: '第2页 · 客户收益' });
    const beyond = await json(admin, 'PATCH', `/v1/console/knowledge/library/${docId}/labels`, { labels: [{ page: 999, title: 'x' }] });
    expect(beyond.statusCode).toBe(400);
    const form1 = await form(admin, `/console/knowledge/library/${docId}`, { _csrf: admin.csrf, title1: '封面', title2: '' });
    expect(form1.statusCode).toBe(303);
    const audits = await auditsOf(`document:${docId}`);
    expect(audits[0]).toMatchObject({ action: 'document.labels' });
    expect((audits[0]!.after as (string | null)[]).slice(0, 2)).toEqual(['封面', null]);
  });

  it('lets an atom name the material, and its nudge tells the rep how to share it', async () => {
    const yaml = 'id: case-material\ntitle: 发同行案例\ntopic: 案例\ntalkTracks: ["{称呼}，给您发一份同行案例。"]\nmaterial: 华东医疗案例\n';
    const res = await json(admin, 'POST', '/v1/console/knowledge/atoms', { yaml });
    expect(res.statusCode, res.body).toBe(201);
    const atom = t.app.catalog.current.atoms.get('case-material')!;
    expect(atom.material).toBe('华东医疗案例');
    const card = renderNudge({ nudgeId: 'n', title: 't', hint: 'h', dealName: '东方物流 · 仓储', evidence: null, atoms: [atom] });
    expect(card.type === 'card' && card.text).toContain('`/share 华东医疗案例 东方物流`');
  });

  it('the command the nudge names makes a tracked link of the library document for that deal’s customer chat', async () => {
    tick();
    await t.app.sink.message({
      ...chat({ from: 'zhangsan', text: '周经理好，我是张三。', at: t.clock.now(), conv: 'c-share' }),
      conversationTitle: '东方物流 · 仓储',
    });
    await t.app.drain();
    tick();
    await t.app.sink.message(dm('zhangsan', '/share 华东医疗案例 东方物流', t.clock.now()));
    await t.app.drain();
    const [reply] = (await db().select().from(deliveries).where(like(deliveries.idempotencyKey, 'reply:%')).orderBy(desc(deliveries.createdAt))).filter(
      (d) => 'personId' in d.to && d.to.personId === 'zhangsan',
    );
    const text = reply?.message?.type === 'markdown' ? reply.message.text : '';
    expect(text).toContain('《华东医疗案例》发到「东方物流 · 仓储」的客户群');
    expect(text).toMatch(/\/d\/[A-Za-z0-9_-]{20,}/);
    const links = await db().select().from(documentLinks).where(eq(documentLinks.documentId, docId));
    expect(links).toHaveLength(1);
    expect(links[0]).toMatchObject({ conversationId: 'local:c-share', createdBy: 'zhangsan' });
  });
});

describe('a later file load', () => {
  it('leaves console edits (atoms, people, teams, the playbook) as they are and still loads the rest', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dealwise-files-'));
    try {
      for (const f of ['org.yaml', 'playbooks.yaml', 'atoms.yaml']) await cp(join('config', f), join(dir, f));
      // The files change (a new file hash), touching both console-edited and untouched entries.
      const atomsText = (await readFile(join(dir, 'atoms.yaml'), 'utf8')).replaceAll('我们', '咱们');
      await writeFile(join(dir, 'atoms.yaml'), atomsText);
      const org = (await readFile(join(dir, 'org.yaml'), 'utf8')).replace('name: 李四', 'name: 李四四').replace('name: 华北二组', 'name: 华北二组改');
      await writeFile(join(dir, 'org.yaml'), org);
      const consoleAtom = await atomRow('price-objection-early');
      const fileAtom = (await db().select().from(atoms).where(eq(atoms.source, 'file'))).find((a) => JSON.stringify(a.definition).includes('我们'))!;
      const wrote = await syncCatalogFiles(db(), {
        orgFile: join(dir, 'org.yaml'),
        playbookFile: join(dir, 'playbooks.yaml'),
        atomsFile: join(dir, 'atoms.yaml'),
      });
      expect(wrote).toBe(true);
      expect(await atomRow('price-objection-early')).toEqual(consoleAtom);
      expect(JSON.stringify((await atomRow(fileAtom.id)).definition)).toContain('咱们');
      // Atoms only the console has stay on; 李四 (imported in the console) keeps his name and ids.
      expect((await atomRow('import-a')).enabled).toBe(true);
      const c = await loadCatalog(db());
      expect(c.person('lisi')?.name).toBe('李四');
      expect(c.personByPlatformId('wecom', 'zhangsan')?.id).toBe('lisi');
      expect(c.person('newrep')?.active).toBe(true);
      expect(c.teams.get('north')?.name).toBe('华北二组改');
      // The playbook was saved in the console: its edited timer stands.
      expect(c.playbook.rules.find((r) => r.id === editedRule)?.within).toBe(3 * 86_400_000);
      // A file load is kept in the history too.
      const v = await db().select().from(atomVersions).where(eq(atomVersions.atomId, fileAtom.id)).orderBy(desc(atomVersions.version));
      expect(v[0]).toMatchObject({ via: 'file', personId: null });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('exports of the admin lists', () => {
  it("exports the org in the import's columns, so the file imports back with nothing to change", async () => {
    const res = await server.inject({ method: 'GET', url: '/v1/console/export/org?format=csv', headers: { cookie: admin.cookie } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toContain('text/csv');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="org-\d{4}-\d\d-\d\d\.csv"/);
    const csv = res.body.replace(/^\uFEFF/, '');
    const [header, ...rows] = csv.trim().split('\r\n');
    expect(header).toBe('id,name,role,team,manages,local,wecom,feishu,dingtalk');
    // A DingTalk id with a leading zero is written as a formula Excel shows and saves as text.
    expect(rows.find((r) => r.startsWith('wangjing,'))).toMatch(/^wangjing,王静,manager,east,east,wangjing,wangjing,ou_[0-9a-f]{32},"=""0775412070"""$/);
    const plan = await json(admin, 'POST', '/v1/console/org/import', { csv, apply: false });
    expect(plan.statusCode, plan.body).toBe(200);
    const changes = (plan.json().rows as Array<{ change: string }>).map((r) => r.change);
    expect(changes.length).toBe(rows.length);
    expect(new Set(changes)).toEqual(new Set(['unchanged']));
  });

  it('exports ids Excel keeps, reads them back exactly, and refuses an id that lost its leading zeros', async () => {
    const res = await server.inject({ method: 'GET', url: '/v1/console/export/org?format=csv', headers: { cookie: admin.cookie } });
    const exported = res.body.replace(/^\uFEFF/, '');
    // Opened in Excel and saved as CSV: each ="…" is shown, and saved, as its text.
    const saved = exported.replace(/"=""([^"]*)"""/g, '$1');
    expect(saved).toContain(',0775412070\r\n');
    for (const csv of [exported, saved]) {
      const plan = await json(admin, 'POST', '/v1/console/org/import', { csv });
      expect(plan.statusCode, plan.body).toBe(200);
      const rows = plan.json().rows as Array<{ change: string; person: { id: string; ids: Record<string, string> } }>;
      expect(new Set(rows.map((r) => r.change))).toEqual(new Set(['unchanged']));
      expect(rows.find((r) => r.person.id === 'wangjing')!.person.ids.dingtalk).toBe('0775412070');
    }

    // What Excel saved from an unprotected file: the zero gone. Refused in the preview and when
    // applied, and nothing applied.
    const stripped = saved.replace(',0775412070\r\n', ',775412070\r\n');
    for (const apply of [false, true]) {
      const plan = await json(admin, 'POST', '/v1/console/org/import', { csv: stripped, apply });
      expect(plan.statusCode, plan.body).toBe(400);
      const errors = (apply ? plan.json().error.errors : plan.json().errors) as Array<{ line: number; message: string }>;
      expect(errors).toHaveLength(1);
      expect(errors[0]!.message).toMatch(/^dingtalk id 775412070 is 0775412070 without its leading zeros\. Excel/);
    }
    expect(t.app.catalog.current.personByPlatformId('dingtalk', '0775412070')?.id).toBe('wangjing');
    expect(t.app.catalog.current.personByPlatformId('dingtalk', '775412070')).toBeNull();
  });

  it('exports the atoms with their usage funnel as Excel', async () => {
    const res = await server.inject({ method: 'GET', url: '/v1/console/export/atoms?format=xlsx', headers: { cookie: admin.cookie } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    // An .xlsx is a zip: its local file header starts the body.
    expect(res.rawPayload.subarray(0, 4).toString('latin1')).toBe('PK\u0003\u0004');
    const bad = await server.inject({ method: 'GET', url: '/v1/console/export/atoms?format=pdf', headers: { cookie: admin.cookie } });
    expect(bad.statusCode).toBe(400);
  });
});
