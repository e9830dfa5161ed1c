/**
 * Console sessions on the HTTP side: the cookie (HTTP-only, SameSite=Lax, Secure with the
 * `__Host-` prefix when the console is served over https), the viewer it stands for (read from
 * the org directory at every request, so a role change or a deactivation counts at once), and the
 * CSRF check every change passes: the session's token, from a form field or a header, compared in
 * constant time, and an Origin from elsewhere refused.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Db } from '../../db/client.ts';
import {
  type ConsoleSessionRow,
  endConsoleSession,
  insertConsoleSession,
  openConsoleSession,
  redactLinkDelivery,
  useConsoleLink,
  writeAudit,
} from '../../db/queries/console.ts';
import type { Catalog, Person } from '../catalog/catalog.ts';
import { hashToken, newToken, SESSION_TTL_MS } from './links.ts';

export interface CookieSettings {
  name: string;
  secure: boolean;
}

/** Over https the cookie is `__Host-` prefixed and Secure; over plain http (a laptop) it cannot be. */
export function cookieSettings(baseUrl: string): CookieSettings {
  const secure = baseUrl.startsWith('https://');
  return { name: secure ? '__Host-dealwise_console' : 'dealwise_console', secure };
}

export function readCookie(req: FastifyRequest, name: string): string | null {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim() || null;
  }
  return null;
}

export function setSessionCookie(reply: FastifyReply, c: CookieSettings, token: string, maxAgeMs: number): void {
  const attrs = [`${c.name}=${token}`, 'Path=/', 'HttpOnly', 'SameSite=Lax', `Max-Age=${Math.floor(maxAgeMs / 1000)}`];
  if (c.secure) attrs.push('Secure');
  reply.header('set-cookie', attrs.join('; '));
}

export function clearSessionCookie(reply: FastifyReply, c: CookieSettings): void {
  setSessionCookie(reply, c, '', 0);
}

/** A signed-in request: the session and the person, as the directory has them now. */
export interface Viewing {
  session: ConsoleSessionRow;
  person: Person;
  /** The cookie's token hash (the session's key). */
  key: string;
}

/** The request's session and person, or null (no cookie, unknown, ended, expired, person gone). */
export async function viewing(db: Db, catalog: Catalog, c: CookieSettings, req: FastifyRequest, now: Date): Promise<Viewing | null> {
  const token = readCookie(req, c.name);
  if (!token || token.length > 100) return null;
  const key = hashToken(token);
  const session = await openConsoleSession(db, key, now);
  if (!session) return null;
  const person = catalog.person(session.personId);
  if (!person?.active) return null;
  return { session, person, key };
}

/** Whether a change carries the session's CSRF token (form field `_csrf` or header `x-csrf-token`). */
export function csrfOk(req: FastifyRequest, session: ConsoleSessionRow): boolean {
  const header = req.headers['x-csrf-token'];
  const field = (req.body as Record<string, unknown> | undefined)?._csrf;
  const got = typeof header === 'string' ? header : typeof field === 'string' ? field : '';
  const a = Buffer.from(got);
  const b = Buffer.from(session.csrfToken);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * A browser's Origin, when it names one, must be this server's (the Host it asked for). `null`
 * (a privacy mode, some in-app browsers) names none: the CSRF token alone decides then.
 */
export function sameOrigin(req: FastifyRequest): boolean {
  const origin = req.headers.origin;
  if (origin === undefined || origin === 'null') return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

/**
 * Uses a sign-in link and opens a session for its person: the cookie token to set, or null when
 * the link is unknown, used, expired, or its person is no longer active.
 */
export async function signIn(db: Db, catalog: Catalog, linkToken: string, now: Date): Promise<{ token: string; person: Person } | null> {
  return db.transaction(async (tx) => {
    const link = await useConsoleLink(tx, hashToken(linkToken), now);
    if (!link) return null;
    await redactLinkDelivery(tx, { personId: link.personId, createdAt: link.createdAt, token: linkToken });
    const person = catalog.person(link.personId);
    if (!person?.active) return null;
    const token = newToken();
    await insertConsoleSession(tx, {
      tokenHash: hashToken(token),
      personId: person.id,
      csrfToken: newToken(),
      createdAt: now,
      expiresAt: new Date(now.getTime() + SESSION_TTL_MS),
    });
    await writeAudit(tx, { at: now, personId: person.id, action: 'session.start', subject: 'session', after: { link: link.via }, via: 'console' });
    return { token, person };
  });
}

export async function signOut(db: Db, v: Viewing, now: Date): Promise<void> {
  await db.transaction(async (tx) => {
    await endConsoleSession(tx, v.key, now);
    await writeAudit(tx, { at: now, personId: v.person.id, action: 'session.end', subject: 'session', via: 'console' });
  });
}
