// The public names of the Fluent Bit sidecar (helpers the modules share stay internal).
export { FluentBitConfigFormat, FluentBitHealthCheckOptions, FluentBitSidecar, FluentBitSidecarProps, FluentBitStorageOptions } from './sidecar';
export { FluentBitOutput, FluentBitOutputOptions, RetryLimit } from './outputs';
export { FluentBitAzureBlobOptions, FluentBitAzureLogAnalyticsOptions, FluentBitCloudWatchLogsOptions, FluentBitDatadogOptions } from './outputs';
export { FluentBitElasticsearchOptions, FluentBitForwardOptions, FluentBitHttpOptions, FluentBitKafkaOptions } from './outputs';
export { FluentBitKinesisFirehoseOptions, FluentBitKinesisStreamsOptions, FluentBitLokiOptions, FluentBitOpenSearchOptions } from './outputs';
export { FluentBitOpenTelemetryOptions, FluentBitS3Options, FluentBitSplunkOptions, FluentBitStackdriverOptions } from './outputs';
export { FluentBitFilter, FluentBitGrepFilterOptions, FluentBitKubernetesFilterOptions, FluentBitLuaFilterOptions } from './filters';
export { FluentBitModifyFilterOptions, FluentBitMultilineFilterOptions, FluentBitMultilineMode, FluentBitNestFilterOptions } from './filters';
export { FluentBitNestOperation, FluentBitParserFilterOptions, FluentBitRecordModifierFilterOptions, FluentBitRewriteTagFilterOptions } from './filters';
export { FluentBitRewriteTagRule, FluentBitThrottleFilterOptions } from './filters';
export { FluentBitDbSync, FluentBitTailOptions } from './inputs/tail';
export { FluentBitForwardInputOptions, FluentBitInput, FluentBitNetworkInputOptions, FluentBitOpenTelemetryInputOptions, FluentBitTcpInputOptions } from './inputs/network';
export { FluentBitJsonParserOptions, FluentBitMultilineParser, FluentBitMultilineRegexOptions, FluentBitMultilineRule } from './parsers';
export { FluentBitParser, FluentBitRegexParserOptions } from './parsers';
