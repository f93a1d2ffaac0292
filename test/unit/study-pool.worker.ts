// a study worker that exits without a word when it gets its first job (the pool must notice)
import { parentPort } from 'node:worker_threads';

parentPort!.once('message', () => process.exit(7));
