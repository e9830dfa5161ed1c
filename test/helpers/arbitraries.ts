/**
 * fast-check arbitraries for hostile input: strings with NULs, lone surrogates, XML and JSON
 * metacharacters and entity references; numbers at and past every range (0, negatives, 1e20,
 * beyond the Date range, NaN, fractions); and recorded payloads with some of their fields
 * replaced by such values or removed. Each platform's parser and the HTTP ingest are driven with
 * them in the property tests.
 */
import fc from 'fast-check';

const UNITS = [
  'a',
  'Z',
  '7',
  '价',
  '格',
  '😀',
  ' ',
  '\n',
  '\t',
  '\u0000',
  '\u0001',
  '\ud800',
  '\udbff',
  '\udc00',
  '\udfff',
  '\ufffd',
  '\u202e',
  '<',
  '>',
  '&',
  '"',
  "'",
  '\\',
  '/',
  ']]>',
  '<![CDATA[',
  '&#0;',
  '&#x110000;',
  '&#xD800;',
  '&amp;',
  '{',
  '}',
  '@_user_1',
] as const;

/** Strings that are a problem somewhere: storage, XML, JSON, dates, ids. */
export const nastyString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.string({ unit: fc.constantFrom(...UNITS), maxLength: 12 }),
  fc.constantFrom(
    '',
    '\u0000',
    '\ud800',
    '0000-01-01T00:00:00Z',
    '+275760-09-13T00:00:00.001Z',
    '1e20',
    '100000000000000000000',
    '-1',
    'NaN',
    'Infinity',
    'constructor',
    '__proto__',
    '{"text":"a\\u0000b"}',
    '{"text":"\\ud800"}',
    '{"title":"t","content":[[{"tag":"text","text":"\\u0000"}]]}',
  ),
);

/** Numbers at and past every range a field can have. */
export const nastyNumber: fc.Arbitrary<number> = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -1, 1, 1.5, 1e12, 1e20, 8.64e15, 8.64e15 + 1, 9e15, Number.MAX_SAFE_INTEGER, Number.MAX_VALUE, Number.NaN, Number.POSITIVE_INFINITY, -0),
);

/** Any value a JSON field might be replaced with. */
export const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: nastyString },
  { weight: 2, arbitrary: nastyNumber },
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.array(nastyString, { maxLength: 3 }),
  fc.dictionary(nastyString, nastyString, { maxKeys: 3 }),
  fc.anything({ maxDepth: 2 }),
);

type Path = Array<string | number>;

function paths(value: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  if (prefix.length > 0) out.push(prefix);
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) paths(v, [...prefix, Array.isArray(value) ? Number(k) : k], out);
  }
  return out;
}

function setAt(root: unknown, path: Path, v: unknown): void {
  let node = root as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (!next || typeof next !== 'object') return;
    node = next as Record<string | number, unknown>;
  }
  const last = path[path.length - 1]!;
  // As JSON.parse makes them: an own property, even one named __proto__.
  if (v === undefined) delete node[last];
  else Object.defineProperty(node, last, { value: v, enumerable: true, writable: true, configurable: true });
}

/**
 * `base` (a recorded payload) with up to `edits` of its fields, at any depth, replaced by a nasty
 * value or removed; sometimes a field is added. The payload stays mostly valid, so the parser gets
 * past its first checks and the odd value reaches the code behind them.
 */
export function mutated<T>(base: T, edits = 4): fc.Arbitrary<T> {
  const all = paths(base);
  return fc
    .array(fc.tuple(fc.constantFrom(...all), nastyValue), { maxLength: edits })
    .chain((changes) => fc.tuple(fc.constant(changes), fc.option(fc.tuple(nastyString, nastyValue), { freq: 4 })))
    .map(([changes, extra]) => {
      const copy = structuredClone(base);
      for (const [path, v] of changes) setAt(copy, path, v);
      if (extra && copy && typeof copy === 'object') setAt(copy, [extra[0]], extra[1]);
      return copy;
    });
}

/** A value of `base`'s shape changed at a few leaves, or something else entirely. */
export function hostile<T>(base: T): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 8, arbitrary: mutated(base) }, { weight: 1, arbitrary: nastyValue });
}
