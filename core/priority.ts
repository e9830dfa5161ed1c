/**
 * The worker's CPU priority. A web process answers platforms that wait for their
 * acknowledgement (and deliver again after a few seconds without one) and probes that take it out
 * of the load balancer; a worker's analysis is throughput-bound and no one waits on one batch.
 * Where both share cores (one machine, one container), a worker with a higher nice value gives way
 * to the web process whenever it needs the CPU and takes whatever is left, so acks stay quick
 * under a burst while the analysis catches up after it.
 *
 * Linux keeps a nice value per thread, so every thread of the process is set (V8's and libuv's
 * helper threads started before this runs; threads started later inherit it). A process may only
 * ever lower its own priority without privileges, so a value below the current one is left alone.
 */
import { readdirSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

export interface PriorityChange {
  /** The nice value before (of the main thread). */
  from: number;
  /** The nice value now (of the main thread). */
  to: number;
  /** Threads whose nice value was raised. */
  threads: number;
}

/** The thread ids of this process (Linux), or just the process (elsewhere, where nice is per process). */
function threadIds(): number[] {
  try {
    return readdirSync('/proc/self/task').map(Number);
  } catch {
    return [process.pid];
  }
}

/**
 * Raises the nice value of every thread of this process to `nice` (0–19; 0 leaves it as it is).
 * A thread already at `nice` or above is left alone. Throws when the system refuses.
 */
export function lowerCpuPriority(nice: number): PriorityChange {
  if (!Number.isInteger(nice) || nice < 0 || nice > 19) throw new RangeError(`nice value ${nice}: expected an integer from 0 to 19`);
  const from = getPriority(process.pid);
  let threads = 0;
  if (nice > 0) {
    for (const tid of threadIds()) {
      try {
        if (getPriority(tid) >= nice) continue;
        setPriority(tid, nice);
        threads += 1;
      } catch (err) {
        // A thread that ended between the listing and the call.
        if ((err as { info?: { code?: string } }).info?.code === 'ESRCH') continue;
        throw err;
      }
    }
  }
  return { from, to: getPriority(process.pid), threads };
}
