import * as fs from 'fs';
import * as path from 'path';
import { IMAGE_FACTS, imageFacts, parseImage } from '../../src/core/image-facts';
import { isImageReference } from '../../src/core/names';

const SRC = path.join(__dirname, '..', '..', 'src');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap(entry => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) { return sourceFiles(full); }
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/**
 * Every image reference the library's sources declare as a constant (`const X = '…'` or a template
 * using other constants of the same file), resolved. Picks up DEFAULT_IMAGE, *_IMAGE, BUSYBOX, AWS_CLI.
 */
function declaredImages(): Map<string, string> {
  const found = new Map<string, string>();
  for (const file of sourceFiles(SRC)) {
    const text = fs.readFileSync(file, 'utf8');
    const consts = new Map<string, string>();
    for (const m of text.matchAll(/const\s+([A-Z][A-Z0-9_]*)\s*=\s*(['`])([^'`\n]*)\2/g)) {
      const value = m[3].replace(/\$\{([A-Z][A-Z0-9_]*)\}/g, (_, name: string) => consts.get(name) ?? `\${${name}}`);
      consts.set(m[1], value);
      if (!value.includes('://') && value.includes('/') && /:[\w][\w.-]*$/.test(value) && isImageReference(value)) {
        found.set(`${path.relative(SRC, file)}:${m[1]}`, value);
      }
    }
  }
  return found;
}

describe('parseImage', () => {
  test.each([
    ['envoyproxy/envoy:v1.39.1', 'envoyproxy/envoy', 'v1.39.1', undefined],
    ['docker.io/envoyproxy/envoy:v1.39.1', 'envoyproxy/envoy', 'v1.39.1', undefined],
    ['docker.io/library/busybox:1.37', 'busybox', '1.37', undefined],
    ['library/busybox:1.37', 'busybox', '1.37', undefined],
    ['index.docker.io/library/busybox:1.37', 'busybox', '1.37', undefined],
    ['public.ecr.aws/docker/library/busybox:1.37', 'public.ecr.aws/docker/library/busybox', '1.37', undefined],
    ['localhost:5000/envoy', 'localhost:5000/envoy', undefined, undefined],
    ['localhost:5000/envoy:v1', 'localhost:5000/envoy', 'v1', undefined],
    [`envoyproxy/envoy@sha256:${'a'.repeat(64)}`, 'envoyproxy/envoy', undefined, `sha256:${'a'.repeat(64)}`],
    [`envoyproxy/envoy:v1.39.1@sha256:${'a'.repeat(64)}`, 'envoyproxy/envoy', 'v1.39.1', `sha256:${'a'.repeat(64)}`],
  ])('%s', (image, repository, tag, digest) => {
    expect(parseImage(image)).toEqual({ repository, tag, digest });
  });
});

describe('imageFacts lookups', () => {
  test('full reference with and without docker.io/ and docker.io/library/', () => {
    const plain = imageFacts('envoyproxy/envoy:v1.39.1');
    expect(plain?.repository).toBe('envoyproxy/envoy');
    expect(imageFacts('docker.io/envoyproxy/envoy:v1.39.1')).toBe(plain);
    expect(imageFacts('busybox:1.37')?.repository).toBe('busybox');
    expect(imageFacts('docker.io/library/busybox:1.37')).toBe(imageFacts('busybox:1.37'));
    expect(imageFacts('docker.io/istio/proxyv2:1.29.6')?.repository).toBe('istio/proxyv2');
  });

  test('without a tag (implicit latest) or by digest only: unknown', () => {
    expect(imageFacts('envoyproxy/envoy')).toBeUndefined();
    expect(imageFacts('docker.io/envoyproxy/envoy')).toBeUndefined();
    expect(imageFacts(`envoyproxy/envoy@sha256:${'b'.repeat(64)}`)).toBeUndefined();
    expect(imageFacts(`docker.io/library/busybox@sha256:${'c'.repeat(64)}`)).toBeUndefined();
  });

  test('a tag next to a digest is tested as the tag', () => {
    expect(imageFacts(`envoyproxy/envoy:v1.39.1@sha256:${'d'.repeat(64)}`)?.repository).toBe('envoyproxy/envoy');
  });

  test('unknown repositories and tags outside every row: undefined', () => {
    expect(imageFacts('example.com/team/app:1.0.0')).toBeUndefined();
    expect(imageFacts('envoyproxy/envoy:v2.0.0')).toBeUndefined();
    expect(imageFacts('fluent/fluent-bit:2.2.3')).toBeUndefined();
    expect(imageFacts('hashicorp/vault:latest')).toBeUndefined();
    // A registry other than Docker Hub is another repository.
    expect(imageFacts('quay.io/envoyproxy/envoy:v1.39.1')).toBeUndefined();
  });

  test('variants resolve to their own rows', () => {
    expect(imageFacts('envoyproxy/envoy:v1.39.1')?.shell).toBe('/bin/sh');
    expect(imageFacts('envoyproxy/envoy:distroless-v1.39.1')?.shell).toBeUndefined();
    expect(imageFacts('envoyproxy/envoy-distroless:v1.39.1')?.shell).toBeUndefined();
    expect(imageFacts('envoyproxy/envoy:contrib-v1.39.1')?.binaries).toContain('/usr/local/bin/envoy');
    expect(imageFacts('fluent/fluent-bit:5.0.8')?.shell).toBeUndefined();
    expect(imageFacts('fluent/fluent-bit:5.0.8-debug')?.shell).toBe('/bin/sh');
    expect(imageFacts('openpolicyagent/opa:1.10.1-static')?.shell).toBeUndefined();
    expect(imageFacts('openpolicyagent/opa:1.10.1-debug')?.shell).toBe('/bin/sh');
    expect(imageFacts('openpolicyagent/opa:1.10.1-envoy-static')?.binaries).toEqual(['/opa']);
    expect(imageFacts('istio/proxyv2:1.29.6-distroless')?.shell).toBeUndefined();
    expect(imageFacts('istio/proxyv2:1.29.6-distroless')?.binaries).toEqual(expect.arrayContaining(['iptables-restore', 'ip6tables-restore']));
    expect(imageFacts('amazon/aws-xray-daemon:3.7.0')?.shell).toBe('/bin/sh');
    expect(imageFacts('public.ecr.aws/xray/aws-xray-daemon:3.7.0')?.shell).toBeUndefined();
    expect(imageFacts('public.ecr.aws/aws-cli/aws-cli:2.27.50')?.source).toContain('amazonlinux:2 ');
    expect(imageFacts('public.ecr.aws/aws-cli/aws-cli:2.27.51')?.source).toContain('amazonlinux:2023');
    expect(imageFacts('public.ecr.aws/aws-cli/aws-cli:2.31.0')?.source).toContain('amazonlinux:2023');
  });
});

describe('facts the library relies on', () => {
  test('envoy (Ubuntu) has sh, bash and coreutils but no curl or wget', () => {
    const f = imageFacts('envoyproxy/envoy:v1.39.1')!;
    expect(f.bash).toBe(true);
    expect(f.binaries).toEqual(expect.arrayContaining(['envoy', 'sh', 'sleep', 'cat', 'kill', 'pkill']));
    expect(f.binaries).not.toContain('curl');
    expect(f.binaries).not.toContain('wget');
  });

  test('istio proxyv2 ships iptables-restore and ip6tables-restore on PATH and runs as root by default', () => {
    const f = imageFacts('docker.io/istio/proxyv2:1.29.6')!;
    expect(f.binaries).toEqual(expect.arrayContaining(['iptables-restore', 'ip6tables-restore', 'iptables-legacy-restore', 'iptables-nft-restore']));
    expect(f.user).toBeUndefined();
  });

  test('distroless and scratch images have no shell and only their own binary', () => {
    for (const image of ['daprio/daprd:1.18.7', 'otel/opentelemetry-collector-contrib:0.162.0', 'fluent/fluent-bit:5.0.8', 'openpolicyagent/opa:1.10.1-static']) {
      const f = imageFacts(image)!;
      expect(f.shell).toBeUndefined();
      expect(f.bash).toBe(false);
      expect(f.binaries.some(b => b === 'sh' || b === '/bin/sh' || b === 'sleep')).toBe(false);
    }
  });

  test('busybox has the applets the ECS init steps use, and no bash', () => {
    const f = imageFacts('public.ecr.aws/docker/library/busybox:1.37')!;
    expect(f.bash).toBe(false);
    expect(f.binaries).toEqual(expect.arrayContaining(['sh', 'cp', 'chmod', 'chown', 'mkdir', 'wget', 'kill', 'pkill', 'sleep']));
  });

  test('the ECS config writer images ship what its `sh -c` steps call', () => {
    // src/ecs/task-sidecars.ts: printf | base64 -d > file, chmod, and `aws s3 cp` for S3 delivery.
    for (const image of ['public.ecr.aws/docker/library/busybox:1.37', 'public.ecr.aws/aws-cli/aws-cli:2.27.50', 'public.ecr.aws/aws-cli/aws-cli:2.31.0']) {
      expect(imageFacts(image)?.binaries).toEqual(expect.arrayContaining(['sh', 'printf', 'base64', 'chmod']));
    }
    expect(imageFacts('public.ecr.aws/aws-cli/aws-cli:2.27.50')?.binaries).toContain('aws');
  });

  test('vault (Alpine) has busybox wget, kill and pkill, and no bash', () => {
    const f = imageFacts('hashicorp/vault:2.1.0')!;
    expect(f.bash).toBe(false);
    expect(f.binaries).toEqual(expect.arrayContaining(['vault', 'sh', 'wget', 'kill', 'pkill']));
  });

  test('default users', () => {
    expect(imageFacts('daprio/daprd:1.18.7')?.user).toBe('65532');
    expect(imageFacts('otel/opentelemetry-collector-contrib:0.162.0')?.user).toBe('10001');
    expect(imageFacts('openpolicyagent/opa:1.10.1-static')?.user).toBe('1000');
    expect(imageFacts('amazon/aws-xray-daemon:3.7.0')?.user).toBe('10001');
    expect(imageFacts('public.ecr.aws/aws-observability/aws-otel-collector:v0.50.0')?.user).toBe('4317');
    expect(imageFacts('envoyproxy/envoy:v1.39.1')?.user).toBeUndefined();
    expect(imageFacts('hashicorp/vault:2.1.0')?.user).toBeUndefined();
  });
});

describe('the table', () => {
  const declared = declaredImages();

  test('finds the library defaults in the sources', () => {
    expect([...declared.values()]).toEqual(expect.arrayContaining([
      'envoyproxy/envoy:v1.39.1',
      'hashicorp/vault:2.1.0',
      'fluent/fluent-bit:5.0.8',
      'openpolicyagent/opa:1.10.1-static',
      'openpolicyagent/opa:1.10.1-envoy-static',
      'otel/opentelemetry-collector-contrib:0.162.0',
      'public.ecr.aws/aws-observability/aws-otel-collector:v0.50.0',
      'daprio/daprd:1.18.7',
      'amazon/aws-xray-daemon:3.7.0',
      'docker.io/istio/proxyv2:1.29.6',
      'public.ecr.aws/docker/library/busybox:1.37',
      'public.ecr.aws/aws-cli/aws-cli:2.27.50',
    ]));
  });

  test('every default image declared in src/ has a row', () => {
    const missing = [...declared].filter(([, image]) => imageFacts(image) === undefined).map(([where, image]) => `${where} = ${image}`);
    expect(missing).toEqual([]);
  });

  test('every row has a source, a normalised repository, absolute shell and no duplicate binaries', () => {
    for (const row of IMAGE_FACTS) {
      expect(row.source.trim().length).toBeGreaterThan(20);
      expect(row.repository).not.toMatch(/^(?:docker\.io|index\.docker\.io|library)\//);
      expect(row.repository).toBe(row.repository.toLowerCase());
      if (row.shell !== undefined) {
        expect(row.shell.startsWith('/')).toBe(true);
        expect(row.binaries).toContain(row.shell);
      }
      if (row.bash) { expect(row.shell).toBeDefined(); }
      expect(new Set(row.binaries).size).toBe(row.binaries.length);
      expect(row.binaries.every(b => b.length > 0 && !/\s/.test(b))).toBe(true);
      if (row.user !== undefined) { expect(row.user).toMatch(/^\d+$/); }
    }
  });

  test('no two rows of one repository claim the same tag', () => {
    const samples = ['v1.39.1', 'distroless-v1.39.1', 'contrib-v1.39.1', '2.1.0', '1.19.2', '5.0.8', '5.0.8-debug', '1.10.1', '1.10.1-static',
      '1.10.1-debug', '1.10.1-static-debug', '1.10.1-envoy', '1.10.1-envoy-static', '1.10.1-istio-2-static', '0.162.0', 'v0.50.0',
      '1.17.16', '1.18.3-mariner', '3.7.0', '3.x', '1.29.6', '1.29.6-distroless', '1.37', '1.37.0', '2.27.50', '2.27.51', '2.34.0'];
    for (const repository of new Set(IMAGE_FACTS.map(r => r.repository))) {
      for (const tag of samples) {
        const rows = IMAGE_FACTS.filter(r => r.repository === repository && r.tags.test(tag));
        expect({ repository, tag, rows: rows.length }).toEqual({ repository, tag, rows: Math.min(rows.length, 1) });
      }
    }
  });
});
