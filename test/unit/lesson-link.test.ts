/**
 * Lessons in links (web/lesson-link.ts): a lesson goes into a fragment and
 * comes back whole; a damaged, oversized or hostile fragment gives one
 * sentence and no lesson, and a small link never inflates into a large one.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { MAX_LESSON_BYTES, readLesson } from '../../web/lesson.ts';
import { lessonFragment, readLessonFragment } from '../../web/lesson-link.ts';

async function deflate(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const compressed = new Uint8Array(await new Response(new Blob([bytes]).stream().pipeThrough(new CompressionStream('deflate-raw'))).arrayBuffer());
  return Buffer.from(compressed).toString('base64url');
}

async function problemOf(hash: string): Promise<string> {
  const r = await readLessonFragment(hash);
  assert.ok(r !== null && 'problem' in r, `${hash.slice(0, 40)} gave ${JSON.stringify(r)?.slice(0, 80)}`);
  return r.problem;
}

test('the shipped lesson survives its link, compressed', async () => {
  const read = readLesson(readFileSync('scenarios/lessons/man-page-tour.json', 'utf8'), 'tour');
  assert.ok('lesson' in read);
  const fragment = await lessonFragment(read.lesson.text);
  assert.match(fragment, /^#lesson=[A-Za-z0-9_-]+$/);
  assert.ok(fragment.length < read.lesson.text.length * 0.6, `${fragment.length} characters for ${read.lesson.text.length}`);
  const back = await readLessonFragment(fragment);
  assert.ok(back && 'lesson' in back);
  assert.equal(back.lesson.text, read.lesson.text);
  assert.deepEqual(back.lesson.scenario.steps, read.lesson.scenario.steps);
  assert.equal(back.lesson.scenario.annotations[1]?.question, 'The very same call again. What now?');
  // Beside other fragment parameters too.
  assert.ok(await readLessonFragment(`#x=1&${fragment.slice(1)}`));
});

test('a fragment without a lesson is no lesson link', async () => {
  assert.equal(await readLessonFragment(''), null);
  assert.equal(await readLessonFragment('#'), null);
  assert.equal(await readLessonFragment('#kind=module&name=x&code=AAAA'), null);
});

test('a damaged, oversized or hostile link is one sentence, and nothing is run', async () => {
  const good = await lessonFragment('{"steps":[{"call":"delete_module","name":"x"}]}');
  assert.match(await problemOf('#lesson='), /carries none/);
  assert.match(await problemOf('#lesson=a+b/c'), /damaged/);
  assert.match(await problemOf('#lesson=A'), /damaged/);
  assert.match(await problemOf(good.slice(0, -6)), /damaged/);
  assert.match(await problemOf(`#lesson=${'A'.repeat(100_001)}`), /too long \(100001 characters; a lesson may have at most 64 KiB\)/);
  // A few hundred bytes that inflate past the limit are stopped there.
  const bomb = await deflate(new Uint8Array(MAX_LESSON_BYTES * 4).fill(0x20));
  assert.ok(bomb.length < 1000);
  assert.match(await problemOf(`#lesson=${bomb}`), /over 64 KiB once decompressed/);
  assert.match(await problemOf(`#lesson=${await deflate(new Uint8Array([0xff, 0xfe, 0x80]))}`), /not text/);
  assert.equal(await problemOf(`#lesson=${await deflate(new TextEncoder().encode('{"steps": [{"call": "reboot"}]}'))}`), 'The lesson in this link: step 0: "call" must be one of create_module, delete_module, init_module, query_module, get_kernel_syms, got "reboot". Nothing was run.');
  assert.match(await problemOf(`#lesson=${await deflate(new TextEncoder().encode('<script>alert(1)</script>'))}`), /^The lesson in this link is not valid JSON/);
  for (const problem of [await problemOf('#lesson=%%%'), await problemOf('#lesson=AAAA')]) assert.match(problem, /\. Nothing was run\.$|damaged/);
});
