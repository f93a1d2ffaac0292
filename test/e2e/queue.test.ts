// studies across processes, with real components: a redis-server started here on a random loopback
// port, `pairbench worker` and `pairbench study --queue` as child processes. Also the study
// directory lock and --shard + merge, which need no Redis.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue, Worker } from 'bullmq';
import { redisServerPath, skipUnless } from '../helpers/components.js';
import { CLI, readLines, tmp, untimed, type Line } from './cli-helpers.js';

// short BullMQ timings: a killed worker's job is retried after ~1.5 s instead of ~30 s
const ENV = {
  PAIRBENCH_QUEUE_POLL_MS: '100',
  PAIRBENCH_QUEUE_RECONCILE_MS: '1000',
  PAIRBENCH_QUEUE_LOCK_MS: '1500',
  PAIRBENCH_QUEUE_STALLED_MS: '500',
  PAIRBENCH_QUEUE_BACKOFF_MS: '100',
  PAIRBENCH_DEBUG: '',
};
const TINY = ['--epochs', '2', '--train-pairs', '300', '--test-pairs', '200', '--seed', '5'];
const MODELS = 'carparelli2019/mlp-sharing-aux,kropfhamer2022/feedforward';

interface Proc { child: ChildProcess; out: () => string; err: () => string; exited: Promise<number | null> }

const started: Proc[] = []; // killed at the end of each test, whatever happened

function start(args: string[]): Proc {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...ENV } });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((res) => child.on('close', (code) => res(code)));
  const p = { child, out: () => out, err: () => err, exited };
  started.push(p);
  return p;
}

async function killAll(): Promise<void> {
  for (const p of started) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  await Promise.all(started.splice(0).map((p) => p.exited));
}

async function run(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const p = start(args);
  const status = await p.exited;
  return { status, stdout: p.out(), stderr: p.err() };
}

async function until(what: string, ok: () => boolean, timeoutMs = 20_000): Promise<void> {
  const t0 = Date.now();
  while (!ok()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

const key = (r: Line): string => `${r.model}|${r.round}|${r.seed}`;
const byKey = (rs: Line[]): Line[] => [...rs].sort((a, b) => key(a).localeCompare(key(b)));
const untimedNoHost = (r: Line): unknown => {
  const { host: _h, ...rest } = untimed(r) as Record<string, unknown>;
  return rest;
};

function assertExactlyOnce(rs: Line[], n: number): void {
  assert.equal(rs.length, n, `${rs.length} lines, expected ${n}`);
  assert.equal(new Set(rs.map(key)).size, n, 'a run appears twice');
}

async function startRedis(): Promise<{ port: number; stop: () => Promise<void> }> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 40_000);
    const child = spawn(redisServerPath()!, ['--save', '', '--appendonly', 'no', '--port', String(port), '--bind', '127.0.0.1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<void>((res) => child.on('close', () => res()));
    let dead = false;
    void exited.then(() => (dead = true));
    await until('redis-server to start', () => out.includes('Ready to accept connections') || dead, 10_000);
    if (!dead) return { port, stop: async () => { child.kill('SIGKILL'); await exited; } };
  }
  throw new Error('redis-server did not start on any of 5 random ports');
}

const noRedis = skipUnless('redis', redisServerPath() !== undefined, 'no redis-server (Debian package redis-server); the queue tests did not run');

test('queue: workers anywhere, every run exactly once, faults survived', { skip: noRedis, timeout: 90_000 }, async (t) => {
  const redis = await startRedis();
  const url = `redis://127.0.0.1:${redis.port}`;
  const base = tmp('queue');
  try {
    // the same study trained locally: the reference the queue's records must equal
    const localDir = join(base, 'local');
    const local = await run(['study', '--models', MODELS, '--rounds', '4', ...TINY, '--workers', '2', '--out', localDir]);
    assert.equal(local.status, 0, local.stderr);

    const w1 = start(['worker', '--queue', url, '--workers', '1']);
    const w2 = start(['worker', '--queue', url, '--workers', '1']);
    await until('two workers serving', () => w1.out().includes('serving') && w2.out().includes('serving'));

    await t.test('a worker SIGKILLed mid-run: its run is retried elsewhere; records equal the local study apart from timing and host', async () => {
      const dir = join(base, 'killed-worker');
      const coord = start(['study', '--models', MODELS, '--rounds', '4', ...TINY, '--out', dir, '--queue', url]);
      await until('a run started on worker 1', () => /start /.test(w1.out()));
      w1.child.kill('SIGKILL');
      const status = await coord.exited;
      assert.equal(status, 0, coord.err());
      const started = w1.out().match(/start .*/g) ?? [];
      const finished = w1.out().match(/done .*/g) ?? [];
      assert.ok(started.length > finished.length, 'the worker was killed between runs, not mid-run');
      const rs = readLines(dir);
      assertExactlyOnce(rs, 8);
      assert.deepEqual(byKey(rs).map(untimedNoHost), byKey(readLines(localDir)).map(untimedNoHost));
      assert.ok(rs.every((r) => r['host'] === hostname()), 'every record names its host');
      const page = readFileSync(join(dir, 'index.html'), 'utf8');
      assert.ok(page.includes('trained on') && page.includes(`${hostname()} (8 runs)`), 'the page names the hosts');
    });

    const w3 = start(['worker', '--queue', url, '--workers', '1']);
    await until('the third worker serving', () => w3.out().includes('serving'));

    await t.test('the coordinator SIGKILLed and restarted: nothing lost or duplicated', async () => {
      const dir = join(base, 'killed-coordinator');
      const args = ['study', '--models', MODELS, '--rounds', '6', ...TINY, '--out', dir, '--queue', url];
      const first = start(args);
      await until('two runs appended', () => existsSync(join(dir, 'runs.jsonl')) && readLines(dir).length >= 2);
      first.child.kill('SIGKILL');
      await first.exited;
      await sleep(500); // the workers finish runs meanwhile: the restarted coordinator collects them
      const again = await run(args);
      assert.equal(again.status, 0, again.stderr);
      assert.match(again.stdout, /resuming .*runs already finished/);
      assertExactlyOnce(readLines(dir), 12);
    });

    await t.test('a malformed job, a job of another version and a malformed result are rejected; the study and the worker go on', async () => {
      const dbUrl = `${url}/1`; // no worker serves db 1 until this test starts one
      const conn = { host: '127.0.0.1', port: redis.port, db: 1, maxRetriesPerRequest: null };
      const q = new Queue('pairbench', { connection: conn });
      let rogue: Worker | null = null;
      try {
      const dir = join(base, 'malformed');
      const coord = start(['study', '--models', MODELS, '--rounds', '2', ...TINY, '--out', dir, '--queue', dbUrl]);
      // a rogue worker answers the first job with garbage
      let forged = 0;
      rogue = new Worker('pairbench', async () => {
        forged++;
        if (forged === 1) return { model: 'not a record' };
        await sleep(60_000, undefined, { ref: false }); // holds its second job until closed
        return null;
      }, { connection: conn, concurrency: 1, lockDuration: 1500, stalledInterval: 500 });
      await until('the forged result rejected', () => coord.out().includes('rejected the result of'));
      await rogue.close(true); // its second job stays active until its lock expires, then another worker takes it
      // two bad jobs at the head of the queue: the worker meets them before the study's runs
      await q.add('run', { pairbench: '0.1.0', study: 'x', run: { model: '../../etc/passwd', round: 0 } }, { jobId: 'bogus-1', lifo: true });
      const valid = { model: 'kropfhamer2022/feedforward', round: 0, seed: 1, epochs: 1, batchSize: null, trainPairs: 100, testPairs: 100 };
      await q.add('run', { pairbench: '0.0.0-other', study: '0123456789abcdef', run: valid }, { jobId: '0123456789abcdef|kropfhamer2022/feedforward|0|1', lifo: true });
      const w = start(['worker', '--queue', dbUrl, '--workers', '1']);
      const status = await coord.exited;
      assert.equal(status, 0, coord.err());
      assertExactlyOnce(readLines(dir), 4);
      await until('both bad jobs failed', () => (w.err().match(/rejected job/g) ?? []).length >= 2);
      const bogus = await q.getJob('bogus-1');
      assert.match(bogus?.failedReason ?? '', /malformed job: .*run/);
      const other = await q.getJob('0123456789abcdef|kropfhamer2022/feedforward|0|1');
      assert.match(other?.failedReason ?? '', /planned by pairbench 0\.0\.0-other, this worker runs pairbench /);
      assert.equal(w.child.exitCode, null, 'the worker stopped');
      } finally {
        await rogue?.close(true);
        await q.close();
      }
    });

    await t.test('a run that fails on every try stops the study with its error', async () => {
      const conn = { host: '127.0.0.1', port: redis.port, db: 2, maxRetriesPerRequest: null };
      const failing = new Worker('pairbench', async () => {
        throw new Error('out of memory (a test worker)');
      }, { connection: conn, concurrency: 1 });
      const dir = join(base, 'failing');
      const r = await run(['study', '--models', 'kropfhamer2022/feedforward', '--rounds', '1', ...TINY, '--out', dir, '--queue', `${url}/2`]).finally(() => failing.close());
      assert.equal(r.status, 1);
      assert.match(r.stderr, /kropfhamer2022\/feedforward\|0\|\d+ failed 3 times on the workers: out of memory \(a test worker\) \[queue_error\]/);
    });
  } finally {
    await killAll();
    await redis.stop();
  }
});

test('lock: a second study on the same directory refuses, naming the holder; a dead holder\'s lock is taken over', async (t) => {
  t.after(killAll);
  const dir = join(tmp('lock'), 'out');
  const args = ['study', '--models', MODELS, '--rounds', '100', ...TINY, '--workers', '1', '--out', dir];
  const first = start(args);
  await until('the first study training', () => existsSync(join(dir, 'runs.jsonl')));
  const second = await run(args);
  assert.equal(second.status, 1);
  assert.match(second.stderr, new RegExp(`in use by process ${first.child.pid} on ${hostname()} .*\\[study_locked\\]`));
  first.child.kill('SIGKILL');
  await first.exited;
  const before = readLines(dir).length;
  start(args); // takes the dead holder's lock over
  await until('the third study appending', () => readLines(dir).length > before);
});

test('shards: --shard 1/3, 2/3, 3/3 merged = the unsharded study', async (t) => {
  t.after(killAll);
  const base = tmp('shard');
  const common = ['study', '--models', MODELS, '--rounds', '3', ...TINY, '--workers', '1'];
  const whole = await run([...common, '--out', join(base, 'whole')]);
  assert.equal(whole.status, 0, whole.stderr);
  const dir = join(base, 'sharded');
  const shards = await Promise.all(['1/3', '2/3', '3/3'].map((s) => run([...common, '--out', dir, '--shard', s])));
  for (const s of shards) assert.equal(s.status, 0, s.stderr);
  assert.match(shards[0]!.stdout, /pairbench merge/);
  assert.ok(!existsSync(join(dir, 'runs.jsonl')), 'a shard wrote runs.jsonl');
  const m = await run(['merge', dir]);
  assert.equal(m.status, 0, m.stderr);
  assert.match(m.stdout, /merged 3 shard files .*: 6 runs added, 0 duplicates/);
  assert.deepEqual(byKey(readLines(dir)).map(untimedNoHost), byKey(readLines(join(base, 'whole'))).map(untimedNoHost));
  assert.ok(existsSync(join(dir, 'index.html')));
  const again = await run(['merge', dir]);
  assert.match(again.stdout, /0 runs added, 6 duplicates skipped/);
  assertExactlyOnce(readLines(dir), 6);
  // a shard file whose record of a run differs (another machine's bits): reported, the first kept
  const [first] = readLines(dir);
  writeFileSync(join(dir, 'runs.shard-1-of-1.jsonl'), JSON.stringify({ ...first, testAccuracy: 0.123 }) + '\n');
  const conflict = await run(['merge', dir]);
  assert.equal(conflict.status, 0, conflict.stderr);
  assert.match(conflict.stderr, new RegExp(`conflict: ${first!.model}\\|${first!.round}\\|${first!.seed}: runs.jsonl and runs.shard-1-of-1.jsonl hold different records`));
  assertExactlyOnce(readLines(dir), 6);
  assert.equal(readLines(dir)[0]!.testAccuracy, first!.testAccuracy);
});
