// one error type for the whole project; `code` says what went wrong, `details` holds the structured facts

// more facts a thrower may add next to the typed ones
type Extra = { readonly [key: string]: unknown };

// the details each code carries (the typed fields; a thrower may add more)
export interface ErrorDetails {
  // an op's inputs do not fit it: the op and the shapes it got, by argument name
  shape_mismatch: { op: string; shapes: Readonly<Record<string, readonly number[]>> } & Extra;
  // a value out of range; which op, layer or optimizer, and which field with what value
  bad_argument: { op?: string; layer?: string; optimizer?: string; backend?: string; field?: string; value?: unknown; shape?: readonly number[] } & Extra;
  backend_unavailable: { backend: string; reason: string } & Extra;
  bad_idx_file: { file?: string; problem?: string } & Extra;
  // a config field or file that does not hold what it must
  bad_config: { field?: string; value?: unknown; path?: string; line?: number; model?: string } & Extra;
  unknown_model: { id: string; nearest: readonly string[] } & Extra;
  bad_fixture: { file?: string } & Extra;
  io_error: { path?: string; file?: string; code?: string | undefined } & Extra;
  study_conflict: { path?: string } & Extra;
  // lines of runs.jsonl that are not run records (resume moves them to runs.rejected.jsonl)
  damaged_runs: { path: string; lines: readonly number[] } & Extra;
  // another process holds the study directory's lock: who
  study_locked: { path: string; pid?: number; host?: string } & Extra;
  // the --queue Redis cannot be reached, or a queued run failed or sent malformed results
  queue_error: { url?: string; run?: string } & Extra;
  // a plan estimated over an hour, started on a terminal without --yes
  needs_confirmation: { seconds: number; runs: number } & Extra;
  // backward() on a tensor nothing that requires grad reached
  no_grad: { shape: readonly number[] } & Extra;
  // a second backward() through a graph whose buffers the first one recycled
  graph_consumed: { op: string } & Extra;
  // a checkpoint file that is not a whole pairbench checkpoint (safetensors layout, metadata, tensors)
  bad_checkpoint: { file: string; field?: string; problem?: string } & Extra;
  // a user's input to predict (an image) that cannot be read as one
  bad_input: { file?: string } & Extra;
}

export type ErrorCode = keyof ErrorDetails;

// the details argument may be left out when none of its typed fields is required
type DetailsArg<C extends ErrorCode> = Record<never, never> extends ErrorDetails[C] ? [details?: ErrorDetails[C]] : [details: ErrorDetails[C]];

export class PairbenchError<C extends ErrorCode = ErrorCode> extends Error {
  readonly code: C;
  readonly details: Readonly<ErrorDetails[C]>;
  constructor(code: C, message: string, ...[details]: DetailsArg<C>) {
    super(message);
    this.name = 'PairbenchError';
    this.code = code;
    this.details = details ?? ({} as ErrorDetails[C]);
  }
}

// a PairbenchError (of the given code, when one is given)
export function isPairbenchError<C extends ErrorCode = ErrorCode>(e: unknown, code?: C): e is PairbenchError<C> {
  return e instanceof PairbenchError && (code === undefined || e.code === code);
}

export function shapeStr(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

export function shapeMismatch(op: string, message: string, shapes: Record<string, readonly number[]>): PairbenchError<'shape_mismatch'> {
  const parts = Object.entries(shapes).map(([k, s]) => `${k} ${shapeStr(s)}`);
  return new PairbenchError('shape_mismatch', `${op}: ${message} (${parts.join(', ')})`, { op, shapes });
}

// why a file could not be written, in a few words (ENOENT on a write: the directory it goes in is missing)
export function writeErrorText(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  switch (err.code) {
    case 'ENOENT': return 'the directory it goes in does not exist';
    case 'EISDIR': return 'it is a directory';
    case 'ENOTDIR': return 'a parent is not a directory';
    case 'EACCES': case 'EPERM': return 'permission denied';
    case 'EROFS': return 'read-only file system';
    case 'ENOSPC': return 'no space left on the device';
    default: return err.message;
  }
}
