/**
 * Link tokens: 32 random bytes, base64url (43 characters), so a link cannot be guessed. Only
 * their SHA-256 is stored; the token itself is shown once and never logged.
 */
import { createHash, randomBytes } from 'node:crypto';

const TOKEN_BYTES = 32;
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export function newLinkToken(): string {
  return randomBytes(TOKEN_BYTES).toString('base64url');
}

/** A string that could be a token: anything else is refused before the database is asked. */
export function isTokenShaped(s: string): boolean {
  return TOKEN_SHAPE.test(s);
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** The customer-facing address of a link. */
export function linkUrl(publicUrl: string, token: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/d/${token}`;
}
