// a damaged runs.jsonl: report reads what it can and names what it skipped; resume moves the damaged
// lines to runs.rejected.jsonl (kept) and trains those runs again; nothing is lost or duplicated
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { cli, readLines, SMALL, tmp, untimed } from './cli-helpers.js';

test('damaged middle lines: report skips and names them; resume moves them aside and retrains their runs', () => {
  const dir = join(tmp('damaged'), 's');
  const args = ['study', '--models', 'kropfhamer2022/feedforward,lenet-transfer/baseline', '--rounds', '2', '--workers', '1', '--out', dir, ...SMALL];
  const first = cli(args);
  assert.equal(first.status, 0, first.stderr);
  const path = join(dir, 'runs.jsonl');
  const original = readFileSync(path, 'utf8').split('\n');
  assert.equal(original.length, 5); // 4 records + the final newline
  const damaged = [original[0], 'garbage{', original[2], '{"not":"a run"}', original[4]];
  writeFileSync(path, damaged.join('\n'));

  const report = cli(['report', dir]);
  assert.equal(report.status, 0, report.stderr);
  assert.match(report.stdout, /skipped line 2 \(not valid JSON\), line 4 \(not a run record/);
  assert.match(report.stdout, /2\/2/, 'the readable runs are summarised');
  assert.equal(readFileSync(path, 'utf8'), damaged.join('\n'), 'report changes nothing in runs.jsonl');

  const resume = cli(args);
  assert.equal(resume.status, 0, resume.stderr);
  assert.match(resume.stdout, /moved 2 unreadable lines of .*runs\.jsonl to runs\.rejected\.jsonl: line 2 \(not valid JSON\), line 4 .*their runs will be trained again/);
  assert.match(resume.stdout, /2 runs trained/);
  assert.equal(readFileSync(join(dir, 'runs.rejected.jsonl'), 'utf8'), 'garbage{\n{"not":"a run"}\n');
  const after = readLines(dir);
  assert.equal(after.length, 4);
  assert.equal(new Set(after.map((r) => `${r.model}|${r.round}|${r.seed}`)).size, 4, 'every planned run exactly once');
  // the retrained runs are the same runs (same seeds, same numbers)
  const before = original.slice(0, 4).map((l) => untimed(JSON.parse(l)));
  assert.deepEqual(new Set(after.map((r) => JSON.stringify(untimed(r)))), new Set(before.map((r) => JSON.stringify(r))));
});

test('a study.json that is not JSON: the parser\'s whole message on the one line (it quotes the file, newline included)', () => {
  const dir = tmp('bad-meta');
  writeFileSync(join(dir, 'study.json'), 'nope\n');
  const r = cli(['report', dir]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^pairbench: .*study\.json is not valid JSON: Unexpected token .*"nope ?" is not valid JSON \[bad_config\]\n$/);
});
