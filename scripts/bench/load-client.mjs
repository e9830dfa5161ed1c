// Load generator for scripts/bench.ts, in a worker thread so it has its own event loop (and, on
// an idle machine, its own core). Plain JavaScript: worker threads get no TypeScript loader.
//  - `lanes`: `lanes` keep-alive connections; each takes the next group of bodies and posts them
//    in order, one after the other (a chat's greeting is stored before its objection is sent);
//  - `paced`: the bodies posted at `rate` a second on schedule, without waiting for answers
//    (an open loop: a slow server is not offered less).
// Each body's `@@SENT_AT@@` becomes the moment it is posted. Reports the elapsed time, messages
// answered `stored`, failures by status, request latencies and how far the sender fell behind.
// With `nice`, the thread runs at that nice value (on the bench's machine the clients of a real
// deployment would be elsewhere).
import http from 'node:http';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';

const { port, path, mode, groups, bodies, lanes, rate, nice } = workerData;
// `nice`: this thread only (Linux keeps a nice value per thread; 0 is the calling thread), so the
// senders give way to the server they load on a shared machine while the probes, on the bench's
// main thread, do not.
if (nice) setPriority(0, nice);
const agent = new http.Agent({ keepAlive: true, maxSockets: mode === 'lanes' ? lanes : 256 });

let stored = 0;
const failures = {};
const latencies = [];

function post(body) {
  return new Promise((resolve) => {
    const text = body.replaceAll('@@SENT_AT@@', new Date().toISOString());
    const t0 = performance.now();
    const req = http.request(
      { host: '127.0.0.1', port, path, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) } },
      (res) => {
        let answer = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (answer += d));
        res.on('end', () => {
          latencies.push(performance.now() - t0);
          if (res.statusCode === 200) {
            for (const r of JSON.parse(answer).results) {
              if (r.status === 'stored') stored++;
              else failures[r.status] = (failures[r.status] ?? 0) + 1;
            }
          } else failures[res.statusCode] = (failures[res.statusCode] ?? 0) + 1;
          resolve();
        });
      },
    );
    req.on('error', (err) => {
      failures[err.code ?? 'error'] = (failures[err.code ?? 'error'] ?? 0) + 1;
      resolve();
    });
    req.end(text);
  });
}

const start = performance.now();
let behindMs = 0;
if (mode === 'lanes') {
  let next = 0;
  const lane = async () => {
    for (let g = next++; g < groups.length; g = next++) for (const body of groups[g]) await post(body);
  };
  await Promise.all(Array.from({ length: lanes }, lane));
} else {
  const pending = [];
  for (let i = 0; i < bodies.length; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    else behindMs = Math.max(behindMs, -wait);
    pending.push(post(bodies[i]));
  }
  await Promise.all(pending);
}
const elapsedMs = performance.now() - start;
agent.destroy();
latencies.sort((a, b) => a - b);
const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? Number.NaN;
parentPort.postMessage({ elapsedMs, stored, failures, p50: pct(50), p99: pct(99), behindMs });
