/**
 * The page's theme: the system's light or dark preference by default, or the
 * reader's choice (light, dark, high contrast for a projector), kept in
 * localStorage where the page may store. The colours are web/style.css's
 * variables; this only sets `data-theme` on the root element.
 */
import { pageStorage } from './code-store.ts';

export const THEMES = { system: 'System', light: 'Light', dark: 'Dark', contrast: 'High contrast' } as const;
export type Theme = keyof typeof THEMES;
const KEY = 'modlab.theme';

export function isTheme(value: string): value is Theme {
  return Object.hasOwn(THEMES, value);
}

function apply(theme: Theme): void {
  if (theme === 'system') document.documentElement.removeAttribute('data-theme');
  else document.documentElement.dataset['theme'] = theme;
}

/** Fills the select, applies the saved choice and keeps the next one. */
export function setUpTheme(select: HTMLSelectElement): void {
  for (const [value, label] of Object.entries(THEMES)) select.add(new Option(label, value));
  const storage = pageStorage();
  let saved: string | null = null;
  try {
    saved = storage?.getItem(KEY) ?? null;
  } catch {
    // Storage refused: the choice lasts for this page only.
  }
  const theme: Theme = saved !== null && isTheme(saved) ? saved : 'system';
  select.value = theme;
  apply(theme);
  select.addEventListener('change', () => {
    if (!isTheme(select.value)) return;
    apply(select.value);
    try {
      storage?.setItem(KEY, select.value);
    } catch {
      // As above: applied, not kept.
    }
  });
}
