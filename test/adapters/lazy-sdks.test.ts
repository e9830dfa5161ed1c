/**
 * A process loads a platform's SDK only when that platform is configured: the Feishu SDK alone
 * costs over a second of CPU to import, BullMQ and exceljs about half a second between them, and
 * the embedded default, the CLI and every test that starts the app use none of them.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const REPO = new URL('../../', import.meta.url).pathname;
const SDKS = ['@larksuiteoapi/node-sdk', 'dingtalk-stream', '@wecom/aibot-node-sdk', 'bullmq', 'exceljs'];

// Imports the app's module graph in a fresh process and lists the CommonJS packages it loaded
// (the SDKs are CommonJS: an ESM import of one puts its files in require's cache).
const SCRIPT = `
  import { createRequire } from 'node:module';
  await import('./bots/app.ts');
  const files = Object.keys(createRequire(process.cwd() + '/x.js').cache);
  console.log(JSON.stringify(${JSON.stringify(SDKS)}.filter((p) => files.some((f) => f.includes('/node_modules/' + p + '/')))));
`;

describe('platform SDKs', () => {
  it('are not loaded by importing the app', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', SCRIPT], { cwd: REPO });
    expect(JSON.parse(stdout.trim().split('\n').at(-1)!)).toEqual([]);
  }, 60_000);
});
