import { ApiObject, Chart, Testing } from 'cdk8s';
import * as kplus27 from 'cdk8s-plus-27';
import { findDoc, synth } from './util';
import {
  DaprMode, DaprSidecar, EnvoySidecar, EnvoyStatsSinkKind, FluentBitOutput, FluentBitSidecar, OpaSidecar, OtelCollectorSidecar, OtelProtocol,
  Protocol, Sidecar, VaultAgentSidecar, VaultAuth,
} from '../../src';
import { ErrorCode, SidecarError } from '../../src/core/errors';
import { KubernetesTarget, WorkloadNetworkPolicy, WorkloadSidecars } from '../../src/k8s';

const POLICY = 'package envoy.authz\n\nimport rego.v1\n\ndefault allow := false\n';

function chartIn(namespace = 'shop'): Chart {
  const app = Testing.app();
  KubernetesTarget.set(app, '1.33');
  return new Chart(app, 'web', { namespace });
}

function deployment(chart: Chart, id = 'catalog', port = 8080): kplus27.Deployment {
  return new kplus27.Deployment(chart, id, { containers: [{ name: id, image: 'ghcr.io/acme/catalog:1.8.0', portNumber: port }] });
}

function policyOf(docs: any[]): any {
  return findDoc(docs, 'NetworkPolicy');
}

/** Silences the warnings a synthesis prints, and returns them. */
function quietly<T>(fn: () => T): { result: T; stderr: string } {
  const spy = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    const result = fn();
    return { result, stderr: spy.mock.calls.map(c => String(c[0])).join('') };
  } finally {
    spy.mockRestore();
  }
}

describe('(a) app + OPA + Fluent Bit, no interception', () => {
  const chart = chartIn();
  const web = deployment(chart);
  WorkloadSidecars.of(web).add(
    new OpaSidecar(chart, 'opa', { policies: { 'authz.rego': POLICY }, services: [{ name: 'bundles', url: 'https://10.20.0.5:8443/v1' }], bundles: [{ name: 'authz', service: 'bundles' }] }),
    new FluentBitSidecar(chart, 'logs', { outputs: [FluentBitOutput.forward({ host: 'fluentd.observability.svc' })] }),
  );
  const netpol = new WorkloadNetworkPolicy(chart, 'netpol', {
    sidecars: WorkloadSidecars.of(web),
    monitoringPeers: [{ namespace: 'monitoring', podLabels: { 'app.kubernetes.io/name': 'prometheus' } }],
  });
  const { result: docs } = quietly(() => synth(chart));
  const np = policyOf(docs);
  const deploy = findDoc(docs, 'Deployment');

  test('selects the workload\'s pods by its selector, in its namespace, both policy types', () => {
    expect(np.metadata).toMatchObject({ name: deploy.metadata.name, namespace: 'shop', labels: { 'app.kubernetes.io/managed-by': 'cdk-sidecars' } });
    expect(np.spec.podSelector).toEqual(deploy.spec.selector);
    expect(np.spec.policyTypes).toEqual(['Ingress', 'Egress']);
  });

  test('the app port is open to the namespace, the sidecars\' metrics and diagnostics ports to the scrapers only', () => {
    const exposed = deploy.spec.template.spec.initContainers.flatMap((c: any) => (c.ports ?? []).map((p: any) => p.containerPort));
    expect(exposed).toEqual(expect.arrayContaining([8282, 2020]));
    expect(np.spec.ingress).toEqual([
      { from: [{ podSelector: {} }], ports: [{ protocol: 'TCP', port: 8080 }] },
      {
        from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } } }],
        ports: expect.arrayContaining([{ protocol: 'TCP', port: 8282 }, { protocol: 'TCP', port: 2020 }]),
      },
    ]);
    // OPA's REST API (8181) is pod-local: not opened.
    expect(JSON.stringify(np.spec.ingress)).not.toContain('8181');
  });

  test('egress is not restricted unless asked (no interception)', () => {
    expect(np.spec.egress).toEqual([{}]);
    expect(netpol.warnings).toEqual([]);
  });

  test('restrictEgress: DNS, the OPA service by IP, the Fluent Bit host by port with a warning naming it', () => {
    const c = chartIn();
    const w = deployment(c);
    WorkloadSidecars.of(w).add(
      new OpaSidecar(c, 'opa', { policies: { 'authz.rego': POLICY }, services: [{ name: 'bundles', url: 'https://10.20.0.5:8443/v1' }], bundles: [{ name: 'authz', service: 'bundles' }] }),
      new FluentBitSidecar(c, 'logs', { outputs: [FluentBitOutput.forward({ host: 'fluentd.observability.svc' })] }),
    );
    const policy = new WorkloadNetworkPolicy(c, 'netpol', { sidecars: WorkloadSidecars.of(w), restrictEgress: true });
    const { result, stderr } = quietly(() => synth(c));
    expect(policyOf(result).spec.egress).toEqual([
      {
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
        ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }],
      },
      { to: [{ ipBlock: { cidr: '10.20.0.5/32' } }], ports: [{ protocol: 'TCP', port: 8443 }] },
      { ports: [{ protocol: 'TCP', port: 24224 }] },
    ]);
    expect(policy.warnings).toHaveLength(1);
    expect(policy.warnings[0]).toContain('web/logs connects to host "fluentd.observability.svc" (outputs[0].host)');
    expect(stderr).toContain('[cdk-sidecars] warning: web/netpol: web/logs connects to host "fluentd.observability.svc"');
  });

  test('a destination for the host narrows the rule to its pods and their port', () => {
    const c = chartIn();
    const w = deployment(c);
    WorkloadSidecars.of(w).add(new FluentBitSidecar(c, 'logs', { outputs: [FluentBitOutput.forward({ host: 'fluentd.observability.svc' })] }));
    const policy = new WorkloadNetworkPolicy(c, 'netpol', {
      sidecars: WorkloadSidecars.of(w),
      restrictEgress: true,
      allowDns: false,
      destinations: [{ host: 'fluentd.observability.svc', peers: [{ namespace: 'observability', podLabels: { app: 'fluentd' } }], ports: [{ port: 24224 }] }],
      egress: [{ peers: [{ cidr: '0.0.0.0/0', exceptCidrs: ['169.254.169.254/32'] }], ports: [{ port: 443 }] }],
    });
    const docs2 = synth(c);
    expect(policyOf(docs2).spec.egress).toEqual([
      {
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'observability' } }, podSelector: { matchLabels: { app: 'fluentd' } } }],
        ports: [{ protocol: 'TCP', port: 24224 }],
      },
      { to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['169.254.169.254/32'] } }], ports: [{ protocol: 'TCP', port: 443 }] },
    ]);
    expect(policy.warnings).toEqual([]);
  });
});

describe('(b) Envoy intercepting, with clusters', () => {
  const chart = chartIn();
  const web = deployment(chart);
  WorkloadSidecars.of(web).add(
    new OpaSidecar(chart, 'opa', { envoyPlugin: true, policies: { 'authz.rego': POLICY } }),
    new EnvoySidecar(chart, 'envoy', {
      clusters: [
        { name: 'payments', address: '10.40.1.7', port: 9443, tls: true },
        { name: 'inventory', address: 'inventory.stock.svc.cluster.local', port: 8080 },
      ],
      routes: [{ pathPrefix: '/payments/', cluster: 'payments' }, { pathPrefix: '/stock/', cluster: 'inventory' }],
    }),
  );
  const netpol = new WorkloadNetworkPolicy(chart, 'netpol', {
    sidecars: WorkloadSidecars.of(web),
    appPeers: [{ namespace: 'ingress-nginx', podLabels: { 'app.kubernetes.io/name': 'ingress-nginx' } }],
    destinations: [{ host: 'inventory.stock.svc.cluster.local', peers: [{ namespace: 'stock', podLabels: { app: 'inventory' } }], ports: [{ port: 8080 }] }],
  });
  const { result: docs } = quietly(() => synth(chart));
  const np = policyOf(docs);
  const deploy = findDoc(docs, 'Deployment');

  test('callers reach the app port (redirected to Envoy inside the pod), never Envoy\'s inbound port', () => {
    const envoy = deploy.spec.template.spec.initContainers.find((c: any) => c.name === 'envoy');
    expect(envoy).toBeDefined();
    const callers = np.spec.ingress[0];
    expect(callers.from).toEqual([{
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } },
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'ingress-nginx' } },
    }]);
    expect(callers.ports).toEqual([{ protocol: 'TCP', port: 8080 }]);
    // Envoy's inbound (15006) and outbound (15001) ports are pod-local; its readiness and metrics ports
    // are closed to pods without monitoringPeers (the kubelet comes from the node).
    expect(np.spec.ingress).toHaveLength(1);
    expect(JSON.stringify(np.spec.ingress)).not.toMatch(/1500[16]/);
  });

  test('egress is restricted by default: DNS and Envoy\'s clusters (IP as /32, the mapped host to its pods)', () => {
    expect(np.spec.egress).toEqual([
      expect.objectContaining({ ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] }),
      { to: [{ ipBlock: { cidr: '10.40.1.7/32' } }], ports: [{ protocol: 'TCP', port: 9443 }] },
      {
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'stock' } }, podSelector: { matchLabels: { app: 'inventory' } } }],
        ports: [{ protocol: 'TCP', port: 8080 }],
      },
    ]);
    expect(netpol.warnings).toEqual([]);
  });

  test('restrictEgress: false opens egress even with interception', () => {
    const c = chartIn();
    const w = deployment(c);
    WorkloadSidecars.of(w).add(new EnvoySidecar(c, 'envoy', {}));
    new WorkloadNetworkPolicy(c, 'netpol', { sidecars: WorkloadSidecars.of(w), restrictEgress: false });
    expect(policyOf(quietly(() => synth(c)).result).spec.egress).toEqual([{}]);
  });
});

describe('(c) Dapr + OTel Collector', () => {
  const chart = chartIn('orders');
  const orders = deployment(chart, 'orders');
  WorkloadSidecars.of(orders).add(
    new DaprSidecar(chart, 'dapr', { appId: 'orders', appPort: 8080, mode: DaprMode.CONTROL_PLANE }),
    new OtelCollectorSidecar(chart, 'otel', { serviceName: 'orders', otlpExporters: [{ endpoint: '10.9.0.4:4317' }, { name: 'saas', endpoint: 'https://otlp.example.com', protocol: OtelProtocol.HTTP_PROTOBUF }] }),
  );
  const netpol = new WorkloadNetworkPolicy(chart, 'netpol', {
    sidecars: WorkloadSidecars.of(orders),
    restrictEgress: true,
    monitoringPeers: [{ namespaceLabels: { 'kubernetes.io/metadata.name': 'monitoring' } }],
  });
  const { result: docs } = quietly(() => synth(chart));
  const np = policyOf(docs);

  test('daprd\'s internal gRPC port (other Dapr sidecars call it) is open to callers; its metrics port to the scrapers', () => {
    expect(np.spec.ingress[0]).toEqual({ from: [{ podSelector: {} }], ports: [{ protocol: 'TCP', port: 8080 }, { protocol: 'TCP', port: 50002 }] });
    expect(np.spec.ingress[1].from).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }]);
    expect(np.spec.ingress[1].ports).toEqual(expect.arrayContaining([{ protocol: 'TCP', port: 9090 }, { protocol: 'TCP', port: 13133 }]));
    expect(np.spec.ingress[1].ports).not.toContainEqual({ protocol: 'TCP', port: 50002 });
  });

  test('egress: the OTLP exporter by IP, HTTPS host and Dapr control plane by port, each host named in a warning', () => {
    expect(np.spec.egress).toEqual(expect.arrayContaining([
      { to: [{ ipBlock: { cidr: '10.9.0.4/32' } }], ports: [{ protocol: 'TCP', port: 4317 }] },
      { ports: [{ protocol: 'TCP', port: 443 }] },
      { ports: [{ protocol: 'TCP', port: 50005 }] },
      { ports: [{ protocol: 'TCP', port: 50006 }] },
    ]));
    const hosts = netpol.warnings.map(w => /host "([^"]+)"/.exec(w)?.[1]);
    expect(hosts).toEqual(expect.arrayContaining([
      'dapr-api.dapr-system.svc.cluster.local', 'dapr-sentry.dapr-system.svc.cluster.local',
      'dapr-placement-server.dapr-system.svc.cluster.local', 'dapr-scheduler-server.dapr-system.svc.cluster.local', 'otlp.example.com',
    ]));
  });

  test('a Vault agent\'s address is a destination too', () => {
    const c = chartIn();
    const w = deployment(c);
    WorkloadSidecars.of(w).add(new VaultAgentSidecar(c, 'vault', {
      address: 'https://10.0.8.1:8200',
      auth: [VaultAuth.kubernetes({ role: 'web' })],
      secrets: [{ file: 'db.json', path: 'secret/data/db' }],
    }));
    new WorkloadNetworkPolicy(c, 'netpol', { sidecars: WorkloadSidecars.of(w), restrictEgress: true, allowDns: false });
    expect(policyOf(quietly(() => synth(c)).result).spec.egress).toEqual([{ to: [{ ipBlock: { cidr: '10.0.8.1/32' } }], ports: [{ protocol: 'TCP', port: 8200 }] }]);
  });
});

describe('bad inputs', () => {
  function make(props: any): void {
    const c = chartIn();
    const w = deployment(c);
    WorkloadSidecars.of(w).add(new FluentBitSidecar(c, 'logs', { outputs: [FluentBitOutput.forward({ host: '10.0.0.9' })] }));
    new WorkloadNetworkPolicy(c, 'netpol', { sidecars: WorkloadSidecars.of(w), ...props });
  }
  function error(props: any): SidecarError {
    try {
      make(props);
    } catch (e) {
      if (e instanceof SidecarError) { return e; }
      throw e;
    }
    throw new Error('no error');
  }

  test.each([
    [{ appPeers: 'everyone' }, ErrorCode.INVALID_TYPE, 'web/netpol: appPeers "everyone" (string) is not'],
    [{ appPeers: [{ podLabels: 'app=web' }] }, ErrorCode.INVALID_TYPE, 'web/netpol: appPeers[0].podLabels'],
    [{ monitoringPeers: [{ namespace: 7 }] }, ErrorCode.INVALID_TYPE, 'web/netpol: monitoringPeers[0].namespace 7'],
    [{ monitoringPeers: [{ podLabels: { 'bad key!': 'x' } }] }, ErrorCode.INVALID_SELECTOR, 'web/netpol: monitoringPeers[0].podLabels'],
    [{ appPeers: [{}] }, ErrorCode.INVALID_PEER, 'web/netpol: appPeers[0] {} selects nothing'],
    [{ appPeers: [{ cidr: '10.0.0.0/8', podLabels: {} }] }, ErrorCode.INVALID_PEER, 'web/netpol: appPeers[0]'],
    [{ egress: [{ peers: [{ cidr: '10.0.0.0' }] }] }, ErrorCode.INVALID_CIDR, 'web/netpol: egress[0].peers[0].cidr "10.0.0.0" is not a CIDR'],
    [{ egress: [{ peers: [{ cidr: '10.0.0.300/8' }] }] }, ErrorCode.INVALID_CIDR, 'web/netpol: egress[0].peers[0].cidr "10.0.0.300/8" is not a CIDR'],
    [{ egress: [{ peers: [{ cidr: '10.0.0.0/8', exceptCidrs: ['x'] }] }] }, ErrorCode.INVALID_CIDR, 'web/netpol: egress[0].peers[0].exceptCidrs[0] "x" is not a CIDR'],
    [{ ingress: [{ ports: [{ port: 70000 }] }] }, ErrorCode.INVALID_PORT, 'web/netpol: ingress[0].ports[0].port 70000 is not a port number'],
    [{ ingress: [{ ports: [{ port: 0 }] }] }, ErrorCode.INVALID_PORT, 'web/netpol: ingress[0].ports[0].port 0'],
    [{ ingress: [{ ports: [{ port: 9000, endPort: 8000 }] }] }, ErrorCode.INVALID_RANGE, 'web/netpol: ingress[0].ports[0].port 9000 is greater than ingress[0].ports[0].endPort 8000'],
    [{ ingress: [{ ports: [{ port: 80, protocol: 'ICMP' }] }] }, ErrorCode.INVALID_TYPE, 'web/netpol: ingress[0].ports[0].protocol "ICMP"'],
    [{ restrictEgress: 'yes' }, ErrorCode.INVALID_TYPE, 'web/netpol: restrictEgress "yes"'],
    [{ destinations: [{ host: 'vault.svc', peers: [] }] }, ErrorCode.INVALID_PEER, 'web/netpol: destinations[0].peers [] is empty'],
    [{ sidecars: {} }, ErrorCode.INVALID_TYPE, 'web/netpol: sidecars {} (object) is not a WorkloadSidecars'],
    [{ name: 'Web_Policy' }, ErrorCode.INVALID_NAME, 'web/netpol: name "Web_Policy"'],
  ])('%j', (props, code, message) => {
    const e = error(props);
    expect(e.code).toBe(code);
    expect(e.message).toContain(message);
  });

  test.each([
    [{ egress: [{ ports: [{ port: 443 }] }] }, 'web/netpol: egress [{"ports":[{"port":443}]}] would have no effect: egress of web/catalog/Resource is not restricted (no sidecar intercepts'],
    [{ restrictEgress: false, allowDns: true }, 'web/netpol: allowDns true would have no effect: egress of web/catalog/Resource is not restricted (restrictEgress is false)'],
    [{ monitoringPeers: [{ namespace: 'monitoring' }] }, 'web/netpol: monitoringPeers [{"namespace":"monitoring"}] would have no effect: no sidecar of web/catalog/Resource exposes'],
    // review14: dnsPeers were dropped without a word when allowDns was false.
    [{ restrictEgress: true, allowDns: false, dnsPeers: [{ namespace: 'dns' }] },
      'web/netpol: dnsPeers [{"namespace":"dns"}] would have no effect: allowDns is false'],
  ])('a setting that would be dropped is refused at synthesis: %j', (props, message) => {
    const c = chartIn();
    const w = deployment(c);
    WorkloadSidecars.of(w).add(new Sidecar(c, 'agent', { image: 'ghcr.io/acme/agent:1.0.0' }));
    new WorkloadNetworkPolicy(c, 'netpol', { sidecars: WorkloadSidecars.of(w), ...props });
    expect(() => Testing.synth(c)).toThrow(message);
  });

  test('appPeers for a pod whose app declares no port is refused', () => {
    const c = chartIn();
    const w = new kplus27.Deployment(c, 'worker', { containers: [{ name: 'worker', image: 'ghcr.io/acme/worker:1.0.0' }] });
    WorkloadSidecars.of(w).add(new Sidecar(c, 'agent', { image: 'ghcr.io/acme/agent:1.0.0' }));
    new WorkloadNetworkPolicy(c, 'netpol', { sidecars: WorkloadSidecars.of(w), appPeers: [{ podLabels: { role: 'client' } }] });
    expect(() => Testing.synth(c)).toThrow('web/netpol: appPeers [{"podLabels":{"role":"client"}}] would have no effect: web/worker/Resource declares no port its callers reach');
  });

  test('a workload without a label selector (a bare Pod) is refused at synthesis', () => {
    const c = chartIn();
    const pod = new ApiObject(c, 'job-pod', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'job-pod' },
      spec: { containers: [{ name: 'app', image: 'ghcr.io/acme/app:1.0.0' }] },
    });
    WorkloadSidecars.of(pod).add(new FluentBitSidecar(c, 'logs', { outputs: [FluentBitOutput.forward({ host: '10.0.0.9' })] }));
    new WorkloadNetworkPolicy(c, 'netpol', { sidecars: WorkloadSidecars.of(pod) });
    expect(() => Testing.synth(c)).toThrow('web/netpol: spec.podSelector: web/job-pod (Pod) has no label selector');
  });

  test('a destination given for an IP address a sidecar connects to is used, not dropped with a warning that no sidecar names it (review14)', () => {
    const c = chartIn();
    const w = deployment(c);
    WorkloadSidecars.of(w).add(new FluentBitSidecar(c, 'logs', { outputs: [FluentBitOutput.forward({ host: '10.0.0.9', port: 24224 })] }));
    new WorkloadNetworkPolicy(c, 'netpol', {
      sidecars: WorkloadSidecars.of(w),
      restrictEgress: true,
      allowDns: false,
      destinations: [{ host: '10.0.0.9', peers: [{ cidr: '10.0.0.0/29' }], ports: [{ port: 24224 }] }],
    });
    const { result, stderr } = quietly(() => synth(c));
    expect(policyOf(result).spec.egress).toEqual([{ to: [{ ipBlock: { cidr: '10.0.0.0/29' } }], ports: [{ protocol: 'TCP', port: 24224 }] }]);
    expect(stderr).not.toContain('is not a destination of any sidecar');
  });

  test('protocols of sidecar destinations are kept (statsd over UDP)', () => {
    const c = chartIn();
    const w = deployment(c);
    WorkloadSidecars.of(w).add(new EnvoySidecar(c, 'envoy', { redirect: false, stats: { sinks: [{ kind: EnvoyStatsSinkKind.STATSD, address: '10.1.1.1', port: 8125 }] } }));
    new WorkloadNetworkPolicy(c, 'netpol', { sidecars: WorkloadSidecars.of(w), restrictEgress: true, allowDns: false });
    expect(policyOf(quietly(() => synth(c)).result).spec.egress).toEqual([{ to: [{ ipBlock: { cidr: '10.1.1.1/32' } }], ports: [{ protocol: Protocol.UDP, port: 8125 }] }]);
  });
});
