// the kernel manifest is the one source: the checked-in C++ headers are what it generates, and
// both backends expose exactly its kernels
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { KERNEL_NAMES, UNARY_OP_NAMES } from '../../src/backend/manifest.js';
import { GENERATED_FILES } from '../../src/backend/native/codegen.js';
import { loadNativeAddon } from '../../src/backend/native/index.js';
import { referenceBackend } from '../../src/backend/reference/index.js';
import { skipUnless } from '../helpers/components.js';
import { repoRoot } from '../helpers/fixtures.js';

test('the checked-in generated headers are what the manifest gives (run `npm run gen:kernels` after editing it)', () => {
  for (const f of GENERATED_FILES) {
    const onDisk = readFileSync(join(repoRoot(), f.path), 'utf8');
    assert.ok(onDisk === f.render(), `${f.path} is out of date with src/backend/manifest.ts: run \`npm run gen:kernels\` and rebuild the addon`);
  }
});

test('the generated C++ op enum lists the unary ops in the manifest order', () => {
  const header = readFileSync(join(repoRoot(), 'native/kernels.gen.h'), 'utf8');
  const line = header.split('\n').find((l) => l.startsWith('enum class UnOp'))!;
  const names = [...line.matchAll(/(\w+) = (\d+)/g)].map((m) => [m[1]!.toLowerCase(), Number(m[2])]);
  assert.deepEqual(names, UNARY_OP_NAMES.map((op, i) => [op.toLowerCase(), i]));
});

test('the reference backend has exactly the manifest kernels', () => {
  const fns = Object.keys(referenceBackend).filter((k) => typeof (referenceBackend as unknown as Record<string, unknown>)[k] === 'function');
  assert.deepEqual(fns.sort(), [...KERNEL_NAMES].sort());
});

const native = loadNativeAddon();
test('the native addon exposes every manifest kernel and rejects an unknown unary op code', { skip: skipUnless('native', native.ok, native.ok ? '' : native.reason) }, () => {
  const a = native as Extract<typeof native, { ok: true }>;
  for (const k of KERNEL_NAMES) assert.equal(typeof (a.addon as unknown as Record<string, unknown>)[k], 'function', k);
  const x = new Float32Array(4);
  assert.throws(() => a.addon.unary(UNARY_OP_NAMES.length, x, x, 0), new RegExp(`unknown op code ${UNARY_OP_NAMES.length}`));
  a.addon.unary(UNARY_OP_NAMES.length - 1, x, x, 0);
});
