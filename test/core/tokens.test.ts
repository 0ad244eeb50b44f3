import { CfnParameter, Fn, Lazy as CdkLazy, Stack, Token } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import { Lazy as Cdk8sLazy } from 'cdk8s';
import { show } from '../../src/core/errors';
import { containsUnresolved, hideTokens, isNumberToken, isUnresolved, literalParts, stringHasToken } from '../../src/core/tokens';

// The core recognises tokens without importing aws-cdk-lib: these checks hold it to
// aws-cdk-lib's real encodings (Token.isUnresolved agrees on every value).
describe('token recognition against aws-cdk-lib encodings', () => {
  const stack = new Stack();
  const num = new CfnParameter(stack, 'Port', { type: 'Number' });
  const str = new CfnParameter(stack, 'Name');
  const list = new CfnParameter(stack, 'Names', { type: 'CommaDelimitedList' });
  const repo = new ecr.Repository(stack, 'Repo');
  const tokens: Array<[string, unknown]> = [
    ['CfnParameter.valueAsNumber', num.valueAsNumber],
    ['Lazy.number', CdkLazy.number({ produce: () => 8080 })],
    ['Token.asNumber of an attribute', Token.asNumber(repo.repositoryArn)],
    ['CfnParameter.valueAsString', str.valueAsString],
    ['Lazy.string', CdkLazy.string({ produce: () => 'x' })],
    ['repositoryUriForTag', repo.repositoryUriForTag('v1')],
    ['Fn.join', Fn.join('-', ['a', str.valueAsString])],
    ['CfnParameter.valueAsList', list.valueAsList],
    ['IResolvable', num.value],
  ];
  test.each(tokens)('%s is unresolved', (_, value) => {
    expect(Token.isUnresolved(value)).toBe(true);
    expect(isUnresolved(value)).toBe(true);
    expect(containsUnresolved({ a: [value] })).toBe(true);
  });
  const literals: unknown[] = [8080, 0, -1, 1e300, -1.8e289, Number.NaN, 'plain', '${Token}', '${Token[]}', '#{x}', [], ['a'], {}, null, undefined, true];
  test.each(literals.map(v => [show(v), v]))('%s is a literal', (_, value) => {
    expect(Token.isUnresolved(value)).toBe(false);
    expect(isUnresolved(value)).toBe(false);
  });
  test('a number token stringified into a string is unresolved (aws-cdk-lib resolves it as Fn::Join too)', () => {
    const text = `port ${num.valueAsNumber}`;
    expect(stack.resolve(text)).toEqual({ 'Fn::Join': ['', ['port ', { Ref: 'Port' }]] });
    expect(isUnresolved(text)).toBe(true);
  });
  test('many number tokens in a row are all recognised', () => {
    for (let i = 0; i < 200; i++) {
      const n = Token.asNumber(CdkLazy.number({ produce: () => i }));
      expect(isNumberToken(n)).toBe(true);
      expect(stringHasToken(String(n))).toBe(true);
    }
  });
  test('a cdk8s Lazy is unresolved', () => {
    expect(isUnresolved(Cdk8sLazy.any({ produce: () => 8080 }))).toBe(true);
  });
  test('messages show a placeholder, never the raw token', () => {
    const uri = repo.repositoryUriForTag('v1');
    expect(hideTokens(`image ${uri} port ${num.valueAsNumber}`)).toBe('image <CDK token>.dkr.ecr.<CDK token>.<CDK token>/<CDK token>:v1 port <CDK token>');
    expect(show(num.valueAsNumber)).toBe('<CDK token>');
    expect(show(`${str.valueAsString}:v1`)).toBe('"<CDK token>:v1"');
    expect(show({ port: num.valueAsNumber })).toBe('{"port":<CDK token>}');
    expect(literalParts(uri, 'x')).toBe('x.dkr.ecr.x.x/x:v1');
  });
});
