/**
 * A text scan of the guest's C, enough for checking how its files depend on
 * each other (test/unit/guest-headers.test.ts): which headers each includes,
 * which functions each declares or defines, which identifiers it uses.
 * Not a C parser: it relies on the plain style of guest/*.c and *.h.
 */

export interface CFunction {
  name: string;
  /** A definition has a body; a declaration (prototype) does not. */
  defined: boolean;
  isStatic: boolean;
}

/** The source without comments, with string and character literals emptied; line breaks stay. */
export function stripCode(src: string): string {
  let out = '';
  let i = 0;
  while (i < src.length) {
    const c = src[i] as string;
    const next = src[i + 1];
    if (c === '/' && next === '*') {
      const end = src.indexOf('*/', i + 2);
      const stop = end < 0 ? src.length : end + 2;
      out += src.slice(i, stop).replace(/[^\n]/g, ' ');
      i = stop;
    } else if (c === '/' && next === '/') {
      while (i < src.length && src[i] !== '\n') i++;
    } else if (c === '"' || c === "'") {
      i++;
      while (i < src.length && src[i] !== c) i += src[i] === '\\' ? 2 : 1;
      out += c + c;
      i++;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** The files named by #include "..." and #include <...>, in order. */
export function includesOf(src: string): string[] {
  // Comments go first, but not the strings: the quoted file names are what is wanted.
  const noComments = src.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/.*$/gm, '');
  return [...noComments.matchAll(/^\s*#\s*include\s*["<]([^">]+)[">]/gm)].map((m) => m[1] as string);
}

/** Removes each `__attribute__((...))`, whose parentheses would look like a function's. */
function withoutAttributes(code: string): string {
  let out = code;
  for (let at = out.indexOf('__attribute__'); at >= 0; at = out.indexOf('__attribute__', at)) {
    let i = out.indexOf('(', at);
    if (i < 0) break;
    let depth = 0;
    do {
      if (out[i] === '(') depth++;
      else if (out[i] === ')') depth--;
      i++;
    } while (depth > 0 && i < out.length);
    out = out.slice(0, at) + out.slice(i);
  }
  return out;
}

/** The functions declared or defined at file level. */
export function functionsOf(src: string): CFunction[] {
  // Preprocessor lines (with their continuations) are not declarations.
  const code = withoutAttributes(stripCode(src).replace(/^\s*#(?:.*\\\n)*.*$/gm, ''));
  const heads: Array<{ head: string; defined: boolean }> = [];
  let head = '';
  let depth = 0;
  let isBody = false;
  for (const c of code) {
    if (depth > 0) {
      if (c === '{') depth++;
      else if (c === '}' && --depth === 0) {
        if (isBody) {
          heads.push({ head, defined: true });
          head = '';
        } else {
          head += '{}';
        }
      }
    } else if (c === '{') {
      depth = 1;
      isBody = /\)\s*$/.test(head);
    } else if (c === ';') {
      heads.push({ head, defined: false });
      head = '';
    } else {
      head += c;
    }
  }
  const out: CFunction[] = [];
  for (const { head, defined } of heads) {
    const text = head.trim();
    const m = /^([\w\s*]*?)\b([A-Za-z_]\w*)\s*\(/.exec(text);
    const prefix = m?.[1] ?? '';
    if (!m || /\btypedef\b/.test(prefix) || /^(?:__asm__|asm|typedef)$/.test(m[2] as string)) continue;
    out.push({ name: m[2] as string, defined, isStatic: /\bstatic\b/.test(prefix) });
  }
  return out;
}

/** Every identifier the code uses or defines (not those inside comments or strings). */
export function identifiersOf(src: string): Set<string> {
  return new Set(stripCode(src).match(/[A-Za-z_]\w*/g) ?? []);
}

/** A cycle in a dependency graph, as the path that closes it (a, b, ..., a), or null. */
export function findCycle(graph: ReadonlyMap<string, readonly string[]>): string[] | null {
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (node: string): string[] | null => {
    const at = path.indexOf(node);
    if (at >= 0) return [...path.slice(at), node];
    if (done.has(node)) return null;
    path.push(node);
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    done.add(node);
    return null;
  };
  for (const node of graph.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return null;
}

/** file → the files it includes. */
export function includeGraph(files: Readonly<Record<string, string>>): Map<string, string[]> {
  return new Map(Object.entries(files).map(([name, src]) => [name, includesOf(src)]));
}

/** .c file → the other .c files whose global functions it uses: what each needs at link time. */
export function linkGraph(sources: Readonly<Record<string, string>>): Map<string, string[]> {
  const globals = Object.entries(sources).map(([name, src]) => [name, functionsOf(src).filter((f) => f.defined && !f.isStatic)] as const);
  return new Map(
    Object.entries(sources).map(([name, src]) => {
      const used = identifiersOf(src);
      return [name, globals.filter(([other, fns]) => other !== name && fns.some((f) => used.has(f.name))).map(([other]) => other)];
    }),
  );
}

/**
 * Functions a .c file declares itself although another .c file defines them:
 * such a prototype belongs in a header, so that the two cannot drift apart.
 */
export function crossDeclarations(sources: Readonly<Record<string, string>>): string[] {
  const fns = Object.entries(sources).map(([name, src]) => [name, functionsOf(src)] as const);
  const problems: string[] = [];
  for (const [file, own] of fns) {
    for (const decl of own.filter((f) => !f.defined && !f.isStatic)) {
      for (const [other, theirs] of fns) {
        if (other !== file && theirs.some((f) => f.defined && f.name === decl.name)) problems.push(`${file} declares ${decl.name}, which ${other} defines`);
      }
    }
  }
  return problems;
}
