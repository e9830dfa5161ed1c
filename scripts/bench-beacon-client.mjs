// Load generator for bench-beacon.ts, in a worker thread so it has its own core and event loop:
// `requests` POSTs with `concurrency` in flight over keep-alive connections, each a reading
// beacon of one of the given views (or the hello-world floor's body). Plain JavaScript: worker
// threads get no TypeScript loader. Reports the elapsed time, latencies and any non-204 answer.
import http from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';

const { port, targets, requests, concurrency, path } = workerData;
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });

function post(url, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path: url, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

let next = 0;
let seconds = 0;
const failures = {};
const latencies = [];

async function lane() {
  for (;;) {
    const i = next++;
    if (i >= requests) return;
    const t = targets[i % targets.length];
    // A beacon as the viewer sends it: one or two pages, a few seconds each, sometimes a new visit.
    const pages = [{ page: 1 + (i % 9), seconds: 5 + (i % 10), visits: i % 3 === 0 ? 1 : 0 }];
    if (i % 4 === 0) pages.push({ page: 1 + ((i + 4) % 9), seconds: 2.5, visits: 0 });
    const body = JSON.stringify({ viewId: t.viewId, pages });
    const url = path === 'beacon' ? `/d/${t.token}/beacon` : '/hello';
    const t0 = performance.now();
    const status = await post(url, body);
    latencies.push(performance.now() - t0);
    if (status === 204) seconds += pages.reduce((n, p) => n + p.seconds, 0);
    else failures[status] = (failures[status] ?? 0) + 1;
  }
}

const start = performance.now();
await Promise.all(Array.from({ length: concurrency }, lane));
const elapsedMs = performance.now() - start;
agent.destroy();
latencies.sort((a, b) => a - b);
const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];
parentPort.postMessage({ elapsedMs, seconds, failures, p50: pct(50), p99: pct(99) });
