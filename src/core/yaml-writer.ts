import { Document, Scalar } from 'yaml';
import { stringHasToken } from './tokens';

/**
 * The one way the library writes YAML (the ACI YAML, and the OTel Collector, Dapr, OPA and
 * Fluent Bit configs). Its readers disagree on plain scalars: az reads the ACI YAML with PyYAML
 * (YAML 1.1), OPA and kubectl with go-yaml v2 through sigs.k8s.io/yaml (YAML 1.1 booleans, and
 * numbers through Go's strconv, so `0o17`, `0b1`, `1_000`, `+Inf` and `0x1p3` are numbers too),
 * the OTel Collector and Dapr with go-yaml v3, and the `yaml` package as YAML 1.2. A plain `yes`
 * is a boolean in YAML 1.1 and a string in 1.2; `0o17` is a number in 1.2 and a string in 1.1;
 * `1:20` is the sexagesimal 80 in 1.1; `2001-12-14` a timestamp in 1.1. So every string that a
 * reader of either version could take for anything but a string is written double-quoted, and
 * every character that PyYAML refuses in a stream or reads as a line break (C0 and C1 controls,
 * DEL, NEL U+0085, U+2028, U+2029, U+FEFF, U+FFFE, U+FFFF, lone surrogates) is written as an
 * escape inside double quotes.
 *
 * Sources: YAML 1.1 type repository (yaml.org/type/bool.html, int.html, float.html,
 * timestamp.html, null.html, merge.html, value.html); YAML 1.2.2 spec 10.3 (core schema) and
 * 5.1/5.4 (printable characters, line breaks: 1.2 knows only CR and LF, 1.1 also NEL, LS, PS);
 * PyYAML lib/yaml/resolver.py and reader.py (NON_PRINTABLE); go-yaml v2 resolve.go (resolve
 * table y/Y/yes/on/off..., strconv.ParseInt(…, 0, 64) and ParseFloat on plain scalars);
 * eemeli/yaml docs (Scalar.QUOTE_DOUBLE, customTags, the `string` tag's stringify).
 */

/** Plain scalars some YAML 1.1 or 1.2 reader resolves to null, a boolean, a merge key or `=`. */
const KEYWORDS = new Set(['', '~', 'null', 'true', 'false', 'y', 'n', 'yes', 'no', 'on', 'off', '=', '<<']);

/**
 * True when a string written as a plain scalar could be read as something else than that
 * string by a YAML 1.1 or 1.2 reader. Deliberately wide: anything that starts like a number
 * (an optional sign, an optional dot, then a digit) covers ints in every base, floats,
 * sexagesimals and timestamps; infinities and NaNs in any spelling Go's ParseFloat takes.
 */
export function isAmbiguousYamlScalar(value: string): boolean {
  return KEYWORDS.has(value.toLowerCase())
    || /^[-+]?\.?[0-9]/.test(value)
    || /^[-+]?\.?(inf|infinity|nan)$/i.test(value);
}

/**
 * Characters written as escapes: everything outside YAML's printable set as PyYAML checks it
 * (tab and LF are printable, and the `yaml` package escapes them itself), plus the 1.1 line
 * breaks NEL, LS and PS (a 1.2 reader keeps them as text, a 1.1 reader breaks the line), the
 * byte order mark, and lone surrogates (not representable in UTF-8).
 */
const UNSAFE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const UNSAFE_ALL = new RegExp(UNSAFE.source, 'g');

function escapeChar(c: string): string {
  const code = c.charCodeAt(0);
  switch (c) {
    case '\n': return '\\n';
    case '\t': return '\\t';
    case '\r': return '\\r';
    case '"': return '\\"';
    case '\\': return '\\\\';
    default: return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  }
}

/** A double-quoted scalar on one line, every unsafe character escaped (escapes both versions know). */
function doubleQuoted(value: string): string {
  return `"${value.replace(new RegExp(`[\\n\\t"\\\\]|${UNSAFE.source}`, 'g'), escapeChar)}"`;
}

/**
 * A multi-line string the `yaml` package would write as a block scalar that readers do not all
 * read back: a line of only spaces (the package writes `- |+` then an indented blank line, which
 * it reads back as an empty line), or trailing spaces on a line; and any string with a tab.
 */
function blockUnsafe(value: string): boolean {
  // A tab anywhere: PyYAML refuses a tab after the first character of a plain scalar ("found
  // character '\t' that cannot start any token"), so tabs are always written as \t.
  return value.includes('\t') || (value.includes('\n') && value.split('\n').some(line => / $/.test(line)));
}

const STR_TAG = 'tag:yaml.org,2002:str';

/** The schema's string tag, with strings needing quotes or escapes written by doubleQuoted. */
function strictStrings(tags: any[]): any[] {
  // Without the merge tag, which would write the string '<<' plain: 1.1 readers take it for a merge key.
  return tags.filter(tag => tag.tag !== 'tag:yaml.org,2002:merge').map(tag => {
    if (tag.tag !== STR_TAG || typeof tag.stringify !== 'function') { return tag; }
    const original = tag.stringify;
    return {
      ...tag,
      stringify(item: Scalar, ctx: any, onComment?: () => void, onChompKeep?: () => void): string {
        const value = item.value;
        // A CDK token (a value CloudFormation fills in, through Fn::Join) is always written in
        // double quotes: whatever the deployed name or ARN, it stays a string, and inside double
        // quotes only '"', '\\' and control characters need escapes, which such values never
        // hold (README, "CDK tokens"). The token's own text has none of them, so it stays intact.
        if (typeof value === 'string' && stringHasToken(value)) { return doubleQuoted(value); }
        if (typeof value === 'string' && (UNSAFE.test(value) || isAmbiguousYamlScalar(value) || blockUnsafe(value))) {
          return doubleQuoted(value);
        }
        return original.call(this, item, ctx, onComment, onChompKeep);
      },
    };
  });
}

/**
 * One line of a YAML comment: every line break of either YAML version (CR, LF, NEL, LS, PS)
 * and every other unsafe character written as an escape, so that a construct id or warning
 * cannot end the comment and add keys. (The `yaml` package's `commentBefore` prefixes `#` after
 * LF, CR, LS and PS, but not after NEL, which PyYAML reads as a line break.)
 */
export function yamlComment(text: string): string {
  return text.replace(/[\r\n]/g, escapeChar).replace(UNSAFE_ALL, escapeChar);
}

/**
 * A YAML document for `value` (plain JSON-like data), with optional header comment lines.
 * Every string is read back as exactly that string by YAML 1.1 and 1.2 readers.
 */
export function toYamlText(value: unknown, header: string[] = []): string {
  const doc = new Document(value, {
    version: '1.1',
    aliasDuplicateObjects: false,
    merge: false,
    customTags: strictStrings,
  });
  const body = doc.toString({ lineWidth: 0 });
  return `${header.map(line => `# ${yamlComment(line)}\n`).join('')}${body}`;
}
