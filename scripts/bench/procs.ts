/**
 * What the benchmark reads about processes from outside them: CPU time and memory from /proc (so
 * a child, a PostgreSQL backend or Redis is measured the same way), and Prometheus counters from
 * each process's /metrics.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Sql } from '../../db/client.ts';

const TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** User plus system CPU seconds a process has used; 0 if it is gone. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / TICKS;
  } catch {
    return 0;
  }
}

/** Resident memory now and at its peak, MB. */
export function memoryMb(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

/** CPU seconds of a set of processes, each measured from a first snapshot. */
export class CpuMeter {
  readonly #start = new Map<number, number>();
  constructor(pids: readonly number[]) {
    for (const pid of pids) this.#start.set(pid, cpuSeconds(pid));
  }
  /** CPU used since the snapshot by these pids (one not in the first snapshot counts from its start). */
  since(pids: readonly number[]): number {
    let total = 0;
    for (const pid of new Set(pids)) total += cpuSeconds(pid) - (this.#start.get(pid) ?? 0);
    return total;
  }
}

/** The PostgreSQL backends serving the connected database, other than the asking one. */
export async function backendPids(sql: Sql): Promise<number[]> {
  const rows = await sql.query<{ pid: number }>('select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()');
  return rows.map((r) => r.pid);
}

/** The Redis server's pid (shared by everyone on the machine). */
export function redisPid(): number | null {
  try {
    const info = execFileSync('redis-cli', ['-h', '127.0.0.1', '-p', '6379', 'info', 'server'], { encoding: 'utf8', timeout: 2000 });
    return Number(/process_id:(\d+)/.exec(info)?.[1]) || null;
  } catch {
    return null;
  }
}

/** A process's /metrics, each metric summed over its labels (histogram buckets also by bound). */
export async function scrape(port: number): Promise<Map<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const sums = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0];
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (!name || Number.isNaN(value)) continue;
    sums.set(name, (sums.get(name) ?? 0) + value);
    // A histogram's buckets are also kept by bound (`name{le="0.01"}`), summed over its other labels.
    const le = /[{,]le="([^"]+)"/.exec(line)?.[1];
    if (le !== undefined) sums.set(`${name}{le="${le}"}`, (sums.get(`${name}{le="${le}"}`) ?? 0) + value);
  }
  return sums;
}

/** One metric summed over several processes' scrapes. */
export const sumOf = (scrapes: readonly Map<string, number>[], name: string): number => scrapes.reduce((n, m) => n + (m.get(name) ?? 0), 0);
