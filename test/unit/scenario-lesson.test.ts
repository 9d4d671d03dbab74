/**
 * A scenario step's lesson text: "question" and "hint" (the Lesson tab reads
 * them; the CLI runs such a file as any scenario). Good input keeps the
 * text; bad input is one sentence naming the step and the field.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_LESSON_TEXT, parseScenario } from '../../harness/calls/scenario.ts';
import { InputError } from '../../harness/errors.ts';

const step = { call: 'create_module', name: 'x', size: 4096 };

function parse(steps: unknown[]): ReturnType<typeof parseScenario> {
  return parseScenario(JSON.stringify({ steps }), 'lesson.json');
}

test('a question and a hint are kept for their step; steps without them carry none', () => {
  const s = parse([{ ...step, question: 'What now?', hint: 'Think of the size.' }, step, { ...step, hint: 'Only a hint.' }]);
  assert.equal(s.annotations[0]?.question, 'What now?');
  assert.equal(s.annotations[0]?.hint, 'Think of the size.');
  assert.deepEqual(s.annotations[1], { note: null, manPage: null });
  assert.equal(s.annotations[2]?.question, undefined);
  assert.equal(s.annotations[2]?.hint, 'Only a hint.');
  // The call itself is what it was without them.
  assert.deepEqual(s.steps[0], parse([step]).steps[0]);
  assert.equal(parse([{ ...step, question: 'q'.repeat(MAX_LESSON_TEXT) }]).annotations[0]?.question?.length, MAX_LESSON_TEXT);
});

test('a question or hint that is not text, is empty or too long is named with its step', () => {
  const cases: Array<[unknown[], string]> = [
    [[step, { ...step, question: 42 }], 'step 1: "question" must be text (the question the student is asked before the answer); got 42'],
    [[{ ...step, hint: null }], 'step 0: "hint" must be text (a hint the student may ask for); got null'],
    [[{ ...step, hint: '   ' }], 'step 0: "hint" must be text (a hint the student may ask for); got "   "'],
    [[{ ...step, question: ['a'] }], 'step 0: "question" must be text (the question the student is asked before the answer); got ["a"]'],
    [[{ ...step, question: 'q'.repeat(MAX_LESSON_TEXT + 1) }], `step 0: "question" is ${MAX_LESSON_TEXT + 1} characters long; a question may have at most ${MAX_LESSON_TEXT}`],
    [[{ ...step, questoin: 'typo' }], 'step 0: unknown field "questoin" for create_module; allowed: call, name, size, uid, note, manPage, question, hint'],
  ];
  for (const [steps, message] of cases) {
    assert.throws(() => parse(steps), (e: unknown) => e instanceof InputError && e.message.replace(/^step/, 'step') === message, message);
  }
});
