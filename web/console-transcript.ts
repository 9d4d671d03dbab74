/**
 * What the console has drawn since the machine started booting, kept so the
 * terminal can be drawn again with its boot log folded away or shown (xterm.js
 * cannot hide rows it has drawn). The guest's bytes while it boots are the
 * boot log; everything else (modlab's notes, the answers, the line editor's
 * echo, the guest after its boot) is the rest, drawn either way. Pure.
 */

type Part = { kind: 'boot'; bytes: number[] } | { kind: 'rest'; data: string | Uint8Array };

/** How much of the rest is kept: the oldest goes first (the terminal's own scrollback keeps no more than this anyway). */
export const REST_MAX = 1 << 20;

export class ConsoleTranscript {
  private parts: Part[] = [];
  private restSize = 0;
  private booting = false;

  /** A machine starts booting: what was drawn before it goes. */
  beginBoot(): void {
    this.parts = [];
    this.restSize = 0;
    this.booting = true;
  }

  /** The boot is over: the guest's bytes from now on are the rest. */
  endBoot(): void {
    this.booting = false;
  }

  /** Bytes from the guest. */
  guest(bytes: Uint8Array): void {
    if (!this.booting) {
      this.rest(bytes);
      return;
    }
    const last = this.parts.at(-1);
    if (last?.kind === 'boot') last.bytes.push(...bytes);
    else this.parts.push({ kind: 'boot', bytes: [...bytes] });
  }

  /** Anything the page draws itself. */
  rest(data: string | Uint8Array): void {
    if (data.length === 0) return;
    this.parts.push({ kind: 'rest', data });
    this.restSize += data.length;
    while (this.restSize > REST_MAX) {
      const i = this.parts.findIndex((p) => p.kind === 'rest');
      const [gone] = this.parts.splice(i, 1) as [Extract<Part, { kind: 'rest' }>];
      this.restSize -= gone.data.length;
    }
  }

  /** The boot log as text (bytes decoded as UTF-8), or '' when nothing has booted. */
  bootLog(): string {
    return decode(this.parts.flatMap((p) => (p.kind === 'boot' ? p.bytes : [])));
  }

  /** Whether the guest printed anything while it booted. */
  hasBootLog(): boolean {
    return this.parts.some((p) => p.kind === 'boot');
  }

  /** What draws the console again from a reset terminal: the boot log (through `mark`) or without it. */
  render(showBoot: boolean, mark: (boot: string) => string): Array<string | Uint8Array> {
    const out: Array<string | Uint8Array> = [];
    for (const p of this.parts) {
      if (p.kind === 'boot') {
        if (showBoot) out.push(mark(decode(p.bytes)));
      } else if (out.length === 0 && !showBoot && typeof p.data === 'string') {
        // Folded, the first row is not left empty by a line break that ended the boot log's last line.
        const data = p.data.replace(/^(?:\r\n)+/, '');
        if (data) out.push(data);
      } else {
        out.push(p.data);
      }
    }
    return out;
  }
}

function decode(bytes: readonly number[]): string {
  return new TextDecoder().decode(Uint8Array.from(bytes));
}
