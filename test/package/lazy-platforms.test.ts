/**
 * scripts/lazy-platforms.ts, run by the compile task after jsii: the eager namespace requires
 * TypeScript emits for `export * as k8s from './k8s'` become getters; an emit it does not
 * recognise fails the build instead of shipping an eager root entry.
 */
import { makeLazy } from '../../scripts/lazy-platforms';

const EAGER = [
  'exports.compose = exports.cloudrun = exports.aci = exports.ecs = exports.k8s = void 0;',
  '__exportStar(require("./core"), exports);',
  'exports.k8s = __importStar(require("./k8s"));',
  'exports.ecs = __importStar(require("./ecs"));',
  'exports.aci = __importStar(require("./aci"));',
  'exports.cloudrun = __importStar(require("./cloudrun"));',
  'exports.compose = __importStar(require("./compose"));',
].join('\n');

test('each platform namespace becomes a getter that requires it on first read; a second run changes nothing', () => {
  const lazy = makeLazy(EAGER);
  for (const ns of ['k8s', 'ecs', 'aci', 'cloudrun', 'compose']) {
    expect(lazy).not.toContain(`exports.${ns} = __importStar(`);
    expect(lazy).toContain(`Object.defineProperty(exports, "${ns}", { enumerable: true, configurable: true, get: function () { return __importStar(require("./${ns}")); } });`);
  }
  expect(lazy).toContain('__exportStar(require("./core"), exports);');
  expect(makeLazy(lazy)).toEqual(lazy);
});

test('an emit without the expected line fails, naming the line and the script', () => {
  expect(() => makeLazy(EAGER.replace('exports.ecs = __importStar(require("./ecs"));', 'exports.ecs = require("./ecs");')))
    .toThrow('lib/index.js: expected the line exports.ecs = __importStar(require("./ecs")); (emitted for `export * as ecs from \'./ecs\'`); the TypeScript emit changed, update scripts/lazy-platforms.ts');
});
