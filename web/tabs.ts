/**
 * The page's views as tabs, as the WAI-ARIA tabs pattern has them: the arrow
 * keys, Home and End move between tabs (and show the one reached), and only
 * the selected tab is in the Tab order, so Tab goes from the tab row straight
 * into its panel (a panel that opens with text, not a control, is a Tab
 * stop itself: tabindex=0 in web/index.html).
 */

export interface Tabs<T extends string> {
  /** Shows the view, as a click on its tab does. */
  show: (id: T) => void;
}

/**
 * Wires the tabs `tab-<id>` and their panels `view-<id>`; `onShow` runs after
 * the panels have changed (the page widens for one view, loads another).
 */
export function setUpTabs<T extends string>(ids: readonly T[], onShow: (id: T) => void): Tabs<T> {
  const tab = (id: T): HTMLElement => document.getElementById(`tab-${id}`) as HTMLElement;
  const panel = (id: T): HTMLElement => document.getElementById(`view-${id}`) as HTMLElement;

  function show(id: T): void {
    for (const u of ids) {
      const selected = u === id;
      tab(u).setAttribute('aria-selected', String(selected));
      // Roving tabindex: the row is one stop in the Tab order.
      tab(u).tabIndex = selected ? 0 : -1;
      panel(u).hidden = !selected;
    }
    onShow(id);
  }

  function onKey(ev: KeyboardEvent, at: number): void {
    const last = ids.length - 1;
    const to = { ArrowRight: at === last ? 0 : at + 1, ArrowLeft: at === 0 ? last : at - 1, Home: 0, End: last }[ev.key];
    const id = to === undefined ? undefined : ids[to];
    if (id === undefined) return;
    ev.preventDefault();
    show(id);
    tab(id).focus();
  }

  ids.forEach((id, i) => {
    tab(id).addEventListener('click', () => show(id));
    tab(id).addEventListener('keydown', (ev) => onKey(ev, i));
  });
  const first = ids.find((id) => tab(id).getAttribute('aria-selected') === 'true') ?? ids[0];
  if (first !== undefined) show(first);
  return { show };
}
