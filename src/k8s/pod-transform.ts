import { ComposedPod } from '../core/composition';

/**
 * A change laid over a workload's pod template at synthesis, after the sidecars are injected
 * (PodHardening). Internal: not exported from the package.
 */
export interface PodTransform {
  /** Construct path of the owner, for messages. */
  readonly path: string;
  /** Changes the workload JSON (the composed pod is undefined when no sidecar is attached). */
  apply(json: any, pod: ComposedPod | undefined): any;
}
