/**
 * The Lesson tab in a real Chromium on a real 2.4.20: the shipped lesson
 * played start to finish (choose, run, right or wrong, the score at the
 * end), by mouse and by keyboard; a lesson opened from a link, from the
 * share button and from a file; and broken links and files, which get a
 * sentence and run nothing. The tab passes axe-core in both themes and fits
 * a phone.
 */
import { deflateRawSync } from 'node:zlib';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';

async function ready(page: Page): Promise<void> {
  await expect(page.locator('#progress')).toHaveAttribute('data-stage', 'ready', { timeout: 120_000 });
}

function lessonLink(lesson: unknown): string {
  return `#lesson=${deflateRawSync(Buffer.from(JSON.stringify(lesson))).toString('base64url')}`;
}

async function answer(page: Page, choice: string, right: boolean): Promise<void> {
  await expect(page.locator('#lesson-run')).toBeDisabled();
  await page.locator(`input[name="lesson-choice"][value="${choice}"]`).check();
  await page.locator('#lesson-run').click();
  await expect(page.locator('#lesson-verdict')).toHaveAttribute('data-right', String(right), { timeout: 60_000 });
  await expect(page.locator('#lesson-verdict')).toBeFocused();
}

test('the man-page lesson, played start to finish on 2.4.20: predictions, the kernel\'s answers, the score', async ({ page }) => {
  test.setTimeout(240_000);
  await page.goto('./?kernel=2.4.20');
  await ready(page);
  await page.locator('#tab-lesson').click();
  await expect(page.locator('#lesson-title')).toContainText('The man page\'s errors, predicted');
  await expect(page.locator('#lesson-position')).toHaveText('Step 1 of 10');
  await expect(page.locator('#lesson-words')).toHaveText('Ask the kernel to reserve 4096 bytes for a module, with the name "tour", as root.');
  // The choices are a radio group named by its question: success, the man page's errnos, a crash.
  const group = page.getByRole('group', { name: 'A new name and 4096 bytes, as root: what does create_module give back?' });
  await expect(group.getByRole('radio')).toHaveCount(9);
  // Nothing is revealed before the run: neither the man page's claim nor the answer.
  await expect(page.locator('#lesson-explain')).toBeHidden();
  await expect(page.locator('#lesson-result')).toBeHidden();

  await answer(page, 'success', true);
  await expect(page.locator('#lesson-verdict')).toHaveText(/^Right: the kernel answered 0xc8800000, an address\.$/);
  await expect(page.locator('#lesson-result')).toHaveAttribute('data-outcome', 'success');
  await expect(page.locator('#lesson-result')).toContainText('vmalloc area');
  await expect(page.locator('#lesson-explain blockquote')).toContainText('returns the kernel address');
  await expect(page.locator('#lesson-score')).toHaveText('Score: 1 of 1 right (9 of 10 steps to go).');
  await expect(page.locator('#lesson-run')).toBeDisabled();

  // Step 2 by keyboard only: Tab from the verdict to Next, the hint, the radio group's arrows, then Run.
  await page.keyboard.press('Tab');
  await expect(page.locator('#lesson-next')).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.locator('#lesson-position')).toHaveText('Step 2 of 10');
  await page.locator('#lesson-hint-toggle').focus();
  await page.keyboard.press('Enter');
  await expect(page.locator('#lesson-hint-toggle')).toHaveAttribute('aria-expanded', 'true');
  await expect(page.locator('#lesson-hint')).toHaveText('Step 1 left something behind.');
  await page.locator('input[name="lesson-choice"][value="success"]').focus();
  await page.keyboard.press('Space');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  await expect(page.locator('input[name="lesson-choice"][value="EEXIST"]')).toBeChecked();
  // From the group Tab goes to Run, enabled now that a choice is made.
  await page.keyboard.press('Tab');
  await expect(page.locator('#lesson-run')).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.locator('#lesson-verdict')).toHaveAttribute('data-right', 'true', { timeout: 60_000 });
  await expect(page.locator('#lesson-result')).toHaveAttribute('data-outcome', 'EEXIST');
  await expect(page.locator('#lesson-result')).toContainText('A module by that name already exists.');

  // The rest: the answers 2.4.20 gives, all right but the man page's ENOMEM, where this kernel oopses instead.
  const rest: Array<[string, string, boolean]> = [
    ['EFAULT', 'EFAULT', true],
    ['EINVAL', 'EINVAL', true],
    ['ENOMEM', 'crash:oops', false],
    ['EPERM', 'EPERM', true],
    ['success', 'success', true],
    ['EINVAL', 'EINVAL', true],
    ['ENAMETOOLONG', 'ENAMETOOLONG', true],
    ['EFAULT', 'EFAULT', true],
  ];
  for (const [i, [choice, outcome, right]] of rest.entries()) {
    await page.locator('#lesson-next').click();
    await expect(page.locator('#lesson-position')).toHaveText(`Step ${i + 3} of 10`);
    await answer(page, choice, right);
    await expect(page.locator('#lesson-result')).toHaveAttribute('data-outcome', outcome);
    if (!right) {
      await expect(page.locator('#lesson-verdict')).toHaveText('Not this time. You expected “ENOMEM (errno 12)”; the kernel answered with a crash (oops).');
      await expect(page.locator('#lesson-explain')).toContainText('not what the man page says');
      await expect(page.locator('#lesson-result pre')).toContainText('kernel BUG at vmalloc.c');
    }
  }
  await expect(page.locator('#lesson-next')).toBeDisabled();
  await expect(page.locator('#lesson-score')).toHaveText('Lesson done: 9 of 10 right.');
  // Every call ran on the page's machine and is in History (the crash's machine came back for the steps after it).
  await expect(page.locator('#history li')).toHaveCount(10);

  // Back shows a step as answered; Start over asks again.
  await page.locator('#lesson-prev').click();
  await expect(page.locator('input[name="lesson-choice"][value="ENAMETOOLONG"]')).toBeChecked();
  await expect(page.locator('input[name="lesson-choice"][value="ENAMETOOLONG"]')).toBeDisabled();
  await expect(page.locator('#lesson-run')).toHaveText('Answered');
  await page.locator('#lesson-restart').click();
  await expect(page.locator('#lesson-position')).toHaveText('Step 1 of 10');
  await expect(page.locator('#lesson-score')).toHaveText('Score: 0 of 0 right (10 of 10 steps to go).');
  await expect(page.locator('input[name="lesson-choice"]:checked')).toHaveCount(0);
});

test('a lesson from a link runs nothing until asked, then replays its steps; the share button makes such a link', async ({ page }) => {
  const lesson = {
    description: 'Two calls, predicted',
    kernel: '2.4.20',
    steps: [
      { call: 'create_module', name: 'linked', size: 4096, question: 'Is there room for linked?' },
      { call: 'delete_module', name: 'linked', question: 'And can it go again?', hint: 'It was never initialised, and nothing uses it.' },
    ],
  };
  await page.goto(`./?kernel=2.4.20${lessonLink(lesson)}`);
  await ready(page);
  await expect(page.locator('#tab-lesson')).toHaveAttribute('aria-selected', 'true');
  await expect(page.locator('#lesson-title')).toHaveText('Two calls, predicted');
  await expect(page.locator('#lesson-status')).toContainText('Nothing runs until you choose an answer and press Run.');
  await expect(page.getByRole('group', { name: 'Is there room for linked?' })).toBeVisible();
  await expect(page.locator('#lesson-kernel')).toBeHidden();
  await expect(page.locator('#history li')).toHaveCount(0);

  // Step 2 first: step 1 runs before it, so it meets the module step 1 made.
  await page.locator('#lesson-next').click();
  await answer(page, 'success', true);
  await expect(page.locator('#lesson-result')).toHaveAttribute('data-outcome', 'success');
  await expect(page.locator('#history li')).toHaveCount(2);
  await page.locator('#lesson-prev').click();
  // Step 1 again, from a clean machine: an address again, not EEXIST.
  await answer(page, 'EEXIST', false);
  await expect(page.locator('#lesson-verdict')).toHaveText(/^Not this time\. You expected “EEXIST \(errno 17\)”; the kernel answered 0xc8800000, an address\.$/);
  await expect(page.locator('#lesson-score')).toHaveText('Lesson done: 1 of 2 right.');

  // The shipped lesson's share link opens it elsewhere.
  await page.locator('#lesson-pick').selectOption('module-by-hand');
  await expect(page.locator('#lesson-title')).toContainText('A module\'s life, predicted');
  await page.locator('#lesson-share').click();
  const url = await page.locator('#lesson-share-link').inputValue();
  expect(url).toMatch(/\?kernel=2\.4\.20#lesson=[A-Za-z0-9_-]+$/);
  // The embed code beside it frames the same lesson in the compact view.
  const code = await page.locator('#lesson-embed-code').inputValue();
  const src = /^<iframe src="([^"]+)" title="modlab: A module's life, predicted[^"]*" width="100%" height="520"><\/iframe>$/.exec(code)?.[1];
  expect(src).toBe(url.replace('?kernel=2.4.20#', '?kernel=2.4.20&embed=1#'));
  await page.goto('about:blank');
  await page.goto(url);
  await ready(page);
  await expect(page.locator('#lesson-title')).toContainText('A module\'s life, predicted');
  await expect(page.locator('#lesson-position')).toHaveText('Step 1 of 6');
});

test('a broken or hostile link, and a file that is no lesson, get a sentence and run nothing', async ({ page }) => {
  await page.goto('./?kernel=2.4.20#lesson=q1YqLkktKFayiq5WSk7MyV');
  await ready(page);
  await expect(page.locator('#tab-lesson')).toHaveAttribute('aria-selected', 'true');
  await expect(page.locator('#lesson-status')).toHaveText('The lesson in this link is damaged: it may have been cut short when it was copied. Nothing was run.');
  // The shipped lesson stays.
  await expect(page.locator('#lesson-title')).toContainText('The man page\'s errors, predicted');

  await page.goto(`./?kernel=2.4.20${lessonLink({ steps: [{ call: 'reboot', magic: 0xfee1dead }] })}`);
  await ready(page);
  await expect(page.locator('#lesson-status')).toHaveText('The lesson in this link: step 0: "call" must be one of create_module, delete_module, init_module, query_module, get_kernel_syms, got "reboot". Nothing was run.');
  await expect(page.locator('#history li')).toHaveCount(0);

  await page.locator('#lesson-file').setInputFiles({ name: 'notes.json', mimeType: 'application/json', buffer: Buffer.from('{"steps": [{"call": "create_module", "name": "x", "size": 1, "question": ""}]}') });
  await expect(page.locator('#lesson-status')).toHaveText(/^The lesson file "notes\.json": step 0: "question" must be text .* Nothing was run\.$/);
  await page.locator('#lesson-file').setInputFiles({ name: 'big.json', mimeType: 'application/json', buffer: Buffer.alloc(70_000, 0x20) });
  await expect(page.locator('#lesson-status')).toHaveText('The lesson file "big.json" is 70000 bytes; a lesson may have at most 64 KiB. Nothing was run.');
  await page.locator('#lesson-file').setInputFiles({ name: 'mine.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify({ description: 'My lesson', kernel: '2.4.27', steps: [{ call: 'delete_module', name: 'nothing' }] })) });
  await expect(page.locator('#lesson-title')).toHaveText('My lesson');
  await expect(page.locator('#lesson-kernel')).toHaveText('This lesson was written for Linux 2.4.27; the page runs 2.4.20. Choose 2.4.27 in the Kernel list for the answers it was written for.');
  await expect(page.getByRole('group', { name: 'What will the kernel answer?' })).toBeVisible();
  await expect(page.locator('#lesson-hint-toggle')).toBeHidden();
  await expect(page.locator('#history li')).toHaveCount(0);
});

for (const theme of ['dark', 'light'] as const) {
  test(`${theme} theme: the Lesson tab has no serious or critical axe violations, before and after an answer, and fits a phone`, async ({ page }) => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.emulateMedia({ colorScheme: theme });
    await page.goto('./?kernel=2.4.20');
    await ready(page);
    await page.locator('#tab-lesson').click();
    await page.locator('#lesson-hint-toggle').click();
    const problems: string[] = [];
    for (const when of ['before', 'after']) {
      if (when === 'after') await answer(page, 'EEXIST', false);
      const { violations } = await new AxeBuilder({ page }).include('#view-lesson').analyze();
      problems.push(...violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').flatMap((v) => v.nodes.map((n) => `${when}: ${v.id}: ${n.target.join(' ')}`)));
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    }
    expect(problems).toEqual([]);
  });
}
