/** Renders one call's outcome. Everything from the guest goes in as text, never HTML. */
import { explainAddress, explainCrash, explainErrno } from '../harness/calls/explain.ts';
import { callText } from '../harness/calls/model.ts';
import type { CallRecord } from '../harness/calls/record.ts';
import { GUEST_MEMORY } from '../harness/machine/v86-config.ts';
import { dataText, retText } from '../harness/reports/text.ts';
import { el } from './dom.ts';


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

export function renderResult(card: HTMLElement, r: CallRecord, procModulesLine: string | null): void {
  const res = r.result;
  card.hidden = false;
  card.classList.remove('crash', 'success', 'errno');
  card.classList.add(res.kind);
  card.dataset['outcome'] = res.kind === 'crash' ? `crash:${res.crash}` : res.kind === 'errno' ? res.errnoName : 'success';
  card.replaceChildren(el('p', `${callText(r.call)} on Linux ${r.kernel}, ${r.elapsedMs.toFixed(1)} ms`), ...outcome(r));
  if (res.kind !== 'crash' && res.data) card.append(el('p', `The kernel wrote back: ${dataText(res.data)}`));
  // A crash's console is shown above; any other call's messages (a module's printk) here.
  const printed = r.console.replace(/\r/g, '').trim();
  if (res.kind !== 'crash' && printed) card.append(el('p', 'The kernel printed:'), el('pre', printed));
  if (procModulesLine) card.append(el('p', 'Its line in /proc/modules:'), el('pre', procModulesLine));
}
