// builds the native addon with npm's own node-gyp; a failed build leaves the reference backend in charge.
// Finds node-gyp without downloading anything: npm's lifecycle env (npm_config_node_gyp), then the
// node-gyp bundled with the npm that ships beside this node, then a node-gyp on PATH. Uses Node's
// installed headers (<prefix>/include/node) when npm's `nodedir` is not set, so it works offline.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

if (process.env.PAIRBENCH_SKIP_NATIVE === '1' || !existsSync('binding.gyp')) process.exit(0);  // then a required native fails in the tests

function findNodeGyp() {
  const candidates = [];
  if (process.env.npm_config_node_gyp) candidates.push(process.env.npm_config_node_gyp);
  const prefix = resolve(dirname(process.execPath), '..');
  candidates.push(join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  candidates.push(join(dirname(process.execPath), 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  for (const c of candidates) if (existsSync(c)) return { cmd: process.execPath, args: [c] };
  return { cmd: 'node-gyp', args: [], shell: true };
}

const gyp = findNodeGyp();
const args = [...gyp.args, 'rebuild'];
if (!process.env.npm_config_nodedir) {
  const prefix = resolve(dirname(process.execPath), '..');
  if (existsSync(join(prefix, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${prefix}`);
}
const r = spawnSync(gyp.cmd, args, { stdio: 'inherit', shell: gyp.shell === true });
if (r.status !== 0) {
  // CI (.ci/run) sets PAIRBENCH_REQUIRE=native,...: there a failed build fails the install
  if ((process.env.PAIRBENCH_REQUIRE ?? '').split(',').map((s) => s.trim()).includes('native')) {
    console.error('pairbench: the native addon did not build and PAIRBENCH_REQUIRE names native');
    process.exit(1);
  }
  console.warn('pairbench: the native addon did not build; the reference backend (plain TypeScript, slower) will be used. Needs g++, make and python3; retry with `node scripts/build-native.mjs`.');
}
process.exit(0);
