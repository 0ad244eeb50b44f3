/**
 * Tests that prove a promise on the real kernel or with real processes need root and commands
 * from Debian's packages, which `.ci/run` installs. One rule for all of them:
 * - on a developer's machine without a prerequisite, the test is skipped and the reason printed;
 * - under CI (CI=true), where everything is installed, a missing prerequisite fails the test,
 *   so that a CI run can never pass by skipping the tests that matter most.
 */
import { execFileSync } from 'child_process';

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
