import { ErrorCode, Errors, show } from '../../src/core/errors';

describe('show() renders every runtime value the user may pass', () => {
  test.each<[unknown, string]>([
    ['a"b', '"a\\"b"'],
    [undefined, 'undefined'],
    [null, 'null'],
    [42, '42'],
    [NaN, 'NaN'],
    [Infinity, 'Infinity'],
    [-Infinity, '-Infinity'],
    [-0, '-0'],
    [BigInt(12), '12n'],
    [true, 'true'],
    [Symbol('s'), 'Symbol(s)'],
    [[1, NaN], '[1,NaN]'],
    [{ cpu: Infinity }, '{"cpu":Infinity}'],
  ])('%p', (value, shown) => {
    expect(show(value)).toBe(shown);
  });

  test('a function is named, not printed as undefined', () => {
    expect(show(function build() { return 1; })).toBe('[function build]');
    expect(show(() => 1)).toBe('[function]');
  });

  test('a cyclic object does not throw', () => {
    const a: any = { x: 1 };
    a.self = a;
    expect(show(a)).toBe('{"x":1,"self":[Circular]}');
  });

  test('an error message shows NaN, not null', () => {
    const e = Errors.invalidPort('App/s', 'ports[0].port', NaN);
    expect(e.code).toBe(ErrorCode.INVALID_PORT);
    expect(e.message).toContain('App/s: ports[0].port NaN is not a port number');
  });
});
