/**
 * Presenting: the console and the answer card side by side in large type,
 * the rest of the page hidden (web/style.css, `body.presenting`). Turned on
 * by the header's Present button or a link with `present=1`; the button or
 * Escape turns it off.
 */

/** Whether a page address asks to present (`present=1`). */
export function wantsPresenting(search: string): boolean {
  return new URLSearchParams(search).get('present') === '1';
}

export function setUpPresenter(button: HTMLButtonElement, start: boolean, onChange: (on: boolean) => void): void {
  function set(on: boolean): void {
    document.body.classList.toggle('presenting', on);
    button.setAttribute('aria-pressed', String(on));
    onChange(on);
  }
  button.addEventListener('click', () => set(!document.body.classList.contains('presenting')));
  document.addEventListener('keydown', (ev) => {
    // Escape in an open dialog closes the dialog, and in the console goes to the guest; not the presentation.
    const inConsole = ev.target instanceof Element && ev.target.closest('#terminal') !== null;
    if (ev.key === 'Escape' && document.body.classList.contains('presenting') && !inConsole && !document.querySelector('dialog[open]')) set(false);
  });
  if (start) set(true);
}
