import { IConstruct } from 'constructs';
import { ContainerPortSpec, ContainerSpec, EnvVarSpec } from './container';
import { VolumeMountSpec, VolumeSpec } from './volume';

/**
 * What a sidecar asks of the app containers of its pod.
 */
export interface AppRequests {
  /**
   * Environment variables given to the app containers (for example
   * `OTEL_EXPORTER_OTLP_ENDPOINT`). A variable the app already sets to another
   * value is a composition error.
   * @default - none
   */
  readonly env?: EnvVarSpec[];
  /**
   * Volumes (of this sidecar) mounted into the app containers.
   * @default - none
   */
  readonly mounts?: VolumeMountSpec[];
  /**
   * Names of the app containers these requests apply to.
   * @default - every app container of the pod
   */
  readonly containers?: string[];
}

/**
 * Pod-level needs of a sidecar.
 */
export interface PodRequirements {
  /**
   * The containers of the pod must share one process namespace (for example to
   * signal the app after a re-render).
   * @default false
   */
  readonly shareProcessNamespace?: boolean;
}

/**
 * Everything a sidecar adds to one pod, in platform-neutral terms.
 */
export interface SidecarContribution {
  /** Containers, in the order the sidecar wants them started. */
  readonly containers: ContainerSpec[];
  /**
   * Volumes the containers mount.
   * @default - none
   */
  readonly volumes?: VolumeSpec[];
  /**
   * What the sidecar asks of the app containers.
   * @default - nothing
   */
  readonly appRequests?: AppRequests;
  /**
   * Pod-level needs.
   * @default - none
   */
  readonly pod?: PodRequirements;
}

/**
 * An app container as the sidecars see it.
 */
export interface AppContainerInfo {
  /** Container name. */
  readonly name: string;
  /** Ports the container declares. */
  readonly ports: ContainerPortSpec[];
}

/**
 * What a sidecar may know about the pod it joins when it describes itself.
 */
export interface CompositionContext {
  /** Path of the workload, task definition or container group. */
  readonly targetPath: string;
  /** The app containers of the pod (not the init containers, not other sidecars). */
  readonly appContainers: AppContainerInfo[];
}

/**
 * A sidecar: a construct that describes, in platform-neutral terms, what it adds
 * to a pod. Platform binders (`k8s`, `ecs`, `aci`) render the description.
 */
export interface ISidecar extends IConstruct {
  /**
   * Describes what this sidecar adds to the pod described by `context`.
   * Called by binders at synthesis time; must not change the construct tree.
   */
  contribute(context: CompositionContext): SidecarContribution;
}
