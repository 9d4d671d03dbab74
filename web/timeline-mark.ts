/**
 * The page's own marks on its performance timeline (`modlab-stage:*`,
 * `modlab-answer:*`), which bench/browser-visit.ts reads for a visit's figure
 * by the page's clock instead of polling the page. One mark per name: the
 * newest replaces the one before, so a lab left open for a day of calls
 * keeps a handful of entries, not one per call.
 */
export function markOnTimeline(name: string): void {
  performance.clearMarks(name);
  performance.mark(name);
}
