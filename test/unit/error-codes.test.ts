// the error codes nothing else asserts by code: io_error at each site a user can reach, bad_fixture from the
// fixture reader
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { test } from 'node:test';
import { PairbenchError, type ErrorCode } from '../../src/errors.js';
import { screenshotPage } from '../../src/report/screenshot.js';
import { readMeta, readMetaIfPresent } from '../../src/study/files.js';
import { checkStudyDir } from '../../src/study/runner.js';
import type { StudyConfig } from '../../src/study/types.js';
import { listFixtures, readFixture } from '../helpers/fixtures.js';
import { tempDir } from '../helpers/tmp.js';

function codeOf(f: () => unknown): { code: ErrorCode; message: string } {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof PairbenchError, `not a PairbenchError: ${String(e)}`);
    return { code: e.code, message: e.message };
  }
  assert.fail('no error thrown');
}

async function codeOfAsync(f: () => Promise<unknown>): Promise<{ code: ErrorCode; message: string }> {
  try {
    await f();
  } catch (e) {
    assert.ok(e instanceof PairbenchError, `not a PairbenchError: ${String(e)}`);
    return { code: e.code, message: e.message };
  }
  assert.fail('no error thrown');
}

const CONFIG: StudyConfig = { models: ['kropfhamer2022/feedforward'], rounds: 1, epochs: 1, seed: 1, workers: 1, batchSize: null, baseline: 'kropfhamer2022/feedforward' };

test('io_error: a study directory that is a file, under a file, not a study, an unreadable study.json', (t) => {
  const dir = tempDir(t, 'io');
  const file = join(dir, 'a-file');
  writeFileSync(file, 'x');
  let e = codeOf(() => checkStudyDir(file, 'study', CONFIG, false));
  assert.equal(e.code, 'io_error');
  assert.match(e.message, /cannot use study directory .*a-file: it is a file/);
  e = codeOf(() => checkStudyDir(join(file, 'sub', 'deeper'), 'study', CONFIG, false));
  assert.equal(e.code, 'io_error');
  assert.match(e.message, /cannot create study directory .*: .*a-file is a file, not a directory/);
  e = codeOf(() => readMeta(dir));
  assert.equal(e.code, 'io_error');
  assert.match(e.message, /study\.json does not exist: not a study directory/);
  // study.json that cannot be read (a directory by that name)
  const odd = join(dir, 'odd');
  mkdirSync(join(odd, 'study.json'), { recursive: true });
  e = codeOf(() => readMetaIfPresent(odd));
  assert.equal(e.code, 'io_error');
  assert.match(e.message, /cannot read .*study\.json: EISDIR/);
});

test('io_error: a screenshot without chromium, or of a page that does not exist', async (t) => {
  const dir = tempDir(t, 'shot');
  let e = await codeOfAsync(() => screenshotPage(join(dir, 'index.html'), join(dir, 'x.png'), { chromium: join(dir, 'no-chromium') }));
  assert.equal(e.code, 'io_error');
  assert.match(e.message, /no chromium at .*no-chromium/);
  // an executable that exists (node itself, never launched): the missing page is the error
  e = await codeOfAsync(() => screenshotPage(join(dir, 'index.html'), join(dir, 'x.png'), { chromium: process.execPath }));
  assert.equal(e.code, 'io_error');
  assert.match(e.message, /index\.html does not exist \(run pairbench report first\)/);
});

test('bad_fixture: not JSON, not gzip, an unknown kind, a tensor whose data does not fill its shape', (t) => {
  const dir = tempDir(t, 'fixture');
  const cases: [string, string | Buffer, RegExp][] = [
    ['broken.json', '{"kind": "op", ', /cannot read it as JSON/],
    ['broken.json.gz', 'not gzip', /cannot read it as gzipped JSON/],
    ['nokind.json', '{"name": "x"}', /kind undefined is not one of/],
    ['short.json.gz', gzipSync(JSON.stringify({ kind: 'op', inputs: { x: { shape: [2, 3], data: [1, 2, 3, 4, 5] } } })), /inputs\.x has 5 values, its shape \[2, 3\] needs 6/],
    ['params.json', JSON.stringify({ kind: 'model', params: [{ name: 'w', shape: [2], data: [1, 2] }, { name: 'b', shape: [3], data: [1] }] }), /params\[1\] has 1 values/],
  ];
  for (const [name, body, pattern] of cases) {
    writeFileSync(join(dir, name), body);
    const e = codeOf(() => readFixture(join(dir, name)));
    assert.equal(e.code, 'bad_fixture', name);
    assert.match(e.message, new RegExp(`fixture .*${name.replace(/\./g, '\\.')}: `));
    assert.match(e.message, pattern, name);
  }
});

test('every committed fixture passes the reader\'s checks', () => {
  let n = 0;
  for (const sub of ['ops', 'optim', 'models', 'data'] as const) {
    for (const { path } of listFixtures(sub)) { readFixture(path); n++; }
  }
  assert.ok(n >= 39, `${n} fixtures`);
});
