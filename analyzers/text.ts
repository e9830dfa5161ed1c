/**
 * Cheap text helpers shared by the analyzers: language detection and the one normalisation
 * every rule pattern is written against.
 */

const CJK = /[\u3400-\u9fff\uf900-\ufaff]/;
// Full-width ASCII (，？！：；（）０-９Ａ-Ｚ…), the ideographic space and curly quotes are folded so
// one pattern covers what IMEs produce on phones and on desktops.
const FOLDABLE = /[\uff01-\uff5e\u3000\u2018\u2019\u201c\u201d]/;
const FOLDABLE_ALL = /[\uff01-\uff5e\u3000\u2018\u2019\u201c\u201d]/g;

function fold(ch: string): string {
  const code = ch.charCodeAt(0);
  if (code === 0x3000) return ' ';
  if (code === 0x2018 || code === 0x2019) return "'";
  if (code === 0x201c || code === 0x201d) return '"';
  return String.fromCharCode(code - 0xfee0);
}

/** True when the text holds at least one CJK ideograph. */
export function hasCjk(text: string): boolean {
  return CJK.test(text);
}

/** 'zh' as soon as one CJK ideograph appears, else 'en': chats mix English words into Chinese, never the reverse. */
export function detectLang(text: string): 'zh' | 'en' {
  return CJK.test(text) ? 'zh' : 'en';
}

/**
 * The form rules match against: full-width punctuation and digits folded to ASCII
 * (so `，` is `,` and `？` is `?`), curly quotes straightened, lower-cased.
 * `。` and `、` are kept: they have no ASCII twin and patterns use them as clause ends.
 */
export function normalize(text: string): string {
  const folded = FOLDABLE.test(text) ? text.replace(FOLDABLE_ALL, fold) : text;
  return folded.toLowerCase();
}
