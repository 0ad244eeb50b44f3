import { Chart, JsonPatch, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { EnvoySidecar, EnvoySidecarProps, Sidecar } from '../../src';
import { ErrorCode } from '../../src/core/errors';
import { KubernetesTarget, SidecarInjector, WorkloadSidecars } from '../../src/k8s';
import { expectError } from '../errors';
import { findDoc, newChart, podOf, rawDeployment, synth } from '../k8s/util';
import { validateEnvoyBootstrap } from '../validate/envoy';

const LONG_SNI = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.example`;
const cluster = (extra: object = {}) => ({ name: 'payments', address: 'payments.internal', port: 443, ...extra });

/** [case, props, code, message parts (path, prop, value)] */
const envoyCases: Array<[string, any, ErrorCode, string[]]> = [
  // A STATIC cluster takes IP addresses only; anything else is a host name (STRICT_DNS) or refused.
  ['an IPv4-looking address out of range', { clusters: [cluster({ address: '300.1.1.1' })] }, ErrorCode.INVALID_ROLE,
    ['web/envoy: clusters[0].address "300.1.1.1" looks like an IPv4 address but is not one', 'Give an IP address (a STATIC cluster) or a DNS host name']],
  ['a host:port address', { clusters: [cluster({ address: 'payments:443' })] }, ErrorCode.INVALID_ROLE,
    ['web/envoy: clusters[0].address "payments:443" is neither an IPv6 address nor a host name', 'the port in port']],
  ['a host name with a space', { clusters: [cluster({ address: 'pay ments' })] }, ErrorCode.INVALID_ROLE, ['web/envoy: clusters[0].address "pay ments" is not a host name']],
  ['an xds address with a port', { xds: { address: 'istiod:15012', port: 15012 } }, ErrorCode.INVALID_ROLE, ['web/envoy: xds.address "istiod:15012"']],
  ['an SNI over 255 bytes', { clusters: [cluster({ tls: true, sni: LONG_SNI })] }, ErrorCode.INVALID_ROLE,
    [`web/envoy: clusters[0].sni "${LONG_SNI}" is 263 bytes, but Envoy takes an SNI of at most 255 bytes`]],
  ['an SNI that is not a string', { clusters: [cluster({ tls: true, sni: 5 })] }, ErrorCode.INVALID_TYPE, ['web/envoy: clusters[0].sni 5 (number) is not a non-empty string']],
  ['an SNI without TLS', { clusters: [cluster({ sni: 'x.example' })] }, ErrorCode.INEFFECTIVE_SETTING, ['web/envoy: clusters[0].sni "x.example" would have no effect']],
  ['a domain with a comma', { clusters: [cluster()], routes: [{ pathPrefix: '/', cluster: 'payments', domains: ['a.example,b.example'] }] }, ErrorCode.INVALID_ROLE,
    ['web/envoy: routes[0].domains[0] "a.example,b.example" is not a host Envoy matches', 'each host as its own element']],
  ['empty domains', { clusters: [cluster()], routes: [{ pathPrefix: '/', cluster: 'payments', domains: [] }] }, ErrorCode.INVALID_ROLE,
    ['web/envoy: routes[0].domains [] is empty']],
  ['a domain listed twice', { clusters: [cluster()], routes: [{ pathPrefix: '/', cluster: 'payments', domains: ['a.example', 'a.example'] }] }, ErrorCode.INVALID_ROLE,
    ['web/envoy: routes[0].domains[1] "a.example" is listed twice']],
  ['overlapping domains across routes', {
    clusters: [cluster()],
    routes: [{ pathPrefix: '/a', cluster: 'payments', domains: ['a.example', 'b.example'] }, { pathPrefix: '/b', cluster: 'payments', domains: ['b.example'] }],
  }, ErrorCode.INVALID_ROLE, ['web/envoy: routes[1].domains ["b.example"] share "b.example" with routes[0].domains']],
  ['"*" in two domain lists', {
    clusters: [cluster()],
    routes: [{ pathPrefix: '/a', cluster: 'payments' }, { pathPrefix: '/b', cluster: 'payments', domains: ['*', 'a.example'] }],
  }, ErrorCode.INVALID_ROLE, ['web/envoy: routes[1].domains ["*","a.example"] share "*" with routes[0].domains']],
  ['duplicate routedOutboundPorts', { routedOutboundPorts: [80, 80] }, ErrorCode.DUPLICATE_PORT,
    ['web/envoy: routedOutboundPorts[1] 80/TCP is declared twice (also routedOutboundPorts[0])']],
  ['an out-of-range routedOutboundPort', { routedOutboundPorts: [70000] }, ErrorCode.INVALID_PORT, ['web/envoy: routedOutboundPorts[0] 70000 is not a port number']],
  ['app port 0', { appPorts: [0] }, ErrorCode.INVALID_PORT, ['web/envoy: appPorts[0] 0 is not a port number']],
  ['an app port NaN', { appPorts: [NaN] }, ErrorCode.INVALID_PORT, ['web/envoy: appPorts[0] NaN is not a port number']],
  ['a duplicate app port', { appPorts: [8080, 8080] }, ErrorCode.DUPLICATE_PORT, ['web/envoy: appPorts[1] 8080/TCP is declared twice']],
  ['a non-integer excluded port', { excludeInboundPorts: [80.5] }, ErrorCode.INVALID_PORT, ['web/envoy: excludeInboundPorts[0] 80.5']],
  ['appPorts not a list', { appPorts: 8080 }, ErrorCode.INVALID_TYPE, ['web/envoy: appPorts 8080 (number) is not a list']],
  // Options a mode ignores.
  ...(['excludeOutboundPorts', 'excludeOutboundCidrs', 'includeOutboundPorts', 'includeOutboundCidrs', 'redirectImage', 'probePort', 'routedOutboundPorts'].map(field => {
    const value = field.endsWith('Cidrs') ? ['10.0.0.0/8'] : field === 'redirectImage' ? 'docker.io/istio/proxyv2:1.29.6' : field === 'probePort' ? 15020 : [5432];
    return [`${field} with redirect: false`, { redirect: false, [field]: value }, ErrorCode.INEFFECTIVE_SETTING,
      [`web/envoy: ${field} ${JSON.stringify(value)} would have no effect: in explicit proxy mode (redirect: false)`]] as [string, any, ErrorCode, string[]];
  })),
  ['excludeOutboundPorts with unixSockets', { unixSockets: { publicPort: 8443 }, excludeOutboundPorts: [5432] }, ErrorCode.INEFFECTIVE_SETTING,
    ['web/envoy: excludeOutboundPorts [5432] would have no effect: in Unix socket mode (unixSockets)']],
  ['routedOutboundPorts with xds', { xds: { address: 'istiod.istio-system.svc', port: 15012 }, routedOutboundPorts: [8080] }, ErrorCode.INEFFECTIVE_SETTING,
    ['web/envoy: routedOutboundPorts [8080] would have no effect: with xds the control plane sends the listeners']],
  ['inboundProtocol TCP with xds', { xds: { address: 'istiod.istio-system.svc', port: 15012 }, inboundProtocol: 'TCP' }, ErrorCode.INEFFECTIVE_SETTING,
    ['web/envoy: inboundProtocol "TCP" would have no effect: with xds']],
  ['a cluster name in upper case is fine, but not a duplicate', { clusters: [cluster({ name: 'Pay.v1' }), cluster({ name: 'Pay.v1' })] }, ErrorCode.INVALID_ROLE,
    ['web/envoy: clusters[1].name "Pay.v1" names two clusters', 'letters (either case), digits']],
  ['a cluster name with a space', { clusters: [cluster({ name: 'pay ments' })] }, ErrorCode.INVALID_ROLE, ['web/envoy: clusters[0].name "pay ments" is not a cluster name']],
  ['a prefixRewrite with a newline', { clusters: [cluster()], routes: [{ pathPrefix: '/', cluster: 'payments', prefixRewrite: '/x\ny' }] }, ErrorCode.INVALID_ROLE,
    ['web/envoy: routes[0].prefixRewrite "/x\\ny" holds a control character']],
  ['subjectAltNames as a string', { mtls: { secretName: 'tls', subjectAltNames: 'spiffe://x' } }, ErrorCode.INVALID_TYPE, ['web/envoy: mtls.subjectAltNames "spiffe://x" (string) is not a list']],
  ['a subjectAltName that is a number', { mtls: { secretName: 'tls', subjectAltNames: [5] } }, ErrorCode.INVALID_TYPE, ['web/envoy: mtls.subjectAltNames[0] 5 (number)']],
  ['a socket directory that is a number', { unixSockets: { publicPort: 8443, directory: 5 } }, ErrorCode.INVALID_TYPE, ['web/envoy: unixSockets.directory 5 (number)']],
  ['a relative xds CA file', { xds: { address: 'a.example', port: 15012, caCertificateFile: 'rel/ca.pem' } }, ErrorCode.INVALID_PATH, ['web/envoy: xds.caCertificateFile "rel/ca.pem"']],
  // Enum values that are not members, wrong runtime types.
  ['inboundProtocol GRPC', { inboundProtocol: 'GRPC' }, ErrorCode.INVALID_TYPE,
    ['web/envoy: inboundProtocol "GRPC" (string) is not one of EnvoyInboundProtocol.HTTP, EnvoyInboundProtocol.TCP']],
  ['logLevel verbose', { logLevel: 'verbose' }, ErrorCode.INVALID_TYPE, ['web/envoy: logLevel "verbose" (string) is not one of EnvoyLogLevel.TRACE']],
  ['logLevel in upper case', { logLevel: 'INFO' }, ErrorCode.INVALID_TYPE, ['web/envoy: logLevel "INFO"']],
  ['redirect as a string', { redirect: 'false' }, ErrorCode.INVALID_TYPE, ['web/envoy: redirect "false" (string) is not a boolean']],
  ['accessLog as a number', { accessLog: 0 }, ErrorCode.INVALID_TYPE, ['web/envoy: accessLog 0 (number) is not a boolean']],
  ['a cluster tls as a string', { clusters: [cluster({ tls: 'true' })] }, ErrorCode.INVALID_TYPE, ['web/envoy: clusters[0].tls "true" (string) is not a boolean']],
  ['xds.tls as a string', { xds: { address: '10.0.0.1', port: 15012, tls: 'no' } }, ErrorCode.INVALID_TYPE, ['web/envoy: xds.tls "no" (string)']],
  ['xds as a string', { xds: 'istiod:15012' }, ErrorCode.INVALID_TYPE, ['web/envoy: xds "istiod:15012" (string) is not an object']],
  ['a uid of -1', { uid: -1 }, ErrorCode.INVALID_NUMBER, ['web/envoy: uid -1 is not an integer from 1 to 2147483647']],
  ['an adminPort NaN', { adminPort: NaN }, ErrorCode.INVALID_PORT, ['web/envoy: adminPort NaN is not a port number']],
  ['connectTimeoutSeconds NaN', { connectTimeoutSeconds: NaN }, ErrorCode.INVALID_NUMBER, ['web/envoy: connectTimeoutSeconds NaN is not a number of seconds > 0']],
  ['connectTimeoutSeconds 0', { connectTimeoutSeconds: 0 }, ErrorCode.INVALID_NUMBER, ['web/envoy: connectTimeoutSeconds 0 is not a number of seconds > 0']],
  ['requestTimeoutSeconds Infinity', { requestTimeoutSeconds: Infinity }, ErrorCode.INVALID_NUMBER, ['web/envoy: requestTimeoutSeconds Infinity is not a number of seconds >= 0']],
  ['requestTimeoutSeconds 1e21', { requestTimeoutSeconds: 1e21 }, ErrorCode.INVALID_NUMBER, ['web/envoy: requestTimeoutSeconds 1e+21']],
  ['a negative cluster timeout', { clusters: [cluster({ connectTimeoutSeconds: -1 })] }, ErrorCode.INVALID_NUMBER, ['web/envoy: clusters[0].connectTimeoutSeconds -1']],
  ['a route timeout as a string', { clusters: [cluster()], routes: [{ pathPrefix: '/', cluster: 'payments', timeoutSeconds: '5' }] }, ErrorCode.INVALID_NUMBER,
    ['web/envoy: routes[0].timeoutSeconds "5"']],
  // drainSeconds is reported as drainSeconds, with the value written (not the computed grace period).
  ['drainSeconds negative', { drainSeconds: -1 }, ErrorCode.INVALID_NUMBER, ['web/envoy: drainSeconds -1 is not a whole number of seconds']],
  ['drainSeconds non-integer', { drainSeconds: 1.5 }, ErrorCode.INVALID_NUMBER, ['web/envoy: drainSeconds 1.5 is not a whole number of seconds']],
  ['drainSeconds 1e21', { drainSeconds: 1e21 }, ErrorCode.INVALID_NUMBER, ['web/envoy: drainSeconds 1e+21 is not a whole number of seconds']],
  ['drainSeconds NaN', { drainSeconds: NaN }, ErrorCode.INVALID_NUMBER, ['web/envoy: drainSeconds NaN']],
  ['terminationGracePeriodSeconds below drainSeconds', { drainSeconds: 30, terminationGracePeriodSeconds: 10 }, ErrorCode.INVALID_RANGE,
    ['web/envoy: drainSeconds 30 is greater than terminationGracePeriodSeconds 10']],
  ['terminationGracePeriodSeconds as a string', { terminationGracePeriodSeconds: '10' }, ErrorCode.INVALID_NUMBER, ['web/envoy: terminationGracePeriodSeconds "10"']],
  // Envoy's Zipkin tracer names spans with the node's cluster (zipkin_tracer_impl.cc: Tracer(local_info_.clusterName(), ...)); ZipkinConfig has no service name.
  ['a Zipkin tracing serviceName other than serviceCluster', { serviceCluster: 'shop', tracing: { provider: 'ZIPKIN', serviceName: 'checkout' } }, ErrorCode.INEFFECTIVE_SETTING,
    ['web/envoy: tracing.serviceName "checkout" would have no effect', 'serviceCluster']],
];

describe('EnvoySidecar refuses bad input with a catalogued error naming the path, the prop and the value', () => {
  test.each(envoyCases)('%s', (_name, props, code, parts) => {
    expectError(() => new EnvoySidecar(newChart(), 'envoy', props as EnvoySidecarProps), code, ...parts);
  });

  test('drainSeconds is never reported as shutdown.gracePeriodSeconds', () => {
    const e = expectError(() => new EnvoySidecar(newChart(), 'envoy', { drainSeconds: 3e9 }), ErrorCode.INVALID_NUMBER, 'drainSeconds 3000000000');
    expect(e.message).not.toContain('gracePeriodSeconds');
  });
});

describe('EnvoySidecar accepts what Envoy accepts', () => {
  const bootstrapOf = (props: EnvoySidecarProps, appPorts: number[] = [8080]) => {
    const envoy = new EnvoySidecar(newChart(), 'envoy', props);
    const contribution = envoy.contribute({ targetPath: 'web/api', appContainers: [{ name: 'api', ports: appPorts.map(port => ({ port })) }] });
    const bootstrap = JSON.parse(contribution.volumes![0].files!.find(f => f.name === 'envoy.json')!.content);
    validateEnvoyBootstrap(bootstrap);
    return { bootstrap, contribution };
  };
  const clusterOf = (b: any, name: string) => b.static_resources.clusters.find((c: any) => c.name === name);

  test('an IP address makes a STATIC cluster, a host name a STRICT_DNS one, IPv6 too', () => {
    const { bootstrap } = bootstrapOf({ clusters: [cluster({ name: 'a', address: '10.0.0.5' }), cluster({ name: 'b', address: 'payments.internal' }), cluster({ name: 'c', address: 'fd00::5' })] });
    expect(clusterOf(bootstrap, 'a').type).toBe('STATIC');
    expect(clusterOf(bootstrap, 'b').type).toBe('STRICT_DNS');
    expect(clusterOf(bootstrap, 'c').type).toBe('STATIC');
  });

  test('routes sharing one domain list share one virtual host; wildcard and host:port domains pass', () => {
    const { bootstrap } = bootstrapOf({
      redirect: false,
      clusters: [cluster()],
      routes: [
        { pathPrefix: '/a', cluster: 'payments', domains: ['*.example.com', 'api.example.com:8080'] },
        { pathPrefix: '/b', cluster: 'payments', domains: ['*.example.com', 'api.example.com:8080'] },
      ],
    });
    const egress = bootstrap.static_resources.listeners.find((l: any) => l.name === 'egress');
    const hosts = egress.filter_chains[0].filters[0].typed_config.route_config.virtual_hosts;
    expect(hosts.map((h: any) => h.domains)).toEqual([['*.example.com', 'api.example.com:8080'], ['*']]);
  });

  test('an app without ports (explicit mode): no inbound listener and no "inbound_undefined" cluster, and a warning', () => {
    const { bootstrap, contribution } = bootstrapOf({ redirect: false }, []);
    expect(JSON.stringify(bootstrap)).not.toContain('undefined');
    expect(bootstrap.static_resources.listeners.map((l: any) => l.name)).not.toContain('inbound');
    expect(contribution.warnings).toContainEqual(expect.stringContaining('the app containers declare no TCP port, so Envoy has no inbound listener on its inboundPort 15006'));
  });

  test('a transparent proxy with no app port: no listener without a filter chain', () => {
    const { bootstrap } = bootstrapOf({}, []);
    const listeners = bootstrap.static_resources.listeners;
    expect(listeners.map((l: any) => l.name)).not.toContain('inbound');
    for (const l of listeners) { expect(l.filter_chains.length).toBeGreaterThan(0); }
  });

  test('an egress-only Deployment on Kubernetes synthesizes (no inbound listener)', () => {
    const chart = newChart();
    const d = new kplus.Deployment(chart, 'worker', { containers: [{ name: 'worker', image: 'ghcr.io/acme/worker:1' }] });
    WorkloadSidecars.of(d).add(new EnvoySidecar(chart, 'envoy'));
    const docs = synth(chart);
    const bootstrap = JSON.parse(findDoc(docs, 'ConfigMap', `${d.name}-envoy-config`).data['envoy.json']);
    validateEnvoyBootstrap(bootstrap);
    for (const l of bootstrap.static_resources.listeners) { expect(l.filter_chains.length).toBeGreaterThan(0); }
    expect(podOf(findDoc(docs, 'Deployment')).spec.initContainers.map((c: any) => c.name)).toContain('envoy');
  });
});

const shipper = (chart: Chart) => new Sidecar(chart, 'shipper', { image: 'fluent/fluent-bit:4.0.3' });

describe('Kubernetes binder options', () => {
  const cases: Array<[string, () => unknown, ErrorCode, string[]]> = [
    ['mode HYBRID on WorkloadSidecars.of', () => { const c = newChart(); WorkloadSidecars.of(rawDeployment(c, 'api'), { mode: 'HYBRID' as any }); },
      ErrorCode.INVALID_TYPE, ['web/api: mode "HYBRID" (string) is not one of SidecarMode.NATIVE, SidecarMode.CLASSIC']],
    ['appInitContainers MIDDLE on WorkloadSidecars.of', () => { const c = newChart(); WorkloadSidecars.of(rawDeployment(c, 'api'), { appInitContainers: 'MIDDLE' as any }); },
      ErrorCode.INVALID_TYPE, ['web/api: appInitContainers "MIDDLE" (string) is not one of AppInitContainerPlacement.BEFORE_SIDECARS, AppInitContainerPlacement.AFTER_SIDECARS']],
    ['mode in lower case, given a second time', () => { const c = newChart(); const d = rawDeployment(c, 'api'); WorkloadSidecars.of(d); WorkloadSidecars.of(d, { mode: 'native' as any }); },
      ErrorCode.INVALID_TYPE, ['web/api: mode "native"']],
    ['options as a string', () => { const c = newChart(); WorkloadSidecars.of(rawDeployment(c, 'api'), 'NATIVE' as any); }, ErrorCode.INVALID_TYPE, ['web/api: options "NATIVE" (string) is not an object']],
    ['mode HYBRID on SidecarInjector', () => { const c = newChart(); new SidecarInjector(c, 'inject', { sidecars: [shipper(c)], mode: 'HYBRID' as any }); },
      ErrorCode.INVALID_TYPE, ['web/inject: mode "HYBRID" (string) is not one of SidecarMode.NATIVE']],
    ['appInitContainers MIDDLE on SidecarInjector', () => { const c = newChart(); new SidecarInjector(c, 'inject', { sidecars: [shipper(c)], appInitContainers: 'MIDDLE' as any }); },
      ErrorCode.INVALID_TYPE, ['web/inject: appInitContainers "MIDDLE"']],
    ['a version with a leading zero', () => KubernetesTarget.set(Testing.app(), '01.29'), ErrorCode.INVALID_KUBERNETES_VERSION, ['version "01.29" is not a Kubernetes version']],
    ['a version with major 0', () => KubernetesTarget.set(Testing.app(), '0.29'), ErrorCode.INVALID_KUBERNETES_VERSION, ['version "0.29"']],
    ['a version as a number', () => KubernetesTarget.set(Testing.app(), 1.29 as any), ErrorCode.INVALID_KUBERNETES_VERSION, ['version 1.29 is not a Kubernetes version']],
    ['a version with a suffix', () => KubernetesTarget.set(Testing.app(), '1.29-eks'), ErrorCode.INVALID_KUBERNETES_VERSION, ['version "1.29-eks"']],
  ];
  test.each(cases)('%s', (_name, fn, code, parts) => { expectError(fn, code, ...parts); });

  test('the version forms Kubernetes releases use are accepted', () => {
    for (const v of ['1.29', 'v1.29', '1.29.3', '1.30.0']) { expect(() => KubernetesTarget.set(Testing.app(), v)).not.toThrow(); }
  });

  test('an injector matchAnnotations value may contain spaces (keys may not)', () => {
    const chart = newChart();
    const d = rawDeployment(chart, 'api');
    d.addJsonPatch(JsonPatch.add('/spec/template/metadata/annotations', { 'example.com/team': 'payments and billing' }));
    rawDeployment(chart, 'other');
    new SidecarInjector(chart, 'inject', { sidecars: [shipper(chart)], selector: { matchAnnotations: { 'example.com/team': 'payments and billing' } } });
    const docs = synth(chart);
    expect(podOf(findDoc(docs, 'Deployment', 'api')).spec.initContainers.map((c: any) => c.name)).toContain('shipper');
    expect(podOf(findDoc(docs, 'Deployment', 'other')).spec.initContainers ?? []).toEqual([]);
    expectError(() => new SidecarInjector(newChart(), 'inject', { sidecars: [shipper(newChart())], selector: { matchAnnotations: { 'my key': 'x' } } }),
      ErrorCode.INVALID_SELECTOR, 'selector.matchAnnotations {"my key":"x"}');
  });
});
