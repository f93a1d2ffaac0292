// one percentage formatter: the tables' bare numbers and the CLI's lines with their sign
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { percent, publishedLine } from '../../src/cli/format.js';
import type { ModelSpec } from '../../src/models/types.js';
import { meanSd, pct } from '../../src/report/summary.js';

test('pct: the tables\' numbers (unit in the header); percent: the CLI\'s, with %; missing values are a dash', () => {
  assert.equal(pct(0.95123), '95.12');
  assert.equal(pct(0.95123, 1), '95.1');
  assert.equal(pct(0.5, 2, '%'), '50.00%');
  assert.equal(percent(0.95123), '95.12%');
  for (const x of [null, undefined, NaN, Infinity]) {
    assert.equal(pct(x), '–');
    assert.equal(percent(x), '–');
  }
  assert.equal(meanSd({ mean: 0.9, sd: 0.0123 } as Parameters<typeof meanSd>[0]), '90.00 ± 1.23');
  assert.equal(publishedLine({ published: { mean: 0.9, sd: 0.01 } } as unknown as ModelSpec), 'published: mean 90.00%, sd 1.00%');
});
