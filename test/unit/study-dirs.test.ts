// ensureDir: creates nested directories and fails (never spins) where node's recursive mkdir hangs
import assert from 'node:assert/strict';
import { existsSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ensureDir } from '../../src/study/files.js';
import { tempDirUntilExit } from '../helpers/tmp.js';

test('ensureDir creates every missing level and accepts an existing directory', () => {
  const root = tempDirUntilExit('dirs');
  try {
    const deep = join(root, 'a', 'b', 'c');
    ensureDir(deep);
    assert.ok(existsSync(deep));
    ensureDir(deep);
    writeFileSync(join(root, 'file'), '');
    assert.throws(() => ensureDir(join(root, 'file')), /ENOTDIR/);
    assert.throws(() => ensureDir(join(root, 'file', 'sub')), /ENOTDIR|ENOENT|EEXIST/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('ensureDir fails at once under a dangling symlink and under /proc', () => {
  const root = tempDirUntilExit('dirs');
  try {
    symlinkSync(join(root, 'nowhere'), join(root, 'dangling'));
    assert.throws(() => ensureDir(join(root, 'dangling', 'x')), /ENOENT/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  if (existsSync('/proc/self')) assert.throws(() => ensureDir('/proc/pairbench-not-here/x'), /ENOENT|EACCES|EPERM/);
});
