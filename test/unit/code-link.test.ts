/**
 * Code in share links: a source goes into a fragment and comes back whole;
 * damaged, oversized or hostile fragments give a sentence, never an
 * exception, and a small link never inflates into a large source.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { codeFragment, MAX_SHARED_SOURCE, readCodeFragment, sourceProblem, type SharedCode } from '../../web/code-link.ts';

async function roundTrip(code: SharedCode): Promise<string> {
  const fragment = await codeFragment(code);
  assert.match(fragment, /^#kind=(module|program)&name=[A-Za-z0-9_-]+&code=[A-Za-z0-9_-]*$/);
  assert.deepEqual(await readCodeFragment(fragment), { code });
  return fragment;
}

async function deflate(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const compressed = new Uint8Array(await new Response(new Blob([bytes]).stream().pipeThrough(new CompressionStream('deflate-raw'))).arrayBuffer());
  return Buffer.from(compressed).toString('base64url');
}

test('a module and a program survive the link, and C source compresses', async () => {
  const hello = '#include <linux/module.h>\n\nstatic int __init hello_init(void)\n{\n\tprintk(KERN_INFO "hello, world\\n");\n\treturn 0;\n}\n'.repeat(20);
  const fragment = await roundTrip({ kind: 'module', name: 'hello_world', source: hello });
  assert.ok(fragment.length < hello.length / 4, `${fragment.length} characters for ${hello.length}`);
  await roundTrip({ kind: 'program', name: 'create_module', source: 'int main(int argc, char **argv) { return 0; }\n' });
  await roundTrip({ kind: 'module', name: 'x', source: '' });
  await roundTrip({ kind: 'module', name: 'utf', source: '/* é ✓ 𝄞 */\n' });
  await fc.assert(
    fc.asyncProperty(fc.string({ maxLength: 300 }), fc.constantFrom<SharedCode['kind']>('module', 'program'), async (source, kind) => {
      await roundTrip({ kind, name: 'p', source });
    }),
    { numRuns: 50 },
  );
});

test('a fragment without code is no code link; an old call link is left alone', async () => {
  assert.equal(await readCodeFragment(''), null);
  assert.equal(await readCodeFragment('#'), null);
  assert.equal(await readCodeFragment('#kind=module&name=x'), null);
});

test('the size limit holds on both sides', async () => {
  assert.equal(sourceProblem('x'.repeat(MAX_SHARED_SOURCE)), null);
  assert.match(sourceProblem('x'.repeat(MAX_SHARED_SOURCE + 1)) ?? '', /over the 64 KiB a link may carry/);
  // 64 KiB of zeros and one byte more: a few hundred characters of link that would inflate past the limit.
  const bomb = await deflate(new Uint8Array(MAX_SHARED_SOURCE + 1));
  assert.ok(bomb.length < 1000);
  assert.deepEqual(await readCodeFragment(`#code=${bomb}`), { problem: 'The code in this link is over 64 KiB once decompressed, more than a link may carry.' });
  const huge = await deflate(new Uint8Array(50 * 1024 * 1024));
  assert.match(JSON.stringify(await readCodeFragment(`#code=${huge}`)), /over 64 KiB once decompressed/);
  assert.match(JSON.stringify(await readCodeFragment(`#code=${'A'.repeat(200_000)}`)), /too long \(200000 characters/);
});

test('damaged, hostile and foreign fragments give one sentence each, never an exception', async () => {
  const good = await codeFragment({ kind: 'module', name: 'hello', source: 'int x;\n'.repeat(100) });
  const problem = async (hash: string): Promise<string> => {
    const r = await readCodeFragment(hash);
    assert.ok(r && 'problem' in r, `${hash}: ${JSON.stringify(r)}`);
    assert.match(r.problem, /^The (link|code in this link) [^\n]*\.$/);
    return r.problem;
  };
  assert.match(await problem(good.slice(0, -10)), /damaged \(it does not decompress\)/);
  assert.match(await problem('#code=!!!!'), /not base64url/);
  assert.match(await problem('#code=A'), /not base64url/);
  assert.match(await problem(`#code=${await deflate(new Uint8Array([0xff, 0xfe, 0x80]))}`), /not valid UTF-8/);
  assert.match(await problem('#kind=__proto__&code='), /a module or a program only/);
  assert.match(await problem('#name=../../etc/passwd&code='), /names its code "\.\.\/\.\.\/etc\/passwd"/);
  assert.match(await problem('#name=&code='), /names its code ""/);
  await fc.assert(
    fc.asyncProperty(fc.string({ maxLength: 200 }), async (code) => {
      const r = await readCodeFragment(`#${new URLSearchParams([['code', code]]).toString()}`);
      assert.ok(r !== null && ('code' in r || typeof r.problem === 'string'));
    }),
    { numRuns: 200 },
  );
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), async (bytes) => {
      const r = await readCodeFragment(`#code=${Buffer.from(bytes).toString('base64url')}`);
      assert.ok(r !== null && ('code' in r || typeof r.problem === 'string'));
    }),
    { numRuns: 200 },
  );
});
