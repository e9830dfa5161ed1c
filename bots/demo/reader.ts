/**
 * A customer reading a tracked link the way the viewer page reports it, over the same HTTP routes
 * (`POST /d/<token>/open`, then `POST /d/<token>/beacon` with each page's seconds), injected into
 * dealwise's own server: the demo and the loop tests use it where a browser is not the point.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { MAX_BEACON_SECONDS } from '../documents/beacon.ts';

/** The viewer reports every 15 s while a page is in view. */
const BEACON_EVERY_S = 15;

export interface SimulatedReading {
  /** The same id for the same browser (the viewer keeps it in localStorage): the same reader. */
  browser: string;
  /** Where they read from: a different network makes a forwarded view. */
  ip?: string;
  userAgent?: string;
  /** Pages in the order they are looked at, with the seconds each stays in view. */
  pages: Array<{ page: number; seconds: number }>;
  /**
   * The server's clock, moved on by each slice before it is sent, as the time passes for a real
   * reader: the server holds a view's seconds to the time since it opened.
   */
  clock: { now(): Date; set(t: Date): void };
}

const idOf = (s: string): string => createHash('sha256').update(s).digest('base64url').slice(0, 22);
let loads = 0;

/** One opening of the link and its beacons; returns the view id. Throws on any refusal. */
export async function readLink(server: FastifyInstance, token: string, r: SimulatedReading): Promise<string> {
  const remoteAddress = r.ip ?? '203.0.113.10';
  const headers = {
    'content-type': 'application/json',
    'user-agent': r.userAgent ?? 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 wxwork/4.1.16',
  };
  const opened = await server.inject({
    method: 'POST',
    url: `/d/${token}/open`,
    headers,
    remoteAddress,
    payload: JSON.stringify({ sessionId: idOf(`load:${++loads}:${Date.now()}:${r.browser}`), browserId: idOf(`browser:${r.browser}`) }),
  });
  if (opened.statusCode !== 201) throw new Error(`open refused: ${opened.statusCode} ${opened.body}`);
  const { viewId } = opened.json() as { viewId: string };
  for (const { page, seconds } of r.pages) {
    // A page's first beacon counts the visit; the seconds go out in the viewer's 15 s slices.
    let left = seconds;
    let first = true;
    while (first || left > 0) {
      const slice = Math.min(left, BEACON_EVERY_S, MAX_BEACON_SECONDS);
      r.clock.set(new Date(r.clock.now().getTime() + slice * 1000));
      const res = await server.inject({
        method: 'POST',
        url: `/d/${token}/beacon`,
        headers,
        remoteAddress,
        payload: JSON.stringify({ viewId, pages: [{ page, seconds: slice, visits: first ? 1 : 0 }] }),
      });
      if (res.statusCode !== 204) throw new Error(`beacon refused: ${res.statusCode} ${res.body}`);
      left -= slice;
      first = false;
    }
  }
  return viewId;
}

/** The token of a tracked link's URL (…/d/<token>). */
export function tokenOf(url: string): string {
  const m = /\/d\/([A-Za-z0-9_-]+)/.exec(url);
  if (!m) throw new Error(`not a tracked link: ${url}`);
  return m[1]!;
}
