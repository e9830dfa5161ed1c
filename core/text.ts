/**
 * What every text field from outside must be before it is stored: PostgreSQL refuses NUL
 * characters and lone surrogates, so they are refused at the door with a clear error naming the
 * field, on every path (HTTP, each platform, the archive), instead of failing as a 500 later.
 */
import { AppError } from './errors.ts';

/** Why `s` cannot be stored as text, or null when it can. */
export function textProblem(s: string): string | null {
  if (s.includes('\u0000')) return NUL;
  if (!s.isWellFormed()) return LONE_SURROGATE;
  return null;
}

const NUL = 'contains a NUL character';
const LONE_SURROGATE = 'contains a lone surrogate (invalid UTF-16)';

/** Throws BAD_REQUEST naming `field` when `s` is not storable or longer than `max` characters. */
export function checkText(field: string, s: string, max: number): string {
  const problem = textProblem(s);
  if (problem) throw new AppError('BAD_REQUEST', `${field} ${problem}`);
  if (s.length > max) throw new AppError('PAYLOAD_TOO_LARGE', `${field} is longer than ${max} characters`, { details: { field, max } });
  return s;
}

/**
 * `s` cut to at most `max` characters, ending with a marker that says how long it was; a
 * surrogate pair is never split. Platform messages are cut rather than refused: the writer cannot
 * be asked to send it again, and the platform would only redeliver the same text.
 */
export function clampText(s: string, max: number): string {
  if (s.length <= max) return s;
  const marker = `…[truncated: ${s.length} characters]`;
  let keep = Math.max(0, max - marker.length);
  const last = s.charCodeAt(keep - 1);
  if (keep > 0 && last >= 0xd800 && last <= 0xdbff) keep--;
  return keep === 0 ? s.slice(0, max).toWellFormed() : s.slice(0, keep) + marker;
}

/** Earliest and latest instants a message may carry (PostgreSQL and Date both hold them). */
const EARLIEST = Date.UTC(2000, 0, 1);
const LATEST_AHEAD_MS = 366 * 86_400_000;

/** Throws BAD_REQUEST unless `d` is a real date between 2000 and a year from `now`. */
export function checkDate(field: string, d: Date, now = Date.now()): Date {
  const t = d.getTime();
  if (!Number.isFinite(t) || t < EARLIEST || t > now + LATEST_AHEAD_MS) throw new AppError('BAD_REQUEST', `${field} is not a plausible time`);
  return d;
}

/** Where in a parsed value a string or a key cannot be stored, and why. */
export interface TextProblemAt {
  /** Keys and indexes from the root to the string, or to the object holding the bad key. */
  path: (string | number)[];
  /** True when the bad string is a key of the object at `path`. */
  inKey: boolean;
  problem: string;
}

/**
 * The first string or key in `root` (parsed JSON, a query, path parameters) that PostgreSQL would
 * refuse, or null: depth first, in the order written, an object's own strings before what is
 * nested in it (so a batch names its first bad item). Runs on every request body: a string is
 * scanned where it lies, with no allocation for it, and the path is built only for the one found.
 * Iterative, so a body nested a million deep is walked rather than overflowing the stack.
 */
export function findTextProblem(root: unknown): TextProblemAt | null {
  if (typeof root === 'string') {
    const problem = textProblem(root);
    return problem ? { path: [], inKey: false, problem } : null;
  }
  // Bytes (a multipart file's Buffer on the body) hold no text, and a 20 MB one walked by index would take seconds.
  if (root === null || typeof root !== 'object' || ArrayBuffer.isView(root)) return null;
  // Every container met, with its parent's index and its key there, to name the path of the one found.
  const nodes: object[] = [root];
  const parents: number[] = [-1];
  const keys: (string | number)[] = [''];
  const stack: number[] = [0];
  const found = (node: number, key: string | number | null, inKey: boolean, problem: string): TextProblemAt => {
    const path: (string | number)[] = key === null ? [] : [key];
    for (let i = node; i > 0; i = parents[i]!) path.push(keys[i]!);
    return { path: path.reverse(), inKey, problem };
  };
  const push = (v: object, parent: number, key: string | number) => {
    stack.push(nodes.length);
    nodes.push(v);
    parents.push(parent);
    keys.push(key);
  };
  while (stack.length > 0) {
    const n = stack.pop()!;
    const node = nodes[n]!;
    const mark = stack.length;
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        const v: unknown = node[i];
        if (typeof v === 'string') {
          const problem = textProblem(v);
          if (problem) return found(n, i, false, problem);
        } else if (v !== null && typeof v === 'object' && !ArrayBuffer.isView(v)) push(v, n, i);
      }
    } else {
      for (const k in node) {
        const keyProblem = textProblem(k);
        if (keyProblem) return found(n, null, true, keyProblem);
        const v: unknown = (node as Record<string, unknown>)[k];
        if (typeof v === 'string') {
          const problem = textProblem(v);
          if (problem) return found(n, k, false, problem);
        } else if (v !== null && typeof v === 'object' && !ArrayBuffer.isView(v)) push(v, n, k);
      }
    }
    // The first nested value is taken next: its children were pushed in order, so turn them round.
    for (let i = mark, j = stack.length - 1; i < j; i++, j--) {
      const first = stack[i]!;
      stack[i] = stack[j]!;
      stack[j] = first;
    }
  }
  return null;
}
