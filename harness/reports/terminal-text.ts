/**
 * Text for a terminal. Module names, console lines and /proc/modules come
 * from the guest or from input, and a terminal obeys the control characters
 * in them: a name could set the title, clear the screen or draw a forged
 * result line. Every text the CLI prints passes through `printable` first.
 */

/**
 * C0 (except a wanted \n), DEL and C1 are shown as \xNN, so no escape
 * sequence can start (ESC, CSI 0x9b, OSC 0x9d …). The Unicode line
 * separators and bidirectional overrides are shown as \u{…}: they break or
 * reorder what the reader sees without being control bytes.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNPRINTABLE = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex -- as above, with \n too
const UNPRINTABLE_LINE = /[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function shown(c: string): string {
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
}

/** `text` with its control characters written out; line breaks stay line breaks. */
export function printable(text: string): string {
  return text.replace(UNPRINTABLE, shown);
}

/** One line: a \n in it is written out as well, so it cannot start a line of its own. */
export function printableLine(text: string): string {
  return text.replace(UNPRINTABLE_LINE, shown);
}
