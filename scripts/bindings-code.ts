/**
 * The Python, Java, Go and .NET bindings as jsii-pacmak generates them (`--code-only`: these
 * machines have no Maven, no .NET SDK and no Go module proxy for the jsii runtime), into a
 * temporary folder (never dist/, the examples' output), then the checks a toolchain here allows:
 * - Python: `python3 -m py_compile` over every generated .py (syntax and byte-compilation);
 * - Go: `gofmt -e` over every generated .go (parses each file; no build: the jsii Go runtime
 *   and the cdk8s/aws-cdk-lib Go modules are not reachable);
 * - Java, .NET: generated and counted only (javac needs the jsii runtime and dependency jars).
 * Needs `.jsii` (npx projen compile).
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const root = path.resolve(__dirname, '..');
if (!fs.existsSync(path.join(root, '.jsii'))) { throw new Error('.jsii is missing: run `npx projen compile` first'); }

function files(dir: string, ext: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter(e => e.isFile() && e.name.endsWith(ext))
    .map(e => path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name));
}

const out = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-sidecars-bindings-'));
const started = Date.now();
try {
  execFileSync(path.join(root, 'node_modules', '.bin', 'jsii-pacmak'),
    ['--code-only', '--target', 'python', '--target', 'java', '--target', 'go', '--target', 'dotnet', '--outdir', out, '--force', root],
    { cwd: root, stdio: 'inherit' });
  const counts: Record<string, number> = {};
  for (const [lang, ext] of [['python', '.py'], ['java', '.java'], ['go', '.go'], ['dotnet', '.cs']] as const) {
    const found = files(path.join(out, lang), ext);
    if (found.length === 0) { throw new Error(`jsii-pacmak generated no ${ext} file for ${lang}`); }
    counts[lang] = found.length;
  }
  execFileSync('python3', ['-m', 'py_compile', ...files(path.join(out, 'python'), '.py')], { stdio: 'inherit' });
  // gofmt exits non-zero on a syntax error (the formatted output itself is discarded: pacmak's
  // --code-only output is not gofmt-canonical, `go build` would format it).
  execFileSync('gofmt', ['-e', ...files(path.join(out, 'go'), '.go')], { stdio: ['ignore', 'ignore', 'inherit'] });
  console.log(`bindings: ${JSON.stringify(counts)} files generated; Python byte-compiles, Go parses (gofmt); ${((Date.now() - started) / 1000).toFixed(1)} s`);
} finally {
  fs.rmSync(out, { recursive: true, force: true });
}
