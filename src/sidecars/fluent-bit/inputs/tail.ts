/** The tail input: the app's log files on the shared volume. */
import { onOff, STATE_DIR } from '../common';

/** What the tail input is made from. */
export interface TailSource {
  /** The kubernetes filter is on: the tag carries the pod's identity. */
  readonly kubeTag: boolean;
  readonly logDirectory: string;
  readonly logFiles: string;
  readonly memBufLimitMebibytes: number;
  readonly skipLongLines: boolean;
}

/** The tail input's settings. */
export function tailInput(s: TailSource): { [key: string]: string | number } {
  return {
    name: 'tail',
    // With the kubernetes filter the tag carries the pod's identity (from env), parsed by our parser.
    tag: s.kubeTag ? 'kube.${POD_NAMESPACE}.${POD_NAME}.app' : 'app',
    path: `${s.logDirectory}/${s.logFiles}`,
    db: `${STATE_DIR}/tail.db`,
    mem_buf_limit: `${s.memBufLimitMebibytes}MB`,
    skip_long_lines: onOff(s.skipLongLines),
    refresh_interval: 5,
  };
}
