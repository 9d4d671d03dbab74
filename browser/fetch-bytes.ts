/** Bytes from the page's own origin, with a deadline and a sentence naming what failed. */
export async function fetchBytes(url: string, what: string): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(60_000) });
  } catch (e) {
    throw new Error(`could not load ${what} from ${url}: ${(e as Error).message}`);
  }
  if (!res.ok) throw new Error(`could not load ${what} from ${url}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}
