/**
 * Kubernetes' expansion of `$(NAME)` in a container's command and args, which other
 * platforms do not do (ECS and ACI pass the strings literally). Internal: not part of the
 * jsii API.
 */
import { EnvVarSpec } from './container';

/** What Kubernetes makes of one command or args element. */
export interface Expansion {
  /** The string Kubernetes runs, when every referenced variable is a literal. */
  readonly value: string;
  /**
   * The first referenced variable whose value is known only at run time (a secret, a pod
   * field), or is itself expanded by Kubernetes (a literal with `$`).
   */
  readonly runtimeVariable?: string;
}

/**
 * Expands one element as Kubernetes does (kubernetes/kubernetes
 * third_party/forked/golang/expansion/expand.go): `$$` becomes `$`, `$(NAME)` becomes the
 * value of the container's variable NAME, and a `$(NAME)` with no such variable, or a `$`
 * followed by anything else, stays as written.
 */
export function expandKubernetesReferences(value: string, env: readonly EnvVarSpec[]): Expansion {
  if (!value.includes('$')) { return { value }; }
  const vars = new Map(env.map(e => [e.name, e]));
  let out = '';
  let runtimeVariable: string | undefined;
  for (let at = 0; at < value.length;) {
    const ch = value[at];
    if (ch !== '$' || at + 1 >= value.length) { out += ch; at++; continue; }
    const next = value[at + 1];
    if (next === '$') { out += '$'; at += 2; continue; }
    const close = next === '(' ? value.indexOf(')', at + 2) : -1;
    if (close < 0) { out += ch; at++; continue; }
    const name = value.slice(at + 2, close);
    const v = vars.get(name);
    if (v === undefined) {
      out += value.slice(at, close + 1);
    } else if (v.value !== undefined && !v.value.includes('$')) {
      out += v.value;
    } else {
      runtimeVariable = runtimeVariable ?? name;
      out += value.slice(at, close + 1);
    }
    at = close + 1;
  }
  return { value: out, runtimeVariable };
}
