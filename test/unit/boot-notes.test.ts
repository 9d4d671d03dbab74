import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bootLogSummary, harmlessLines, markHarmless } from '../../web/boot-notes.ts';

test('the known harmless lines are found once each, timestamps dropped; others are left alone', () => {
  const log = [
    'Linux version 6.1.0-50-686',
    '[    2.869884] ACPI BIOS Error (bug): A valid RSDP was not found (20220331/tbxfroot-210)',
    '[    4.120133] BIOS bug, MP table errors detected!...',
    '[    4.120200] BIOS bug, MP table errors detected!...',
    'Kernel panic - not syncing: VFS: Unable to mount root fs',
    'Checking for popad bug... OK.',
    '[   37.931387] mce: Unable to init MCE device (rc: -5)',
  ].join('\r\n');
  assert.deepEqual(harmlessLines(log).map((l) => l.line), [
    'ACPI BIOS Error (bug): A valid RSDP was not found (20220331/tbxfroot-210)',
    'BIOS bug, MP table errors detected!...',
    'mce: Unable to init MCE device (rc: -5)',
  ]);
});

test('shown, each harmless line is greyed and the first of its kind has a row saying why; the rest is as printed', () => {
  const log = 'Linux version 2.4.20\r\nPIIX3: detected chipset, but driver not compiled in!\r\nok\r\nPIIX3: detected chipset, but driver not compiled in!\r\nmodlab# ';
  const rows = markHarmless(log).split('\r\n');
  assert.equal(rows[0], 'Linux version 2.4.20');
  assert.equal(rows[1], '\x1b[38;2;150;150;150mPIIX3: detected chipset, but driver not compiled in!\x1b[0m');
  assert.ok(rows[2]?.startsWith("\x1b[36m  ↳ harmless on v86's emulated PC: v86 emulates an Intel PIIX3 "), rows[2]);
  assert.ok(rows[2]?.endsWith('.\x1b[0m'), rows[2]);
  assert.equal(rows[3], 'ok');
  assert.equal(rows[4], '\x1b[38;2;150;150;150mPIIX3: detected chipset, but driver not compiled in!\x1b[0m');
  assert.equal(rows[5], 'modlab# ');
  assert.equal(rows.length, 6);
  // A log with none of them is drawn as it came.
  assert.equal(markHarmless('Freeing unused kernel memory: 220k freed\r\n'), 'Freeing unused kernel memory: 220k freed\r\n');
});

test('the folded line counts the log\'s lines and the harmless ones', () => {
  assert.equal(bootLogSummary('2.4.20', 'a\r\nPIIX3: detected chipset, but driver not compiled in!\r\n\r\nBIOS bug, MP table errors detected!...\r\nmodlab# '), 'Linux 2.4.20 boot log, 4 lines (2 harmless warnings explained)');
  assert.equal(bootLogSummary('6.1.0', 'one\n'), 'Linux 6.1.0 boot log, 1 line');
});
