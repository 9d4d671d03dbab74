/**
 * The call form as plain data, derived from the call table: one field per
 * argument, chosen by its kind. Each field reads its controls into the JSON a
 * scenario step uses and fills them back from that JSON, so callFromJson is
 * the form's one validator. No DOM here: the unit tests run it in Node.
 */
import { hasOwn, isModuleName, isObject, isQueryWhich, MODULE_FILES, NAME, quote } from '../harness/calls/args.ts';
import { CALL_SPECS, callFromJson, callSpec, type ArgSpec, type Call } from '../harness/calls/model.ts';
import { QUERY_WHICH } from '../harness/calls/linux-i386.ts';

/** What each control holds, by element id. */
export type Values = Record<string, string>;

export interface Control {
  id: string;
  /** A function where the label follows another control (the image's input). */
  label: string | ((v: Values) => string);
  /** A select's options as [value, text]; a text input without them. */
  options?: ReadonlyArray<readonly [string, string]>;
  initial: string;
  placeholder?: string;
  /** Shown only while control `id` holds one of `values`. */
  showWhen?: { id: string; values: readonly string[] };
}

export interface Field {
  key: string;
  controls: readonly Control[];
  /** The argument as scenario JSON; undefined leaves it out (the call's default applies). */
  read(v: Values): unknown;
  /** Control values for the argument's JSON, or null when the form has no way to show it. */
  fill(raw: unknown): Values | null;
  /** The control holding the text a refusal is about. */
  culprit(v: Values): string;
}

const str = (v: Values, id: string): string => v[id] ?? '';
const textual = (raw: unknown): raw is string | number => typeof raw === 'string' || typeof raw === 'number';

/** The value of `raw` when it is an object with `key` as its one own property ({ptr}, {hex}, {module}). */
function only(raw: unknown, key: string): unknown {
  return isObject(raw) && Object.keys(raw).length === 1 && hasOwn(raw, key) ? raw[key] : undefined;
}

function nameField(key: string): Field {
  // The e2e tests and older pages know the name's controls as f-kind, f-name and f-ptr.
  const is = key === 'name' ? 'f-kind' : `f-${key}-is`;
  const text = `f-${key}`;
  const ptr = key === 'name' ? 'f-ptr' : `f-${key}-ptr`;
  return {
    key,
    controls: [
      { id: is, label: `${key} is`, options: [['string', 'a string'], ['null', 'NULL'], ['pointer', 'a raw pointer']], initial: 'string' },
      { id: text, label: key, initial: 'hello', showWhen: { id: is, values: ['string'] } },
      { id: ptr, label: 'pointer', initial: '0xffffffff', showWhen: { id: is, values: ['pointer'] } },
    ],
    read: (v) => (str(v, is) === 'null' ? null : str(v, is) === 'pointer' ? { ptr: str(v, ptr) } : str(v, text)),
    fill(raw) {
      if (raw === null) return { [is]: 'null' };
      if (typeof raw === 'string') return { [is]: 'string', [text]: raw };
      const address = only(raw, 'ptr');
      if (textual(address)) return { [is]: 'pointer', [ptr]: String(address) };
      // A long name from a link ({repeat, times}): written out, when the model accepts it.
      try {
        const name = NAME.fromJson(raw, key);
        return name.kind === 'string' ? { [is]: 'string', [text]: name.text } : null;
      } catch {
        return null;
      }
    },
    culprit: (v) => (str(v, is) === 'pointer' ? ptr : text),
  };
}

/** A number typed as text; create_module's size also takes module:NAME, as on the command line. */
function numberField(a: ArgSpec): Field {
  const id = `f-${a.key}`;
  const fallback = a.fallback ? String(a.fallback.value) : null;
  const sizeKind = a.kind.id === 'size';
  const control: Control = fallback !== null
    ? { id, label: a.key, initial: fallback, placeholder: `${fallback} when empty` }
    : { id, label: a.key, initial: sizeKind ? '4096' : '', ...(sizeKind ? { placeholder: 'bytes, or module:hello' } : {}) };
  return {
    key: a.key,
    controls: [control],
    read(v) {
      const s = str(v, id);
      if (s.trim() === '' && a.fallback) return undefined;
      return sizeKind && s.startsWith('module:') ? { module: s.slice(7) } : s;
    },
    fill(raw) {
      if (textual(raw)) return { [id]: String(raw) };
      const module = sizeKind ? only(raw, 'module') : undefined;
      return typeof module === 'string' ? { [id]: `module:${module}` } : null;
    },
    culprit: () => id,
  };
}

function imageField(key: string): Field {
  const is = `f-${key}-is`;
  const input = `f-${key}`;
  const modules = Object.keys(MODULE_FILES).map((m) => [`module:${m}`, `module ${m}.o (linked by the agent)`] as const);
  return {
    key,
    controls: [
      { id: is, label: `${key} is`, options: [['null', 'NULL'], ['pointer', 'a raw pointer'], ['hex', 'hex bytes'], ...modules], initial: 'module:hello' },
      { id: input, label: (v) => (str(v, is) === 'hex' ? 'bytes (hex)' : 'address'), initial: '', showWhen: { id: is, values: ['pointer', 'hex'] } },
    ],
    read(v) {
      const mode = str(v, is);
      if (mode === 'null') return null;
      if (mode === 'pointer') return { ptr: str(v, input) };
      // Hex is easier to paste with spaces between the bytes.
      if (mode === 'hex') return { hex: str(v, input).replace(/\s+/g, '') };
      return { module: mode.slice('module:'.length) };
    },
    fill(raw) {
      if (raw === null) return { [is]: 'null' };
      const [address, hex, module] = [only(raw, 'ptr'), only(raw, 'hex'), only(raw, 'module')];
      if (textual(address)) return { [is]: 'pointer', [input]: String(address) };
      if (typeof hex === 'string') return { [is]: 'hex', [input]: hex };
      return isModuleName(module) ? { [is]: `module:${module}` } : null;
    },
    culprit: () => input,
  };
}

const A_NUMBER = 'number';

function whichField(key: string): Field {
  const select = `f-${key}`;
  const num = `f-${key}-num`;
  return {
    key,
    controls: [
      { id: select, label: key, options: [...Object.keys(QUERY_WHICH).map((w) => [w, w] as const), [A_NUMBER, 'a number']], initial: 'QM_MODULES' },
      { id: num, label: `${key} (number)`, initial: '0', showWhen: { id: select, values: [A_NUMBER] } },
    ],
    read: (v) => (str(v, select) === A_NUMBER ? str(v, num) : str(v, select)),
    // Anything else goes to the number input, where the form's check names what is wrong with it.
    fill: (raw) => (isQueryWhich(raw) ? { [select]: raw } : textual(raw) ? { [select]: A_NUMBER, [num]: String(raw) } : null),
    culprit: () => num,
  };
}

function entriesField(key: string): Field {
  const is = `f-${key}-is`;
  const input = `f-${key}`;
  return {
    key,
    controls: [
      { id: is, label: `${key} is`, options: [['null', 'NULL'], [A_NUMBER, 'room for N entries']], initial: 'null' },
      { id: input, label: 'entries', initial: '16', showWhen: { id: is, values: [A_NUMBER] } },
    ],
    read: (v) => (str(v, is) === 'null' ? null : str(v, input)),
    fill: (raw) => (raw === null ? { [is]: 'null' } : textual(raw) ? { [is]: A_NUMBER, [input]: String(raw) } : null),
    culprit: () => input,
  };
}

function fieldFor(a: ArgSpec): Field {
  switch (a.kind.id) {
    case 'name':
      return nameField(a.key);
    case 'size':
    case 'u32':
      return numberField(a);
    case 'image':
      return imageField(a.key);
    case 'which':
      return whichField(a.key);
    case 'entries':
      return entriesField(a.key);
  }
}

/** One field per argument key: a name typed for create_module stays when the call changes. */
function buildFields(): Map<string, { field: Field; kind: string }> {
  const fields = new Map<string, { field: Field; kind: string }>();
  for (const spec of CALL_SPECS) {
    for (const a of spec.args) {
      const known = fields.get(a.key);
      if (known && known.kind !== a.kind.id) throw new Error(`the call form has one field per argument key; "${a.key}" has two kinds`);
      if (!known) fields.set(a.key, { field: fieldFor(a), kind: a.kind.id });
    }
  }
  return fields;
}

const FIELDS = buildFields();
export const ARG_FIELDS: readonly Field[] = [...FIELDS.values()].map((f) => f.field);

export const CALL_CONTROL: Control = { id: 'f-call', label: 'System call', options: CALL_SPECS.map((s) => [s.name, s.name] as const), initial: 'create_module' };
export const AS_CONTROL: Control = { id: 'f-as', label: 'run as', options: [['root', 'root (uid 0)'], ['uid', 'another uid']], initial: 'root' };
export const UID_CONTROL: Control = { id: 'f-uid', label: 'uid', initial: '65534', showWhen: { id: 'f-as', values: ['uid'] } };

/** Every control in the order the form shows them, each with the field it belongs to (none: every call's). */
export const CONTROLS: ReadonlyArray<{ control: Control; key: string | null }> = [
  { control: CALL_CONTROL, key: null },
  ...ARG_FIELDS.flatMap((f) => f.controls.map((control) => ({ control, key: f.key }))),
  { control: AS_CONTROL, key: null },
  { control: UID_CONTROL, key: null },
];

export function initialValues(): Values {
  return Object.fromEntries(CONTROLS.map(({ control }) => [control.id, control.initial]));
}

function fieldsOf(v: Values): Field[] {
  return (callSpec(str(v, CALL_CONTROL.id))?.args ?? []).flatMap((a) => FIELDS.get(a.key)?.field ?? []);
}

/** Whether a control is shown: its field belongs to the chosen call and its condition holds. */
export function isShown(control: Control, key: string | null, v: Values): boolean {
  if (key !== null && !fieldsOf(v).some((f) => f.key === key)) return false;
  return !control.showWhen || control.showWhen.values.includes(str(v, control.showWhen.id));
}

export function labelText(control: Control, v: Values): string {
  return typeof control.label === 'string' ? control.label : control.label(v);
}

/** The form as the JSON a scenario step uses: {call, name, size, …, uid}. */
export function formJson(v: Values): Record<string, unknown> {
  const raw: Record<string, unknown> = { call: str(v, CALL_CONTROL.id) };
  for (const f of fieldsOf(v)) {
    const value = f.read(v);
    if (value !== undefined) raw[f.key] = value;
  }
  if (str(v, AS_CONTROL.id) === 'uid') raw['uid'] = str(v, UID_CONTROL.id);
  return raw;
}

export type FormCheck = { call: Call } | { error: string; culprit: string | null };

/** The form's call, or callFromJson's reason it cannot be made and the control it is about. */
export function checkForm(v: Values): FormCheck {
  const raw = formJson(v);
  try {
    return { call: callFromJson(raw) };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e), culprit: culpritOf(v, raw) };
  }
}

/** The first argument its own kind refuses: callFromJson checks them in the same order. */
function culpritOf(v: Values, raw: Record<string, unknown>): string | null {
  const spec = callSpec(raw['call']);
  if (!spec) return CALL_CONTROL.id;
  for (const a of spec.args) {
    if (!hasOwn(raw, a.key)) continue;
    try {
      a.kind.fromJson(raw[a.key], a.key);
    } catch {
      return FIELDS.get(a.key)?.field.culprit(v) ?? null;
    }
  }
  return hasOwn(raw, 'uid') ? UID_CONTROL.id : null;
}

/**
 * Control values for a call's JSON (a link, a scenario step), and what it
 * asked for that the form cannot show (those controls keep their values).
 * Arguments it leaves out keep theirs too.
 */
export function valuesFromJson(raw: Record<string, unknown>): { values: Values; problems: string[] } {
  const spec = callSpec(raw['call']);
  if (!spec) return { values: {}, problems: [`there is no call ${quote(raw['call'] ?? null)}`] };
  const values: Values = { [CALL_CONTROL.id]: spec.name };
  const problems: string[] = [];
  for (const a of spec.args) {
    const field = FIELDS.get(a.key)?.field;
    if (!field || !hasOwn(raw, a.key)) continue;
    const filled = field.fill(raw[a.key]);
    if (filled) Object.assign(values, filled);
    else problems.push(refusal(a, raw[a.key]));
  }
  if (hasOwn(raw, 'uid')) {
    if (textual(raw['uid'])) Object.assign(values, { [AS_CONTROL.id]: 'uid', [UID_CONTROL.id]: String(raw['uid']) });
    else problems.push(`uid must be a number, got ${quote(raw['uid'])}`);
  }
  return { values, problems };
}

/** The model's own words for a value the form cannot show. */
function refusal(a: ArgSpec, value: unknown): string {
  try {
    a.kind.fromJson(value, a.key);
    return `${a.key}: the form cannot show this value`;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}
