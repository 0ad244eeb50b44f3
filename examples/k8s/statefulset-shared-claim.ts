/**
 * A database StatefulSet whose backup agent is a sidecar: it reads the database's own claim and
 * stages archives on a claim of its own.
 *
 *   - the `data` volumeClaimTemplate is a volume of every pod of the StatefulSet, so the backup
 *     sidecar mounts it by name (overrides.appVolumeMounts), read-only
 *   - the staging space is a generic ephemeral volume (VolumeKind.EPHEMERAL_CLAIM): a 2 GiB claim
 *     of storage class gp3 made for each pod and deleted with it, so a large archive does not
 *     count against the node's ephemeral storage
 *   - the pod's fsGroup is what lets the non-root sidecar write there: the kubelet gives a claim's
 *     root directory the fsGroup, group-writable and setgid (the runtime contract knows it)
 *   - the database's log shipper is Fluent Bit, tailing the directory the database shares with it
 */
import { ApiObject, App, Chart } from 'cdk8s';
import { FluentBitOutput, FluentBitSidecar, Sidecar, VolumeKind } from 'cdk-sidecars';
import { KubernetesTarget, WorkloadSidecars } from 'cdk-sidecars/k8s';

const app = new App();
KubernetesTarget.set(app, '1.33');
const chart = new Chart(app, 'orders-db', { namespace: 'orders' });

const db = new ApiObject(chart, 'db', {
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name: 'orders-db' },
  spec: {
    serviceName: 'orders-db',
    replicas: 3,
    selector: { matchLabels: { app: 'orders-db' } },
    template: {
      metadata: { labels: { app: 'orders-db' } },
      spec: {
        securityContext: { runAsNonRoot: true, fsGroup: 70, fsGroupChangePolicy: 'OnRootMismatch' },
        containers: [{
          name: 'db',
          image: 'ghcr.io/acme/orders-db:16.4',
          ports: [{ name: 'sql', containerPort: 5432 }],
          securityContext: { runAsUser: 70, runAsGroup: 70, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
          volumeMounts: [{ name: 'data', mountPath: '/var/lib/db' }],
        }],
      },
    },
    volumeClaimTemplates: [{
      metadata: { name: 'data' },
      spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'gp3', resources: { requests: { storage: '50Gi' } } },
    }],
  },
});

const backup = new Sidecar(chart, 'backup', {
  image: 'ghcr.io/acme/db-backup:2.1.0',
  args: ['--data', '/var/lib/db', '--spool', '/spool', '--schedule', '0 */6 * * *'],
  volumes: [{ name: 'backup-spool', kind: VolumeKind.EPHEMERAL_CLAIM, claimSizeMebibytes: 2048, storageClassName: 'gp3', mountPath: '/spool' }],
  overrides: { appVolumeMounts: [{ volume: 'data', mountPath: '/var/lib/db', readOnly: true }] },
  resources: { cpuRequestMillicores: 50, memoryRequestMebibytes: 64, memoryLimitMebibytes: 256 },
});

WorkloadSidecars.of(db).add(
  new FluentBitSidecar(chart, 'logs', { outputs: [FluentBitOutput.forward({ host: 'fluentd.observability.svc' })] }),
  backup,
);

app.synth();
