// the optional-component switch itself: outside CI a missing component skips with its name; under
// PAIRBENCH_REQUIRE (as .ci/run sets it) the same call fails, naming it
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';

const url = new URL('../helpers/components.js', import.meta.url).href;

function run(require: string): { status: number | null; stdout: string; stderr: string } {
  const code = `import(${JSON.stringify(url)}).then((m) => { const s = m.skipUnless('chromium', false, '/usr/bin/chromium not found'); console.log('RESULT ' + s); });`;
  const env = { ...process.env, PAIRBENCH_REQUIRE: require };
  return spawnSync(process.execPath, ['-e', code], { encoding: 'utf8', env });
}

test('a missing component: skipped with its name outside CI, a failure naming it under PAIRBENCH_REQUIRE', () => {
  const free = run('');
  assert.equal(free.status, 0, free.stderr);
  assert.match(free.stdout, /# skipping: chromium unavailable: \/usr\/bin\/chromium not found/);
  assert.match(free.stdout, /RESULT chromium unavailable/);
  const other = run('native,redis');
  assert.match(other.stdout, /RESULT chromium unavailable/, 'only the named components are required');
  const ci = run('native,chromium,redis');
  assert.notEqual(ci.status, 0);
  assert.match(ci.stderr, /PAIRBENCH_REQUIRE names 'chromium' but it is missing: \/usr\/bin\/chromium not found/);
});
