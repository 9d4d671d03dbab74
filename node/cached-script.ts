/**
 * Runs a CommonJS script through V8's code cache (node/code-cache.ts): the
 * built CLI's own bundle (cli/start.ts) and v86's libv86.js
 * (node/v86-code-cache.ts). Parsing and compiling them, and the functions a
 * run calls, would cost a one-shot call's main thread every time; Node 20
 * has no compile cache for ES modules or require(), but vm.Script takes one.
 * The first run compiles as usual and keeps, at exit, what V8 compiled by
 * then; later runs load that instead. A run that booted a kernel and saved
 * its machine keeps nothing (markOneTimeRun): the next run, which restores
 * that machine as every later one will, keeps its code instead.
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import vm from 'node:vm';
import { currentCacheChoice } from './cache-root.ts';
import { processCodeCacheFile, readCodeCache, writeCodeCache } from './code-cache.ts';

/** import() of a module's URL, handed in: a script run through vm.Script has no import() of its own in Node 20. */
export type ImportUrl = (url: string) => Promise<unknown>;

/**
 * The parameters a script gets, as Node gives a CommonJS module, and two more
 * for the CLI's bundle (cli/build.ts): its own URL for import.meta.url, and
 * the importUrl that node/import-url.ts stands for there.
 */
type ScriptFunction = (exports: unknown, require: NodeJS.Require, module: { exports: unknown }, filename: string, dirname: string, importMetaUrl: string, importUrl: ImportUrl) => void;

/**
 * Set when this process did work that later runs will not do: it booted a
 * kernel and saved the machine, which the runs after it restore. Its code
 * would stand for theirs: the boot's, and none of the restore's, so each
 * restore compiled its own path again, and loaded a larger cache (a one-shot
 * call ~13 ms slower, 20 alternated pairs, against a cache kept by a restore).
 * Kept on `process` under a registered symbol, not in this module: the built
 * CLI's entry and its bundle each carry a copy of this module (cli/build.ts).
 */
const ONE_TIME_RUN = Symbol.for('modlab.one-time-run');

/** Marks this run as one whose compiled code is not kept (node/boot.ts: a machine was booted and saved). */
export function markOneTimeRun(): void {
  (process as unknown as Record<symbol, boolean>)[ONE_TIME_RUN] = true;
}

function isOneTimeRun(): boolean {
  return (process as unknown as Record<symbol, boolean | undefined>)[ONE_TIME_RUN] === true;
}

const NO_IMPORT: ImportUrl = (url) => Promise.reject(new Error(`a cached script cannot import ${url}`));

export interface CachedScriptOptions {
  importUrl?: ImportUrl;
  /** Names of other cache files that this one makes useless (an older build's), removed when it is written. */
  supersedes?: (cacheFileName: string) => boolean;
  /** Changes the source before it is compiled (v86's patches); the cache name must then name the change too. */
  transform?: (source: string) => string;
}

/**
 * Runs `file` and returns its module.exports. `cacheName` names its code in
 * the cache folder and must change whenever the file does: V8 only checks a
 * cache against the source's length.
 */
export function runCachedCommonJs(file: string, cacheName: string, options: CachedScriptOptions = {}): unknown {
  const read = readFileSync(file, 'utf8');
  const source = options.transform ? options.transform(read) : read;
  const cacheFile = processCodeCacheFile(currentCacheChoice().root, cacheName);
  const cachedData = readCodeCache(cacheFile);
  const wrapped = `(function (exports, require, module, __filename, __dirname, __modlabImportMetaUrl, __modlabImportUrl) {${source}\n})`;
  const script = new vm.Script(wrapped, { filename: file, ...(cachedData ? { cachedData } : {}) });
  const run = script.runInThisContext() as ScriptFunction;
  const module = { exports: {} as unknown };
  run(module.exports, createRequire(file), module, file, path.dirname(file), pathToFileURL(file).href, options.importUrl ?? NO_IMPORT);
  // Kept at exit: by then the functions this run called are compiled too, and go into the cache.
  if (!cachedData || script.cachedDataRejected === true) {
    process.once('exit', () => {
      if (isOneTimeRun()) return;
      writeCodeCache(cacheFile, script.createCachedData());
      if (options.supersedes) removeSuperseded(path.dirname(cacheFile), options.supersedes);
    });
  }
  return module.exports;
}

function removeSuperseded(dir: string, supersedes: (name: string) => boolean): void {
  try {
    for (const name of readdirSync(dir)) if (supersedes(name)) rmSync(path.join(dir, name), { force: true });
  } catch {
    // Only tidying: files left behind cost disk space, nothing else.
  }
}
