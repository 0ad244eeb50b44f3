/**
 * A nightly CronJob that needs a database password once: the Vault Agent runs only as an
 * init container (prePopulateOnly), renders the credentials into a memory-backed volume
 * and exits, so nothing keeps the Job's pod alive after the work is done.
 */
import { App, Chart, Cron } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { VaultAgentSidecar, VaultAuth } from 'cdk-sidecars';
import { KubernetesTarget, WorkloadSidecars } from 'cdk-sidecars/k8s';

const app = new App();
KubernetesTarget.set(app, '1.33');
const chart = new Chart(app, 'reports', { namespace: 'finance' });

const job = new kplus.CronJob(chart, 'ledger-export', {
  schedule: Cron.daily(),
  concurrencyPolicy: kplus.ConcurrencyPolicy.FORBID,
  containers: [{
    name: 'export',
    image: 'ghcr.io/acme/ledger-export:2.0.3',
    args: ['--credentials', '/vault/secrets/db.json'],
  }],
});

WorkloadSidecars.of(job).add(new VaultAgentSidecar(chart, 'vault', {
  address: 'https://vault.vault.svc:8200',
  auth: [VaultAuth.kubernetes({ role: 'ledger-export', audience: 'vault' })],
  prePopulateOnly: true,
  secrets: [{ path: 'database/creds/ledger-readonly', file: 'db.json' }],
}));

app.synth();
