/**
 * `npm run worker` runs at WORKER_NICE, every thread of it, while `npm start` (the web role)
 * keeps the priority it was started with: on shared cores the acks go first. Real processes on
 * the real PostgreSQL and Redis; the nice values read from /proc.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { createStack, spawnWeb, spawnWorker, stopProcess, type Stack, type WorkerProcess } from './stack.ts';

/** Each thread's nice value (field 19 of its stat). */
function threadNices(pid: number): number[] {
  return readdirSync(`/proc/${pid}/task`).map((t) => {
    const stat = readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  });
}

describe('worker priority', () => {
  let stack: Stack | null = null;
  const procs: WorkerProcess[] = [];
  afterAll(async () => {
    for (const p of procs) await stopProcess(p);
    await stack?.teardown();
  });

  it('the worker runs at WORKER_NICE on every thread; the web process at its own', async () => {
    stack = await createStack({ WORKER_NICE: '7' });
    const [worker, web] = await Promise.all([spawnWorker(stack.env), spawnWeb(stack.env)]);
    procs.push(worker, web);
    const own = getPriority(process.pid);
    expect(own).toBeLessThan(7);
    const workerNices = threadNices(worker.child.pid!);
    // Node's main thread, V8's and libuv's helpers, tsx's loader, the pool threads started since.
    expect(workerNices.length).toBeGreaterThan(4);
    expect(new Set(workerNices)).toEqual(new Set([7]));
    expect(new Set(threadNices(web.child.pid!))).toEqual(new Set([own]));
    // It still works at that priority.
    expect((await fetch(`http://127.0.0.1:${worker.port}/readyz`)).status).toBe(200);
  }, 120_000);
});
