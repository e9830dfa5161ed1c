/**
 * Who is reading, without keeping who they are: a salted hash of a random id the viewer page
 * keeps in the browser's localStorage, the network (IPv4 /24, IPv6 /64) and the browser family.
 * The raw address and user agent are never stored. A different hash on the same link means a
 * second device or network: the link was forwarded (or the reader moved from Wi-Fi to 4G, which
 * no server can tell apart).
 */
import { createHash, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';

/** A fresh per-document salt. */
export function newFingerprintSalt(): string {
  return randomBytes(16).toString('base64url');
}

/** The network an address belongs to: IPv4 /24, IPv6 /64 (IPv4-mapped IPv6 read as IPv4). */
export function networkOf(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  const addr = mapped ? mapped[1]! : ip;
  if (isIP(addr) === 4) return `${addr.split('.').slice(0, 3).join('.')}.0/24`;
  if (isIP(addr) === 6) return `${expandIpv6(addr).slice(0, 4).join(':')}::/64`;
  return 'unknown';
}

function expandIpv6(addr: string): string[] {
  const [head = '', tail] = addr.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const fill = tail === undefined ? [] : Array(8 - h.length - t.length).fill('0');
  return [...h, ...fill, ...t].map((g) => g.toLowerCase().replace(/^0+(?=.)/, ''));
}

/**
 * The browser family and platform, coarse on purpose: a version bump must not look like a new
 * reader. The in-app browsers of the chat apps come first, since customers open links there.
 */
export function userAgentFamily(ua: string | undefined): string {
  if (!ua) return 'unknown';
  const app = /wxwork/i.test(ua)
    ? 'wecom'
    : /MicroMessenger/i.test(ua)
      ? 'wechat'
      : /Lark|Feishu/i.test(ua)
        ? 'feishu'
        : /DingTalk/i.test(ua)
          ? 'dingtalk'
          : /Edg\//.test(ua)
            ? 'edge'
            : /Firefox\//.test(ua)
              ? 'firefox'
              : /Chrome\/|CriOS\//.test(ua)
                ? 'chrome'
                : /Safari\//.test(ua)
                  ? 'safari'
                  : 'other';
  const os = /iPhone|iPad|iPod/.test(ua)
    ? 'ios'
    : /Android/.test(ua)
      ? 'android'
      : /Windows/.test(ua)
        ? 'windows'
        : /Mac OS X|Macintosh/.test(ua)
          ? 'mac'
          : /Linux/.test(ua)
            ? 'linux'
            : 'other';
  return `${app}/${os}`;
}

export function viewerFingerprint(p: { salt: string; browserId: string; ip: string; userAgent: string | undefined }): string {
  return createHash('sha256')
    .update(`${p.salt}\n${p.browserId}\n${networkOf(p.ip)}\n${userAgentFamily(p.userAgent)}`)
    .digest('hex');
}
