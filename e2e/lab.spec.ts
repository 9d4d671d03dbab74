/**
 * The lab end to end in a real Chromium: a real kernel boots in the page and
 * answers calls made through the form. Screenshots of each state go to
 * test-results/e2e/screens.
 */
import { expect, test, type Page } from '@playwright/test';

const SCREENS = 'test-results/e2e/screens';

async function ready(page: Page): Promise<void> {
  await expect(page.locator('#progress')).toHaveAttribute('data-stage', 'ready', { timeout: 120_000 });
}

async function run(page: Page): Promise<string> {
  const before = await page.locator('#history li').count();
  await page.locator('#run').click();
  await expect(page.locator('#history li')).toHaveCount(before + 1, { timeout: 60_000 });
  return (await page.locator('#result').getAttribute('data-outcome')) ?? '';
}

/** The terminal's last line with text on it, as xterm.js draws it. */
async function lastTerminalLine(page: Page): Promise<string> {
  const rows = await page.locator('#terminal .xterm-rows > div').allTextContents();
  return rows.filter((t) => t.trim() !== '').at(-1)?.trim() ?? '';
}

const foreign: string[] = [];

test.beforeEach(({ page, baseURL }) => {
  foreign.length = 0;
  // The page's own origin is whatever the config serves it from (MODLAB_E2E_PORT moves it).
  const own = new URL(baseURL ?? page.url()).host;
  page.on('request', (req) => {
    const url = new URL(req.url());
    if (url.protocol.startsWith('http') && url.host !== own) foreign.push(req.url());
  });
});

test.afterEach(() => {
  // No request may leave the page's own origin.
  expect(foreign).toEqual([]);
});

test('2.4.20 boots, create_module answers an address, then EEXIST, then EPERM as uid 65534', async ({ page }) => {
  const t0 = Date.now();
  await page.goto('./');
  await ready(page);
  console.log(`page ready in ${Date.now() - t0} ms`);
  await expect(page.locator('#progress')).toContainText('Linux 2.4.20');
  // The boot log is folded to one line above the console (e2e/boot-notes.spec.ts unfolds it).
  await expect(page.locator('#boot-log')).toHaveText(/Linux 2\.4\.20 boot log, [1-9]\d+ lines/);
  await page.screenshot({ path: `${SCREENS}/1-ready.png` });

  await page.locator('#f-name').fill('hello');
  await page.locator('#f-size').fill('4096');
  expect(await run(page)).toBe('success');
  await expect(page.locator('#result h3')).toHaveText(/returned 0xc[89a-f][0-9a-f]{6}/);
  await expect(page.locator('#result')).toContainText('vmalloc area');
  await expect(page.locator('#result pre')).toContainText(/hello\s+4096\s+\(uninitialized\)/);
  await page.screenshot({ path: `${SCREENS}/2-success.png` });

  expect(await run(page)).toBe('EEXIST');
  await expect(page.locator('#result')).toContainText('A module by that name already exists.');
  await page.screenshot({ path: `${SCREENS}/3-eexist.png` });

  await page.locator('#f-as').selectOption('uid');
  await page.locator('#f-uid').fill('65534');
  await page.locator('#f-name').fill('nobody');
  expect(await run(page)).toBe('EPERM');
  await expect(page.locator('#result')).toContainText('CAP_SYS_MODULE');
  await page.screenshot({ path: `${SCREENS}/4-eperm.png` });

  // Invalid input is refused as it is typed, with the reason beside the form.
  await page.locator('#f-size').fill('0x1ffffffff');
  await expect(page.locator('#f-error')).toContainText('size must be between 0 and 4294967295');
  await expect(page.locator('#run')).toBeDisabled();
  await page.screenshot({ path: `${SCREENS}/5-invalid.png` });

  // Typing in the console reaches the agent's shell on ttyS0.
  await page.locator('#terminal').click();
  await page.keyboard.type('cat /proc/modules\n');
  await expect(page.locator('#terminal')).toContainText(/hello\s+4096 \(uninitialized\)/);

  // The share button gives a link that carries the call and asks to run it.
  await page.locator('#f-size').fill('8192');
  await page.locator('#share').click();
  await expect(page.locator('#share-link')).toHaveValue(/call=create_module&name=nobody&size=8192&uid=65534&run=1$/);
  await expect(page.locator('#f-error')).toHaveText('');

  // History survives a reload, and the machine saved in IndexedDB comes back without a boot.
  const t1 = Date.now();
  await page.reload();
  await expect(page.locator('#history li')).toHaveCount(3);
  await expect(page.locator('#history li').first()).toContainText('EPERM');
  await ready(page);
  console.log(`page ready after reload in ${Date.now() - t1} ms`);
  await expect(page.locator('#progress')).toContainText('restored from a saved machine');
  // The boot log is replayed from the snapshot (and folded to its line again).
  await expect(page.locator('#boot-log')).toHaveText(/Linux 2\.4\.20 boot log, [1-9]\d+ lines/);
  await expect(page.locator('#terminal')).toContainText(/restored a saved machine \(taken at agent-ready\) in \d+ ms/);

  // Reset brings back the machine as it was at agent-ready: the module is gone.
  await page.locator('#f-as').selectOption('root');
  await page.locator('#f-name').fill('hello');
  await page.locator('#f-size').fill('4096');
  expect(await run(page)).toBe('success');
  expect(await run(page)).toBe('EEXIST');
  await page.locator('#reset').click();
  await expect(page.locator('#terminal')).toContainText(/machine 2 is ready \(reset in \d+ ms\)/);
  expect(await run(page)).toBe('success');
  await page.screenshot({ path: `${SCREENS}/8-after-reset.png` });
});

test('query_module and get_kernel_syms from the form: each shows its own arguments, and the card what the kernel wrote', async ({ page }) => {
  await page.goto('./?kernel=2.4.20&call=create_module&name=hello&size=4096&run=1');
  await ready(page);
  await expect(page.locator('#result')).toHaveAttribute('data-outcome', 'success', { timeout: 60_000 });

  await page.locator('#f-call').selectOption('query_module');
  await expect(page.locator('#f-size')).toBeHidden();
  await expect(page.getByRole('combobox', { name: 'which', exact: true })).toHaveValue('QM_MODULES');
  await expect(page.getByRole('textbox', { name: 'bufsize' })).toHaveValue('65536');
  await page.getByRole('combobox', { name: 'name is' }).selectOption('null');
  expect(await run(page)).toBe('success');
  await expect(page.locator('#result')).toContainText('query_module(NULL, QM_MODULES, buf[65536], 65536, &ret) on Linux 2.4.20');
  await expect(page.locator('#result h3')).toHaveText('returned 0');
  await expect(page.locator('#result')).toContainText('The kernel wrote back: QM_MODULES: hello');
  await page.screenshot({ path: `${SCREENS}/14-query-module.png` });
  await page.locator('#share').click();
  await expect(page.locator('#share-link')).toHaveValue(/\?kernel=2\.4\.20&call=query_module&null=1&which=QM_MODULES&bufsize=65536&run=1$/);

  await page.locator('#f-call').selectOption('get_kernel_syms');
  await expect(page.locator('#f-kind')).toBeHidden();
  await expect(page.getByRole('combobox', { name: 'table is' })).toHaveValue('null');
  expect(await run(page)).toBe('success');
  await expect(page.locator('#result')).toContainText('get_kernel_syms(NULL) on Linux 2.4.20');
  await expect(page.locator('#result h3')).toHaveText(/^returned [1-9][0-9]*$/);
  await expect(page.locator('#history li').first()).toContainText('get_kernel_syms(NULL) = ');
  await page.screenshot({ path: `${SCREENS}/15-get-kernel-syms.png` });

  // A long name that repeats no short unit gets no link, said plainly and not as an error.
  await page.locator('#f-call').selectOption('create_module');
  await page.getByRole('combobox', { name: 'name is' }).selectOption('string');
  await page.locator('#f-name').fill(Array.from({ length: 1000 }, (_, i) => i).join(''));
  await page.locator('#share').click();
  await expect(page.locator('#share-note')).toContainText('The name is too long for a link');
  await expect(page.locator('#share-link')).toBeHidden();
  await expect(page.locator('#f-error')).toHaveText('');

  // The longest link wraps on a phone: the page never scrolls sideways.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.locator('#f-name').fill('x'.repeat(2000));
  await page.locator('#share').click();
  await expect(page.locator('#share-link')).toHaveValue(/^http.*&run=1$/);
  expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBe(0);
});

test('6.1 answers ENOSYS', async ({ page }) => {
  await page.goto('./?kernel=6.1&call=create_module&name=hello&size=4096');
  await ready(page);
  await expect(page.locator('#progress')).toContainText('Linux 6.1');
  expect(await run(page)).toBe('ENOSYS');
  await expect(page.locator('#result')).toContainText('removed in Linux 2.6');
  await page.screenshot({ path: `${SCREENS}/6-enosys.png` });

  // A program runs on 6.1 too: the man page's program, compiled in the page, gets ENOSYS both ways.
  await page.locator('#tab-code').click();
  await page.getByLabel('Template').selectOption('create_module');
  await page.locator('#code-run').click();
  await expect(page.locator('#code-result')).toHaveAttribute('data-outcome', 'exit:0', { timeout: 60_000 });
  await expect(page.locator('#code-output pre.stdout')).toContainText('create_module("first", 4096) = -1, errno 38 ENOSYS');
  await expect(page.locator('#code-output pre.stdout')).toContainText('syscall(SYS_create_module, "second", 8192) = -1, errno 38 ENOSYS');
  await expect(page.locator('#history li').first()).toContainText('[6.1] ./create_module → exit 0');

  // Back on 2.4.20, 6.1's answer is not left standing as if it were this kernel's.
  await page.locator('#kernel').selectOption('2.4.20');
  await expect(page.locator('#result')).toBeHidden();
  await ready(page);
  await expect(page.locator('#progress')).toContainText('Linux 2.4.20');
  // Reset ends on the guest shell's own prompt, not on modlab's note.
  await page.locator('#reset').click();
  await expect(page.locator('#terminal')).toContainText(/machine 2 is ready \(reset in \d+ ms\)/);
  await expect.poll(() => lastTerminalLine(page), { timeout: 10_000 }).toBe('modlab#');
});

test('a shared link reproduces a call, and a crash brings up a fresh machine', async ({ page }) => {
  await page.goto('./?kernel=2.4.20&call=create_module&name=huge&size=0xffffffff&run=1');
  await ready(page);
  await expect(page.locator('#result')).toHaveAttribute('data-outcome', 'crash:oops', { timeout: 60_000 });
  await expect(page.locator('#result pre')).toContainText('kernel BUG at vmalloc.c');
  await expect(page.locator('#terminal')).toContainText('machine 2 is ready', { timeout: 60_000 });
  await expect.poll(() => lastTerminalLine(page), { timeout: 10_000 }).toBe('modlab#');
  await page.screenshot({ path: `${SCREENS}/7-shared-crash.png` });
  await page.locator('#f-size').fill('4096');
  await page.locator('#f-name').fill('after');
  expect(await run(page)).toBe('success');
});

test('the tour runs on all five kernels as a matrix, and the Tour tab steps through it on the running kernel', async ({ page }) => {
  // Five kernels one after another, two of them (2.6.17, 6.1) booting for ~15-30 s when not stored yet.
  test.setTimeout(330_000);
  await page.goto('./?kernel=2.4.27');
  await ready(page);

  await page.locator('#tab-compare').click();
  await page.locator('#compare-tour').click();
  await expect(page.locator('#compare-status')).toHaveAttribute('data-state', 'done', { timeout: 290_000 });
  await expect(page.locator('#matrix tr')).toHaveCount(11);
  // Columns by version: the call disappears between 2.4.27 and 2.6.17.
  await expect(page.locator('#matrix tr').first().locator('th')).toContainText(['2.4.18', '2.4.20', '2.4.27', '2.6.17', '6.1']);
  const cell = (kernel: string, step: number) => page.locator(`#matrix button[data-kernel="${kernel}"][data-step="${step}"]`);
  // Success everywhere the call exists; ENOSYS, as documented, on 6.1.
  await expect(cell('2.4.20', 0)).toHaveText(/^0xc8800000 ✓/);
  await expect(cell('6.1', 0)).toHaveText('ENOSYS ✓');
  // The man page's boundary: an ordinary call succeeds before 2.6 and is ENOSYS from 2.6.17 on.
  await expect(cell('2.4.27', 6)).toHaveText(/^0xc[89a-f][0-9a-f]{6} –/);
  await expect(cell('2.6.17', 6)).toHaveText('ENOSYS ✓');
  // The ENOMEM step: 2.4.27 as documented, 2.4.20 and 2.4.18 BUG inside vmalloc.
  await expect(cell('2.4.27', 4)).toHaveText(/^ENOMEM ✓/);
  await expect(cell('2.4.20', 4)).toHaveText(/^oops ✗/);
  await expect(cell('2.4.18', 4)).toHaveAttribute('data-verdict', 'differs');
  await expect(page.locator('#matrix tr.differs')).toHaveCount(1);
  await expect(cell('2.4.20', 8)).toHaveText('ENAMETOOLONG');
  await page.screenshot({ path: `${SCREENS}/9-tour-matrix.png`, fullPage: true });

  await cell('2.4.20', 4).click();
  await expect(page.locator('#cell-detail')).toBeVisible();
  await expect(page.locator('#cell-card pre')).toContainText('kernel BUG at vmalloc.c');
  await expect(page.locator('#cell-verdict')).toContainText('not what the man page says');
  await page.screenshot({ path: `${SCREENS}/10-cell-detail.png` });
  await page.locator('#cell-close').click();

  await page.locator('#tab-tour').click();
  await page.locator('#tour-run').click();
  await expect(page.locator('#tour-verdict')).toHaveAttribute('data-verdict', 'as-documented');
  await page.locator('#tour-next').click();
  await expect(page.locator('#tour-claim')).toHaveText('EEXIST');
  await page.locator('#tour-run').click();
  await expect(page.locator('#tour-result')).toHaveAttribute('data-outcome', 'EEXIST');
  await page.locator('#tour-next').click();
  await page.locator('#tour-next').click();
  await page.locator('#tour-next').click();
  await expect(page.locator('#tour-claim')).toHaveText('ENOMEM');
  await page.locator('#tour-run').click();
  await expect(page.locator('#tour-result')).toHaveAttribute('data-outcome', 'ENOMEM');
  await expect(page.locator('#tour-verdict')).toContainText('as the man page says');
  await page.screenshot({ path: `${SCREENS}/11-tour-step.png` });
});

test('Load a module: hello is created, linked, loaded, queried and removed, its memory drawn', async ({ page }) => {
  await page.goto('./?kernel=2.4.20');
  await ready(page);
  await page.locator('#tab-module').click();
  const next = page.locator('#module-next');

  await next.click();
  await expect(page.locator('#module-result')).toHaveAttribute('data-outcome', 'success');
  await expect(page.locator('#module-proc')).toContainText(/hello\s+\d+ \(uninitialized\)/);

  await next.click();
  await expect(page.locator('#module-map-wrap')).toBeVisible();
  await expect(page.locator('#module-map [data-part=".text"]')).toBeVisible();
  await expect(page.locator('#module-map [data-part="struct module"]')).toBeVisible();
  await expect(page.locator('#module-symbols')).toContainText(/printk\s*printk_R[0-9a-f]{8}/);
  await expect(page.locator('#module-map-caption')).toContainText('init_module() at 0xc88');

  await next.click();
  await expect(page.locator('#terminal')).toContainText('modlab hello: init_module ran at c88');
  await expect(page.locator('#module-proc')).toContainText(/hello\s+\d+\s+0 \(unused\)/);
  await page.screenshot({ path: `${SCREENS}/12-module-loaded.png` });

  await next.click();
  await expect(page.locator('#module-status')).toContainText('MOD_RUNNING');
  await next.click();
  await expect(page.locator('#terminal')).toContainText('modlab hello: cleanup_module ran');
  await expect(page.locator('#module-proc')).toHaveText('(empty)');
  await expect(next).toBeDisabled();
  await page.screenshot({ path: `${SCREENS}/13-module-removed.png` });
});

/** A module typed into the editor: the student's own, not a template. */
const TYPED_MODULE = `#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/init.h>

MODULE_LICENSE("GPL");

static int __init typed_init(void)
{
	printk(KERN_INFO "typed: written in the lab\\n");
	return 0;
}

static void __exit typed_exit(void)
{
	printk(KERN_INFO "typed: gone again\\n");
}

module_init(typed_init);
module_exit(typed_exit);
`;

test('Write code: a module typed into the editor compiles, loads with its printk shown and unloads; probe fails with ENODEV, oops crashes; each file keeps its source', async ({ page }) => {
  test.setTimeout(240_000);
  await page.goto('./?kernel=2.4.20');
  await ready(page);
  await page.locator('#tab-code').click();
  const content = page.locator('#code-editor .cm-content');
  await expect(content).toContainText('module_init(hello_init);');
  await expect(page.locator('#code-name')).toHaveValue('hello_world');

  // Typed (inserted as input, as an IME would: no auto-closed brackets to fight).
  await content.click();
  await page.keyboard.press('Control+A');
  await page.keyboard.insertText(TYPED_MODULE);
  await expect(content).toContainText('typed: written in the lab');
  await page.locator('#code-name').fill('typed');
  await page.locator('#code-compile').click();
  await expect(page.locator('#code-status')).toHaveAttribute('data-compile', 'ok');
  await expect(page.locator('#code-diagnostics')).toBeHidden();
  console.log(`typed module: ${await page.locator('#code-status').textContent()}`);

  await page.locator('#code-load').click();
  await expect(page.locator('#code-status')).toContainText('typed is loaded and running');
  await expect(page.locator('#code-steps li')).toHaveCount(3);
  await expect(page.locator('#code-steps')).toContainText('typed: written in the lab');
  await expect(page.locator('#terminal')).toContainText('typed: written in the lab');
  await expect(page.locator('#code-result')).toHaveAttribute('data-outcome', 'success');
  await expect(page.locator('#code-proc')).toContainText(/typed\s+\d+\s+0 \(unused\)/);
  await expect(page.locator('#history li').first()).toContainText('init_module("typed"');
  await page.screenshot({ path: `${SCREENS}/15-write-code-loaded.png` });

  await page.locator('#code-unload').click();
  await expect(page.locator('#code-status')).toContainText('typed is unloaded');
  await expect(page.locator('#terminal')).toContainText('typed: gone again');
  await expect(page.locator('#code-proc')).toHaveText('(empty)');

  // Tab leaves the editor (no indentWithTab): the page stays keyboard-usable.
  await content.click();
  await page.keyboard.press('Control+End');
  await page.keyboard.press('Tab');
  await expect(content).not.toBeFocused();

  // A missing semicolon on the line after the last one (line 20).
  await content.click();
  await page.keyboard.press('Control+End');
  await page.keyboard.type('int broken(void) { return 1 }');
  await page.locator('#code-compile').click();
  await expect(page.locator('#code-status')).toHaveAttribute('data-compile', 'failed');
  await expect(page.locator('#code-diagnostics')).toContainText('module.c:20: error:');
  await expect(page.locator('#code-editor .cm-lint-marker-error')).toHaveCount(1);

  // The probe template: init_module answers ENODEV and the module stays, uninitialized.
  await page.getByLabel('Template').selectOption('probe');
  await expect(content).toContainText('return -ENODEV;');
  await expect(page.locator('#code-name')).toHaveValue('probe');
  await expect(page.locator('#code-diagnostics')).toBeHidden();
  await page.locator('#code-load').click();
  await expect(page.locator('#code-result')).toHaveAttribute('data-outcome', 'ENODEV');
  await expect(page.locator('#code-status')).toContainText('init_module failed with ENODEV: probe stays in the kernel uninitialized');
  await expect(page.locator('#code-steps')).toContainText('probe: no device found');
  await expect(page.locator('#code-proc')).toContainText(/probe\s+\d+ \(uninitialized\)/);

  // The oops template: a crash card, and a clean machine that loads the next module.
  await page.getByLabel('Template').selectOption('oops');
  await page.locator('#code-load').click();
  await expect(page.locator('#code-result')).toHaveAttribute('data-outcome', 'crash:oops', { timeout: 60_000 });
  await expect(page.locator('#code-result pre')).toContainText('Unable to handle kernel NULL pointer dereference');
  await expect(page.locator('#code-status')).toContainText('a clean machine took over');
  await expect(page.locator('#terminal')).toContainText('machine 2 is ready', { timeout: 60_000 });
  // hello_world's file holds the typed module (and its broken line): back to the template, name and all.
  await page.getByLabel('Template').selectOption('hello_world');
  await expect(content).toContainText('int broken(void)');
  await page.locator('#code-use-template').click();
  await expect(content).not.toContainText('int broken(void)');
  await expect(page.locator('#code-name')).toHaveValue('hello_world');
  await page.locator('#code-load').click();
  await expect(page.locator('#code-status')).toContainText('hello_world is loaded and running');
  // The clean machine has no probe left from the old one.
  await expect(page.locator('#code-proc')).not.toContainText('probe');

  // counter_user says what it needs; each file keeps its own text across a reload.
  await page.getByLabel('Template').selectOption('counter_user');
  await expect(page.locator('#code-needs')).toContainText('load counter first');
  await page.getByLabel('Template').selectOption('probe');
  await content.click();
  await page.keyboard.press('Control+End');
  await page.keyboard.type('/* my probe */');
  await page.reload();
  await page.locator('#tab-code').click();
  await expect(content).toContainText('/* my probe */');
  await page.getByLabel('Template').selectOption('hello_world');
  await expect(content).toContainText('module_init(hello_init);');
  await page.getByLabel('Template').selectOption('probe');
  await expect(content).toContainText('/* my probe */');
});

test('Write code: the create_module program runs in the guest and prints an address; its share link opens the tab with the code, not run', async ({ page }) => {
  await page.goto('./?kernel=2.4.20');
  await ready(page);
  await page.locator('#tab-code').click();
  const content = page.locator('#code-editor .cm-content');
  await expect(content).toBeVisible();
  await page.getByLabel('Template').selectOption('create_module');
  await expect(content).toContainText('create_module');
  await expect(page.getByLabel('a program')).toBeChecked();
  await expect(page.locator('#code-run')).toBeVisible();
  await expect(page.locator('#code-load')).toBeHidden();

  const t0 = Date.now();
  await page.locator('#code-run').click();
  await expect(page.locator('#code-result')).toHaveAttribute('data-outcome', 'exit:0', { timeout: 60_000 });
  console.log(`create_module program compiled and ran in ${Date.now() - t0} ms: ${await page.locator('#code-status').textContent()}`);
  await expect(page.locator('#code-output pre.stdout')).toContainText(/0xc[89a-f][0-9a-f]{6}/);
  await expect(page.locator('#history li').first()).toContainText(/^\[2\.4\.20\] \.\/create_module.* → exit 0/);
  await page.screenshot({ path: `${SCREENS}/16-write-code-program.png` });

  // The teacher's change, then the link: it carries the source, its kind and name.
  await content.click();
  await page.keyboard.press('Control+Home');
  await page.keyboard.insertText('/* Exercise 3: call it twice. */\n');
  await page.locator('#code-share').click();
  const link = page.locator('#code-share-link');
  await expect(link).toBeVisible();
  const url = await link.inputValue();
  expect(url).toMatch(/\/\?kernel=2\.4\.20#kind=program&name=create_module&code=[A-Za-z0-9_-]+$/);

  // A student opens it: Write code, the code in the editor, nothing run.
  const runs = await page.locator('#history li').count();
  await page.goto('about:blank');
  await page.goto(url);
  await ready(page);
  await expect(page.locator('#view-code')).toBeVisible();
  await expect(page.locator('#code-status')).toContainText('This link brought a program (create_module');
  await expect(page.locator('#code-status')).toContainText('Nothing has run');
  await expect(content).toContainText('/* Exercise 3: call it twice. */');
  await expect(page.locator('#code-template')).toHaveValue('link');
  await expect(page.getByLabel('a program')).toBeChecked();
  await page.waitForTimeout(1000);
  await expect(page.locator('#history li')).toHaveCount(runs);
  await expect(page.locator('#code-result')).toBeHidden();

  // A link cut short says so in a sentence, and the editor keeps the student's code.
  await page.goto('about:blank');
  await page.goto(url.slice(0, -12));
  await expect(page.locator('#code-status')).toContainText('The code in this link is damaged');
  await expect(content).toContainText('/* Exercise 3: call it twice. */');
});

test('a reload in the middle of a call, and a browser that refuses to store history: the lab carries on', async ({ page, context }) => {
  await page.goto('./?kernel=2.4.20&call=create_module&name=first&size=4096&run=1');
  await ready(page);
  await expect(page.locator('#history li')).toHaveCount(1);
  // A 4,000-byte name goes over the serial line (bigger ones take the bulk window, in
  // milliseconds) and takes a while to reach the kernel: reload while it is on its way.
  await page.locator('#f-name').fill('n'.repeat(4000));
  await page.locator('#run').click();
  await page.reload();
  await ready(page);
  await expect(page.locator('#progress')).toContainText('restored from a saved machine');
  await expect(page.locator('#history li')).toHaveCount(1);
  await expect(page.locator('#history li').first()).toContainText('create_module("first", 4096)');

  // Storage full: saving history throws; the page says so and keeps the results.
  await context.addInitScript(() => {
    Storage.prototype.setItem = () => {
      throw new DOMException('quota exceeded', 'QuotaExceededError');
    };
  });
  await page.reload();
  await ready(page);
  await page.locator('#f-name').fill('second');
  expect(await run(page)).toBe('success');
  await expect(page.locator('#terminal')).toContainText('this browser does not let the lab store anything here');
  await expect(page.locator('#history li')).toHaveCount(2);
});

test('IndexedDB refusing to store the machine (quota): reported, and the lab runs on the booted machine', async ({ page, context }) => {
  await context.addInitScript(() => {
    IDBObjectStore.prototype.put = function () {
      throw new DOMException('quota exceeded', 'QuotaExceededError');
    };
  });
  await page.goto('./?kernel=2.4.27&call=create_module&name=quota&size=4096&run=1');
  await ready(page);
  // Said once, in the page's one sentence for storage refused (web/storage-notice.ts), not in the store's own words.
  await expect(page.locator('#terminal')).toContainText('this browser does not let the lab store anything here');
  await expect(page.locator('#terminal')).not.toContainText('saved for next time');
  await expect(page.locator('#result')).toHaveAttribute('data-outcome', 'success', { timeout: 60_000 });
  // The snapshot still lives in the page's memory: Reset is a restore.
  await page.locator('#reset').click();
  await expect(page.locator('#terminal')).toContainText(/machine 2 is ready \(reset in \d+ ms\)/);
});

test('guest output makes no link and sets no title: an OSC 8 module name shown by lsmod stays text', async ({ page }) => {
  const opened: string[] = [];
  page.on('popup', (p) => opened.push(`popup ${p.url()}`));
  // xterm.js asks before it follows a link; accepting would open the site.
  page.on('dialog', (d) => {
    opened.push(`dialog ${d.message()}`);
    void d.accept();
  });
  await page.goto('./');
  await ready(page);
  const title = await page.title();
  await page.locator('#f-name').fill('\x1b]8;;https://example.org/\x1b\\clickme\x1b]8;;\x1b\\\x1b]0;owned\x07');
  await page.locator('#f-size').fill('4096');
  expect(await run(page)).toBe('success');
  // The address bar follows the form; from here on nothing may change it.
  const url = page.url();

  await page.locator('#terminal').click();
  await page.keyboard.type('lsmod\n');
  const row = page.locator('#terminal .xterm-rows > div', { hasText: /^clickme\s+4096/ }).last();
  await expect(row).toBeVisible();
  const box = await row.boundingBox();
  if (!box) throw new Error('the lsmod line has no box');
  // The name is the line's first seven columns; a link there would turn the pointer into a hand.
  await page.mouse.move(box.x + 20, box.y + box.height / 2);
  await page.screenshot({ path: `${SCREENS}/20-osc8-lsmod.png` });
  await expect(page.locator('#terminal .xterm-cursor-pointer')).toHaveCount(0);
  await page.mouse.click(box.x + 20, box.y + box.height / 2);
  await page.waitForTimeout(1000);
  expect(opened).toEqual([]);
  expect(page.url()).toBe(url);
  expect(await page.title()).toBe(title);
});

test('a link modlab cannot use says what is wrong and runs nothing', async ({ page }) => {
  await page.goto('./?kernel=2.6.99&call=create_module&name=linked&size=4096&run=1');
  await ready(page);
  await expect(page.locator('#f-error')).toContainText('This link cannot be used as it is, so nothing was run: the link asks for kernel "2.6.99"');
  await page.screenshot({ path: `${SCREENS}/21-bad-link.png` });
  await page.waitForTimeout(2000);
  await expect(page.locator('#history li')).toHaveCount(0);
  await expect(page.locator('#result')).not.toHaveAttribute('data-outcome', /./);

  await page.goto('./?repeat=a&times=-1&run=1');
  await ready(page);
  await expect(page.locator('#f-error')).toContainText('the link gives repeat, times but names no call');
  await page.waitForTimeout(2000);
  await expect(page.locator('#history li')).toHaveCount(0);
});

test('the server sends the hosting headers, its policy the page’s own plus frame-ancestors', async ({ page }) => {
  const response = await page.goto('./');
  const headers = response?.headers() ?? {};
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['referrer-policy']).toBe('no-referrer');
  expect(headers['cross-origin-opener-policy']).toBe('same-origin');
  // Other sites may frame the lab (?embed=1 on a slide or a course page).
  expect(headers['x-frame-options']).toBeUndefined();
  const meta = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  expect(headers['content-security-policy']).toBe(`${meta ?? ''}; frame-ancestors *`);
  // The kernels are served with the same headers, so they are never sniffed as a page.
  const kernel = await page.request.get('./kernels/2.4.20.img', { headers: { range: 'bytes=0-0' } });
  expect(kernel.headers()['x-content-type-options']).toBe('nosniff');
});

test('keyboard alone: Tab leaves the console for the views and the form, and Enter runs the call', async ({ page }) => {
  await page.goto('./?kernel=2.4.20');
  await ready(page);
  await page.locator('.xterm-helper-textarea').focus();
  await page.keyboard.press('Tab');
  await expect(page.locator('#tab-call')).toBeFocused();
  await page.keyboard.press('Shift+Tab');
  await expect(page.locator('.xterm-helper-textarea')).toBeFocused();
  await expect(page.locator('#terminal')).not.toContainText('[Z');
  await page.locator('#f-name').focus();
  await page.keyboard.press('Control+A');
  await page.keyboard.type('bykeys');
  await page.keyboard.press('Enter');
  await expect(page.locator('#history li').first()).toContainText('create_module("bykeys", 4096)');
});

test('a kernel image of your own: opened, listed as file:<version>, booted and called; a link names it and asks for the file', async ({ page }) => {
  const mirror = process.env['MODLAB_IMAGE_MIRROR'] ?? '../shared/kernel-images';
  await page.goto('./');
  await ready(page);
  // Random bytes are refused with a sentence; the running machine is not replaced by nothing.
  await page.locator('#kernel-file').setInputFiles({ name: 'random.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(65536, 0x5a) });
  await expect(page.locator('#progress')).toContainText('random.bin is not a Linux boot image');
  await expect(page.locator('#progress')).toHaveAttribute('data-stage', 'failed');

  await page.locator('#kernel-file').setInputFiles(`${mirror}/linux-2.4.27/bzImage`);
  await ready(page);
  await expect(page.locator('#progress')).toContainText('Linux 2.4.27-rudefault');
  await expect(page.locator('#kernel')).toHaveValue('file:2.4.27-rudefault');
  await page.locator('#f-name').fill('mine');
  await page.locator('#f-size').fill('4096');
  expect(await run(page)).toBe('success');
  await page.screenshot({ path: `${SCREENS}/user-kernel.png` });
  const url = new URL(page.url());
  expect(url.searchParams.get('kernel')).toBe('file:2.4.27-rudefault');
  expect(url.searchParams.get('sha256')).toBe('c9bb5dd5914a076e48b520ee1a9e423ad99686d92ba247590c162faa997278ad');
  expect(url.searchParams.get('file')).toBe('bzImage');

  // The link opens on the default kernel and says which file to open; nothing runs until it is.
  url.searchParams.set('run', '1');
  await page.goto(url.href);
  await ready(page);
  await expect(page.locator('#f-error')).toContainText('This link was made on a kernel image of its own, file:2.4.27-rudefault');
  await expect(page.locator('#history li')).toHaveCount(1);
});
