import { CfnParameter, Fn, Lazy as CdkLazy, Stack, Token } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import { Lazy as Cdk8sLazy } from 'cdk8s';
import { show } from '../../src/core/errors';
import { containsUnresolved, hideTokens, isNumberToken, isOnlyToken, isUnresolved, literalParts, literalPartsPass, splitTokens, stringHasToken } from '../../src/core/tokens';
import { toYamlText } from '../../src/core/yaml-writer';
import { hclString } from '../../src/sidecars/vault/hcl';

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

describe('writers keep tokens intact and escape the literal parts around them', () => {
  const stack = new Stack();
  const role = new CfnParameter(stack, 'Role').valueAsString;
  const deployed = (text: string) => stack.resolve(text);

  test('splitTokens, isOnlyToken, literalPartsPass', () => {
    expect(splitTokens(`a${role}b`).map(p => p.token)).toEqual([false, true, false]);
    expect(isOnlyToken(role)).toBe(true);
    expect(isOnlyToken(`${role}:1`)).toBe(false);
    expect(literalPartsPass(role, () => false)).toBe(true);
    expect(literalPartsPass(`https://${role}`, t => t === 'https://x')).toBe(true);
  });

  test('YAML: a string with a token is double-quoted, whatever the literal parts', () => {
    const text = toYamlText({ host: role, port: `${role}:6379`, plain: 'yes' });
    expect(text).toBe(`host: "${role}"\nport: "${role}:6379"\nplain: "yes"\n`);
    expect(deployed(text)).toEqual({ 'Fn::Join': ['', ['host: "', { Ref: 'Role' }, '"\nport: "', { Ref: 'Role' }, ':6379"\nplain: "yes"\n']] });
  });

  test('HCL: the literal parts are escaped, the token is kept for CloudFormation', () => {
    expect(hclString(`\${x}"${role}`)).toBe(`"\\u0024{x}\\"${role}"`);
    expect(deployed(hclString(`role-${role}`))).toEqual({ 'Fn::Join': ['', ['"role-', { Ref: 'Role' }, '"']] });
  });
});
