/**
 * The commands a POSIX shell script runs, read well enough to check them against the
 * binaries an image ships. It is meant for the short scripts the library writes
 * (`until …; do sleep 1; done`, `a && b`, `exec 3<>/dev/tcp/…`), not as a shell parser:
 * anything it cannot read (here-documents, `case`, functions, `eval`) is reported as
 * unreadable, so a caller can refuse rather than pass what it did not understand.
 * Internal: not part of the jsii API.
 */

/** Commands every POSIX shell runs itself (special and regular built-ins, and keywords). */
export const SHELL_BUILTINS: ReadonlySet<string> = new Set([
  ':', '.', 'break', 'continue', 'eval', 'exec', 'exit', 'export', 'readonly', 'return', 'set', 'shift', 'times', 'trap', 'unset',
  'alias', 'bg', 'cd', 'command', 'false', 'fc', 'fg', 'getopts', 'hash', 'jobs', 'kill', 'newgrp', 'pwd', 'read', 'true', 'type',
  'ulimit', 'umask', 'unalias', 'wait', 'echo', 'printf', 'test', '[', 'local',
]);

const KEYWORDS = new Set(['if', 'then', 'else', 'elif', 'fi', 'do', 'done', 'while', 'until', 'for', 'in', '!', '{', '}']);
const UNSUPPORTED = new Set(['case', 'esac', 'function', 'select', 'eval', 'source', '.']);
/** After these keywords a command follows. */
const COMMAND_AFTER = new Set(['if', 'then', 'else', 'elif', 'do', 'while', 'until', '!', '{']);

export interface ShellReading {
  /** The words in command position, in order (e.g. ['curl', 'sleep']). */
  readonly commands: string[];
  /** Uses bash's /dev/tcp or /dev/udp redirections. */
  readonly needsBash: boolean;
  /** Why the script could not be read, when it could not. */
  readonly unreadable?: string;
}

type Token = { readonly op?: string; readonly word?: string };

function tokenize(script: string): Token[] | string {
  const tokens: Token[] = [];
  let i = 0;
  let word: string | undefined;
  const flush = () => { if (word !== undefined) { tokens.push({ word }); word = undefined; } };
  while (i < script.length) {
    const ch = script[i];
    if (ch === '\'' || ch === '"') {
      const end = script.indexOf(ch, i + 1);
      if (end === -1) { return `an unterminated ${ch} quote`; }
      const inner = script.slice(i + 1, end);
      if (ch === '"' && /\$\(|`/.test(inner)) { return 'a command substitution inside double quotes'; }
      word = (word ?? '') + inner;
      i = end + 1;
      continue;
    }
    if (ch === '`') { return 'a backquoted command substitution'; }
    if (ch === '\\') { word = (word ?? '') + (script[i + 1] ?? ''); i += 2; continue; }
    if (ch === '$' && script[i + 1] === '(') {
      if (script[i + 2] === '(') { return 'an arithmetic expansion'; }
      flush();
      tokens.push({ op: '$(' });
      i += 2;
      continue;
    }
    if (/\s/.test(ch) && ch !== '\n') { flush(); i++; continue; }
    if (ch === '#' && word === undefined) {
      while (i < script.length && script[i] !== '\n') { i++; }
      continue;
    }
    const two = script.slice(i, i + 2);
    if (two === '&&' || two === '||' || two === ';;') { flush(); tokens.push({ op: two }); i += 2; continue; }
    if (two === '<<') { return 'a here-document'; }
    if (ch === ';' || ch === '|' || ch === '&' || ch === '\n' || ch === '(' || ch === ')') {
      // `2>&1`, `>&2`: part of a redirection word, not an operator.
      if (ch === '&' && word !== undefined && /[<>]$/.test(word)) { word += ch; i++; continue; }
      flush();
      tokens.push({ op: ch });
      i++;
      continue;
    }
    word = (word ?? '') + ch;
    i++;
  }
  flush();
  return tokens;
}

const REDIRECTION = /^[0-9]*(<>|>>|<|>|>\||<&|>&)/;

/** Reads the commands of a shell script (the argument of `sh -c`). */
export function readShellScript(script: string): ShellReading {
  const needsBash = /\/dev\/(tcp|udp)\//.test(script);
  const tokens = tokenize(script);
  if (typeof tokens === 'string') { return { commands: [], needsBash, unreadable: tokens }; }
  const commands: string[] = [];
  const functions = new Set<string>();
  let atCommand = true;
  let afterFor = false;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.op !== undefined) {
      atCommand = t.op !== ')';
      afterFor = false;
      continue;
    }
    const w = t.word!;
    if (afterFor) { continue; }
    if (!atCommand) { continue; }
    if (REDIRECTION.test(w)) {
      // A redirection before the command: its target may be the next word.
      if (w.replace(REDIRECTION, '') === '') { i++; }
      continue;
    }
    if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(w)) { continue; }
    if (tokens[i + 1]?.op === '(' && tokens[i + 2]?.op === ')') {
      // A function definition `name() body`: its calls run the body, read here in place.
      functions.add(w);
      i += 2;
      atCommand = true;
      continue;
    }
    if (UNSUPPORTED.has(w)) { return { commands, needsBash, unreadable: `the ${JSON.stringify(w)} construct` }; }
    if (w === 'for') { afterFor = true; atCommand = false; continue; }
    if (KEYWORDS.has(w)) { atCommand = COMMAND_AFTER.has(w); continue; }
    if (/[$*?[]/.test(w) && w !== '[') { return { commands, needsBash, unreadable: `a command name made by expansion (${JSON.stringify(w)})` }; }
    if (w === 'exec' || w === 'command' || w === 'nohup' || w === 'timeout') {
      commands.push(w);
      // The next plain word (after options and redirections) is a command too.
      atCommand = true;
      let j = i + 1;
      while (j < tokens.length && tokens[j].word !== undefined && (REDIRECTION.test(tokens[j].word!) || tokens[j].word!.startsWith('-')
        || (w === 'timeout' && /^[0-9.]+[smhd]?$/.test(tokens[j].word!)))) {
        if (REDIRECTION.test(tokens[j].word!) && tokens[j].word!.replace(REDIRECTION, '') === '') { j++; }
        j++;
      }
      i = j - 1;
      continue;
    }
    commands.push(w);
    atCommand = false;
  }
  return { commands: commands.filter(c => !functions.has(c)), needsBash };
}

/**
 * The one way the library puts a value into a POSIX shell script (sh -c, the ECS config
 * writer, the Vault reload command): a single word that is exactly `value`, written in single
 * quotes, where nothing is special (POSIX.1-2017 XCU 2.2.2); a quote inside closes the quotes,
 * adds an escaped quote and reopens them. A NUL cannot be in a shell word: refused by the caller.
 */
export function shellWord(value: string): string {
  return `'${value.split('\'').join('\'\\\'\'')}'`;
}
