// study progress: a cli-progress bar on a terminal (overall, ETA, runs in flight, last accuracy),
// plain lines otherwise (one per finished run, and a heartbeat when nothing finished for a while)
import cliProgress from 'cli-progress';
import { comboText } from './grid.js';
import type { RunJob, StudyRecord } from './job.js';

export interface Progress {
  // the runs this invocation will train (with their epochs); done: runs already finished before;
  // cost: a job's estimated seconds per epoch (weights the ETA of models with no finished run yet)
  begin(jobs: readonly { job: RunJob; epochs: number }[], done: number, workers: number, cost?: (job: RunJob) => number): void;
  runStart(job: RunJob, epochs: number, worker: number): void;
  epoch(job: RunJob, epoch: number, testAccuracy: number, worker: number): void;
  runDone(job: RunJob, record: StudyRecord, worker: number): void;
  end(): void;
}

export function clock(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : `${m}:${String(r).padStart(2, '0')}`;
}

function short(job: RunJob): string {
  const name = job.model.includes('/') ? job.model.slice(job.model.indexOf('/') + 1) : job.model;
  const g = job.grid;
  const hp = g === undefined ? '' : g.stage === 'search' ? ` ${comboText(g, job.model)}` : ' final';
  return `${name}${hp} r${job.round}`;
}

// shared bookkeeping: epochs done (for ETA), runs in flight per worker
abstract class Base implements Progress {
  protected total = 0;
  protected epochsTotal = 0;
  protected epochsDone = 0;
  protected runsDone = 0;
  protected before = 0;
  protected started = 0;
  protected lastAcc: number | null = null;
  protected flight = new Map<number, { job: RunJob; epochs: number; epoch: number }>();
  // ETA: seconds per epoch measured per model on the finished runs, applied to the epochs left
  private pending = new Map<string, number>(); // model -> epochs not started yet
  private rate = new Map<string, { seconds: number; epochs: number }>();
  private workers = 1;
  private estimated = new Map<string, number>(); // model -> estimated seconds per epoch

  begin(jobs: readonly { job: RunJob; epochs: number }[], done: number, workers: number, cost?: (job: RunJob) => number): void {
    if (cost !== undefined) {
      for (const j of jobs) {
        const c = cost(j.job);
        if (Number.isFinite(c) && !this.estimated.has(j.job.model)) this.estimated.set(j.job.model, c);
      }
    }
    this.total = jobs.length;
    this.epochsTotal = Math.max(1, jobs.reduce((a, j) => a + j.epochs, 0));
    for (const j of jobs) this.pending.set(j.job.model, (this.pending.get(j.job.model) ?? 0) + j.epochs);
    this.workers = Math.max(1, workers);
    this.before = done;
    this.started = performance.now();
  }
  runStart(job: RunJob, epochs: number, worker: number): void {
    this.pending.set(job.model, (this.pending.get(job.model) ?? 0) - epochs);
    this.flight.set(worker, { job, epochs, epoch: 0 });
    this.update();
  }
  epoch(_job: RunJob, epoch: number, testAccuracy: number, worker: number): void {
    const f = this.flight.get(worker);
    if (f !== undefined) {
      this.epochsDone += Math.max(0, epoch - f.epoch);
      f.epoch = epoch;
    }
    this.lastAcc = testAccuracy;
    this.update();
  }
  runDone(_job: RunJob, record: StudyRecord, worker: number): void {
    const f = this.flight.get(worker);
    if (f !== undefined) this.epochsDone += Math.max(0, f.epochs - f.epoch);
    this.flight.delete(worker);
    this.runsDone++;
    this.lastAcc = record.testAccuracy;
    const r = this.rate.get(record.model) ?? { seconds: 0, epochs: 0 };
    this.rate.set(record.model, { seconds: r.seconds + record.trainSeconds, epochs: r.epochs + record.epochs });
    this.finished(record);
  }
  protected elapsed(): number {
    return (performance.now() - this.started) / 1000;
  }
  eta(): number {
    if (this.epochsDone === 0 && this.estimated.size === 0) return NaN;
    let known = 0;
    let knownEpochs = 0;
    for (const r of this.rate.values()) {
      known += r.seconds;
      knownEpochs += r.epochs;
    }
    // models with no finished run yet: their estimated cost, scaled by how the finished models
    // compare with their estimates; without an estimate the mean rate of the others, else the
    // overall wall-clock rate
    const fallback = knownEpochs > 0 ? known / knownEpochs : this.epochsDone > 0 ? (this.elapsed() * this.workers) / this.epochsDone : NaN;
    let estKnown = 0;
    for (const [model, r] of this.rate) estKnown += (this.estimated.get(model) ?? NaN) * r.epochs;
    const scale = knownEpochs > 0 && Number.isFinite(estKnown) && estKnown > 0 ? known / estKnown : 1;
    const perEpoch = (model: string): number => {
      const r = this.rate.get(model);
      if (r !== undefined && r.epochs > 0) return r.seconds / r.epochs;
      const e = this.estimated.get(model);
      return e !== undefined ? e * scale : fallback;
    };
    let work = 0;
    for (const [model, epochs] of this.pending) work += Math.max(0, epochs) * perEpoch(model);
    for (const f of this.flight.values()) work += Math.max(0, f.epochs - f.epoch) * perEpoch(f.job.model);
    return work / Math.min(this.workers, Math.max(1, this.total - this.runsDone));
  }
  protected current(): string {
    const parts = [...this.flight.values()].map((f) => `${short(f.job)} e${f.epoch}/${f.epochs}`);
    return parts.length > 3 ? `${parts.slice(0, 3).join(', ')}, +${parts.length - 3}` : parts.join(', ');
  }
  protected abstract update(): void;
  protected abstract finished(record: StudyRecord): void;
  abstract end(): void;
}

class BarProgress extends Base {
  private bar = new cliProgress.SingleBar(
    {
      format: ' {bar} {percentage}% | {runs} runs | ETA {etaText} | {current} | last {last}',
      stream: process.stdout,
      hideCursor: true,
      fps: 4,
      barsize: 24,
      clearOnComplete: false,
    },
    cliProgress.Presets.shades_classic,
  );
  private payload(): Record<string, string> {
    return {
      runs: `${this.before + this.runsDone}/${this.before + this.total}`,
      etaText: clock(this.eta()),
      current: this.current() || '-',
      last: this.lastAcc === null ? '-' : `${(this.lastAcc * 100).toFixed(1)}%`,
    };
  }
  override begin(jobs: readonly { job: RunJob; epochs: number }[], done: number, workers: number, cost?: (job: RunJob) => number): void {
    super.begin(jobs, done, workers, cost);
    this.bar.start(this.epochsTotal, 0, this.payload());
  }
  protected update(): void {
    this.bar.update(this.epochsDone, this.payload());
  }
  protected finished(): void {
    this.update();
  }
  end(): void {
    this.bar.update(this.epochsDone, this.payload());
    this.bar.stop();
  }
}

class LineProgress extends Base {
  private timer: NodeJS.Timeout | null = null;
  private lastLine = 0;
  constructor(private readonly write: (s: string) => void, private readonly heartbeatSeconds = 30, private readonly hosts = false) {
    super();
  }
  override begin(jobs: readonly { job: RunJob; epochs: number }[], done: number, workers: number, cost?: (job: RunJob) => number): void {
    super.begin(jobs, done, workers, cost);
    this.lastLine = performance.now();
    this.timer = setInterval(() => {
      if (performance.now() - this.lastLine >= this.heartbeatSeconds * 1000) this.line(`… ${this.before + this.runsDone}/${this.before + this.total} runs, ${Math.floor((100 * this.epochsDone) / this.epochsTotal)}% of epochs, elapsed ${clock(this.elapsed())}, ETA ${clock(this.eta())} | ${this.current()}`);
    }, 1000);
    this.timer.unref();
  }
  private line(s: string): void {
    this.lastLine = performance.now();
    this.write(s + '\n');
  }
  protected update(): void {}
  protected finished(record: StudyRecord): void {
    const n = this.before + this.runsDone;
    const all = this.before + this.total;
    const g = record.grid;
    const hp = g === undefined ? '' : g.stage === 'search' ? ` [${comboText(g, record.model)}; validation ${((record.validationAccuracy ?? NaN) * 100).toFixed(2)}%]` : ' [final]';
    this.line(`[${String(n).padStart(String(all).length)}/${all}] ${record.model}${hp} round ${record.round}: test ${(record.testAccuracy * 100).toFixed(2)}% (${record.trainSeconds.toFixed(1)} s${this.hosts && record.host !== undefined ? ` on ${record.host}` : ''}) · elapsed ${clock(this.elapsed())} · ETA ${clock(this.eta())}`);
  }
  end(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }
}

// a bar when stdout is a terminal, else plain lines on stdout
// hosts: name the machine of each finished run (a queue study)
export function makeProgress(opts: { tty?: boolean; quiet?: boolean; hosts?: boolean } = {}): Progress {
  if (opts.quiet) return new (class extends Base { protected update(): void {} protected finished(): void {} end(): void {} })();
  const tty = opts.tty ?? process.stdout.isTTY === true;
  return tty ? new BarProgress() : new LineProgress((s) => process.stdout.write(s), 30, opts.hosts === true);
}
