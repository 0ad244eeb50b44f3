import { mapEntries, onOff } from './common';
import { FluentBitMultilineParser, FluentBitParser, KUBE_TAG_PARSER } from './parsers';
import { modifyRule, slistTokens } from '../../core/escape-fluent-bit';
import { PropTypes } from '../../core/prop-types';

/** Options of the kubernetes filter. */
export interface FluentBitKubernetesFilterOptions {
  /**
   * Parse the `log` field as JSON and merge it into the record.
   * @default true
   */
  readonly mergeLog?: boolean;
  /**
   * Keep the original `log` field after merging.
   * @default false
   */
  readonly keepLog?: boolean;
  /**
   * Add the pod's labels.
   * @default true
   */
  readonly labels?: boolean;
  /**
   * Add the pod's annotations.
   * @default false
   */
  readonly annotations?: boolean;
  /**
   * Let pods name a parser for their logs with the `fluentbit.io/parser` annotation
   * (`k8s-logging.parser`).
   * @default false
   */
  readonly allowPodParser?: boolean;
  /**
   * Let pods exclude their logs with the `fluentbit.io/exclude` annotation (`k8s-logging.exclude`).
   * @default false
   */
  readonly allowPodExclude?: boolean;
  /**
   * Put the fields merged from the log under this key (`merge_log_key`).
   * @default - at the top level of the record
   */
  readonly mergeLogKey?: string;
}

/** Options of the modify filter. */
export interface FluentBitModifyFilterOptions {
  /**
   * Tag pattern.
   * @default '*'
   */
  readonly match?: string;
  /**
   * Keys to add (when missing).
   * @default - none
   */
  readonly add?: { [key: string]: string };
  /**
   * Keys to remove.
   * @default - none
   */
  readonly remove?: string[];
  /**
   * Keys to rename (old -> new).
   * @default - none
   */
  readonly rename?: { [key: string]: string };
}

/** Options of the grep filter. */
export interface FluentBitGrepFilterOptions {
  /**
   * Tag pattern.
   * @default '*'
   */
  readonly match?: string;
  /**
   * Keep only records whose key matches the regular expression.
   * @default - none
   */
  readonly regex?: { [key: string]: string };
  /**
   * Drop records whose key matches the regular expression.
   * @default - none
   */
  readonly exclude?: { [key: string]: string };
}

/** Options of the parser filter. */
export interface FluentBitParserFilterOptions {
  /**
   * Tag pattern.
   * @default '*'
   */
  readonly match?: string;
  /** Record key to parse (`key_name`), e.g. 'log'. */
  readonly keyName: string;
  /** Parsers tried in order (`parser`, one line each). */
  readonly parsers: FluentBitParser[];
  /**
   * Keep the other keys of the record (`reserve_data`).
   * @default false
   */
  readonly reserveData?: boolean;
  /**
   * Keep the parsed key (`preserve_key`).
   * @default false
   */
  readonly preserveKey?: boolean;
}

/** Mode of the multiline filter. */
export enum FluentBitMultilineMode {
  /** Join lines with multiline parsers (`parser`). */
  PARSER = 'parser',
  /** Join the partial messages the runtime split (Docker, FireLens: `partial_message`). */
  PARTIAL_MESSAGE = 'partial_message',
}

/** Options of the multiline filter. */
export interface FluentBitMultilineFilterOptions {
  /**
   * Tag pattern.
   * @default '*'
   */
  readonly match?: string;
  /**
   * Mode (`mode`).
   * @default FluentBitMultilineMode.PARSER
   */
  readonly mode?: FluentBitMultilineMode;
  /**
   * Multiline parsers (`multiline.parser`); required in PARSER mode.
   * @default - none
   */
  readonly parsers?: FluentBitMultilineParser[];
  /**
   * Key holding the text to join (`multiline.key_content`).
   * @default 'log'
   */
  readonly keyContent?: string;
  /**
   * Milliseconds before a pending record is flushed (`flush_ms`).
   * @default 2000
   */
  readonly flushMillis?: number;
}

/** Options of the record_modifier filter. */
export interface FluentBitRecordModifierFilterOptions {
  /**
   * Tag pattern.
   * @default '*'
   */
  readonly match?: string;
  /**
   * Keys to append with their values (`record`).
   * @default - none
   */
  readonly records?: { [key: string]: string };
  /**
   * Keys to remove (`remove_key`).
   * @default - none
   */
  readonly removeKeys?: string[];
  /**
   * Keys to keep, removing every other (`allowlist_key`).
   * @default - none
   */
  readonly allowlistKeys?: string[];
}

/** Operation of the nest filter. */
export enum FluentBitNestOperation {
  /** Move keys matching the wildcards under one key (`nest`). */
  NEST = 'nest',
  /** Move the keys of a map up to the record (`lift`). */
  LIFT = 'lift',
}

/** Options of the nest filter. */
export interface FluentBitNestFilterOptions {
  /**
   * Tag pattern.
   * @default '*'
   */
  readonly match?: string;
  /** Operation. */
  readonly operation: FluentBitNestOperation;
  /**
   * Key patterns to nest (`wildcard`), with NEST.
   * @default - none
   */
  readonly wildcards?: string[];
  /**
   * Key to nest under (`nest_under`), with NEST.
   * @default - none
   */
  readonly nestUnder?: string;
  /**
   * Key to lift (`nested_under`), with LIFT.
   * @default - none
   */
  readonly nestedUnder?: string;
  /**
   * Prefix added to the moved keys (`add_prefix`).
   * @default - none
   */
  readonly addPrefix?: string;
  /**
   * Prefix removed from the moved keys (`remove_prefix`).
   * @default - none
   */
  readonly removePrefix?: string;
}

/** Options of the throttle filter. */
export interface FluentBitThrottleFilterOptions {
  /**
   * Tag pattern.
   * @default '*'
   */
  readonly match?: string;
  /** Records allowed per interval, on average (`rate`). */
  readonly rate: number;
  /**
   * Intervals averaged over (`window`).
   * @default 5
   */
  readonly window?: number;
  /**
   * Interval in seconds (`interval`).
   * @default 1
   */
  readonly intervalSeconds?: number;
}

/** A rule of the rewrite_tag filter. */
export interface FluentBitRewriteTagRule {
  /** Record key or record accessor, e.g. '$level'. */
  readonly key: string;
  /** Regular expression matched on its value (no whitespace). */
  readonly regex: string;
  /** New tag (may use $0..$9 and $TAG), e.g. 'errors.$TAG'. */
  readonly newTag: string;
  /**
   * Keep the original record too.
   * @default false
   */
  readonly keep?: boolean;
}

/** Options of the rewrite_tag filter. */
export interface FluentBitRewriteTagFilterOptions {
  /**
   * Tag pattern.
   * @default '*'
   */
  readonly match?: string;
  /** Rules (`rule`). */
  readonly rules: FluentBitRewriteTagRule[];
}

/** Options of the lua filter with inline code. */
export interface FluentBitLuaFilterOptions {
  /**
   * Tag pattern.
   * @default '*'
   */
  readonly match?: string;
  /**
   * Lua code on one line (`code`), defining the function `call`. Give `code` or `script`.
   * @default - none
   */
  readonly code?: string;
  /**
   * A Lua script of any length, written by the library into the generated configuration's
   * directory (`script`). Give `code` or `script`.
   * @default - none
   */
  readonly script?: string;
  /** Function called per record (`call`). */
  readonly call: string;
}

/** A filter of the pipeline. */
export class FluentBitFilter {
  /**
   * Kubernetes metadata of the pod (needs read access to pods: the library makes a Role
   * and RoleBinding unless `createRbac` is false). Kubernetes only.
   */
  public static kubernetes(options: FluentBitKubernetesFilterOptions = {}): FluentBitFilter {
    return new FluentBitFilter('kubernetes', options, [{
      name: 'kubernetes',
      match: 'kube.*',
      kube_tag_prefix: 'kube.',
      regex_parser: KUBE_TAG_PARSER,
      merge_log: onOff(options.mergeLog ?? true),
      keep_log: onOff(options.keepLog ?? false),
      labels: onOff(options.labels ?? true),
      annotations: onOff(options.annotations ?? false),
      ...opt('k8s-logging.parser', options.allowPodParser, onOff),
      ...opt('k8s-logging.exclude', options.allowPodExclude, onOff),
      ...opt('merge_log_key', options.mergeLogKey, String),
    }]);
  }

  /** Adds, removes or renames keys (`modify`). */
  public static modify(options: FluentBitModifyFilterOptions): FluentBitFilter {
    // Options of the wrong runtime type are kept as given and named by the sidecar's type check.
    const rules: FilterRule[] = [
      ...mapEntries(options.add).map(([k, v]): FilterRule => ({ rule: 'add', tokens: [k, v] })),
      ...(Array.isArray(options.remove) ? options.remove : []).map((k, j): FilterRule => ({ rule: 'remove', tokens: [k], index: j })),
      ...mapEntries(options.rename).map(([k, v]): FilterRule => ({ rule: 'rename', tokens: [k, v] })),
    ];
    return new FluentBitFilter('modify', options, [{ name: 'modify', match: options.match ?? '*' }], rules, options.match);
  }

  /** Keeps or drops records by regular expressions (`grep`). */
  public static grep(options: FluentBitGrepFilterOptions): FluentBitFilter {
    const rules: FilterRule[] = [
      ...mapEntries(options.regex).map(([k, v]): FilterRule => ({ rule: 'regex', tokens: [k, v] })),
      ...mapEntries(options.exclude).map(([k, v]): FilterRule => ({ rule: 'exclude', tokens: [k, v] })),
    ];
    return new FluentBitFilter('grep', options, [{ name: 'grep', match: options.match ?? '*' }], rules, options.match);
  }

  /** Parses a record key with parsers (`parser`). */
  public static parser(options: FluentBitParserFilterOptions): FluentBitFilter {
    const parsers = Array.isArray(options.parsers) ? options.parsers : [];
    return new FluentBitFilter('parser', options, [{
      name: 'parser',
      match: options.match ?? '*',
      key_name: options.keyName,
      ...opt('reserve_data', options.reserveData, onOff),
      ...opt('preserve_key', options.preserveKey, onOff),
    }], parsers.map((x, j): FilterRule => ({ rule: 'parser', tokens: [x instanceof FluentBitParser ? x.name : String(x)], index: j, field: 'parsers' })),
    options.match, parsers, []);
  }

  /** Joins multi-line records (stack traces, split messages) (`multiline`). */
  public static multiline(options: FluentBitMultilineFilterOptions): FluentBitFilter {
    const parsers = Array.isArray(options.parsers) ? options.parsers : [];
    return new FluentBitFilter('multiline', options, [{
      name: 'multiline',
      match: options.match ?? '*',
      mode: options.mode ?? FluentBitMultilineMode.PARSER,
      ...opt('multiline.parser', parsers.length ? parsers : undefined, x => x.map(m => m.name).join(', ')),
      ...opt('multiline.key_content', options.keyContent, String),
      ...opt('flush_ms', options.flushMillis, String),
    }], [], options.match, [], parsers);
  }

  /** Appends, removes or keeps keys (`record_modifier`). */
  public static recordModifier(options: FluentBitRecordModifierFilterOptions): FluentBitFilter {
    const rules: FilterRule[] = [
      ...mapEntries(options.records).map(([k, v]): FilterRule => ({ rule: 'record', tokens: [k, v], field: 'records' })),
      ...(Array.isArray(options.removeKeys) ? options.removeKeys : []).map((k, j): FilterRule => ({ rule: 'remove_key', tokens: [k], index: j, field: 'removeKeys' })),
      ...(Array.isArray(options.allowlistKeys) ? options.allowlistKeys : []).map((k, j): FilterRule => ({ rule: 'allowlist_key', tokens: [k], index: j, field: 'allowlistKeys' })),
    ];
    return new FluentBitFilter('record_modifier', options, [{ name: 'record_modifier', match: options.match ?? '*' }], rules, options.match);
  }

  /** Nests keys under one key, or lifts a map's keys (`nest`). */
  public static nest(options: FluentBitNestFilterOptions): FluentBitFilter {
    return new FluentBitFilter('nest', options, [{
      name: 'nest',
      match: options.match ?? '*',
      operation: options.operation,
      ...opt('nest_under', options.nestUnder, String),
      ...opt('nested_under', options.nestedUnder, String),
      ...opt('add_prefix', options.addPrefix, String),
      ...opt('remove_prefix', options.removePrefix, String),
    }], (Array.isArray(options.wildcards) ? options.wildcards : []).map((k, j): FilterRule => ({ rule: 'wildcard', tokens: [k], index: j, field: 'wildcards' })),
    options.match);
  }

  /** Limits the record rate (`throttle`). */
  public static throttle(options: FluentBitThrottleFilterOptions): FluentBitFilter {
    return new FluentBitFilter('throttle', options, [{
      name: 'throttle',
      match: options.match ?? '*',
      rate: String(options.rate),
      window: String(options.window ?? 5),
      interval: `${options.intervalSeconds ?? 1}s`,
    }], [], options.match);
  }

  /** Re-emits matching records under a new tag (`rewrite_tag`). */
  public static rewriteTag(options: FluentBitRewriteTagFilterOptions): FluentBitFilter {
    const rules = (Array.isArray(options.rules) ? options.rules : []).map((r, j): FilterRule => ({
      rule: 'rule', tokens: [r?.key, r?.regex, r?.newTag, r?.keep ? 'true' : 'false'], index: j, field: 'rules',
    }));
    return new FluentBitFilter('rewrite_tag', options, [{ name: 'rewrite_tag', match: options.match ?? '*' }], rules, options.match);
  }

  /** Runs inline Lua code on each record (`lua` with `code`). */
  public static lua(options: FluentBitLuaFilterOptions): FluentBitFilter {
    return new FluentBitFilter('lua', options, [{ name: 'lua', match: options.match ?? '*', ...opt('code', options.code, String), call: options.call }], [], options.match);
  }

  /** Plugin name. */
  public readonly plugin: string;

  private constructor(
    plugin: string,
    private readonly given: object,
    private readonly sections: Array<{ [key: string]: string }>,
    private readonly rules: FilterRule[] = [],
    private readonly match?: string,
    private readonly parsers: FluentBitParser[] = [],
    private readonly multilineParsers: FluentBitMultilineParser[] = [],
  ) {
    this.plugin = plugin;
  }

  /** Settings, and repeated rules (key, value, the option it comes from). @internal */
  public _render(): { settings: { [key: string]: string }; rules: Array<[string, string, string]> } {
    return {
      settings: this.sections[0],
      rules: this.rules.map(r => [r.rule, this.plugin === 'modify' ? modifyRule(r.tokens)
        // record_modifier's `record` is a config map SLIST_2 (plugins/filter_record_modifier/filter_modifier.c): quoted tokens
        : this.plugin === 'record_modifier' && r.rule === 'record' ? slistTokens(r.tokens) : r.tokens.join(' '), ruleField(r)]),
    };
  }

  /** The options as the user gave them, for the sidecar's runtime type check. @internal */
  public _given(): object {
    return this.given;
  }

  /** The rules as given. @internal */
  public _rules(): Array<{ readonly rule: string; readonly tokens: string[]; readonly index?: number; readonly field?: string }> {
    return this.rules;
  }

  /** The parsers it names (their definitions are written by the sidecar). @internal */
  public _parsers(): FluentBitParser[] {
    return this.parsers;
  }

  /** The multiline parsers it names. @internal */
  public _multilineParsers(): FluentBitMultilineParser[] {
    return this.multilineParsers;
  }

  /** The match pattern as given. @internal */
  public _match(): string | undefined {
    return this.match;
  }
}

/** A rule of a modify or grep filter, as the user gave it. */
interface FilterRule {
  /** add, remove, rename, regex, exclude. */
  readonly rule: string;
  /** The record key, then the value, new name or regex. */
  readonly tokens: string[];
  /** The position in `remove`. */
  readonly index?: number;
  /** The option it comes from, when not `rule`. */
  readonly field?: string;
}

/** `{ key: f(value) }`, or nothing when value is undefined. */
function opt<T>(key: string, value: T | undefined, f: (v: T) => string): { [key: string]: string } {
  return value === undefined ? {} : { [key]: f(value) };
}

/** The option a rule's value comes from, relative to the filter: `add["env"]`, `remove[0]`. */
function ruleField(r: FilterRule): string {
  const name = r.field ?? r.rule;
  return r.index !== undefined ? `${name}[${r.index}]` : `${name}[${JSON.stringify(r.tokens[0])}]`;
}

/** Types of the options of each filter factory, by plugin. */
export const FILTER_OPTION_TYPES: { [plugin: string]: PropTypes } = {
  kubernetes: { mergeLog: 'boolean', keepLog: 'boolean', labels: 'boolean', annotations: 'boolean', allowPodParser: 'boolean', allowPodExclude: 'boolean', mergeLogKey: 'string' },
  modify: { match: 'string', add: 'stringMap', remove: 'stringArray', rename: 'stringMap' },
  grep: { match: 'string', regex: 'stringMap', exclude: 'stringMap' },
  parser: { match: 'string', keyName: 'string', parsers: 'objectArray', reserveData: 'boolean', preserveKey: 'boolean' },
  multiline: { match: 'string', mode: { enum: FluentBitMultilineMode }, parsers: 'objectArray', keyContent: 'string', flushMillis: 'count' },
  record_modifier: { match: 'string', records: 'stringMap', removeKeys: 'stringArray', allowlistKeys: 'stringArray' },
  nest: {
    match: 'string',
    operation: { enum: FluentBitNestOperation },
    wildcards: 'stringArray',
    nestUnder: 'string',
    nestedUnder: 'string',
    addPrefix: 'string',
    removePrefix: 'string',
  },
  throttle: { match: 'string', rate: 'count', window: 'count', intervalSeconds: 'count' },
  rewrite_tag: { match: 'string', rules: { each: { key: 'string', regex: 'string', newTag: 'string', keep: 'boolean' }, required: ['key', 'regex', 'newTag'] } },
  lua: { match: 'string', code: 'string', script: 'string', call: 'string' },
};
/** Options each filter factory requires. */
export const FILTER_REQUIRED: { [plugin: string]: string[] } = {
  parser: ['keyName', 'parsers'], nest: ['operation'], throttle: ['rate'], rewrite_tag: ['rules'], lua: ['call'],
};
