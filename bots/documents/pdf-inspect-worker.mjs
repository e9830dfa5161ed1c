// Reads a PDF with pdf.js in a worker thread, so a large upload never stalls the server's event
// loop. Plain JavaScript: a worker thread gets no TypeScript loader. It sends back raw facts
// (page count, outline with page numbers, the text lines of each page with their font size);
// page-labels.ts turns them into titles.
import { parentPort, workerData } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const PDFJS_ROOT = dirname(require.resolve('pdfjs-dist/package.json'));
const MAX_ITEMS_PER_PAGE = 60;

async function inspect({ data, maxTextPages }) {
  const { getDocument } = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const task = getDocument({
    data,
    verbosity: 0,
    isEvalSupported: false,
    disableFontFace: true,
    // Chinese PDFs made by office suites often use predefined CJK CMaps: text needs them.
    cMapUrl: `${join(PDFJS_ROOT, 'cmaps')}/`,
    cMapPacked: true,
    standardFontDataUrl: `${join(PDFJS_ROOT, 'standard_fonts')}/`,
  });
  const doc = await task.promise;
  try {
    const info = await doc.getMetadata().catch(() => null);
    const outline = [];
    const walk = async (items, depth) => {
      for (const item of items ?? []) {
        let page = null;
        try {
          const dest = typeof item.dest === 'string' ? await doc.getDestination(item.dest) : item.dest;
          if (Array.isArray(dest) && dest[0] != null) {
            page = typeof dest[0] === 'number' ? dest[0] + 1 : (await doc.getPageIndex(dest[0])) + 1;
          }
        } catch {
          page = null;
        }
        outline.push({ title: String(item.title ?? ''), page, depth });
        if (depth < 3) await walk(item.items, depth + 1);
      }
    };
    await walk(await doc.getOutline(), 0);

    const pages = [];
    for (let n = 1; n <= Math.min(doc.numPages, maxTextPages); n++) {
      const page = await doc.getPage(n);
      const [, y0, , y1] = page.view;
      const height = y1 - y0 || 1;
      const content = await page.getTextContent();
      const items = [];
      for (const it of content.items) {
        if (!('str' in it) || it.str.trim() === '') continue;
        const [, , c, d, , f] = it.transform;
        items.push({ str: it.str, size: Math.round(Math.hypot(c, d) * 10) / 10, top: Math.min(1, Math.max(0, (y1 - f) / height)) });
        if (items.length >= MAX_ITEMS_PER_PAGE) break;
      }
      pages.push(items);
      page.cleanup();
    }
    const title = info?.info && typeof info.info.Title === 'string' ? info.info.Title : null;
    return { pageCount: doc.numPages, infoTitle: title, outline, pages };
  } finally {
    await doc.destroy();
  }
}

try {
  parentPort.postMessage({ ok: true, result: await inspect(workerData) });
} catch (err) {
  parentPort.postMessage({ ok: false, name: err?.name ?? 'Error', message: String(err?.message ?? err) });
}
