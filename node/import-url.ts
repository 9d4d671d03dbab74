/**
 * import() of an ES module by its URL (the compiler's glue). A module of its
 * own because the built CLI runs as one script through V8's code cache, where
 * Node 20 gives import() no loader: there cli/build.ts puts
 * cli/bundled-import-url.ts in its place.
 */
export function importUrl(url: string): Promise<unknown> {
  return import(url);
}
