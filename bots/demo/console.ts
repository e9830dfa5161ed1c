/**
 * The end of `npm run demo`: the console on the demo's data, its address and a one-time sign-in
 * link for 王静 (a manager of 华东一组). Serving, the simulated clock runs on from where the
 * replay left it at wall-clock pace and the due jobs run, so the simulator's messages go through
 * the loop as they would under `npm start`.
 */
import type { AddressInfo, Server } from 'node:net';
import { createServer } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { ManualClock } from '../../core/clock.ts';
import type { App } from '../app.ts';
import { createConsoleLink } from '../console/links.ts';
import { buildServer } from '../http/server.ts';

/** The manager the demo signs in. */
export const DEMO_MANAGER = 'wangjing';
/** How often the served demo moves its clock and runs the jobs that fell due. */
const TICK_MS = 250;

export interface DemoConsole {
  /** The console's address, `http://host:port/console`. */
  url: string;
  /** A one-time sign-in link for the demo manager (10 minutes, once). */
  link: string;
  server: FastifyInstance;
}

/** The console's address on `host`:`port`. */
export const baseUrlOf = (host: string, port: number): string => `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

/** A port held for the console from the demo's start until it serves (see `reservePort`). */
export interface ReservedPort {
  port: number;
  release(): Promise<void>;
}

/**
 * Takes HOST:PORT, or a free port when that one is taken (another dealwise running), and holds it
 * until the console listens. Chosen before the replay: the links the replay's answers carry (a
 * /share's tracked link) are built from PUBLIC_URL when they are sent, so it must name the port
 * the console will serve, not the one asked for.
 */
export async function reservePort(host: string, port: number): Promise<ReservedPort> {
  const hold = async (p: number) => {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port: p }, () => resolve());
    });
    return server;
  };
  let server: Server;
  try {
    server = await hold(port);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    console.log(`(port ${port} is taken; the console uses a free port instead)\n`);
    server = await hold(0);
  }
  return {
    port: (server.address() as AddressInfo).port,
    release: () => new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve())),
  };
}

/** Listens on the reserved port, or on a free one if another process took it since. */
async function listen(server: FastifyInstance, host: string, reserved: ReservedPort): Promise<number> {
  await reserved.release();
  try {
    await server.listen({ host, port: reserved.port });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    console.log(`\n(port ${reserved.port} was taken meanwhile; the console uses a free port instead, and the links above name the old one)`);
    await server.listen({ host, port: 0 });
  }
  return (server.server.address() as AddressInfo).port;
}

export async function serveConsole(
  app: App,
  clock: ManualClock,
  reserved: ReservedPort,
  opts: { serve: boolean; onConsole?: (c: DemoConsole) => Promise<void> },
): Promise<void> {
  const server = buildServer(app);
  try {
    const host = app.config.HOST;
    const base = baseUrlOf(host, await listen(server, host, reserved));
    const { url: link } = await createConsoleLink(app.database.db, { personId: DEMO_MANAGER, via: 'demo', now: clock.now(), baseUrl: base });
    const manager = app.catalog.current.person(DEMO_MANAGER)?.name ?? DEMO_MANAGER;
    console.log('\n━━ Console ━━');
    console.log(`\n  ${base}/console`);
    console.log(`  Sign in as ${manager} (manager of 华东一组), one-time link, valid 10 minutes:`);
    console.log(`  ${link}`);
    console.log(`  The simulator (play the customer and the rep, see the nudges live): ${base}/console/simulator`);
    await opts.onConsole?.({ url: `${base}/console`, link, server });
    if (!opts.serve) {
      console.log('\n  Not a terminal: the demo ends here and the link with it. `npm run demo -- --serve` keeps the console open.');
      return;
    }
    console.log('\n  Serving until Ctrl-C.');
    await runUntilSignal(app, clock);
  } finally {
    await server.close();
  }
}

/** Moves the clock at wall-clock pace and runs what falls due, until SIGINT, SIGTERM or SIGHUP. */
async function runUntilSignal(app: App, clock: ManualClock): Promise<void> {
  const from = clock.now().getTime();
  const t0 = Date.now();
  let stop = false;
  const stopped = new Promise<void>((resolve) => {
    const on = () => {
      stop = true;
      resolve();
    };
    // A closed terminal (SIGHUP) too: the data folder is removed on the way out.
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(sig, on);
  });
  while (!stop) {
    clock.set(new Date(from + (Date.now() - t0)));
    await app.drain().catch((err) => app.log.warn({ err }, 'demo: a job failed'));
    await Promise.race([stopped, new Promise((r) => setTimeout(r, TICK_MS))]);
  }
  console.log('\nStopping.');
}
