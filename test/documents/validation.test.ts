import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MAX_BEACON_SECONDS, parseBeacon, parseOpen } from '../../bots/documents/beacon.ts';
import { networkOf, userAgentFamily, viewerFingerprint } from '../../bots/documents/fingerprint.ts';
import { documentKindOf, linkState, titleFromFileName } from '../../bots/documents/share.ts';
import { hashToken, isTokenShaped, linkUrl, newLinkToken } from '../../bots/documents/tokens.ts';
import { AppError } from '../../core/errors.ts';

const viewId = randomUUID();

function refused(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('BAD_REQUEST');
    return err as AppError;
  }
  throw new Error('accepted');
}

describe('beacon validation', () => {
  it('accepts page deltas within the document and rounds seconds to tenths', () => {
    const b = parseBeacon(
      {
        viewId,
        pages: [
          { page: 7, seconds: 12.345, visits: 1 },
          { page: 1, seconds: 0.04 },
        ],
      },
      9,
    );
    expect(b.viewId).toBe(viewId);
    // A page with nothing left after rounding is dropped, not stored as zero.
    expect(b.pages).toEqual([{ page: 7, seconds: 12.3, visits: 1 }]);
  });

  it('accepts an empty beacon (a heartbeat)', () => {
    expect(parseBeacon({ viewId, pages: [] }, 9).pages).toEqual([]);
  });

  it.each([
    ['a page beyond the document', { viewId, pages: [{ page: 99, seconds: 3 }] }, /beyond/],
    ['page 0', { viewId, pages: [{ page: 0, seconds: 3 }] }, /pages\.0\.page/],
    ['negative seconds', { viewId, pages: [{ page: 2, seconds: -1 }] }, /seconds/],
    ['more seconds than a beacon can hold', { viewId, pages: [{ page: 2, seconds: MAX_BEACON_SECONDS + 1 }] }, /seconds/],
    ['seconds that are not a number', { viewId, pages: [{ page: 2, seconds: '5' }] }, /seconds/],
    ['a fractional page', { viewId, pages: [{ page: 2.5, seconds: 1 }] }, /page/],
    ['negative visits', { viewId, pages: [{ page: 2, seconds: 1, visits: -1 }] }, /visits/],
    [
      'the same page twice',
      {
        viewId,
        pages: [
          { page: 2, seconds: 1 },
          { page: 2, seconds: 1 },
        ],
      },
      /twice/,
    ],
    ['a view id that is not a uuid', { viewId: 'x', pages: [] }, /viewId/],
    ['no view id', { pages: [] }, /viewId/],
    ['an unknown field', { viewId, pages: [], admin: true }, /admin|unrecognized/i],
    ['an unknown field in a page', { viewId, pages: [{ page: 1, seconds: 1, extra: 1 }] }, /unrecognized|extra/i],
    ['not an object', 'hello', /body|expected/i],
  ])('refuses %s', (_name, body, message) => {
    expect(refused(() => parseBeacon(body, 9)).message).toMatch(message);
  });

  it('refuses more entries than the document has pages', () => {
    const pages = Array.from({ length: 4 }, (_, i) => ({ page: i + 1, seconds: 1 }));
    expect(refused(() => parseBeacon({ viewId, pages }, 3)).message).toMatch(/at most 3/);
  });

  it('checks an open: 16 to 64 base64url characters for the session and browser ids', () => {
    expect(parseOpen({ sessionId: 'a'.repeat(22), browserId: 'B-_9'.repeat(6) })).toEqual({ sessionId: 'a'.repeat(22), browserId: 'B-_9'.repeat(6) });
    refused(() => parseOpen({ sessionId: 'short', browserId: 'a'.repeat(22) }));
    refused(() => parseOpen({ sessionId: 'a'.repeat(22), browserId: '<script>'.repeat(4) }));
    refused(() => parseOpen({ sessionId: 'a'.repeat(22) }));
  });
});

describe('link tokens', () => {
  it('are 32 random bytes in base64url, and only their hash is comparable', () => {
    const a = newLinkToken();
    const b = newLinkToken();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(a, 'base64url')).toHaveLength(32);
    expect(a).not.toBe(b);
    expect(isTokenShaped(a)).toBe(true);
    expect(isTokenShaped(`${a}x`)).toBe(false);
    expect(isTokenShaped('../../etc/passwd')).toBe(false);
    expect(hashToken(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashToken(a)).not.toContain(a);
    expect(linkUrl('https://dw.example.com/', a)).toBe(`https://dw.example.com/d/${a}`);
  });

  it('open until revoked or past their expiry', () => {
    const now = new Date('2026-11-25T10:00:00Z');
    expect(linkState({ revokedAt: null, expiresAt: null }, now)).toBe('open');
    expect(linkState({ revokedAt: null, expiresAt: new Date('2026-11-25T10:00:01Z') }, now)).toBe('open');
    expect(linkState({ revokedAt: null, expiresAt: now }, now)).toBe('expired');
    expect(linkState({ revokedAt: now, expiresAt: null }, now)).toBe('revoked');
  });
});

describe('viewer fingerprints', () => {
  it('keep the network, not the address: IPv4 /24, IPv6 /64', () => {
    expect(networkOf('203.0.113.77')).toBe('203.0.113.0/24');
    expect(networkOf('::ffff:203.0.113.77')).toBe('203.0.113.0/24');
    expect(networkOf('2001:db8:abcd:12:1:2:3:4')).toBe('2001:db8:abcd:12::/64');
    expect(networkOf('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(networkOf('not an ip')).toBe('unknown');
  });

  it('read the chat apps’ in-app browsers and ignore versions', () => {
    const wecom =
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 wxwork/4.1.16 MicroMessenger/7.0.1';
    expect(userAgentFamily(wecom)).toBe('wecom/ios');
    expect(userAgentFamily('Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/120.0 Mobile Safari/537.36 MicroMessenger/8.0.44')).toBe(
      'wechat/android',
    );
    expect(userAgentFamily('Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 Chrome/120.0 Safari/537.36')).toBe(
      userAgentFamily('Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 Chrome/131.0 Safari/537.36'),
    );
    expect(userAgentFamily(undefined)).toBe('unknown');
  });

  it('are the same for the same browser on the same network, and differ otherwise', () => {
    const base = { salt: 's1', browserId: 'b'.repeat(22), ip: '203.0.113.5', userAgent: 'Chrome/120 Windows' };
    const fp = viewerFingerprint(base);
    expect(fp).toMatch(/^[0-9a-f]{64}$/);
    expect(viewerFingerprint({ ...base, ip: '203.0.113.200' })).toBe(fp);
    expect(viewerFingerprint({ ...base, ip: '198.51.100.5' })).not.toBe(fp);
    expect(viewerFingerprint({ ...base, browserId: 'c'.repeat(22) })).not.toBe(fp);
    expect(viewerFingerprint({ ...base, salt: 's2' })).not.toBe(fp);
    expect(fp).not.toContain('203.0.113');
  });
});

describe('shared file names', () => {
  it('say what the document is', () => {
    expect(documentKindOf('报价单_v2.pdf')).toBe('quote');
    expect(documentKindOf('华东医疗-方案建议书.pdf')).toBe('proposal');
    expect(documentKindOf('采购合同.pdf')).toBe('contract');
    expect(documentKindOf('三甲医院出院随访案例.pdf')).toBe('material');
    expect(documentKindOf('Q4 pricing.pdf')).toBe('quote');
  });

  it('become titles without folders or extension', () => {
    expect(titleFromFileName('C:\\docs\\报价单_v2.PDF')).toBe('报价单_v2');
    expect(titleFromFileName('.pdf')).toBe('文档');
  });
});
