/**
 * The Compare tab: one call, or the man-page tour, on several kernels, each
 * on a machine of its own, shown as a matrix whose cells open the whole
 * result. The page's own machine is left alone.
 */
import { KERNELS, type KernelId } from '../kernel-images/manifest.ts';
import type { KernelRef } from '../kernel-images/user-kernel.ts';
import type { Call } from '../harness/calls/model.ts';
import { compareRows, runOnKernels, type Cell, type CompareRow, type KernelRun } from '../harness/reports/compare.ts';
import { VERDICT_WORDS } from '../harness/reports/matrix.ts';
import type { Machine } from '../harness/machine/machine.ts';
import type { Scenario } from '../harness/calls/scenario.ts';
import { renderResult } from './result-card.ts';
import { $, el } from './dom.ts';



const MARK = { 'as-documented': ' ✓', differs: ' ✗', 'not-applicable': ' –', undocumented: '' } as const;

export interface CompareDeps {
  /** A new machine for the kernel (restored from its snapshot when there is one). */
  bootMachine: (kernel: KernelRef) => Promise<Machine>;
  /** The kernel image the user opened, if any: one more column, after the manifest's. */
  userKernel: () => KernelRef | null;
  /** The call the Call tab describes, or why there is none. */
  currentCall: () => Call | string;
  tour: Scenario;
}

export class CompareView {
  private readonly checks = new Map<KernelId, HTMLInputElement>();
  private readonly status = $<HTMLParagraphElement>('compare-status');
  private readonly table = $<HTMLTableElement>('matrix');
  private readonly dialog = $<HTMLDialogElement>('cell-detail');
  private running = false;

  constructor(private readonly deps: CompareDeps) {
    const box = $('compare-kernels');
    for (const k of KERNELS) {
      const input = document.createElement('input');
      input.type = 'checkbox';
      input.checked = true;
      input.value = k.id;
      const label = el('label');
      label.append(input, document.createTextNode(k.id));
      box.append(label);
      this.checks.set(k.id, input);
    }
    $('compare-call').addEventListener('click', () => {
      const call = deps.currentCall();
      if (typeof call === 'string') {
        this.status.textContent = `The Call tab's call cannot be made: ${call}`;
        return;
      }
      void this.run({ kernel: null, description: null, steps: [call], annotations: [{ note: null, manPage: null }] });
    });
    $('compare-tour').addEventListener('click', () => void this.run(deps.tour));
  }

  private async run(scenario: Scenario): Promise<void> {
    if (this.running) return;
    const user = this.deps.userKernel();
    const kernels: KernelRef[] = [...[...this.checks].filter(([, c]) => c.checked).map(([k]) => k), ...(user ? [user] : [])];
    if (kernels.length === 0) {
      this.status.textContent = 'Choose at least one kernel.';
      return;
    }
    this.running = true;
    this.setButtons(false);
    const done: string[] = [];
    this.status.textContent = `running on ${kernels.join(', ')}…`;
    try {
      // One machine at a time: each holds 128 MiB of guest memory in the page.
      const runs = await runOnKernels(kernels, scenario, this.deps.bootMachine, 1, (r) => {
        done.push('error' in r ? `${r.kernel} failed` : `${r.kernel} ✓`);
        this.status.textContent = `${done.join(', ')}${done.length < kernels.length ? ' …' : ''}`;
      });
      this.render(compareRows(scenario, runs), runs);
      this.status.dataset['state'] = 'done';
    } finally {
      this.running = false;
      this.setButtons(true);
    }
  }

  private setButtons(enabled: boolean): void {
    for (const id of ['compare-call', 'compare-tour']) $<HTMLButtonElement>(id).disabled = !enabled;
  }

  private render(rows: CompareRow[], runs: KernelRun[]): void {
    const withClaims = rows.some((r) => r.annotation.manPage);
    const head = el('tr');
    head.append(el('th', '#'), el('th', 'call'));
    if (withClaims) head.append(el('th', 'man page'));
    for (const run of runs) head.append(el('th', run.kernel));
    const body = rows.map((row) => {
      const tr = el('tr');
      if (row.differs) tr.className = 'differs';
      tr.append(el('th', `${row.differs ? '≠ ' : ''}${row.step}`));
      const call = el('td', row.call);
      call.className = 'call';
      tr.append(call);
      if (withClaims) tr.append(el('td', row.annotation.manPage ? (row.annotation.manPage.errno ?? 'address') : '(not in page)'));
      for (const run of runs) {
        const td = el('td');
        const cell = row.cells[run.kernel];
        if (cell) td.append(this.cellButton(row, run.kernel, cell, withClaims));
        else td.textContent = 'did not run';
        tr.append(td);
      }
      return tr;
    });
    this.table.replaceChildren(head, ...body);
    $('matrix-legend').hidden = false;
    const failed = runs.flatMap((r) => ('error' in r ? [`${r.kernel}: ${r.error.split('\n')[0] ?? ''}`] : []));
    if (failed.length) this.status.textContent += ` — did not run: ${failed.join('; ')}`;
  }

  private cellButton(row: CompareRow, kernel: KernelRef, cell: Cell, withClaims: boolean): HTMLButtonElement {
    const b = el('button', `${cell.text}${withClaims ? MARK[cell.verdict] : ''}${cell.odd ? ' *' : ''}`);
    b.type = 'button';
    b.classList.add(cell.record.result.kind);
    if (cell.odd) b.classList.add('odd');
    if (withClaims && cell.verdict === 'differs') b.classList.add('differs-from-page');
    b.dataset['kernel'] = kernel;
    b.dataset['step'] = String(row.step);
    b.dataset['verdict'] = cell.verdict;
    b.title = `${kernel}: ${VERDICT_WORDS[cell.verdict]}`;
    b.addEventListener('click', () => this.open(row, cell));
    return b;
  }

  private open(row: CompareRow, cell: Cell): void {
    renderResult($('cell-card'), cell.record, null);
    const claim = row.annotation.manPage;
    const parts = [claim ? `The man page: ${claim.errno ?? 'success'} — “${claim.says}” This kernel: ${VERDICT_WORDS[cell.verdict]}.` : ''];
    if (row.annotation.note) parts.push(row.annotation.note);
    // The card shows what the kernel printed; say so when it printed nothing.
    if (cell.record.result.kind !== 'crash' && !cell.record.console.trim()) parts.push('The kernel printed nothing on its console during this call.');
    $('cell-verdict').textContent = parts.filter(Boolean).join(' ');
    this.dialog.showModal();
  }
}
