/**
 * FrameChannel's deadlines measure the guest's silence, not the length of a
 * transfer: a large request that the agent keeps acknowledging never times
 * out however long it takes, and one whose ACKs stop does. Driven with a
 * fake writer and hand-fed ACK frames; no kernel. Then the host side of the
 * bulk window, which takes large buffers off the line altogether.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AgentClient } from '../../harness/agent/client.ts';
import { FrameChannel } from '../../harness/agent/transport.ts';
import { TransportError } from '../../harness/errors.ts';
import { encodeFrame, FrameDecoder, FrameType, PayloadWriter, placeInWindow, SEND_WINDOW, WINDOW_PHYS, WINDOW_SIZE, type Frame } from '../../harness/protocol.ts';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function rig() {
  let written = 0;
  const channel = new FrameChannel((bytes) => {
    written += bytes.length;
  });
  const feed = (type: number, id: number, payload: Uint8Array) => {
    for (const b of encodeFrame({ type, id, payload })) channel.feedByte(b);
  };
  const ack = (n: number) => feed(FrameType.Ack, 0, new PayloadWriter().u32(n).finish());
  return { channel, feed, ack, written: () => written };
}

test('a transfer that keeps making progress outlives its deadline many times over', async () => {
  const { channel, feed, ack, written } = rig();
  const deadline = 60;
  const payload = new Uint8Array(16 * 1024);
  const reply = channel.request(FrameType.Call, payload, deadline, 'a slow transfer');
  let settled = false;
  reply.then(
    () => (settled = true),
    () => (settled = true),
  );
  assert.equal(written(), SEND_WINDOW, 'the first window goes out at once');
  // One window per 40 ms: the whole transfer takes ~9 deadlines.
  const t0 = performance.now();
  while (written() < payload.length + 16) {
    await sleep(40);
    assert.equal(settled, false, 'no timeout while ACKs arrive');
    ack(SEND_WINDOW);
    await Promise.resolve();
  }
  assert.ok(performance.now() - t0 > 5 * deadline);
  // The kernel's work takes less than the deadline, counted from the last byte.
  await sleep(40);
  assert.equal(settled, false);
  feed(FrameType.Result, channel.lastRequestId, new PayloadWriter().u32(0).u32(0).finish());
  assert.equal((await reply).type, FrameType.Result);
});

test('a transfer whose ACKs stop fails by its deadline', async () => {
  const { channel, ack, written } = rig();
  const t0 = performance.now();
  const reply = channel.request(FrameType.Call, new Uint8Array(16 * 1024), 50, 'a stalled transfer');
  await sleep(20);
  ack(SEND_WINDOW);
  await Promise.resolve();
  assert.equal(written(), 2 * SEND_WINDOW);
  await assert.rejects(reply, (e: unknown) => e instanceof TransportError && e.reason === 'timeout' && /a stalled transfer/.test(e.message));
  assert.ok(performance.now() - t0 >= 65, 'the deadline counted from the last progress');
  assert.ok(written() < 16 * 1024, 'never finished writing');
});

test('once written, the guest has the whole deadline for its work, then it is a timeout', async () => {
  const { channel, ack } = rig();
  const reply = channel.request(FrameType.Call, new Uint8Array(3000), 50, 'the call');
  await sleep(30);
  // The last bytes are written now, 30 ms in: the deadline starts over.
  ack(SEND_WINDOW);
  const t1 = performance.now();
  await assert.rejects(reply, (e: unknown) => e instanceof TransportError && e.reason === 'timeout');
  assert.ok(performance.now() - t1 >= 45);
});

test('an ACK past what was written extends nothing and credits nothing', async () => {
  const { channel, ack, written } = rig();
  const t0 = performance.now();
  const reply = channel.request(FrameType.Ping, new Uint8Array(0), 100, 'a ping');
  ack(16);
  await sleep(60);
  // The ping's 16 bytes are all credited already: this ACK is noise.
  ack(1000);
  await Promise.resolve();
  await assert.rejects(reply, (e: unknown) => e instanceof TransportError && e.reason === 'timeout');
  assert.ok(performance.now() - t0 < 155, 'the deadline still ran from the write, not from the noise');
  assert.equal(written(), 16);
});

/* ---- the bulk window, host side ---- */

test('large buffers are written into the window and the CALL frame only names them', async () => {
  const sent: Frame[] = [];
  const decoder = new FrameDecoder();
  const memory: Array<{ phys: number; length: number }> = [];
  const client = new AgentClient(
    (bytes) => sent.push(...decoder.push(bytes)),
    (bytes, phys) => memory.push({ phys, length: bytes.length }),
  );
  const answer = (type: number, payload: Uint8Array) => {
    for (const b of encodeFrame({ type, id: sent.at(-1)?.id ?? 0, payload })) client.feedByte(b);
  };
  const opened = client.openWindow(1000);
  answer(FrameType.WindowInfo, new PayloadWriter().u32(WINDOW_PHYS).u32(WINDOW_SIZE).finish());
  assert.deepEqual(await opened, { phys: WINDOW_PHYS, size: WINDOW_SIZE });
  const big = new Uint8Array(512 * 1024).fill(7);
  const reply = client.request('call', { syscall: 128, uid: null, args: [{ kind: 'buffer', bytes: new Uint8Array(8) }, { kind: 'buffer', bytes: big }] }, 1000);
  assert.deepEqual(memory, [{ phys: WINDOW_PHYS, length: big.length }]);
  const call = sent.at(-1);
  assert.equal(call?.type, FrameType.Call);
  assert.ok((call?.payload.length ?? 0) < 64, 'the image stayed out of the frame');
  assert.deepEqual(placeInWindow({ syscall: 128, uid: null, args: [{ kind: 'buffer', bytes: big }] }, WINDOW_SIZE).request.args, [{ kind: 'window', offset: 0, length: big.length }]);
  answer(FrameType.Result, new PayloadWriter().u32(0).u32(0).finish());
  await reply;
});

test('an agent without a window (or too old to know WINDOW) leaves every byte on the line', async () => {
  for (const refuse of [true, false]) {
    const sent: Frame[] = [];
    const decoder = new FrameDecoder();
    let wrote = 0;
    let onLine = 0;
    const client = new AgentClient(
      (bytes) => {
        onLine += bytes.length;
        sent.push(...decoder.push(bytes));
      },
      () => wrote++,
    );
    const opened = client.openWindow(1000);
    const id = sent.at(-1)?.id ?? 0;
    const reply = refuse ? encodeFrame({ type: FrameType.Error, id, payload: new TextEncoder().encode('unknown frame type') }) : encodeFrame({ type: FrameType.WindowInfo, id, payload: new Uint8Array(8) });
    for (const b of reply) client.feedByte(b);
    assert.equal(await opened, null);
    void client.request('call', { syscall: 128, uid: null, args: [{ kind: 'buffer', bytes: new Uint8Array(8192) }] }, 50).catch(() => undefined);
    assert.equal(wrote, 0);
    // The frame carries the buffer: the line is full (the rest waits for ACKs).
    assert.ok(onLine >= 2048, `${onLine} bytes on the line`);
  }
});
