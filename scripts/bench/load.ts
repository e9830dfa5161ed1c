/**
 * HTTP load from outside the server: the load client in a worker thread (load-client.mjs), a
 * prober that asks an endpoint at a steady interval and times the answers, and the percentile
 * and median helpers the benchmark prints with.
 */
import { Worker } from 'node:worker_threads';

export interface LoadResult {
  elapsedMs: number;
  /** Messages answered `stored`. */
  stored: number;
  /** Anything else, by HTTP status or ingest outcome. */
  failures: Record<string, number>;
  /** Request latencies, ms. */
  p50: number;
  p99: number;
  /** Paced: how far behind its schedule the sender fell at worst, ms. */
  behindMs: number;
}

export type LoadPlan = (
  | { mode: 'lanes'; port: number; path: string; groups: string[][]; lanes: number }
  | { mode: 'paced'; port: number; path: string; bodies: string[]; rate: number }
) & {
  /** The load client thread's nice value (0: as the bench runs); the probes keep the bench's. */
  nice?: number;
};

let defaultNice = 0;
/** The nice value of every load client from now on that does not name one (`--load-nice`). */
export function setLoadNice(nice: number): void {
  defaultNice = nice;
}

export function load(plan: LoadPlan): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./load-client.mjs', import.meta.url), { workerData: { nice: defaultNice, ...plan } });
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}

/** Asks `url` every `everyMs` until stopped; `stop()` returns the answer times in ms, sorted. */
export function probe(url: string, everyMs: number): { stop(): Promise<number[]> } {
  const times: number[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const t0 = performance.now();
      try {
        await (await fetch(url)).arrayBuffer();
        times.push(performance.now() - t0);
      } catch {
        times.push(Number.POSITIVE_INFINITY);
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return times.sort((a, b) => a - b);
    },
  };
}

export const pct = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;

export const median = (xs: readonly number[]): number => {
  const s = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
