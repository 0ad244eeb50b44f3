/**
 * The JSON helpers behind reuse (src/k8s/render-memo.ts): the copier compiles a value into a
 * JavaScript literal with JSON.stringify as its one escaping function, so it is tested here with
 * V8 as the parser, on any JSON value and on keys and strings that a literal treats specially.
 */
import * as fc from 'fast-check';
import { RenderMemo, copier, matcher, patcher, sameJson } from '../../src/k8s/render-memo';

/** Strings a JavaScript literal could misread: quotes, backslashes, line and paragraph separators, lone surrogates, `__proto__`. */
const tricky = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', '"', '\\', '\u2028', '\u2029', '\ud800', '\udfff', '`${x}`', '</script>', '"}); process.exit(1); ({"'),
);
const json = fc.letrec(tie => ({
  value: fc.oneof({ depthSize: 'small' },
    fc.constant(null), fc.boolean(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), tricky,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(tricky, tie('value'), { maxKeys: 4 })),
})).value;

/** Every object and array of a value, for checking that a copy shares none with it. */
function containers(v: unknown, out = new Set<unknown>()): Set<unknown> {
  if (v !== null && typeof v === 'object') {
    out.add(v);
    for (const x of Object.values(v)) { containers(x, out); }
  }
  return out;
}

/** A deep copy through the JSON text (keeps key order, and `__proto__` as an own key). */
const viaText = (v: unknown) => JSON.parse(JSON.stringify(v));

test('property: a copy equals the value, keys in the same order, and shares no object or array with it or with another copy', () => {
  fc.assert(fc.property(json, value => {
    const copy = copier(value);
    const a = copy();
    const b = copy();
    expect(JSON.stringify(a)).toBe(JSON.stringify(value));
    expect(sameJson(a, value)).toBe(true);
    const mine = containers(a);
    for (const x of containers(value)) { expect(mine.has(x)).toBe(false); }
    for (const x of containers(b)) { expect(mine.has(x)).toBe(false); }
  }), { numRuns: 500 });
});

test('a "__proto__" key stays an own key of the copy and sets no prototype; a string cannot end the literal', () => {
  const value = JSON.parse('{"a":{"__proto__":{"polluted":true},"b":"\\u2028\\"});x=1;({"},"c":["\\ud800"]}');
  const copy = copier(value)();
  expect(Object.keys(copy.a)).toEqual(['__proto__', 'b']);
  expect(Object.getPrototypeOf(copy.a)).toBe(Object.prototype);
  expect((copy.a as any).polluted).toBeUndefined();
  expect(({} as any).polluted).toBeUndefined();
  expect(JSON.stringify(copy)).toBe(JSON.stringify(value));
});

test('values JSON text would not give back are copied as they are (undefined fields, -0)', () => {
  const value = { a: undefined, b: -0, c: [1, { d: undefined }] };
  const copy = copier(value)();
  expect(Object.keys(copy)).toEqual(['a', 'b', 'c']);
  expect(Object.is(copy.b, -0)).toBe(true);
  expect('d' in copy.c[1]).toBe(true);
});

test('property: a matcher agrees with sameJson on JSON values, including key order', () => {
  fc.assert(fc.property(json, json, (a, b) => {
    const matches = matcher(a);
    expect(matches(viaText(a))).toBe(true);
    expect(matches(b)).toBe(sameJson(a, b));
  }), { numRuns: 500 });
  expect(matcher({ a: 1, b: 2 })({ b: 2, a: 1 })).toBe(false);
  expect(matcher([1, 2])([1, 2, 3])).toBe(false);
  expect(matcher({})([])).toBe(false);
});

test('a matcher compares as the manifest is synthesized: NaN and Infinity never match, an undefined field is as absent', () => {
  // JSON text writes NaN and Infinity as null, which cdk8s never writes: a value holding one matches nothing.
  expect(matcher({ port: 8080 })({ port: NaN })).toBe(false);
  expect(matcher({ ports: [1] })({ ports: [Infinity] })).toBe(false);
  // A value that holds null is compared walking (cdk8s drops null fields, so only a hand-made toJson writes one).
  expect(matcher({ a: null })({ a: NaN })).toBe(false);
  expect(matcher({ a: null })({ a: null })).toBe(true);
  // An undefined field is left out of the synthesized manifest, so it is as absent.
  expect(matcher({ a: 1 })({ a: 1, b: undefined })).toBe(true);
  // Not JSON at all: no match, no throw.
  const cycle: any = { a: 1 };
  cycle.self = cycle;
  expect(matcher({ a: 1 })(cycle)).toBe(false);
  expect(matcher({ a: 1 })({ a: BigInt(1) })).toBe(false);
});

test('property: a patcher makes the rendered value from any value equal to the original, sharing only unchanged parts of that value', () => {
  fc.assert(fc.property(json, json, (original, rendered) => {
    const patch = patcher(original, rendered);
    const own = viaText(original);
    const out = patch(own);
    expect(JSON.stringify(out)).toBe(JSON.stringify(rendered));
    // Nothing of the rendering it was made from, and nothing of one output in another.
    const again = patch(viaText(original));
    const mine = containers(out);
    for (const x of containers(rendered)) { expect(mine.has(x)).toBe(false); }
    for (const x of containers(again)) { expect(mine.has(x)).toBe(false); }
  }), { numRuns: 500 });
});

test('a patcher keeps what injection left alone from the workload\'s own JSON and rebuilds what it changed', () => {
  const original = { containers: [{ name: 'api', image: 'a:1', ports: [{ containerPort: 8080 }] }], dnsPolicy: 'ClusterFirst' };
  const rendered = {
    containers: [{ name: 'api', image: 'a:1', ports: [{ containerPort: 8080 }], env: [{ name: 'X', value: '1' }] }],
    dnsPolicy: 'ClusterFirst',
    initContainers: [{ name: 'proxy', image: 'p:1', restartPolicy: 'Always' }],
  };
  const own = viaText(original);
  const out = patcher(original, rendered)(own);
  expect(out).toEqual(rendered);
  expect(Object.keys(out)).toEqual(['containers', 'dnsPolicy', 'initContainers']);
  expect(out.containers[0].ports).toBe(own.containers[0].ports);
  expect(out.containers[0]).not.toBe(own.containers[0]);
  expect(Object.keys(out.containers[0])).toEqual(['name', 'image', 'ports', 'env']);
});

test('a patcher is worked out once per distinct pair of JSON texts, and not shared where the text does not give the values back', () => {
  const original = { containers: [{ name: 'api' }] };
  const rendered = { containers: [{ name: 'api', env: [{ name: 'X', value: '1' }] }] };
  expect(patcher(viaText(original), viaText(rendered))).toBe(patcher(original, rendered));
  expect(patcher(original, { ...rendered, hostname: 'h' })).not.toBe(patcher(original, rendered));
  // -0 is written as 0: such a pair gets its own patcher, which keeps -0.
  const negative = { containers: [{ name: 'api', env: [{ name: 'X', value: '1' }] }], priority: -0 };
  expect(Object.is(patcher(original, negative)(viaText(original)).priority, -0)).toBe(true);
});

test('the memo\'s slot of a key is found again when the caller reuses its key array, after another key too', () => {
  const memo = new RenderMemo();
  const key: unknown[] = ['a', 1, true];
  const first = memo.slot(key)!;
  key[1] = 2;
  const second = memo.slot(key)!;
  expect(second).not.toBe(first);
  key[1] = 1;
  expect(memo.slot(key)).toBe(first);
  expect(memo.slot(['a', 1, true])).toBe(first);
  expect(memo.slot(['a', 1])).not.toBe(first);
});
