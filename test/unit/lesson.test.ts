/**
 * Lessons, the pure part (web/lesson.ts): the choices a step offers, grading
 * against the kernel's answer, the score, which steps a run replays, the
 * call in words, and reading a lesson (the shipped ones, and hostile text).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { callJson, type Call } from '../../harness/calls/model.ts';
import type { CallRecord, CallResult } from '../../harness/calls/record.ts';
import { parseScenario } from '../../harness/calls/scenario.ts';
import { answerOf, callInWords, choicesFor, grade, MAX_LESSON_BYTES, MAX_LESSON_STEPS, readLesson, replayPlan, revealText, score, scoreText, type Lesson } from '../../web/lesson.ts';

const create: Call = { call: 'create_module', name: { kind: 'string', text: 'tour' }, size: 4096, uid: 0 };

function record(result: CallResult, call: Call = create): CallRecord {
  return { kind: 'call', call, kernel: '2.4.20', machine: 1, result, recovered: result.kind === 'crash', elapsedMs: 5, console: '' };
}
const address = record({ kind: 'success', ret: 0xc8800000 });
const eexist = record({ kind: 'errno', errno: 17, errnoName: 'EEXIST', during: 'call' });
const oops = record({ kind: 'crash', crash: 'oops', console: 'kernel BUG at vmalloc.c:242!', detail: '' });
const enotty = record({ kind: 'errno', errno: 25, errnoName: 'ENOTTY', during: 'call' });
const setuidFailed = record({ kind: 'errno', errno: 1, errnoName: 'EPERM', during: 'setuid' });

function lesson(text: string, source = 'lesson.json'): Lesson {
  const r = readLesson(text, source);
  if ('problem' in r) assert.fail(r.problem);
  return r.lesson;
}

test('the choices: success, the errnos the call\'s man page explains in its order, and a crash; the same for every step of a call', () => {
  const values = choicesFor('create_module').map((c) => c.value);
  assert.deepEqual(values, ['success', 'EPERM', 'EEXIST', 'EINVAL', 'ENOMEM', 'EFAULT', 'ENOSYS', 'ENAMETOOLONG', 'crash']);
  assert.deepEqual(choicesFor('delete_module').map((c) => c.value), ['success', 'EPERM', 'ENOENT', 'EINVAL', 'EBUSY', 'EFAULT', 'ENOSYS', 'crash']);
  assert.deepEqual(choicesFor('get_kernel_syms').map((c) => c.value), ['success', 'ENOSYS', 'crash']);
  assert.equal(choicesFor('create_module').find((c) => c.value === 'EEXIST')?.label, 'EEXIST (errno 17)');
  assert.match(choicesFor('create_module')[0]?.label ?? '', /an address/);
  // No step's list is only its right answer: every call offers several.
  for (const call of ['create_module', 'delete_module', 'init_module', 'query_module', 'get_kernel_syms'] as const) assert.ok(choicesFor(call).length >= 3, call);
});

test('grading: the kernel\'s answer against the choice, and said when it was not among the choices', () => {
  const choices = choicesFor('create_module');
  assert.equal(answerOf(address), 'success');
  assert.equal(answerOf(oops), 'crash');
  assert.equal(answerOf(eexist), 'EEXIST');
  // A failed setuid is no answer of the kernel to the call.
  assert.equal(answerOf(setuidFailed), null);
  assert.deepEqual(grade('success', address, choices), { right: true });
  assert.deepEqual(grade('EEXIST', eexist, choices), { right: true });
  assert.deepEqual(grade('ENOMEM', oops, choices), { right: false, inList: true });
  assert.deepEqual(grade('crash', oops, choices), { right: true });
  assert.deepEqual(grade('EINVAL', enotty, choices), { right: false, inList: false });
  assert.deepEqual(grade('EPERM', setuidFailed, choices), { right: false, inList: false });
  assert.equal(revealText('success', address, choices), 'Right: the kernel answered 0xc8800000, an address.');
  assert.equal(revealText('ENOMEM', oops, choices), 'Not this time. You expected “ENOMEM (errno 12)”; the kernel answered with a crash (oops).');
  assert.equal(revealText('EINVAL', enotty, choices), 'Not this time. You expected “EINVAL (errno 22)”; the kernel answered ENOTTY, which was not among the choices.');
  assert.match(revealText('EPERM', setuidFailed, choices), /the call was not made \(setuid failed with EPERM\), which was not among the choices/);
});

test('the score counts right answers among those given, and says when the lesson is done', () => {
  assert.deepEqual(score(new Map(), 10), { right: 0, answered: 0, total: 10 });
  const s = score(new Map([[0, true], [1, false], [3, true]]), 10);
  assert.deepEqual(s, { right: 2, answered: 3, total: 10 });
  assert.equal(scoreText(s), 'Score: 2 of 3 right (7 of 10 steps to go).');
  assert.equal(scoreText(score(new Map([[0, true], [1, false]]), 2)), 'Lesson done: 1 of 2 right.');
});

test('a run replays what the step builds on, from a clean machine, starting after a step that crashed', () => {
  const none = new Set<number>();
  // Nothing known: reset, then every step up to this one.
  assert.deepEqual(replayPlan(-1, 3, none), { reset: true, from: 0 });
  // The steps before ran on this machine: only this one.
  assert.deepEqual(replayPlan(2, 3, none), { reset: false, from: 3 });
  // Further on: the skipped steps run first.
  assert.deepEqual(replayPlan(1, 4, none), { reset: false, from: 2 });
  // Back to an earlier step: reset and replay.
  assert.deepEqual(replayPlan(5, 2, none), { reset: true, from: 0 });
  // A crash left a clean machine: nothing before it needs to run again, nor the crash itself.
  assert.deepEqual(replayPlan(-1, 6, new Set([4])), { reset: true, from: 5 });
  assert.deepEqual(replayPlan(-1, 4, new Set([4])), { reset: true, from: 0 });
  assert.deepEqual(replayPlan(-1, 9, new Set([1, 6])), { reset: true, from: 7 });
});

test('the call in words', () => {
  assert.equal(callInWords(create), 'Ask the kernel to reserve 4096 bytes for a module, with the name "tour", as root.');
  assert.equal(callInWords({ ...create, name: { kind: 'null' }, size: 0x10000000, uid: 65534 }), 'Ask the kernel to reserve 268435456 bytes (256 MiB) for a module, with a NULL name pointer, as uid 65534, not root.');
  assert.equal(callInWords({ ...create, name: { kind: 'string', text: 'n'.repeat(4096) } }), 'Ask the kernel to reserve 4096 bytes for a module, with a name 4096 characters long, as root.');
  assert.equal(callInWords({ ...create, name: { kind: 'pointer', address: 0xc0100000 } }), 'Ask the kernel to reserve 4096 bytes for a module, with a name pointer of 0xc0100000, as root.');
  assert.equal(callInWords({ call: 'create_module', name: { kind: 'string', text: 'hello' }, size: { module: 'hello' }, uid: 0 }), 'Ask the kernel to reserve the size hello.o needs for a module, with the name "hello", as root.');
  assert.equal(callInWords({ call: 'delete_module', name: { kind: 'string', text: '' }, uid: 0 }), 'Ask the kernel to remove the module with an empty name "", as root.');
  assert.match(callInWords({ call: 'init_module', name: { kind: 'string', text: 'hello' }, image: { kind: 'module', module: 'hello' }, uid: 0 }), /hello\.o, linked for the address create_module gave/);
  assert.match(callInWords({ call: 'query_module', name: { kind: 'string', text: 'hello' }, which: 'QM_INFO', bufsize: 16, uid: 0 }), /QM_INFO\), into a buffer of 16 bytes/);
  assert.match(callInWords({ call: 'get_kernel_syms', table: null, uid: 0 }), /NULL table \(only their number\)/);
});

test('the shipped lessons read, every step has a question and a hint, and the tour lesson puts the tour\'s own calls', () => {
  for (const file of ['scenarios/lessons/man-page-tour.json', 'scenarios/lessons/module-by-hand.json']) {
    const l = lesson(readFileSync(file, 'utf8'), file);
    assert.ok(l.scenario.description, file);
    for (const [i, a] of l.scenario.annotations.entries()) {
      assert.ok(a.question && a.hint && a.note, `${file} step ${i}`);
      // A hint that names the right answer gives it away.
      const answerWord = a.manPage?.errno;
      if (answerWord) assert.ok(!a.hint.includes(answerWord) && !a.question.includes(answerWord), `${file} step ${i} names ${answerWord}`);
    }
  }
  const tour = parseScenario(readFileSync('scenarios/man-page-tour.json', 'utf8'));
  const tourLesson = lesson(readFileSync('scenarios/lessons/man-page-tour.json', 'utf8')).scenario;
  assert.deepEqual(tourLesson.steps.map(callJson), tour.steps.map(callJson));
  assert.deepEqual(tourLesson.steps.map((c) => c.uid), tour.steps.map((c) => c.uid));
  assert.deepEqual(tourLesson.annotations.map((a) => [a.note, a.manPage]), tour.annotations.map((a) => [a.note, a.manPage]));
});

test('a lesson is written back compactly for its link, and hostile or unusable text is one sentence', () => {
  const l = lesson('{\n  "steps": [ { "call": "delete_module", "name": "x", "question": "Gone?" } ]\n}');
  assert.equal(l.text, '{"steps":[{"call":"delete_module","name":"x","question":"Gone?"}]}');
  assert.equal(l.title, 'lesson.json');
  const problems: Array<[string, RegExp]> = [
    ['{', /^The lesson file x\.json is not valid JSON \(.*\)\. Nothing was run\.$/],
    ['[1]', /^The lesson file x\.json must be a JSON object/],
    ['{"steps": [{"call": "create_module", "name": "x", "size": 1, "hint": 7}]}', /^The lesson file x\.json: step 0: "hint" must be text .* Nothing was run\.$/],
    [`{"steps": [${'['.repeat(40)}${']'.repeat(40)}]}`, /nests its JSON 42 levels deep/],
    [JSON.stringify({ steps: Array.from({ length: MAX_LESSON_STEPS + 1 }, () => ({ call: 'delete_module', name: 'x' })) }), /has 101 steps; a lesson may have at most 100/],
    ['{"steps": [{"call": "create_module", "name": "m", "size": {"module": {"file": "mods/m.c"}}}]}', /step 0 names a module file of its own, which a lesson in the lab cannot read/],
    [JSON.stringify({ description: 'x'.repeat(MAX_LESSON_BYTES), steps: [] }), /is 65\d{3} bytes; a lesson may have at most 64 KiB/],
  ];
  for (const [text, re] of problems) {
    const r = readLesson(text, 'The lesson file x.json');
    assert.ok('problem' in r && re.test(r.problem), `${text.slice(0, 60)} → ${'problem' in r ? r.problem : 'read'}`);
  }
});
