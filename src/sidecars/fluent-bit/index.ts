// The public names of the Fluent Bit sidecar (helpers the modules share stay internal).
export { FluentBitConfigFormat, FluentBitHealthCheckOptions, FluentBitSidecar, FluentBitSidecarProps, FluentBitStorageOptions } from './sidecar';
export {
  FluentBitAzureBlobOptions, FluentBitAzureLogAnalyticsOptions, FluentBitCloudWatchLogsOptions, FluentBitDatadogOptions, FluentBitElasticsearchOptions,
  FluentBitForwardOptions, FluentBitHttpOptions, FluentBitKafkaOptions, FluentBitKinesisFirehoseOptions, FluentBitKinesisStreamsOptions, FluentBitLokiOptions,
  FluentBitOpenSearchOptions, FluentBitOpenTelemetryOptions, FluentBitOutput, FluentBitOutputOptions, FluentBitS3Options, FluentBitSplunkOptions, FluentBitStackdriverOptions, RetryLimit,
} from './outputs';
export {
  FluentBitFilter, FluentBitGrepFilterOptions, FluentBitKubernetesFilterOptions, FluentBitLuaFilterOptions, FluentBitModifyFilterOptions,
  FluentBitMultilineFilterOptions, FluentBitMultilineMode, FluentBitNestFilterOptions, FluentBitNestOperation, FluentBitParserFilterOptions,
  FluentBitRecordModifierFilterOptions, FluentBitRewriteTagFilterOptions, FluentBitRewriteTagRule, FluentBitThrottleFilterOptions,
} from './filters';
export { FluentBitDbSync, FluentBitTailOptions } from './inputs/tail';
export {
  FluentBitForwardInputOptions, FluentBitInput, FluentBitNetworkInputOptions, FluentBitOpenTelemetryInputOptions, FluentBitTcpInputOptions,
} from './inputs/network';
export {
  FluentBitJsonParserOptions, FluentBitMultilineParser, FluentBitMultilineRegexOptions, FluentBitMultilineRule, FluentBitParser, FluentBitRegexParserOptions,
} from './parsers';
