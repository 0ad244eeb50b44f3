import { ErrorCode, SidecarError } from '../src/core/errors';

/**
 * Asserts that `fn` throws a catalogued error with `code` whose message contains
 * every part (the construct path and field, typically).
 */
export function expectError(fn: () => unknown, code: ErrorCode, ...parts: Array<string | RegExp>): SidecarError {
  let error: unknown;
  try { fn(); } catch (e) { error = e; }
  if (!(error instanceof SidecarError)) {
    throw new Error(`expected a SidecarError ${code}, got ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
  }
  expect(error.code).toBe(code);
  for (const p of parts) {
    if (typeof p === 'string') { expect(error.message).toContain(p); } else { expect(error.message).toMatch(p); }
  }
  return error;
}
