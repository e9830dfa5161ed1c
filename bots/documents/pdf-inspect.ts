/**
 * What dealwise needs to know of an uploaded PDF: that it is one, its pages, its outline and the
 * first lines of each page. pdf.js runs in a worker thread with a time and memory limit, so a
 * large or hostile file costs that thread, not the server.
 */
import { Worker } from 'node:worker_threads';
import { AppError } from '../../core/errors.ts';
import type { PdfInspection } from './page-labels.ts';

/** Pages whose text is read for titles; the outline covers the rest, if any. */
export const MAX_TEXT_PAGES = 300;
const INSPECT_TIMEOUT_MS = 20_000;

/** `%PDF-` must open the file (within its first 1024 bytes, as the PDF spec allows). */
export function looksLikePdf(body: Buffer): boolean {
  const at = body.subarray(0, 1024).indexOf('%PDF-');
  return at >= 0;
}

export async function inspectPdf(body: Buffer, opts: { timeoutMs?: number } = {}): Promise<PdfInspection> {
  if (!looksLikePdf(body)) throw new AppError('BAD_REQUEST', 'not a PDF file');
  // A copy for the worker: pdf.js takes ownership of (and detaches) the bytes it is given.
  const data = new Uint8Array(body);
  const worker = new Worker(new URL('./pdf-inspect-worker.mjs', import.meta.url), {
    workerData: { data, maxTextPages: MAX_TEXT_PAGES },
    transferList: [data.buffer],
    resourceLimits: { maxOldGenerationSizeMb: 512 },
  });
  try {
    const reply = await new Promise<{ ok: true; result: PdfInspection } | { ok: false; name: string; message: string }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new AppError('BAD_REQUEST', 'the PDF took too long to read')), opts.timeoutMs ?? INSPECT_TIMEOUT_MS);
      worker.once('message', (m) => {
        clearTimeout(timer);
        resolve(m);
      });
      worker.once('error', (err) => {
        clearTimeout(timer);
        reject(new AppError('BAD_REQUEST', 'the PDF could not be read', { cause: err }));
      });
      worker.once('exit', (code) => {
        clearTimeout(timer);
        reject(new AppError('BAD_REQUEST', `the PDF reader stopped (exit ${code})`));
      });
    });
    if (!reply.ok) {
      if (reply.name === 'PasswordException') throw new AppError('BAD_REQUEST', 'password-protected PDFs cannot be shared as tracked links');
      throw new AppError('BAD_REQUEST', `not a readable PDF (${reply.name})`);
    }
    if (reply.result.pageCount < 1) throw new AppError('BAD_REQUEST', 'the PDF has no pages');
    return reply.result;
  } finally {
    await worker.terminate();
  }
}
