/**
 * Runs after `jsii` in the compile task: makes the root entry's platform namespaces
 * (`k8s`, `ecs`, `aci`) load their platform on first use.
 *
 * jsii needs `export * as k8s from './k8s'` in src/index.ts (namespaced submodules are how it
 * sees the whole type graph), and TypeScript compiles that to an eager
 * `exports.k8s = __importStar(require("./k8s"))`, so `require('cdk-sidecars')` loaded
 * aws-cdk-lib and cdk8s, and a project with only one of them installed failed with
 * `Cannot find module 'aws-cdk-lib/aws-ecs'` (issue 11, section 2). Here each of those lines
 * becomes a getter that requires the platform module when the namespace is first read; the
 * `.d.ts` and the `.jsii` assembly are unchanged. Node caches the module, so every read
 * returns the same object. Node's CommonJS export detection (cjs-module-lexer) does not read
 * these getters as named exports, which is what keeps an ES module's
 * `import { Sidecar } from 'cdk-sidecars'` from reading (and loading) every namespace at import
 * time; ES modules take a platform from its own entry (`cdk-sidecars/k8s`, ...). A build whose
 * emitted lines do not match fails here.
 */
import * as fs from 'fs';
import * as path from 'path';

const NAMESPACES = ['k8s', 'ecs', 'aci', 'cloudrun', 'compose'];

export function makeLazy(js: string): string {
  let out = js;
  for (const ns of NAMESPACES) {
    const eager = `exports.${ns} = __importStar(require("./${ns}"));`;
    const lazy = `Object.defineProperty(exports, "${ns}", { enumerable: true, configurable: true, get: function () { return __importStar(require("./${ns}")); } });`;
    if (out.includes(lazy)) { continue; }
    if (!out.includes(eager)) {
      throw new Error(`lib/index.js: expected the line ${eager} (emitted for \`export * as ${ns} from './${ns}'\`); the TypeScript emit changed, update scripts/lazy-platforms.ts`);
    }
    out = out.replace(eager, lazy);
  }
  return out;
}

if (require.main === module) {
  const file = path.resolve(__dirname, '..', 'lib', 'index.js');
  fs.writeFileSync(file, makeLazy(fs.readFileSync(file, 'utf-8')));
}
