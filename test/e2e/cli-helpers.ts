// running the CLI as a user does: node dist/src/cli/main.js with arguments, in a child process
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDirUntilExit } from '../helpers/tmp.js';

export const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export interface CliResult { status: number | null; stdout: string; stderr: string }

export function cli(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    cwd: opts.cwd,
    env: { ...process.env, ...(opts.env ?? {}), PAIRBENCH_DEBUG: '' },
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function cliAsync(args: string[]): ChildProcess {
  return spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PAIRBENCH_DEBUG: '' } });
}

export function tmp(prefix: string): string {
  return tempDirUntilExit(prefix);
}

// small and fast: 1 epoch on 200 pairs
export const SMALL = ['--epochs', '1', '--train-pairs', '200', '--test-pairs', '200'];

export interface Line { model: string; round: number; seed: number; trainSeconds: number; metrics: { seconds: number }[]; [k: string]: unknown }

export function readLines(dir: string): Line[] {
  const text = readFileSync(join(dir, 'runs.jsonl'), 'utf8');
  if (text === '') return [];
  if (!text.endsWith('\n')) throw new Error('runs.jsonl does not end with a newline');
  return text.slice(0, -1).split('\n').map((l) => JSON.parse(l) as Line);
}

// a record without its timing fields, for comparing runs across invocations
export function untimed(r: Line): unknown {
  const { trainSeconds: _t, timing: _timing, ...rest } = r;
  return { ...rest, metrics: r.metrics.map(({ seconds: _s, ...m }) => m) };
}
