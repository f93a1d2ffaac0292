// a call that must fail with one PairbenchError of this code, on one line, matching the pattern
import assert from 'node:assert/strict';
import { isPairbenchError } from '../../src/errors.js';

export function throwsOneLine(fn: () => unknown, code: string, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isPairbenchError(e), String(e));
    assert.equal(e.code, code);
    assert.match(e.message, pattern);
    assert.ok(!e.message.includes('\n'));
    return true;
  });
}
