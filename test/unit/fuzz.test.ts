/**
 * Property tests (fast-check) of the code that meets untrusted input: the
 * frame decoder against noise with real frames in it (every frame out
 * byte-exact and in order, nothing invented), and every parser against
 * arbitrary values, which may throw nothing but its own clear error.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ENTRIES, IMAGE, NAME, SIZE, UID, WHICH } from '../../harness/calls/args.ts';
import { callFromJson } from '../../harness/calls/model.ts';
import { InputError } from '../../harness/errors.ts';
import { encodeFrame, FrameDecoder, HEADER_SIZE, MAGIC, PROTOCOL_VERSION, type Frame } from '../../harness/protocol.ts';
import { parseScenario } from '../../harness/calls/scenario.ts';

const frameArb: fc.Arbitrary<Frame> = fc
  .tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 0xffffffff }), fc.uint8Array({ maxLength: 300 }))
  .map(([type, id, payload]) => ({ type, id, payload }));

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** A header that looks right (magic, version) and announces any length, even a huge one, then a few bytes. */
const fakeHeaderArb = fc
  .tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 0xffffffff }), fc.oneof(fc.nat({ max: 400 }), fc.integer({ min: 0, max: 0xffffffff })), fc.uint8Array({ maxLength: 40 }))
  .map(([type, id, length, tail]) => {
    const h = new Uint8Array(HEADER_SIZE);
    const view = new DataView(h.buffer);
    h.set([MAGIC[0], MAGIC[1], PROTOCOL_VERSION, type]);
    view.setUint32(4, id, true);
    view.setUint32(8, length, true);
    return concat([h, tail]);
  });

/** A real frame with one byte changed: CRC-32 catches every such change. */
const flippedFrameArb = fc.tuple(frameArb, fc.nat(), fc.integer({ min: 1, max: 255 })).map(([frame, at, xor]) => {
  const bytes = encodeFrame(frame);
  const i = at % bytes.length;
  bytes[i] = (bytes[i] as number) ^ xor;
  return bytes;
});

/**
 * A real frame cut short, as when the line drops its end. At least five bytes
 * go: a frame short of fewer could be completed by the bytes after it (its
 * missing CRC byte equal to the next frame's "M", one time in 256), which is
 * a real frame on the line, not noise.
 */
const MIN_CUT = 5;
const truncatedFrameArb = fc.tuple(frameArb, fc.nat()).map(([frame, at]) => {
  const bytes = encodeFrame(frame);
  return bytes.slice(0, at % (bytes.length - MIN_CUT + 1));
});

/** Noise: random bytes, headers that lie, damaged frames, in any mix. Never a whole valid frame. */
const noiseArb = fc.array(fc.oneof(fc.uint8Array({ maxLength: 200 }), fakeHeaderArb, flippedFrameArb, truncatedFrameArb), { maxLength: 4 }).map(concat);

/** Splits bytes into chunks of random sizes, as the serial port delivers them. */
function chunked(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const c of [...at, bytes.length]) {
    out.push(bytes.subarray(prev, c));
    prev = c;
  }
  return out;
}

/** Decodes `stream` pushed in the chunks `cuts` makes, with the decoder's counters at the end. */
function decodeAll(stream: Uint8Array, cuts: number[]): { frames: Frame[]; stats: FrameDecoder['stats'] } {
  const d = new FrameDecoder();
  const frames: Frame[] = [];
  for (const c of chunked(stream, cuts)) frames.push(...d.push(c));
  return { frames, stats: { ...d.stats } };
}

test('noise alone, however it is cut, never makes a frame', () => {
  fc.assert(
    fc.property(fc.array(noiseArb, { maxLength: 6 }), fc.array(fc.nat(), { maxLength: 12 }), (parts, cuts) => {
      const stream = concat(parts);
      const { frames, stats } = decodeAll(stream, cuts);
      assert.deepEqual(frames, [], 'the decoder invented a frame');
      assert.equal(stats.framesOk, 0);
      assert.ok(stats.skippedBytes <= stream.length, `skipped ${stats.skippedBytes} of ${stream.length} bytes`);
    }),
    { numRuns: 500 },
  );
});

test('frames embedded in noise all come out byte-exact, in order, nothing else, and the noise is what was skipped', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(noiseArb, frameArb), { minLength: 1, maxLength: 8 }), fc.array(fc.nat(), { maxLength: 12 }), (pairs, cuts) => {
      const stream = concat(pairs.flatMap(([noise, frame]) => [noise, encodeFrame(frame)]));
      const sent = pairs.map(([, frame]) => frame);
      const noiseBytes = pairs.reduce((n, [noise]) => n + noise.length, 0);
      const { frames, stats } = decodeAll(stream, cuts);
      assert.deepEqual(frames, sent);
      assert.equal(stats.framesOk, sent.length);
      // The stream ends with a frame, so every byte is either in a frame or skipped as noise: none of a frame's.
      assert.equal(stats.skippedBytes, noiseBytes);
      if (noiseBytes === 0) assert.equal(stats.badCrc + stats.badHeader, 0, 'a clean stream has nothing bad in it');
      // However the bytes were cut, the decoder saw the same stream: the same frames, the same bytes dropped.
      const whole = decodeAll(stream, []);
      assert.deepEqual(whole.frames, frames);
      assert.equal(whole.stats.skippedBytes, stats.skippedBytes);
    }),
    { numRuns: 500 },
  );
});

test('a frame cut off by the end of the stream is held back, not delivered, until its last byte arrives', () => {
  fc.assert(
    fc.property(noiseArb, frameArb, fc.nat(), (noise, frame, at) => {
      const bytes = encodeFrame(frame);
      const cut = at % bytes.length;
      const d = new FrameDecoder();
      assert.deepEqual(d.push(noise), []);
      assert.deepEqual(d.push(bytes.subarray(0, cut)), []);
      assert.deepEqual(d.push(bytes.subarray(cut)), [frame]);
    }),
    { numRuns: 500 },
  );
});

test('noise announcing a huge frame does not hold back the real frames behind it', () => {
  const fake = Uint8Array.of(0x4d, 0x4c, PROTOCOL_VERSION, 0x11, 1, 0, 0, 0, 0, 0, 8, 0); // 512 KiB promised
  const real = encodeFrame({ type: 0x11, id: 7, payload: Uint8Array.of(1, 2, 3) });
  const d = new FrameDecoder();
  assert.deepEqual(d.push(fake), []);
  const frames = d.push(real);
  assert.deepEqual(frames.map((f) => f.id), [7]);
  assert.ok(d.stats.badHeader >= 1);
});

const anyJson = fc.jsonValue({ maxDepth: 4 });

test('parsers answer any input with a value or an InputError, never anything else', () => {
  const parsers: Array<(x: unknown) => unknown> = [
    (x) => NAME.fromJson(x, 'name'),
    (x) => SIZE.fromJson(x, 'size'),
    (x) => UID.fromJson(x, 'uid'),
    (x) => IMAGE.fromJson(x, 'image'),
    (x) => WHICH.fromJson(x, 'which'),
    (x) => ENTRIES.fromJson(x, 'table'),
    (x) => NAME.check(x, 'name'),
    (x) => IMAGE.check(x, 'image'),
    (x) => callFromJson(x),
    (x) => parseScenario(JSON.stringify(x)),
    (x) => parseScenario(typeof x === 'string' ? x : JSON.stringify({ steps: [x] })),
  ];
  fc.assert(
    fc.property(anyJson, fc.nat({ max: parsers.length - 1 }), (x, i) => {
      try {
        parsers[i]?.(x);
      } catch (e) {
        assert.ok(e instanceof InputError, `parser ${i} threw ${String(e)} for ${JSON.stringify(x)}`);
        assert.ok(e.message.length > 10 && e.message.length < 600, 'a message a person can read');
      }
    }),
    { numRuns: 2000 },
  );
});

test('scenario steps built from plausible fragments parse or are refused with the step named', () => {
  const step = fc.record(
    {
      call: fc.constantFrom('create_module', 'delete_module', 'init_module', 'query_module', 'get_kernel_syms', 'rmmod'),
      name: fc.oneof(fc.string(), fc.constant(null), fc.record({ ptr: fc.oneof(fc.string(), fc.nat()) })),
      size: fc.oneof(fc.nat(), fc.integer(), fc.string(), fc.constant('0x10000000')),
      uid: fc.oneof(fc.nat(), fc.integer({ min: -5, max: 5 })),
      which: fc.oneof(fc.constantFrom('QM_INFO', 'QM_SYMS', 'QM_BOGUS'), fc.nat()),
      image: fc.oneof(fc.constant(null), fc.record({ hex: fc.string() }), fc.record({ module: fc.constantFrom('hello', 'nope') })),
    },
    { requiredKeys: ['call'] },
  );
  fc.assert(
    fc.property(fc.array(step, { minLength: 1, maxLength: 6 }), (steps) => {
      try {
        const s = parseScenario(JSON.stringify({ steps }));
        assert.equal(s.steps.length, steps.length);
      } catch (e) {
        assert.ok(e instanceof InputError, String(e));
        assert.match(e.message, /^step \d+/);
      }
    }),
    { numRuns: 1000 },
  );
});
