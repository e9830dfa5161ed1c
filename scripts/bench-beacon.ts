/**
 * How many reading beacons a second POST /d/:token/beacon sustains, on the embedded database
 * (PGlite) and on PostgreSQL, beside a fastify hello-world floor (a POST that parses the same
 * JSON and answers 204) measured in the same run. The server runs in this process; the load comes
 * from a worker thread (its own core) over keep-alive HTTP on 127.0.0.1. Every beacon goes through
 * the whole path: rate limits (set high enough not to refuse), token lookup, strict validation,
 * the view check and one upsert. Runs alternate beacon and floor; medians at the end. With
 * `--events`, the reading-event listener is on too (the before/after snapshot the loop's
 * signals need: two more queries a beacon).
 *
 *   npm run bench:beacon [-- --mode pglite|postgres|both --requests 3000 --runs 5 --concurrency 16 --events]
 *
 * PostgreSQL: a fresh database on TEST_DATABASE_URL's server (default 127.0.0.1:5432), dropped after.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import Fastify from 'fastify';
import { FolderStorage } from '../bots/documents/folder-storage.ts';
import { recordOpen } from '../bots/documents/reading.ts';
import { registerDocumentRoutes } from '../bots/documents/routes.ts';
import { createDocumentLink, storeDocument } from '../bots/documents/share.ts';
import { openDatabase, type Database } from '../db/client.ts';
import { linkByTokenHash } from '../db/queries/documents.ts';
import { hashToken } from '../bots/documents/tokens.ts';
import { seedDeal, samplePdf, DEAL } from '../test/documents/harness.ts';
import { createTestDatabase } from '../test/services/pg.ts';
import { parseOptions, positiveInt, usageError } from './options.ts';

const USAGE = 'npm run bench:beacon [-- --mode pglite|postgres|both --requests 3000 --runs 5 --concurrency 16 --readers 200 --events]';
const values = parseOptions(USAGE, {
  mode: { type: 'string', default: 'both' },
  requests: { type: 'string' },
  runs: { type: 'string' },
  concurrency: { type: 'string' },
  readers: { type: 'string' },
  events: { type: 'boolean', default: false },
});
if (!['pglite', 'postgres', 'both'].includes(values.mode)) usageError(USAGE, `--mode ${values.mode}: expected pglite, postgres or both`);
const REQUESTS = positiveInt(USAGE, 'requests', values.requests, 3_000);
const RUNS = positiveInt(USAGE, 'runs', values.runs, 5);
const CONCURRENCY = positiveInt(USAGE, 'concurrency', values.concurrency, 16);
const READERS = positiveInt(USAGE, 'readers', values.readers, 200);
const WARMUP = Math.min(500, REQUESTS);

interface Target {
  token: string;
  viewId: string;
}
interface ClientResult {
  elapsedMs: number;
  seconds: number;
  failures: Record<string, number>;
  p50: number;
  p99: number;
}

function load(port: number, targets: Target[], path: 'beacon' | 'hello', requests: number): Promise<ClientResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./bench-beacon-client.mjs', import.meta.url), {
      workerData: { port, targets, requests, concurrency: CONCURRENCY, path },
    });
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** One shared proposal, READERS links (one per customer reader), each opened once. */
async function setUp(database: Database, dataDir: string): Promise<Target[]> {
  const db = database.db;
  await seedDeal(db);
  const now = new Date();
  const storage = new FolderStorage(join(dataDir, 'documents'));
  const document = await storeDocument(db, storage, {
    body: samplePdf(),
    fileName: '方案建议书.pdf',
    uploadedBy: DEAL.personId,
    conversationId: DEAL.conversationId,
    opportunityId: DEAL.opportunityId,
    now,
  });
  const targets: Target[] = [];
  for (let i = 0; i < READERS; i++) {
    const { token } = await createDocumentLink(db, {
      documentId: document.id,
      conversationId: DEAL.conversationId,
      opportunityId: DEAL.opportunityId,
      createdBy: DEAL.personId,
      now,
      publicUrl: 'http://127.0.0.1',
    });
    const found = (await linkByTokenHash(db, hashToken(token)))!;
    const { viewId } = await recordOpen(db, {
      ...found,
      body: { sessionId: `bench-session-${i}-xxxxxxxx`, browserId: `bench-browser-${i}-xxxxxxxx` },
      ip: '127.0.0.1',
      userAgent: 'bench',
      now,
      withEvent: false,
    });
    targets.push({ token, viewId });
  }
  return targets;
}

async function bench(mode: 'pglite' | 'postgres'): Promise<{ beacons: number[]; floor: number[]; p50: number[]; p99: number[] }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'dealwise-bench-docs-'));
  const pg = mode === 'postgres' ? await createTestDatabase() : null;
  const database = await openDatabase({ dataDir, ...(pg ? { databaseUrl: pg.url } : {}) });
  const server = Fastify({ logger: false });
  const hello = Fastify({ logger: false });
  hello.post('/hello', async (_req, reply) => reply.status(204).send());
  let events = 0;
  try {
    const targets = await setUp(database, dataDir);
    const huge = 1_000_000_000;
    registerDocumentRoutes(server, {
      db: database.db,
      storage: new FolderStorage(join(dataDir, 'documents')),
      config: { DOCUMENT_LINK_DAYS: 30 },
      publicUrl: 'http://127.0.0.1',
      authorize: () => {},
      limits: { beaconPerIpPerMinute: huge, beaconPerLinkPerMinute: huge },
      ...(values.events ? { onReading: () => void events++ } : {}),
    });
    const port = Number(new URL(await server.listen({ host: '127.0.0.1', port: 0 })).port);
    const helloPort = Number(new URL(await hello.listen({ host: '127.0.0.1', port: 0 })).port);

    await load(port, targets, 'beacon', WARMUP);
    await load(helloPort, targets, 'hello', WARMUP);
    const out = { beacons: [] as number[], floor: [] as number[], p50: [] as number[], p99: [] as number[] };
    for (let r = 1; r <= RUNS; r++) {
      const b = await load(port, targets, 'beacon', REQUESTS);
      const f = await load(helloPort, targets, 'hello', REQUESTS);
      if (Object.keys(b.failures).length) throw new Error(`beacons refused: ${JSON.stringify(b.failures)}`);
      const rate = REQUESTS / (b.elapsedMs / 1000);
      const floor = REQUESTS / (f.elapsedMs / 1000);
      out.beacons.push(rate);
      out.floor.push(floor);
      out.p50.push(b.p50);
      out.p99.push(b.p99);
      console.log(
        `${mode} run ${r}: ${rate.toFixed(0)} beacons/s (p50 ${b.p50.toFixed(1)} ms, p99 ${b.p99.toFixed(1)} ms); floor ${floor.toFixed(0)} req/s; ${((rate / floor) * 100).toFixed(1)}% of the floor`,
      );
    }
    return out;
  } finally {
    await server.close();
    await hello.close();
    await database.close();
    await pg?.drop();
    await rm(dataDir, { recursive: true, force: true });
    if (values.events) console.log(`${mode}: ${events} reading events delivered`);
  }
}

console.log(
  `bench:beacon requests=${REQUESTS} runs=${RUNS} concurrency=${CONCURRENCY} readers=${READERS}${values.events ? ' events=on' : ''} (Node ${process.version})`,
);
const modes = values.mode === 'both' ? (['pglite', 'postgres'] as const) : [values.mode as 'pglite' | 'postgres'];
for (const mode of modes) {
  const r = await bench(mode);
  console.log(
    `${mode} median: ${median(r.beacons).toFixed(0)} beacons/s (p50 ${median(r.p50).toFixed(1)} ms, p99 ${median(r.p99).toFixed(1)} ms) beside a floor of ${median(r.floor).toFixed(0)} req/s`,
  );
}
