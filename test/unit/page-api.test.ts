/**
 * window.modlab's own logic: what it accepts as a call, what it refuses
 * before the page's machine is touched, and that requests keep their order.
 * The e2e test (e2e/page-api.spec.ts) drives it on real kernels.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { apiCall, makePageApi, type PageApiHost } from '../../web/page-api.ts';
import type { Call } from '../../harness/calls/model.ts';
import type { CallRecord } from '../../harness/calls/record.ts';

test('a call is step JSON or the CLI words, read by the one call model', () => {
  assert.deepEqual(apiCall('create_module hello 4096'), apiCall({ call: 'create_module', name: 'hello', size: 4096 }));
  assert.equal(apiCall('  delete_module   NULL ').call, 'delete_module');
  assert.throws(() => apiCall(''), /empty/);
  assert.throws(() => apiCall('create_module x'), /needs a SIZE/);
  assert.throws(() => apiCall({ call: 'create_module', name: 'x', size: 4096, colour: 'red' }), /unknown field "colour"/);
  assert.throws(() => apiCall(42), /must be an object/);
});

/** A host that records what the page was asked to do, answering each call after `delays[i]` ms. */
function recordingHost(delays: number[]): { host: PageApiHost; did: string[] } {
  const did: string[] = [];
  let n = 0;
  const host: PageApiHost = {
    ready: () => Promise.resolve({ kernel: '2.4.20', release: '2.4.20' }),
    useKernel: (k) => {
      did.push(`kernel ${k}`);
      return Promise.resolve();
    },
    reset: () => {
      did.push('reset');
      return Promise.resolve();
    },
    procModules: () => Promise.resolve(''),
    call: (c: Call) =>
      new Promise<CallRecord>((resolve) => {
        const name = c.call === 'create_module' && c.name.kind === 'string' ? c.name.text : '?';
        did.push(`start ${name}`);
        setTimeout(() => {
          did.push(`end ${name}`);
          resolve({ kind: 'call', kernel: '2.4.20', call: c, result: { kind: 'success', ret: 0xc8800000 }, recovered: false, elapsedMs: 1, machine: 1, console: '' });
        }, delays[n++] ?? 0);
      }),
  };
  return { host, did };
}

test('requests run one at a time in the order they were made; refusals never reach the page', async () => {
  const { host, did } = recordingHost([30, 0, 0]);
  const api = makePageApi(host);
  const answers = Promise.all([
    api.call('create_module a 4096'),
    api.call('create_module b 4096', { kernel: '2.4.18' }),
    api.run({ steps: [{ call: 'create_module', name: 'c', size: 4096 }] }),
  ]);
  await assert.rejects(api.call('create_module d 4096', { kernel: '9.9' }), /"9\.9" is not a kernel the page can boot/);
  await assert.rejects(api.run({ steps: [] }), /non-empty array/);
  await answers;
  assert.deepEqual(did, ['start a', 'end a', 'kernel 2.4.18', 'start b', 'end b', 'reset', 'start c', 'end c']);
});

test('a failed request does not stop the ones after it', async () => {
  const { host, did } = recordingHost([]);
  let first = true;
  const failing: PageApiHost = {
    ...host,
    call: (c) => {
      if (!first) return host.call(c);
      first = false;
      return Promise.reject(new Error('the agent did not answer'));
    },
  };
  const api = makePageApi(failing);
  await assert.rejects(api.call('create_module a 4096'), /did not answer/);
  assert.equal((await api.call('create_module b 4096')).ok, true);
  assert.deepEqual(did, ['start b', 'end b']);
});
