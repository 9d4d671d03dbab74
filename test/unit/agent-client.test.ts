/**
 * The typed agent client over its transport, fed the agent's frames by hand:
 * each request gets its own reply type decoded, and a reply of another type,
 * a malformed payload or no reply by the deadline is a TransportError, never
 * a wrong answer. (The real agent answers in the kernel suites.)
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AgentClient } from '../../harness/agent/client.ts';
import { TransportError } from '../../harness/errors.ts';
import { encodeFrame, FrameDecoder, FrameType, PayloadWriter, REQUESTS, type Frame } from '../../harness/protocol.ts';

/** A client whose requests are decoded here, and a way to answer them. */
function rig() {
  const sent: Frame[] = [];
  const decoder = new FrameDecoder();
  const client = new AgentClient((bytes) => sent.push(...decoder.push(bytes)));
  const answer = (type: number, payload: Uint8Array, id = sent.at(-1)?.id ?? 0) => {
    for (const b of encodeFrame({ type, id, payload })) client.feedByte(b);
  };
  return { client, sent, answer };
}

test('every request in the table names a reply type of its own', () => {
  const replies = Object.values(REQUESTS).map((r) => r.reply);
  assert.equal(new Set(replies).size, replies.length);
  for (const r of Object.values(REQUESTS)) assert.notEqual(r.type, r.reply);
});

test('a call is encoded, and its RESULT decoded to a typed reply', async () => {
  const { client, sent, answer } = rig();
  const reply = client.request('call', { syscall: 127, uid: null, args: [{ kind: 'value', value: 7 }] }, 1000);
  await Promise.resolve();
  assert.equal(sent[0]?.type, FrameType.Call);
  answer(FrameType.Result, new PayloadWriter().u32(0).u32(0xc8800000).finish());
  assert.deepEqual(await reply, { outcome: 'returned', eax: 0xc8800000, out: [] });
});

test('a reply of the wrong type or a malformed one is refused by name', async () => {
  const { client, answer } = rig();
  const wrongType = client.request('read', { path: '/proc/modules' }, 1000, 'reading /proc/modules');
  answer(FrameType.Pong, new Uint8Array(0));
  await assert.rejects(wrongType, (e: unknown) => e instanceof TransportError && e.reason === 'agent' && /reading \/proc\/modules: the agent answered with frame type 0x31, not 0x21/.test(e.message));
  const malformed = client.request('link', { base: 0, path: '/modules/hello.o', name: 'hello' }, 1000);
  answer(FrameType.Linked, new Uint8Array(3));
  await assert.rejects(malformed, (e: unknown) => e instanceof TransportError && /malformed reply/.test(e.message));
  const pong = client.request('ping', {}, 1000);
  answer(FrameType.Pong, new Uint8Array(1));
  await assert.rejects(pong, /malformed reply/, 'PONG carries nothing');
});

test('no reply by the deadline is a timeout; an agent ERROR is the agent refusing', async () => {
  const { client, answer } = rig();
  await assert.rejects(client.request('ping', {}, 20), (e: unknown) => e instanceof TransportError && e.reason === 'timeout');
  const refused = client.request('ping', {}, 1000);
  answer(FrameType.Error, new TextEncoder().encode('unknown frame type'));
  await assert.rejects(refused, (e: unknown) => e instanceof TransportError && e.reason === 'agent' && /unknown frame type/.test(e.message));
});

test('READY carries the release and version; EXIT is sent without waiting', async () => {
  const { client, sent, answer } = rig();
  const ready = client.ready(1000, 'ready');
  answer(FrameType.Ready, new TextEncoder().encode('2.4.20\0#1 Boot Everywhere\0'), 0);
  assert.deepEqual(await ready, { release: '2.4.20', version: '#1 Boot Everywhere' });
  client.exit();
  assert.equal(sent.at(-1)?.type, FrameType.Exit);
});
