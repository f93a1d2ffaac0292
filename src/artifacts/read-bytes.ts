// a user's file read whole, or a one-line io_error naming what it was meant to be
import { readFileSync } from 'node:fs';
import { PairbenchError } from '../errors.js';

export function readBytes(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new PairbenchError('io_error', `cannot read ${what} ${path}: ${err.code === 'ENOENT' ? 'no such file' : err.code === 'EISDIR' ? 'a directory, not a file' : err.message}`, { path, code: err.code });
  }
}
