/**
 * Configuration: one zod schema over the environment, checked once at start. A bad value fails
 * with the variable's name and never echoes the value (it may be a secret).
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { AppError } from './errors.ts';
import { socketHostValid } from './postgres-url.ts';

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const optionalUrl = optionalString.pipe(z.url().optional());

/** A time of day, HH:MM from 00:00 to 23:59. */
const time = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected a time of day as HH:MM, 00:00 to 23:59');
/**
 * The end of the working day: a time of day, or 24:00 for midnight at its end (core/zoned-time.ts
 * counts minutes before the end, so 24:00 means open until the day is over).
 */
const endTime = z.string().regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, 'expected a time of day as HH:MM, 00:00 to 23:59, or 24:00 for midnight');

/**
 * `30m`, `24h`, `3d` (or plain milliseconds) in milliseconds. A string only: the environment
 * holds nothing else, and a union with numbers turned a bad value's message into zod's bare
 * "Invalid input".
 */
const duration = z
  .string()
  .regex(/^\d+(\.\d+)?(ms|s|m|h|d)?$/, 'expected a duration such as 24h, 90m or 2d (or plain milliseconds)')
  .transform((v) => {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(v)!;
    const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] ?? 'ms']!;
    return Math.round(Number(m[1]) * unit);
  });

/** `true`/`1` or `false`/`0`. */
const flag = z
  .enum(['true', 'false', '1', '0', ''])
  .default('false')
  .transform((v) => v === 'true' || v === '1');

/** `metrics` reads /metrics only (a Prometheus scraper); `read` and `admin` include it. */
export const API_SCOPES = ['ingest', 'read', 'admin', 'metrics'] as const;
export type ApiScope = (typeof API_SCOPES)[number];
/** Shortest token accepted in API_TOKENS and API_TOKEN: 16 characters, so it cannot be guessed. */
export const MIN_TOKEN_LENGTH = 16;

/** A token's own rule, shared by API_TOKENS and API_TOKEN; the message never holds the token. */
const tokenProblem = (token: string): string | null =>
  token.length < MIN_TOKEN_LENGTH || !/^[\x21-\x7e]+$/.test(token)
    ? `a token needs at least ${MIN_TOKEN_LENGTH} printable ASCII characters and no spaces`
    : null;

/**
 * `scope[+scope]:token,…` → the tokens and their scopes. A message names the entry by position
 * and never echoes a token.
 */
const apiTokens = z
  .string()
  .optional()
  .transform((v, ctx) => {
    if (v === undefined) return undefined;
    const out: Array<{ scopes: ApiScope[]; token: string }> = [];
    for (const [i, entry] of v.split(',').entries()) {
      const at = entry.indexOf(':');
      const scopes = entry.slice(0, Math.max(at, 0)).trim().split('+');
      const token = entry.slice(at + 1).trim();
      const bad = (message: string) => ctx.addIssue({ code: 'custom', message: `entry ${i + 1}: ${message}` });
      const problem = tokenProblem(token);
      if (at < 0 || scopes.some((s) => !(API_SCOPES as readonly string[]).includes(s))) {
        bad(`expected scope[+scope]:token with scopes among ${API_SCOPES.join(', ')}`);
      } else if (problem !== null) {
        bad(problem);
      } else if (out.some((t) => t.token === token)) {
        bad('the same token is listed twice');
      } else out.push({ scopes: scopes as ApiScope[], token });
    }
    return out;
  });

/** proxy-addr's named ranges (node_modules/@fastify/proxy-addr, IP_RANGES). */
const PROXY_RANGES = ['loopback', 'linklocal', 'uniquelocal'];

/** An address or address/prefix as @fastify/proxy-addr compiles it: a prefix from 1 to the address's bits. */
function proxyEntryValid(entry: string): boolean {
  if (PROXY_RANGES.includes(entry)) return true;
  const slash = entry.lastIndexOf('/');
  const ip = slash < 0 ? entry : entry.slice(0, slash);
  const kind = isIP(ip);
  if (kind === 0) return false;
  if (slash < 0) return true;
  const prefix = entry.slice(slash + 1);
  return /^\d+$/.test(prefix) && Number(prefix) >= 1 && Number(prefix) <= (kind === 4 ? 32 : 128);
}

/**
 * fastify's trustProxy as an environment variable: `true` (believe every hop: only when nothing
 * but the proxy can reach the port), `false`, or addresses, CIDRs and proxy-addr's named ranges,
 * comma separated. Checked here because fastify would otherwise fail at listen with a bare
 * "invalid IP address". A hop count is refused: fastify 5 trusts no one for it (it cannot tell
 * the proxy from a client that sent enough hops).
 */
const trustProxy = z
  .string()
  .optional()
  .transform((v, ctx): boolean | string | undefined => {
    if (v === undefined) return undefined;
    if (v === 'true' || v === 'false') return v === 'true';
    if (/^\d+$/.test(v)) {
      ctx.addIssue({
        code: 'custom',
        message: "a hop count is not supported (fastify trusts no proxy for one): name the proxies' addresses, e.g. loopback or 10.0.0.0/8",
      });
      return z.NEVER;
    }
    const entries = v.split(',').map((e) => e.trim());
    const bad = entries.map((e, i) => (proxyEntryValid(e) ? 0 : i + 1)).filter((i) => i > 0);
    if (bad.length > 0) {
      ctx.addIssue({
        code: 'custom',
        message: `entry ${bad.join(', ')}: expected true, false, or comma-separated IP addresses, CIDRs (10.0.0.0/8) or ${PROXY_RANGES.join(', ')}`,
      });
      return z.NEVER;
    }
    return entries.join(',');
  });

export const configSchema = z
  .object({
    HOST: z.string().default('127.0.0.1'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    DATA_DIR: z.string().default('./data'),
    /** PostgreSQL; a Unix socket's directory goes in a `host` parameter, as libpq has it (./postgres-url.ts). */
    DATABASE_URL: optionalString.pipe(
      z
        .string()
        .regex(/^postgres(ql)?:\/\//, 'expected a postgres:// URL')
        .refine(socketHostValid, 'the host parameter must be a socket directory (an absolute path); put a host name in the URL itself')
        .optional(),
    ),
    REDIS_URL: optionalString.pipe(
      z
        .string()
        .regex(/^rediss?:\/\//, 'expected a redis:// URL')
        .optional(),
    ),
    /**
     * Bearer tokens for the HTTP API (/v1/*), each with its scopes: `scope[+scope]:token`, comma
     * separated, e.g. `ingest:tok1,read+ingest:tok2,admin:tok3` (see bots/http/auth.ts).
     */
    API_TOKENS: optionalString.pipe(apiTokens),
    /**
     * One admin token, as before scopes existed: the same as `API_TOKENS=admin:<API_TOKEN>`, so held
     * to the same length (an admin token on a public HOST must not be guessable either).
     */
    API_TOKEN: optionalString.superRefine((v, ctx) => {
      const problem = v === undefined ? null : tokenProblem(v);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
    /**
     * Behind a reverse proxy: which proxies' X-Forwarded-For to believe, as addresses or CIDRs
     * (comma separated; `loopback` for one on this machine), `true` or `false` (see trustProxy
     * above). Unset, the connection's own address is the client's (rate limits and document
     * readers would all see the proxy).
     */
    TRUST_PROXY: optionalString.pipe(trustProxy),
    /**
     * The local adapter: messages with platform `local` over the HTTP ingest, and sends recorded at
     * /v1/outbox instead of going to a platform. For the demo, the simulator and tests; off by default.
     */
    LOCAL_ADAPTER: flag,
    ORG_FILE: z.string().default('config/org.yaml'),
    PLAYBOOK_FILE: z.string().default('config/playbooks.yaml'),
    ATOMS_FILE: z.string().default('config/atoms.yaml'),
    /** The organisation's time zone: working hours and report schedules are read in it. */
    TIMEZONE: z
      .string()
      .default('Asia/Shanghai')
      .refine((tz) => {
        try {
          new Intl.DateTimeFormat('en', { timeZone: tz });
          return true;
        } catch {
          return false;
        }
      }, 'unknown IANA time zone'),
    WORK_START: time.default('09:00'),
    WORK_END: endTime.default('18:00'),
    /** ISO weekdays that are working days, 1 = Monday. */
    WORK_DAYS: z
      .string()
      .default('1,2,3,4,5')
      .transform((s) => s.split(',').map((d) => Number(d.trim())))
      .pipe(z.array(z.number().int().min(1).max(7)).min(1)),
    /** Deals needed on each side of a behaviour breakpoint before its rates are shown. */
    BREAKPOINT_MIN_DEALS: z.coerce.number().int().min(1).default(20),
    /** Longest message text kept, in characters: the HTTP ingest refuses longer text, a platform's message is cut. */
    MAX_TEXT_LENGTH: z.coerce.number().int().min(1).default(8000),
    /** Also consume analysis, timer and report jobs in the web process (small deployments). */
    RUN_WORKERS: flag,
    /** `npm run worker` serves /metrics and /readyz on this port. */
    WORKER_PORT: z.coerce.number().int().min(0).max(65535).default(3001),
    /**
     * The nice value `npm run worker` runs at (0–19, higher is lower priority; 0 leaves it as
     * started): on shared cores the web process, whose acks and probes are waited on, goes first
     * and the analysis takes what is left (core/priority.ts).
     */
    WORKER_NICE: z.coerce.number().int().min(0).max(19).default(10),
    /** BullMQ key prefix: deployments sharing one Redis use different ones. */
    QUEUE_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/)
      .default('dealwise'),
    /** BullMQ job lock: a worker that dies holding a job has it taken back after about this long. */
    JOB_LOCK_MS: z.coerce.number().int().min(1000).default(30_000),
    /**
     * Every retry delay (of jobs, of dead letters and of platform sends) times this: above 1 work
     * rides out a longer outage before it fails for good; below 1 (tests) it gives up sooner.
     */
    RETRY_BACKOFF_SCALE: z.coerce.number().min(0.001).max(100).default(1),
    /** /readyz answers 503 when a queue this process consumes has had a job waiting longer than this. */
    QUEUE_STUCK_MS: z.coerce.number().int().min(100).default(120_000),
    /** A send left 'sending' by a dead sender is retaken after this long (above any send timeout). */
    SEND_LEASE_MS: z.coerce.number().int().min(1000).default(60_000),
    /** How often a worker re-dispatches what the database says is unfinished. */
    SWEEP_INTERVAL_MS: z.coerce.number().int().min(100).default(30_000),
    /** Rows younger than this are left to their own job by the sweep. */
    SWEEP_SETTLE_MS: z.coerce.number().int().min(0).default(10_000),
    /** Touches of one customer a day that the customer has not answered, at which the rep is warned. */
    COMPLIANCE_DAILY_LIMIT: z.coerce.number().int().min(1).default(5),
    /** A message older than this when it arrives (an import, a late delivery) updates the deal but nudges nobody. */
    NUDGE_MAX_AGE: duration.default(24 * 3_600_000),
    /**
     * Analysis partitions: conversations hash to one; each is analysed by one consumer at a time.
     * Fewer make bigger batches, whose fixed cost is paid less often: on 2 cores, 2 against 8 cut
     * the paced p99 about threefold and made the chats of ten faster, at some cost to the
     * heaviest burst (docs/MEASUREMENTS.md, eleventh session). More let more cores analyse at once.
     */
    ANALYSIS_PARTITIONS: z.coerce.number().int().min(1).max(64).default(2),
    /**
     * Analysis jobs one worker process runs at once (on PostgreSQL + Redis; the embedded default
     * runs one); by default one per partition, so that each partition's run takes what arrived
     * during its last batch at once (`drainWhilePending`) instead of waiting its turn behind the
     * others. Each holds a database connection for its transaction, so it must be below
     * DATABASE_POOL (checked where REDIS_URL is set).
     */
    ANALYSIS_CONCURRENCY: z.coerce.number().int().min(1).max(64).optional(),
    /** Most messages one analysis transaction takes. */
    ANALYSIS_BATCH: z.coerce.number().int().min(1).max(5_000).default(500),
    /** Most messages one ingest transaction stores. */
    INGEST_BATCH: z.coerce.number().int().min(1).max(5_000).default(500),
    /** How often due timers are looked for. */
    TIMER_TICK_MS: z.coerce.number().int().min(50).default(2_000),
    /** How often a process checks whether the directory, playbook or atoms changed. */
    CATALOG_POLL_MS: z.coerce.number().int().min(50).default(2_000),
    /** Longest one platform send may take (below SEND_LEASE_MS). */
    SEND_TIMEOUT_MS: z.coerce.number().int().min(100).default(15_000),
    /**
     * Longest one HTTP request to a platform may take (a token fetch, one send call), in all three
     * adapters: at most SEND_TIMEOUT_MS, so a request the send gave up on ends well before the
     * lease lets another sender retake the delivery. Unset: 10 s, or SEND_TIMEOUT_MS if less.
     */
    PLATFORM_TIMEOUT_MS: z.coerce.number().int().min(50).optional(),
    /** How long a shutdown waits for running jobs before it lets them go back to the queue. */
    SHUTDOWN_DEADLINE_MS: z.coerce.number().int().min(0).default(10_000),
    /** PostgreSQL connections per process. */
    DATABASE_POOL: z.coerce.number().int().min(2).max(100).default(10),

    WECOM_BOT_ID: optionalString,
    WECOM_BOT_SECRET: optionalString,
    WECOM_WS_URL: optionalUrl,
    WECOM_CORP_ID: optionalString,
    WECOM_AGENT_ID: optionalString,
    WECOM_SECRET: optionalString,
    WECOM_TOKEN: optionalString,
    WECOM_ENCODING_AES_KEY: optionalString,
    WECOM_API_BASE: optionalUrl,
    FEISHU_APP_ID: optionalString,
    FEISHU_APP_SECRET: optionalString,
    FEISHU_DOMAIN: optionalUrl,
    FEISHU_MODE: z.enum(['ws', 'webhook']).default('ws'),
    FEISHU_ENCRYPT_KEY: optionalString,
    FEISHU_VERIFICATION_TOKEN: optionalString,
    DINGTALK_CLIENT_ID: optionalString,
    DINGTALK_CLIENT_SECRET: optionalString,
    DINGTALK_ROBOT_CODE: optionalString,
    DINGTALK_API_BASE: optionalUrl,
    DINGTALK_GATEWAY_URL: optionalUrl,

    /** The address customers open tracked document links at; default http://HOST:PORT. A browser opens it, so http or https. */
    PUBLIC_URL: optionalString.pipe(z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }).optional()),
    /** Days a tracked document link stays open; 0 means it never expires. */
    DOCUMENT_LINK_DAYS: z.coerce.number().int().min(0).max(3650).default(30),
    /** S3-compatible object storage for shared documents; unset, they go to DATA_DIR/documents. */
    S3_ENDPOINT: optionalUrl,
    S3_BUCKET: optionalString,
    S3_REGION: optionalString,
    S3_ACCESS_KEY_ID: optionalString,
    S3_SECRET_ACCESS_KEY: optionalString,
    /** Path-style addressing (`endpoint/bucket/key`), which MinIO and most self-hosted stores need. */
    S3_FORCE_PATH_STYLE: flag,
  })
  .superRefine((c, ctx) => {
    // A platform is on when its credentials are set; half a set is a mistake worth stopping for.
    const groups: Array<[string, (keyof typeof c)[]]> = [
      ['WeCom bot', ['WECOM_BOT_ID', 'WECOM_BOT_SECRET']],
      ['WeCom app', ['WECOM_CORP_ID', 'WECOM_AGENT_ID', 'WECOM_SECRET', 'WECOM_TOKEN', 'WECOM_ENCODING_AES_KEY']],
      ['Feishu', ['FEISHU_APP_ID', 'FEISHU_APP_SECRET']],
      ['DingTalk', ['DINGTALK_CLIENT_ID', 'DINGTALK_CLIENT_SECRET']],
      ['S3 document storage', ['S3_BUCKET', 'S3_REGION', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY']],
    ];
    for (const [name, keys] of groups) {
      const set = keys.filter((k) => c[k] !== undefined);
      if (set.length > 0 && set.length < keys.length) {
        for (const k of keys.filter((k) => c[k] === undefined)) {
          ctx.addIssue({ code: 'custom', path: [k], message: `required when ${name} is configured (${set.join(', ')} set)` });
        }
      }
    }
    if (c.FEISHU_APP_ID && c.FEISHU_MODE === 'webhook' && !c.FEISHU_ENCRYPT_KEY) {
      ctx.addIssue({ code: 'custom', path: ['FEISHU_ENCRYPT_KEY'], message: 'required when FEISHU_MODE=webhook' });
    }
    if (c.PLATFORM_TIMEOUT_MS !== undefined && c.PLATFORM_TIMEOUT_MS > c.SEND_TIMEOUT_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['PLATFORM_TIMEOUT_MS'],
        message: 'must not exceed SEND_TIMEOUT_MS, so a call that hangs ends by the time the send gives up on it',
      });
    }
    if (c.SEND_TIMEOUT_MS >= c.SEND_LEASE_MS) {
      ctx.addIssue({ code: 'custom', path: ['SEND_TIMEOUT_MS'], message: 'must be below SEND_LEASE_MS, or a slow send could be raced by a second sender' });
    }
    if (c.S3_ENDPOINT && !c.S3_BUCKET) {
      ctx.addIssue({ code: 'custom', path: ['S3_BUCKET'], message: 'required when S3_ENDPOINT is set' });
    }
    // Each analysis job holds a connection for its transaction; the same process's sends, timers
    // and commands (and, with RUN_WORKERS, the ingest) must still find one. Only where BullMQ runs
    // jobs side by side: the embedded default analyses one batch at a time.
    const analysisJobs = c.ANALYSIS_CONCURRENCY ?? c.ANALYSIS_PARTITIONS;
    if (c.REDIS_URL && analysisJobs >= c.DATABASE_POOL) {
      const which =
        c.ANALYSIS_CONCURRENCY === undefined
          ? 'ANALYSIS_PARTITIONS (the analysis jobs run at once while ANALYSIS_CONCURRENCY is unset)'
          : 'ANALYSIS_CONCURRENCY';
      ctx.addIssue({
        code: 'custom',
        path: ['DATABASE_POOL'],
        message: `must be above ${which}, ${analysisJobs}: each running analysis holds a connection, and sends, timers and commands need one beside them (raise DATABASE_POOL or set ANALYSIS_CONCURRENCY lower)`,
      });
    }
    if (c.WORK_START >= c.WORK_END) {
      ctx.addIssue({ code: 'custom', path: ['WORK_END'], message: 'must be after WORK_START' });
    }
  })
  .transform((c) => ({ ...c, PLATFORM_TIMEOUT_MS: c.PLATFORM_TIMEOUT_MS ?? Math.min(10_000, c.SEND_TIMEOUT_MS) }));

export type Config = z.infer<typeof configSchema>;

/** Parses the environment; throws CONFIG_INVALID naming each bad variable, never its value. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // An empty variable (`PORT=` in a .env file) means unset: its default applies.
  const set = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));
  const parsed = configSchema.safeParse(set);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`);
  throw new AppError('CONFIG_INVALID', `invalid configuration:\n  ${lines.join('\n  ')}`, {
    details: parsed.error.issues.map((i) => ({ variable: i.path.join('.'), message: i.message })),
  });
}
