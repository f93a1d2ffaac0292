// the import layering of docs/architecture.md, read from the sources: the engine (backend, tensor,
// nn, optim) imports nothing of the application; study/ does not import report/. And the public
// surface: 'pairbench' holds the user API, engine internals are on 'pairbench/engine'.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../helpers/fixtures.js';

const SRC = join(repoRoot(), 'src');
const ENGINE = ['backend', 'tensor', 'nn', 'optim'];
const APPLICATION = ['data', 'models', 'train', 'study', 'report', 'cli'];

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? sources(p) : name.endsWith('.ts') ? [p] : [];
  });
}

// every relative import (static, dynamic, type-only, re-export) of a file, as the top-level src/ directory it lands in
function importedLayers(file: string): { spec: string; layer: string }[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)['"](\.[^'"]+)['"]/g)].map((m) => m[1]!);
  return specs.map((spec) => {
    const target = relative(SRC, resolve(dirname(file), spec));
    return { spec, layer: target.startsWith('..') ? '(outside src)' : target.split(/[\\/]/)[0]! };
  });
}

function violations(from: readonly string[], forbidden: readonly string[]): string[] {
  const out: string[] = [];
  for (const layer of from) {
    for (const file of sources(join(SRC, layer))) {
      for (const imp of importedLayers(file)) {
        if (forbidden.includes(imp.layer)) out.push(`${relative(SRC, file)} imports ${imp.spec}`);
      }
    }
  }
  return out;
}

test('the import scanner sees the imports it must judge', () => {
  const seen = importedLayers(join(SRC, 'train', 'run.ts')).map((i) => i.layer);
  for (const l of ['backend', 'data', 'models', 'tensor']) assert.ok(seen.includes(l), `train/run.ts imports ${l}`);
});

test('the engine layers import nothing of the application', () => {
  assert.deepEqual(violations(ENGINE, APPLICATION), []);
});

test('the backend imports no layer above it', () => {
  assert.deepEqual(violations(['backend'], ['tensor', 'nn', 'optim', ...APPLICATION]), []);
});

// the study runner still writes the page itself; the study/report split (issue 11) removes this
// import, and then the list is empty: no new study -> report import may appear meanwhile
const STUDY_TO_REPORT_LEFT = ['study/runner.ts imports ../report/page.js'];
test('study/ does not import report/ (beyond the one import the study/report split removes)', () => {
  const found = violations(['study'], ['report']);
  assert.deepEqual(found.filter((v) => !STUDY_TO_REPORT_LEFT.includes(v)), []);
});

test("'pairbench' exports the user API; kernels, the pool, idx magic numbers and worker helpers are on 'pairbench/engine'", async () => {
  const main = (await import('pairbench')) as Record<string, unknown>;
  const engine = (await import('pairbench/engine')) as Record<string, unknown>;
  for (const k of ['Tensor', 'nn', 'optim', 'ops', 'models', 'data', 'trainRun', 'PairbenchError']) assert.ok(k in main, k);
  const data = main['data'] as Record<string, unknown>;
  for (const k of ['IDX_LABELS_MAGIC', 'IDX_IMAGES_MAGIC', 'toShared', 'fromShared', 'readIdx']) {
    assert.ok(!(k in data) && !(k in main), `${k} is not on 'pairbench'`);
    assert.ok(k in engine, `${k} is on 'pairbench/engine'`);
  }
  for (const k of ['KERNELS', 'referenceBackend', 'loadNative', 'allocOut', 'record']) assert.ok(k in engine && !(k in main), k);
});
