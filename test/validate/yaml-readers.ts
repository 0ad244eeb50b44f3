/**
 * Reads YAML text back the way the library's readers do: the `yaml` package as YAML 1.2 (core
 * schema, like go-yaml v3 for most scalars) and as YAML 1.1, and PyYAML (YAML 1.1, what az
 * uses to read `az container create --file`) when python3 can import it. Each returns the
 * parsed value as JSON-able data; a value that is not JSON data (a date, a set) is returned as
 * a `{ notJson: <type> }` marker, so a comparison with the written data fails visibly.
 */
import { execFileSync } from 'child_process';
import { parseAllDocuments } from 'yaml';

/** Why PyYAML is not used, or undefined when it is. */
export const PYYAML_MISSING: string | undefined = (() => {
  try {
    execFileSync('python3', ['-c', 'import yaml'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'python3 cannot import yaml (PyYAML); the YAML 1.1 reading uses the yaml package only';
  }
})();

function plain(value: unknown): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') { return value; }
  if (typeof value === 'number') { return Number.isFinite(value) ? value : { notJson: String(value) }; }
  if (Array.isArray(value)) { return value.map(plain); }
  if (value instanceof Map) { return { notJson: 'Map' }; }
  if (typeof value === 'object' && [Object.prototype, null].includes(Object.getPrototypeOf(value))) {
    const out: { [key: string]: unknown } = Object.create(null);
    for (const [k, v] of Object.entries(value as object)) { out[k] = plain(v); }
    return out;
  }
  return { notJson: Object.prototype.toString.call(value) };
}

/** One document read with the `yaml` package; throws on any error or warning. */
export function readYaml(text: string, version: '1.1' | '1.2'): unknown {
  const docs = parseAllDocuments(text, { version, uniqueKeys: true, merge: false });
  if (!Array.isArray(docs) || docs.length !== 1) { throw new Error(`expected one YAML document, got ${Array.isArray(docs) ? docs.length : 'none'}`); }
  const [doc] = docs;
  const problems = [...doc.errors, ...doc.warnings];
  if (problems.length) { throw new Error(`YAML ${version}: ${problems[0].message}`); }
  return plain(doc.toJS({ mapAsMap: false }));
}

const PY = `
import json, sys, yaml
out = []
for text in json.load(sys.stdin):
    try:
        # bytes, as from a file: PyYAML decodes UTF-8 and checks every character is printable
        value = yaml.safe_load(text.encode('utf-8', 'surrogatepass'))
        out.append({'ok': value})
    except Exception as e:
        out.append({'error': type(e).__name__ + ': ' + str(e)})
def default(o):
    return {'notJson': type(o).__name__}
def fix(v):
    if isinstance(v, float) and (v != v or v in (float('inf'), float('-inf'))):
        return {'notJson': repr(v)}
    if isinstance(v, list):
        return [fix(x) for x in v]
    if isinstance(v, dict):
        return {(k if isinstance(k, str) else json.dumps({'notJsonKey': repr(k)})): fix(x) for k, x in v.items()}
    return v
print(json.dumps([fix(o) for o in out], default=default, ensure_ascii=True))
`;

/** Documents read with PyYAML's safe_load (one python3 process for all of them). */
export function readPyYaml(texts: string[]): Array<{ ok?: unknown; error?: string }> {
  const out = execFileSync('python3', ['-c', PY], { input: JSON.stringify(texts), encoding: 'utf-8', maxBuffer: 256 * 1024 * 1024 });
  return JSON.parse(out);
}

/**
 * Every reading of every text that differs from `expected[i]` (or fails), as messages; empty
 * when YAML 1.2, YAML 1.1 and (when importable) PyYAML all read back exactly the data given.
 */
export function disagreements(texts: string[], expected: unknown[], pyyaml = true): string[] {
  const problems: string[] = [];
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(plain(b));
  texts.forEach((text, i) => {
    for (const version of ['1.2', '1.1'] as const) {
      try {
        const value = readYaml(text, version);
        if (!same(value, expected[i])) { problems.push(`yaml ${version} read ${JSON.stringify(value)} for ${JSON.stringify(expected[i])} from ${JSON.stringify(text)}`); }
      } catch (e) {
        problems.push(`yaml ${version} failed on ${JSON.stringify(text)}: ${(e as Error).message}`);
      }
    }
  });
  if (pyyaml && !PYYAML_MISSING) {
    readPyYaml(texts).forEach((r, i) => {
      if (r.error !== undefined) {
        problems.push(`PyYAML failed on ${JSON.stringify(texts[i])}: ${r.error}`);
      } else if (!same(r.ok, expected[i])) {
        problems.push(`PyYAML read ${JSON.stringify(r.ok)} for ${JSON.stringify(expected[i])} from ${JSON.stringify(texts[i])}`);
      }
    });
  }
  return problems;
}
