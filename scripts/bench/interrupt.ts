/**
 * What a bench must undo if it is stopped mid-run (Ctrl-C, `kill`): Node exits on SIGINT and
 * SIGTERM without running `finally` blocks, which left the dealwise processes it started running,
 * its Redis keys, its database and its /tmp folder behind. Each phase registers its cleanup here
 * for as long as it runs; on either signal the cleanups run, newest first, then the process exits
 * with the signal's status.
 */
const cleanups: Array<() => Promise<void>> = [];
let installed = false;
let interrupted = false;

/** Longest the cleanups may take before the process exits anyway (a hung child or server). */
const CLEANUP_MS = 30_000;

async function onSignal(signal: NodeJS.Signals): Promise<void> {
  // A second Ctrl-C while cleaning up means "now".
  if (interrupted) process.exit(signal === 'SIGINT' ? 130 : 143);
  interrupted = true;
  console.error(`\n${signal}: cleaning up (processes, database, Redis keys, data folder)…`);
  const all = async () => {
    for (const fn of cleanups.splice(0).reverse()) await fn().catch((err: unknown) => console.error(`cleanup failed: ${(err as Error).message}`));
  };
  await Promise.race([all(), new Promise((r) => setTimeout(r, CLEANUP_MS).unref())]);
  process.exit(signal === 'SIGINT' ? 130 : 143);
}

/** Runs `fn` if the process is interrupted before the returned function is called. */
export function onInterrupt(fn: () => Promise<void>): () => void {
  if (!installed) {
    installed = true;
    process.on('SIGINT', (s) => void onSignal(s));
    process.on('SIGTERM', (s) => void onSignal(s));
  }
  cleanups.push(fn);
  return () => {
    const at = cleanups.indexOf(fn);
    if (at >= 0) cleanups.splice(at, 1);
  };
}
