// Text that goes into a log line or an error message: one line, no terminal escapes, a bounded length.

// C0 and C1 controls, DEL, and the Unicode line and paragraph separators.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is what it is for.
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

const SHORT_ESCAPES: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f" };

/** escapeControls writes every control character of text as its JSON escape, so text stays on one line and prints as it reads. */
export function escapeControls(text: string): string {
  return text.replace(CONTROLS, (c) => SHORT_ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** The most characters of a value quote shows. */
export const QUOTE_MAX = 100;

/**
 * quote writes text as a JSON string on one line, with every control character escaped (JSON.stringify leaves
 * C1 controls and U+2028/U+2029 as they are); text longer than max is cut there and the cut marked with "…".
 */
export function quote(text: string, max = QUOTE_MAX): string {
  return escapeControls(JSON.stringify(cut(text, max)));
}

/** cut shortens text to at most max UTF-16 units, never splitting a surrogate pair, and marks the cut with "…". */
export function cut(text: string, max = QUOTE_MAX): string {
  if (text.length <= max) return text;
  const code = text.charCodeAt(max - 1);
  const end = code >= 0xd800 && code <= 0xdbff ? max - 1 : max;
  return `${text.slice(0, end)}…`;
}
