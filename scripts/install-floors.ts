/**
 * Installs the oldest versions the library declares it works with (the minimum of each peer
 * range in package.json) over a copy's node_modules, for the floor run of `.ci/run`:
 *
 *   node -r ts-node/register/transpile-only scripts/install-floors.ts <node_modules>
 *
 * The peers go into a scratch project (npm, registry), nested so that each keeps the
 * dependencies of its own release, then replace the copies in <node_modules>. cdk8s-plus-27 and
 * cdk8s-plus-34 (not peers: used by the examples and tests) keep their devDependency versions,
 * whose peer ranges accept the floors. Prints what it installed.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..');

/** name@version of each package the floor run replaces. */
export function floorSpecs(pkg: any): string[] {
  const specs = Object.entries<string>(pkg.peerDependencies ?? {}).map(([name, range]) => {
    // Peer ranges are written `^x.y.z` (.projenrc.ts): their minimum is x.y.z.
    const min = /^(?:\^|~|>=\s*)?(\d+\.\d+\.\d+)$/.exec(range.trim());
    if (!min) { throw new Error(`peerDependencies.${name}: "${range}" is not ^x.y.z, ~x.y.z or >=x.y.z`); }
    return `${name}@${min[1]}`;
  });
  for (const name of ['cdk8s-plus-27', 'cdk8s-plus-34']) {
    const v = pkg.devDependencies?.[name];
    if (v) { specs.push(`${name}@${v}`); }
  }
  return specs;
}

if (require.main === module) {
  const target = process.argv[2];
  if (!target || !fs.existsSync(target)) { throw new Error('usage: install-floors.ts <node_modules folder>'); }
  // A worktree's node_modules may be a link to another checkout's: never replace packages there.
  if (fs.lstatSync(target).isSymbolicLink()) { throw new Error(`${target} is a symbolic link: run this in a copy with its own node_modules`); }
  const specs = floorSpecs(JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf-8')));
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-sidecars-floors-'));
  fs.writeFileSync(path.join(scratch, 'package.json'), JSON.stringify({ name: 'floors', private: true }));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--install-strategy=nested', ...specs],
    { cwd: scratch, stdio: ['ignore', 'inherit', 'inherit'] });
  for (const spec of specs) {
    const name = spec.slice(0, spec.lastIndexOf('@'));
    const dest = path.join(target, name);
    fs.rmSync(dest, { recursive: true, force: true });
    fs.cpSync(path.join(scratch, 'node_modules', name), dest, { recursive: true });
    const installed = JSON.parse(fs.readFileSync(path.join(dest, 'package.json'), 'utf-8')).version;
    console.log(`floor: ${name} ${installed}`);
  }
  fs.rmSync(scratch, { recursive: true, force: true });
}
