/**
 * Faults injected into real machines, each ending in a clear message or an
 * automatic recovery with the results so far intact: a guest that stops
 * answering, noise on both serial ports in both directions, the emulator
 * destroyed in the middle of a call, and snapshot storage that fails.
 * Faults are timed by what the machine shows (console bytes, request bytes
 * written), each with a deadline, never by sleeping.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { boot, type Machine } from '../../node/boot.ts';
import type { CallRecord } from '../../harness/calls/record.ts';
import { SnapshotCache, type SnapshotStore } from '../../harness/machine/snapshot.ts';
import { PROTOCOL_VERSION } from '../../harness/protocol.ts';
import { LONG } from './man-page.ts';

/** The frame channel's inbound side: bytes from the guest, and what its decoder dropped. */
interface Channel {
  feedByte(b: number): void;
  decoderStats: { badCrc: number; badHeader: number; skippedBytes: number };
}
/** The emulator under a machine, for injecting faults from outside the guest. */
interface Emu {
  agent: { channel: Channel };
  v86: { stop(): Promise<void>; serial_send_bytes(port: number, bytes: Uint8Array): void };
  destroy(): Promise<void>;
}
const internals = (m: Machine): Emu => (m as unknown as { emu: Emu }).emu;
const channel = (m: Machine): Channel => internals(m).agent.channel;

/**
 * Resolves when `ready()` holds, checked on every event `subscribe` reports, or
 * rejects with `what` at the deadline: waiting on what the machine does, not on a clock.
 */
function until(what: string, deadlineMs: number, subscribe: (check: () => void) => void, ready: () => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    let done = false;
    const timer = setTimeout(() => {
      done = true;
      reject(new Error(`${what}: not seen within ${deadlineMs} ms`));
    }, deadlineMs);
    const check = (): void => {
      if (done || !ready()) return;
      done = true;
      clearTimeout(timer);
      resolve();
    };
    subscribe(check);
    check();
  });
}

/** Bytes from a fixed-seed generator, so a failure can be replayed. */
function noise(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  // Plant fake frame headers announcing long frames: the worst noise for a decoder.
  for (let i = 0; i + 12 < n; i += 97) out.set([0x4d, 0x4c, PROTOCOL_VERSION, 0x11, 1, 0, 0, 0, 0, 0, 8, 0], i);
  return out;
}

const ok = (r: CallRecord): string => (r.result.kind === 'success' ? 'ok' : r.result.kind === 'errno' ? r.result.errnoName : `crash:${r.result.crash}`);

test('a guest that stops answering: the call ends at its deadline as a hang, and a clean machine takes over', LONG, async () => {
  const m = await boot({ kernel: '2.4.20', callTimeoutMs: 1500 });
  try {
    assert.equal(ok(await m.createModule('before', 4096)), 'ok');
    await internals(m).v86.stop();
    const t0 = performance.now();
    const r = await m.createModule('frozen', 4096);
    assert.equal(ok(r), 'crash:hang');
    assert.equal(r.recovered, true);
    assert.ok(performance.now() - t0 < 15_000, 'the deadline held');
    assert.equal(m.generation, 2);
    assert.equal(ok(await m.createModule('before', 4096)), 'ok', 'the new machine is clean');
  } finally {
    await m.close();
  }
});

test('noise on the protocol port, both ways, and on the console: every call still gets its one right answer', LONG, async () => {
  const m = await boot({ kernel: '2.4.27' });
  try {
    const emu = internals(m);
    const link = channel(m);
    const answers: string[] = [];
    for (let i = 0; i < 20; i++) {
      // Host to agent: garbage ahead of the request (the agent must resynchronise).
      emu.v86.serial_send_bytes(1, noise(300, i + 1));
      // Agent to host: garbage as if the line had corrupted the reply stream.
      for (const b of noise(200, i + 101)) link.feedByte(b);
      // And on the console, where a person types.
      emu.v86.serial_send_bytes(0, noise(64, i + 201).map((b) => (b === 10 ? 32 : b)));
      answers.push(ok(await m.createModule(`noisy${i}`, 4096)));
      answers.push(ok(await m.createModule(`noisy${i}`, 4096)));
    }
    assert.deepEqual(answers, Array.from({ length: 40 }, (_, i) => (i % 2 ? 'EEXIST' : 'ok')));
    const stats = link.decoderStats;
    assert.ok(stats.skippedBytes > 0 && stats.badHeader + stats.badCrc > 0, `the decoder counted the noise it dropped: ${JSON.stringify(stats)}`);
    assert.equal(m.generation, 1, 'no recovery was needed');
    assert.match(await m.readProcModules(), /^noisy19\s/m);
  } finally {
    await m.close();
  }
});

test('^S typed on the console does not stop the agent (its console has no XON/XOFF)', LONG, async () => {
  let consoleText = '';
  let onByte = (): void => undefined;
  const m = await boot({
    kernel: '2.4.20',
    callTimeoutMs: 5000,
    onConsole: (b) => {
      consoleText += String.fromCharCode(b);
      onByte();
    },
  });
  try {
    const emu = internals(m);
    const start = consoleText.length;
    const since = (): string => consoleText.slice(start);
    const count = (re: RegExp): number => since().match(re)?.length ?? 0;
    // XOFF, then enough shell output to fill the tty's output buffer had it stopped:
    // 200 lines, each answered by the shell with its help text (~600 bytes) and a prompt.
    emu.v86.serial_send_bytes(0, Uint8Array.of(0x13));
    for (let i = 0; i < 200; i++) emu.v86.serial_send_bytes(0, new TextEncoder().encode('help\n'));
    // The shell has answered every line: all of its output got out after the ^S.
    await until('the shell answering all 200 lines after ^S', 60_000, (check) => (onByte = check), () => count(/modlab# /g) >= 200);
    // The ^S was an ordinary character: the first line read "^Shelp", which the shell did not know.
    assert.equal(count(/unknown command/g), 1, since().slice(0, 400));
    assert.equal(count(/commands:\r?\n/g), 199, 'the help text, once for each line but the first');
    assert.equal(ok(await m.createModule('after_xoff', 4096)), 'ok');
    assert.equal(m.generation, 1);
  } finally {
    await m.close();
  }
});

test('the emulator destroyed in the middle of a call: a clear error, and the machine comes back on reset', LONG, async () => {
  const m = await boot({ kernel: '2.4.18' });
  try {
    const done = await m.createModule('kept', 4096);
    assert.equal(ok(done), 'ok');
    // Watch the protocol port's host-to-guest side: the request (a 4,000-byte name and a
    // 4,000-byte image: each below the size that goes through the bulk memory window, together
    // four times the 2 KiB send window) goes out a window at a time, each window after the
    // agent has acknowledged the one before.
    const v86 = internals(m).v86;
    const send = v86.serial_send_bytes.bind(v86);
    let writes = 0;
    let sent = 0;
    let sentAtSecondWrite = 0;
    let onWrite = (): void => undefined;
    v86.serial_send_bytes = (port, bytes) => {
      send(port, bytes);
      if (port !== 1) return;
      writes++;
      sent += bytes.length;
      if (writes === 2) sentAtSecondWrite = sent;
      onWrite();
    };
    const pending = m.call({ call: 'init_module', name: { kind: 'string', text: 'm'.repeat(4000) }, image: { kind: 'bytes', bytes: new Uint8Array(4000) }, uid: 0 });
    // A second write means the agent is reading the request: the call is under way, and not all of it is there yet.
    await until('the agent acknowledging part of the request', 15_000, (check) => (onWrite = check), () => writes >= 2);
    assert.ok(sentAtSecondWrite < 8000, `the request was still on its way when the emulator went (${sentAtSecondWrite} bytes sent)`);
    await internals(m).destroy();
    await assert.rejects(pending, /the machine was shut down/);
    await m.reset();
    assert.equal(ok(await m.createModule('kept', 4096)), 'ok', 'a clean machine after the reset');
    assert.equal(done.result.kind === 'success' && done.result.ret, 0xc880f000, 'the earlier result is untouched');
  } finally {
    await m.close();
  }
});

test('snapshot storage that fails (disk full) is reported and the machine boots anyway', LONG, async () => {
  const problems: string[] = [];
  const full: SnapshotStore = {
    location: 'a full disk',
    read: () => Promise.resolve(null),
    write: () => Promise.reject(Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' })),
    remove: () => Promise.resolve(),
  };
  const m = await boot({ kernel: '2.4.20', snapshots: new SnapshotCache(full, (p) => problems.push(p)) });
  try {
    assert.match(problems.join('\n'), /could not save the machine to a full disk: ENOSPC/);
    assert.equal(ok(await m.createModule('x', 4096)), 'ok');
    // The snapshot still lives in memory: a reset is a restore.
    await m.reset();
    assert.equal(m.restored, true);
  } finally {
    await m.close();
  }
});
