/**
 * The starting points offered to students: real C files in this folder, so
 * that `modlab insmod templates/modules/hello_world.c` and the lab's Write
 * code tab start from the same text. This list says what each is; the web
 * reads the files with Vite's ?raw imports, Node from disk. No imports here.
 */
export type TemplateKind = 'module' | 'program';

export interface Template {
  /** The file's base name: also the module's name when loaded, as insmod took it. */
  id: string;
  kind: TemplateKind;
  /** Path under templates/. */
  file: string;
  label: string;
  /** The template to load first, when this one uses another's exports. */
  needs?: string;
}

export const TEMPLATES: readonly Template[] = [
  { id: 'hello_world', kind: 'module', file: 'modules/hello_world.c', label: 'Hello, world (printk in init and cleanup)' },
  { id: 'probe', kind: 'module', file: 'modules/probe.c', label: 'An init that fails with -ENODEV' },
  { id: 'oops', kind: 'module', file: 'modules/oops.c', label: 'A NULL dereference in init (an oops)' },
  { id: 'counter', kind: 'module', file: 'modules/counter.c', label: 'A counter that exports counter_next()' },
  { id: 'counter_user', kind: 'module', file: 'modules/counter_user.c', label: 'Calls counter_next() (load counter first)', needs: 'counter' },
  { id: 'create_module', kind: 'program', file: 'programs/create_module.c', label: 'create_module(2) as its man page calls it, then by syscall()' },
];

export function findTemplate(id: string): Template | undefined {
  return TEMPLATES.find((t) => t.id === id);
}
