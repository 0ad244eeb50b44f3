import { createHash } from 'crypto';
import * as fc from 'fast-check';
import { defaultUid } from '../../src/core/names';

/** The rule, written out: 10000 + the first four bytes of sha256(name) (big-endian) mod 50000. */
const byRule = (name: string) => 10000 + (createHash('sha256').update(name, 'utf-8').digest().readUInt32BE(0) % 50000);

test('a default UID follows the rule on first use and when remembered', () => {
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 80 }), name => {
    const first = defaultUid(name);
    expect(first).toBe(byRule(name));
    expect(defaultUid(name)).toBe(first);
  }));
});

test('default UIDs of known names stay what they were (UIDs are deployed state: a change would move file ownership)', () => {
  // Twice each: worked out, then remembered.
  for (let round = 0; round < 2; round++) {
    expect(['migrate', 'envoy', 'fluent-bit', 'vault-agent'].map(defaultUid)).toEqual([23363, 53056, 25865, 25283]);
  }
});
