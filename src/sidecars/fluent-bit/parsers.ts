/**
 * Parsers of the generated configuration: `[PARSER]` / `parsers:` definitions and multiline
 * parsers (built-in ones by name, custom ones as `[MULTILINE_PARSER]` / `multiline_parsers:`).
 *
 * Upstream: fluent/fluent-bit-docs pipeline/parsers/multiline-parsing.md (built-in parsers
 * docker, cri, go, python, java, ruby; custom parser keys), administration/configuring-fluent-bit/
 * yaml/multiline-parsers-section.md (YAML `rules:` with state, regex, next_state) and
 * fluent/fluent-bit src/flb_parser.c (multiline_load_regex_rules: classic `rule` lines split by
 * flb_slist_split_tokens into from_state, regex, next state; flb_ml_parser_init maps the states).
 */

export const KUBE_TAG_PARSER = 'cdk_sidecars_kube_tag';

/** The parser that reads the pod's namespace, name and container from the kubernetes tag. */
export function kubeTagParser(): { [key: string]: string } {
  return { name: KUBE_TAG_PARSER, format: 'regex', regex: '^(?<namespace_name>[^.]+)\\.(?<pod_name>[^.]+)\\.(?<container_name>.+)$' };
}

/** Options of a JSON parser. */
export interface FluentBitJsonParserOptions {
  /**
   * Parser name.
   * @default 'json'
   */
  readonly name?: string;
  /**
   * Key holding the record's time (`time_key`).
   * @default - the time the line was read
   */
  readonly timeKey?: string;
  /**
   * strptime format of the time (`time_format`), e.g. '%Y-%m-%dT%H:%M:%S.%L%z'.
   * @default - none
   */
  readonly timeFormat?: string;
  /**
   * Keep the time key in the record (`time_keep`).
   * @default false
   */
  readonly timeKeep?: boolean;
}

/** Options of a regular expression parser. */
export interface FluentBitRegexParserOptions extends FluentBitJsonParserOptions {
  /** Onigmo (Ruby) regular expression with named groups, e.g. '^(?<time>[^ ]+) (?<level>[A-Z]+) (?<message>.*)$'. */
  readonly regex: string;
}

/**
 * A parser (`[PARSER]` / `parsers:`), usable by the tail input (`tail.parser`) and the parser
 * filter. The library writes its definition into the generated configuration.
 *
 * @see https://docs.fluentbit.io/manual/pipeline/parsers/configuring-parser
 */
export class FluentBitParser {
  /** JSON lines (`format json`). */
  public static json(options: FluentBitJsonParserOptions = {}): FluentBitParser {
    return new FluentBitParser(options.name ?? 'json', 'json', options);
  }

  /** logfmt lines (`format logfmt`). */
  public static logfmt(options: FluentBitJsonParserOptions = {}): FluentBitParser {
    return new FluentBitParser(options.name ?? 'logfmt', 'logfmt', options);
  }

  /** Lines matched by a regular expression with named groups (`format regex`). */
  public static regex(options: FluentBitRegexParserOptions): FluentBitParser {
    return new FluentBitParser(options.name ?? 'regex', 'regex', options);
  }

  /** Parser name. */
  public readonly name: string;

  private constructor(name: string, private readonly format: string,
    private readonly options: FluentBitJsonParserOptions & { readonly regex?: string }) {
    this.name = name;
  }

  /** The definition (key, value, option it comes from). @internal */
  public _definition(): Array<[string, string, string]> {
    const o = this.options;
    const out: Array<[string, string, string]> = [['name', this.name, 'name'], ['format', this.format, 'format']];
    if (o.regex !== undefined) { out.push(['regex', o.regex, 'regex']); }
    if (o.timeKey !== undefined) { out.push(['time_key', o.timeKey, 'timeKey']); }
    if (o.timeFormat !== undefined) { out.push(['time_format', o.timeFormat, 'timeFormat']); }
    if (o.timeKeep !== undefined) { out.push(['time_keep', o.timeKeep ? 'on' : 'off', 'timeKeep']); }
    return out;
  }

  /** The options as given. @internal */
  public _given(): { [key: string]: unknown } {
    return { ...this.options };
  }
}

/** A rule of a custom multiline parser: in state `state`, a line matching `regex` moves to `nextState`. */
export interface FluentBitMultilineRule {
  /** State name; the first rule's must be 'start_state'. */
  readonly state: string;
  /** Onigmo (Ruby) regular expression, optionally written '/.../'. */
  readonly regex: string;
  /** The state the next line is matched in. */
  readonly nextState: string;
}

/** A custom multiline parser of type regex. */
export interface FluentBitMultilineRegexOptions {
  /** Unique name, e.g. 'multiline_java_app'. */
  readonly name: string;
  /** Rules; the first has state 'start_state'. */
  readonly rules: FluentBitMultilineRule[];
  /**
   * Milliseconds after which an unfinished multiline record is flushed (`flush_timeout`).
   * @default 4000 (Fluent Bit's default)
   */
  readonly flushTimeoutMillis?: number;
  /**
   * Key of a structured record holding the text to match and join (`key_content`).
   * @default - the raw line
   */
  readonly keyContent?: string;
  /**
   * Name of a parser applied before the rules (`parser`).
   * @default - none
   */
  readonly parser?: string;
}

/**
 * A multiline parser: one of Fluent Bit's built-in ones, or a custom regex state machine (the
 * library writes its `[MULTILINE_PARSER]` / `multiline_parsers:` definition).
 *
 * @see https://docs.fluentbit.io/manual/pipeline/parsers/multiline-parsing
 */
export class FluentBitMultilineParser {
  /** Docker JSON logs, joining lines Docker split (`docker`). */
  public static docker(): FluentBitMultilineParser { return new FluentBitMultilineParser('docker'); }
  /** CRI (containerd, CRI-O) logs, joining partial lines (`cri`). */
  public static cri(): FluentBitMultilineParser { return new FluentBitMultilineParser('cri'); }
  /** Go panics and stack traces (`go`). */
  public static go(): FluentBitMultilineParser { return new FluentBitMultilineParser('go'); }
  /** Python tracebacks (`python`). */
  public static python(): FluentBitMultilineParser { return new FluentBitMultilineParser('python'); }
  /** Java stack traces (`java`). */
  public static java(): FluentBitMultilineParser { return new FluentBitMultilineParser('java'); }
  /** Ruby backtraces (`ruby`). */
  public static ruby(): FluentBitMultilineParser { return new FluentBitMultilineParser('ruby'); }

  /** A custom parser of type regex, defined in the generated configuration. */
  public static regex(options: FluentBitMultilineRegexOptions): FluentBitMultilineParser {
    return new FluentBitMultilineParser(options.name, options);
  }

  /** Parser name. */
  public readonly name: string;

  private constructor(name: string, private readonly custom?: FluentBitMultilineRegexOptions) {
    this.name = name;
  }

  /** The custom definition, undefined for a built-in parser. @internal */
  public _custom(): FluentBitMultilineRegexOptions | undefined {
    return this.custom;
  }
}

/** The built-in multiline parsers (fluent/fluent-bit src/multiline/flb_ml_parser_*.c). */
export const BUILT_IN_MULTILINE = ['docker', 'cri', 'go', 'python', 'java', 'ruby'];
