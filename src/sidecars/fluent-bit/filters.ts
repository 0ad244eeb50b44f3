import { mapEntries, onOff } from './common';
import { KUBE_TAG_PARSER } from './parsers';
import { modifyRule } from '../../core/escape-fluent-bit';
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

  /** Plugin name. */
  public readonly plugin: string;

  private constructor(
    plugin: string,
    private readonly given: object,
    private readonly sections: Array<{ [key: string]: string }>,
    private readonly rules: FilterRule[] = [],
    private readonly match?: string,
  ) {
    this.plugin = plugin;
  }

  /** Settings, and repeated rules (key, value, the option it comes from). @internal */
  public _render(): { settings: { [key: string]: string }; rules: Array<[string, string, string]> } {
    return {
      settings: this.sections[0],
      rules: this.rules.map(r => [r.rule, this.plugin === 'modify' ? modifyRule(r.tokens) : r.tokens.join(' '), ruleField(r)]),
    };
  }

  /** The options as the user gave them, for the sidecar's runtime type check. @internal */
  public _given(): object {
    return this.given;
  }

  /** The rules as given. @internal */
  public _rules(): Array<{ readonly rule: string; readonly tokens: string[]; readonly index?: number }> {
    return this.rules;
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
}

/** The option a rule's value comes from, relative to the filter: `add["env"]`, `remove[0]`. */
function ruleField(r: FilterRule): string {
  return r.index !== undefined ? `${r.rule}[${r.index}]` : `${r.rule}[${JSON.stringify(r.tokens[0])}]`;
}

/** Types of the options of each filter factory, by plugin. */
export const FILTER_OPTION_TYPES: { [plugin: string]: PropTypes } = {
  kubernetes: { mergeLog: 'boolean', keepLog: 'boolean', labels: 'boolean', annotations: 'boolean' },
  modify: { match: 'string', add: 'stringMap', remove: 'stringArray', rename: 'stringMap' },
  grep: { match: 'string', regex: 'stringMap', exclude: 'stringMap' },
};
