/**
 * The native nftables redirect rules (EnvoySidecarProps.nativeNftables), applied by the real
 * kernel: the test makes its own dual-stack network namespace (root, iproute2 and nftables
 * from Debian's packages), applies exactly the ruleset of the redirect ConfigMap with the
 * init container's own command (`nft -f`), twice (a rerun leaves one table), and sends real
 * TCP connections over IPv4 and IPv6 through it. It cleans up after itself, and skips with a
 * printed reason only where it cannot get root or the tools.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { netnsPeers } from './netns-peers';
import { findDoc, newChart, podOf, rawDeployment, synth } from './util';
import { EnvoySidecar } from '../../src';
import { WorkloadSidecars } from '../../src/k8s';
import { missingPrerequisite, realTest } from '../prerequisites';

const PROXY_UID = 1337;
const APP_UID = 1000;
const NS = `cdkf${process.pid}`;
const HOST_IF = `cdkfh${process.pid}`.slice(0, 15);
const NS_IF = `cdkfn${process.pid}`.slice(0, 15);
const HOST_IP = '10.234.0.1';
const EXCLUDED_IP = '10.234.0.100';
const POD_IP = '10.234.0.2';
const HOST_IP6 = 'fd00:234::1';
const POD_IP6 = 'fd00:234::2';
const RULES_DIR = '/etc/cdk-sidecars/redirect';

const reason = missingPrerequisite({
  root: 'network namespaces and nftables need root',
  commands: ['ip', 'nft', 'setpriv'],
  install: 'install iproute2, nftables and util-linux',
});
const kernelTest = realTest('redirect-nft-kernel.test.ts', reason);

const peers = netnsPeers(NS, 'cdk-sidecars-nft-');
const { dir, startServer, connectFromPod, connectFromOutside } = peers;
const sh = (...args: string[]) => execFileSync(args[0], args.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });

/** The ruleset exactly as synthesized into the ConfigMap, and the init container's command. */
function synthesized(): { rules: string; command: string[] } {
  const chart = newChart();
  WorkloadSidecars.of(rawDeployment(chart, 'api', [{ name: 'app', image: 'ghcr.io/acme/app:1', ports: [{ containerPort: 8080 }, { containerPort: 9091 }] }]))
    .add(new EnvoySidecar(chart, 'envoy', { nativeNftables: true, excludeInboundPorts: [9091], excludeOutboundPorts: [5432], excludeOutboundCidrs: [EXCLUDED_IP, 'fd00:234::100'] }));
  const docs = synth(chart);
  const pod = podOf(findDoc(docs, 'Deployment')).spec;
  const volume = pod.volumes.find((v: any) => v.name === 'cdk-sidecars-redirect');
  expect(volume.configMap.items.map((i: any) => i.key)).toEqual(['rules.nft']);
  const init = pod.initContainers.find((c: any) => c.name === 'cdk-sidecars-redirect');
  return { rules: findDoc(docs, 'ConfigMap', volume.configMap.name).data['rules.nft'], command: init.command };
}

describe('the native nftables redirect rules on a real kernel', () => {
  let command: string[] = [];
  beforeAll(async () => {
    if (reason) { return; }
    sh('ip', 'netns', 'add', NS);
    sh('ip', '-n', NS, 'link', 'set', 'lo', 'up');
    sh('ip', 'link', 'add', HOST_IF, 'type', 'veth', 'peer', 'name', NS_IF);
    sh('ip', 'link', 'set', NS_IF, 'netns', NS);
    sh('ip', 'addr', 'add', `${HOST_IP}/24`, 'dev', HOST_IF);
    sh('ip', 'addr', 'add', `${EXCLUDED_IP}/24`, 'dev', HOST_IF);
    sh('ip', '-6', 'addr', 'add', `${HOST_IP6}/64`, 'dev', HOST_IF, 'nodad');
    sh('ip', 'link', 'set', HOST_IF, 'up');
    sh('ip', '-n', NS, 'addr', 'add', `${POD_IP}/24`, 'dev', NS_IF);
    sh('ip', '-n', NS, '-6', 'addr', 'add', `${POD_IP6}/64`, 'dev', NS_IF, 'nodad');
    sh('ip', '-n', NS, 'link', 'set', NS_IF, 'up');
    const s = synthesized();
    command = s.command;
    fs.writeFileSync(path.join(dir, 'rules.nft'), s.rules);
    const argv = command.map(a => a.split(RULES_DIR).join(dir));
    // Twice: a rerun of the init container in the same namespace must leave one table.
    for (let n = 0; n < 2; n++) { execFileSync('ip', ['netns', 'exec', NS, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] }); }
    await startServer(true, ['app@::@8080', 'app-excluded@::@9091', 'proxy-outbound@::@15001', 'proxy-inbound@::@15006']);
    await startServer(false, [`remote@${HOST_IP}@80`, `remote-db@${HOST_IP}@5432`, `remote-excluded@${EXCLUDED_IP}@80`, `remote6@${HOST_IP6}@80`]);
  }, 30_000);

  afterAll(() => {
    if (!reason) {
      try { sh('ip', 'netns', 'del', NS); } catch { /* already gone */ }
      try { sh('ip', 'link', 'del', HOST_IF); } catch { /* removed with the namespace */ }
    }
    peers.stop();
  });

  kernelTest('the init container runs nft -f on the ConfigMap\'s ruleset; a rerun leaves one table', () => {
    expect(command).toEqual(['nft', '-f', `${RULES_DIR}/rules.nft`]);
    const tables = execFileSync('ip', ['netns', 'exec', NS, 'nft', 'list', 'tables'], { encoding: 'utf-8' });
    expect(tables.trim().split('\n')).toEqual(['table inet cdk_sidecars']);
    const ruleset = execFileSync('ip', ['netns', 'exec', NS, 'nft', 'list', 'table', 'inet', 'cdk_sidecars'], { encoding: 'utf-8' });
    expect(ruleset.match(/redirect to :15006/g)).toHaveLength(1);
  });

  kernelTest('the other options (interfaces, include lists) give a ruleset nft accepts too', () => {
    const chart = newChart();
    WorkloadSidecars.of(rawDeployment(chart, 'api')).add(new EnvoySidecar(chart, 'envoy', {
      nativeNftables: true,
      excludeInterfaces: ['net1'],
      rerouteVirtualInterfaces: ['k6t-eth0'],
      includeOutboundCidrs: ['10.0.0.0/8', 'fd00::/8'],
      includeOutboundPorts: [80, 443],
    }));
    const docs = synth(chart);
    const rules = docs.find((d: any) => d.kind === 'ConfigMap' && d.data?.['rules.nft']).data['rules.nft'];
    expect(rules).toContain('iifname "k6t-eth0" meta l4proto tcp ip6 daddr fd00::/8 tcp dport 443 redirect to :15001');
    expect(rules).toContain('oifname "net1" return');
    const file = path.join(dir, 'check.nft');
    fs.writeFileSync(file, rules);
    execFileSync('ip', ['netns', 'exec', NS, 'nft', '-c', '-f', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  });

  kernelTest('inbound: the app port goes to the proxy over IPv4 and IPv6, the excluded port to the app', () => {
    expect(connectFromOutside(POD_IP, 8080)).toBe('proxy-inbound');
    expect(connectFromOutside(POD_IP6, 8080)).toBe('proxy-inbound');
    expect(connectFromOutside(POD_IP, 9091)).toBe('app-excluded');
  });

  kernelTest('outbound: the app goes to the proxy; the proxy UID, excluded ports and CIDRs and localhost do not', () => {
    expect(connectFromPod(APP_UID, HOST_IP, 80)).toBe('proxy-outbound');
    expect(connectFromPod(APP_UID, HOST_IP6, 80)).toBe('proxy-outbound');
    expect(connectFromPod(PROXY_UID, HOST_IP, 80)).toBe('remote');
    expect(connectFromPod(PROXY_UID, HOST_IP6, 80)).toBe('remote6');
    expect(connectFromPod(APP_UID, HOST_IP, 5432)).toBe('remote-db');
    expect(connectFromPod(APP_UID, EXCLUDED_IP, 80)).toBe('remote-excluded');
    expect(connectFromPod(APP_UID, '127.0.0.1', 8080)).toBe('app');
  });
});
