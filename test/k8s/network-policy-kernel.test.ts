/**
 * Which port a NetworkPolicy must open for a pod whose inbound traffic Envoy intercepts, on a
 * real kernel. A CNI enforces a policy on the host side of the pod's interface (istio.io
 * docs/ambient/usage/networkpolicy: "NetworkPolicy is enforced on the host, outside the pod"),
 * before the pod's own iptables rules move the connection to the proxy. No CNI runs here: a
 * STAND-IN enforces the generated policy's ingress ports with iptables on the host side of the
 * pod's veth (the test's host stands for a pod of the namespace, which `appPeers` admits by
 * default); the pod's network namespace gets exactly the redirect rules and init script the
 * library synthesizes. It shows that a caller's packet crosses the interface with the app port
 * (8080), which the policy opens, and reaches the proxy's inbound listener, while the proxy's
 * own ports, which the policy leaves closed, are refused. It does not prove that any real CNI
 * enforces policies: that needs a cluster.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as kplus27 from 'cdk8s-plus-27';
import { netnsPeers } from './netns-peers';
import { findDoc, newChart, podOf, synth } from './util';
import { EnvoySidecar } from '../../src';
import { WorkloadNetworkPolicy, WorkloadSidecars } from '../../src/k8s';
import { missingPrerequisite, realTest } from '../prerequisites';

const NS = `cdkp${process.pid}`;
const HOST_IF = `cdkph${process.pid}`.slice(0, 15);
const NS_IF = `cdkpn${process.pid}`.slice(0, 15);
const CHAIN = `CDKNP${process.pid}`.slice(0, 28);
// A subnet of its own: redirect-nft-kernel.test.ts uses 10.234.0.0/24, and jest may run both files at once.
const HOST_IP = '10.236.0.1';
const POD_IP = '10.236.0.2';
const RULES_DIR = '/etc/cdk-sidecars/redirect';

const reason = missingPrerequisite({
  root: 'network namespaces and iptables need root',
  commands: ['ip', 'iptables', 'iptables-restore', 'ip6tables-restore', 'setpriv', 'sh'],
  install: 'install iproute2, iptables and util-linux',
});
const kernelTest = realTest('network-policy-kernel.test.ts', reason);
const peers = netnsPeers(NS, 'cdk-sidecars-netpol-');

function sh(...args: string[]): void {
  execFileSync(args[0], args.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** The synthesized pod's redirect documents and script, and the generated NetworkPolicy. */
function synthesized(): { v4: string; v6: string; script: string; policy: any } {
  const chart = newChart();
  const web = new kplus27.Deployment(chart, 'web', { containers: [{ name: 'web', image: 'ghcr.io/acme/web:1.0.0', portNumber: 8080 }] });
  WorkloadSidecars.of(web).add(new EnvoySidecar(chart, 'envoy', {}));
  new WorkloadNetworkPolicy(chart, 'policy', { sidecars: WorkloadSidecars.of(web) });
  const docs = synth(chart);
  const pod = podOf(findDoc(docs, 'Deployment')).spec;
  const volume = pod.volumes.find((v: any) => v.name === 'cdk-sidecars-redirect');
  const data = findDoc(docs, 'ConfigMap', volume.configMap.name).data;
  const init = pod.initContainers.find((c: any) => c.name === 'cdk-sidecars-redirect');
  return { v4: data['rules.v4'], v6: data['rules.v6'], script: init.command[2], policy: findDoc(docs, 'NetworkPolicy') };
}

describe('a generated NetworkPolicy in front of the generated redirect rules (stand-in enforcement)', () => {
  let policy: any;
  beforeAll(async () => {
    if (reason) { return; }
    const s = synthesized();
    policy = s.policy;
    sh('ip', 'netns', 'add', NS);
    sh('ip', '-n', NS, 'link', 'set', 'lo', 'up');
    sh('ip', 'link', 'add', HOST_IF, 'type', 'veth', 'peer', 'name', NS_IF);
    sh('ip', 'link', 'set', NS_IF, 'netns', NS);
    sh('ip', 'addr', 'add', `${HOST_IP}/24`, 'dev', HOST_IF);
    sh('ip', 'link', 'set', HOST_IF, 'up');
    sh('ip', '-n', NS, 'addr', 'add', `${POD_IP}/24`, 'dev', NS_IF);
    sh('ip', '-n', NS, 'link', 'set', NS_IF, 'up');
    fs.writeFileSync(path.join(peers.dir, 'rules.v4'), s.v4);
    fs.writeFileSync(path.join(peers.dir, 'rules.v6'), s.v6);
    execFileSync('ip', ['netns', 'exec', NS, 'sh', '-c', s.script.split(RULES_DIR).join(peers.dir)], { stdio: ['ignore', 'pipe', 'pipe'] });
    // In the pod: the app and Envoy's listeners (stand-ins that answer with their name).
    await peers.startServer(true, ['app@0.0.0.0@8080', 'envoy-inbound@0.0.0.0@15006', 'envoy-prometheus@0.0.0.0@15090', 'envoy-ready@0.0.0.0@15021']);
    // The stand-in enforcement: on the host side of the pod's interface, the TCP ports of the ingress
    // rules whose peers admit the test's host (a pod of the namespace: the default appPeers) are
    // accepted, every other TCP port is refused.
    sh('iptables', '-N', CHAIN);
    for (const rule of policy.spec.ingress) {
      if (JSON.stringify(rule.from) !== JSON.stringify([{ podSelector: {} }])) { continue; }
      for (const p of rule.ports) { sh('iptables', '-A', CHAIN, '-p', p.protocol.toLowerCase(), '--dport', String(p.port), '-j', 'ACCEPT'); }
    }
    sh('iptables', '-A', CHAIN, '-p', 'tcp', '-j', 'REJECT', '--reject-with', 'tcp-reset');
    sh('iptables', '-I', 'OUTPUT', '-o', HOST_IF, '-d', POD_IP, '-j', CHAIN);
  }, 30_000);

  afterAll(() => {
    if (!reason) {
      try { sh('iptables', '-D', 'OUTPUT', '-o', HOST_IF, '-d', POD_IP, '-j', CHAIN); } catch { /* not inserted */ }
      try { sh('iptables', '-F', CHAIN); sh('iptables', '-X', CHAIN); } catch { /* not created */ }
      try { sh('ip', 'netns', 'del', NS); } catch { /* already gone */ }
      try { sh('ip', 'link', 'del', HOST_IF); } catch { /* removed with the namespace */ }
    }
    peers.stop();
  });

  kernelTest('the policy opens the app port only, to the namespace\'s pods', () => {
    expect(policy.spec.ingress).toEqual([{ from: [{ podSelector: {} }], ports: [{ protocol: 'TCP', port: 8080 }] }]);
  });

  kernelTest('a caller\'s connection to the app port passes the policy and reaches Envoy\'s inbound listener', () => {
    expect(peers.connectFromOutside(POD_IP, 8080)).toBe('envoy-inbound');
  });

  kernelTest('Envoy\'s own ports, which the policy leaves closed, are refused before the pod', () => {
    for (const port of [15006, 15090, 15021]) {
      expect({ port, answer: peers.connectFromOutside(POD_IP, port) }).toEqual({ port, answer: 'error:ECONNREFUSED' });
    }
  });

  kernelTest('control: without the stand-in enforcement, Envoy\'s inbound port is reachable directly', () => {
    sh('iptables', '-D', 'OUTPUT', '-o', HOST_IF, '-d', POD_IP, '-j', CHAIN);
    try {
      expect(peers.connectFromOutside(POD_IP, 15006)).toBe('envoy-inbound');
    } finally {
      sh('iptables', '-I', 'OUTPUT', '-o', HOST_IF, '-d', POD_IP, '-j', CHAIN);
    }
  });
});
