/**
 * The student's sources in the Write code tab, one per file (a template's
 * id, or "link" for code a share link brought), kept in localStorage under
 * one key so that moving between counter and counter_user loses nothing.
 * Storage may be blocked or full: the tab then keeps the files for the page.
 */
import type { TemplateKind } from '../templates/catalog.ts';

export interface CodeFile {
  source: string;
  kind: TemplateKind;
  /** The module name for insmod, or the program's name. */
  name: string;
  /** A program's arguments and uid, as typed. */
  args: string;
  uid: string;
}

export interface CodeFiles {
  /** The file in the editor. */
  current: string;
  /** A Map: file ids come from storage, and no id may reach an object's prototype. */
  files: Map<string, CodeFile>;
}

export const CODE_KEY = 'modlab.code.v2';
/** One source for everything, as the tab kept it before it had files; it becomes hello_world's. */
const OLD_KEY = 'modlab.code.v1';
const MAX_FILES = 64;

/** The part of Storage used here, so tests can hand in a Map-backed one or one that throws. */
export type KeyValueStore = Pick<Storage, 'getItem' | 'setItem'>;

function isFile(v: unknown): v is CodeFile {
  if (typeof v !== 'object' || v === null) return false;
  const f = v as Partial<Record<keyof CodeFile, unknown>>;
  return typeof f.source === 'string' && (f.kind === 'module' || f.kind === 'program') && typeof f.name === 'string' && typeof f.args === 'string' && typeof f.uid === 'string';
}

/** What storage holds, whatever it holds (other versions' or other hands' text): files it cannot read are dropped. */
export function loadCodeFiles(store: KeyValueStore | null): CodeFiles {
  const empty: CodeFiles = { current: '', files: new Map() };
  if (!store) return empty;
  try {
    const raw = store.getItem(CODE_KEY);
    if (raw === null) {
      const old = store.getItem(OLD_KEY);
      if (old === null) return empty;
      return { current: 'hello_world', files: new Map([['hello_world', { source: old, kind: 'module', name: 'hello_world', args: '', uid: '0' }]]) };
    }
    const parsed: unknown = JSON.parse(raw);
    if (typeof parsed !== 'object' || parsed === null) return empty;
    const { current, files } = parsed as { current?: unknown; files?: unknown };
    const entries = Array.isArray(files) ? files.slice(0, MAX_FILES) : [];
    const map = new Map<string, CodeFile>();
    for (const e of entries) if (Array.isArray(e) && typeof e[0] === 'string' && isFile(e[1])) map.set(e[0], e[1]);
    return { current: typeof current === 'string' ? current : '', files: map };
  } catch {
    // Blocked storage throws on read too; unreadable JSON is someone else's.
    return empty;
  }
}

/** False when storage refused (blocked, full): the files stay in memory for this page. */
export function saveCodeFiles(store: KeyValueStore | null, state: CodeFiles): boolean {
  if (!store) return false;
  try {
    store.setItem(CODE_KEY, JSON.stringify({ current: state.current, files: [...state.files] }));
    return true;
  } catch {
    return false;
  }
}

/** The page's localStorage, or null where reading the property itself throws (storage disabled). */
export function pageStorage(): KeyValueStore | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}
