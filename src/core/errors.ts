// Errors the engine raises on purpose: each carries a code for callers and a message a user can act on.

export type ErrorCode =
  | 'bad-argument'
  | 'bad-slice'
  | 'bad-expression'
  | 'unknown-expression'
  | 'not-an-array'
  | 'unsupported-dtype'
  | 'unreadable'
  | 'program-ended'
  | 'debugger-missing'
  | 'debugger-failed'
  | 'timeout'
  | 'cancelled'
  | 'stale';

export class ArrayLensError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ArrayLensError';
  }
}

export function isArrayLensError(e: unknown): e is ArrayLensError {
  return e instanceof ArrayLensError;
}
