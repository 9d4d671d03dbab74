/**
 * Boot lines that read like errors to a student but are harmless here: each
 * says something about v86's emulated PC (its BIOS, its devices), not about
 * the kernel's health, and nothing modlab does depends on it. The lab lists
 * the ones a boot printed, once, after the boot log.
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

/** The known harmless lines in `log`, in the order printed, each once. */
export function harmlessLines(log: string): HarmlessLine[] {
  const found: HarmlessLine[] = [];
  for (const raw of log.split(/\r?\n/)) {
    const line = raw.replace(/^\[\s*\d+\.\d+\]\s*/, '').trim();
    const known = KNOWN.find((k) => k.match.test(line));
    if (known && !found.some((f) => f.why === known.why)) found.push({ line, why: known.why });
  }
  return found;
}

/** The note the console prints after the boot log, or null when the boot printed none of them. */
export function harmlessNote(log: string): string | null {
  const lines = harmlessLines(log);
  if (!lines.length) return null;
  // One line each, so a student can find the line it is about.
  const said = lines.map((l) => `\r\n  · "${l.line}": ${l.why}.`).join('');
  return `${lines.length === 1 ? 'one line' : `${lines.length} lines`} of the boot log above ${lines.length === 1 ? 'reads' : 'read'} like an error but ${lines.length === 1 ? 'is' : 'are'} harmless on v86's emulated PC:${said}`;
}
