/** Steps as text: the table `modlab run` prints without --json, and the lifecycle's account. */
import { hex32 } from '../calls/args.ts';
import { flagNames, type CallData } from '../calls/buffers.ts';
import { callText } from '../calls/model.ts';
import type { CallRecord, ExecRecord, StepRecord } from '../calls/record.ts';
import type { LifecycleStep } from './lifecycle.ts';
import { printableLine } from './terminal-text.ts';

/** The answer in a few words: `= 0xc8800000`, `= -1 EEXIST (17)`, `CRASH (oops), machine 2 took over`. */
export function resultText(r: CallRecord): string {
  switch (r.result.kind) {
    case 'crash':
      return `CRASH (${r.result.crash})${r.recovered ? `, machine ${r.machine + 1} took over` : ''}`;
    case 'errno':
      // What failed before the call (dropping to the uid, linking its module) never reached the kernel as this call.
      return r.result.during === 'call' ? `= -1 ${r.result.errnoName} (${r.result.errno})` : `${r.result.during} failed: ${r.result.errnoName} (${r.result.errno}), not sent to the kernel`;
    case 'success':
      return `= ${retText(r)}`;
  }
}

/** A successful call's value: an address in hex (create_module), other values in decimal. */
export function retText(r: CallRecord): string {
  return r.result.kind !== 'success' ? '' : r.call.call === 'create_module' ? hex32(r.result.ret) : String(r.result.ret | 0);
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

/** The console excerpt of a crash, indented, trimmed to its meaningful lines; the guest's control characters written out. */
export function crashExcerpt(text: string, maxLines = 12): string[] {
  const lines = text.replace(/\r/g, '').split('\n').map((l) => l.trimEnd()).filter((l) => l.length > 0);
  const shown = lines.slice(0, maxLines);
  if (lines.length > maxLines) shown.push(`… ${lines.length - maxLines} more lines (use --json for all)`);
  return shown.map((l) => `      | ${printableLine(l)}`);
}

function dataOf(r: CallRecord): CallData | undefined {
  return r.result.kind === 'crash' ? undefined : r.result.data;
}

/** The table for a terminal: every text from input or the guest goes through printableLine. */
export function formatTable(records: readonly CallRecord[]): string {
  const calls = records.map((r) => printableLine(callText(r.call)));
  const callW = Math.min(48, Math.max(4, ...calls.map((c) => c.length)));
  const resW = Math.max(6, ...records.map((r) => resultText(r).length));
  const lines = [`  #  ${pad('call', callW)}  ${pad('result', resW)}  time     machine`];
  records.forEach((r, step) => {
    lines.push(`${String(step).padStart(3)}  ${pad(calls[step] ?? '', callW)}  ${pad(resultText(r), resW)}  ${pad(`${r.elapsedMs.toFixed(1)} ms`, 8)} ${r.machine}`);
    if (r.console) lines.push(...crashExcerpt(r.console));
    // Why a link failed before the call, as the agent's linker said it (an unresolved symbol is named).
    if (r.result.kind === 'errno' && r.result.detail !== undefined) lines.push(`      error: ${printableLine(r.result.detail)}`);
    const data = dataOf(r);
    if (data) lines.push(`      = ${printableLine(dataText(data))}`);
  });
  return lines.join('\n');
}

/** A step in a few words, and its answer: the call, or the link and the image's size. */
function stepLine(s: StepRecord): [string, string] {
  if (s.kind === 'call') return [printableLine(callText(s.call)), resultText(s)];
  const answer = s.result.kind === 'linked' ? `= ${s.size} bytes` : `failed: ${printableLine(s.result.errnoName)}`;
  return [`link ${printableLine(JSON.stringify(s.name))} for ${s.result.kind === 'linked' && s.base !== 0 ? hex32(s.base) : '-1'}`, answer];
}

/** `modlab lifecycle` without --json: each step, then what the kernel printed and /proc/modules after it. */
export function formatLifecycle(steps: readonly LifecycleStep[]): string {
  const lines: string[] = [];
  steps.forEach((s, step) => {
    const [what, answer] = stepLine(s);
    lines.push(`${String(step).padStart(3)}  ${pad(what, 44)}  ${answer}`);
    if (s.kind === 'link') {
      for (const sym of s.report.symbols) {
        const from = sym.foundAs.startsWith('the ') ? sym.foundAs : sym.owner ? `${sym.foundAs}, exported by the module at 0x${sym.owner.toString(16)}` : `the kernel's ${sym.foundAs}`;
        lines.push(`      symbol ${printableLine(sym.name)} = 0x${sym.value.toString(16)} (${printableLine(from)})`);
      }
      lines.push(`      ${s.report.relocations.length} relocations applied; layout: ${s.report.layout.map((l) => `${l.part}@+0x${l.offset.toString(16)}`).join(' ')}`);
      // Why the link failed, as the agent's linker said it (an unresolved symbol is named here).
      if (s.report.error) lines.push(`      error: ${printableLine(s.report.error)}`);
    } else {
      const data = dataOf(s);
      if (data) lines.push(`      ${printableLine(dataText(data))}`);
      for (const l of s.console.replace(/\r/g, '').split('\n').filter(Boolean)) lines.push(`      console | ${printableLine(l)}`);
    }
    const mods = s.procModules.trim();
    lines.push(`      /proc/modules | ${mods ? mods.split('\n').map(printableLine).join('\n      /proc/modules | ') : '(empty)'}`);
  });
  return lines.join('\n');
}

/** One line for what query_module or get_kernel_syms wrote. */
export function dataText(d: CallData): string {
  switch (d.kind) {
    case 'names':
      return `${d.which}: ${d.names.length ? d.names.join(', ') : '(none)'}`;
    case 'symbols': {
      const shown = d.symbols.slice(0, 3).map((s) => `${s.name} 0x${s.value.toString(16)}`);
      return `${d.symbols.length} symbols${shown.length ? `: ${shown.join(', ')}${d.symbols.length > 3 ? ', …' : ''}` : ''}`;
    }
    case 'info':
      return `module_info: addr 0x${d.addr.toString(16)}, size ${d.size}, flags ${flagNames(d.flags).join('|')}, usecount ${d.usecount}`;
    case 'ret':
      return `ret ${d.ret}`;
  }
}

/** How a program's run ended, in a few words: `exited with status 3`, `killed by SIGSEGV (11)`, … */
export function execResultText(r: ExecRecord): string {
  const x = r.result;
  switch (x.kind) {
    case 'exited':
      return `exited with status ${x.status}`;
    case 'signaled':
      return `killed by ${x.signalName} (${x.signal})`;
    case 'timeout':
      return `still running at its ${x.limitMs} ms limit: killed`;
    case 'not-run':
      return `not run: ${x.during} failed: ${x.errnoName} (${x.errno})`;
    case 'crash':
      return `CRASH (${x.crash}): ${x.detail}${r.recovered ? `; machine ${r.machine + 1} took over` : ''}`;
  }
}

/**
 * `modlab exec` without --json: the program's output stream by stream, the
 * kernel's own console lines (those that are not the program's echo), then
 * how it ended. Everything from the guest goes through printableLine.
 */
export function formatExec(r: ExecRecord): string {
  const lines: string[] = [];
  const streamLines = (text: string): string[] => text.replace(/\r/g, '').replace(/\n$/, '').split('\n');
  for (const [label, text, cut] of [['stdout', r.stdout, r.stdoutTruncated], ['stderr', r.stderr, r.stderrTruncated]] as const) {
    if (text) for (const l of streamLines(text)) lines.push(`  ${label} | ${printableLine(l)}`);
    if (cut) lines.push(`  ${label} | … more output, not kept`);
  }
  if (r.result.kind === 'crash') {
    lines.push(...crashExcerpt(r.result.console, 20));
  } else {
    const echoed = new Set([...streamLines(r.stdout), ...streamLines(r.stderr)]);
    const kernel = streamLines(r.console).filter((l) => l.trim() && !echoed.has(l));
    for (const l of kernel) lines.push(`  console | ${printableLine(l)}`);
  }
  const guest = r.result.kind === 'exited' || r.result.kind === 'signaled' || r.result.kind === 'timeout' ? `, ${r.guestMs.toFixed(1)} ms in the guest` : '';
  lines.push(`  ${execResultText(r)} (${r.elapsedMs.toFixed(1)} ms${guest}, machine ${r.machine})`);
  return lines.join('\n');
}
