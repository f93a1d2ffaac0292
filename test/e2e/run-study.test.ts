// runStudy from code: the same records as the CLI's study, a summary, a page; a second call resumes
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runStudy, isPairbenchError } from '../../src/index.js';
import { cli, readLines, tmp, untimed } from './cli-helpers.js';

test('runStudy: the CLI study\'s records, its summary and page; called again it resumes; bad options are one-line errors', async () => {
  const base = tmp('api');
  const opts = { models: ['kropfhamer2022/feedforward', 'carparelli2019/mlp-sharing-aux'], rounds: 2, epochs: 1, trainPairs: 200, testPairs: 200, seed: 3, workers: 1 };
  const r = await runStudy({ ...opts, out: join(base, 'api') });
  assert.equal(r.records.length, 4);
  assert.equal(r.stopped, false);
  assert.deepEqual(r.summary.models.map((m) => m.n), [2, 2]);
  assert.ok(r.page.endsWith('index.html'));
  const c = cli(['study', '--models', opts.models.join(','), '--rounds', '2', '--epochs', '1', '--train-pairs', '200', '--test-pairs', '200', '--seed', '3', '--workers', '1', '--out', join(base, 'cli')]);
  assert.equal(c.status, 0, c.stderr);
  const sort = (xs: ReturnType<typeof readLines>): unknown[] => [...xs].sort((a, b) => `${a.model}${a.round}`.localeCompare(`${b.model}${b.round}`)).map(untimed);
  assert.deepEqual(sort(readLines(join(base, 'api'))), sort(readLines(join(base, 'cli'))));
  const again = await runStudy({ ...opts, out: join(base, 'api') });
  assert.equal(again.records.length, 4);
  assert.equal(readLines(join(base, 'api')).length, 4);
  await assert.rejects(runStudy({ ...opts, rounds: 0, out: join(base, 'bad') }), (e) => isPairbenchError(e) && e.code === 'bad_config' && /rounds/.test(e.message));
});
