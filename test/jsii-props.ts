/**
 * The props of the compiled assembly (.jsii, written by jsii: `npx projen compile`), to check
 * that a warning or note names props that exist.
 */
import * as fs from 'fs';
import * as path from 'path';

const ASSEMBLY = path.join(__dirname, '..', '.jsii');

export function readAssembly(): any {
  if (!fs.existsSync(ASSEMBLY)) {
    throw new Error('.jsii is not compiled: run `npx projen compile` (npm test does it first)');
  }
  return JSON.parse(fs.readFileSync(ASSEMBLY, 'utf-8'));
}

/** The properties of a struct of the assembly by its short name (any submodule), or undefined. */
export function jsiiProps(assembly: any, type: string): string[] | undefined {
  const found = Object.entries<any>(assembly.types).find(([fqn]) => fqn.endsWith(`.${type}`));
  return found ? (found[1].properties ?? []).map((p: any) => p.name) : undefined;
}

/** Every `<SomethingProps or struct>.<prop>` a message names that does not exist in the assembly. */
export function missingProps(assembly: any, message: string): string[] {
  return [...message.matchAll(/\b([A-Z][A-Za-z0-9]*)\.([a-z][A-Za-z0-9]*)\b/g)]
    .filter(([, type]) => /Props$|^Dapr|^Fluent|^Envoy|^Opa|^Otel|^Vault/.test(type))
    .filter(([, type, prop]) => !(jsiiProps(assembly, type) ?? []).includes(prop))
    .map(([m]) => m);
}

/** The `<props interface or struct>.<prop>` names a message gives. */
export function namedProps(message: string): string[] {
  return [...message.matchAll(/\b([A-Z][A-Za-z0-9]*)\.([a-z][A-Za-z0-9]*)\b/g)]
    .filter(([, type]) => /Props$|^Dapr|^Fluent|^Envoy|^Opa|^Otel|^Vault/.test(type))
    .map(([m]) => m);
}
