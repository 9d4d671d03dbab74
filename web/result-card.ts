/** Renders one call's outcome. Everything from the guest goes in as text, never HTML. */
import { explainAddress, explainCrash, explainErrno } from '../harness/calls/explain.ts';
import { callText } from '../harness/calls/model.ts';
import type { CallRecord, ExecRecord } from '../harness/calls/record.ts';
import { GUEST_MEMORY } from '../harness/machine/v86-config.ts';
import { dataText, retText } from '../harness/reports/text.ts';
import { el } from './dom.ts';
import { execAnswer, execText } from './exec-text.ts';
import { markOnTimeline } from './timeline-mark.ts';


/** What failed when the errno did not come from the call itself. */
function errnoMeaning(r: CallRecord, errnoName: string, during: 'call' | 'setuid' | 'link'): string {
  if (during === 'setuid') return `The agent could not switch to uid ${r.call.uid} (setuid32 failed with ${errnoName}), so the call was not made.`;
  if (during === 'link') return `The agent could not link the module for this call (${errnoName}), so the call was not made.`;
  return explainErrno(r.call.call, errnoName);
}

function outcome(r: CallRecord): HTMLElement[] {
  const res = r.result;
  switch (res.kind) {
    case 'crash':
      return [el('h3', `Kernel crash (${res.crash})`), el('p', explainCrash(res.crash)), el('pre', res.console.replace(/\r/g, ''))];
    case 'errno':
      return [el('h3', `-1 ${res.errnoName} (errno ${res.errno})`), el('p', errnoMeaning(r, res.errnoName, res.during))];
    case 'success':
      // Only create_module answers with an address; other calls' values speak for themselves.
      return [el('h3', `returned ${retText(r)}`), ...(r.call.call === 'create_module' ? [el('p', explainAddress(res.ret, GUEST_MEMORY))] : [])];
  }
}

/** Takes the card down: an answer belongs to the machine that gave it, not to the next kernel. */
export function clearResult(card: HTMLElement): void {
  card.hidden = true;
  card.replaceChildren();
  card.classList.remove('crash', 'success', 'errno');
  delete card.dataset['outcome'];
}

export function renderResult(card: HTMLElement, r: CallRecord, procModulesLine: string | null): void {
  const res = r.result;
  card.hidden = false;
  card.classList.remove('crash', 'success', 'errno');
  card.classList.add(res.kind);
  card.dataset['outcome'] = res.kind === 'crash' ? `crash:${res.crash}` : res.kind === 'errno' ? res.errnoName : 'success';
  card.replaceChildren(el('p', `${callText(r.call)} on Linux ${r.kernel}, ${r.elapsedMs.toFixed(1)} ms`), ...outcome(r));
  markOnTimeline(`modlab-answer:${card.dataset['outcome']}`);
  if (res.kind !== 'crash' && res.data) card.append(el('p', `The kernel wrote back: ${dataText(res.data)}`));
  // A crash's console is shown above; any other call's messages (a module's printk) here.
  const printed = r.console.replace(/\r/g, '').trim();
  if (res.kind !== 'crash' && printed) card.append(el('p', 'The kernel printed:'), el('pre', printed));
  if (procModulesLine) card.append(el('p', 'Its line in /proc/modules:'), el('pre', procModulesLine));
}

/** The card's colour for a program's end: a clean exit is green, a crash red, everything else amber. */
function execClass(r: ExecRecord): 'success' | 'errno' | 'crash' {
  if (r.result.kind === 'crash') return 'crash';
  return r.result.kind === 'exited' && r.result.status === 0 ? 'success' : 'errno';
}

/** What an outcome is called in data-outcome (the e2e tests read it): exit:0, signal:SIGSEGV, timeout, not-run:ENOENT, crash:oops. */
function execOutcome(r: ExecRecord): string {
  const res = r.result;
  switch (res.kind) {
    case 'exited':
      return `exit:${res.status}`;
    case 'signaled':
      return `signal:${res.signalName}`;
    case 'timeout':
      return 'timeout';
    case 'not-run':
      return `not-run:${res.errnoName}`;
    case 'crash':
      return `crash:${res.crash}`;
  }
}

/** A program's run: how it ended; its output is shown beside the editor, the kernel's console here. */
export function renderExecResult(card: HTMLElement, r: ExecRecord): void {
  card.hidden = false;
  card.classList.remove('crash', 'success', 'errno');
  card.classList.add(execClass(r));
  card.dataset['outcome'] = execOutcome(r);
  card.replaceChildren(el('p', `${execText(r)} on Linux ${r.kernel}, ${r.elapsedMs.toFixed(1)} ms`), el('h3', execAnswer(r)));
  const res = r.result;
  if (res.kind === 'crash') {
    card.append(el('p', explainCrash(res.crash)), el('pre', res.console.replace(/\r/g, '')));
    return;
  }
  if (res.kind === 'not-run') card.append(el('p', `The program never ran: ${res.during} failed with ${res.errnoName} (errno ${res.errno}).`));
  if (res.kind === 'timeout') card.append(el('p', `It was still running after ${res.limitMs / 1000} s; modlab killed it and the machine carries on.`));
  const printed = consoleBesidesOutput(r);
  if (printed) card.append(el('p', 'Also on the console (what the kernel printed):'), el('pre', printed));
}

/** The console echoes the program's own output, shown above the card already: what is left is the kernel's. */
function consoleBesidesOutput(r: ExecRecord): string {
  let text = r.console.replace(/\r/g, '');
  for (const stream of [r.stdout, r.stderr]) {
    const out = stream.replace(/\r/g, '');
    const at = out ? text.indexOf(out) : -1;
    if (at >= 0) text = text.slice(0, at) + text.slice(at + out.length);
  }
  return text.trim();
}
