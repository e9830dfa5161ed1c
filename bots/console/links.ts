/**
 * One-time sign-in links to the web console. A link holds a random token; the database keeps only
 * its SHA-256, so a copy of the database opens nothing. A link opens one session, once, within
 * ten minutes; the session's cookie token is stored the same way.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Config } from '../../core/config.ts';
import type { Db } from '../../db/client.ts';
import { insertConsoleLink } from '../../db/queries/console.ts';

/** How long a sign-in link opens a session. */
export const LINK_TTL_MS = 10 * 60_000;
/** How long a session lasts from sign-in: a working day; then a new link from the bot. */
export const SESSION_TTL_MS = 12 * 3_600_000;

/** 256 random bits, URL-safe. */
export const newToken = (): string => randomBytes(32).toString('base64url');
export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

/** Where people reach the console: PUBLIC_URL, or this server's own address. */
export function consoleBaseUrl(config: Pick<Config, 'PUBLIC_URL' | 'HOST' | 'PORT'>): string {
  return (config.PUBLIC_URL ?? `http://${config.HOST}:${config.PORT}`).replace(/\/+$/, '');
}

/** A new sign-in link for `personId`; the token is in the returned URL only. */
export async function createConsoleLink(db: Db, p: { personId: string; via: string; now: Date; baseUrl: string }): Promise<{ url: string; expiresAt: Date }> {
  const token = newToken();
  const expiresAt = new Date(p.now.getTime() + LINK_TTL_MS);
  await insertConsoleLink(db, { tokenHash: hashToken(token), personId: p.personId, via: p.via, createdAt: p.now, expiresAt });
  return { url: `${p.baseUrl}/console/login/${token}`, expiresAt };
}
