// worker threads fed one run at a time from outside (a queue), each with its own engine: training
// never blocks the thread that renews the queue's job locks. A crashed thread is replaced.
import { Worker } from 'node:worker_threads';
import type { SharedMnistDescriptor } from '../../data/mnist.js';
import { PairbenchError } from '../../errors.js';
import type { RunJob, StudyRecord } from '../job.js';
import type { FromWorker } from '../pool.js';

const THREAD_URL = new URL('../worker.js', import.meta.url);

interface Pending {
  resolve: (r: StudyRecord) => void;
  reject: (e: Error) => void;
  onEpoch?: ((epoch: number, testAccuracy: number) => void) | undefined;
}

export class RunThreads {
  private idle: Worker[] = [];
  private waiting: (() => void)[] = [];
  private pending = new Map<number, Pending>();
  private next = 0;
  private all = new Set<Worker>();
  private closing = false;

  constructor(size: number, private readonly mnist: SharedMnistDescriptor) {
    for (let i = 0; i < size; i++) this.idle.push(this.spawn());
  }

  private spawn(): Worker {
    const w = new Worker(THREAD_URL, { workerData: { mnist: this.mnist } });
    this.all.add(w);
    return w;
  }

  private async take(): Promise<Worker> {
    for (;;) {
      const w = this.idle.pop();
      if (w !== undefined) return w;
      await new Promise<void>((r) => this.waiting.push(r));
    }
  }

  private give(w: Worker): void {
    this.idle.push(w);
    this.waiting.shift()?.();
  }

  async run(job: RunJob, onEpoch?: (epoch: number, testAccuracy: number) => void): Promise<StudyRecord> {
    const w = await this.take();
    const id = this.next++;
    return new Promise<StudyRecord>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onEpoch });
      const cleanup = (): void => {
        w.off('message', onMessage);
        w.off('error', onCrash);
        w.off('exit', onExit);
        this.pending.delete(id);
      };
      const onMessage = (m: FromWorker): void => {
        if (m.id !== id) return;
        if (m.type === 'epoch') return onEpoch?.(m.epoch, m.testAccuracy);
        cleanup();
        this.give(w);
        if (m.type === 'done') resolve(m.record);
        else reject(m.code === 'internal' ? new Error(m.message.split('\n')[0]) : new PairbenchError(m.code, m.message));
      };
      const replace = (why: string): void => {
        cleanup();
        this.all.delete(w);
        if (!this.closing) this.give(this.spawn());
        reject(new Error(why));
      };
      const onCrash = (e: Error): void => replace(`training thread crashed: ${e.message}`);
      const onExit = (code: number): void => replace(`training thread exited (code ${code})`);
      w.on('message', onMessage);
      w.on('error', onCrash);
      w.on('exit', onExit);
      w.postMessage({ id, job });
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all([...this.all].map((w) => w.terminate().catch(() => 0)));
    this.all.clear();
  }
}
