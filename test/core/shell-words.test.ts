import { execFileSync } from 'child_process';
import * as fc from 'fast-check';
import { readShellScript, shellWord } from '../../src/core/shell-words';
import { onPath } from '../prerequisites';

describe('the commands of a shell script', () => {
  test.each([
    ['a wait loop', 'until curl -sf -o /dev/null http://127.0.0.1:15021/ready; do sleep 1; done', ['curl', 'sleep']],
    ['a drain', 'curl -sf -X POST \'http://127.0.0.1:15000/drain_listeners?graceful\'; sleep 5', ['curl', 'sleep']],
    ['and/or lists and pipes', 'a -x && b | c || d', ['a', 'b', 'c', 'd']],
    ['assignments and redirections before the command', 'FOO=1 2>/dev/null BAR="x y" run --flag', ['run']],
    ['exec with redirections only, then commands', 'exec 3<>/dev/tcp/127.0.0.1/15021 && printf \'GET / HTTP/1.0\\r\\n\\r\\n\' >&3 && grep -q 200 <&3', ['exec', 'printf', 'grep']],
    ['exec of a program', 'exec /usr/local/bin/envoy -c /etc/envoy.yaml', ['exec', '/usr/local/bin/envoy']],
    ['if/then/else', 'if test -f /x; then cat /x; else echo none; fi', ['test', 'cat', 'echo']],
    ['a for loop', 'for f in /a /b; do chmod 0444 "$f"; done', ['chmod']],
    ['a command substitution', 'kill -HUP $(pidof app)', ['kill', 'pidof']],
    ['newlines and comments', '# wait\nmkdir -p /x\nchown 100 /x # owner', ['mkdir', 'chown']],
    ['a subshell', '(cd /tmp && tar xf a.tar)', ['cd', 'tar']],
    ['timeout with a duration', 'timeout 5 wget -q -O- http://x/', ['timeout', 'wget']],
    ['a function defined and called', 'check() ( exec 3<>/dev/tcp/127.0.0.1/1 || exit 1; cat <&3 ); until check; do sleep 1; done', ['exec', 'exit', 'cat', 'sleep']],
  ])('%s', (_name, script, commands) => {
    expect(readShellScript(script).commands).toEqual(commands);
  });

  test('bash\'s /dev/tcp is noticed', () => {
    expect(readShellScript('exec 3<>/dev/tcp/127.0.0.1/80').needsBash).toBe(true);
    expect(readShellScript('wget -q http://127.0.0.1/').needsBash).toBe(false);
  });

  test.each([
    ['a here-document', 'cat <<EOF\nx\nEOF'],
    ['case', 'case $x in a) echo a;; esac'],
    ['eval', 'eval "$cmd"'],
    ['a command named by expansion', '$CMD --flag'],
    ['backquotes', 'kill `pidof app`'],
    ['an unterminated quote', 'echo \'oops'],
  ])('what it cannot read is said, never passed: %s', (_name, script) => {
    expect(readShellScript(script).unreadable).toBeDefined();
  });
});

describe('shellWord: the one escaping rule for values in shell scripts', () => {
  // The shells the library's scripts run in: dash (/bin/sh here), busybox ash (the Alpine and
  // busybox images of the ECS writer and the Vault agent) and bash (the Envoy image).
  const shells = [['sh'], ['busybox', 'sh'], ['bash']].filter(([cmd]) => onPath(cmd));

  test('a value with quotes, spaces, $, `, \\, newlines, globs and ; is one word that each shell reads back exactly (property)', () => {
    expect(shells.length).toBeGreaterThan(0);
    const special = fc.constantFrom('\'', '"', '$', '`', '\\', '\n', ' ', '*', '?', '[', ';', '&', '|', '$(id)', '${x}', '\'\'', '#', '~', '-n', '%s');
    const value = fc.array(fc.oneof(special, fc.string({ maxLength: 4 }).filter(s => !s.includes('\u0000'))), { maxLength: 8 }).map(p => p.join(''));
    fc.assert(fc.property(fc.array(value, { minLength: 1, maxLength: 5 }), values => {
      const script = `for a in ${values.map(shellWord).join(' ')}; do printf '%s\\0' "$a"; done`;
      expect(readShellScript(script).unreadable).toBeUndefined();
      for (const shell of shells) {
        const out = execFileSync(shell[0], [...shell.slice(1), '-c', script]).toString();
        expect(out.split('\u0000').slice(0, -1)).toEqual(values);
      }
    }), { numRuns: 60 });
  });
});
