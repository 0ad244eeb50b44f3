/**
 * The pod tier on ECS Fargate task definitions: each ECS example (and the ECS reference pod)
 * synthesized with the CDK and run with podman and runc on this machine's kernel, as the ECS
 * agent on Fargate would run the task (test/pods/ecs.ts translates the task definition), with
 * the stand-in binaries of test/pods/standin. Skipped with the reason where podman, runc, Go
 * or root are missing; under CI (CI=true) a missing prerequisite fails.
 */
/* eslint-disable no-bitwise */ // file modes are bit sets
import * as fs from 'fs';
import * as path from 'path';
import {
  DOCKER_DEFAULT_CAPABILITIES, RunningTask, appMeshRules, capabilitiesOf, runEcsTask, taskDefinitionOf, userOf,
} from './ecs';
import { MemoryVolumeHandling, TaskSidecars } from '../../src/ecs';
import { fargateTask, synthTemplate } from '../ecs/util';
import { referenceSidecars } from '../fixtures/reference-sidecars';
import { realTest } from '../prerequisites';
import { POD_TIMEOUT, ecsExample } from './examples';
import { APP_IMAGE_USER, dualStackNetwork, podTierMissing, startPeer } from './podman';

const podTest = realTest('pods/ecs.test.ts', podTierMissing());
const example = ecsExample;
const TASK_TIMEOUT = POD_TIMEOUT;

/** Runs `fn` on the started task, and always removes the task. */
async function withTask(template: any, fn: (task: RunningTask) => void | Promise<void>,
  options: { prepareVolumes?: boolean; network?: string } = {}): Promise<void> {
  const task = runEcsTask(template, options);
  try { await fn(task); } finally { task.remove(); }
}

/** The position of an event (`start x`, `healthy x`, `exit x 0`, `stop x`) in the task's history. */
function at(task: RunningTask, event: string | RegExp): number {
  const i = task.events.findIndex(e => (typeof event === 'string' ? e === event : event.test(e)));
  if (i < 0) { throw new Error(`no event ${event} in ${task.events.join(', ')}`); }
  return i;
}

/** The task definition of a template, as synthesized (its DependsOn are what the agent orders by). */
function containersOf(template: any): any[] {
  return Object.values<any>(template.Resources).find(r => r.Type === 'AWS::ECS::TaskDefinition').Properties.ContainerDefinitions;
}

/** Each DependsOn condition was reached before its dependent started; each container with a HealthCheck became healthy. */
function expectDependsOnOrder(task: RunningTask, template: any): void {
  for (const c of containersOf(template)) {
    for (const d of c.DependsOn ?? []) {
      const event = {
        START: `start ${d.ContainerName}`, HEALTHY: `healthy ${d.ContainerName}`, SUCCESS: `exit ${d.ContainerName} 0`, COMPLETE: new RegExp(`^exit ${d.ContainerName} `),
      }[d.Condition as string]!;
      expect([c.Name, d.Condition, d.ContainerName, at(task, event) < at(task, `start ${c.Name}`)]).toEqual([c.Name, d.Condition, d.ContainerName, true]);
    }
    if (c.HealthCheck) { expect(task.events).toContain(`healthy ${c.Name}`); }
  }
}

/**
 * Stops the task: the app first, each container before the ones it depends on, and when the app
 * gets SIGTERM every sidecar that was running still is. Returns the stop order.
 */
function expectSidecarsOutliveApp(task: RunningTask, template: any, app: string): string[] {
  const exited = task.events.filter(e => e.startsWith('exit ')).map(e => e.split(' ')[1]);
  const order = task.stop();
  expect(order[0]).toBe(app);
  for (const c of containersOf(template)) {
    for (const d of c.DependsOn ?? []) {
      expect([c.Name, d.ContainerName, order.indexOf(c.Name) < order.indexOf(d.ContainerName)]).toEqual([c.Name, d.ContainerName, true]);
    }
  }
  expect(task.runningAtStop.get(app)!.sort()).toEqual(task.started.filter(c => c !== app && !exited.includes(c)).sort());
  return order;
}

describe('fargate-vault-opa-logs: the writer prepares task storage, the Vault agent writes, only the app reads', () => {
  podTest('start order follows DependsOn; the non-root agent writes its token and secret into the prepared volumes; the app reads them, the others cannot', async () => {
    const template = await example('fargate-vault-opa-logs');
    await withTask(template, task => {
      // The writer runs first and exits 0; the init agent waits for it, the agent for both; the
      // app waits for the init agent's SUCCESS and OPA's health check.
      expect(task.events[0]).toBe('start cdk-sidecars-config');
      expect(at(task, 'exit cdk-sidecars-config 0')).toBeLessThan(at(task, 'start vault-agent-init'));
      expect(at(task, 'exit vault-agent-init 0')).toBeLessThan(at(task, 'start vault-agent'));
      expect(at(task, 'healthy opa')).toBeLessThan(at(task, 'start api'));
      expect(at(task, 'exit vault-agent-init 0')).toBeLessThan(at(task, 'start api'));
      expect(task.logs('vault-agent-init')).toContain('rendered /vault/secrets/db.json (0444)');
      expectDependsOnOrder(task, template);

      // Task storage as Fargate makes it: root, 0755; the writer handed the agent's volumes to 100:1000.
      const st = (v: string, f = '') => { const s = fs.statSync(path.join(task.volumePath(v), f)); return { uid: s.uid, gid: s.gid, mode: (s.mode & 0o7777).toString(8) }; };
      expect(st('vault-agent-secrets')).toEqual({ uid: 100, gid: 1000, mode: '755' });
      expect(st('vault-agent-home', '.vault-token')).toEqual({ uid: 100, gid: 1000, mode: '640' });
      expect(st('vault-agent-secrets', 'db.json')).toEqual({ uid: 100, gid: 1000, mode: '444' });
      expect(st('opa-config')).toEqual({ uid: 0, gid: 0, mode: '755' });

      const app = (cmd: string) => task.exec('api', ['sh', '-c', cmd]);
      expect(app('id -u').stdout.trim()).toBe(String(APP_IMAGE_USER.uid));
      expect(app('cat /vault/secrets/db.json')).toMatchObject({ code: 0, stdout: expect.stringContaining('stand-in secret') });
      expect(app('echo x > /vault/secrets/other').code).not.toBe(0);
      expect(app('touch /x').stderr).toContain('Read-only file system');
      // The token stays with the agent: the app has no mount of its home, and another UID in the agent's container cannot read it.
      expect(app('cat /home/vault/.vault-token').code).not.toBe(0);
      expect(task.exec('vault-agent', ['cat', '/home/vault/.vault-token'], '4242:4242')).toMatchObject({ code: 1, stderr: expect.stringContaining('Permission denied') });
      // Containers that did not ask for the secrets have no mount of them.
      for (const c of ['opa', 'fluent-bit']) { expect(task.exec(c, ['cat', '/vault/secrets/db.json']).code).not.toBe(0); }
      // The app reaches OPA on localhost, as OPA_ADDR says.
      expect(app('wget -q -O- "$OPA_ADDR/v1/data"').code).toBe(0);
      expect(task.essentialExited()).toEqual([]);
    });
  }, TASK_TIMEOUT);

  podTest('without the writer\'s preparation (owner and mode of the volume roots) the non-root agent cannot write its token: the task never starts its app', async () => {
    const template = await example('fargate-vault-opa-logs');
    let failure = '';
    try {
      await withTask(template, () => undefined, { prepareVolumes: false });
    } catch (e) {
      failure = (e as Error).message;
    }
    expect(failure).toMatch(/vault-agent-init exited 1: a dependency on its SUCCESS can never be met/);
    expect(failure).toMatch(/write \/home\/vault\/\.vault-token: .*permission denied/);
  }, TASK_TIMEOUT);

  podTest('FireLens: the router runs as the task definition says, loads the config ECS would (config-file-type file) and its tail input reads what the app writes', async () => {
    const template = await example('fargate-vault-opa-logs');
    await withTask(template, task => {
      const router = (cmd: string) => task.exec('fluent-bit', ['sh', '-c', cmd]);
      expect(router('id -u; id -g').stdout).toBe('0\n10001\n');
      // ECS's generated config includes config-file-value; the stand-in read both and created the forward socket.
      const logs = task.logs('fluent-bit');
      expect(logs).toContain('fluent-bit: read /fluent-bit/etc/fluent-bit.conf');
      expect(logs).toContain('fluent-bit: read /etc/cdk-sidecars/fluent-bit/pipeline.conf');
      expect(logs).toContain('listening on unix /var/run/fluent.sock');
      expect(logs).toContain('fluent-bit: tail lists /var/log/app');
      expect(fs.existsSync(path.join(task.volumePath('fluent-bit-state'), 'tail.db'))).toBe(true);
      // The app writes its log into the shared volume (the writer made it 1777); the router reads it.
      expect(task.exec('api', ['sh', '-c', 'echo "GET /pay 200" >> /var/log/app/api.log']).code).toBe(0);
      expect(router('cat /var/log/app/*.log')).toMatchObject({ code: 0, stdout: 'GET /pay 200\n' });
      // Without capabilities, root in the router cannot read what another UID keeps to itself.
      expect(task.exec('api', ['sh', '-c', 'echo private > /var/log/app/private.txt && chmod 600 /var/log/app/private.txt']).code).toBe(0);
      expect(router('cat /var/log/app/private.txt').code).not.toBe(0);
    });
  }, TASK_TIMEOUT);

  podTest('on stop the sidecars outlive the app: ECS stops dependents first', async () => {
    const template = await example('fargate-vault-opa-logs');
    await withTask(template, task => {
      const order = expectSidecarsOutliveApp(task, template, 'api');
      expect(new Set(order)).toEqual(new Set(task.started));
      for (const sidecar of ['vault-agent', 'opa', 'fluent-bit']) { expect(order.indexOf(sidecar)).toBeGreaterThan(0); }
      // When the app is sent SIGTERM, every sidecar is still running (the one-shot steps have exited).
      expect(task.runningAtStop.get('api')!.sort()).toEqual(['fluent-bit', 'opa', 'vault-agent']);
      expect(order.indexOf('vault-agent')).toBeLessThan(order.indexOf('vault-agent-init'));
    });
  }, TASK_TIMEOUT);
});

describe('fargate-envoy: the AppMesh proxy configuration applied as the aws-appmesh CNI plugin does, Envoy before the app', () => {
  podTest('the plugin\'s rules are in the task\'s namespace (IPv4 and IPv6); Envoy becomes healthy through its bash health check before the app starts', async () => {
    const template = await example('fargate-envoy');
    await withTask(template, task => {
      expect(task.events.slice(0, 2)).toEqual(['start cdk-sidecars-config', 'exit cdk-sidecars-config 0']);
      expect(at(task, 'healthy envoy')).toBeLessThan(at(task, 'start checkout'));
      expectDependsOnOrder(task, template);
      const v4 = task.inNetns(['iptables', '-t', 'nat', '-S']).stdout;
      expect(v4).toContain('-A PREROUTING -p tcp -m addrtype ! --src-type LOCAL -j APPMESH_INGRESS');
      expect(v4).toContain('-A APPMESH_INGRESS -p tcp -m multiport --dports 8080 -j REDIRECT --to-ports 15006');
      expect(v4).toContain('-A APPMESH_EGRESS -m owner --uid-owner 1337 -j RETURN');
      expect(v4).toContain('-A APPMESH_EGRESS -m owner --gid-owner 1337 -j RETURN');
      expect(v4).toContain('-A APPMESH_EGRESS -p tcp -m multiport --dports 5432 -j RETURN');
      // One rule with both addresses; iptables lists it as one rule per address.
      expect(v4).toContain('-A APPMESH_EGRESS -d 169.254.170.2/32 -p tcp -j RETURN\n-A APPMESH_EGRESS -d 169.254.169.254/32 -p tcp -j RETURN');
      expect(v4).toContain('-A APPMESH_EGRESS -p tcp -j REDIRECT --to-ports 15001');
      expect(v4).toContain('-A OUTPUT -p tcp -m addrtype ! --dst-type LOCAL -j APPMESH_EGRESS');
      // IPv6: the same chains, without the IPv4 ignored addresses (netconfig.go separateIPs).
      const v6 = task.inNetns(['ip6tables', '-t', 'nat', '-S']).stdout;
      expect(v6).toContain('-A APPMESH_INGRESS -p tcp -m multiport --dports 8080 -j REDIRECT --to-ports 15006');
      expect(v6).toContain('-A APPMESH_EGRESS -p tcp -j REDIRECT --to-ports 15001');
      expect(v6).not.toContain('169.254');
      // Envoy runs as the ignored UID with no capability, from the bootstrap the writer wrote read-only.
      expect(task.exec('envoy', ['sh', '-c', 'id -u; id -g; cat /proc/self/status | grep CapEff']).stdout).toBe('1337\n1337\nCapEff:\t0000000000000000\n');
      expect(task.exec('envoy', ['sh', '-c', 'echo x > /etc/envoy/envoy.json']).code).not.toBe(0);
      expect(task.essentialExited()).toEqual([]);
      expect(expectSidecarsOutliveApp(task, template, 'checkout')).toEqual(['checkout', 'envoy', 'cdk-sidecars-config']);
    });
  }, TASK_TIMEOUT);

  podTest('a client in another network namespace reaches the app only through Envoy (15006, original destination) over IPv4 and IPv6; the app\'s outbound goes through 15001; ignored ports and Envoy\'s own traffic are not redirected', async () => {
    const template = await example('fargate-envoy');
    // A dual-stack network, as a dual-stack VPC subnet: the plugin's IPv6 rules meet real IPv6 connections.
    const network = dualStackNetwork('cdk-sidecars-ecs-v6');
    const peer = startPeer('cdk-sidecars-ecs-peer', [80, 5432], network.name);
    try {
      await withTask(template, task => {
        const [ip, ip6] = [task.ip(), task.ip6()];
        expect(ip).toMatch(/^[0-9.]+$/);
        expect(ip6).toMatch(/^[0-9a-f:]+$/);
        expect(peer.ip6).toMatch(/^[0-9a-f:]+$/);
        const esc = (x: string) => x.replace(/[.[\]]/g, c => `\\${c}`);
        for (const [mine, theirs] of [[ip, peer.ip], [`[${ip6}]`, `[${peer.ip6}]`]]) {
          // Inbound: the client connects to the task's 8080; the rules send it to Envoy's 15006,
          // which reads the original destination and routes to the app on 127.0.0.1:8080.
          expect(peer.run(['wget', '-q', '-O-', `http://${mine}:8080/orders`])).toMatchObject({ code: 0, stdout: 'stand-in\n' });
          expect(task.logs('envoy')).toMatch(new RegExp(`inbound: GET /orders from ${esc(theirs)}:[0-9]+ to ${esc(mine)}:8080 -> cluster inbound_8080 \\(127\\.0\\.0\\.1:8080/orders\\): 200`));
          // Outbound: the app's connection to port 80 elsewhere goes to 15001, whose default chain
          // passes it to its original destination; Envoy's own upstream (UID 1337) is not captured again.
          expect(task.exec('checkout', ['wget', '-q', '-O-', `http://${theirs}/x`])).toMatchObject({ code: 0, stdout: 'stand-in\n' });
          expect(task.logs('envoy')).toMatch(new RegExp(`outbound: connection from ${esc(mine)}:[0-9]+ to ${esc(theirs)}:80 -> cluster passthrough \\(${esc(theirs)}:80\\)`));
          // EgressIgnoredPorts: 5432 goes straight out, Envoy never sees it.
          const before = task.logs('envoy');
          expect(task.exec('checkout', ['sh', '-c', `echo q | nc -w 2 ${theirs.replace(/[[\]]/g, '')} 5432`]).code).toBe(0);
          expect(task.logs('envoy').slice(before.length)).not.toContain(':5432');
        }
        // Envoy's own ports are not reachable through the capture (its admin is on localhost only).
        expect(peer.run(['wget', '-q', '-O-', `http://${ip}:15000/ready`]).code).not.toBe(0);
      }, { network: network.name });
    } finally {
      peer.remove();
      network.remove();
    }
  }, TASK_TIMEOUT);
});

describe('fargate-service: a migration step, statsd gated on its health check, a log shipper', () => {
  podTest('the migration succeeds before the app starts, statsd is healthy first; the shipper reads the app\'s log and writes its DB in the prepared volume; only the migration has the database secret', async () => {
    const template = await example('fargate-service');
    await withTask(template, task => {
      expect(at(task, 'exit migrate 0')).toBeLessThan(at(task, 'start api'));
      expect(at(task, 'healthy statsd')).toBeLessThan(at(task, 'start api'));
      expect(at(task, 'start log-shipper')).toBeLessThan(at(task, 'start api'));
      expect(at(task, 'exit cdk-sidecars-config 0')).toBeLessThan(at(task, 'start log-shipper'));
      expectDependsOnOrder(task, template);
      // The migration ran as its UID with the secret's stand-in value; the app has no such variable.
      expect(task.logs('migrate')).toContain('app: running as uid 23363 gid 23363');
      expect(task.exec('api', ['sh', '-c', 'echo "${DATABASE_URL-unset}"']).stdout).toBe('unset\n');
      // The shipper's UID owns its state volume (the writer's chown); its DB is there.
      const db = fs.statSync(path.join(task.volumePath('flb-state'), 'tail.db'));
      expect(db.uid).toBe(41728);
      expect(task.exec('api', ['sh', '-c', 'echo started >> "$LOG_DIR/api.log"']).code).toBe(0);
      expect(task.exec('log-shipper', ['cat', '/var/log/app/api.log'])).toMatchObject({ code: 0, stdout: 'started\n' });
      expect(task.exec('log-shipper', ['sh', '-c', 'echo x > /var/log/app/y']).code).not.toBe(0);
      expect(task.exec('api', ['sh', '-c', 'echo "orders:1|c" | nc -w 1 "$STATSD_HOST" "$STATSD_PORT"']).code).toBe(0);
      // The migration is not essential: its exit does not stop the task.
      expect(task.essentialExited()).toEqual([]);
      expectSidecarsOutliveApp(task, template, 'api');
    });
  }, TASK_TIMEOUT);
});

describe('fargate-xray-legacy: the X-Ray daemon beside the app', () => {
  podTest('the daemon starts first and receives the app\'s UDP segments on the address the app is given; on stop it outlives the app', async () => {
    const template = await example('fargate-xray-legacy');
    await withTask(template, task => {
      expect(at(task, 'start xray-daemon')).toBeLessThan(at(task, 'start billing'));
      expectDependsOnOrder(task, template);
      expect(task.exec('xray-daemon', ['id', '-u']).stdout).toBe('2000\n');
      // A segment over UDP as the X-Ray SDK sends it: the daemon header, a newline, the document,
      // in one datagram (the host's bash /dev/udp in the task's namespace: busybox nc has no UDP;
      // cat writes the file with one write, bash's printf would write per line).
      const address = task.exec('billing', ['sh', '-c', 'echo "$AWS_XRAY_DAEMON_ADDRESS"']).stdout.trim();
      expect(address).toBe('127.0.0.1:2000');
      const sent = task.inNetns(['bash', '-c', 'f=$(mktemp); printf \'{"format":"json","version":1}\\n{"name":"billing"}\' > "$f"; cat "$f" > /dev/udp/127.0.0.1/2000; rm -f "$f"']);
      expect(sent.code).toBe(0);
      expect(task.logs('xray-daemon')).toMatch(/xray: segment received from 127\.0\.0\.1:[0-9]+ \(/);
      expect(expectSidecarsOutliveApp(task, template, 'billing')).toEqual(['billing', 'xray-daemon']);
      expect(task.runningAtStop.get('billing')).toEqual(['xray-daemon']);
    });
  }, TASK_TIMEOUT);
});

describe('fargate-otel-dapr: daprd and the ADOT collector beside the app', () => {
  podTest('the collector is healthy (its /healthcheck) before the app starts; daprd loads its component with the secret from its environment; the app reaches both; only daprd has the Redis password', async () => {
    const template = await example('fargate-otel-dapr');
    await withTask(template, task => {
      expect(at(task, 'healthy otel-collector')).toBeLessThan(at(task, 'start orders'));
      expect(at(task, 'start daprd')).toBeLessThan(at(task, 'start orders'));
      expectDependsOnOrder(task, template);
      expect(task.logs('daprd')).toContain('daprd: component statestore: metadata redisPassword from env COMPONENT_STATESTORE_REDISPASSWORD');
      expect(task.logs('daprd')).toContain('daprd: loaded configuration /dapr/config/config.yaml');
      const app = (cmd: string) => task.exec('orders', ['sh', '-c', cmd]);
      expect(app('wget -q -O- "http://127.0.0.1:$DAPR_HTTP_PORT/v1.0/metadata"').code).toBe(0);
      expect(app('nc -w 1 127.0.0.1 "$DAPR_GRPC_PORT" < /dev/null').code).toBe(0);
      expect(app('nc -w 1 127.0.0.1 "${OTEL_EXPORTER_OTLP_ENDPOINT##*:}" < /dev/null').code).toBe(0);
      expect(app('echo "${COMPONENT_STATESTORE_REDISPASSWORD-unset}"').stdout).toBe('unset\n');
      expect(task.exec('daprd', ['sh', '-c', 'echo "$COMPONENT_STATESTORE_REDISPASSWORD"']).stdout).toMatch(/^stand-in secret of stand-in-RedisPassword[0-9A-F]*:password::\n$/);
      expect(task.essentialExited()).toEqual([]);
      expectSidecarsOutliveApp(task, template, 'orders');
    });
  }, TASK_TIMEOUT);
});


describe('the ECS reference pod (test/reference-pod.test.ts): app, Envoy, Vault agent, FireLens Fluent Bit, OPA, ADOT collector', () => {
  podTest('every container starts in DependsOn order and becomes healthy; the app reads its secret; the sidecars outlive the app on stop', async () => {
    const f = fargateTask({ cpu: 2048, memoryLimitMiB: 4096 });
    TaskSidecars.of(f.td, { memoryVolumes: MemoryVolumeHandling.TASK_STORAGE }).add(...referenceSidecars(f.stack));
    const template = synthTemplate(f.stack);
    await withTask(template, task => {
      expectDependsOnOrder(task, template);
      expect(task.exec('app', ['cat', '/vault/secrets/db.json'])).toMatchObject({ code: 0, stdout: expect.stringContaining('stand-in secret') });
      for (const c of ['envoy', 'opa', 'fluent-bit', 'otel-collector']) { expect(task.exec(c, ['cat', '/vault/secrets/db.json']).code).not.toBe(0); }
      expect(task.essentialExited()).toEqual([]);
      // Envoy outlives every sidecar that waited for it; the writer it depends on is last.
      const order = expectSidecarsOutliveApp(task, template, 'app');
      expect(order.slice(-2)).toEqual(['envoy', 'cdk-sidecars-config']);
    });
  }, TASK_TIMEOUT);
});

describe('the translation refuses what it does not translate (no podman needed)', () => {
  const template = (c: any, extra: any = {}) => ({
    Resources: {
      Role: { Type: 'AWS::IAM::Role', Properties: {} },
      Task: { Type: 'AWS::ECS::TaskDefinition', Properties: { ContainerDefinitions: [{ Name: 'app', Image: 'x', ...c }], ...extra } },
    },
  });

  test('Fn::Join, Ref and Fn::GetAtt are resolved to literals and stand-ins; any other intrinsic is refused naming where it is', () => {
    const { td } = taskDefinitionOf(template({ Environment: [{ Name: 'A', Value: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Region' }, ':', { 'Fn::GetAtt': ['Role', 'Arn'] }]] } }] }));
    expect(td.ContainerDefinitions[0].Environment[0].Value).toBe('arn:eu-west-1:stand-in-Role.Arn');
    expect(() => taskDefinitionOf(template({ Image: { 'Fn::Sub': '${AWS::Region}' } }))).toThrow('Task.ContainerDefinitions[0].Image: the intrinsic Fn::Sub is not resolved by the pod tier');
    expect(() => taskDefinitionOf(template({ Image: { Ref: 'Nothing' } }))).toThrow('Task.ContainerDefinitions[0].Image: Ref Nothing is neither a pseudo parameter, a resource nor a parameter');
  });

  test('the aws-appmesh plugin\'s rules: ingress only with AppPorts and ProxyIngressPort, 15 ports per multiport rule', () => {
    const ports = Array.from({ length: 16 }, (_, i) => String(8000 + i)).join(',');
    const rules = appMeshRules({ AppPorts: ports, ProxyIngressPort: '15006', ProxyEgressPort: '15001', IgnoredUID: '1337' }, '');
    expect(rules.filter(r => r.includes('APPMESH_INGRESS') && r.includes('REDIRECT')).map(r => r[r.indexOf('--dports') + 1].split(',').length)).toEqual([15, 1]);
    const egressOnly = appMeshRules({ ProxyEgressPort: '15001', IgnoredGID: '1337' }, '');
    expect(egressOnly.some(r => r.includes('APPMESH_INGRESS'))).toBe(false);
    expect(egressOnly[egressOnly.length - 1]).toEqual(['-t', 'nat', '-A', 'OUTPUT', '-p', 'tcp', '-m', 'addrtype', '!', '--dst-type', 'LOCAL', '-j', 'APPMESH_EGRESS']);
  });

  test('Docker\'s default capability set is the base: drop then add; drop ALL keeps only the adds; a user name is refused', () => {
    expect(capabilitiesOf({})).toEqual(DOCKER_DEFAULT_CAPABILITIES);
    expect(capabilitiesOf({ LinuxParameters: { Capabilities: { Drop: ['ALL'] } } })).toEqual([]);
    expect(capabilitiesOf({ LinuxParameters: { Capabilities: { Drop: ['ALL'], Add: ['SYS_PTRACE'] } } })).toEqual(['SYS_PTRACE']);
    // The writer's set: every default but CHOWN dropped.
    const writer = DOCKER_DEFAULT_CAPABILITIES.filter(x => x !== 'CHOWN');
    expect(capabilitiesOf({ LinuxParameters: { Capabilities: { Drop: writer } } })).toEqual(['CHOWN']);
    expect(userOf({ User: '1337:1337' }, false, 'c')).toBe('1337:1337');
    expect(userOf({ User: '100' }, false, 'c')).toBe('100:0');
    expect(userOf({}, true, 'c')).toBe(`${APP_IMAGE_USER.uid}:${APP_IMAGE_USER.gid}`);
    expect(() => userOf({ User: 'envoy' }, false, 'task t: container envoy')).toThrow('task t: container envoy: User envoy: only "uid" or "uid:gid" is translated');
  });
});
