/**
 * Enums and structs of the Vault agent's tuning knobs (vault-k8s annotations, hashicorp/vault-k8s
 * agent-inject/agent/annotations.go; the agent configuration reference,
 * developer.hashicorp.com/vault/docs/agent-and-proxy/agent).
 */

/** Log level of the agent (`VAULT_LOG_LEVEL`). */
export enum VaultLogLevel {
  /** trace */
  TRACE = 'trace',
  /** debug */
  DEBUG = 'debug',
  /** info (Vault's default) */
  INFO = 'info',
  /** warn */
  WARN = 'warn',
  /** error */
  ERROR = 'error',
}

/** Log format of the agent (`VAULT_LOG_FORMAT`). */
export enum VaultLogFormat {
  /** One JSON object per line. */
  JSON = 'json',
  /** Vault's plain text lines. */
  STANDARD = 'standard',
}

/** What a secret's default template writes when the secret has no template of its own. */
export enum VaultTemplateFormat {
  /** The secret's data as one JSON object: `{{ .Data | toJSON }}`. */
  JSON = 'json',
  /** One `key: value` line per key of the secret's data (vault-k8s's default, DefaultMapTemplate in agent-inject/agent/config.go). */
  MAP = 'map',
}

/** A feature of the agent that makes its own connections to Vault (disable_idle_connections, disable_keep_alives). */
export enum VaultAgentFeature {
  /** Logging in and renewing the token. */
  AUTO_AUTH = 'auto-auth',
  /** The caching API proxy. */
  CACHING = 'caching',
  /** Rendering templates. */
  TEMPLATING = 'templating',
  /** The API proxy. */
  PROXYING = 'proxying',
}

/**
 * The agent's telemetry stanza (the vault-k8s `agent-telemetry-<key>` annotations; the
 * telemetry parameters of developer.hashicorp.com/vault/docs/configuration/telemetry).
 * Metrics are pushed to statsd / statsite / dogstatsd, or kept for a Prometheus scrape of
 * the agent's listener (`/agent/v1/metrics`, which needs `cache` or `enableQuit` for a listener).
 */
export interface VaultTelemetry {
  /**
   * Keep Prometheus metrics this many seconds (`prometheus_retention_time`).
   * @default - no Prometheus metrics
   */
  readonly prometheusRetentionSeconds?: number;
  /**
   * statsd server, `host:port` (`statsd_address`).
   * @default - none
   */
  readonly statsdAddress?: string;
  /**
   * statsite server, `host:port` (`statsite_address`).
   * @default - none
   */
  readonly statsiteAddress?: string;
  /**
   * DogStatsD server, `host:port` (`dogstatsd_addr`).
   * @default - none
   */
  readonly dogstatsdAddress?: string;
  /**
   * Tags added to every DogStatsD metric, `key:value` (`dogstatsd_tags`).
   * @default - none
   */
  readonly dogstatsdTags?: string[];
  /**
   * Leave the host name out of metric names (`disable_hostname`).
   * @default false
   */
  readonly disableHostname?: boolean;
  /**
   * Add the host name as a label (`enable_hostname_label`).
   * @default false
   */
  readonly enableHostnameLabel?: boolean;
  /**
   * Metric name prefixes to allow (`+name`) or block (`-name`) (`prefix_filter`).
   * @default - none
   */
  readonly prefixFilter?: string[];
  /**
   * Whether metrics no prefix filter names are kept (`filter_default`).
   * @default true
   */
  readonly filterDefault?: boolean;
  /**
   * Interval of the usage gauges, in seconds (`usage_gauge_period`).
   * @default - Vault's (10 minutes)
   */
  readonly usageGaugePeriodSeconds?: number;
  /**
   * Most label values a gauge may have (`maximum_gauge_cardinality`).
   * @default - Vault's (500)
   */
  readonly maximumGaugeCardinality?: number;
  /**
   * Width of a lease-expiry bucket, in seconds (`lease_metrics_epsilon`).
   * @default - Vault's (1 hour)
   */
  readonly leaseMetricsEpsilonSeconds?: number;
  /**
   * Number of lease-expiry buckets (`num_lease_metrics_buckets`).
   * @default - Vault's (168)
   */
  readonly numLeaseMetricsBuckets?: number;
  /**
   * Add the namespace label to lease metrics (`add_lease_metrics_namespace_labels`).
   * @default false
   */
  readonly addLeaseMetricsNamespaceLabels?: boolean;
  /**
   * Google Cloud project of Stackdriver (Cloud Monitoring) metrics (`stackdriver_project_id`).
   * Circonus, whose API token would be written in clear into the configuration, is not offered.
   * @default - no Stackdriver metrics
   */
  readonly stackdriverProjectId?: string;
  /**
   * Region or zone of the Stackdriver metrics (`stackdriver_location`).
   * @default - none
   */
  readonly stackdriverLocation?: string;
  /**
   * Namespace of the Stackdriver metrics (`stackdriver_namespace`).
   * @default - none
   */
  readonly stackdriverNamespace?: string;
  /**
   * Log the Stackdriver client's requests (`stackdriver_debug_logs`).
   * @default false
   */
  readonly stackdriverDebugLogs?: boolean;
}
