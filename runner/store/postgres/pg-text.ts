/**
 * What PostgreSQL cannot hold, made holdable. Its text cannot contain NUL, and jsonb refuses the
 * escapes of NUL and of lone UTF-16 surrogates (half an emoji, cut by a token boundary). A session
 * whose transcript had one would otherwise fail every write from then on; instead NUL becomes
 * "␀" (U+2400) and a lone surrogate "�" (U+FFFD), the only changes this store makes to a value.
 */
const UNHOLDABLE_ESCAPE = /(?<!\\)((?:\\\\)*)\\u(0000|d[89a-f][0-9a-f]{2})/gi;

/** JSON text of `value` that jsonb accepts. */
export function toPgJson(value: unknown): string {
  const json = JSON.stringify(value);
  // JSON.stringify escapes exactly these (and control characters), so most texts skip the scan.
  return json.includes('\\u')
    ? json.replace(
        UNHOLDABLE_ESCAPE,
        (_, backslashes: string, code: string) => `${backslashes}${code === '0000' ? '\\u2400' : '\\ufffd'}`,
      )
    : json;
}

/** `text` that a text column accepts. */
export function toPgText(text: string): string {
  return text.includes('\0') ? text.replaceAll('\0', '\u2400') : text;
}
