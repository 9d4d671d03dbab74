/** The two DOM helpers every view uses. Text goes in as text, never as HTML. */

/** An element of the page by id. */
export const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

/** A new element with its text (set as textContent) and class. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, cls?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}
