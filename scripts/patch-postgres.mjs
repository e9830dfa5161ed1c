/**
 * Run after every install (package.json `postinstall`): a guard in postgres.js.
 *
 * postgres.js 3.4.9 (the latest) writes to a connection's socket after PostgreSQL has dropped the
 * connection when a query is issued on it meanwhile (a transaction's ROLLBACK after the server
 * went away, typically): `socket.write` on null in a setImmediate, an uncaught TypeError that ends
 * the process, and that leaves the connection unable to write again if anything catches it (its
 * write timer is never cleared), so every later query on it hangs. Upstream:
 * porsager/postgres#1154, #1208; fixes proposed in #1168, #1176, #1209, none released.
 *
 * The guard rejects that query as CONNECTION_CLOSED, as a closed connection's queries are, and a
 * closing connection forgets its pending write.
 *
 * Also: a new connection first fetches the array types (`fetchArrayTypes`, an async function whose
 * promise the message handler returns to nobody). When PostgreSQL goes away during that fetch,
 * the promise rejects unhandled, which ends a Node 20 process; the query that was waiting for the
 * connection is rejected on its own (`errored` rejects it), so the fetch's rejection is dropped.
 * Seen once in the fault suite's PostgreSQL restart (an unhandled ECONNREFUSED on the types
 * query); that test (test/faults/postgres-restart.test.ts) fails without it.
 *
 * And one change of behaviour: a transaction (`sql.begin`) whose function has set `ended` on its
 * transaction object (db/client.ts does, when it sends the transaction's COMMIT with its last
 * statements) is neither committed nor rolled back again when the function returns. postgres.js
 * hands the connection back to its pool as soon as that COMMIT leaves the session idle, so its own
 * COMMIT or ROLLBACK would land in the next transaction on the connection; without this,
 * db/client.ts had to send `commit; begin` and let postgres.js end the empty transaction, a round
 * trip more for every store and analysis batch (test/services/pipeline.test.ts counts them).
 *
 * This script fails the install when postgres.js no longer has the code it patches: see whether a
 * release fixed the guards or lets a transaction end early, and change or delete this script and
 * the `postinstall` line to match.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const MARK = '/* dealwise: guarded (scripts/patch-postgres.mjs) */';
// Its main file is cjs/src/index.js; package.json is not exported.
const root = join(dirname(createRequire(import.meta.url).resolve('postgres')), '..', '..');
const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;

const patches = [
  {
    what: 'a write after the connection closed rejects its query',
    from: `  function nextWrite(fn) {
    const x = socket.write(chunk, fn)`,
    to: `  function nextWrite(fn) {
    ${MARK}
    if (!socket) {
      nextWriteTimer !== null && clearImmediate(nextWriteTimer)
      chunk = nextWriteTimer = null
      error(Errors.connection('CONNECTION_CLOSED', options))
      return true
    }
    const x = socket.write(chunk, fn)`,
  },
  {
    what: 'a closing connection forgets its pending write',
    from: `    incomings = null
    clearImmediate(nextWriteTimer)
    socket.removeListener('data', data)`,
    to: `    incomings = null
    clearImmediate(nextWriteTimer)
    nextWriteTimer = chunk = null
    socket.removeListener('data', data)`,
  },
  {
    what: "a failed array-type fetch of a new connection is not an unhandled rejection",
    from: `        return fetchArrayTypes()
`,
    to: `        return fetchArrayTypes().catch(() => {}) /* dealwise: the waiting query is rejected by errored() */
`,
  },
];

// index.js: a transaction whose own COMMIT went with its last statements is not committed (or
// rolled back) again by postgres.js.
const indexPatches = [
  {
    what: 'no second COMMIT or ROLLBACK after a pipelined COMMIT',
    from: `      } catch (e) {
        await (name`,
    to: `      } catch (e) {
        if (sql.ended) throw e ${MARK}
        await (name`,
  },
  {
    what: 'no second COMMIT after a pipelined COMMIT',
    from: `      if (!name) {
        prepare`,
    to: `      if (!name && !sql.ended) {
        prepare`,
  },
];

for (const [name, list] of [
  ['index.js', indexPatches],
  ['connection.js', patches],
]) {
  for (const build of ['src', 'cjs/src', 'cf/src']) {
    const file = join(root, build, name);
    let text = readFileSync(file, 'utf8');
    for (const p of list) {
      // Each patch once: an install patched by an earlier version of this script gets only the new ones.
      if (text.includes(p.to)) continue;
      if (!text.includes(p.from)) {
        throw new Error(`postgres ${version}, ${build}/${name}: the code to patch (${p.what}) is not there; see scripts/patch-postgres.mjs`);
      }
      text = text.replace(p.from, p.to);
    }
    writeFileSync(file, text);
  }
}
process.stdout.write(`postgres ${version}: write-after-close guards and the early-ending transaction in place\n`);
