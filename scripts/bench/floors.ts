/**
 * The floors each figure is printed beside, measured in the same run on the same machine: what
 * the database takes when it is only asked to store message-sized rows (a multi-row INSERT of 500
 * rows a statement, and COPY), what BullMQ takes when only asked to add jobs (`addBulk` of 500),
 * and what fastify answers when it only parses the same requests (hello-world).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Queue } from 'bullmq';
import { connectPostgres } from '../../db/client.ts';
import { analyzeMessage } from '../../analyzers/message.ts';
import { newId } from '../../core/ids.ts';
import type { Sql } from '../../db/client.ts';
import { slotOf } from '../../bots/ingest/slots.ts';
import { chat } from './chats.ts';
import { onInterrupt } from './interrupt.ts';
import { type LoadResult, load } from './load.ts';
import { CpuMeter, memoryMb, redisPid } from './procs.ts';

export interface Floor {
  perSecond: number;
  /** CPU of every process involved (client, database or Redis), ms per row, job or request. */
  cpuMs: number;
}

const BATCH = 500;
const COLUMNS = [
  'id',
  'platform',
  'platform_message_id',
  'conversation_id',
  'direct',
  'slot',
  'sender_id',
  'sender_name',
  'person_id',
  'role',
  'kind',
  'text',
  'attachments',
  'sent_at',
  'received_at',
  'raw',
] as const;

/** Rows as the ingest writes them: the bench's chat texts, the raw message kept as JSON. */
function messageRows(n: number, tag: string): unknown[][] {
  const at = new Date().toISOString();
  const rows: unknown[][] = [];
  for (let i = 0; rows.length < n; i++) {
    for (const m of chat(`floor${tag}`, i, at)) {
      const conv = `local:${m.conversationId}`;
      const rep = !m.senderName;
      rows.push([
        newId(),
        'local',
        m.messageId,
        conv,
        false,
        slotOf(conv),
        m.senderId,
        m.senderName ?? null,
        rep ? m.senderId : null,
        rep ? 'rep' : 'customer',
        'text',
        m.text,
        '[]',
        at,
        at,
        JSON.stringify(m),
      ]);
    }
  }
  return rows.slice(0, n);
}

const CREATE = 'create table floor_messages (like messages including all)';

/** Multi-row INSERT and COPY into a copy of the messages table (its indexes too) on PostgreSQL. */
export async function postgresFloors(url: string, n: number): Promise<{ insert: Floor; copy: Floor }> {
  // Over the same socket or TCP as the app.
  const sql = connectPostgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(CREATE);
    const [{ pid }] = (await sql`select pg_backend_pid() as pid`) as unknown as [{ pid: number }];
    const measure = async (write: (rows: unknown[][]) => Promise<void>, tag: string): Promise<Floor> => {
      const rows = messageRows(n, tag);
      const cpu = new CpuMeter([process.pid, pid]);
      const t0 = performance.now();
      await write(rows);
      const seconds = (performance.now() - t0) / 1000;
      return { perSecond: n / seconds, cpuMs: (cpu.since([process.pid, pid]) * 1000) / n };
    };
    const insert = await measure(async (rows) => {
      for (let i = 0; i < rows.length; i += BATCH) {
        const chunk = rows.slice(i, i + BATCH);
        const values = chunk.map((_, r) => `(${COLUMNS.map((_, c) => `$${r * COLUMNS.length + c + 1}`).join(', ')})`).join(', ');
        await sql.unsafe(`insert into floor_messages (${COLUMNS.join(', ')}) values ${values}`, chunk.flat() as never[]);
      }
    }, 'i');
    const copy = await measure(async (rows) => {
      const stream = await sql.unsafe(`copy floor_messages (${COLUMNS.join(', ')}) from stdin`).writable();
      for (let i = 0; i < rows.length; i += BATCH) {
        const text = rows
          .slice(i, i + BATCH)
          .map((r) => `${r.map(copyField).join('\t')}\n`)
          .join('');
        if (!stream.write(text)) await once(stream, 'drain');
      }
      stream.end();
      await once(stream, 'finish');
    }, 'c');
    return { insert, copy };
  } finally {
    await sql.unsafe('drop table if exists floor_messages');
    await sql.end();
  }
}

/** COPY's text format: \N for null, backslash escapes for the separators. */
const copyField = (v: unknown): string =>
  v === null ? '\\N' : String(v).replaceAll('\\', '\\\\').replaceAll('\t', '\\t').replaceAll('\n', '\\n').replaceAll('\r', '\\r');

/** Multi-row INSERT on the embedded database, in this process (PGlite runs in-process). */
export async function pgliteInsertFloor(sql: Sql, n: number): Promise<Floor> {
  await sql.query(CREATE);
  try {
    const rows = messageRows(n, 'e');
    const start = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < rows.length; i += BATCH) {
      const chunk = rows.slice(i, i + BATCH);
      const values = chunk.map((_, r) => `(${COLUMNS.map((_, c) => `$${r * COLUMNS.length + c + 1}`).join(', ')})`).join(', ');
      await sql.query(`insert into floor_messages (${COLUMNS.join(', ')}) values ${values}`, chunk.flat());
    }
    const seconds = (performance.now() - t0) / 1000;
    const used = process.cpuUsage(start);
    return { perSecond: n / seconds, cpuMs: (used.user + used.system) / 1000 / n };
  } finally {
    await sql.query('drop table floor_messages');
  }
}

/** BullMQ `addBulk` of analysis-sized jobs, 500 a call, under the run's prefix. */
export async function addBulkFloor(redisUrl: string, prefix: string, n: number): Promise<Floor> {
  const queue = new Queue('floor', { connection: { url: redisUrl }, prefix });
  const redis = redisPid();
  try {
    await queue.waitUntilReady();
    const pids = redis ? [process.pid, redis] : [process.pid];
    const cpu = new CpuMeter(pids);
    const t0 = performance.now();
    for (let i = 0; i < n; i += BATCH) {
      await queue.addBulk(
        Array.from({ length: Math.min(BATCH, n - i) }, (_, k) => ({
          name: 'analyze-partition',
          data: { partition: (i + k) % 8 },
          opts: { attempts: 8, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: true, removeOnFail: 1000 },
        })),
      );
    }
    const seconds = (performance.now() - t0) / 1000;
    return { perSecond: n / seconds, cpuMs: (cpu.since(pids) * 1000) / n };
  } finally {
    await queue.obliterate({ force: true });
    await queue.close();
  }
}

/** fastify hello-world (hello-server.mjs) as a process of its own, on a free port. */
export async function startHello(): Promise<{ port: number; pid: number; stop(): Promise<void> }> {
  const child = spawn(process.execPath, [new URL('./hello-server.mjs', import.meta.url).pathname], { stdio: ['ignore', 'pipe', 'inherit'] });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
  };
  // Until its caller stops it: a bench interrupted meanwhile stops it too.
  const registered = onInterrupt(stop);
  const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
  return {
    port: Number(chunk.toString().trim()),
    pid: child.pid!,
    stop: async () => {
      registered();
      await stop();
    },
  };
}

/** fastify hello-world driven exactly as the ingest is. */
export async function helloFloor(groups: string[][], lanes: number): Promise<{ load: LoadResult; floor: Floor; peakMb: number }> {
  const hello = await startHello();
  try {
    const cpu = new CpuMeter([hello.pid]);
    const result = await load({ mode: 'lanes', port: hello.port, path: '/v1/messages', groups, lanes });
    const requests = groups.reduce((n, g) => n + g.length, 0);
    return {
      load: result,
      floor: { perSecond: requests / (result.elapsedMs / 1000), cpuMs: (cpu.since([hello.pid]) * 1000) / requests },
      peakMb: memoryMb(hello.pid).peak,
    };
  } finally {
    await hello.stop();
  }
}

/** The analysis alone (analyzeMessage on the bench's texts), CPU µs a message in this process: what a drain could reach on one core. */
export function analyzerFloor(n: number, timeZone: string): Floor {
  const inputs = Array.from({ length: 12 }, (_, i) => chat('analyzer', i)).flatMap(([g, o]) => [
    { role: 'rep' as const, text: g.text! },
    { role: 'customer' as const, text: o.text! },
  ]);
  const sentAt = new Date();
  for (const x of inputs) analyzeMessage({ ...x, sentAt, timeZone });
  const start = process.cpuUsage();
  for (let i = 0; i < n; i++) analyzeMessage({ ...inputs[i % inputs.length]!, sentAt, timeZone });
  const used = process.cpuUsage(start);
  const ms = (used.user + used.system) / 1000;
  return { perSecond: (n / ms) * 1000, cpuMs: ms / n };
}
