/**
 * `?embed=1`: the compact lab for a slide or a course page, usually inside
 * another site's iframe. The call form and its answer only (style.css hides
 * the rest under `html.embed`), and a link that opens the same call in the
 * full lab in a tab of its own.
 */

export const EMBED_PARAM = 'embed';

export function isEmbedded(search: string): boolean {
  return new URLSearchParams(search).get(EMBED_PARAM) === '1';
}

/** The page's address as the full lab: the same call, without the embed switch. */
export function fullLabHref(href: string): string {
  const url = new URL(href);
  url.searchParams.delete(EMBED_PARAM);
  return url.href;
}

/** The same query, still embedded: the address bar keeps the switch while the form rewrites the rest. */
export function keepEmbedded(query: string): string {
  const params = new URLSearchParams(query);
  params.set(EMBED_PARAM, '1');
  return `?${params.toString()}`;
}

/** Turns the page into its compact view; returns what keeps its link to the full lab up to date with the address bar. */
export function setUpEmbed(doc: Document, header: HTMLElement): () => void {
  doc.documentElement.classList.add('embed');
  const a = doc.createElement('a');
  a.id = 'full-lab';
  a.textContent = 'Open in the full lab ↗';
  a.target = '_blank';
  a.rel = 'noopener';
  const follow = (): void => {
    a.href = fullLabHref(doc.location.href);
  };
  follow();
  header.append(a);
  return follow;
}
