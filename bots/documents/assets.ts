/**
 * The viewer's static files, served by dealwise itself so a customer's browser loads nothing from
 * another origin: pdf.js (build, worker, CJK cmaps, standard fonts, wasm decoders, ICC profiles)
 * from node_modules, and the viewer's own script and style. Every URL carries a version or a
 * content hash, so they are cached for a year.
 */
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import type { ViewerAssets } from './viewer-page.ts';

const require = createRequire(import.meta.url);
const PDFJS_ROOT = dirname(require.resolve('pdfjs-dist/package.json'));
const PDFJS_VERSION = (JSON.parse(readFileSync(join(PDFJS_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const VIEWER_DIR = fileURLToPath(new URL('./viewer/', import.meta.url));

const IMMUTABLE = 'public, max-age=31536000, immutable';
/** The files of pdf.js a browser may ask for; names only, so no path can climb out. */
const PDFJS_FILE = /^(?:build\/pdf(?:\.worker)?\.min\.mjs|(?:cmaps|standard_fonts|wasm|iccs)\/[A-Za-z0-9][A-Za-z0-9._-]*)$/;

const TYPES: Record<string, string> = {
  mjs: 'text/javascript; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  wasm: 'application/wasm',
  bcmap: 'application/octet-stream',
  pfb: 'application/octet-stream',
  ttf: 'font/ttf',
  icc: 'application/vnd.iccprofile',
};
const typeOf = (name: string): string => TYPES[name.split('.').pop() ?? ''] ?? 'application/octet-stream';

function hashed(file: string): { body: Buffer; hash: string } {
  const body = readFileSync(join(VIEWER_DIR, file));
  return { body, hash: createHash('sha256').update(body).digest('hex').slice(0, 12) };
}

/** Registers the asset routes and returns their URLs for the viewer page. */
export function registerViewerAssets(server: FastifyInstance): ViewerAssets {
  const script = hashed('viewer.js');
  const style = hashed('viewer.css');
  const pdfjsRoot = `/d/assets/pdfjs/${PDFJS_VERSION}/`;

  server.get(`/d/assets/viewer.${script.hash}.js`, async (_req, reply) => reply.header('cache-control', IMMUTABLE).type(typeOf('viewer.js')).send(script.body));
  server.get(`/d/assets/viewer.${style.hash}.css`, async (_req, reply) => reply.header('cache-control', IMMUTABLE).type(typeOf('viewer.css')).send(style.body));
  server.get(`${pdfjsRoot}*`, async (req, reply) => {
    const name = (req.params as { '*': string })['*'];
    if (!PDFJS_FILE.test(name)) return reply.status(404).type('text/plain').send('not found');
    const path = join(PDFJS_ROOT, name);
    const info = await stat(path).catch(() => null);
    if (!info?.isFile()) return reply.status(404).type('text/plain').send('not found');
    return reply.header('cache-control', IMMUTABLE).header('content-length', info.size).type(typeOf(name)).send(createReadStream(path));
  });

  return {
    pdfjs: `${pdfjsRoot}build/pdf.min.mjs`,
    worker: `${pdfjsRoot}build/pdf.worker.min.mjs`,
    pdfjsRoot,
    script: `/d/assets/viewer.${script.hash}.js`,
    style: `/d/assets/viewer.${style.hash}.css`,
  };
}
