/**
 * Presenting: the console and the answer card side by side in large type,
 * the rest of the page hidden (web/style.css, `body.presenting`). Turned on
 * by the header's Present button or a link with `present=1`; the button or
 * Escape turns it off.
 */

export const PRESENT_PARAM = 'present';

/** Whether a page address asks to present (`present=1`). */
export function wantsPresenting(search: string): boolean {
  return new URLSearchParams(search).get(PRESENT_PARAM) === '1';
}

/**
 * The address bar's query while presenting keeps `present=1` (a reload in
 * front of the room stays in the presenter view), and loses it on leaving.
 */
export function withPresenting(query: string, on: boolean): string {
  const params = new URLSearchParams(query);
  // The form's query stays as written (the share link's own encoding); only the switch is added or taken off.
  let base = query.replace(/^\?/, '');
  if (params.has(PRESENT_PARAM)) {
    params.delete(PRESENT_PARAM);
    base = params.toString();
  }
  return on ? `?${base}${base ? '&' : ''}${PRESENT_PARAM}=1` : `?${base}`;
}

/** Whether the page is presenting now. */
export function isPresenting(): boolean {
  return document.body.classList.contains('presenting');
}

export function setUpPresenter(button: HTMLButtonElement, start: boolean, onChange: (on: boolean) => void): void {
  function set(on: boolean): void {
    document.body.classList.toggle('presenting', on);
    button.setAttribute('aria-pressed', String(on));
    onChange(on);
  }
  button.addEventListener('click', () => set(!isPresenting()));
  document.addEventListener('keydown', (ev) => {
    // Escape in an open dialog closes the dialog, and in the console goes to the guest; not the presentation.
    const inConsole = ev.target instanceof Element && ev.target.closest('#terminal') !== null;
    if (ev.key === 'Escape' && isPresenting() && !inConsole && !document.querySelector('dialog[open]')) set(false);
  });
  if (start) set(true);
}
