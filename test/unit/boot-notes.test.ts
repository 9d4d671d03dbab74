import assert from 'node:assert/strict';
import { test } from 'node:test';
import { harmlessLines, harmlessNote } from '../../web/boot-notes.ts';

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

test('the note counts and quotes them; a boot without any gets none', () => {
  assert.match(harmlessNote('PIIX3: detected chipset, but driver not compiled in!\n') ?? '', /^one line of the boot log above reads like an error but is harmless on v86's emulated PC:\r\n {2}· "PIIX3: detected chipset, but driver not compiled in!": v86 emulates/);
  assert.match(harmlessNote('ACPI: Unable to locate RSDP\nBIOS bug, MP table errors detected!...\n') ?? '', /^2 lines .* are harmless on v86's emulated PC:\r\n {2}· "ACPI: Unable to locate RSDP": .*\r\n {2}· "BIOS bug/);
  assert.equal(harmlessNote('Freeing unused kernel memory: 220k freed\n'), null);
});
