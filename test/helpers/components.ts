// optional components a test needs (the native addon, Debian's chromium, redis-server, onnxruntime-node,
// PyTorch). Outside CI a missing one skips the test with one line saying what did not run; with
// PAIRBENCH_REQUIRE=native,chromium,redis,onnxruntime (set by .ci/run) a missing required one fails instead.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { loadNative } from '../../src/backend/native/index.js';
import type { BackendName } from '../../src/backend/select.js';

export type Component = 'native' | 'chromium' | 'redis' | 'onnxruntime' | 'torch';

export const CHROMIUM_PATH = '/usr/bin/chromium';

const required = new Set((process.env['PAIRBENCH_REQUIRE'] ?? '').split(',').map((s) => s.trim()).filter((s) => s !== ''));

export function isRequired(c: Component): boolean {
  return required.has(c);
}

/** where redis-server lives, or undefined (PATH, then Debian's /usr/bin) */
export function redisServerPath(): string | undefined {
  if (existsSync('/usr/bin/redis-server')) return '/usr/bin/redis-server';
  const r = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  const p = r.stdout.trim();
  return r.status === 0 && p !== '' ? p : undefined;
}

/**
 * The `skip` option for node:test: false when the component is there; a reason string (printed once)
 * when it is absent and not required; throws when it is absent and PAIRBENCH_REQUIRE names it.
 */
export function skipUnless(c: Component, available: boolean, why: string): false | string {
  if (available) return false;
  const msg = `${c} unavailable: ${why}`;
  if (isRequired(c)) throw new Error(`PAIRBENCH_REQUIRE names '${c}' but it is missing: ${why}`);
  console.log(`# skipping: ${msg}`);
  return msg;
}

/** the native addon's `skip` option: loads it once; the reason names the addon and how to build it */
export function nativeSkip(): false | string {
  const n = loadNative();
  return skipUnless('native', n.ok, n.ok ? '' : `the native addon did not load: ${n.reason}`);
}

/** every backend a parity suite runs on: the reference always, native with a skip reason when it is absent */
export function backendsUnderTest(): { name: BackendName; skip: false | string }[] {
  return [{ name: 'reference', skip: false }, { name: 'native', skip: nativeSkip() }];
}
