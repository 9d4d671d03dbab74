/** Renders one call's outcome. Everything from the guest goes in as text, never HTML. */
import { explainAddress, explainCrash, explainErrno } from '../harness/calls/explain.ts';
import type { CallName } from '../harness/calls/model.ts';
import type { StepReport } from '../harness/reports/step-report.ts';
import { callText } from '../harness/reports/text.ts';

function el<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, cls?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}

/** success, errno or crash: the colour a result is drawn in. */
export function outcomeClass(r: StepReport): 'success' | 'errno' | 'crash' {
  return r.crash ? 'crash' : r.ok ? 'success' : 'errno';
}

export function renderResult(card: HTMLElement, r: StepReport, procModulesLine: string | null): void {
  card.hidden = false;
  card.replaceChildren();
  card.classList.remove('crash', 'success', 'errno');
  card.classList.add(outcomeClass(r));
  card.dataset['outcome'] = r.crash ? `crash:${r.crash}` : r.ok ? 'success' : (r.errnoName ?? '');
  card.append(el('p', `${callText(r)} on Linux ${r.kernel}, ${r.elapsedMs.toFixed(1)} ms`));
  if (r.crash) {
    card.append(el('h3', `Kernel crash (${r.crash})`), el('p', explainCrash(r.crash)), el('pre', (r.console ?? '').replace(/\r/g, '')));
  } else if (r.ok) {
    const address = Number(r.ret);
    card.append(el('h3', `returned ${r.ret}`));
    if (r.call === 'create_module') card.append(el('p', explainAddress(address)));
    if (procModulesLine) card.append(el('p', 'Its line in /proc/modules:'), el('pre', procModulesLine));
  } else {
    card.append(el('h3', `-1 ${r.errnoName} (errno ${r.errno})`), el('p', explainErrno(r.call as CallName, r.errnoName ?? '')));
  }
}
