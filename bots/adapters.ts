/**
 * Which adapters run: the local one when LOCAL_ADAPTER is on (HTTP ingest of `local` messages,
 * replays, the demo, the tests), and each platform whose credentials are set. Also which adapter
 * sends for a platform, and at what pace.
 */
import { createDingtalkAdapter, DINGTALK_SEND_LIMITS } from '../adapters/dingtalk/index.ts';
import { createFeishuAdapter, FEISHU_SEND_LIMITS } from '../adapters/feishu/index.ts';
import { LocalAdapter } from '../adapters/local/adapter.ts';
import type { NonceStore } from '../adapters/nonces.ts';
import type { Adapter, HttpAdapter, SendLimit } from '../adapters/types.ts';
import { createWecomAdapters, WECOM_SEND_LIMITS } from '../adapters/wecom/index.ts';
import type { Config } from '../core/config.ts';
import type { Logger } from '../core/logger.ts';
import type { Platform } from '../core/types.ts';

export interface AdapterSet {
  /** The local adapter; it receives and sends only when LOCAL_ADAPTER is on. */
  local: LocalAdapter;
  all: Adapter[];
  /** The adapter that sends for each platform. */
  senders: Map<Platform, Adapter>;
  limits: Partial<Record<Platform, readonly SendLimit[]>>;
  /** Platforms a private message can go out on, the real ones first. */
  sendPlatforms: Platform[];
  /** Platforms whose sender needs the live connection of a started adapter (web processes only). */
  liveOnly: Set<Platform>;
}

export function isHttpAdapter(a: Adapter): a is HttpAdapter {
  return typeof (a as Partial<HttpAdapter>).routes === 'function';
}

/**
 * `nonces`: where the webhook adapters remember signed requests (Redis when several web processes
 * share them). A platform's SDK is loaded only when its credentials are set.
 */
export async function createAdapters(config: Config, log: Logger, extra: Adapter[] = [], nonces?: NonceStore): Promise<AdapterSet> {
  const local = new LocalAdapter();
  const [wecom, feishu, dingtalk] = await Promise.all([
    createWecomAdapters(config, log.child({ platform: 'wecom' }), nonces),
    createFeishuAdapter(config, log.child({ platform: 'feishu' }), nonces),
    createDingtalkAdapter(config, log.child({ platform: 'dingtalk' })),
  ]);
  const platformAdapters: Adapter[] = [...wecom, ...(feishu ? [feishu] : []), ...(dingtalk ? [dingtalk] : []), ...extra];
  const senders = new Map<Platform, Adapter>();
  for (const a of platformAdapters) {
    // WeCom has two adapters; the self-built app reaches any employee, the bot only those who
    // have talked to it, so the app sends when both are on (it comes second and wins).
    senders.set(a.platform, a);
  }
  if (config.LOCAL_ADAPTER) senders.set('local', local);
  const sendPlatforms = [...senders.keys()].filter((p) => p !== 'local');
  return {
    local,
    all: config.LOCAL_ADAPTER ? [local, ...platformAdapters] : platformAdapters,
    senders,
    limits: { wecom: WECOM_SEND_LIMITS, feishu: FEISHU_SEND_LIMITS, dingtalk: DINGTALK_SEND_LIMITS },
    sendPlatforms: config.LOCAL_ADAPTER ? [...sendPlatforms, 'local'] : sendPlatforms,
    // The WeCom intelligent bot sends over its own long connection (one per bot), so its sends
    // must run where it is connected.
    liveOnly: new Set([...senders].filter(([, a]) => a.sendsOverLiveConnection === true).map(([p]) => p)),
  };
}
