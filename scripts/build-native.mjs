// builds the native addon with npm's own node-gyp; a failed build leaves the reference backend in charge
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

if (process.env.PAIRBENCH_SKIP_NATIVE === '1' || !existsSync('binding.gyp')) process.exit(0);
const r = spawnSync('node-gyp', ['rebuild'], { stdio: 'inherit', shell: true });
if (r.status !== 0) {
  console.warn('pairbench: the native addon did not build; the reference backend (plain TypeScript, slower) will be used. Needs g++, make and python3.');
}
process.exit(0);
