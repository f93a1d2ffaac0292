// loads PyTorch fixtures: the project's gzipped copy under test/fixtures, or PAIRBENCH_FIXTURES (plain or gzipped json)
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { PairbenchError } from '../../src/errors.js';
import { Tensor, type DType } from '../../src/tensor/tensor.js';

export interface FixtureTensor { shape: number[]; data: number[]; dtype?: string }

export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('repoRoot: no package.json above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
  return dir;
}

export function fixturesDir(): string {
  return process.env['PAIRBENCH_FIXTURES'] ?? join(repoRoot(), 'test', 'fixtures');
}

export type FixtureKind = 'ops' | 'optim' | 'models' | 'data' | 'schedules' | 'augment' | 'swa';
const KIND_FIELD: Record<FixtureKind, string[]> = { ops: ['op'], optim: ['optim'], models: ['model', 'model_grads'], data: ['data'], schedules: ['schedule'], augment: ['augment'], swa: ['swa'] };

function jsonFiles(dir: string): { name: string; path: string }[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json') || f.endsWith('.json.gz'))
    .sort()
    .map((f) => ({ name: f.replace(/\.json(\.gz)?$/, ''), path: join(dir, f) }));
}

// every fixture file (name without .json/.json.gz) of a kind: <dir>/<kind>/*, or, in a directory
// without kind subdirectories (PAIRBENCH_FIXTURES=<a directory of cases>), the files whose "kind" is it
export function listFixtures(sub: FixtureKind): { name: string; path: string }[] {
  const root = fixturesDir();
  const dir = join(root, sub);
  if (existsSync(dir)) return jsonFiles(dir);
  if (!existsSync(root) || (Object.keys(KIND_FIELD) as FixtureKind[]).some((k) => existsSync(join(root, k)))) return [];
  return jsonFiles(root).filter((f) => KIND_FIELD[sub].includes(String(readFixture<{ kind?: unknown }>(f.path).kind)));
}

// the project's own fixtures have every kind; a PAIRBENCH_FIXTURES directory may hold some kinds only:
// the `skip` option for the tests of an absent kind (reported by name), false when there are cases
export function skipAbsentKind(sub: FixtureKind): false | string {
  if (listFixtures(sub).length > 0 || process.env['PAIRBENCH_FIXTURES'] === undefined) return false;
  const msg = `no ${sub} fixtures in PAIRBENCH_FIXTURES=${fixturesDir()}`;
  console.log(`# skipping: ${msg}`);
  return msg;
}

// cases of any kind: a fixture directory with none at all is an error, whatever the kinds a test reads
export function anyFixtures(): boolean {
  return (['ops', 'optim', 'models'] as FixtureKind[]).some((k) => listFixtures(k).length > 0);
}

// a fixture file, checked: valid JSON, a known `kind`, every tensor's data as long as its shape says;
// anything else is a PairbenchError 'bad_fixture' naming the file and the field
export function readFixture<T = Record<string, unknown>>(path: string): T {
  const bad = (why: string, field?: string): PairbenchError => new PairbenchError('bad_fixture', `fixture ${path}: ${why}`, { path, ...(field !== undefined ? { field } : {}) });
  let v: unknown;
  try {
    const raw = readFileSync(path);
    v = JSON.parse(path.endsWith('.gz') ? gunzipSync(raw).toString('utf8') : raw.toString('utf8'));
  } catch (e) {
    throw bad(`cannot read it as ${path.endsWith('.gz') ? 'gzipped ' : ''}JSON: ${(e as Error).message}`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw bad('not a JSON object');
  const kind = (v as Record<string, unknown>)['kind'];
  if (typeof kind !== 'string' || !FIXTURE_KINDS.includes(kind)) throw bad(`kind ${JSON.stringify(kind)} is not one of ${FIXTURE_KINDS.join(', ')}`, 'kind');
  checkTensors(v, '', bad);
  return v as T;
}

const FIXTURE_KINDS = ['op', 'optim', 'model', 'model_grads', 'data', 'schedule', 'augment', 'swa'];

// every {shape, data} object below v holds prod(shape) numbers
function checkTensors(v: unknown, at: string, bad: (why: string, field?: string) => PairbenchError): void {
  if (v === null || typeof v !== 'object') return;
  if (Array.isArray(v)) {
    if (v.length > 0 && typeof v[0] === 'object') v.forEach((x, i) => checkTensors(x, `${at}[${i}]`, bad));
    return;
  }
  const o = v as Record<string, unknown>;
  if (Array.isArray(o['shape']) && Array.isArray(o['data'])) {
    const shape = o['shape'] as unknown[];
    const want = shape.reduce<number>((p, d) => p * (typeof d === 'number' ? d : NaN), 1);
    const data = o['data'] as unknown[];
    if (data.length !== want) throw bad(`${at || 'tensor'} has ${data.length} values, its shape [${shape.join(', ')}] needs ${want}`, at);
    return;
  }
  for (const [k, x] of Object.entries(o)) checkTensors(x, at === '' ? k : `${at}.${k}`, bad);
}

// a companion file next to `path` (e.g. the .grads.json of a model case), plain or gzipped
export function readSibling<T>(path: string, file: string): T {
  const dir = dirname(path);
  const plain = join(dir, file);
  return readFixture<T>(existsSync(plain) ? plain : plain + '.gz');
}

export function toTensor(t: FixtureTensor, dtype: DType = 'float32'): Tensor {
  return Tensor.from(t.data, t.shape, dtype);
}

export function toInt32(t: FixtureTensor): Int32Array {
  return Int32Array.from(t.data);
}

// |a - b| <= atol + rtol * |b|; on failure the message lists the first mismatches and the max difference
export function closeReport(what: string, actual: ArrayLike<number>, expected: ArrayLike<number>, atol: number, rtol: number): string | null {
  if (actual.length !== expected.length) return `${what}: length ${actual.length}, expected ${expected.length}`;
  const bad: string[] = [];
  let maxDiff = 0;
  let maxAt = -1;
  let count = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const b = Math.fround(expected[i]!);
    const diff = Math.abs(a - b);
    if (diff > maxDiff || Number.isNaN(diff)) { maxDiff = diff; maxAt = i; }
    if (!(diff <= atol + rtol * Math.abs(b))) {
      count++;
      if (bad.length < 5) bad.push(`[${i}] got ${a} expected ${b} (diff ${diff.toExponential(2)})`);
    }
  }
  if (count === 0) return null;
  return `${what}: ${count} of ${actual.length} values differ (atol ${atol}, rtol ${rtol}); max diff ${maxDiff.toExponential(3)} at [${maxAt}]; first: ${bad.join('; ')}`;
}

// max |a - b| <= rtol * max|expected| + atol over the whole tensor: a tolerance at the tensor's own scale, so
// a tensor of tiny values (a conv bias gradient of 1e-8) is still compared, not swallowed by a fixed atol
export function scaleReport(what: string, actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number, atol = 0): string | null {
  if (actual.length !== expected.length) return `${what}: length ${actual.length}, expected ${expected.length}`;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(Math.fround(expected[i]!)));
  const tol = rtol * scale + atol;
  let maxDiff = 0;
  let maxAt = -1;
  let count = 0;
  for (let i = 0; i < actual.length; i++) {
    const diff = Math.abs(actual[i]! - Math.fround(expected[i]!));
    if (!(diff <= tol)) count++;
    if (!(diff <= maxDiff)) { maxDiff = diff; maxAt = i; }
  }
  if (count === 0) return null;
  return `${what}: ${count} of ${actual.length} values differ by more than ${tol.toExponential(2)} (rtol ${rtol} x max|expected| ${scale.toExponential(2)} + atol ${atol}); max diff ${maxDiff.toExponential(3)} at [${maxAt}]: got ${actual[maxAt]} expected ${Math.fround(expected[maxAt]!)}`;
}
