// The tracked-link viewer, in the customer's browser. It opens a view (POST /d/<token>/open),
// renders every page with pdf.js into a canvas, one under the other, and reports how long each
// page was in view: a page counts while at least half of it (or half the screen) shows and the
// tab is visible, until five minutes pass without any touch, scroll or key. Deltas go to
// POST /d/<token>/beacon every 15 s and when the page is hidden or left.
// Plain JavaScript served as is: no build step between this file and the browser.

const FLUSH_MS = 15_000;
const IDLE_MS = 5 * 60_000;
const MAX_BEACON_SECONDS = 120;
const MAX_ENTRIES_PER_BEACON = 80;
const BROWSER_ID_KEY = 'dealwise.viewer.browserId';

const body = document.body;
const token = location.pathname.split('/')[2] ?? '';
const base = `/d/${token}`;
const statusEl = document.getElementById('status');

function randomId() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

/** The same browser keeps the same id, so it counts as one reader; private tabs get a new one. */
function browserId() {
  try {
    let id = localStorage.getItem(BROWSER_ID_KEY);
    if (!id || !/^[A-Za-z0-9_-]{16,64}$/.test(id)) {
      id = randomId();
      localStorage.setItem(BROWSER_ID_KEY, id);
    }
    return id;
  } catch {
    return randomId();
  }
}

function showStatus(text) {
  if (statusEl) {
    statusEl.textContent = text;
    statusEl.hidden = false;
  }
}

async function openView(sessionId) {
  const payload = JSON.stringify({ sessionId, browserId: browserId() });
  for (let attempt = 0; ; attempt++) {
    try {
      const res = await fetch(`${base}/open`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: payload });
      // Revoked or expired since the page was served: reload to show why.
      if (res.status === 404 || res.status === 410) {
        location.reload();
        return null;
      }
      if (!res.ok) throw new Error(`open: ${res.status}`);
      return await res.json();
    } catch (err) {
      // The same session id makes a retry the same open, never a second one.
      if (attempt >= 2) throw err;
      await new Promise((r) => setTimeout(r, 1000 * (attempt + 1)));
    }
  }
}

/** Per-page visible time and visits, sent as deltas. */
class Tracker {
  constructor(viewId) {
    this.viewId = viewId;
    /** page → whether it is in view enough to count */
    this.inView = new Map();
    /** pages being timed now */
    this.counting = new Set();
    /** pages already counted as visited since they came into view (or the tab came back) */
    this.visited = new Set();
    /** page → { seconds, visits } not sent yet */
    this.pending = new Map();
    this.last = performance.now();
    this.lastInput = performance.now();
  }

  add(page, seconds, visits) {
    const p = this.pending.get(page) ?? { seconds: 0, visits: 0 };
    p.seconds += seconds;
    p.visits += visits;
    this.pending.set(page, p);
  }

  /** Books the time since the last update to the pages being timed, then re-decides which are. */
  update() {
    const now = performance.now();
    const dt = (now - this.last) / 1000;
    this.last = now;
    for (const page of this.counting) this.add(page, dt, 0);
    const visible = document.visibilityState === 'visible';
    if (!visible) this.visited.clear();
    const active = visible && now - this.lastInput < IDLE_MS;
    const next = new Set();
    if (active) {
      for (const [page, shown] of this.inView) {
        if (!shown) continue;
        next.add(page);
        if (!this.visited.has(page)) {
          this.visited.add(page);
          this.add(page, 0, 1);
        }
      }
    }
    this.counting = next;
  }

  setInView(page, shown) {
    this.update();
    this.inView.set(page, shown);
    if (!shown) this.visited.delete(page);
    this.update();
  }

  input() {
    const wasIdle = performance.now() - this.lastInput >= IDLE_MS;
    this.update();
    this.lastInput = performance.now();
    if (wasIdle) this.update();
  }

  /** Sends what is pending; seconds over the per-beacon cap wait for the next one. */
  flush() {
    this.update();
    const entries = [];
    for (const [page, p] of this.pending) {
      const seconds = Math.min(MAX_BEACON_SECONDS, Math.floor(p.seconds * 10) / 10);
      if (seconds <= 0 && p.visits === 0) continue;
      entries.push({ page, seconds, visits: p.visits });
      p.seconds -= seconds;
      p.visits = 0;
      if (p.seconds < 0.05) this.pending.delete(page);
    }
    for (let i = 0; i < entries.length; i += MAX_ENTRIES_PER_BEACON) {
      send({ viewId: this.viewId, pages: entries.slice(i, i + MAX_ENTRIES_PER_BEACON) });
    }
  }
}

function send(payload) {
  const url = `${base}/beacon`;
  const data = JSON.stringify(payload);
  // sendBeacon survives the page being closed; fetch with keepalive is the fallback when the
  // browser's beacon queue is full.
  if (navigator.sendBeacon?.(url, new Blob([data], { type: 'application/json' }))) return;
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: data, keepalive: true }).catch(() => {});
}

/** In view enough to count: half the page, or half the screen for a page taller than two screens. */
function shownEnough(entry) {
  if (!entry.isIntersecting) return false;
  const rootHeight = entry.rootBounds?.height || window.innerHeight;
  return entry.intersectionRatio >= 0.5 || entry.intersectionRect.height >= rootHeight * 0.5;
}

async function main() {
  const sessionId = randomId();
  const opened = await openView(sessionId);
  if (!opened) return;
  const tracker = new Tracker(opened.viewId);

  const download = document.getElementById('download');
  if (download) {
    download.href = `${base}/file?download=1&view=${encodeURIComponent(opened.viewId)}`;
    download.hidden = false;
  }

  const pdfjs = await import(body.dataset.pdfjs);
  pdfjs.GlobalWorkerOptions.workerSrc = body.dataset.worker;
  const root = body.dataset.pdfjsRoot;
  const pdf = await pdfjs.getDocument({
    url: `${base}/file`,
    cMapUrl: `${root}cmaps/`,
    cMapPacked: true,
    standardFontDataUrl: `${root}standard_fonts/`,
    wasmUrl: `${root}wasm/`,
    iccUrl: `${root}iccs/`,
    isEvalSupported: false,
    disableRange: true,
    disableAutoFetch: true,
  }).promise;

  const container = document.getElementById('pages');
  const pages = [];
  for (let n = 1; n <= pdf.numPages; n++) {
    const page = await pdf.getPage(n);
    const vp = page.getViewport({ scale: 1 });
    const el = document.createElement('div');
    el.className = 'page';
    el.dataset.page = String(n);
    el.id = `page-${n}`;
    el.style.aspectRatio = `${vp.width} / ${vp.height}`;
    const num = document.createElement('span');
    num.className = 'num';
    num.textContent = `${n} / ${pdf.numPages}`;
    el.append(num);
    pages.push({ n, page, el, rendered: false });
  }
  if (statusEl) statusEl.hidden = true;
  container.append(...pages.map((p) => p.el));

  const render = async (p) => {
    if (p.rendered) return;
    p.rendered = true;
    const ratio = Math.min(window.devicePixelRatio || 1, 2);
    const scale = (p.el.clientWidth * ratio) / p.page.getViewport({ scale: 1 }).width;
    const viewport = p.page.getViewport({ scale });
    const canvas = document.createElement('canvas');
    canvas.width = Math.floor(viewport.width);
    canvas.height = Math.floor(viewport.height);
    p.el.prepend(canvas);
    await p.page.render({ canvas, canvasContext: canvas.getContext('2d'), viewport }).promise;
    p.el.dataset.rendered = 'true';
  };

  // Render a screen ahead of the reader; time what is actually in view.
  const renderer = new IntersectionObserver(
    (entries) => {
      for (const e of entries) if (e.isIntersecting) render(pages[Number(e.target.dataset.page) - 1]).catch(() => {});
    },
    { rootMargin: '100% 0px' },
  );
  const timer = new IntersectionObserver(
    (entries) => {
      for (const e of entries) tracker.setInView(Number(e.target.dataset.page), shownEnough(e));
    },
    { threshold: [0, 0.25, 0.5, 0.75, 1] },
  );
  for (const p of pages) {
    renderer.observe(p.el);
    timer.observe(p.el);
  }

  document.addEventListener('visibilitychange', () => {
    tracker.update();
    if (document.visibilityState === 'hidden') tracker.flush();
  });
  window.addEventListener('pagehide', () => tracker.flush());
  for (const type of ['scroll', 'touchstart', 'keydown', 'pointerdown', 'wheel', 'mousemove']) {
    window.addEventListener(type, () => tracker.input(), { passive: true });
  }
  setInterval(() => tracker.flush(), FLUSH_MS);
  body.dataset.state = 'ready';
}

main().catch(() => {
  body.dataset.state = 'error';
  showStatus('文档加载失败，请检查网络后刷新重试。');
});
