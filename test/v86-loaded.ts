/** For tests that make a v86 of their own: resolves once it has loaded (its wasm instantiated, its CPU and devices built). */
import type { V86 } from 'v86';

export function v86Loaded(v86: V86, withinMs = 20_000): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`v86 did not load within ${withinMs / 1000} s`)), withinMs);
    v86.add_listener('emulator-loaded', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
