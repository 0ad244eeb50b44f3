/**
 * The writers of Fluent Bit configurations: one rule per thing written.
 *
 * - `classicEntry`: the one function that writes a `key value` line of the classic format, or
 *   refuses (catalogued error) what that format cannot carry.
 * - `fluentBitValueProblem`: what neither format can carry (`${`), checked for every user value.
 * - `configComment`: a comment line whose text cannot end the comment.
 * - `modifyRule`: the tokens of a modify filter rule, quoted where the filter would split them.
 *
 * How Fluent Bit reads a classic file (fluent/fluent-bit src/config_format/flb_cf_fluentbit.c,
 * read_config): line by line up to '\n' (one '\r' before it dropped); '#' at column 0 is a comment;
 * '@INCLUDE ' and any other '@' line at column 0 are directives; '[' at column 0 opens a section;
 * an indented line is split at its first space into key and value, and both are trimmed of
 * isspace() characters (src/config_format/flb_config_format.c, flb_cf_section_property_add, and
 * src/flb_sds.c, flb_sds_trim); an empty value is an error. Every line we write starts with four
 * spaces, so once a value has no line break it can never start a line: '@' or '[' at the start of
 * a value is data (a grep regex such as `[0-9]+` is fine), and '#' inside a value is data too.
 */
import { Errors, SidecarError } from './errors';
import { literalParts, stringHasToken } from './tokens';

/**
 * A value with CDK tokens (e.g. a log group name from another construct) as the checks see it:
 * its literal parts, each token standing for a name. Neither format has an escape, so the
 * deployed value is written as it is: CloudFormation puts it in (the ECS writer delivers such a
 * file through Fn::Join) and it must itself be one Fluent Bit reads back, which AWS resource
 * names and ARNs are (no line break, no "${", no surrounding whitespace: README, "CDK tokens").
 */
function deployed(value: string): string {
  return stringHasToken(value) ? literalParts(value, 'x') : value;
}

/** The format names used in messages. */
export const CLASSIC_FORMAT = 'the Fluent Bit classic format';

/** Control characters: C0, DEL and C1 (U+0085 included), and the Unicode line and paragraph separators. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
// eslint-disable-next-line no-control-regex
const CONTROL_ALL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
/** isspace() in the C locale, what flb_sds_trim removes at both ends. */
const C_SPACE = /[ \t\n\v\f\r]/;
/** The keys we write ourselves: no whitespace (the first space ends a key), no '[' (a group). */
const KEY = /^[A-Za-z0-9_.-]+$/;

/**
 * Why Fluent Bit (either format) would not read `value` back as written: it replaces `${NAME}`
 * by the environment variable NAME in every property value, with no escape for a literal `${`
 * (src/flb_env.c, flb_env_var_translate, called from src/flb_config_map.c when a plugin's
 * properties are set, whatever the format). A `${...}` in a value given to this library would
 * read the sidecar's environment (on ECS, credentials endpoints) into an index name, a URI or a
 * label sent to a remote host, so it is refused rather than taken as intent: the library sets
 * no environment of its own for users to refer to.
 */
export function fluentBitValueProblem(value: string): string | undefined {
  if (deployed(value).includes('${')) {
    return 'Fluent Bit replaces "${NAME}" by an environment variable in every value, and has no escape for it';
  }
  return undefined;
}

/**
 * Why a value (or a token inside one) cannot be written at all: a control character (a line
 * break would start a new line: a new section, an @INCLUDE or @SET directive, another key; the
 * classic format has no escape for any of them), or `${` (see fluentBitValueProblem).
 */
export function tokenProblem(value: string): string | undefined {
  const m = CONTROL.exec(deployed(value));
  if (m) {
    return `it contains the control character ${JSON.stringify(m[0])}: a line break would start a new line `
      + '(a new section, an @INCLUDE or @SET directive, another key), and the classic format has no escape for it';
  }
  return fluentBitValueProblem(value);
}

/** Why the classic format cannot carry `value` as one value (undefined when it can). */
export function classicValueProblem(value0: string): string | undefined {
  const problem = tokenProblem(value0);
  if (problem) { return problem; }
  const value = deployed(value0);
  if (value.length === 0) { return 'it is empty, and Fluent Bit refuses a key with an empty value'; }
  if (C_SPACE.test(value[0]) || C_SPACE.test(value[value.length - 1])) {
    return 'it starts or ends with whitespace, which Fluent Bit trims from every value';
  }
  return undefined;
}

/** The catalogued error for a value the classic format cannot carry, for the reason `why`. */
export function refuseClassicValue(path: string, field: string, value: unknown, why: string): SidecarError {
  return Errors.unrepresentableValue(path, field, value, CLASSIC_FORMAT, why,
    'Remove line breaks, control characters, "${" and surrounding whitespace from the value (the classic format is written for '
    + 'configFormat CLASSIC and, on every platform, as the pipeline.conf that ECS FireLens loads)');
}

/**
 * Checks a user value for both formats (and the classic one, which FireLens always loads):
 * throws the catalogued error naming `field` when it cannot be written.
 */
export function checkFluentBitValue(path: string, field: string, value: string): void {
  const problem = classicValueProblem(value);
  if (problem) { throw refuseClassicValue(path, field, value, problem); }
}

/** Options of classicEntry. */
export interface ClassicEntryOptions {
  /** Width the key is padded to. @default 22 */
  readonly width?: number;
  /**
   * The value is the library's own, and its `${NAME}` references are meant to be expanded
   * (such as the tail tag built from the pod's name). Never set for a user value.
   * @default false
   */
  readonly expandsEnv?: boolean;
}

/**
 * One `key value` line of a classic section, indented by four spaces. `field` names the prop
 * the value came from (for the error). Numbers are written as decimal integers only.
 */
export function classicEntry(path: string, field: string, key: string, value: string | number, options: ClassicEntryOptions = {}): string {
  const width = options.width ?? 22;
  if (!KEY.test(key)) { throw refuseClassicValue(path, field, key, 'a key must be letters, digits, "_", "." or "-": the first space ends it'); }
  if (typeof value === 'number' && !Number.isSafeInteger(value)) {
    throw Errors.invalidNumber(path, field, value, 'a whole number');
  }
  const text = String(value);
  const problem = classicValueProblem(options.expandsEnv ? text.replace(/\$\{[A-Z_][A-Z0-9_]*\}/g, 'x') : text);
  if (problem) { throw refuseClassicValue(path, field, value, problem); }
  return `    ${key.padEnd(width)} ${text}`;
}

/**
 * A one-line comment (`# text`) for either format: control characters and the Unicode line
 * separators (which YAML 1.1 reads as line breaks) are written as `\uXXXX`, so nothing in `text`
 * (such as a construct id with a newline) can end the comment and add a line.
 */
export function configComment(text: string): string {
  return `# ${text.replace(CONTROL_ALL, c => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}`;
}

/**
 * The value of a modify filter rule (`add KEY VALUE`, `rename OLD NEW`, `remove KEY`): the filter
 * splits it at spaces, with single or double quotes around a token that holds spaces, and a
 * backslash escaping the quote or a backslash inside them (plugins/filter_modify/modify.c,
 * flb_utils_split_quoted; src/flb_utils.c, next_token). A token with a space, a leading quote or
 * that is empty is written in double quotes.
 */
export function modifyRule(tokens: string[]): string {
  return tokens.map(t => (t === '' || t.includes(' ') || t[0] === '"' || t[0] === '\''
    ? `"${t.replace(/[\\"]/g, c => `\\${c}`)}"`
    : t)).join(' ');
}

/**
 * Why a token cannot be written by slistTokens: quoted, a trailing backslash would escape the
 * closing quote (src/flb_slist.c, token_retrieve ends a quoted token at a '"' not preceded by '\').
 */
export function slistTokenProblem(token: string): string | undefined {
  return token.endsWith('\\') ? 'a trailing backslash would escape the closing quote of the token' : undefined;
}

/**
 * The value of a space-separated list Fluent Bit reads with flb_slist_split_tokens (config map
 * SLIST types such as record_modifier's `record KEY VALUE`, and multiline parser `rule` lines):
 * spaces separate tokens; a token starting with '"' runs to the next '"' not preceded by a
 * backslash, and '\"' inside it becomes '"' (fluent/fluent-bit src/flb_slist.c, token_retrieve and
 * token_unescape; src/flb_config_map.c uses it for every SLIST property). A token that is empty,
 * holds a space or starts with a quote (or every token, with `alwaysQuote`) is written in double
 * quotes with its '"' escaped; check slistTokenProblem first.
 */
export function slistTokens(tokens: string[], alwaysQuote = false): string {
  return tokens.map(t => (alwaysQuote || t === '' || t.includes(' ') || t[0] === '"' ? `"${t.replace(/"/g, '\\"')}"` : t)).join(' ');
}
