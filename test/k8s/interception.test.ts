import { Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { PortExposure, Probe, Sidecar, StartupRole } from '../../src';
import { ErrorCode } from '../../src/core/errors';
import { AppInitContainerPlacement, KubernetesTarget, WorkloadSidecars } from '../../src/k8s';
import { expectError } from '../errors';
import { findDoc, names, newChart, podOf, rawDeployment, synth } from './util';

function proxy(chart: Chart, extra: object = {}): Sidecar {
  return new Sidecar(chart, 'proxy', {
    image: 'ghcr.io/acme/proxy:1.0.0',
    security: { uid: 1337 },
    ports: [{ port: 15001 }, { port: 15006 }, { port: 15020, exposure: PortExposure.EXPOSED }, { port: 15021, exposure: PortExposure.EXPOSED }],
    startupProbe: Probe.httpGet({ port: 15021, path: '/healthz/ready' }),
    waitCommand: ['/bin/wait-ready'],
    interceptTraffic: { inboundPort: 15006, outboundPort: 15001 },
    ...extra,
  });
}

const withProbeRoute = (chart: Chart) => {
  const base = proxy(chart);
  const c = base.contribute({ targetPath: '', appContainers: [] });
  return new (class extends Sidecar {
    public contribute() {
      return { ...c, pod: { ...c.pod, trafficInterception: { ...c.pod!.trafficInterception!, probeRedirect: { port: 15020 } } } };
    }
  })(chart, 'routed', { image: 'ghcr.io/acme/proxy:1.0.0', name: 'proxy' });
};

describe('traffic interception on Kubernetes', () => {
  test('native: the redirect init runs right before the proxy, with NET_ADMIN and NET_RAW only', () => {
    const chart = newChart();
    const before = new Sidecar(chart, 'fetch-certs', { image: 'ghcr.io/acme/fetch:1', role: StartupRole.INIT_STEP });
    const after = new Sidecar(chart, 'warm-cache', { image: 'ghcr.io/acme/warm:1', role: StartupRole.INIT_STEP });
    const d = rawDeployment(chart, 'api', undefined, { initContainers: [{ name: 'wait-for-db', image: 'busybox:1.37', command: ['true'] }] });
    WorkloadSidecars.of(d).add(before, proxy(chart), after);
    const docs = synth(chart);
    const pod = podOf(findDoc(docs, 'Deployment'));
    expect(names(pod.spec.initContainers)).toEqual(['wait-for-db', 'fetch-certs', 'cdk-sidecars-redirect', 'proxy', 'warm-cache']);
    const redirect = pod.spec.initContainers[2];
    expect(redirect).toMatchObject({
      image: 'docker.io/istio/proxyv2:1.29.6',
      securityContext: {
        runAsUser: 0,
        runAsNonRoot: false,
        allowPrivilegeEscalation: false,
        privileged: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'], add: ['NET_ADMIN', 'NET_RAW'] },
      },
    });
    expect(redirect.restartPolicy).toBeUndefined();
    // Both documents: IPv4 always, IPv6 when the pod has a global IPv6 address (run for real in redirect-kernel.test.ts).
    expect(redirect.command.slice(0, 2)).toEqual(['sh', '-c']);
    expect(redirect.command[2]).toContain('iptables-restore --noflush /etc/cdk-sidecars/redirect/rules.v4');
    expect(redirect.command[2]).toContain('ip6tables-restore --noflush /etc/cdk-sidecars/redirect/rules.v6');
    expect(pod.spec.volumes.find((v: any) => v.name === 'cdk-sidecars-redirect').configMap.items.map((i: any) => i.key)).toEqual(['rules.v4', 'rules.v6']);
    const rules = findDoc(docs, 'ConfigMap', 'api-cdk-sidecars-redirect').data['rules.v4'];
    expect(rules.split('\n')).toEqual(expect.arrayContaining([
      '-A CDK_SIDECARS_IN_REDIRECT -p tcp -j REDIRECT --to-ports 15006',
      '-A CDK_SIDECARS_REDIRECT -p tcp -j REDIRECT --to-ports 15001',
      '-A CDK_SIDECARS_INBOUND -p tcp --dport 8080 -j CDK_SIDECARS_IN_REDIRECT',
      '-A CDK_SIDECARS_OUTPUT -m owner --uid-owner 1337 -j RETURN',
      '-A CDK_SIDECARS_OUTPUT -o lo -j RETURN',
      'COMMIT',
    ]));
    expect(pod.metadata.annotations['cdk-sidecars.dev/injected']).toBe('cdk-sidecars-redirect,fetch-certs,proxy,warm-cache');
  });

  test('classic: every init step runs before the rules, the proxy first among containers', () => {
    const chart = newChart();
    KubernetesTarget.set(chart, '1.28');
    const init = new Sidecar(chart, 'warm-cache', { image: 'ghcr.io/acme/warm:1', role: StartupRole.INIT_STEP });
    WorkloadSidecars.of(rawDeployment(chart, 'api')).add(proxy(chart), init);
    const pod = podOf(findDoc(synth(chart), 'Deployment'));
    expect(names(pod.spec.initContainers)).toEqual(['warm-cache', 'cdk-sidecars-redirect']);
    expect(names(pod.spec.containers)).toEqual(['proxy', 'app']);
  });

  test('classic: the workload\'s own init containers after the rules would have no network', () => {
    const chart = newChart();
    KubernetesTarget.set(chart, '1.28');
    const d = rawDeployment(chart, 'api', undefined, { initContainers: [{ name: 'wait-for-db', image: 'busybox:1.37' }] });
    WorkloadSidecars.of(d, { appInitContainers: AppInitContainerPlacement.AFTER_SIDECARS }).add(proxy(chart));
    expectError(() => Testing.synth(chart), ErrorCode.INVALID_INTERCEPTION, 'web/api: appInitContainers "AFTER_SIDECARS" would run the workload\'s init containers after the redirect rules');
  });

  test('include lists and CIDRs become rules', () => {
    const chart = newChart();
    WorkloadSidecars.of(rawDeployment(chart, 'api')).add(proxy(chart, {
      interceptTraffic: { inboundPort: 15006, outboundPort: 15001, includeOutboundCidrs: ['10.0.0.0/8'], includeOutboundPorts: [80, 443], excludeOutboundCidrs: ['10.96.0.1'] },
    }));
    const docs = synth(chart);
    const rules = docs.find(d => d.kind === 'ConfigMap').data['rules.v4'].split('\n');
    expect(rules).toEqual(expect.arrayContaining([
      '-A CDK_SIDECARS_OUTPUT -d 10.96.0.1/32 -j RETURN',
      '-A CDK_SIDECARS_OUTPUT -d 10.0.0.0/8 -p tcp --dport 80 -j CDK_SIDECARS_REDIRECT',
      '-A CDK_SIDECARS_OUTPUT -d 10.0.0.0/8 -p tcp --dport 443 -j CDK_SIDECARS_REDIRECT',
    ]));
    expect(rules).not.toContain('-A CDK_SIDECARS_OUTPUT -j CDK_SIDECARS_REDIRECT');
  });

  test('IPv6 CIDRs go to the ip6tables document only, IPv4 ones to the iptables document only; ::1 is the IPv6 loopback', () => {
    const chart = newChart();
    WorkloadSidecars.of(rawDeployment(chart, 'api')).add(proxy(chart, {
      interceptTraffic: { inboundPort: 15006, outboundPort: 15001, excludeOutboundCidrs: ['10.96.0.1', 'fd00::/8', '2001:db8::1'] },
    }));
    const data = synth(chart).find(d => d.kind === 'ConfigMap').data;
    const v4 = data['rules.v4'].split('\n');
    const v6 = data['rules.v6'].split('\n');
    expect(v4).toEqual(expect.arrayContaining(['-A CDK_SIDECARS_OUTPUT -d 127.0.0.1/32 -j RETURN', '-A CDK_SIDECARS_OUTPUT -d 10.96.0.1/32 -j RETURN']));
    expect(data['rules.v4']).not.toMatch(/fd00|2001:db8|::1/);
    expect(v6).toEqual(expect.arrayContaining([
      '-A CDK_SIDECARS_OUTPUT -d ::1/128 -j RETURN',
      '-A CDK_SIDECARS_OUTPUT -d fd00::/8 -j RETURN',
      '-A CDK_SIDECARS_OUTPUT -d 2001:db8::1/128 -j RETURN',
      '-A CDK_SIDECARS_OUTPUT -m owner --uid-owner 1337 -j RETURN',
      '-A CDK_SIDECARS_INBOUND -p tcp --dport 8080 -j CDK_SIDECARS_IN_REDIRECT',
      '-A CDK_SIDECARS_OUTPUT -j CDK_SIDECARS_REDIRECT',
    ]));
    expect(data['rules.v6']).not.toMatch(/10\.96\.0\.1|127\.0\.0\.1/);
  });

  test('include CIDRs of one family only: the other family captures no outbound traffic', () => {
    const chart = newChart();
    WorkloadSidecars.of(rawDeployment(chart, 'api')).add(proxy(chart, {
      interceptTraffic: { inboundPort: 15006, outboundPort: 15001, includeOutboundCidrs: ['10.0.0.0/8'] },
    }));
    const data = synth(chart).find(d => d.kind === 'ConfigMap').data;
    expect(data['rules.v4']).toContain('-A CDK_SIDECARS_OUTPUT -d 10.0.0.0/8 -j CDK_SIDECARS_REDIRECT');
    expect(data['rules.v6']).not.toContain('-j CDK_SIDECARS_REDIRECT\n');
    expect(data['rules.v6'].split('\n').filter((l: string) => l.endsWith('-j CDK_SIDECARS_REDIRECT'))).toEqual([]);
    // Inbound capture stays in both.
    expect(data['rules.v6']).toContain('-A CDK_SIDECARS_INBOUND -p tcp --dport 8080 -j CDK_SIDECARS_IN_REDIRECT');
  });

  test('a distroless redirect image cannot run the init script: refused', () => {
    const chart = newChart();
    WorkloadSidecars.of(rawDeployment(chart, 'api')).add(proxy(chart, {
      interceptTraffic: { inboundPort: 15006, outboundPort: 15001, redirectImage: 'docker.io/istio/proxyv2:1.29.6-distroless' },
    }));
    expectError(() => Testing.synth(chart), ErrorCode.IMAGE_LACKS_BINARY,
      'web/proxy: pod.trafficInterception.redirectImage "docker.io/istio/proxyv2:1.29.6-distroless" has no shell (sh)');
  });

  test("the app's probes of captured ports go to the proxy's probe route; other probes stay", () => {
    const chart = newChart();
    const d = new kplus.Deployment(chart, 'api', {
      containers: [{
        name: 'api',
        image: 'ghcr.io/acme/api:1',
        portNumber: 8080,
        readiness: kplus.Probe.fromHttpGet('/ready?full=1', { port: 8080 }),
        liveness: kplus.Probe.fromCommand(['/bin/alive']),
      }],
    });
    WorkloadSidecars.of(d).add(withProbeRoute(chart));
    const app = podOf(findDoc(synth(chart), 'Deployment')).spec.containers[0];
    expect(app.readinessProbe.httpGet).toEqual({ path: '/app-health/http/8080/ready?full=1', port: 15020, scheme: 'HTTP' });
    // cdk8s-plus-27's default TCP startup probe on the port: checked by the proxy for the kubelet.
    expect(app.startupProbe.httpGet).toEqual({ path: '/app-health/tcp/8080', port: 15020, scheme: 'HTTP' });
    expect(app.startupProbe.tcpSocket).toBeUndefined();
    expect(app.livenessProbe.exec).toEqual({ command: ['/bin/alive'] });
  });

  test('a TCP probe of a captured port without a probe route is refused', () => {
    const chart = newChart();
    const d = new kplus.Deployment(chart, 'api', { containers: [{ name: 'api', image: 'ghcr.io/acme/api:1', portNumber: 8080 }] });
    WorkloadSidecars.of(d).add(proxy(chart));
    expectError(() => Testing.synth(chart), ErrorCode.INVALID_INTERCEPTION,
      'web/api/Resource: containers[api].startupProbe.tcpSocket.port 8080 is captured by web/proxy, which has no probe route', 'excludeInboundPorts');
  });

  test('an HTTPS probe of a captured port cannot use the probe route', () => {
    const chart = newChart();
    WorkloadSidecars.of(rawDeployment(chart, 'api', [{
      name: 'app',
      image: 'ghcr.io/acme/app:1',
      ports: [{ containerPort: 8443 }],
      readinessProbe: { httpGet: { port: 8443, path: '/ready', scheme: 'HTTPS' } },
    }])).add(withProbeRoute(chart));
    expectError(() => Testing.synth(chart), ErrorCode.INVALID_INTERCEPTION, 'web/api: containers[app].readinessProbe.httpGet.scheme "HTTPS" cannot be routed');
  });

  test('two proxies intercepting one pod', () => {
    const chart = newChart();
    const other = new Sidecar(chart, 'other', {
      image: 'ghcr.io/acme/other:1', ports: [{ port: 25001 }, { port: 25006 }], interceptTraffic: { inboundPort: 25006, outboundPort: 25001 },
    });
    WorkloadSidecars.of(rawDeployment(chart, 'api')).add(proxy(chart), other);
    expectError(() => Testing.synth(chart), ErrorCode.INTERCEPTION_CONFLICT, 'web/other: pod.trafficInterception: web/proxy already intercepts the traffic of web/api');
  });

  test('interception settings are checked when the sidecar is made', () => {
    const chart = newChart();
    expectError(() => proxy(chart, { interceptTraffic: { inboundPort: 15006, outboundPort: 15002 } }), ErrorCode.INVALID_INTERCEPTION,
      'web/proxy: pod.trafficInterception.outboundPort 15002 is not a TCP port of the proxy container "proxy"');
    expectError(() => new Sidecar(chart, 'p2', {
      image: 'x:1', ports: [{ port: 1 }, { port: 2 }], interceptTraffic: { inboundPort: 1, outboundPort: 2, excludeOutboundCidrs: ['10.0.0.0/33'] },
    }), ErrorCode.INVALID_INTERCEPTION, 'web/p2: pod.trafficInterception.excludeOutboundCidrs[0] "10.0.0.0/33" is not an IP address or CIDR');
    expectError(() => new Sidecar(chart, 'p3', {
      image: 'x:1', ports: [{ port: 1 }, { port: 2 }], interceptTraffic: { inboundPort: 1, outboundPort: 2, appPorts: [8080, 2] },
    }), ErrorCode.INVALID_INTERCEPTION, "web/p3: pod.trafficInterception.appPorts [8080,2] captures the proxy's own port 2");
    expectError(() => new Sidecar(chart, 'p4', {
      image: 'x:1', ports: [{ port: 1 }], interceptTraffic: { inboundPort: 1, outboundPort: 1 },
    }), ErrorCode.INVALID_INTERCEPTION, 'web/p4: pod.trafficInterception.outboundPort 1 equals inboundPort');
  });
});

describe('what bypasses the proxy is refused, not left to chance', () => {
  test('an app port missing from appPorts (a typo) is refused, naming the port, the container and the fix', () => {
    const chart = newChart();
    const d = rawDeployment(chart, 'api');
    WorkloadSidecars.of(d).add(proxy(chart, { interceptTraffic: { inboundPort: 15006, outboundPort: 15001, appPorts: [9090] } }));
    expectError(() => synth(chart), ErrorCode.PORT_NOT_CAPTURED,
      'web/proxy: interceptTraffic.appPorts [9090] leaves port 8080 of app container "app" in web/api uncaptured', 'Add 8080 to interceptTraffic.appPorts', 'excludeInboundPorts');
  });
  test('an app port excluded on purpose, or captured, passes', () => {
    for (const extra of [{ appPorts: [9090], excludeInboundPorts: [8080] }, { appPorts: [8080, 9090] }]) {
      const chart = newChart();
      const d = rawDeployment(chart, 'api');
      WorkloadSidecars.of(d).add(proxy(chart, { interceptTraffic: { inboundPort: 15006, outboundPort: 15001, ...extra } }));
      expect(() => synth(chart)).not.toThrow();
    }
  });
  test('an app container running with the proxy\'s exempt group is refused', () => {
    const chart = newChart();
    const d = rawDeployment(chart, 'api', [{ name: 'api', image: 'ghcr.io/acme/app:1.0.0', ports: [{ containerPort: 8080 }], securityContext: { runAsUser: 2000, runAsGroup: 1337 } }]);
    WorkloadSidecars.of(d).add(proxy(chart));
    expectError(() => synth(chart), ErrorCode.EXEMPT_GROUP,
      'web/api: app container "api" runAsGroup 1337 of container "api" in web/api is the group whose traffic the proxy of web/proxy never redirects');
  });
  test('the pod-level runAsGroup counts too', () => {
    const chart = newChart();
    const d = rawDeployment(chart, 'api', undefined, { securityContext: { runAsGroup: 1337 } });
    WorkloadSidecars.of(d).add(proxy(chart));
    expectError(() => synth(chart), ErrorCode.EXEMPT_GROUP, 'runAsGroup 1337');
  });
  test('another sidecar running with the exempt group is refused', () => {
    const chart = newChart();
    const d = rawDeployment(chart, 'api');
    const agent = new Sidecar(chart, 'agent', { image: 'ghcr.io/acme/agent:1.0.0', security: { uid: 4000, gid: 1337 } });
    WorkloadSidecars.of(d).add(proxy(chart), agent);
    expectError(() => synth(chart), ErrorCode.EXEMPT_GROUP, 'web/agent: security.gid 1337 of container "agent"', 'web/proxy never redirects');
  });
});

describe('the redirect init runs only what its image ships', () => {
  test('an image without iptables-restore (the Envoy image) is refused, naming the binary and the image', () => {
    const chart = newChart();
    const d = rawDeployment(chart, 'api');
    WorkloadSidecars.of(d).add(proxy(chart, { interceptTraffic: { inboundPort: 15006, outboundPort: 15001, redirectImage: 'envoyproxy/envoy:v1.39.1' } }));
    expectError(() => synth(chart), ErrorCode.RUNTIME_MISSING_BINARY,
      'web/proxy: pod.trafficInterception.redirectImage of container "cdk-sidecars-redirect" runs', 'in image "envoyproxy/envoy:v1.39.1", but the image ships no', 'iptables');
  });
});
