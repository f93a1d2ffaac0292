// pairbench worker --queue redis://... [--workers N]: trains queued runs until stopped (Ctrl-C:
// finish the runs in flight; twice: drop them, they are retried by other workers)
import { serveQueue } from '../study/queue/worker.js';
import { defaultWorkers } from '../study/runner.js';

export async function workerCommand(o: { queue: string; workers?: number; mnistDir?: string }): Promise<void> {
  const stamp = (): string => new Date().toISOString().slice(11, 19);
  const serving = await serveQueue({
    url: o.queue,
    workers: o.workers ?? defaultWorkers(),
    mnistDir: o.mnistDir,
    log: (s) => process.stdout.write(`${stamp()} ${s}\n`),
    warn: (s) => process.stderr.write(`${stamp()} pairbench worker: ${s}\n`),
  });
  await new Promise<void>((resolve) => {
    let signals = 0;
    const onSignal = (): void => {
      signals++;
      if (signals === 1) {
        process.stdout.write(`${stamp()} stopping: finishing the runs in flight (Ctrl-C again drops them; other workers retry them)\n`);
        void serving.close().then(resolve);
      } else void serving.kill().then(resolve);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
