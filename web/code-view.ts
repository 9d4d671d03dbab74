/**
 * The "Write code" tab: a module of your own, compiled in the page by TinyCC
 * (browser/compiler.ts) against modlab's linux/*.h, then loaded on the
 * page's 2.4 machine as insmod did (insmodObject) and unloaded with
 * delete_module. The editor and the compiler are lazy imports: nothing of
 * either loads before the tab is opened.
 */
import { hex32 } from '../harness/calls/args.ts';
import { callText } from '../harness/calls/model.ts';
import type { CallRecord } from '../harness/calls/record.ts';
import type { Machine } from '../harness/machine/machine.ts';
import { insmodObject, type LifecycleStep } from '../harness/reports/lifecycle.ts';
import { resultText } from '../harness/reports/text.ts';
import type { CodeEditor, LineProblem } from './code-editor.ts';
import { renderResult } from './result-card.ts';
import { $, el } from './dom.ts';

const STORAGE_KEY = 'modlab.code.v1';


const HELLO = `#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/init.h>

MODULE_LICENSE("GPL");

static int __init hello_init(void)
{
\tprintk(KERN_INFO "hello_world: hello, world\\n");
\treturn 0;
}

static void __exit hello_exit(void)
{
\tprintk(KERN_INFO "hello_world: goodbye\\n");
}

module_init(hello_init);
module_exit(hello_exit);
`;

const NODEV = `#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/init.h>

/* asm/errno.h's number: modlab's headers have no errno.h. */
#define ENODEV 19

MODULE_LICENSE("GPL");

static int __init probe_init(void)
{
\tprintk(KERN_INFO "probe: no device found, refusing to load\\n");
\t/* A negative errno from init: init_module fails with it, and the module stays uninitialized. */
\treturn -ENODEV;
}

module_init(probe_init);
`;

const OOPS = `#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/init.h>

MODULE_LICENSE("GPL");

static int __init oops_init(void)
{
\tint *p = NULL;

\tprintk(KERN_INFO "oops: about to write through a NULL pointer\\n");
\t*p = 42; /* page fault in kernel mode: an oops */
\treturn 0;
}

module_init(oops_init);
`;

export const TEMPLATES: ReadonlyArray<{ id: string; label: string; source: string }> = [
  { id: 'hello', label: 'Hello, world (printk in init and cleanup)', source: HELLO },
  { id: 'enodev', label: 'An init that fails with -ENODEV', source: NODEV },
  { id: 'oops', label: 'A NULL dereference in init (an oops)', source: OOPS },
];

/** tcc's lines about the student's own file: `module.c:LINE: error: …`. */
export function lineProblems(diagnostics: string): LineProblem[] {
  const problems: LineProblem[] = [];
  for (const l of diagnostics.split('\n')) {
    const m = /^module\.c:(\d+): (error|warning): (.*)$/.exec(l);
    if (m) problems.push({ line: Number(m[1]), severity: m[2] === 'error' ? 'error' : 'warning', message: m[3] ?? '' });
  }
  return problems;
}

function loadSource(): string {
  try {
    return localStorage.getItem(STORAGE_KEY) ?? HELLO;
  } catch {
    // Storage blocked: the tab works, the code just does not outlive the page.
    return HELLO;
  }
}

function saveSource(text: string): void {
  try {
    localStorage.setItem(STORAGE_KEY, text);
  } catch {
    // Full or blocked: kept in the editor for this page.
  }
}

export interface CodeDeps {
  machine: () => Machine | null;
  busy: (b: boolean) => void;
  isBusy: () => boolean;
  onResult: (r: CallRecord, procModules?: string) => void;
}

export class CodeView {
  private editor: Promise<CodeEditor> | null = null;
  /** The object of the last successful compile, and the source it came from. */
  private compiled: { source: string; object: Uint8Array } | null = null;
  private compiling = false;

  constructor(private readonly deps: CodeDeps) {
    const select = $<HTMLSelectElement>('code-template');
    for (const t of TEMPLATES) select.append(new Option(t.label, t.id));
    $('code-use-template').addEventListener('click', () => void this.useTemplate());
    $('code-compile').addEventListener('click', () => void this.compile());
    $('code-load').addEventListener('click', () => void this.load());
    $('code-unload').addEventListener('click', () => void this.unload());
  }

  /** Builds the editor on first use (the tab's first opening): CodeMirror is a lazy chunk. */
  open(): Promise<CodeEditor> {
    this.editor ??= import('./code-editor.ts').then(({ createEditor }) => {
      const host = $('code-editor');
      host.replaceChildren();
      return createEditor(host, loadSource(), 'C source of your module (module.c)', saveSource);
    });
    return this.editor;
  }

  private status(text: string): void {
    $('code-status').textContent = text;
  }

  private async useTemplate(): Promise<void> {
    const t = TEMPLATES.find((x) => x.id === $<HTMLSelectElement>('code-template').value);
    if (!t) return;
    const editor = await this.open();
    editor.setText(t.source);
    editor.mark([]);
    this.showDiagnostics('');
    this.status(`The ${t.label.toLowerCase()} template is in the editor.`);
  }

  private showDiagnostics(text: string): void {
    const out = $('code-diagnostics');
    out.textContent = text;
    out.hidden = text === '';
  }

  /** Compiles the editor's source; the object, or null when it does not compile. */
  private async compile(): Promise<Uint8Array | null> {
    if (this.compiling) return null;
    const editor = await this.open();
    const source = editor.text();
    this.compiling = true;
    $<HTMLButtonElement>('code-compile').disabled = true;
    this.status('Compiling…');
    try {
      const t0 = performance.now();
      const { compileModule } = await import('../browser/compiler.ts');
      const r = await compileModule(source);
      const ms = Math.round(performance.now() - t0);
      this.showDiagnostics(r.diagnostics);
      editor.mark(lineProblems(r.diagnostics));
      $('code-status').dataset['compile'] = r.ok ? 'ok' : 'failed';
      if (!r.ok) {
        this.compiled = null;
        this.status(`module.c does not compile (${ms} ms): the compiler's messages are below the editor.`);
        return null;
      }
      this.compiled = { source, object: r.object };
      this.status(`Compiled in ${ms} ms: an i386 object of ${r.object.length} bytes${r.diagnostics ? ', with warnings' : ''}.`);
      return r.object;
    } catch (e) {
      this.status(`The compiler could not run: ${e instanceof Error ? e.message : String(e)}`);
      return null;
    } finally {
      this.compiling = false;
      $<HTMLButtonElement>('code-compile').disabled = false;
    }
  }

  private moduleName(): string {
    return $<HTMLInputElement>('code-name').value.trim();
  }

  /** The machine, when it can load modules now; otherwise says why not. */
  private loadableMachine(): Machine | null {
    const m = this.deps.machine();
    if (!m || this.deps.isBusy()) {
      this.status('The machine is busy or still starting: try again in a moment.');
      return null;
    }
    if (!m.kernel.hasCreateModule) {
      this.status(`Loading needs a 2.4 kernel: Linux ${m.kernel.id} has no create_module (modules load with finit_module there). Choose a 2.4 kernel above; compiling works on any.`);
      return null;
    }
    return m;
  }

  private async load(): Promise<void> {
    if (!this.loadableMachine()) return;
    const source = (await this.open()).text();
    // Load takes what the editor holds: compiled now unless the last compile was of this very text.
    const object = this.compiled?.source === source ? this.compiled.object : await this.compile();
    if (!object) return;
    const m = this.loadableMachine();
    if (!m) return;
    const name = this.moduleName();
    const list = $('code-steps');
    list.replaceChildren();
    $('code-result').hidden = true;
    this.deps.busy(true);
    this.status(`Loading ${name} on Linux ${m.kernel.id}…`);
    try {
      const steps = await insmodObject(m, object, name, {
        onStep: (s) => {
          list.append(this.stepItem(s));
          $('code-proc').textContent = s.procModules.trim() || '(empty)';
          if (s.kind === 'call') {
            renderResult($('code-result'), s, null);
            this.deps.onResult(s, s.procModules);
          }
        },
      });
      this.status(this.outcome(name, steps));
    } catch (e) {
      this.status(e instanceof Error ? e.message : String(e));
    } finally {
      this.deps.busy(false);
    }
  }

  /** One step as a list item: the call and its answer, then what the kernel printed or the linker said. */
  private stepItem(s: LifecycleStep): HTMLLIElement {
    const ok = s.result.kind === 'success' || s.result.kind === 'linked';
    const li = el('li', undefined, ok ? 'done' : 'failed');
    if (s.kind === 'link') {
      li.append(el('code', `link "${s.name}" for ${hex32(s.base)}`), ` ${s.result.kind === 'linked' ? `= ${s.size} bytes` : `failed: ${s.result.errnoName}`}`);
      if (s.report.symbols.length) li.append(el('div', `symbols: ${s.report.symbols.map((x) => `${x.name} = ${hex32(x.value)}`).join(', ')}`, 'hint'));
      if (s.report.error) li.append(el('div', s.report.error, 'error'));
      return li;
    }
    li.append(el('code', callText(s.call)), ` ${resultText(s)}`);
    const printed = (s.result.kind === 'crash' ? '' : s.console).replace(/\r/g, '').trim();
    if (printed) li.append(el('pre', printed, 'printed'));
    return li;
  }

  private outcome(name: string, steps: readonly LifecycleStep[]): string {
    const last = steps.at(-1);
    if (!last) return 'Nothing was done.';
    if (last.kind === 'link') return `${name} did not link: ${last.report.error ?? last.result.kind}. Nothing stays loaded.`;
    const r = last.result;
    if (r.kind === 'crash') return `The kernel crashed in ${last.call.call} (${r.crash}): a clean machine took over, and your module went with the old one.`;
    if (last.call.call === 'init_module' && r.kind === 'success') return `${name} is loaded and running: Unload calls delete_module, which runs its cleanup.`;
    if (last.call.call === 'init_module' && r.kind === 'errno') return `init_module failed with ${r.errnoName}: ${name} stays in the kernel uninitialized, as 2.4 left it. Unload removes it.`;
    return `${last.call.call} ${resultText(last)}`;
  }

  private async unload(): Promise<void> {
    const m = this.loadableMachine();
    if (!m) return;
    const name = this.moduleName();
    this.deps.busy(true);
    try {
      const r = await m.call({ call: 'delete_module', name: { kind: 'string', text: name }, uid: 0 });
      const mods = await m.readProcModules();
      $('code-steps').append(this.stepItem({ ...r, procModules: mods }));
      $('code-proc').textContent = mods.trim() || '(empty)';
      renderResult($('code-result'), r, null);
      this.deps.onResult(r, mods);
      this.status(r.result.kind === 'success' ? `${name} is unloaded.` : `delete_module("${name}") ${resultText(r)}`);
    } catch (e) {
      this.status(e instanceof Error ? e.message : String(e));
    } finally {
      this.deps.busy(false);
    }
  }
}
