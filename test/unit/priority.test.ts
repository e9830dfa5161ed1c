/**
 * The worker's CPU priority (core/priority.ts): every thread of the process gets the nice value,
 * threads started afterwards inherit it, it is never raised back, and a bad value is refused.
 * Run in a child process, so the test runner keeps its own priority.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { lowerCpuPriority } from '../../core/priority.ts';

const repo = new URL('../../', import.meta.url).pathname;

/** The nice value of each thread of this process, from /proc (field 19 of a task's stat). */
const CHILD = `
import { readdirSync, readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { Worker } from 'node:worker_threads';
import { lowerCpuPriority } from './core/priority.ts';
const nices = () => readdirSync('/proc/self/task').map((t) => {
  const stat = readFileSync('/proc/self/task/' + t + '/stat', 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
});
const before = { process: getPriority(process.pid), threads: nices() };
const first = lowerCpuPriority(7);
// A thread started afterwards, alive while the threads are read.
const worker = new Worker('setInterval(() => {}, 1000)', { eval: true });
await new Promise((r) => worker.once('online', r));
const after = nices();
const again = lowerCpuPriority(3);
const none = lowerCpuPriority(0);
await worker.terminate();
console.log(JSON.stringify({ before, first, after, again, none }));
`;

describe('lowerCpuPriority', () => {
  it('sets every thread, including ones started afterwards, and never raises the priority back', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CHILD], { cwd: repo, timeout: 60_000 });
    const r = JSON.parse(stdout) as {
      before: { process: number; threads: number[] };
      first: { from: number; to: number; threads: number };
      after: number[];
      again: { from: number; to: number; threads: number };
      none: { from: number; to: number; threads: number };
    };
    // Started at the test runner's own priority (0 unless it was run under nice).
    expect(r.before.threads.every((n) => n === r.before.process)).toBe(true);
    expect(r.before.process).toBeLessThan(7);
    expect(r.first).toMatchObject({ from: r.before.process, to: 7 });
    expect(r.first.threads).toBeGreaterThanOrEqual(r.before.threads.length);
    // Node's own threads, tsx's loader thread and the worker started afterwards.
    expect(r.after.length).toBeGreaterThan(r.before.threads.length);
    expect(r.after.every((n) => n === 7)).toBe(true);
    // A lower value would need privileges: left at 7.
    expect(r.again).toEqual({ from: 7, to: 7, threads: 0 });
    expect(r.none).toEqual({ from: 7, to: 7, threads: 0 });
  }, 70_000);

  it('refuses a value outside 0–19 or not a whole number, before changing anything', () => {
    for (const bad of [-1, 20, 2.5, Number.NaN]) expect(() => lowerCpuPriority(bad)).toThrow(/expected an integer from 0 to 19/);
  });
});
