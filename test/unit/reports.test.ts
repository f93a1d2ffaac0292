// report knowledge lives in src/models/ only: the study and CLI layers name no report, and take
// what they say of a report (protocol, grid, headline study) from its descriptor
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { allModels, getReport, gridReports, REPORT_DESCRIPTORS, REPORTS, startReport } from '../../src/models/registry.js';
import { gridConfig, searchJobs } from '../../src/study/grid.js';
import { reproducePlan } from '../../src/study/reproduce.js';
import { repoRoot } from '../helpers/fixtures.js';

// source without its comments and string-free of nothing else: what the code itself names
function code(path: string): string {
  return readFileSync(path, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

test('src/study, src/cli and src/report name no report and no model id', () => {
  const found: string[] = [];
  for (const dir of ['src/study', 'src/cli', 'src/report']) {
    for (const f of readdirSync(join(repoRoot(), dir)).filter((n) => n.endsWith('.ts'))) {
      const text = code(join(repoRoot(), dir, f));
      // 'pairbench' is also the tool's name: only the reports' ids count here
      for (const r of REPORTS.filter((x) => x !== 'pairbench')) if (text.includes(r)) found.push(`${dir}/${f}: ${r}`);
    }
  }
  assert.deepEqual(found, []);
});

test('every report has one descriptor with its models; reproduce, grid and start read them', () => {
  // the reports and pairbench's own group (src/models/pairbench.ts: not a report, reproduced like one)
  assert.deepEqual(new Set(allModels().map((m) => m.report)), new Set(REPORTS));
  assert.ok(REPORTS.includes('pairbench'));
  for (const d of REPORT_DESCRIPTORS) {
    assert.ok(d.models().length > 0 && d.models().every((m) => m.report === d.id), d.id);
    const plan = reproducePlan(d.id, { seed: 1, workers: 1 });
    for (const l of d.protocol) assert.ok(plan.protocol.includes(l), `${d.id}: ${l}`);
    assert.deepEqual(plan.config.models, [...d.models().map((m) => m.id), ...(d.beside ?? [])]);
  }
  assert.match(reproducePlan('carparelli2019', { seed: 1, workers: 1 }).protocol.join('\n'), /best configuration .*H 100, lr 0.001, lambda 0.5/);
  assert.equal(startReport().id, 'lenet-transfer');
  assert.deepEqual(gridReports().map((g) => g.id), ['carparelli2019']);
  // the grid's axes and defaults are the descriptor's: the report's lists, 1,440 search runs
  const c = gridConfig({ seed: 1, workers: 1 });
  assert.deepEqual(c.grid!.axes, { hidden: [50, 100, 200, 300], lrs: [1e-5, 1e-3, 1e-1], lambdas: [0.25, 0.5, 0.75, 1] });
  assert.equal(searchJobs(c).length, 1440);
  assert.throws(() => gridConfig({ report: 'pillonel2020', seed: 1, workers: 1 }), /has no grid search/);
  assert.throws(() => getReport('nope'), /unknown report 'nope'/);
});
