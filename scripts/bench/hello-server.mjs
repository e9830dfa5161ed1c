// The HTTP floor for scripts/bench.ts: fastify answering POST /v1/messages as the ingest does
// (JSON in, one result per message out) without storing anything, and /healthz. Plain
// JavaScript, started with node alone, so its figures carry no loader. Prints its port.
import Fastify from 'fastify';

const app = Fastify({ logger: false, bodyLimit: 4 * 1024 * 1024 });
app.post('/v1/messages', async (req) => {
  const items = Array.isArray(req.body) ? req.body : [req.body];
  return { results: items.map((m) => ({ messageId: m.messageId, status: 'stored' })) };
});
app.get('/healthz', async () => ({ ok: true }));
const address = await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`${new URL(address).port}\n`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
