/**
 * Assistive technology: axe-core finds no serious or critical problem on any
 * tab, in the dark, light and high-contrast themes, with a call's answer on
 * the page (and a compared call in the matrix).
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';

const TABS = [
  ['call', 'Call'],
  ['compare', 'Compare kernels'],
  ['tour', 'Man-page tour'],
  ['lesson', 'Lesson'],
  ['module', 'Load a module'],
  ['code', 'Write code'],
] as const;

/** Serious and critical violations, one line each, so a failure names what and where. */
async function seriousProblems(page: Page): Promise<string[]> {
  const { violations } = await new AxeBuilder({ page }).analyze();
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .flatMap((v) => v.nodes.map((n) => `${v.id} (${v.impact}): ${n.target.join(' ')} — ${n.failureSummary?.split('\n').slice(1).join(' ') ?? ''}`));
}

for (const theme of ['dark', 'light', 'contrast'] as const) {
  test(`${theme} theme: no serious or critical axe violations on any tab, after an answer`, async ({ browser }) => {
    const context = await browser.newContext();
    await context.addInitScript((t) => localStorage.setItem('modlab.theme', t), theme);
    const page = await context.newPage();
    await page.goto('./?kernel=2.4.20&call=create_module&name=hello&size=4096&run=1');
    await expect(page.locator('#result')).toHaveAttribute('data-outcome', 'success', { timeout: 120_000 });
    await expect(page.locator('html')).toHaveAttribute('data-theme', theme);
    const problems: string[] = [];
    for (const [id, name] of TABS) {
      await page.getByRole('tab', { name }).click();
      await expect(page.locator(`#view-${id}`)).toBeVisible();
      if (id === 'compare') {
        // The matrix too: the call on one kernel, restored from its saved machine.
        for (const box of await page.locator('#compare-kernels input').all()) await box.setChecked((await box.getAttribute('value')) === '2.4.20');
        await page.locator('#compare-call').click();
        await expect(page.locator('#compare-status')).toHaveAttribute('data-state', 'done', { timeout: 120_000 });
        await expect(page.locator('#matrix button')).toHaveCount(1);
      }
      if (id === 'code') await expect(page.locator('#code-editor .cm-editor')).toBeVisible({ timeout: 60_000 });
      // The Lesson tab's chunk replaces its loading line once it has arrived.
      if (id === 'lesson') await expect(page.locator('#view-lesson')).not.toContainText('Loading the lesson…');
      problems.push(...(await seriousProblems(page)).map((p) => `${name}: ${p}`));
    }
    expect(problems).toEqual([]);
    await context.close();
  });
}
