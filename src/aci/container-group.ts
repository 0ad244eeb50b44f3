import { Construct } from 'constructs';
import * as YAML from 'yaml';
import { API_VERSION, PLATFORM, SecureValues, renderContainer, renderEnv, renderInitContainer, secureRef } from './render';
import { AppContainerModel, ComposedPod, composePod } from '../core/composition';
import { PortExposure, Protocol, SecretKeyReference, StartupRole, WaitCondition } from '../core/container';
import { ISidecar, WorkloadIdentity } from '../core/contribution';
import { Errors } from '../core/errors';
import { expandKubernetesReferences } from '../core/expansion';
import { DNS_LABEL, pathProblem } from '../core/names';
import { Probe, ProbeKind } from '../core/probe';
import { isDeclared } from '../core/resolve';
import { VolumeKind } from '../core/volume';

/** Operating system of a container group. */
export enum AciOsType {
  /** Linux. */
  LINUX = 'Linux',
  /** Windows. */
  WINDOWS = 'Windows',
}

/** What ACI does when a container exits. */
export enum AciRestartPolicy {
  /** Restart always (services). */
  ALWAYS = 'Always',
  /** Restart on a non-zero exit (batch that may fail). */
  ON_FAILURE = 'OnFailure',
  /** Never restart (run once). */
  NEVER = 'Never',
}

/** Container group SKU. */
export enum AciSku {
  /** Standard. Container security contexts are not honoured. */
  STANDARD = 'Standard',
  /** Confidential (AMD SEV-SNP). Honours container security contexts. */
  CONFIDENTIAL = 'Confidential',
  /** Dedicated hosts. */
  DEDICATED = 'Dedicated',
}

/** How the group is reached. */
export enum AciIpAddressType {
  /** A public IP (with an optional DNS name label). */
  PUBLIC = 'Public',
  /** A private IP in the given subnets. */
  PRIVATE = 'Private',
}

/** What to do with memory-backed volumes, which ACI does not offer. */
export enum AciMemoryVolumeHandling {
  /** Refuse them with an error. */
  REJECT = 'REJECT',
  /** Use an emptyDir volume (on the host's disk) instead; a warning says so. */
  DISK = 'DISK',
}

/** A port of an app container. */
export interface AciPort {
  /** Port number. */
  readonly port: number;
  /**
   * Protocol.
   * @default Protocol.TCP
   */
  readonly protocol?: Protocol;
  /**
   * Publish the port on the group's IP address.
   * @default true
   */
  readonly expose?: boolean;
}

/** A volume mounted into an app container. */
export interface AciVolumeMount {
  /** Name of a volume of the group (`volumes`). */
  readonly volume: string;
  /** Absolute path in the container. */
  readonly path: string;
  /**
   * Read-only.
   * @default false
   */
  readonly readOnly?: boolean;
}

/** An app container of a container group. */
export interface AciContainerProps {
  /** Container name (lowercase letters, digits and '-'). */
  readonly name: string;
  /** Image reference. */
  readonly image: string;
  /**
   * Command (replaces the image entrypoint).
   * @default - the image's
   */
  readonly command?: string[];
  /**
   * Ports.
   * @default - none
   */
  readonly ports?: AciPort[];
  /**
   * Environment variables.
   * @default - none
   */
  readonly environment?: { [name: string]: string };
  /**
   * Environment variables from secrets: secure values from ARM `securestring` parameters.
   * @default - none
   */
  readonly secureEnvironment?: { [name: string]: SecretKeyReference };
  /**
   * CPU cores requested.
   * @default 1
   */
  readonly cpu?: number;
  /**
   * Memory requested, in GB.
   * @default 1.5
   */
  readonly memoryInGB?: number;
  /**
   * Volume mounts.
   * @default - none
   */
  readonly volumeMounts?: AciVolumeMount[];
  /**
   * Liveness probe (HTTP GET or exec).
   * @default - none
   */
  readonly livenessProbe?: Probe;
  /**
   * Readiness probe (HTTP GET or exec).
   * @default - none
   */
  readonly readinessProbe?: Probe;
}

/** A volume of the group for the app containers: empty scratch space. */
export interface AciVolume {
  /** Volume name. */
  readonly name: string;
}

/** The managed identity of a container group. */
export interface AciIdentity {
  /**
   * Give the group a system-assigned identity.
   * @default false
   */
  readonly systemAssigned?: boolean;
  /**
   * Resource IDs of user-assigned identities (not ARM expressions: the YAML cannot evaluate them).
   * @default - none
   */
  readonly userAssignedIdentityIds?: string[];
}

/** Props of a container group. */
export interface AciContainerGroupProps {
  /**
   * Group name (1-63 lowercase letters, digits and '-').
   * @default - the construct id
   */
  readonly name?: string;
  /**
   * Azure region. In the ARM template it is the default of the `location` parameter.
   * @default - the resource group's location in the ARM template; `${AZURE_LOCATION}` (filled at deploy time) in the YAML
   */
  readonly location?: string;
  /**
   * Operating system.
   * @default AciOsType.LINUX
   */
  readonly osType?: AciOsType;
  /**
   * Restart policy.
   * @default AciRestartPolicy.ALWAYS
   */
  readonly restartPolicy?: AciRestartPolicy;
  /**
   * SKU.
   * @default AciSku.STANDARD
   */
  readonly sku?: AciSku;
  /**
   * DNS name label of the public IP.
   * @default - none
   */
  readonly dnsNameLabel?: string;
  /**
   * Subnet resource IDs (not ARM expressions: the YAML cannot evaluate them); the group gets a private IP in them,
   * on which the sidecars' EXPOSED ports are published too (for scrapers in the network), not only their PUBLIC ones.
   * @default - none (a public IP when a port is published; sidecars publish only their PUBLIC ports on it)
   */
  readonly subnetIds?: string[];
  /**
   * Managed identity.
   * @default - none
   */
  readonly identity?: AciIdentity;
  /** The app containers. */
  readonly containers: AciContainerProps[];
  /**
   * Scratch volumes of the app containers.
   * @default - none
   */
  readonly volumes?: AciVolume[];
  /**
   * Tags.
   * @default - none
   */
  readonly tags?: { [key: string]: string };
  /**
   * Memory-backed volumes of sidecars.
   * @default AciMemoryVolumeHandling.REJECT
   */
  readonly memoryVolumes?: AciMemoryVolumeHandling;
  /**
   * The keys of each secret that sidecars mount as a SECRET volume; each key becomes a
   * securestring parameter holding the base64 file content.
   * @default - none: a SECRET volume is an error
   */
  readonly secretVolumeKeys?: { [secretName: string]: string[] };
}

const GROUP_NAME = /^(?!.*--)[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** The ARM parameter name of a secret key, e.g. db + url -> dbUrl. */
function parameterName(secretName: string, key: string): string {
  const words = `${secretName} ${key}`.split(/[^A-Za-z0-9]+/).filter(Boolean);
  return words.map((w, i) => (i === 0 ? w[0].toLowerCase() + w.slice(1) : w[0].toUpperCase() + w.slice(1))).join('');
}

/** The YAML placeholder of a parameter, e.g. dbUrl -> ${DB_URL}. */
function placeholder(parameter: string): string {
  return `\${${parameter.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()}}`;
}

function checkPort(path: string, field: string, port: number): void {
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) { throw Errors.invalidPort(path, field, port); }
}

/**
 * An Azure Container Instances container group: the user's app containers, to which
 * sidecars attach. It synthesizes to an ARM deployment template and to the YAML that
 * `az container create --file` takes (see `AciApp`).
 *
 * - init steps become `initContainers`, run in order before the app (they have no
 *   ports, probes or resources of their own: resources are dropped with a warning);
 * - long-running sidecars become containers with resources, liveness and readiness
 *   probes, env (secrets as `secureValue` from ARM securestring parameters), mounts;
 * - config files become `secret` volumes (base64), scratch becomes `emptyDir`;
 * - EXPOSED and PUBLIC ports are container ports (ACI probes reach them); POD_LOCAL
 *   ports are not. On the group's IP address a public group (no `subnetIds`) publishes
 *   only PUBLIC sidecar ports, the workload's entry points, and warns about the EXPOSED
 *   ones it leaves off (admin, health, metrics ports stay off the internet); a private
 *   group (`subnetIds`) publishes EXPOSED and PUBLIC ones. App ports follow `expose`.
 *
 * ACI starts all containers of a group together: there is no start order between
 * long-running containers. A sidecar the app waits for until HEALTHY gets a warning at
 * synth; make the app retry until the sidecar answers.
 */
export class AciContainerGroup extends Construct {
  /** Group name. */
  public readonly name: string;
  /** Warnings from the last synthesis (also printed to stderr). */
  public readonly warnings: string[] = [];
  private readonly props: AciContainerGroupProps;
  private readonly attached: ISidecar[] = [];

  constructor(scope: Construct, id: string, props: AciContainerGroupProps) {
    super(scope, id);
    const path = this.node.path;
    this.props = props;
    this.name = props.name ?? id;
    if (!GROUP_NAME.test(this.name)) {
      throw Errors.invalidName(path, props.name === undefined ? 'name (taken from the construct id)' : 'name', this.name, 'an ACI group name: 1-63 lowercase letters, digits and single \'-\'');
    }
    if (!props.containers || props.containers.length === 0) { throw Errors.noAppContainers(path); }
    const names = new Set<string>();
    const volumes = new Set((props.volumes ?? []).map(v => v.name));
    (props.volumes ?? []).forEach((v, i) => {
      if (!DNS_LABEL.test(v.name)) { throw Errors.invalidName(path, `volumes[${i}].name`, v.name, 'a DNS label'); }
    });
    props.containers.forEach((c, i) => {
      const f = `containers[${i}]`;
      if (typeof c.name !== 'string' || !GROUP_NAME.test(c.name)) { throw Errors.invalidName(path, `${f}.name`, c.name, 'lowercase letters, digits and single \'-\''); }
      if (names.has(c.name)) { throw Errors.duplicateContainerName(path, c.name, path, path); }
      names.add(c.name);
      (c.ports ?? []).forEach((p, j) => checkPort(path, `${f}.ports[${j}].port`, p.port));
      for (const [key, value] of [['cpu', c.cpu], ['memoryInGB', c.memoryInGB]] as const) {
        if (value !== undefined && (typeof value !== 'number' || !(value > 0))) {
          throw Errors.invalidResources(path, `${f}.${key}`, value, 'is not a positive number');
        }
      }
      (c.volumeMounts ?? []).forEach((m, j) => {
        if (!volumes.has(m.volume)) { throw Errors.unknownVolume(path, `${f}.volumeMounts[${j}].volume`, m.volume, [...volumes]); }
        const problem = pathProblem(m.path);
        if (problem) { throw Errors.invalidPath(path, `${f}.volumeMounts[${j}].path`, m.path, problem); }
      });
      for (const [key, probe] of [['livenessProbe', c.livenessProbe], ['readinessProbe', c.readinessProbe]] as const) {
        if (probe?.kind === ProbeKind.TCP_SOCKET) {
          throw Errors.unsupportedOnPlatform(path, `${f}.${key}`, 'TCP_SOCKET', PLATFORM, 'ACI probes are HTTP GET or exec only', 'Use Probe.httpGet() or Probe.exec()');
        }
      }
    });
    if (props.dnsNameLabel !== undefined && !/^[a-z][a-z0-9-]{1,61}[a-z0-9]$/.test(props.dnsNameLabel)) {
      throw Errors.invalidName(path, 'dnsNameLabel', props.dnsNameLabel, '3-63 lowercase letters, digits and \'-\', starting with a letter');
    }
    if (props.subnetIds && props.dnsNameLabel) {
      throw Errors.invalidRole(path, 'dnsNameLabel', props.dnsNameLabel, 'is set with subnetIds, but a DNS name label needs a public IP', 'Leave one of the two out');
    }
    // Resource IDs, not ARM expressions: the YAML for az container create cannot evaluate expressions.
    (props.subnetIds ?? []).forEach((subnet, i) => {
      if (!/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Network\/virtualNetworks\/[^/]+\/subnets\/[^/]+$/i.test(subnet)) {
        throw Errors.invalidName(path, `subnetIds[${i}]`, subnet, 'a subnet resource ID /subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Network/virtualNetworks/<vnet>/subnets/<subnet>');
      }
    });
    (props.identity?.userAssignedIdentityIds ?? []).forEach((identity, i) => {
      if (!/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.ManagedIdentity\/userAssignedIdentities\/[^/]+$/i.test(identity)) {
        throw Errors.invalidName(path, `identity.userAssignedIdentityIds[${i}]`, identity, 'a user-assigned identity resource ID /subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.ManagedIdentity/userAssignedIdentities/<name>');
      }
    });
  }

  /** The attached sidecars. */
  public get sidecars(): ISidecar[] {
    return [...this.attached];
  }

  /** Attaches sidecars (a sidecar already attached is skipped). */
  public addSidecars(...sidecars: ISidecar[]): AciContainerGroup {
    for (const s of sidecars) {
      if (!this.attached.includes(s)) { this.attached.push(s); }
    }
    return this;
  }

  /** The ARM deployment template (JSON) with this group as its resource. */
  public toArmTemplate(): any {
    const parameters: { [name: string]: any } = {
      location: { type: 'string', defaultValue: this.props.location ?? '[resourceGroup().location]', metadata: { description: 'Azure region of the container group' } },
    };
    const secure: SecureValues = {
      parameterFor: (secretName, key) => this.secureParameter(parameters, secretName, key),
      render: p => `[parameters('${p}')]`,
    };
    const resource: any = {
      type: 'Microsoft.ContainerInstance/containerGroups',
      apiVersion: API_VERSION,
      name: this.name,
      location: "[parameters('location')]",
      ...this.resourceBody(secure),
    };
    const template: any = {
      $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
      contentVersion: '1.0.0.0',
      parameters,
      resources: [resource],
    };
    if (resource.properties.ipAddress?.type === AciIpAddressType.PUBLIC) {
      template.outputs = {
        ipAddress: { type: 'string', value: `[reference(resourceId('Microsoft.ContainerInstance/containerGroups', '${this.name}'), '${API_VERSION}').ipAddress.ip]` },
      };
    }
    return template;
  }

  /**
   * The YAML for `az container create --resource-group <rg> --file <file>`. Secure values
   * and an unset location are `${NAME}` placeholders, to fill at deploy time (for
   * example with envsubst); the header comment lists them.
   */
  public toYaml(): string {
    const placeholders = new Map<string, string>();
    const secure: SecureValues = {
      parameterFor: (secretName, key) => this.secureParameter({}, secretName, key),
      render: p => {
        placeholders.set(placeholder(p), p);
        return placeholder(p);
      },
    };
    const body = this.resourceBody(secure);
    const doc: any = {
      apiVersion: API_VERSION,
      location: this.props.location ?? '${AZURE_LOCATION}',
      name: this.name,
      type: 'Microsoft.ContainerInstance/containerGroups',
      ...body,
    };
    if (!this.props.location) { placeholders.set('${AZURE_LOCATION}', 'the Azure region'); }
    const header = [
      `# Azure Container Instances group ${this.name}, generated by cdk-sidecars from ${this.node.path}.`,
      '# Deploy: az container create --resource-group <rg> --file <this file>',
      ...(placeholders.size ? ['# Fill the placeholders first, e.g. envsubst < this-file > filled.yaml:', ...[...placeholders].map(([ph, what]) => `#   ${ph}: ${what}`)] : []),
      ...this.warnings.map(w => `# warning: ${w}`),
    ];
    return `${header.join('\n')}\n${YAML.stringify(doc, { lineWidth: 0, version: '1.1' })}`;
  }

  private secureParameter(parameters: { [name: string]: any }, secretName: string, key: string): string {
    const name = parameterName(secretName, key);
    parameters[name] = { type: 'securestring', metadata: { description: `Secret ${secretName}, key ${key}` } };
    return name;
  }

  /** identity, tags and properties of the group resource, with the sidecars composed in. */
  private resourceBody(secure: SecureValues): any {
    const props = this.props;
    const path = this.node.path;
    this.warnings.length = 0;
    const warn = (at: string, message: string) => {
      const text = `${at}: ${message}`;
      if (!this.warnings.includes(text)) { this.warnings.push(text); }
    };
    const app = {
      containers: props.containers.map((c): AppContainerModel => ({
        name: c.name,
        ports: (c.ports ?? []).map(p => ({ port: p.port, protocol: p.protocol ?? Protocol.TCP })),
        env: new Map<string, string | undefined>([
          ...Object.entries(c.environment ?? {}),
          ...Object.keys(c.secureEnvironment ?? {}).map((k): [string, undefined] => [k, undefined]),
        ]),
        mountPaths: (c.volumeMounts ?? []).map(m => m.path),
      })),
      initContainers: [],
      volumes: (props.volumes ?? []).map(v => v.name),
    };
    const identity = props.identity?.systemAssigned || props.identity?.userAssignedIdentityIds?.length
      ? WorkloadIdentity.AZURE_MANAGED_IDENTITY : WorkloadIdentity.NONE;
    const pod = composePod(path, app, this.attached, identity);
    for (const [key, { owner, value }] of pod.annotations) {
      throw Errors.unsupportedOnPlatform(owner.path, `pod.annotations[${JSON.stringify(key)}]`, value, PLATFORM,
        'container groups have no pod annotations', 'Use this sidecar in a mode that needs no Kubernetes annotation on ACI');
    }
    this.checkPod(pod, warn);
    for (const w of pod.warnings) { warn(w.slice(0, w.indexOf(': ')), w.slice(w.indexOf(': ') + 2)); }
    for (const { owner, permission } of pod.cloudPermissions) {
      warn(owner.path, `needs ${permission.provider} permissions ${permission.actions.join(', ')}, which an Azure container group cannot be given; the sidecar will be denied`);
    }
    for (const s of pod.readsPodMetadata) {
      warn(s.path, 'reads its pod\'s metadata from the Kubernetes API, which ACI does not have; the sidecar gets none');
    }
    const confidential = props.sku === AciSku.CONFIDENTIAL;
    const options = { secure, securityContext: confidential, warn };

    const initContainers = pod.containers.filter(c => c.role === StartupRole.INIT_STEP).map(c => renderInitContainer(c, options));
    const sidecars = pod.containers.filter(c => c.role === StartupRole.SIDECAR).map(c => renderContainer(c, options));
    if (!confidential && pod.containers.length) {
      warn(path, `the ${props.sku ?? AciSku.STANDARD} SKU does not honour container security contexts: the sidecars run as their image's user, without a read-only root filesystem or dropped capabilities (use AciSku.CONFIDENTIAL to enforce UID, GID, capabilities and no privilege escalation)`);
    }
    const appContainers = props.containers.map(c => this.renderAppContainer(c, pod, secure));
    const volumes: any[] = (props.volumes ?? []).map(v => ({ name: v.name, emptyDir: {} }));
    for (const { volume, owners } of pod.volumes) {
      const owner = owners[0].path;
      switch (volume.kind) {
        case VolumeKind.SCRATCH:
          volumes.push({ name: volume.name, emptyDir: {} });
          break;
        case VolumeKind.MEMORY:
          if ((props.memoryVolumes ?? AciMemoryVolumeHandling.REJECT) === AciMemoryVolumeHandling.REJECT) {
            throw Errors.unsupportedOnPlatform(owner, 'volumes', volume.name, PLATFORM, 'ACI has no memory-backed emptyDir',
              'Set memoryVolumes: AciMemoryVolumeHandling.DISK to use an emptyDir on disk, or keep the data out of files');
          }
          warn(owner, `volume ${JSON.stringify(volume.name)} is an emptyDir on disk, not in memory: ACI has no memory-backed volumes`);
          volumes.push({ name: volume.name, emptyDir: {} });
          break;
        case VolumeKind.CONFIG_FILES:
          if (volume.sensitive) {
            throw Errors.unsupportedOnPlatform(owner, 'configFiles (sensitive)', volume.name, PLATFORM,
              'the generated content would be written in clear (base64) into the template',
              'Keep the secret in a securestring parameter and give it as environment (secretEnv)');
          }
          volumes.push({ name: volume.name, secret: Object.fromEntries(volume.files.map(f => [f.name, Buffer.from(f.content, 'utf-8').toString('base64')])) });
          break;
        case VolumeKind.SECRET: {
          const keys = props.secretVolumeKeys?.[volume.secretName!];
          if (!keys || keys.length === 0) {
            throw Errors.missingSecretSource(owner, `volumes (${volume.name})`, volume.secretName!, path,
              `secretVolumeKeys: { '${volume.secretName}': ['tls.crt', 'tls.key'] }`);
          }
          volumes.push({ name: volume.name, secret: Object.fromEntries(keys.map(k => [k, secureRef(secure, volume.secretName!, k)])) });
          break;
        }
      }
    }
    const published = [
      ...props.containers.flatMap(c => (c.ports ?? []).filter(p => p.expose ?? true)
        .map(p => ({ port: p.port, protocol: p.protocol ?? Protocol.TCP }))),
      ...this.publishedSidecarPorts(pod, warn),
    ];
    const properties: any = {
      sku: props.sku ?? AciSku.STANDARD,
      osType: props.osType ?? AciOsType.LINUX,
      restartPolicy: props.restartPolicy ?? AciRestartPolicy.ALWAYS,
      containers: [...appContainers, ...sidecars],
    };
    if (initContainers.length) { properties.initContainers = initContainers; }
    if (volumes.length) { properties.volumes = volumes; }
    if (published.length || props.subnetIds) {
      const type = props.subnetIds ? AciIpAddressType.PRIVATE : AciIpAddressType.PUBLIC;
      properties.ipAddress = { type, ports: published.map(p => ({ port: p.port, protocol: p.protocol })) };
      if (props.dnsNameLabel) { properties.ipAddress.dnsNameLabel = props.dnsNameLabel; }
    }
    if (props.subnetIds) { properties.subnetIds = props.subnetIds.map(id => ({ id })); }
    const body: any = {};
    if (props.identity && (props.identity.systemAssigned || props.identity.userAssignedIdentityIds?.length)) {
      const user = props.identity.userAssignedIdentityIds ?? [];
      body.identity = {
        type: props.identity.systemAssigned ? (user.length ? 'SystemAssigned, UserAssigned' : 'SystemAssigned') : 'UserAssigned',
        ...(user.length ? { userAssignedIdentities: Object.fromEntries(user.map(id => [id, {}])) } : {}),
      };
    }
    if (props.tags && Object.keys(props.tags).length) { body.tags = { ...props.tags }; }
    body.properties = properties;
    return body;
  }

  /**
   * The sidecar ports on the group's IP address. Every EXPOSED (and PUBLIC) port is a
   * container port either way, so ACI probes and the other containers reach it. A private
   * IP (`subnetIds`) publishes EXPOSED and PUBLIC ports, for scrapers in the network; a
   * public IP publishes only PUBLIC ones (entry points), never admin, health or metrics
   * ports, and a warning per sidecar names the ports left off.
   */
  private publishedSidecarPorts(pod: ComposedPod, warn: (at: string, message: string) => void): Array<{ port: number; protocol: Protocol }> {
    const privateIp = Boolean(this.props.subnetIds);
    const published: Array<{ port: number; protocol: Protocol }> = [];
    const unpublished = new Map<string, string[]>();
    for (const c of pod.containers.filter(x => x.role === StartupRole.SIDECAR)) {
      for (const p of c.ports.filter(isDeclared)) {
        if (privateIp || p.exposure === PortExposure.PUBLIC) {
          published.push({ port: p.port, protocol: p.protocol });
        } else {
          const list = unpublished.get(c.owner.path) ?? [];
          list.push(`${p.port}${p.protocol === Protocol.UDP ? '/UDP' : ''}${p.name ? ` (${p.name})` : ''}`);
          unpublished.set(c.owner.path, list);
        }
      }
    }
    for (const [owner, ports] of unpublished) {
      const [noun, verb] = ports.length === 1 ? ['port', 'is'] : ['ports', 'are'];
      warn(owner, `EXPOSED ${noun} ${ports.join(', ')} ${verb} not published: without subnetIds the group's IP address is public and carries only `
        + `PUBLIC sidecar ports, so ${ports.length === 1 ? 'it is' : 'they are'} reachable only from containers of the group (ACI probes still work). `
        + `To let scrapers in a virtual network reach ${ports.length === 1 ? 'it' : 'them'}, put the group in a VNet (subnetIds), whose private IP address publishes EXPOSED ports`);
    }
    return published;
  }

  /** What ACI cannot honour in a composed pod. */
  private checkPod(pod: ComposedPod, warn: (at: string, message: string) => void): void {
    if (pod.trafficInterception) {
      throw Errors.unsupportedOnPlatform(pod.trafficInterception.owner.path, 'pod.trafficInterception', pod.trafficInterception.spec.proxyContainer, PLATFORM,
        'transparent redirection needs NET_ADMIN in the group\'s network namespace, which ACI does not give',
        `Run the proxy as an explicit proxy${pod.trafficInterception.spec.disableHint ? ` (${pod.trafficInterception.spec.disableHint})` : ''}: `
        + 'point the app at its listener on localhost (e.g. HTTP_PROXY) and publish its inbound port');
    }
    if (pod.shareProcessNamespace) {
      throw Errors.unsupportedOnPlatform(pod.sidecars.find(s => s.shareProcessNamespace)!.path, 'shareProcessNamespace', true, PLATFORM,
        'containers of a group cannot share a process namespace', 'Have the app watch the file the sidecar writes instead of waiting for a signal');
    }
    const byName = new Map(pod.containers.map(c => [c.name, c]));
    for (const c of pod.containers) {
      // Kubernetes expands $(VAR) and $$ in command and args; ACI passes them literally.
      for (const [field, v] of [...(c.command ?? []).map((x, i) => [`command[${i}]`, x]), ...(c.args ?? []).map((x, i) => [`args[${i}]`, x])]) {
        const e = expandKubernetesReferences(v, c.env);
        if (e.runtimeVariable !== undefined || e.value !== v) {
          throw Errors.unsupportedOnPlatform(c.owner.path, `${c.field}${field}`, v, PLATFORM, 'Kubernetes expands $(VAR) and $$ there, ACI passes them literally',
            'Let a shell expand the variable at run time, e.g. command: ["sh", "-c", "exec /app --flag \\"$VAR\\""]');
        }
      }
      if (c.role === StartupRole.SIDECAR && c.appWaitsFor === WaitCondition.HEALTHY) {
        warn(c.owner.path, `${c.field}appWaitsFor is HEALTHY, but ACI starts all containers of a group together: the app does not wait for ${JSON.stringify(c.name)}. Make the app retry until the sidecar answers (readiness of ${JSON.stringify(c.name)} is still probed)`);
      }
      c.dependsOn.forEach((d, i) => {
        const target = byName.get(d.container)!;
        if (c.role === StartupRole.INIT_STEP && target.role === StartupRole.SIDECAR) {
          throw Errors.unsupportedOnPlatform(c.owner.path, `${c.field}dependsOn[${i}]`, d.container, PLATFORM,
            'init containers run before every container of the group', 'Make the waiting container long-running, or drop the dependency');
        }
        if (c.role === StartupRole.SIDECAR && target.role === StartupRole.SIDECAR) {
          warn(c.owner.path, `${c.field}dependsOn[${i}] (${d.condition} of ${JSON.stringify(d.container)}) is not honoured: ACI has no start order between containers`);
        }
      });
    }
  }

  private renderAppContainer(c: AciContainerProps, pod: ComposedPod, secure: SecureValues): any {
    const requested = (pod.appEnv.get(c.name) ?? []).flatMap(e => {
      const owner = pod.sidecars.find(s => s.appRequests.env.includes(e))!;
      return renderEnv(owner.path, 'appRequests.env', [e], secure);
    });
    const env = [
      ...Object.entries(c.environment ?? {}).map(([name, value]) => ({ name, value })),
      ...Object.entries(c.secureEnvironment ?? {}).map(([name, ref]) => ({ name, secureValue: secureRef(secure, ref.secretName, ref.key) })),
      ...requested,
    ];
    const mounts = [
      ...(c.volumeMounts ?? []).map(m => ({ name: m.volume, mountPath: m.path, readOnly: m.readOnly ?? false })),
      ...(pod.appMounts.get(c.name) ?? []).map(m => ({ name: m.volume, mountPath: m.path, readOnly: m.readOnly })),
    ];
    const properties: any = { image: c.image };
    if (c.command) { properties.command = [...c.command]; }
    if (c.ports?.length) { properties.ports = c.ports.map(p => ({ port: p.port, protocol: p.protocol ?? Protocol.TCP })); }
    if (env.length) { properties.environmentVariables = env; }
    properties.resources = { requests: { cpu: c.cpu ?? 1, memoryInGB: c.memoryInGB ?? 1.5 } };
    if (mounts.length) { properties.volumeMounts = mounts; }
    const probe = (p: Probe) => (p.kind === ProbeKind.EXEC
      ? { exec: { command: p.command } }
      : { httpGet: { path: p.path, port: p.port, scheme: p.scheme === 'HTTPS' ? 'https' : 'http' } });
    if (c.livenessProbe) { properties.livenessProbe = { ...probe(c.livenessProbe), ...timing(c.livenessProbe) }; }
    if (c.readinessProbe) { properties.readinessProbe = { ...probe(c.readinessProbe), ...timing(c.readinessProbe) }; }
    return { name: c.name, properties };
  }
}

function timing(p: Probe): any {
  return Object.fromEntries(Object.entries(p.timing).filter(([, v]) => v !== undefined));
}
