/**
 * The reference pod on Azure Container Instances: a Vault Agent that logs in with the
 * group's user-assigned managed identity (Vault's Azure auth) and renders credentials
 * into a shared volume, OPA answering the app on localhost, and Fluent Bit tailing the
 * app's log directory (an emptyDir) to Loki. The group is in a VNet subnet, so no sidecar
 * port is reachable from the internet; what ACI cannot honour (start order, memory-backed
 * volumes, security contexts on the Standard SKU) is reported as warnings.
 */
import { FluentBitOutput, FluentBitSidecar, OpaSidecar, VaultAgentSidecar, VaultAuth } from 'cdk-sidecars';
import { AciApp, AciContainerGroup, AciMemoryVolumeHandling, ContainerGroupCostReport } from 'cdk-sidecars/aci';

const app = new AciApp();

const identityId = '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/payments/providers/Microsoft.ManagedIdentity/userAssignedIdentities/payments-api';
const group = new AciContainerGroup(app, 'payments-api', {
  location: 'westeurope',
  subnetIds: ['/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/payments/providers/Microsoft.Network/virtualNetworks/apps/subnets/aci'],
  identity: { userAssignedIdentityIds: [identityId] },
  // ACI has no memory-backed emptyDir: the agent's token and rendered secrets go to an
  // emptyDir on the host's disk, an explicit choice that the library reports as a warning.
  memoryVolumes: AciMemoryVolumeHandling.DISK,
  containers: [{
    name: 'api',
    image: 'ghcr.io/acme/payments-api:4.2.0',
    ports: [{ port: 8080 }],
    cpu: 1,
    memoryInGB: 1.5,
  }],
});

group.addSidecars(
  new VaultAgentSidecar(app, 'vault', {
    address: 'https://vault.acme.internal:8200',
    auth: [VaultAuth.azure({ role: 'payments-api', clientId: '11111111-2222-3333-4444-555555555555' })],
    secrets: [{ path: 'database/creds/payments-api', file: 'db.json' }],
  }),
  new OpaSidecar(app, 'opa', { policies: { 'authz.rego': 'package authz\n\nimport rego.v1\n\ndefault allow := false\n\nallow if input.user.role == "admin"\n' } }),
  new FluentBitSidecar(app, 'logs', { outputs: [FluentBitOutput.loki({ host: 'loki.acme.internal', tls: true })] }),
);

// What the sidecars cost: the group is billed the sum of its containers' requests; the report
// (sidecar-cost.json, .md, .csv beside the templates) gives the sidecars' part, at example
// per-hour rates (ACI bills per vCPU-second and GB-second).
const report = new ContainerGroupCostReport(app, 'cost', { pricePerVcpuHour: 0.0405, pricePerGibHour: 0.00445 });

app.synth();
report.writeTo(app.outdir);
