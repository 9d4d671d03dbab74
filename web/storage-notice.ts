/**
 * Where a browser refuses the page its storage (a cross-site frame with
 * third-party storage blocked, a full quota, private modes), the lab says so
 * once, in one plain sentence, and carries on with what it keeps in memory.
 * Every part that stores (History, the saved machine) reports here instead
 * of saying it in its own words.
 */
export const STORAGE_REFUSED_TEXT =
  'this browser does not let the lab store anything here (site data blocked, as in a frame on another site, or full), so nothing is kept for your next visit; the lab works as usual on this page';

export class StorageNotice {
  private said = false;

  constructor(private readonly say: (text: string) => void) {}

  refused(): void {
    if (this.said) return;
    this.said = true;
    this.say(STORAGE_REFUSED_TEXT);
  }
}
