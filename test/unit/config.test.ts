import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config.ts';
import { AppError } from '../../core/errors.ts';

/** Runs loadConfig expecting a failure and returns the AppError it threw. */
function configError(env: Record<string, string | undefined>): AppError {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
  throw new Error(`loadConfig(${JSON.stringify(Object.keys(env))}) did not fail`);
}

const feishu = { FEISHU_APP_ID: 'cli_a1b2c3', FEISHU_APP_SECRET: 'feishu-secret-value' };

describe('loadConfig', () => {
  it('fills the defaults from an empty environment', () => {
    const c = loadConfig({});
    expect(c.HOST).toBe('127.0.0.1');
    expect(c.PORT).toBe(3000);
    expect(c.DATA_DIR).toBe('./data');
    expect(c.TIMEZONE).toBe('Asia/Shanghai');
    expect(c.LOG_LEVEL).toBe('info');
    expect(c.WORK_START).toBe('09:00');
    expect(c.WORK_END).toBe('18:00');
    expect(c.WORK_DAYS).toEqual([1, 2, 3, 4, 5]);
    expect(c.MAX_TEXT_LENGTH).toBe(8000);
    expect(c.COMPLIANCE_DAILY_LIMIT).toBe(5);
    expect(c.FEISHU_MODE).toBe('ws');
    expect(c.PLAYBOOK_FILE).toBe('config/playbooks.yaml');
    expect(c.ATOMS_FILE).toBe('config/atoms.yaml');
    expect(c.DATABASE_URL).toBeUndefined();
    expect(c.REDIS_URL).toBeUndefined();
    expect(c.FEISHU_APP_ID).toBeUndefined();
  });

  it('coerces PORT and the other numbers from strings', () => {
    const c = loadConfig({ PORT: '8080', MAX_TEXT_LENGTH: '200', COMPLIANCE_DAILY_LIMIT: '3', WORK_DAYS: '1, 2,3,4,5,6' });
    expect(c.PORT).toBe(8080);
    expect(c.MAX_TEXT_LENGTH).toBe(200);
    expect(c.COMPLIANCE_DAILY_LIMIT).toBe(3);
    expect(c.WORK_DAYS).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('accepts a postgres and a redis URL and a full Feishu webhook set', () => {
    const c = loadConfig({
      DATABASE_URL: 'postgresql://dealwise:pw@db:5432/dealwise',
      REDIS_URL: 'redis://cache:6379',
      ...feishu,
      FEISHU_MODE: 'webhook',
      FEISHU_ENCRYPT_KEY: 'encrypt-key',
      TIMEZONE: 'America/New_York',
    });
    expect(c.DATABASE_URL).toBe('postgresql://dealwise:pw@db:5432/dealwise');
    expect(c.REDIS_URL).toBe('redis://cache:6379');
    expect(c.FEISHU_MODE).toBe('webhook');
    expect(c.TIMEZONE).toBe('America/New_York');
  });

  it.each([['abc'], ['70000'], ['-1'], ['80.5']])('rejects PORT=%s with CONFIG_INVALID naming PORT', (port) => {
    const err = configError({ PORT: port });
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toContain('PORT');
  });

  it('runs the worker at nice 10 unless WORKER_NICE says otherwise (0 leaves it as started)', () => {
    expect(loadConfig({}).WORKER_NICE).toBe(10);
    expect(loadConfig({ WORKER_NICE: '0' }).WORKER_NICE).toBe(0);
    expect(loadConfig({ WORKER_NICE: '19' }).WORKER_NICE).toBe(19);
  });

  it.each([['-5'], ['20'], ['2.5'], ['low']])('rejects WORKER_NICE=%s with CONFIG_INVALID naming WORKER_NICE', (nice) => {
    const err = configError({ WORKER_NICE: nice });
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toMatch(/^.*WORKER_NICE: /m);
  });

  it('rejects an unknown TIMEZONE naming the variable but not the value', () => {
    const err = configError({ TIMEZONE: 'Mars/Olympus_Mons' });
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toContain('TIMEZONE');
    expect(err.message).not.toContain('Mars/Olympus_Mons');
  });

  it('rejects a non-postgres DATABASE_URL naming DATABASE_URL and never echoing its password', () => {
    const err = configError({ DATABASE_URL: 'mysql://user:hunter2@x' });
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toContain('DATABASE_URL');
    expect(err.message).not.toContain('hunter2');
    expect(JSON.stringify(err.details)).not.toContain('hunter2');
    expect(JSON.stringify(err.details)).toContain('DATABASE_URL');
  });

  it('takes a Unix socket directory in the host parameter, and refuses a host name there without echoing the URL', () => {
    const c = loadConfig({ DATABASE_URL: 'postgres://dealwise@localhost/dealwise?host=/var/run/postgresql' });
    expect(c.DATABASE_URL).toBe('postgres://dealwise@localhost/dealwise?host=/var/run/postgresql');
    const err = configError({ DATABASE_URL: 'postgres://dealwise:hunter2@localhost/dealwise?host=db.internal' });
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toContain('DATABASE_URL');
    expect(err.message).toContain('socket directory');
    expect(err.message).not.toContain('hunter2');
    expect(JSON.stringify(err.details)).not.toContain('hunter2');
  });

  it('rejects a non-redis REDIS_URL without echoing its password', () => {
    const err = configError({ REDIS_URL: 'http://:s3cr3t-pass@cache:6379' });
    expect(err.message).toContain('REDIS_URL');
    expect(err.message).not.toContain('s3cr3t-pass');
    expect(JSON.stringify(err.details)).not.toContain('s3cr3t-pass');
  });

  it('rejects a malformed URL option without echoing it', () => {
    const err = configError({ FEISHU_DOMAIN: 'not-a-url-token-9f8e7d' });
    expect(err.message).toContain('FEISHU_DOMAIN');
    expect(err.message).not.toContain('9f8e7d');
  });

  it('rejects a duration that is not one, naming the variable and the form it takes', () => {
    const e = configError({ NUDGE_MAX_AGE: 'forever' });
    expect(e.message).toMatch(/NUDGE_MAX_AGE: expected a duration such as 24h, 90m or 2d \(or plain milliseconds\)/);
    expect(e.message).not.toMatch(/Invalid input/);
    expect(loadConfig({ NUDGE_MAX_AGE: '90m' }).NUDGE_MAX_AGE).toBe(90 * 60_000);
  });

  it('takes only an http or https PUBLIC_URL', () => {
    expect(configError({ PUBLIC_URL: 'ftp://x' }).message).toMatch(/PUBLIC_URL: expected an http:\/\/ or https:\/\/ URL/);
    expect(loadConfig({ PUBLIC_URL: 'https://sales.example.com' }).PUBLIC_URL).toBe('https://sales.example.com');
    expect(loadConfig({ PUBLIC_URL: 'http://127.0.0.1:3000' }).PUBLIC_URL).toBe('http://127.0.0.1:3000');
  });

  it('rejects FEISHU_APP_ID without FEISHU_APP_SECRET, naming the missing variable', () => {
    const err = configError({ FEISHU_APP_ID: 'cli_a1b2c3' });
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toContain('FEISHU_APP_SECRET');
    expect(err.message).not.toContain('cli_a1b2c3');
  });

  it('rejects a secret without its id and does not echo the secret', () => {
    const err = configError({ FEISHU_APP_SECRET: 'sekrit-feishu-42' });
    expect(err.message).toContain('FEISHU_APP_ID');
    expect(err.message).not.toContain('sekrit-feishu-42');
    expect(JSON.stringify(err.details)).not.toContain('sekrit-feishu-42');
  });

  it('rejects WECOM_CORP_ID alone, naming each of the other four WeCom app variables', () => {
    const err = configError({ WECOM_CORP_ID: 'ww1234567890' });
    const variables = (err.details as Array<{ variable: string }>).map((d) => d.variable).sort();
    expect(variables).toEqual(['WECOM_AGENT_ID', 'WECOM_ENCODING_AES_KEY', 'WECOM_SECRET', 'WECOM_TOKEN']);
    for (const v of variables) expect(err.message).toContain(v);
  });

  it('rejects half a WeCom bot and half a DingTalk set in one go', () => {
    const err = configError({ WECOM_BOT_ID: 'bot-1', DINGTALK_CLIENT_SECRET: 'ding-secret-77' });
    expect(err.message).toContain('WECOM_BOT_SECRET');
    expect(err.message).toContain('DINGTALK_CLIENT_ID');
    expect(err.message).not.toContain('ding-secret-77');
  });

  it('accepts complete WeCom app, WeCom bot and DingTalk sets', () => {
    const c = loadConfig({
      WECOM_CORP_ID: 'ww1',
      WECOM_AGENT_ID: '1000002',
      WECOM_SECRET: 's',
      WECOM_TOKEN: 't',
      WECOM_ENCODING_AES_KEY: 'k',
      WECOM_BOT_ID: 'b',
      WECOM_BOT_SECRET: 'bs',
      DINGTALK_CLIENT_ID: 'd',
      DINGTALK_CLIENT_SECRET: 'ds',
    });
    expect(c.WECOM_AGENT_ID).toBe('1000002');
    expect(c.DINGTALK_CLIENT_ID).toBe('d');
  });

  it('rejects FEISHU_MODE=webhook without FEISHU_ENCRYPT_KEY', () => {
    const err = configError({ ...feishu, FEISHU_MODE: 'webhook' });
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toContain('FEISHU_ENCRYPT_KEY');
    expect(err.message).not.toContain('feishu-secret-value');
  });

  it('rejects WORK_END before (or equal to) WORK_START, naming WORK_END', () => {
    const before = configError({ WORK_START: '18:00', WORK_END: '09:00' });
    expect(before.code).toBe('CONFIG_INVALID');
    expect(before.message).toContain('WORK_END');
    expect(configError({ WORK_START: '09:00', WORK_END: '09:00' }).message).toContain('WORK_END');
  });

  it('rejects, with a Redis, more analysis jobs at once than the pool leaves room for', () => {
    const redis = { REDIS_URL: 'redis://:redis-secret@127.0.0.1:6379' };
    // Unset concurrency is one job a partition: 10 partitions fill a pool of 10.
    const byPartitions = configError({ ...redis, ANALYSIS_PARTITIONS: '10' });
    expect(byPartitions.code).toBe('CONFIG_INVALID');
    expect(byPartitions.message).toContain('DATABASE_POOL: must be above ANALYSIS_PARTITIONS');
    expect(byPartitions.message).not.toContain('redis-secret');
    expect(configError({ ...redis, ANALYSIS_CONCURRENCY: '12', DATABASE_POOL: '12' }).message).toContain('above ANALYSIS_CONCURRENCY, 12');
    // One below the pool, or fewer jobs than partitions, or no Redis (one batch at a time): fine.
    expect(loadConfig({ ...redis, ANALYSIS_PARTITIONS: '9' }).ANALYSIS_PARTITIONS).toBe(9);
    expect(loadConfig({ ...redis, ANALYSIS_PARTITIONS: '16', ANALYSIS_CONCURRENCY: '4' }).ANALYSIS_CONCURRENCY).toBe(4);
    expect(loadConfig({ ANALYSIS_PARTITIONS: '16' }).ANALYSIS_PARTITIONS).toBe(16);
  });

  it('rejects a working time that is not HH:MM', () => {
    expect(configError({ WORK_START: '9am' }).message).toContain('WORK_START');
  });

  it.each([['25:00'], ['09:60'], ['24:00'], ['9:00']])('rejects WORK_START=%s, not a time of day, naming WORK_START', (t) => {
    const err = configError({ WORK_START: t });
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toMatch(/^\s*WORK_START: /m);
  });

  it('rejects WORK_START=25:00 WORK_END=26:00 naming both', () => {
    const err = configError({ WORK_START: '25:00', WORK_END: '26:00' });
    expect(err.message).toMatch(/^\s*WORK_START: /m);
    expect(err.message).toMatch(/^\s*WORK_END: /m);
  });

  it('takes WORK_END=24:00 as working until midnight, and no later end', () => {
    const c = loadConfig({ WORK_START: '00:00', WORK_END: '24:00' });
    expect([c.WORK_START, c.WORK_END]).toEqual(['00:00', '24:00']);
    expect(configError({ WORK_END: '24:01' }).message).toMatch(/^\s*WORK_END: /m);
  });

  it('refuses a one-character API_TOKEN as it refuses a short API_TOKENS entry, never echoing it', () => {
    for (const token of ['x', 'fifteen-chars-x', 'with a space in-it-long']) {
      const err = configError({ HOST: '0.0.0.0', API_TOKEN: token });
      expect(err.code).toBe('CONFIG_INVALID');
      expect(err.message).toMatch(/^\s*API_TOKEN: .*16/m);
      expect(err.message).not.toContain(token);
      expect(JSON.stringify(err.details)).not.toContain(token);
    }
    expect(loadConfig({ API_TOKEN: 'sixteen-chars-ok' }).API_TOKEN).toBe('sixteen-chars-ok');
  });

  it.each([
    ['loopback', 'loopback'],
    ['10.0.0.0/8, 127.0.0.1,::1', '10.0.0.0/8,127.0.0.1,::1'],
    ['uniquelocal,fe80::/10', 'uniquelocal,fe80::/10'],
    ['true', true],
    ['false', false],
  ] as const)('takes TRUST_PROXY=%s as fastify does', (value, expected) => {
    const c = loadConfig({ TRUST_PROXY: value });
    expect(c.TRUST_PROXY).toEqual(expected);
    // What the config lets through, fastify compiles (it throws "invalid IP address" otherwise).
    expect(() => Fastify({ trustProxy: c.TRUST_PROXY })).not.toThrow();
  });

  it.each([['not-an-ip'], ['10.0.0.0/33'], ['10.0.0.0/0'], ['10.0.0.1,'], ['256.1.1.1'], ['2'], ['localhost']])(
    'rejects TRUST_PROXY=%s with CONFIG_INVALID naming TRUST_PROXY',
    (value) => {
      const err = configError({ TRUST_PROXY: value });
      expect(err.code).toBe('CONFIG_INVALID');
      expect(err.message).toMatch(/^\s*TRUST_PROXY: /m);
    },
  );

  it('treats empty and blank optional values as unset', () => {
    const c = loadConfig({ DATABASE_URL: '', REDIS_URL: '  ', FEISHU_APP_ID: '', WECOM_CORP_ID: ' ', API_TOKEN: '' });
    expect(c.DATABASE_URL).toBeUndefined();
    expect(c.REDIS_URL).toBeUndefined();
    expect(c.FEISHU_APP_ID).toBeUndefined();
    expect(c.WECOM_CORP_ID).toBeUndefined();
    expect(c.API_TOKEN).toBeUndefined();
  });

  it('an empty secret does not complete a platform group', () => {
    const err = configError({ FEISHU_APP_ID: 'cli_a1b2c3', FEISHU_APP_SECRET: '' });
    expect(err.message).toContain('FEISHU_APP_SECRET');
  });

  // `PORT=` in an env file or `PORT=${PORT}` in a compose file gives an empty string: it must mean
  // "use the default", not port 0 or a failure.
  it.each([
    ['HOST', '127.0.0.1'],
    ['PORT', 3000],
    ['DATA_DIR', './data'],
    ['TIMEZONE', 'Asia/Shanghai'],
    ['LOG_LEVEL', 'info'],
    ['WORK_START', '09:00'],
    ['WORK_END', '18:00'],
    ['FEISHU_MODE', 'ws'],
    ['MAX_TEXT_LENGTH', 8000],
    ['COMPLIANCE_DAILY_LIMIT', 5],
  ] as const)('treats an empty %s as unset (default %s)', (name, expected) => {
    const c = loadConfig({ [name]: '' });
    expect(c[name]).toBe(expected);
  });

  it('treats an empty WORK_DAYS as unset (Mon–Fri)', () => {
    expect(loadConfig({ WORK_DAYS: '' }).WORK_DAYS).toEqual([1, 2, 3, 4, 5]);
  });
});
