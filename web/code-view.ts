/**
 * The "Write code" tab: a module or a program of your own, compiled in the
 * page by TinyCC (browser/compiler.ts). A module loads on the page's 2.4
 * machine as insmod did (insmodObject) and unloads with delete_module; a
 * program runs in the guest (Machine.exec) on any kernel. The templates are
 * the C files under templates/ (templates/catalog.ts says what each is);
 * the student's sources are kept per file (code-store.ts), and a share link
 * can carry one (code-link.ts). The editor, the compiler and the templates'
 * text are lazy: none of them loads before the tab is opened.
 */
import { hex32 } from '../harness/calls/args.ts';
import { callText } from '../harness/calls/model.ts';
import type { CallRecord, ExecRecord } from '../harness/calls/record.ts';
import type { Machine } from '../harness/machine/machine.ts';
import { insmodObject, type LifecycleStep } from '../harness/reports/lifecycle.ts';
import { resultText } from '../harness/reports/text.ts';
import { findTemplate, TEMPLATES, type Template, type TemplateKind } from '../templates/catalog.ts';
import type { CodeEditor } from './code-editor.ts';
import { codeFragment, isLinkName, sourceProblem, type SharedCode } from './code-link.ts';
import { lineProblems, parseUid, splitArgs } from './code-parse.ts';
import { loadCodeFiles, pageStorage, saveCodeFiles, type CodeFile, type CodeFiles } from './code-store.ts';
import { execOutcomeText } from './exec-text.ts';
import { renderExecResult, renderResult } from './result-card.ts';
import { $, el } from './dom.ts';

/** Each template's text, fetched when first used: a chunk of its own per file, none in the page's first load. */
const TEMPLATE_SOURCES = import.meta.glob<string>('../templates/**/*.c', { query: '?raw', import: 'default' });

/** The file a share link brought: one slot, so opening a second link replaces the first and no template's work. */
const LINK_FILE = 'link';
const FIRST_FILE = 'hello_world';

async function templateSource(t: Template): Promise<string> {
  const load = TEMPLATE_SOURCES[`../templates/${t.file}`];
  if (!load) throw new Error(`templates/${t.file} is not in this build`);
  return load();
}

function templateFile(t: Template, source: string): CodeFile {
  return { source, kind: t.kind, name: t.id, args: '', uid: '0' };
}

export interface CodeDeps {
  machine: () => Machine | null;
  /** The kernel the page runs, for a share link. */
  kernel: () => string;
  busy: (b: boolean) => void;
  isBusy: () => boolean;
  onResult: (r: CallRecord, procModules?: string) => void;
  onExec: (r: ExecRecord) => void;
}

export class CodeView {
  private editor: Promise<CodeEditor> | null = null;
  /** The output of the last successful compile, and the source and kind it came from. */
  private compiled: { source: string; kind: TemplateKind; bytes: Uint8Array } | null = null;
  private compiling = false;
  private readonly state: CodeFiles;
  private readonly storage = pageStorage();
  /** Said once per page: after that the student knows. */
  private storageWarned = false;

  constructor(private readonly deps: CodeDeps) {
    this.state = loadCodeFiles(this.storage);
    if (!this.knownFile(this.state.current)) this.state.current = FIRST_FILE;
    this.fillFileList();
    this.showFields(this.fileOf(this.state.current));
    $<HTMLSelectElement>('code-template').addEventListener('change', (e) => void this.switchTo((e.target as HTMLSelectElement).value));
    $('code-use-template').addEventListener('click', () => void this.startOver());
    for (const r of Array.from(document.querySelectorAll<HTMLInputElement>('input[name="code-kind"]'))) r.addEventListener('change', () => this.fieldsChanged());
    for (const id of ['code-name', 'code-args', 'code-uid']) $(id).addEventListener('input', () => this.fieldsChanged());
    $('code-compile').addEventListener('click', () => void this.compile());
    $('code-load').addEventListener('click', () => void this.load());
    $('code-unload').addEventListener('click', () => void this.unload());
    $('code-run').addEventListener('click', () => void this.run());
    $('code-share').addEventListener('click', () => void this.share());
  }

  private knownFile(id: string): boolean {
    return id === LINK_FILE ? this.state.files.has(LINK_FILE) : findTemplate(id) !== undefined;
  }

  private fillFileList(): void {
    const select = $<HTMLSelectElement>('code-template');
    const group = (label: string, options: HTMLOptionElement[]): HTMLOptGroupElement => {
      const g = el('optgroup');
      g.label = label;
      g.append(...options);
      return g;
    };
    const of = (kind: TemplateKind): HTMLOptionElement[] => TEMPLATES.filter((t) => t.kind === kind).map((t) => new Option(t.label, t.id));
    const groups = [group('Modules', of('module')), group('Programs', of('program'))];
    const linked = this.state.files.get(LINK_FILE);
    if (linked) groups.push(group('From a link', [new Option(`${linked.name} (${linked.kind})`, LINK_FILE)]));
    select.replaceChildren(...groups);
    select.value = this.state.current;
  }

  /** A file's fields as stored, or as its template starts them (its source comes from sourceOf). */
  private fileOf(id: string): CodeFile {
    const stored = this.state.files.get(id);
    if (stored) return stored;
    const t = findTemplate(id);
    return t ? templateFile(t, '') : { source: '', kind: 'module', name: id, args: '', uid: '0' };
  }

  private async sourceOf(id: string): Promise<string> {
    const stored = this.state.files.get(id);
    if (stored) return stored.source;
    const t = findTemplate(id);
    return t ? templateSource(t) : '';
  }

  private kind(): TemplateKind {
    return document.querySelector<HTMLInputElement>('input[name="code-kind"]:checked')?.value === 'program' ? 'program' : 'module';
  }

  /** The fields show a file's kind, name, arguments and uid; only the controls for its kind are visible. */
  private showFields(f: CodeFile): void {
    for (const r of Array.from(document.querySelectorAll<HTMLInputElement>('input[name="code-kind"]'))) r.checked = r.value === f.kind;
    $<HTMLInputElement>('code-name').value = f.name;
    $<HTMLInputElement>('code-args').value = f.args;
    $<HTMLInputElement>('code-uid').value = f.uid;
    this.showKind(f.kind);
    const t = findTemplate(this.state.current);
    const needs = t?.needs;
    $('code-needs').textContent = needs ? `${t.id} uses what ${needs} exports: load ${needs} first (choose it above, Load, then come back).` : '';
    $('code-needs').hidden = !needs;
    $<HTMLButtonElement>('code-use-template').disabled = !t;
  }

  private showKind(kind: TemplateKind): void {
    for (const e of Array.from(document.querySelectorAll<HTMLElement>('#view-code [data-for]'))) e.hidden = e.dataset['for'] !== kind;
    $('code-name-label').textContent = kind === 'program' ? 'Program name' : 'Module name';
  }

  /** Keeps the current file as the editor and fields hold it. */
  private remember(source: string): void {
    const file: CodeFile = {
      source,
      kind: this.kind(),
      name: $<HTMLInputElement>('code-name').value,
      args: $<HTMLInputElement>('code-args').value,
      uid: $<HTMLInputElement>('code-uid').value,
    };
    this.state.files.set(this.state.current, file);
    if (!saveCodeFiles(this.storage, this.state) && !this.storageWarned) {
      this.storageWarned = true;
      this.status('This browser does not let the lab keep your code (storage blocked or full): it stays in the editor while the page is open.');
    }
  }

  private fieldsChanged(): void {
    this.showKind(this.kind());
    $('code-share-row').hidden = true;
    // The editor may not exist yet (fields changed before the tab opened the editor): keep what it will show.
    void this.open().then((e) => this.remember(e.text()));
  }

  /** Builds the editor on first use (the tab's first opening): CodeMirror is a lazy chunk. */
  open(): Promise<CodeEditor> {
    this.editor ??= (async () => {
      const [{ createEditor }, source] = await Promise.all([import('./code-editor.ts'), this.sourceOf(this.state.current)]);
      const host = $('code-editor');
      host.replaceChildren();
      return createEditor(host, source, 'C source of your code', (text) => this.remember(text));
    })();
    return this.editor;
  }

  private status(text: string): void {
    $('code-status').textContent = text;
  }

  /** Another file into the editor: the one left is already kept (every edit is). */
  private async switchTo(id: string): Promise<void> {
    if (!this.knownFile(id) || id === this.state.current) return;
    const editor = await this.open();
    const source = await this.sourceOf(id);
    const kept = this.state.files.has(id);
    this.state.current = id;
    this.showFields(this.fileOf(id));
    // setText fires the change listener, which keeps the file under its new id.
    editor.setText(source);
    this.afterNewText();
    const t = findTemplate(id);
    this.status(t ? `${t.id}.c is in the editor${kept ? ', as you left it' : ''}.` : `The code from the link (${this.fileOf(id).name}) is in the editor.`);
  }

  private afterNewText(): void {
    void this.open().then((e) => e.mark([]));
    this.showDiagnostics('');
    this.compiled = null;
    $('code-share-row').hidden = true;
  }

  /** The template's own text again, for the file in the editor. */
  private async startOver(): Promise<void> {
    const t = findTemplate(this.state.current);
    if (!t) return;
    const editor = await this.open();
    this.showFields(templateFile(t, ''));
    editor.setText(await templateSource(t));
    this.afterNewText();
    this.status(`${t.id}.c is back as the template has it.`);
  }

  /** Code a share link brought: into the editor as the link's file, not run. */
  async openShared(code: SharedCode): Promise<void> {
    this.state.current = LINK_FILE;
    this.state.files.set(LINK_FILE, { source: code.source, kind: code.kind, name: code.name, args: '', uid: '0' });
    this.fillFileList();
    this.showFields({ ...code, args: '', uid: '0' });
    const editor = await this.open();
    editor.setText(code.source);
    this.afterNewText();
    const next = code.kind === 'program' ? 'Compile, then Run' : 'Compile, then Load';
    this.status(`This link brought a ${code.kind} (${code.name}, ${code.source.split('\n').length} lines) into the editor. Nothing has run: ${next} when you are ready.`);
  }

  private showDiagnostics(text: string): void {
    const out = $('code-diagnostics');
    out.textContent = text;
    out.hidden = text === '';
  }

  /** Compiles the editor's source as the kind chosen; the object or executable, or null when it does not compile. */
  private async compile(): Promise<Uint8Array | null> {
    if (this.compiling) return null;
    const editor = await this.open();
    const source = editor.text();
    const kind = this.kind();
    this.compiling = true;
    $<HTMLButtonElement>('code-compile').disabled = true;
    this.status('Compiling…');
    try {
      const t0 = performance.now();
      const compiler = await import('../browser/compiler.ts');
      const r = kind === 'program' ? await compiler.compileProgram(source) : await compiler.compileModule(source);
      const ms = Math.round(performance.now() - t0);
      this.showDiagnostics(r.diagnostics);
      editor.mark(lineProblems(r.diagnostics));
      $('code-status').dataset['compile'] = r.ok ? 'ok' : 'failed';
      if (!r.ok) {
        this.compiled = null;
        this.status(`Your ${kind} does not compile (${ms} ms): the compiler's messages are below the editor, and marked on their lines.`);
        return null;
      }
      const bytes = 'executable' in r ? r.executable : r.object;
      this.compiled = { source, kind, bytes };
      const what = kind === 'program' ? 'an i386 program' : 'an i386 object';
      this.status(`Compiled in ${ms} ms: ${what} of ${bytes.length} bytes${r.diagnostics ? ', with warnings' : ''}.`);
      return bytes;
    } catch (e) {
      this.status(`The compiler could not run: ${e instanceof Error ? e.message : String(e)}`);
      return null;
    } finally {
      this.compiling = false;
      $<HTMLButtonElement>('code-compile').disabled = false;
    }
  }

  /** What the editor holds, compiled: now, unless the last compile was of this very text and kind. */
  private async compiledNow(): Promise<Uint8Array | null> {
    const source = (await this.open()).text();
    const c = this.compiled;
    return c && c.source === source && c.kind === this.kind() ? c.bytes : this.compile();
  }

  private moduleName(): string {
    return $<HTMLInputElement>('code-name').value.trim();
  }

  /** The machine, when it is free now; otherwise says why not. */
  private freeMachine(): Machine | null {
    const m = this.deps.machine();
    if (!m || this.deps.isBusy()) {
      this.status('The machine is busy or still starting: try again in a moment.');
      return null;
    }
    return m;
  }

  /** The machine, when it can load modules now; otherwise says why not. */
  private loadableMachine(): Machine | null {
    const m = this.freeMachine();
    if (m && !m.kernel.hasCreateModule) {
      this.status(`Loading needs a 2.4 kernel: Linux ${m.kernel.id} has no create_module (modules load with finit_module there). Choose a 2.4 kernel above; compiling works on any.`);
      return null;
    }
    return m;
  }

  /** Clears what the last Load, Unload or Run showed. */
  private clearOutcome(): void {
    $('code-steps').replaceChildren();
    $('code-result').hidden = true;
    $('code-output').hidden = true;
    $('code-share-row').hidden = true;
  }

  private async load(): Promise<void> {
    if (!this.loadableMachine()) return;
    const object = await this.compiledNow();
    if (!object) return;
    const m = this.loadableMachine();
    if (!m) return;
    const name = this.moduleName();
    const list = $('code-steps');
    this.clearOutcome();
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
    this.clearOutcome();
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

  /** Runs the program in the guest, as the uid given, with its arguments; its output and status come back. */
  private async run(): Promise<void> {
    const args = splitArgs($<HTMLInputElement>('code-args').value);
    if ('error' in args) return this.status(args.error);
    const uid = parseUid($<HTMLInputElement>('code-uid').value);
    if ('error' in uid) return this.status(uid.error);
    if (!this.freeMachine()) return;
    const executable = await this.compiledNow();
    if (!executable) return;
    const m = this.freeMachine();
    if (!m) return;
    const name = this.moduleName() || 'program';
    this.clearOutcome();
    this.deps.busy(true);
    this.status(`Running ${name} on Linux ${m.kernel.id}…`);
    try {
      const r = await m.exec(executable, { name, args: args.args, uid: uid.uid });
      this.showOutput(r);
      renderExecResult($('code-result'), r);
      this.deps.onExec(r);
      this.status(execOutcomeText(r));
      // The answer is what the student ran for: bring its start into view on short screens.
      $('code-status').scrollIntoView({ block: 'start', behavior: 'instant' });
      // A program may leave modules behind (create_module does): the list says so.
      if (r.result.kind !== 'crash') $('code-proc').textContent = (await m.readProcModules()).trim() || '(empty)';
    } catch (e) {
      // exec refuses what it cannot send (a bad name, too many arguments) before anything runs.
      this.status(`${name} was not run: ${e instanceof Error ? e.message : String(e)}.`);
    } finally {
      this.deps.busy(false);
    }
  }

  private showOutput(r: ExecRecord): void {
    const box = $('code-output');
    box.replaceChildren();
    for (const [label, text, cut] of [
      ['stdout', r.stdout, r.stdoutTruncated],
      ['stderr', r.stderr, r.stderrTruncated],
    ] as const) {
      if (label === 'stderr' && text === '') continue;
      box.append(el('h3', cut ? `${label} (only its beginning: the program wrote more)` : label, 'small'), el('pre', text === '' ? '(nothing)' : text.replace(/\r/g, ''), label));
    }
    box.hidden = false;
  }

  /** The link in a field of its own, selected, and on the clipboard when the browser allows it. */
  private async share(): Promise<void> {
    const source = (await this.open()).text();
    const problem = sourceProblem(source);
    const row = $('code-share-row');
    const field = $<HTMLInputElement>('code-share-link');
    if (problem) {
      row.hidden = true;
      return this.status(problem);
    }
    const name = this.moduleName();
    const fragment = await codeFragment({ kind: this.kind(), name: isLinkName(name) ? name : this.kind(), source });
    const url = new URL(`?kernel=${encodeURIComponent(this.deps.kernel())}${fragment}`, location.href).href;
    field.value = url;
    row.hidden = false;
    field.select();
    this.status(`A link with your ${this.kind()} (${url.length} characters): whoever opens it gets this code in the editor, not run.`);
    await navigator.clipboard
      ?.writeText(url)
      .then(() => this.status(`A link with your ${this.kind()}, copied to the clipboard (${url.length} characters): whoever opens it gets this code in the editor, not run.`))
      .catch(() => undefined);
  }
}
