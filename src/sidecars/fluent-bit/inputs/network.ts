/**
 * Inputs that receive logs from the app over the pod's localhost, beside the tail input.
 *
 * Keys and defaults: fluent/fluent-bit-docs pipeline/inputs/forward.md (port 24224),
 * pipeline/inputs/opentelemetry.md (port 4318, tag_from_uri), pipeline/inputs/tcp.md (port 5170,
 * format json / none).
 */

/** Options common to the network inputs. */
export interface FluentBitNetworkInputOptions {
  /**
   * Tag of the records (`tag`).
   * @default - the plugin's: the sender's tag (forward), the input instance name (tcp, opentelemetry)
   */
  readonly tag?: string;
}

/** Options of the forward input. */
export interface FluentBitForwardInputOptions extends FluentBitNetworkInputOptions {
  /**
   * Port on the pod's localhost.
   * @default 24224
   */
  readonly port?: number;
}

/** Options of the OpenTelemetry input. */
export interface FluentBitOpenTelemetryInputOptions extends FluentBitNetworkInputOptions {
  /**
   * Port on the pod's localhost (OTLP/HTTP, and gRPC on the same port).
   * @default 4318
   */
  readonly port?: number;
}

/** Options of the TCP input. */
export interface FluentBitTcpInputOptions extends FluentBitNetworkInputOptions {
  /**
   * Port on the pod's localhost.
   * @default 5170
   */
  readonly port?: number;
  /**
   * Payload format (`format`): 'json' (JSON maps) or 'none' (one record per line).
   * @default 'json'
   */
  readonly format?: string;
}

/**
 * An input that the app sends its logs to over localhost (in addition to the tail input),
 * listening on 127.0.0.1 only.
 *
 * @see https://docs.fluentbit.io/manual/pipeline/inputs
 */
export class FluentBitInput {
  /** Forward protocol (Fluentd / Fluent Bit loggers, Docker's fluentd driver). */
  public static forward(options: FluentBitForwardInputOptions = {}): FluentBitInput {
    return new FluentBitInput('forward', options, options.port ?? 24224, {});
  }

  /** OTLP logs (`opentelemetry`). */
  public static openTelemetry(options: FluentBitOpenTelemetryInputOptions = {}): FluentBitInput {
    return new FluentBitInput('opentelemetry', options, options.port ?? 4318, {});
  }

  /** JSON or plain lines over TCP (`tcp`). */
  public static tcp(options: FluentBitTcpInputOptions = {}): FluentBitInput {
    return new FluentBitInput('tcp', options, options.port ?? 5170, { format: options.format ?? 'json' });
  }

  /** Plugin name. */
  public readonly plugin: string;
  /** Port it listens on. */
  public readonly port: number;

  private constructor(plugin: string, private readonly options: FluentBitNetworkInputOptions & { readonly port?: number }, port: number,
    private readonly settings: { [key: string]: string }) {
    this.plugin = plugin;
    this.port = port;
  }

  /** The settings (before the sidecar's buffer and storage settings). @internal */
  public _settings(): { [key: string]: string | number } {
    return {
      name: this.plugin,
      ...(this.options.tag !== undefined ? { tag: this.options.tag } : {}),
      listen: '127.0.0.1',
      port: this.port,
      ...this.settings,
    };
  }

  /** The options as given. @internal */
  public _given(): { [key: string]: unknown } {
    return { ...this.options };
  }
}

/** Types of each input's options, by plugin. */
export const INPUT_OPTION_TYPES: { [plugin: string]: { [key: string]: 'string' | 'port' } } = {
  forward: { tag: 'string', port: 'port' },
  opentelemetry: { tag: 'string', port: 'port' },
  tcp: { tag: 'string', port: 'port', format: 'string' },
};

/** The option each input key comes from (for errors). */
export const INPUT_FIELDS: { [key: string]: string } = { tag: 'tag', port: 'port', format: 'format', listen: 'port' };
