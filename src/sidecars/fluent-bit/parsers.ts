/** Parsers of the generated configuration. */

export const KUBE_TAG_PARSER = 'cdk_sidecars_kube_tag';

/** The parser that reads the pod's namespace, name and container from the kubernetes tag. */
export function kubeTagParser(): { [key: string]: string } {
  return { name: KUBE_TAG_PARSER, format: 'regex', regex: '^(?<namespace_name>[^.]+)\\.(?<pod_name>[^.]+)\\.(?<container_name>.+)$' };
}
