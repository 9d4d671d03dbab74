/**
 * `?embed=1`: the compact lab for a slide or a course page, usually inside
 * another site's iframe. The call form and its answer only (style.css hides
 * the rest under `html.embed`), and a link that opens the same call in the
 * full lab in a tab of its own. With a scenario in the fragment (a lesson
 * link's `#lesson=…`), its steps and their answers instead of the form
 * (web/embed-scenario.ts); the full lab opens that link in its Lesson tab.
 */

export const EMBED_PARAM = 'embed';

export function isEmbedded(search: string): boolean {
  return new URLSearchParams(search).get(EMBED_PARAM) === '1';
}

/** Whether an address's fragment carries a scenario (a lesson link's `#lesson=…`). */
export function hasScenario(hash: string): boolean {
  return new URLSearchParams(hash.startsWith('#') ? hash.slice(1) : hash).has('lesson');
}

/**
 * The page's address as the full lab: the same call, without the embed
 * switch. A scenario's keeps its fragment and drops run=1: the Lesson tab
 * asks before each step runs, and run=1 there would run the form's call.
 */
export function fullLabHref(href: string, scenario = false): string {
  const url = new URL(href);
  url.searchParams.delete(EMBED_PARAM);
  if (scenario) url.searchParams.delete('run');
  return url.href;
}

/** The same query, still embedded: the address bar keeps the switch while the form rewrites the rest. */
export function keepEmbedded(query: string): string {
  const params = new URLSearchParams(query);
  params.set(EMBED_PARAM, '1');
  return `?${params.toString()}`;
}

/** Turns the page into its compact view; returns what keeps its link to the full lab up to date with the address bar. */
export function setUpEmbed(doc: Document, header: HTMLElement, scenario = false): () => void {
  doc.documentElement.classList.add('embed');
  if (scenario) doc.documentElement.classList.add('embed-scenario');
  const a = doc.createElement('a');
  a.id = 'full-lab';
  a.textContent = 'Open in the full lab ↗';
  a.target = '_blank';
  a.rel = 'noopener';
  const follow = (): void => {
    a.href = fullLabHref(doc.location.href, scenario);
  };
  follow();
  header.append(a);
  return follow;
}
