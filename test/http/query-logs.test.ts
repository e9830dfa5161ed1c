/**
 * A failed query is logged with its SQL and PostgreSQL's own error, never with its parameters:
 * they are customer text and raw payloads. drizzle's error writes them into its message (and so
 * its stack), which used to reach the log through toAppError's message, the stack and the
 * `caused by` chain, where no redaction path looks. The real app's logger, its HTTP error handler
 * and PGlite.
 */
import { eq, sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../bots/http/server.ts';
import { AppError, toAppError } from '../../core/errors.ts';
import { createLogger } from '../../core/logger.ts';
import { deliveries } from '../../db/schema/index.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';

const SECRET = 'SECRET-CUSTOMER-TEXT-4711';
/** PostgreSQL's refusal of a NUL in text: its code (22021, character_not_in_repertoire) or its words. */
const PG_REFUSAL = /22021|invalid byte sequence|0x00/;

let t: TestApp;
let server: FastifyInstance;
const lines: string[] = [];

beforeAll(async () => {
  const log = createLogger({ level: 'info', destination: { write: (l: string) => void lines.push(l) } });
  t = await startTestApp({ log });
  server = buildServer(t.app);
  // A route of the real server whose query fails on PostgreSQL's side, with the value as a parameter.
  server.get('/test/failing-query', async () =>
    t.app.database.db
      .select()
      .from(deliveries)
      .where(eq(deliveries.id, `${SECRET}\u0000`)),
  );
  await server.ready();
});

afterAll(async () => {
  await server?.close();
  await t?.cleanup();
});

/** What was logged while `run` ran: the lines as written, and their errors' messages and stacks. */
async function logged(run: () => Promise<void>): Promise<{ raw: string; errors: string[] }> {
  const from = lines.length;
  await run();
  const written = lines.slice(from);
  expect(written.length).toBeGreaterThan(0);
  const errors = written.map((l) => {
    const err = (JSON.parse(l) as { err?: { message: string; stack: string } }).err;
    return err ? `${err.message}\n${err.stack}` : '';
  });
  return { raw: written.join(''), errors };
}

const failing = () =>
  t.app.database.db
    .select()
    .from(deliveries)
    .where(eq(deliveries.id, `${SECRET}\u0000`));

/** What `p` rejected with; null when it resolved. */
const rejection = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => null,
    (e: unknown) => e,
  );

describe('a failed query in the logs', () => {
  it('through the HTTP error handler: a 500 logged with the SQL and the PostgreSQL error, without the value', async () => {
    const out = await logged(async () => {
      const res = await server.inject({ method: 'GET', url: '/test/failing-query' });
      expect(res.statusCode).toBe(500);
      expect(res.body).not.toContain(SECRET);
    });
    expect(out.raw).not.toContain(SECRET);
    expect(out.errors[0]).toMatch(/from "deliveries"/);
    expect(out.errors[0]).toMatch(PG_REFUSAL);
  });

  it('logged as it was thrown, or as the AppError a boundary makes of it', async () => {
    const err = await rejection(failing());
    expect(err).toBeInstanceOf(Error);
    const out = await logged(async () => {
      t.app.log.error({ err }, 'raw');
      t.app.log.error({ err: toAppError(err) }, 'wrapped');
      t.app.log.child({ component: 'job' }).warn({ err: toAppError(toAppError(err)) }, 'wrapped twice');
      t.app.log.error({ err: new AppError('DATABASE', 'database unreachable', { cause: err }) }, 'coded');
      t.app.log.error({ err: new Error(`import failed: ${(err as Error).message}`, { cause: err }) }, 'copied');
    });
    expect(out.raw).not.toContain(SECRET);
    expect(out.errors).toHaveLength(5);
    for (const e of out.errors) {
      expect(e).toMatch(/from "deliveries"/);
      expect(e).toMatch(PG_REFUSAL);
    }
    const wrapped = toAppError(err);
    expect(`${wrapped.message}\n${wrapped.stack}`).not.toContain(SECRET);
    expect(wrapped.message).toMatch(PG_REFUSAL);
    expect(wrapped.message.match(/invalid byte sequence/g)).toHaveLength(1);
  });

  it('leaves out what PostgreSQL quotes of a row or a key (a unique violation’s detail)', async () => {
    const db = t.app.database.db;
    await db.execute(sql`create temp table quoted (k text primary key)`);
    await db.execute(sql`insert into quoted values (${SECRET})`);
    const err = await rejection(db.execute(sql`insert into quoted values (${SECRET})`));
    expect(JSON.stringify((err as { cause?: { detail?: string } }).cause?.detail)).toContain(SECRET);
    const out = await logged(async () => {
      t.app.log.error({ err }, 'raw');
      t.app.log.error({ err: toAppError(err) }, 'wrapped');
    });
    expect(out.raw).not.toContain(SECRET);
    for (const e of out.errors) expect(e).toMatch(/duplicate key value violates unique constraint "quoted_pkey" \(23505\)/);
  });

  it('from a plain statement (the hot path’s `sql`) as well', async () => {
    const err = await rejection(t.app.database.sql.query('select id from deliveries where id = $1', [`${SECRET}\u0000`]));
    expect(err).toBeInstanceOf(Error);
    const out = await logged(async () => {
      t.app.log.error({ err }, 'raw');
      t.app.log.error({ err: toAppError(err) }, 'wrapped');
    });
    expect(out.raw).not.toContain(SECRET);
    for (const e of out.errors) expect(e).toMatch(PG_REFUSAL);
  });
});
