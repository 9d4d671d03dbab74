/**
 * The CLI's refusals: input modlab cannot use is reported with exit code 2
 * (3 for a missing image) before any kernel boots, so these run in seconds.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/modlab.mjs', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'modlab-cli-'));

function modlab(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function scenario(content: unknown): string {
  const file = join(tmp, `s${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

const refusals: Array<[string, string[], RegExp]> = [
  ['unknown kernel', ['call', 'create_module', 'x', '4096', '--kernel', '2.6.9'], /--kernel "2\.6\.9" is not a kernel modlab knows; choose one of 2\.4\.18, 2\.4\.20, 2\.4\.27, 2\.6\.17, 6\.1/],
  ['malformed size', ['call', 'create_module', 'x', '12k'], /SIZE must be a number in decimal or 0x hex, got "12k"/],
  ['size above 32 bits', ['call', 'create_module', 'x', '0x100000000'], /SIZE must be between 0 and 4294967295/],
  ['negative uid', ['call', 'create_module', 'x', '1', '--uid', '-1'], /--uid must be a number/],
  ['unknown call', ['call', 'frob_module', 'x'], /unknown call "frob_module"; modlab call takes create_module, delete_module, init_module, query_module, get_kernel_syms/],
  ['init_module without an image', ['call', 'init_module', 'x'], /init_module needs an IMAGE \(NULL, @0xADDR, hex:… \(bytes\) or module:hello/],
  ['query_module with an unknown which', ['call', 'query_module', 'x', 'QM_ALL'], /WHICH must be one of QM_MODULES, QM_DEPS, QM_REFS, QM_SYMS, QM_INFO or a number, got "QM_ALL"/],
  ['an image that is not hex', ['call', 'init_module', 'x', 'hex:abc'], /IMAGE must be null, .*an even number of hex digits/],
  ['missing size', ['call', 'create_module', 'x'], /create_module needs a SIZE/],
  ['extra argument', ['call', 'delete_module', 'x', '5'], /unexpected argument "5"; delete_module takes NAME$/m],
  ['a call named like an inherited property', ['call', 'toString'], /unknown call "toString"; modlab call takes create_module/],
  ['a which named like an inherited property', ['call', 'query_module', 'x', 'constructor'], /WHICH must be one of QM_MODULES, QM_DEPS, QM_REFS, QM_SYMS, QM_INFO or a number, got "constructor"/],
  ['a module named like an inherited property', ['call', 'init_module', 'x', 'module:constructor'], /IMAGE module must be one of hello, hello_user, hello_fail, got "constructor"/],
  ['a size module named like an inherited property', ['call', 'create_module', 'x', 'module:__proto__'], /SIZE module must be one of hello, hello_user, hello_fail, got "__proto__"/],
  ['bad pointer', ['call', 'create_module', '@0xzz', '1'], /NAME pointer must be a number/],
  ['unknown option', ['call', 'create_module', 'x', '1', '--fast'], /unknown option --fast/],
  ['unknown command', ['frobnicate'], /unknown command "frobnicate"/],
  ['missing scenario file', ['run', join(tmp, 'absent.json')], /cannot read scenario .*absent\.json: ENOENT/],
  ['unknown kernel in --kernels', ['tour', '--kernels', '2.4.20,2.2'], /--kernels entry "2\.2" is not a kernel modlab knows/],
  ['a kernel twice in --kernels', ['tour', '--kernels', '2.4.20,2.4.20'], /--kernels names 2\.4\.20 twice/],
  ['--kernel given to compare', ['tour', '--kernel', '2.4.20'], /takes --kernels \(a comma-separated list\)/],
  ['compare without a scenario', ['compare'], /modlab compare needs a SCENARIO\.json file/],
];

for (const [what, args, message] of refusals) {
  test(`refuses ${what} with exit 2 and says why`, () => {
    const r = modlab(args);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, message);
    assert.equal(r.stdout, '');
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  });
}

test('refuses a broken scenario naming the step and field', () => {
  const r = modlab(['run', scenario({ steps: [{ call: 'create_module', name: 'a', size: 1 }, { call: 'create_module', name: 'b', size: -4 }] })]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /step 1: "size" must be between 0 and 4294967295/);
});

test('refuses a name over 64 KiB before it reaches the guest', () => {
  const r = modlab(['run', scenario({ steps: [{ call: 'create_module', name: 'x'.repeat(65537), size: 1 }] })]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /step 0: "name" is 65537 bytes long; modlab passes names of up to 65536 bytes/);
});

test('refuses a scenario with a malformed man-page claim, naming the step', () => {
  const r = modlab(['compare', scenario({ steps: [{ call: 'create_module', name: 'a', size: 4096, manPage: { errno: 'ENOPE', says: 'x' } }] })]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /step 0: "manPage"\."errno" must be an errno name such as "EEXIST", or null for success; got "ENOPE"/);
});

test('refuses scenario fields named like inherited properties, naming the field', () => {
  const cases: Array<[unknown, RegExp]> = [
    [{ steps: [{ call: 'toString', name: 'a' }] }, /step 0: "call" must be one of create_module, delete_module, init_module, query_module, get_kernel_syms, got "toString"/],
    [{ steps: [{ call: 'query_module', name: 'a', which: 'constructor' }] }, /step 0: "which" must be one of QM_MODULES, QM_DEPS, QM_REFS, QM_SYMS, QM_INFO or a number, got "constructor"/],
    [{ steps: [{ call: 'init_module', name: 'a', image: { module: 'hasOwnProperty' } }] }, /step 0: "image"\.module must be one of hello, hello_user, hello_fail, got "hasOwnProperty"/],
    [{ kernel: 'valueOf', steps: [{ call: 'delete_module', name: 'a' }] }, /"kernel" "valueOf" is not a kernel modlab knows/],
  ];
  for (const [content, re] of cases) {
    const r = modlab(['run', scenario(content)]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, re);
  }
});

test('refuses a scenario that is not JSON', () => {
  const r = modlab(['run', scenario('{"steps": [')]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /is not valid JSON/);
});

test('a missing kernel image is one clear sentence with exit 3', () => {
  const r = modlab(['call', 'create_module', 'x', '4096', '--kernel', '2.4.27'], {
    MODLAB_CACHE_DIR: join(tmp, 'empty-cache'),
    MODLAB_IMAGE_MIRROR: join(tmp, 'no-mirror'),
    MODLAB_NO_DOWNLOAD: '1',
  });
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /^modlab: Kernel image 2\.4\.27 not found: looked in .*empty-cache.*no-mirror/);
  assert.match(r.stderr, /MODLAB_IMAGE_MIRROR/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
});

test('help lists the commands', () => {
  const r = modlab(['--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /modlab run SCENARIO\.json/);
});
