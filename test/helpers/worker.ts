// the first message of a worker thread, or a clear failure: an error, an exit before any message, a timeout
import type { Worker } from 'node:worker_threads';

export function firstMessage<T>(worker: Worker, what: string, timeoutMs = 60_000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`${what}: no message from the worker within ${timeoutMs} ms`));
      void worker.terminate();
    }, timeoutMs);
    const done = (): void => { clearTimeout(timer); };
    worker.once('message', (m: T) => { done(); resolve(m); });
    worker.once('error', (e) => { done(); reject(e); });
    worker.once('exit', (code) => { done(); reject(new Error(`${what}: the worker exited (code ${code}) before sending a message`)); });
  });
}
