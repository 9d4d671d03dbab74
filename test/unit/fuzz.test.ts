/**
 * Property tests (fast-check) of the code that meets untrusted input: the
 * frame decoder against arbitrary byte streams, and every parser against
 * arbitrary values. None may throw anything but its own clear error.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { InputError, parseImage, parseName, parseSize, parseUid, parseWhich } from '../../harness/calls/model.ts';
import { encodeFrame, FrameDecoder, type Frame } from '../../harness/protocol.ts';
import { parseScenario } from '../../harness/calls/scenario.ts';

const frameArb = fc.record({
  type: fc.integer({ min: 0, max: 255 }),
  id: fc.integer({ min: 0, max: 0xffffffff }),
  payload: fc.uint8Array({ maxLength: 300 }),
});

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

test('the decoder never throws on arbitrary bytes, and its counters only grow', () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 400 }), { maxLength: 20 }), (chunks) => {
      const d = new FrameDecoder();
      let skipped = 0;
      for (const c of chunks) {
        d.push(c);
        assert.ok(d.stats.skippedBytes >= skipped);
        skipped = d.stats.skippedBytes;
      }
    }),
    { numRuns: 300 },
  );
});

test('every real frame survives noise around it, in order, however the bytes are cut', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.uint8Array({ maxLength: 200 }), frameArb), { minLength: 1, maxLength: 8 }),
      fc.array(fc.nat(), { maxLength: 12 }),
      (pairs, cuts) => {
        const parts: Uint8Array[] = [];
        for (const [noise, frame] of pairs) parts.push(noise, encodeFrame(frame));
        const stream = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
        let o = 0;
        for (const p of parts) {
          stream.set(p, o);
          o += p.length;
        }
        const d = new FrameDecoder();
        const got: Frame[] = [];
        for (const c of chunked(stream, cuts)) got.push(...d.push(c));
        // Noise may only add frames by a CRC-32 collision; the real ones all come out, in order.
        let k = 0;
        for (const f of got) if (k < pairs.length && f.id === pairs[k]?.[1].id && f.type === pairs[k]?.[1].type) k++;
        assert.equal(k, pairs.length, `${pairs.length} frames sent, ${k} recovered in order`);
      },
    ),
    { numRuns: 300 },
  );
});

test('noise announcing a huge frame does not hold back the real frames behind it', () => {
  const fake = Uint8Array.of(0x4d, 0x4c, 1, 0x11, 1, 0, 0, 0, 0, 0, 8, 0); // 512 KiB promised
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
    (x) => parseName(x),
    (x) => parseSize(x),
    (x) => parseUid(x),
    (x) => parseImage(x),
    (x) => parseWhich(x),
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
