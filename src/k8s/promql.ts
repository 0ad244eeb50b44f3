/**
 * Writers for the Prometheus languages the monitoring constructs generate: PromQL string
 * literals, RE2 regular expressions matching a literal, label selectors, and relabeling
 * replacements. Every value that comes from the user (names, namespaces) goes through one of
 * these. Internal: not part of the jsii API.
 */

/**
 * A PromQL string literal: double-quoted, with the escapes of Go string literals, which is
 * what PromQL strings are (prometheus/prometheus promql/parser/lex.go lexString, unquoted
 * with strconv.Unquote in parser/parse.go unquoteString). Backslash and double quote are
 * escaped, and every control character is written as \u escape, so the literal stays on one line.
 */
export function promqlString(value: string): string {
  let out = '"';
  for (const ch of value) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\' || ch === '"') {
      out += `\\${ch}`;
    } else if (code < 0x20 || code === 0x7f) {
      out += `\\u${code.toString(16).padStart(4, '0')}`;
    } else {
      out += ch;
    }
  }
  return `${out}"`;
}

/**
 * An RE2 regular expression that matches `value` literally (Go regexp.QuoteMeta: every
 * character of `\.+*?()|[]{}^$` gets a backslash). Prometheus anchors label regexes at both ends.
 */
export function regexLiteral(value: string): string {
  return value.replace(/[\\.+*?()|[\]{}^$]/g, c => `\\${c}`);
}

/** Label match operators of PromQL. */
export type MatchOp = '=' | '!=' | '=~' | '!~';

/** A label matcher: label name (a Prometheus label name, never user data), operator, value. */
export type Matcher = readonly [label: string, op: MatchOp, value: string];

/** A vector selector, e.g. `kube_pod_container_status_ready{namespace="shop",container="envoy"}`. */
export function vectorSelector(metric: string, matchers: readonly Matcher[]): string {
  for (const name of [metric, ...matchers.map(m => m[0])]) {
    // Names are the library's own constants; a bad one is a bug here, not a user error.
    if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(name)) { throw new Error(`not a Prometheus metric or label name: ${JSON.stringify(name)}`); }
  }
  return `${metric}{${matchers.map(([label, op, value]) => `${label}${op}${promqlString(value)}`).join(',')}}`;
}

/**
 * A relabeling `replacement` that yields `value` literally: Prometheus expands `$1`, `${name}`
 * and `$$` in it (Go regexp.Expand, prometheus/prometheus model/relabel/relabel.go), so each
 * `$` is doubled.
 */
export function relabelLiteral(value: string): string {
  return value.replace(/\$/g, '$$$$');
}

/** A Prometheus duration of whole minutes, e.g. `15m`. */
export function minutes(n: number): string {
  return `${n}m`;
}
