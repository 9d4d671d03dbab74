/**
 * Boot lines that read like errors to a student but are harmless here: each
 * says something about v86's emulated PC (its BIOS, its devices), not about
 * the kernel's health, and nothing modlab does depends on it. The console
 * folds the boot log to one line that counts them (web/boot-log-fold.ts);
 * shown, each is greyed with a row that says why.
 */
export interface HarmlessLine {
  /** The line as the kernel printed it, without its timestamp. */
  line: string;
  why: string;
}

const KNOWN: ReadonlyArray<{ match: RegExp; why: string }> = [
  { match: /oprofile: can't get RTC I\/O Ports/, why: "the profiler wanted the clock chip's ports, which the RTC driver already holds; nothing here profiles" },
  { match: /PIIX3: detected chipset, but driver not compiled in!/, why: "v86 emulates an Intel PIIX3 IDE controller this kernel has no special driver for; the generic IDE driver serves it, and modlab uses no disk" },
  { match: /ACPI: Unable to locate RSDP|ACPI BIOS Error \(bug\): A valid RSDP was not found/, why: 'the emulated BIOS offers no ACPI tables; the kernel runs without ACPI' },
  { match: /BIOS bug, MP table errors detected!/, why: "the emulated BIOS's multiprocessor table is not one the kernel accepts; with one CPU it carries on without it" },
  { match: /vmware: Failed to get TSC freq from the hypervisor/, why: 'the kernel asks whether it runs under VMware; v86 is not VMware' },
  { match: /L1TF: Kernel not compiled for PAE\. No mitigation for L1TF/, why: 'a notice about a CPU flaw of real Intel chips; the emulated CPU runs nothing but modlab' },
  { match: /PnPBIOS: Unable to get node info\.\s+Aborting\./, why: "the emulated BIOS's Plug and Play interface lists no devices; nothing needs it" },
  { match: /mce: Unable to init MCE device/, why: "v86's CPU has no machine-check hardware to report errors through" },
  { match: /unable to open rtc device \(rtc0\)/, why: "this 2.6 kernel has no clock driver to set its time from; the time of day plays no part in modlab's answers" },
];

/** The known line `line` is, if any (timestamps and all: the patterns are not anchored). */
function knownFor(line: string): { why: string } | undefined {
  return KNOWN.find((k) => k.match.test(line));
}

/** The known harmless lines in `log`, in the order printed, each once. */
export function harmlessLines(log: string): HarmlessLine[] {
  const found: HarmlessLine[] = [];
  for (const raw of log.split(/\r?\n/)) {
    const line = raw.replace(/^\[\s*\d+\.\d+\]\s*/, '').trim();
    const known = knownFor(line);
    if (known && !found.some((f) => f.why === known.why)) found.push({ line, why: known.why });
  }
  return found;
}

/** A grey that keeps a 7:1 contrast on the console's black (24-bit colour: xterm.js's own dim grey is too faint). */
const GREY = '\x1b[38;2;150;150;150m';
const NOTE = '\x1b[36m';
const PLAIN = '\x1b[0m';

/**
 * The boot log as the console shows it unfolded: each known harmless line
 * greyed, the first of each kind followed by a row saying why. Other lines,
 * and a last line not yet ended, are left as printed.
 */
export function markHarmless(log: string): string {
  const noted = new Set<string>();
  const rows = log.split('\n');
  return rows
    .map((raw, i) => {
      const end = raw.endsWith('\r') ? '\r' : '';
      const line = end ? raw.slice(0, -1) : raw;
      const known = i < rows.length - 1 ? knownFor(line) : undefined;
      if (!known) return raw;
      const first = !noted.has(known.why);
      noted.add(known.why);
      return `${GREY}${line}${PLAIN}${first ? `\r\n${NOTE}  ↳ harmless on v86's emulated PC: ${known.why}.${PLAIN}` : ''}${end}`;
    })
    .join('\n');
}

/** The folded boot log's one line: `Linux 2.4.20 boot log, 312 lines (1 harmless warning explained)`. */
export function bootLogSummary(release: string, log: string): string {
  const lines = log.split('\n').filter((l) => l.trim() !== '').length;
  const harmless = harmlessLines(log).length;
  const explained = harmless ? ` (${harmless} harmless warning${harmless === 1 ? '' : 's'} explained)` : '';
  return `Linux ${release} boot log, ${lines} line${lines === 1 ? '' : 's'}${explained}`;
}
