import assert from 'node:assert/strict';
import { isPairbenchError, PairbenchError, type ErrorCode } from '../../src/errors.js';

// a call that must fail with one PairbenchError of this code, on one line, matching the pattern
export function throwsOneLine(fn: () => unknown, code: string, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isPairbenchError(e), String(e));
    assert.equal(e.code, code);
    assert.match(e.message, pattern);
    assert.ok(!e.message.includes('\n'));
    return true;
  });
}

// a call that must fail with a PairbenchError of this code whose message matches the pattern
export function throwsCode(f: () => unknown, code: ErrorCode, pattern: RegExp): void {
  assert.throws(f, (e: unknown) => e instanceof PairbenchError && e.code === code && pattern.test(e.message));
}
