/**
 * The generated redirect rules, applied by the real kernel: the test makes its own
 * dual-stack network namespace (root, iproute2 and iptables from Debian's packages, which
 * .ci/run installs), runs in it exactly the script of the redirect init container on
 * exactly the documents of its ConfigMap (rules.v4 with iptables-restore, rules.v6 with
 * ip6tables-restore), and sends real TCP connections over IPv4 and IPv6 through them.
 * It cleans up after itself, and skips with a printed reason only where it cannot get
 * root or the tools.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { netnsPeers } from './netns-peers';
import { findDoc, newChart, podOf, rawDeployment, synth } from './util';
import { PortExposure, Sidecar } from '../../src';
import { WorkloadSidecars } from '../../src/k8s';
import { missingPrerequisite, realTest } from '../prerequisites';

const PROXY_UID = 1337;
const APP_UID = 1000;
const NS = `cdks${process.pid}`;
/** A second pod network with IPv4 only (no global IPv6 address). */
const NS4 = `cdk4${process.pid}`;
const HOST_IF = `cdkh${process.pid}`.slice(0, 15);
const NS_IF = `cdkn${process.pid}`.slice(0, 15);
/** A second pod interface whose traffic is excluded (excludeInterfaces), and a third rerouted as outbound (rerouteVirtualInterfaces). */
const HOST_IF_X = `cdkhx${process.pid}`.slice(0, 15);
const NS_IF_X = `cdknx${process.pid}`.slice(0, 15);
const HOST_IF_V = `cdkhv${process.pid}`.slice(0, 15);
const NS_IF_V = `cdknv${process.pid}`.slice(0, 15);
const HOST_IP_X = '10.232.0.1';
const POD_IP_X = '10.232.0.2';
const HOST_IP_V = '10.233.0.1';
const POD_IP_V = '10.233.0.2';
const HOST_IP = '10.231.0.1';
const EXCLUDED_IP = '10.231.0.100';
const POD_IP = '10.231.0.2';
const HOST_IP6 = 'fd00:231::1';
const EXCLUDED_IP6 = 'fd00:231::100';
const POD_IP6 = 'fd00:231::2';
/** Where the init container mounts the ConfigMap (replaced by the test's directory). */
const RULES_DIR = '/etc/cdk-sidecars/redirect';


const reason = missingPrerequisite({
  root: 'network namespaces and iptables need root',
  commands: ['ip', 'iptables-restore', 'ip6tables-restore', 'ip6tables', 'setpriv', 'sh'],
  install: 'install iproute2, iptables and util-linux',
});
const kernelTest = realTest('redirect-kernel.test.ts', reason);

const peers = netnsPeers(NS, 'cdk-sidecars-netns-');
const { dir, startServer, connectFromPod, connectFromOutside } = peers;

function sh(...args: string[]): void {
  execFileSync(args[0], args.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** The documents exactly as synthesized into the ConfigMap that the redirect init container mounts, and its script. */
function synthesized(): { v4: string; v6: string; script: string } {
  const chart = newChart();
  const proxy = new Sidecar(chart, 'proxy', {
    image: 'ghcr.io/acme/proxy:1.0.0',
    security: { uid: PROXY_UID },
    ports: [{ port: 15001 }, { port: 15006 }, { port: 15021, exposure: PortExposure.EXPOSED }],
    interceptTraffic: {
      inboundPort: 15006,
      outboundPort: 15001,
      excludeInboundPorts: [9091],
      excludeOutboundPorts: [5432],
      excludeOutboundCidrs: [EXCLUDED_IP, EXCLUDED_IP6],
      excludeInterfaces: [NS_IF_X],
      rerouteVirtualInterfaces: [NS_IF_V],
    },
  });
  WorkloadSidecars.of(rawDeployment(chart, 'api', [{
    name: 'app', image: 'ghcr.io/acme/app:1', ports: [{ containerPort: 8080 }, { containerPort: 9091 }],
  }])).add(proxy);
  const docs = synth(chart);
  const pod = podOf(findDoc(docs, 'Deployment')).spec;
  const volume = pod.volumes.find((v: any) => v.name === 'cdk-sidecars-redirect');
  const data = findDoc(docs, 'ConfigMap', volume.configMap.name).data;
  const init = pod.initContainers.find((c: any) => c.name === 'cdk-sidecars-redirect');
  expect(init.command.slice(0, 2)).toEqual(['sh', '-c']);
  expect(init.volumeMounts.find((m: any) => m.name === 'cdk-sidecars-redirect').mountPath).toBe(RULES_DIR);
  return { v4: data['rules.v4'], v6: data['rules.v6'], script: init.command[2] };
}

/** Runs the init container's script in a namespace, reading the documents from the test's directory. */
function runInitScript(ns: string): string {
  const script = fs.readFileSync(path.join(dir, 'init.sh'), 'utf-8').split(RULES_DIR).join(dir);
  return execFileSync('ip', ['netns', 'exec', ns, 'sh', '-c', script], { encoding: 'utf-8', stdio: ['ignore', 'pipe', 'pipe'] });
}

const natRules = (ns: string, tool: 'iptables' | 'ip6tables') => execFileSync('ip', ['netns', 'exec', ns, tool, '-t', 'nat', '-S'], { encoding: 'utf-8' });

describe('the redirect rules on a real kernel', () => {
  let initOutput = '';
  beforeAll(async () => {
    if (reason) { return; }
    sh('ip', 'netns', 'add', NS);
    sh('ip', '-n', NS, 'link', 'set', 'lo', 'up');
    sh('ip', 'link', 'add', HOST_IF, 'type', 'veth', 'peer', 'name', NS_IF);
    sh('ip', 'link', 'set', NS_IF, 'netns', NS);
    sh('ip', 'addr', 'add', `${HOST_IP}/24`, 'dev', HOST_IF);
    sh('ip', 'addr', 'add', `${EXCLUDED_IP}/24`, 'dev', HOST_IF);
    sh('ip', '-6', 'addr', 'add', `${HOST_IP6}/64`, 'dev', HOST_IF, 'nodad');
    sh('ip', '-6', 'addr', 'add', `${EXCLUDED_IP6}/64`, 'dev', HOST_IF, 'nodad');
    sh('ip', 'link', 'set', HOST_IF, 'up');
    sh('ip', '-n', NS, 'addr', 'add', `${POD_IP}/24`, 'dev', NS_IF);
    sh('ip', '-n', NS, '-6', 'addr', 'add', `${POD_IP6}/64`, 'dev', NS_IF, 'nodad');
    sh('ip', '-n', NS, 'link', 'set', NS_IF, 'up');
    for (const [hostIf, nsIf, hostIp, podIp] of [[HOST_IF_X, NS_IF_X, HOST_IP_X, POD_IP_X], [HOST_IF_V, NS_IF_V, HOST_IP_V, POD_IP_V]]) {
      sh('ip', 'link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf);
      sh('ip', 'link', 'set', nsIf, 'netns', NS);
      sh('ip', 'addr', 'add', `${hostIp}/24`, 'dev', hostIf);
      sh('ip', 'link', 'set', hostIf, 'up');
      sh('ip', '-n', NS, 'addr', 'add', `${podIp}/24`, 'dev', nsIf);
      sh('ip', '-n', NS, 'link', 'set', nsIf, 'up');
    }
    sh('ip', 'netns', 'add', NS4);
    sh('ip', '-n', NS4, 'link', 'set', 'lo', 'up');
    const { v4, v6, script } = synthesized();
    fs.writeFileSync(path.join(dir, 'rules.v4'), v4);
    fs.writeFileSync(path.join(dir, 'rules.v6'), v6);
    fs.writeFileSync(path.join(dir, 'init.sh'), script);
    initOutput = runInitScript(NS);
    // In the pod: the app (8080, 9091) and the proxy's two listeners, each on [::] (IPv4 and IPv6).
    await startServer(true, ['app@::@8080', 'app-excluded@::@9091', 'proxy-outbound@::@15001', 'proxy-inbound@::@15006']);
    // Outside: a service, a database port and an excluded address, over IPv4 and IPv6.
    await startServer(false, [`remote@${HOST_IP}@80`, `remote-db@${HOST_IP}@5432`, `remote-excluded@${EXCLUDED_IP}@80`,
      `remote6@${HOST_IP6}@80`, `remote-db6@${HOST_IP6}@5432`, `remote-excluded6@${EXCLUDED_IP6}@80`]);
  }, 30_000);

  afterAll(() => {
    if (!reason) {
      for (const ns of [NS, NS4]) {
        try { sh('ip', 'netns', 'del', ns); } catch { /* already gone */ }
      }
      for (const hostIf of [HOST_IF, HOST_IF_X, HOST_IF_V]) {
        try { sh('ip', 'link', 'del', hostIf); } catch { /* removed with the namespace */ }
      }
    }
    peers.stop();
  });

  kernelTest('the documents are the ones the init container applies, each with its own family', () => {
    const v4 = fs.readFileSync(path.join(dir, 'rules.v4'), 'utf-8');
    const v6 = fs.readFileSync(path.join(dir, 'rules.v6'), 'utf-8');
    expect(v4).toContain('-A CDK_SIDECARS_INBOUND -p tcp --dport 8080 -j CDK_SIDECARS_IN_REDIRECT');
    expect(v4).not.toContain('--dport 9091 -j CDK_SIDECARS_IN_REDIRECT');
    expect(v4).not.toContain(EXCLUDED_IP6);
    expect(v6).toContain(`-d ${EXCLUDED_IP6}/128 -j RETURN`);
    expect(v6).not.toContain(EXCLUDED_IP);
  });

  kernelTest('the init script applied both documents in a dual-stack pod', () => {
    expect(initOutput).not.toContain('IPv6 rules not needed');
    expect(natRules(NS, 'iptables')).toContain('-A CDK_SIDECARS_INBOUND -p tcp -m tcp --dport 8080 -j CDK_SIDECARS_IN_REDIRECT');
    expect(natRules(NS, 'ip6tables')).toContain('-A CDK_SIDECARS_INBOUND -p tcp -m tcp --dport 8080 -j CDK_SIDECARS_IN_REDIRECT');
  });

  kernelTest('in an IPv4-only pod the init script applies the IPv4 document and skips the IPv6 one', () => {
    expect(runInitScript(NS4)).toContain('IPv6 rules not needed');
    expect(natRules(NS4, 'iptables')).toContain('CDK_SIDECARS_INBOUND');
    expect(natRules(NS4, 'ip6tables')).not.toContain('CDK_SIDECARS');
  });

  kernelTest('a connection to the app port arrives at the proxy inbound port', () => {
    expect(connectFromOutside(POD_IP, 8080)).toBe('proxy-inbound');
    expect(connectFromOutside(POD_IP6, 8080)).toBe('proxy-inbound');
  });

  kernelTest('an excluded inbound port reaches the app directly', () => {
    expect(connectFromOutside(POD_IP, 9091)).toBe('app-excluded');
    expect(connectFromOutside(POD_IP6, 9091)).toBe('app-excluded');
  });

  kernelTest('an outbound connection of the app arrives at the proxy outbound port', () => {
    expect(connectFromPod(APP_UID, HOST_IP, 80)).toBe('proxy-outbound');
    expect(connectFromPod(APP_UID, HOST_IP6, 80)).toBe('proxy-outbound');
  });

  kernelTest('an outbound connection of the proxy UID is not redirected', () => {
    expect(connectFromPod(PROXY_UID, HOST_IP, 80)).toBe('remote');
    expect(connectFromPod(PROXY_UID, HOST_IP6, 80)).toBe('remote6');
  });

  kernelTest('excluded outbound ports and CIDRs are not redirected', () => {
    expect(connectFromPod(APP_UID, HOST_IP, 5432)).toBe('remote-db');
    expect(connectFromPod(APP_UID, EXCLUDED_IP, 80)).toBe('remote-excluded');
    expect(connectFromPod(APP_UID, HOST_IP6, 5432)).toBe('remote-db6');
    expect(connectFromPod(APP_UID, EXCLUDED_IP6, 80)).toBe('remote-excluded6');
  });

  kernelTest('traffic of an excluded interface is not captured: the app port answers itself', () => {
    expect(connectFromOutside(POD_IP_X, 8080)).toBe('app');
    expect(connectFromOutside(POD_IP, 8080)).toBe('proxy-inbound');
  });

  kernelTest('TCP entering a rerouted virtual interface goes to the outbound port, whatever its port', () => {
    expect(connectFromOutside(POD_IP_V, 8080)).toBe('proxy-outbound');
    expect(connectFromOutside(POD_IP_V, 9091)).toBe('proxy-outbound');
  });

  kernelTest('localhost stays local: the app reaches other containers of the pod directly', () => {
    expect(connectFromPod(APP_UID, '127.0.0.1', 8080)).toBe('app');
    expect(connectFromPod(APP_UID, '::1', 8080)).toBe('app');
  });
});
