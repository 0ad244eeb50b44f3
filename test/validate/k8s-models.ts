/**
 * Fallback validator for Kubernetes kinds that have no vendored OpenAPI document (test/validate/schemas/kubernetes)
 * (today: rbac.authorization.k8s.io/v1 Role and RoleBinding, which the pod-metadata readers need).
 *
 * Source: the `kubernetes-models` package (tommy351/kubernetes-models-ts, Apache-2.0), generated
 * from the Kubernetes 1.27.1 OpenAPI document. RBAC v1 has not changed between 1.27 and 1.35.
 * Two parts of that package are used, neither written by us:
 * - its compiled JSON-schema validator for the kind (`_schemas/<Name>.js`): types, `required`,
 *   apiVersion and kind;
 * - its TypeScript declarations (`<group>/<version>/<Kind>.d.ts`), parsed with the TypeScript
 *   compiler, for the set of known fields of every nested object. The generated validators do not
 *   reject unknown fields, so without this a misspelled field would pass.
 * `metadata` is checked against ObjectMeta from the 1.35 core/v1 document by the caller.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

const ROOT = path.dirname(require.resolve('kubernetes-models/package.json'));

interface Shape {
  /** field -> nested shape (object / array items), or undefined for scalars and maps */
  readonly fields: Map<string, Shape | undefined>;
}

const shapes = new Map<string, Shape>();

/** The interface `name` declared in `file`, nested imported interfaces resolved; undefined for aliases. */
function shapeOf(file: string, name: string): Shape | undefined {
  const key = `${file}#${name}`;
  const cached = shapes.get(key);
  if (cached) return cached;
  const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022);
  const imports = new Map<string, string>();
  for (const st of source.statements) {
    const bindings = ts.isImportDeclaration(st) ? st.importClause?.namedBindings : undefined;
    if (ts.isImportDeclaration(st) && ts.isStringLiteral(st.moduleSpecifier) && bindings && ts.isNamedImports(bindings)) {
      for (const el of bindings.elements) imports.set(el.name.text, st.moduleSpecifier.text);
    }
  }
  const iface = source.statements.find((st): st is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(st) && st.name.text === name);
  if (!iface) return undefined; // a type alias (Time, Quantity): a scalar
  const shape: Shape = { fields: new Map() };
  shapes.set(key, shape);

  const nested = (type: ts.TypeNode | undefined): Shape | undefined => {
    if (!type || !ts.isTypeReferenceNode(type)) return undefined;
    const ref = type.typeName.getText(source);
    if (ref === 'Array') return nested(type.typeArguments?.[0]);
    const spec = imports.get(ref);
    if (!spec) return undefined;
    // `./RoleRef` or `@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta`: the .d.ts beside the .js
    const from = require.resolve(spec.startsWith('.') ? path.resolve(path.dirname(file), spec) : spec, { paths: [ROOT] }).replace(/\.js$/, '.d.ts');
    // Files export `I<Short> as I<LongName>`; the interface itself is `I<Short>` = file base name.
    return shapeOf(from, `I${path.basename(from, '.d.ts')}`);
  };
  for (const member of iface.members) {
    if (ts.isPropertySignature(member) && member.name) {
      const field = ts.isStringLiteral(member.name) ? member.name.text : member.name.getText(source);
      shape.fields.set(field, nested(member.type));
    }
  }
  return shape;
}

function unknownFields(value: unknown, shape: Shape | undefined, pointer: string, out: string[]): void {
  if (!shape || value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    value.forEach((item, i) => unknownFields(item, shape, `${pointer}/${i}`, out));
    return;
  }
  for (const [field, v] of Object.entries(value)) {
    if (!shape.fields.has(field)) out.push(`${pointer}/${field}: unknown field "${field}"`);
    else if (!(pointer === '' && field === 'metadata')) unknownFields(v, shape.fields.get(field), `${pointer}/${field}`, out);
  }
}

/**
 * Problems of one document (`/json/pointer: message`), or undefined when kubernetes-models has
 * no such kind. `metadata` is not checked here.
 */
export function modelErrors(apiVersion: string, kind: string, doc: unknown): string[] | undefined {
  const slash = apiVersion.lastIndexOf('/');
  const dir = slash < 0 ? apiVersion : apiVersion.replace(/\//g, path.sep);
  const dts = path.join(ROOT, dir, `${kind}.d.ts`);
  if (!/^[a-z0-9./-]+$/.test(apiVersion) || !/^[A-Za-z]+$/.test(kind) || !fs.existsSync(dts)) return undefined;
  // The model module exports the class twice: as `Kind` and under its schema name (`IoK8sApiRbacV1Role`).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const schemaName = Object.keys(require(path.join(ROOT, dir, `${kind}.js`))).find(k => k !== kind && k.startsWith('IoK8s'));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const validate = require(path.join(ROOT, '_schemas', `${schemaName}.js`)).validate;
  const problems: string[] = [];
  if (!validate(doc)) {
    for (const err of validate.errors ?? []) problems.push(`${err.instancePath || '(root)'}: ${err.keyword} ${JSON.stringify(err.params)}`);
  }
  const shape = shapeOf(dts, `I${kind}`);
  if (!shape) throw new Error(`kubernetes-models: no interface I${kind} in ${dts}`);
  unknownFields(doc, shape, '', problems);
  return problems;
}
