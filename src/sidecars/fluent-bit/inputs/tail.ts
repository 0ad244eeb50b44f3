/**
 * The tail input: the app's log files on the shared volume.
 *
 * Keys and defaults: fluent/fluent-bit-docs pipeline/inputs/tail.md ("Configuration parameters").
 */
import { onOff, STATE_DIR } from '../common';
import { FluentBitMultilineParser, FluentBitParser } from '../parsers';

/** How SQLite syncs the offsets database (`db.sync`). */
export enum FluentBitDbSync {
  /** `extra`. */
  EXTRA = 'extra',
  /** `full`: sync after every write (slow). */
  FULL = 'full',
  /** `normal` (Fluent Bit's default). */
  NORMAL = 'normal',
  /** `off`. */
  OFF = 'off',
}

/** Tuning of the tail input. */
export interface FluentBitTailOptions {
  /**
   * File patterns (shell globs) not to read (`exclude_path`), e.g. ['*.gz', '*.zip'].
   * @default - none
   */
  readonly excludePaths?: string[];
  /**
   * Tag of the records (`tag`). With `tagRegex`, `<name>` parts are filled from the file name.
   * @default 'app', or 'kube.${POD_NAMESPACE}.${POD_NAME}.app' with the kubernetes filter
   */
  readonly tag?: string;
  /**
   * Regular expression with named groups matched on the file name, for `<name>` parts of
   * `tag` (`tag_regex`).
   * @default - none
   */
  readonly tagRegex?: string;
  /**
   * SQLite sync mode of the offsets database (`db.sync`).
   * @default FluentBitDbSync.NORMAL
   */
  readonly dbSync?: FluentBitDbSync;
  /**
   * Lock the offsets database for Fluent Bit alone (`db.locking`).
   * @default false
   */
  readonly dbLocking?: boolean;
  /**
   * SQLite journal mode (`db.journal_mode`): WAL, DELETE, TRUNCATE, PERSIST, MEMORY or OFF.
   * @default 'WAL'
   */
  readonly dbJournalMode?: string;
  /**
   * Match stored offsets by inode and file name (`db.compare_filename`).
   * @default false
   */
  readonly dbCompareFilename?: boolean;
  /**
   * Initial read buffer per file, in KiB (`buffer_chunk_size`).
   * @default 32
   */
  readonly bufferChunkSizeKibibytes?: number;
  /**
   * Largest buffer per file, in KiB (`buffer_max_size`): a longer line is skipped
   * (skipLongLines) or stops the file.
   * @default 32
   */
  readonly bufferMaxSizeKibibytes?: number;
  /**
   * Drop empty lines (`skip_empty_lines`).
   * @default false
   */
  readonly skipEmptyLines?: boolean;
  /**
   * Seconds between rescans of the path for new files (`refresh_interval`).
   * @default 5
   */
  readonly refreshIntervalSeconds?: number;
  /**
   * Seconds a rotated file keeps being read (`rotate_wait`).
   * @default 5
   */
  readonly rotateWaitSeconds?: number;
  /**
   * Read files found at start from their beginning (`read_from_head`).
   * @default false
   */
  readonly readFromHead?: boolean;
  /**
   * Ignore files last modified longer ago than this, in minutes (`ignore_older`).
   * @default - read all
   */
  readonly ignoreOlderMinutes?: number;
  /**
   * Multiline parsers joining the lines of one record, tried in order (`multiline.parser`).
   * @default - none
   */
  readonly multilineParsers?: FluentBitMultilineParser[];
  /**
   * Parser of each line (`parser`), e.g. FluentBitParser.json().
   * @default - none: the line is kept under `key`
   */
  readonly parser?: FluentBitParser;
  /**
   * Key of the unparsed line (`key`).
   * @default 'log'
   */
  readonly key?: string;
  /**
   * Add the file name under this key (`path_key`).
   * @default - not added
   */
  readonly pathKey?: string;
  /**
   * Add the file offset under this key (`offset_key`).
   * @default - not added
   */
  readonly offsetKey?: string;
  /**
   * Run the input in its own thread (`threaded`).
   * @default false
   */
  readonly threaded?: boolean;
}

/** What the tail input is made from. */
export interface TailSource {
  /** The kubernetes filter is on: the tag carries the pod's identity. */
  readonly kubeTag: boolean;
  readonly logDirectory: string;
  readonly logFiles: string;
  readonly memBufLimitMebibytes: number;
  readonly skipLongLines: boolean;
  readonly options: FluentBitTailOptions;
  /** Filesystem buffering is on (`storage.type filesystem`). */
  readonly storage?: { readonly pauseOnChunksOverlimit?: boolean };
}

/** The option each tail key comes from (for errors). */
export const TAIL_FIELDS: { [key: string]: string } = {
  'path': 'logDirectory',
  'mem_buf_limit': 'memBufLimitMebibytes',
  'skip_long_lines': 'skipLongLines',
  'exclude_path': 'tail.excludePaths',
  'tag': 'tail.tag',
  'tag_regex': 'tail.tagRegex',
  'db.sync': 'tail.dbSync',
  'db.locking': 'tail.dbLocking',
  'db.journal_mode': 'tail.dbJournalMode',
  'db.compare_filename': 'tail.dbCompareFilename',
  'buffer_chunk_size': 'tail.bufferChunkSizeKibibytes',
  'buffer_max_size': 'tail.bufferMaxSizeKibibytes',
  'skip_empty_lines': 'tail.skipEmptyLines',
  'refresh_interval': 'tail.refreshIntervalSeconds',
  'rotate_wait': 'tail.rotateWaitSeconds',
  'read_from_head': 'tail.readFromHead',
  'ignore_older': 'tail.ignoreOlderMinutes',
  'multiline.parser': 'tail.multilineParsers',
  'parser': 'tail.parser',
  'key': 'tail.key',
  'path_key': 'tail.pathKey',
  'offset_key': 'tail.offsetKey',
  'threaded': 'tail.threaded',
  'storage.type': 'storage',
  'storage.pause_on_chunks_overlimit': 'storage.pauseOnChunksOverlimit',
};

/** The tail input's settings. */
export function tailInput(s: TailSource): { [key: string]: string | number } {
  const o = s.options;
  const set = <T>(v: T | undefined, f: (x: T) => string | number) => (v === undefined ? undefined : f(v));
  const out: { [key: string]: string | number | undefined } = {
    'name': 'tail',
    // With the kubernetes filter the tag carries the pod's identity (from env), parsed by our parser.
    'tag': o.tag ?? (s.kubeTag ? 'kube.${POD_NAMESPACE}.${POD_NAME}.app' : 'app'),
    'tag_regex': o.tagRegex,
    'path': `${s.logDirectory}/${s.logFiles}`,
    'exclude_path': set(o.excludePaths, x => x.join(',')),
    'db': `${STATE_DIR}/tail.db`,
    'db.sync': o.dbSync,
    'db.locking': set(o.dbLocking, onOff),
    'db.journal_mode': o.dbJournalMode,
    'db.compare_filename': set(o.dbCompareFilename, onOff),
    'mem_buf_limit': `${s.memBufLimitMebibytes}MB`,
    'buffer_chunk_size': set(o.bufferChunkSizeKibibytes, x => `${x}k`),
    'buffer_max_size': set(o.bufferMaxSizeKibibytes, x => `${x}k`),
    'skip_long_lines': onOff(s.skipLongLines),
    'skip_empty_lines': set(o.skipEmptyLines, onOff),
    'refresh_interval': o.refreshIntervalSeconds ?? 5,
    'rotate_wait': o.rotateWaitSeconds,
    'read_from_head': set(o.readFromHead, onOff),
    'ignore_older': set(o.ignoreOlderMinutes, x => `${x}m`),
    'multiline.parser': set(o.multilineParsers, x => x.map(m => m.name).join(', ')),
    'parser': o.parser?.name,
    'key': o.key,
    'path_key': o.pathKey,
    'offset_key': o.offsetKey,
    'threaded': set(o.threaded, onOff),
    ...(s.storage ? {
      'storage.type': 'filesystem',
      'storage.pause_on_chunks_overlimit': set(s.storage.pauseOnChunksOverlimit, onOff),
    } : {}),
  };
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined)) as { [key: string]: string | number };
}
