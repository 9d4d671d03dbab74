/**
 * Where a browser refuses the page its storage (a cross-origin frame with
 * storage blocked, a full quota, private modes), the lab says so once, in
 * one plain sentence, and carries on with what it keeps in memory.
 */
export class StorageNotice {
  private said = false;

  constructor(private readonly say: (text: string) => void) {}

  /** `what`: the thing that could not be kept, e.g. "its history". */
  refused(what: string): void {
    if (this.said) return;
    this.said = true;
    this.say(`this browser does not let the lab keep ${what}; it carries on, and keeps things for this page only`);
  }
}
