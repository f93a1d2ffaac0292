// one process at a time per study directory (or per shard of one): a proper-lockfile lock
// (<dir>/.pairbench.lock, kept fresh while held) plus an owner file naming the holder's pid and
// host. A second process refuses with the holder's name; the lock of a dead process is taken over
// (same host: at once, by its pid; another host: once the lock has not been refreshed for STALE_MS).
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { PairbenchError } from '../errors.js';

const STALE_MS = 30_000;

export interface LockOwner {
  pid: number;
  host: string;
  since: string;
}

const held = new Map<string, () => Promise<void>>();

function lockPaths(dir: string, name: string): { lock: string; owner: string } {
  const base = name === '' ? '.pairbench' : `.pairbench-${name}`;
  return { lock: join(dir, `${base}.lock`), owner: join(dir, `${base}.lock.json`) };
}

function readOwner(path: string): LockOwner | null {
  try {
    const v = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockOwner>;
    return typeof v.pid === 'number' && typeof v.host === 'string' ? { pid: v.pid, host: v.host, since: String(v.since ?? '?') } : null;
  } catch {
    return null;
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function tryLock(dir: string, lock: string): Promise<() => Promise<void>> {
  return lockfile.lock(dir, {
    lockfilePath: lock,
    realpath: false,
    stale: STALE_MS,
    retries: 0,
    // the lock could not be refreshed (clock jump, directory gone): say so; the study goes on
    onCompromised: (e) => process.stderr.write(`pairbench: warning: the lock ${lock} was compromised (${e.message}); another process may now use this directory\n`),
  });
}

/**
 * Takes the lock of a study directory for this process (until releaseStudyLock or exit); a no-op
 * when this process holds it already. name: '' for the study, else a shard's own lock.
 */
export async function holdStudyLock(dir: string, name = ''): Promise<void> {
  const { lock, owner } = lockPaths(dir, name);
  if (held.has(lock)) return;
  let release: () => Promise<void>;
  try {
    release = await tryLock(dir, lock);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ELOCKED') throw new PairbenchError('io_error', `cannot lock study directory ${dir}: ${(e as Error).message}`, { path: dir });
    const o = readOwner(owner);
    if (o !== null && o.host === hostname() && o.pid !== process.pid && !pidAlive(o.pid)) {
      // the holder died on this machine without releasing it: take it over
      rmSync(lock, { recursive: true, force: true });
      return holdStudyLock(dir, name);
    }
    const who = o === null ? 'another process' : `process ${o.pid} on ${o.host} (since ${o.since})`;
    throw new PairbenchError('study_locked', `${dir} is in use by ${who}${name === '' ? '' : ` (${name})`}: wait for it to finish, or use another --out`, {
      path: dir,
      ...(o !== null ? { pid: o.pid, host: o.host } : {}),
    });
  }
  writeFileSync(owner, JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() }) + '\n');
  held.set(lock, async () => {
    rmSync(owner, { force: true });
    await release().catch(() => undefined);
  });
}

/** releases this process's lock of a study directory (or shard), if it holds it */
export async function releaseStudyLock(dir: string, name = ''): Promise<void> {
  const { lock } = lockPaths(dir, name);
  const r = held.get(lock);
  held.delete(lock);
  await r?.();
}
