// temporary directories that a test removes when it ends, pass or fail
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

/** a fresh directory under the OS temp dir, removed after the test (PAIRBENCH_KEEP_TMP=1 keeps it to look at) */
export function tempDir(t: TestContext, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `pairbench-${prefix}-`));
  t.after(() => {
    if (process.env['PAIRBENCH_KEEP_TMP'] === '1') t.diagnostic(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

const leftAtExit: string[] = [];

/** a fresh directory removed when this test file's process exits (for helpers that have no test context) */
export function tempDirUntilExit(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `pairbench-${prefix}-`));
  if (leftAtExit.length === 0 && process.env['PAIRBENCH_KEEP_TMP'] !== '1') {
    process.once('exit', () => { for (const d of leftAtExit) rmSync(d, { recursive: true, force: true }); });
  }
  leftAtExit.push(dir);
  return dir;
}
