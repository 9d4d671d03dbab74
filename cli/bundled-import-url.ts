/**
 * node/import-url.ts as the built CLI's bundle has it (cli/build.ts): the
 * import() of the ES module that loaded the bundle, which
 * node/cached-script.ts hands the script as __modlabImportUrl.
 */
declare const __modlabImportUrl: (url: string) => Promise<unknown>;

export function importUrl(url: string): Promise<unknown> {
  return __modlabImportUrl(url);
}
