/**
 * Node logs with a sidecar: a node agent runs on every node (a DaemonSet) and Fluent Bit,
 * attached to it, ships the logs of every container on that node to Loki.
 *
 *   - hostLogDirectory: '/var/log' mounts the node's /var/log read-only at the same path (a
 *     hostPath volume: the /var/log/containers/*.log files Fluent Bit tails are symlinks into
 *     /var/log/pods), opted in with allowHostPath: true
 *   - the CRI multiline parser joins the lines the container runtime split
 *   - Fluent Bit runs as root with every capability dropped: the runtime writes container logs
 *     root:root 0640, which only their owner can read (the runtime contract checks it)
 *   - Pod Security baseline and restricted forbid hostPath volumes, so the namespace enforces
 *     `privileged`; with `baseline` there, synthesis fails naming the hostPath and the label
 *   - the agent itself shares nothing with Fluent Bit: no volume of the app is mounted
 */
import { App, ApiObject, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { FluentBitMultilineParser, FluentBitOutput, FluentBitSidecar } from 'cdk-sidecars';
import { KubernetesTarget, WorkloadSidecars } from 'cdk-sidecars/k8s';

const app = new App();
KubernetesTarget.set(app, '1.33');
const chart = new Chart(app, 'node-logs');

// The namespace of the node agents, labelled for Pod Security admission
// (https://kubernetes.io/docs/concepts/security/pod-security-admission/).
new ApiObject(chart, 'namespace', {
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: {
    name: 'node-agents',
    labels: {
      'pod-security.kubernetes.io/enforce': 'privileged',
      'pod-security.kubernetes.io/warn': 'baseline',
    },
  },
});

const agent = new kplus.DaemonSet(chart, 'node-agent', {
  metadata: { namespace: 'node-agents' },
  containers: [{
    name: 'node-agent',
    image: 'ghcr.io/acme/node-agent:1.3.0',
    portNumber: 9100,
  }],
});

WorkloadSidecars.of(agent).add(new FluentBitSidecar(chart, 'logs', {
  hostLogDirectory: '/var/log',
  allowHostPath: true,
  tail: { multilineParsers: [FluentBitMultilineParser.cri()], tag: 'node.*' },
  outputs: [FluentBitOutput.loki({ host: 'loki.monitoring.svc', labels: { job: 'node-logs' } })],
}));

app.synth();
