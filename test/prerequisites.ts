/**
 * Tests that prove a promise on the real kernel or with real processes need root and commands
 * from Debian's packages, which `.ci/run` installs. One rule for all of them:
 * - on a developer's machine without a prerequisite, the test is skipped and the reason printed;
 * - under CI (CI=true), where everything is installed, a missing prerequisite fails the test,
 *   so that a CI run can never pass by skipping the tests that matter most.
 */
import { execFileSync } from 'child_process';
import { existsSync } from 'fs';

/** Whether `cmd` is on the PATH. */
export function onPath(cmd: string): boolean {
  try { execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }); return true; } catch { return false; }
}

/** Why the real tests cannot run here, or undefined when they can. */
export function missingPrerequisite(needs: { readonly root: string; readonly commands: string[]; readonly install: string }): string | undefined {
  if (process.getuid?.() !== 0) { return `not running as root (${needs.root})`; }
  const missing = needs.commands.filter(c => !onPath(c));
  return missing.length ? `missing ${missing.join(', ')} (${needs.install})` : undefined;
}

/**
 * `test` where `reason` is undefined; otherwise a skipped test with the reason printed, or,
 * under CI, a test that fails with it.
 */
export function realTest(file: string, reason: string | undefined): jest.It {
  if (reason === undefined) { return test; }
  if (process.env.CI === 'true') {
    const failing = (name: string) => test(name, () => { throw new Error(`${file}: ${reason}; .ci/run installs what these tests need`); });
    return failing as unknown as jest.It;
  }
  process.stdout.write(`\n${file}: SKIPPED: ${reason}\n`);
  return test.skip;
}

/** Debian's Go source packages (GOPATH mode, no module download: the machines reach no Go proxy). */
export const GOPATH = '/usr/share/gocode';

/**
 * Builds a Go program of this repository (`dir`, a main package) with Debian's golang-go and
 * the Debian source packages it imports (`packages`: import path and the package that ships
 * it) into `output`. Returns why it cannot, or undefined when it was built.
 */
export function buildGo(dir: string, output: string, packages: ReadonlyArray<readonly [string, string]>, cache: string,
  extraEnv: { [k: string]: string } = {}): string | undefined {
  if (!onPath('go')) { return 'no Go toolchain (apt-get install golang-go)'; }
  for (const [importPath, debianPackage] of packages) {
    if (!existsSync(`${GOPATH}/src/${importPath}`)) { return `no ${importPath} source (apt-get install ${debianPackage})`; }
  }
  try {
    execFileSync('go', ['build', '-o', output, '.'], {
      cwd: dir, env: { ...process.env, GO111MODULE: 'off', GOPATH, GOCACHE: cache, GOFLAGS: '', ...extraEnv }, stdio: 'pipe',
    });
    return undefined;
  } catch (e: any) {
    return `go build failed: ${String(e.stderr ?? e.message).slice(0, 300)}`;
  }
}
