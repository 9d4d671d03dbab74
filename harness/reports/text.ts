/** Human-readable rendering of step reports: the table `modlab run` prints without --json. */
import type { StepReport } from './step-report.ts';
import { flagNames, type CallData } from '../calls/buffers.ts';

function nameText(n: StepReport['name']): string {
  if (n === undefined) return '';
  if (n === null) return 'NULL';
  if (typeof n === 'object') return `(char *)${n.ptr}`;
  return n.length > 24 ? `${JSON.stringify(n.slice(0, 16))}…(${n.length} chars)` : JSON.stringify(n);
}

function imageText(i: StepReport['image']): string {
  if (i === null || i === undefined) return 'NULL';
  if (typeof i === 'number') return `image[${i}]`;
  return 'ptr' in i ? `(void *)${i.ptr}` : `${i.module}.o`;
}

export function callText(r: StepReport): string {
  let args: string;
  if (r.call === 'create_module') args = `${nameText(r.name)}, ${r.size}`;
  else if (r.call === 'init_module') args = `${nameText(r.name)}, ${imageText(r.image)}`;
  else if (r.call === 'query_module') args = `${nameText(r.name)}, ${r.which}, ${r.bufsize ? `buf[${r.bufsize}]` : 'NULL'}, ${r.bufsize}, &ret`;
  else if (r.call === 'get_kernel_syms') args = r.table === null || r.table === undefined ? 'NULL' : `table[${r.table}]`;
  else args = nameText(r.name);
  return `${r.call}(${args})${r.uid !== 0 ? ` uid=${r.uid}` : ''}`;
}

export function resultText(r: StepReport): string {
  if (r.crash) return `CRASH (${r.crash})${r.recovered ? `, machine ${r.machine + 1} took over` : ''}`;
  if (r.ok) return `= ${r.ret}`;
  return `= -1 ${r.errnoName} (${r.errno})`;
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

/** The console excerpt of a crash, indented, trimmed to its meaningful lines. */
export function crashExcerpt(text: string, maxLines = 12): string[] {
  const lines = text.replace(/\r/g, '').split('\n').map((l) => l.trimEnd()).filter((l) => l.length > 0);
  const shown = lines.slice(0, maxLines);
  if (lines.length > maxLines) shown.push(`… ${lines.length - maxLines} more lines (use --json for all)`);
  return shown.map((l) => `      | ${l}`);
}

export function formatTable(reports: readonly StepReport[]): string {
  const callW = Math.min(48, Math.max(4, ...reports.map((r) => callText(r).length)));
  const resW = Math.max(6, ...reports.map((r) => resultText(r).length));
  const lines = [`  #  ${pad('call', callW)}  ${pad('result', resW)}  time     machine`];
  for (const r of reports) {
    lines.push(`${String(r.step).padStart(3)}  ${pad(callText(r), callW)}  ${pad(resultText(r), resW)}  ${pad(`${r.elapsedMs.toFixed(1)} ms`, 8)} ${r.machine}`);
    if (r.console) lines.push(...crashExcerpt(r.console));
    if (r.data) lines.push(`      = ${dataText(r.data)}`);
  }
  return lines.join('\n');
}

/** `modlab lifecycle` without --json: each step, then what the kernel printed and /proc/modules after it. */
export function formatLifecycle(steps: ReadonlyArray<StepReport & { procModules: string; console: string; link?: { symbols: Array<{ name: string; value: number; foundAs: string; owner: number }>; relocations: unknown[]; layout: Array<{ part: string; offset: number; size: number }> } }>): string {
  const lines: string[] = [];
  for (const s of steps) {
    const what = s.call === 'link' ? `link ${JSON.stringify(s.name)} for ${s.ret ?? '?'}` : callText(s);
    lines.push(`${String(s.step).padStart(3)}  ${pad(what, 44)}  ${s.call === 'link' ? (s.ok ? `= ${s.size} bytes` : `failed: ${s.errnoName}`) : resultText(s)}`);
    if (s.link) {
      for (const sym of s.link.symbols) {
        const from = sym.foundAs.startsWith('the ') ? sym.foundAs : sym.owner ? `${sym.foundAs}, exported by the module at 0x${sym.owner.toString(16)}` : `the kernel's ${sym.foundAs}`;
        lines.push(`      symbol ${sym.name} = 0x${sym.value.toString(16)} (${from})`);
      }
      lines.push(`      ${s.link.relocations.length} relocations applied; layout: ${s.link.layout.map((l) => `${l.part}@+0x${l.offset.toString(16)}`).join(' ')}`);
    }
    if (s.data) lines.push(`      ${dataText(s.data)}`);
    for (const l of s.console.replace(/\r/g, '').split('\n').filter(Boolean)) lines.push(`      console | ${l}`);
    const mods = s.procModules.trim();
    lines.push(`      /proc/modules | ${mods ? mods.split('\n').join('\n      /proc/modules | ') : '(empty)'}`);
  }
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
