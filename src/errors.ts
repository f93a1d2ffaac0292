// one error type for the whole project; `code` says what went wrong, `details` holds the structured facts
export type ErrorCode =
  | 'shape_mismatch'
  | 'bad_argument'
  | 'backend_unavailable'
  | 'bad_idx_file'
  | 'bad_config'
  | 'unknown_model'
  | 'bad_fixture'
  | 'io_error'
  | 'study_conflict'
  | 'damaged_runs'
  | 'no_grad';

export class PairbenchError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>>;
  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'PairbenchError';
    this.code = code;
    this.details = details;
  }
}

export function isPairbenchError(e: unknown): e is PairbenchError {
  return e instanceof PairbenchError;
}

export function shapeStr(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

export function shapeMismatch(op: string, message: string, shapes: Record<string, readonly number[]>): PairbenchError {
  const parts = Object.entries(shapes).map(([k, s]) => `${k} ${shapeStr(s)}`);
  return new PairbenchError('shape_mismatch', `${op}: ${message} (${parts.join(', ')})`, { op, shapes });
}
