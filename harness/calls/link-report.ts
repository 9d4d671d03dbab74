/**
 * The agent's account of linking a module (guest/link.c writes it as
 * tab-separated lines in the LINKED reply), typed.
 */
export interface LinkReport {
  layout: Array<{ part: string; offset: number; size: number }>;
  symbols: Array<{ name: string; value: number; foundAs: string; owner: number }>;
  relocations: Array<{ type: string; section: string; offset: number; symbol: string; value: number }>;
  /** struct module as the image carries it. */
  header: Record<string, number>;
  error: string | null;
}

export function parseLinkReport(text: string): LinkReport {
  const r: LinkReport = { layout: [], symbols: [], relocations: [], header: {}, error: null };
  const n = (s: string | undefined): number => Number.parseInt(s ?? '', 16) >>> 0;
  for (const line of text.split('\n')) {
    const [kind, ...f] = line.split('\t');
    if (kind === 'layout') r.layout.push({ part: f[0] ?? '', offset: n(f[1]), size: n(f[2]) });
    else if (kind === 'symbol') r.symbols.push({ name: f[0] ?? '', value: n(f[1]), foundAs: f[2] ?? '', owner: n(f[3]) });
    else if (kind === 'reloc') r.relocations.push({ type: f[0] ?? '', section: f[1] ?? '', offset: n(f[2]), symbol: f[3] ?? '', value: n(f[4]) });
    else if (kind === 'field') r.header[f[0] ?? ''] = n(f[1]);
    else if (kind === 'error') r.error = f.join(': ');
  }
  return r;
}
