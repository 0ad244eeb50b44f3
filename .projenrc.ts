import { cdk, javascript } from 'projen';

/**
 * cdk-sidecars: production-grade sidecars as typed constructs, composed onto
 * Kubernetes (cdk8s), AWS ECS Fargate (aws-cdk-lib) and Azure Container Instances.
 *
 * Build outputs:
 *   lib/         compiled JavaScript + .d.ts (jsii)
 *   dist/        synthesized examples (Kubernetes YAML, CloudFormation, ARM, ACI YAML)
 *   dist-pkg/    release packages (npm pack), only made by `npx projen package`
 */
const project = new cdk.JsiiProject({
  name: 'cdk-sidecars',
  description: 'Production-grade sidecars (Envoy, Vault Agent, Fluent Bit, OPA, OTel Collector, Dapr, X-Ray) as typed constructs, injected at synth time into Kubernetes (cdk8s), ECS Fargate and Azure Container Instances.',
  author: 'cdk-sidecars maintainers',
  authorAddress: 'maintainers@cdk-sidecars.dev',
  repositoryUrl: 'https://github.com/cdk-sidecars/cdk-sidecars.git',
  keywords: ['cdk', 'cdk8s', 'aws-cdk', 'sidecar', 'kubernetes', 'ecs', 'fargate', 'aci', 'envoy', 'vault'],
  license: 'Apache-2.0',
  defaultReleaseBranch: 'main',
  jsiiVersion: '~6.0.0',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  // Supported Node lines: 22 and 24 (Node 20 reached end of life on 2026-10-30). npm only
  // warns (EBADENGINE) on another line unless engine-strict is set, so development on Node 20
  // keeps working; @types/node stays ^20 below so that the library uses no API newer than that.
  minNodeVersion: '22.0.0',

  // `dist/` is the examples' output (README contract); jsii packages go elsewhere.
  artifactsDirectory: 'dist-pkg',

  // jsii targets (issue 16). Names: PyPI distribution `cdk-sidecars` / module `cdk_sidecars`,
  // Maven groupId and Java package `dev.cdksidecars` / artifactId `cdk-sidecars`, Go module
  // `github.com/cdk-sidecars/cdk-sidecars-go` (package `cdksidecars`, the jsii convention of a
  // separate `-go` repository holding the generated module), NuGet `CdkSidecars` (namespace
  // `CdkSidecars`). Only the code is generated and checked here (task package:code, in `npm test`);
  // nothing is published (release: false, no workflows).
  // jsii's reserved-word warnings stay silenced (projen's default `jsii --silence-warnings=reserved-word`):
  // the names they flag are renamed harmlessly by the bindings: `namespace`, `override` (C# properties
  // are PascalCase), `type`, `go()` (Go: exported `Type`, `FluentBitMultilineParser_Go`). The network
  // policy peer's `except` was renamed `exceptCidrs` (Python would read `except_`).
  publishToPypi: { distName: 'cdk-sidecars', module: 'cdk_sidecars' },
  publishToMaven: { javaPackage: 'dev.cdksidecars', mavenGroupId: 'dev.cdksidecars', mavenArtifactId: 'cdk-sidecars' },
  publishToGo: { moduleName: 'github.com/cdk-sidecars/cdk-sidecars-go', packageName: 'cdksidecars' },
  publishToNuget: { dotNetNamespace: 'CdkSidecars', packageId: 'CdkSidecars' },

  // CI is `.ci/run` (see README); no GitHub workflows, no release automation here.
  github: false,
  release: false,
  buildWorkflow: false,
  depsUpgrade: false,
  pullRequestTemplate: false,

  // Floors: the oldest releases the library works with, tested by .ci/run (scripts/install-floors.ts
  // installs exactly these minimums, then the examples and the platform tests run against them):
  // - aws-cdk-lib 2.172.0: first release with AspectPriority / Aspects.of(x).add(a, { priority })
  //   (TaskSidecars renders in a MUTATING aspect); it also has ContainerDefinitionOptions.enableRestartPolicy;
  // - cdk8s 2.68.12: the oldest release that cdk8s-plus-27 2.9.x and cdk8s-plus-34 accept (^2.68.11;
  //   2.68.11 itself cannot be installed from the registry this project reaches: E404);
  // - constructs 10.3.0: what cdk8s-plus-27 and cdk8s-plus-34 require (aws-cdk-lib 2.172.0 needs ^10.0.0).
  // The devDeps below pin the newest releases: the full suite runs against those (lockfile).
  peerDeps: [
    'constructs@^10.3.0',
    'cdk8s@^2.68.12',
    'aws-cdk-lib@^2.172.0',
  ],
  devDeps: [
    // Types of the oldest Node line developers still use (this machine: Node 20); see minNodeVersion.
    '@types/node@^20',
    'constructs@10.5.1',
    'cdk8s@2.70.106',
    'aws-cdk-lib@2.276.0',
    'aws-cdk@2.1148.1',
    'cdk8s-plus-27@2.9.5',
    'cdk8s-plus-34@2.0.54',
    'ajv@8.20.0',
    'ajv-formats@3.0.1',
    'ajv-draft-04@1.0.0',
    'fast-check@4.10.2',
    '@grpc/grpc-js-xds@1.14.1',
    'protobufjs@7.5.4',
    '@cdktf/hcl2json@0.21.0',
    // Kubernetes kinds whose group has no vendored OpenAPI document (test/validate/schemas): upstream-generated models (1.27.1).
    'kubernetes-models@4.5.0',
  ],
  bundledDeps: ['yaml@^2.9.1'],

  jestOptions: {
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    jestConfig: {
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      collectCoverage: false,
      testTimeout: 60_000,
      // Three workers on the 2-core CI machines: the pod tier's files (test/pods) mostly wait on
      // containers (probes, drains, grace periods), so a third worker overlaps those waits with
      // the CPU-bound unit tests instead of running them one after another.
      maxWorkers: 3,
    },
  },
  peerDependencyOptions: { pinnedDevDependency: false },
  eslintOptions: {
    // One program for src, tests, examples, bench and scripts (tsconfig.tools.json).
    tsconfigPath: './tsconfig.tools.json',
    projectService: false,
    dirs: ['src'],
    devdirs: ['test', 'examples', 'bench', 'scripts'],
  },
  // .jsii.tabl.json: jsii-rosetta's tablet of translated snippets (rosetta:strict writes it next to .jsii).
  gitignore: ['/dist-pkg/', '/.bench/', '/.jsii.tabl.json'],
});

for (const p of ['/examples/', '/bench/', '/scripts/', '/.ci/']) {
  project.npmignore?.exclude(p);
}
// jsii-pacmak (package:js) appends its outdir to .npmignore unless a line is exactly the outdir's
// relative path (jsii-pacmak lib/npm-modules.js updateNpmIgnore), so '/dist-pkg/' left a release
// build with a modified tracked file: write the line in its form.
project.npmignore?.exclude('dist-pkg');

// The root entry loads a platform only when its namespace is first read (scripts/lazy-platforms.ts).
project.compileTask.exec('node -r ts-node/register/transpile-only scripts/lazy-platforms.ts');

// Examples, the benchmark and scripts are type-checked like user code (they import 'cdk-sidecars').
new javascript.TypescriptConfig(project, {
  fileName: 'tsconfig.tools.json',
  extends: javascript.TypescriptConfigExtends.fromPaths(['./tsconfig.json']),
  include: ['.projenrc.ts', 'projenrc/**/*.ts', 'src/**/*.ts', 'examples/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts', 'test/**/*.ts'],
  compilerOptions: { rootDir: '.', noEmit: true },
});

// Kubernetes-only users must not need aws-cdk-lib, ECS-only users must not need cdk8s.
project.package.addField('peerDependenciesMeta', {
  'aws-cdk-lib': { optional: true },
  'cdk8s': { optional: true },
});

// Entry points per platform: plain CommonJS targets (no import-only conditions),
// so that `require('cdk-sidecars/k8s')` never loads aws-cdk-lib.
project.package.addField('exports', {
  '.': './lib/index.js',
  './core': './lib/core/index.js',
  './sidecars': './lib/sidecars/index.js',
  './k8s': './lib/k8s/index.js',
  './ecs': './lib/ecs/index.js',
  './aci': './lib/aci/index.js',
  './cloudrun': './lib/cloudrun/index.js',
  './compose': './lib/compose/index.js',
  './package.json': './package.json',
  './.jsii': './.jsii',
});

// The platform-neutral core and the sidecar modules must not know any platform.
const platformImports = {
  paths: [
    { name: 'cdk8s', message: 'src/core and src/sidecars are platform-neutral (CONVENTIONS.md section 1).' },
    { name: 'aws-cdk-lib', message: 'src/core and src/sidecars are platform-neutral (CONVENTIONS.md section 1).' },
  ],
  patterns: [
    {
      group: ['cdk8s/*', 'cdk8s-plus-*', 'aws-cdk-lib/*', '**/k8s', '**/k8s/*', '**/ecs', '**/ecs/*', '**/aci', '**/aci/*', '**/cloudrun', '**/cloudrun/*', '**/compose', '**/compose/*'],
      message: 'src/core and src/sidecars are platform-neutral (CONVENTIONS.md section 1).',
    },
  ],
};
project.eslint?.addOverride({
  files: ['src/core/**/*.ts', 'src/sidecars/**/*.ts'],
  rules: { 'no-restricted-imports': ['error', platformImports] },
});
project.eslint?.addOverride({
  files: ['src/k8s/**/*.ts'],
  rules: {
    'no-restricted-imports': ['error', {
      paths: [{ name: 'aws-cdk-lib', message: 'The Kubernetes binder must not load aws-cdk-lib.' }],
      patterns: [{ group: ['aws-cdk-lib/*', '**/ecs', '**/ecs/*', '**/aci', '**/aci/*', 'cdk8s-plus-*'], message: 'The Kubernetes binder works at the ApiObject level and must not load other platforms.' }],
    }],
  },
});
project.eslint?.addOverride({
  files: ['src/aci/**/*.ts'],
  rules: {
    'no-restricted-imports': ['error', {
      paths: [
        { name: 'aws-cdk-lib', message: 'The ACI binder must not load aws-cdk-lib.' },
        { name: 'cdk8s', message: 'The ACI binder must not load cdk8s.' },
      ],
      patterns: [{ group: ['aws-cdk-lib/*', 'cdk8s/*', 'cdk8s-plus-*', '**/ecs', '**/ecs/*', '**/k8s', '**/k8s/*'], message: 'The ACI binder must not load other platforms.' }],
    }],
  },
});
project.eslint?.addOverride({
  files: ['src/cloudrun/**/*.ts'],
  rules: {
    'no-restricted-imports': ['error', {
      paths: [
        { name: 'aws-cdk-lib', message: 'The Cloud Run binder must not load aws-cdk-lib.' },
        { name: 'cdk8s', message: 'The Cloud Run binder must not load cdk8s.' },
      ],
      patterns: [{ group: ['aws-cdk-lib/*', 'cdk8s/*', 'cdk8s-plus-*', '**/ecs', '**/ecs/*', '**/k8s', '**/k8s/*', '**/aci', '**/aci/*'], message: 'The Cloud Run binder must not load other platforms.' }],
    }],
  },
});
project.eslint?.addOverride({
  files: ['src/ecs/**/*.ts'],
  rules: {
    'no-restricted-imports': ['error', {
      paths: [{ name: 'cdk8s', message: 'The ECS binder must not load cdk8s.' }],
      patterns: [{ group: ['cdk8s/*', 'cdk8s-plus-*', '**/k8s', '**/k8s/*', '**/aci', '**/aci/*'], message: 'The ECS binder must not load other platforms.' }],
    }],
  },
});

project.eslint?.addOverride({
  files: ['src/compose/**/*.ts'],
  rules: {
    'no-restricted-imports': ['error', {
      paths: [
        { name: 'aws-cdk-lib', message: 'The Compose binder must not load aws-cdk-lib.' },
        { name: 'cdk8s', message: 'The Compose binder must not load cdk8s.' },
      ],
      // The redirect rules and script the Compose redirect service runs are in core/redirect-rules.ts (platform-neutral).
      patterns: [{ group: ['aws-cdk-lib/*', 'cdk8s/*', 'cdk8s-plus-*', '**/ecs', '**/ecs/*', '**/k8s', '**/k8s/*', '**/aci', '**/aci/*', '**/cloudrun', '**/cloudrun/*'], message: 'The Compose binder must not load other platforms.' }],
    }],
  },
});

// `npm test`: jsii compile (public API stays jsii-valid), type-check of tests, examples,
// bench and scripts (ts-jest transpiles only), API.md up to date, then jest + eslint.
const typecheck = project.addTask('typecheck', {
  description: 'Type-checks tests, examples, the benchmark and scripts',
  exec: 'tsc --noEmit -p tsconfig.tools.json',
});
project.testTask.prependSpawn(typecheck);
project.testTask.prependSpawn(project.tasks.tryFind('docgen')!);
project.testTask.prependSpawn(project.compileTask);
project.testTask.spawn(project.addTask('check:api-md', {
  description: 'Fails when API.md differs from what jsii-docgen generates (commit the regenerated file)',
  exec: 'git diff --exit-code -- API.md || (echo "API.md is out of date: run npx projen docgen and commit it" && exit 1)',
}));

// Other jsii languages (issue 16): the bindings' code is generated and checked, and every
// TypeScript snippet the assembly carries (README, @example) compiles under jsii-rosetta --strict;
// both run at the end of `npm test` (about 25 s and 2 min on the 2-core machines).
// jsiiRosetta.strict also makes any other `jsii-rosetta extract` of the package (Construct Hub) strict.
project.package.addField('jsiiRosetta', { strict: true });
// The per-language package tasks projen adds for the targets (package:python/java/dotnet/go) need
// toolchains these machines lack (Maven, .NET SDK, Go proxy, twine): `npx projen package` keeps
// making the npm package only; the other languages are checked by package:code below.
const packageAll = project.tasks.tryFind('package-all')!;
packageAll.reset();
packageAll.spawn(project.tasks.tryFind('package:js')!);
const bindings = project.addTask('package:code', {
  description: 'jsii-pacmak --code-only for Python, Java, Go and .NET into a temporary folder; py_compile the Python, parse the Go',
  exec: 'node -r ts-node/register/transpile-only scripts/bindings-code.ts',
});
const rosetta = project.addTask('rosetta:strict', {
  description: 'jsii-rosetta extract --strict: every TypeScript snippet of README.md and of the API docs compiles (fixtures in rosetta/)',
  exec: 'node -r ts-node/register/transpile-only scripts/rosetta-strict.ts',
});
project.testTask.spawn(bindings);
project.testTask.spawn(rosetta);

// `npm run synth`: compile, then synthesize every example into dist/ and validate it.
project.addTask('synth', {
  description: 'Synthesize every example under examples/ into dist/ and check each output against the official schemas',
  steps: [
    { spawn: 'compile' },
    { exec: 'ts-node --project tsconfig.tools.json scripts/synth-examples.ts' },
  ],
});

// `npm run test:pods`: the pod tier alone (example pods run with podman + runc, as root; the
// same tests also run in `npm test`).
project.addTask('test:pods', {
  description: 'Runs the example pods on this machine\'s kernel with podman and runc (root; see README, pod tier)',
  steps: [
    { spawn: 'compile' },
    { exec: 'jest --passWithNoTests=false test/pods' },
  ],
});

// `npm run bench`: library vs hand-written, in one process run.
project.addTask('bench', {
  description: 'Benchmark: constructs from this library side by side with the hand-written equivalent',
  steps: [
    { spawn: 'compile' },
    { exec: 'node --expose-gc -r ts-node/register/transpile-only bench/run.ts' },
  ],
});

project.synth();
