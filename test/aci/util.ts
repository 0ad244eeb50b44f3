import * as YAML from 'yaml';
import { ISidecar, Probe } from '../../src';
import { AciApp, AciContainerGroup, AciContainerGroupProps, AciMemoryVolumeHandling } from '../../src/aci';
import { validateAciYaml, validateArmTemplate } from '../validate/azure';

/** Renders both outputs, checks each against the ACI specs, returns the group resource and the YAML document. */
export function synthGroup(group: AciContainerGroup): { arm: any; resource: any; yaml: any; text: string } {
  const arm = group.toArmTemplate();
  validateArmTemplate(arm);
  const text = group.toYaml();
  validateAciYaml(text);
  return { arm, resource: arm.resources[0], yaml: YAML.parse(text), text };
}

export function appGroup(app: AciApp, props: Partial<AciContainerGroupProps> = {}): AciContainerGroup {
  return new AciContainerGroup(app, 'shop', { ...appProps(), ...props });
}

/** The props of the group appGroup makes. */
export function appProps(): AciContainerGroupProps {
  return {
    containers: [{
      name: 'api',
      image: 'ghcr.io/acme/api:4.2.0',
      ports: [{ port: 8080 }],
      environment: { LOG_FORMAT: 'json' },
      secureEnvironment: { DB_PASSWORD: { secretName: 'db', key: 'password' } },
      readinessProbe: Probe.httpGet({ port: 8080, path: '/ready' }),
    }],
    dnsNameLabel: 'acme-shop',
  };
}


/**
 * A group whose sidecars authenticate with its managed identity and whose memory volumes
 * fall back to disk (ACI has none): the set-up of the agent tests, given `sidecar`.
 */
export function identityGroupWith(app: AciApp, ...sidecars: ISidecar[]): { arm: any; resource: any; yaml: any; text: string } {
  const group = new AciContainerGroup(app, 'shop', {
    containers: [{ name: 'api', image: 'ghcr.io/acme/api:1', ports: [{ port: 8080 }] }],
    identity: { systemAssigned: true },
    memoryVolumes: AciMemoryVolumeHandling.DISK,
  });
  group.addSidecars(...sidecars);
  return synthGroup(group);
}
