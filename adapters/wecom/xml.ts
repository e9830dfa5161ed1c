/**
 * A tiny reader for the flat XML bodies of WeCom app callbacks (`<xml><Encrypt>…</Encrypt></xml>`
 * and the decrypted message inside). No XML parser is installed, and these bodies are one root
 * with leaf children, so a small, strict scanner is enough: CDATA, the five entities and numeric
 * references are understood; DOCTYPE and processing instructions other than the prolog are
 * refused (nothing is ever expanded). A nested child is kept as its raw inner XML.
 */

/** Thrown for anything that is not a well-formed flat WeCom body. */
export class XmlError extends Error {
  override readonly name = 'XmlError';
}

/** Bodies are a few KB; a larger one is not a WeCom callback. */
const MAX_XML_LENGTH = 256 * 1024;

const NAME = /^[A-Za-z_][\w.-]*/;

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|[a-z]+);/g, (whole, ref: string) => {
    if (ref.startsWith('#')) {
      const code = ref.startsWith('#x') ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      if (!(code <= 0x10ffff)) throw new XmlError(`character reference ${whole.slice(0, 20)} is beyond Unicode`);
      return String.fromCodePoint(code);
    }
    const named = Object.hasOwn(ENTITIES, ref) ? ENTITIES[ref] : undefined;
    if (named === undefined) throw new XmlError(`unknown entity ${whole}`);
    return named;
  });
}

interface Element {
  name: string;
  /** Text and CDATA directly inside the element, entities decoded. */
  text: string;
  /** The inner XML exactly as written (used for nested children). */
  inner: string;
  hasChildren: boolean;
  end: number;
}

/** Reads one element starting at `pos` (which points at `<`). */
function readElement(xml: string, pos: number, depth: number): Element {
  if (depth > 8) throw new XmlError('nesting too deep');
  const nameMatch = NAME.exec(xml.slice(pos + 1, pos + 200));
  if (!nameMatch) throw new XmlError(`expected an element name at ${pos}`);
  const name = nameMatch[0];
  const tagEnd = xml.indexOf('>', pos);
  if (tagEnd < 0) throw new XmlError(`unterminated tag <${name}>`);
  // Attributes are not used by WeCom; they are skipped, not interpreted.
  if (xml[tagEnd - 1] === '/') return { name, text: '', inner: '', hasChildren: false, end: tagEnd + 1 };

  let i = tagEnd + 1;
  const innerStart = i;
  let text = '';
  let hasChildren = false;
  for (;;) {
    const lt = xml.indexOf('<', i);
    if (lt < 0) throw new XmlError(`element <${name}> is not closed`);
    text += decodeEntities(xml.slice(i, lt));
    if (xml.startsWith('<![CDATA[', lt)) {
      const close = xml.indexOf(']]>', lt + 9);
      if (close < 0) throw new XmlError(`unterminated CDATA in <${name}>`);
      text += xml.slice(lt + 9, close);
      i = close + 3;
    } else if (xml.startsWith('<!--', lt)) {
      const close = xml.indexOf('-->', lt + 4);
      if (close < 0) throw new XmlError('unterminated comment');
      i = close + 3;
    } else if (xml.startsWith('</', lt)) {
      const closeEnd = xml.indexOf('>', lt);
      const closeName = xml.slice(lt + 2, closeEnd < 0 ? undefined : closeEnd).trim();
      if (closeName !== name) throw new XmlError(`<${name}> closed by </${closeName}>`);
      return { name, text, inner: xml.slice(innerStart, lt), hasChildren, end: closeEnd + 1 };
    } else if (xml[lt + 1] === '!' || xml[lt + 1] === '?') {
      throw new XmlError('declarations are not allowed inside an element');
    } else {
      hasChildren = true;
      i = readElement(xml, lt, depth + 1).end;
    }
  }
}

/** The root's name and its children as name → text (a nested child gives its raw inner XML). */
export interface FlatXml {
  root: string;
  fields: Record<string, string>;
}

/**
 * Parses a flat XML document. Throws XmlError on anything malformed, on a DOCTYPE, and on a
 * second root. A child that occurs twice keeps its first value.
 */
export function parseFlatXml(input: string): FlatXml {
  if (input.length > MAX_XML_LENGTH) throw new XmlError('body too large');
  let xml = input.replace(/^\uFEFF/, '').trim();
  if (xml.startsWith('<?xml')) {
    const end = xml.indexOf('?>');
    if (end < 0) throw new XmlError('unterminated XML declaration');
    xml = xml.slice(end + 2).trimStart();
  }
  if (xml.startsWith('<!')) throw new XmlError('DOCTYPE and declarations are not allowed');
  if (!xml.startsWith('<')) throw new XmlError('not XML');

  const root = readElement(xml, 0, 0);
  if (xml.slice(root.end).trim() !== '') throw new XmlError('content after the root element');

  const fields: Record<string, string> = {};
  let i = 0;
  const inner = root.inner;
  for (;;) {
    const lt = inner.indexOf('<', i);
    if (lt < 0) break;
    if (inner.startsWith('<!--', lt)) {
      i = inner.indexOf('-->', lt) + 3;
      continue;
    }
    if (inner.startsWith('<![CDATA[', lt)) throw new XmlError(`text directly inside <${root.name}>`);
    const child = readElement(inner, lt, 1);
    if (!(child.name in fields)) fields[child.name] = child.hasChildren ? child.inner : child.text;
    i = child.end;
  }
  return { root: root.name, fields };
}
