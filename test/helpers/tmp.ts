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
