/**
 * The same kernel, initrd and command line booted by QEMU (software
 * emulation, TCG), timed from process start to the agent's READY frame on the
 * second serial port: the yardstick for modlab's cold boot.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { BootAssets } from '../harness/machine/assets.ts';
import { FrameDecoder, FrameType } from '../harness/protocol.ts';
import { GUEST_MEMORY, kernelCommandLine } from '../harness/machine/v86-config.ts';

const QEMU = 'qemu-system-i386';

/** QEMU's version line, or null when it is not installed. */
export function qemuVersion(): string | null {
  const r = spawnSync(QEMU, ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? (r.stdout.split('\n')[0] ?? '').trim() : null;
}

/** Milliseconds from spawning QEMU to the agent's READY frame. */
export async function qemuBootMs(assets: BootAssets, timeoutMs: number): Promise<number> {
  const dir = await mkdtemp(path.join(tmpdir(), 'modlab-qemu-'));
  try {
    const kernel = path.join(dir, 'bzImage');
    const initrd = path.join(dir, 'initrd');
    await writeFile(kernel, assets.bzimage);
    await writeFile(initrd, assets.initrd);
    const args = [
      '-accel', 'tcg',
      '-m', String(GUEST_MEMORY / (1024 * 1024)),
      '-display', 'none',
      '-monitor', 'none',
      '-no-reboot',
      '-kernel', kernel,
      '-initrd', initrd,
      '-append', kernelCommandLine(assets.kernel),
      // ttyS0 (the kernel console) is discarded; ttyS1 (the agent) is stdio.
      '-serial', 'null',
      '-serial', 'stdio',
    ];
    return await new Promise<number>((resolve, reject) => {
      const t0 = performance.now();
      const child = spawn(QEMU, args, { stdio: ['pipe', 'pipe', 'pipe'] });
      const decoder = new FrameDecoder();
      let stderr = '';
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`QEMU did not reach the agent within ${timeoutMs} ms`));
      }, timeoutMs);
      child.stdout.on('data', (chunk: Buffer) => {
        for (const frame of decoder.push(new Uint8Array(chunk))) {
          if (frame.type !== FrameType.Ready) continue;
          const ms = performance.now() - t0;
          clearTimeout(timer);
          child.kill('SIGKILL');
          resolve(ms);
        }
      });
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`QEMU exited (${code}) before the agent was ready: ${stderr.slice(-500)}`));
      });
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
