/**
 * The commands the library runs inside the Envoy image: the health check (ECS), the wait
 * until ready (Kubernetes classic mode, postStart) and the drain before stop (preStop).
 *
 * Image facts relied on (envoyproxy/envoy, ci/Dockerfile-envoy, e.g. at commit
 * 019f458bf978aa5559491871896282c9122630a2, stage "envoy"): the image is `FROM ubuntu`
 * and installs only ca-certificates (newer releases add tzdata); there is no curl or wget
 * (envoyproxy/envoy#31614, "curl: command not found"). Ubuntu's base image ships bash
 * (an Essential package, built with network redirections, so `/dev/tcp/host/port` opens
 * a TCP connection) and coreutils (`sleep`). The commands below use bash builtins
 * (`exec`, `printf`, `read -t`) and `sleep` only. The `-distroless` stage of the same
 * Dockerfile (FROM gcr.io/distroless/base-nossl) has no shell at all: those images are
 * refused by the construct.
 *
 * Internal: no user string reaches these scripts, only port numbers and seconds (numbers
 * checked by the construct) and fixed paths.
 */

/**
 * A bash function `http_status` that sends one HTTP/1.1 request (no body) to
 * 127.0.0.1:<port> over /dev/tcp and exits 0 only if the status is 200. HTTP/1.1 with
 * `Connection: close`: Envoy's HTTP connection manager refuses HTTP/1.0 by default
 * (426) unless `accept_http_10` is set. Runs in a subshell, so a refused connection
 * fails the function, not the shell.
 */
function httpCheck(method: string, port: number, path: string): string {
  const request = `${method} ${path} HTTP/1.1\\r\\nHost: 127.0.0.1:${port}\\r\\n${method === 'POST' ? 'Content-Length: 0\\r\\n' : ''}Connection: close\\r\\n\\r\\n`;
  return [
    'check() (',
    `exec 3<>/dev/tcp/127.0.0.1/${port} || exit 1;`,
    `printf '${request}' >&3 || exit 1;`,
    'IFS=" " read -r -t 5 _ code _ <&3 || exit 1;',
    '[ "${code%$\'\\r\'}" = 200 ]',
    ')',
  ].join(' ');
}

/** Exits 0 when Envoy's readiness route answers 200 (the ECS container health check). */
export function readyCheckCommand(readinessPort: number): string[] {
  return ['bash', '-c', `${httpCheck('GET', readinessPort, '/healthz/ready')}; check`];
}

/** Returns once Envoy's readiness route answers 200, asking every second (postStart in classic mode). */
export function waitUntilReadyCommand(readinessPort: number): string[] {
  return ['bash', '-c', `${httpCheck('GET', readinessPort, '/healthz/ready')}; until check; do sleep 1; done`];
}

/**
 * Tells Envoy to drain its inbound listeners gracefully (admin `POST /drain_listeners`),
 * then waits `drainSeconds` (preStop). The wait happens even if the admin call fails:
 * stopping then is no worse than without the hook.
 */
export function drainCommand(adminPort: number, drainSeconds: number): string[] {
  return ['bash', '-c', `${httpCheck('POST', adminPort, '/drain_listeners?graceful&inboundonly')}; check; sleep ${drainSeconds}`];
}

/**
 * As drainCommand, then instead of always sleeping `drainSeconds`, returns as soon as no
 * downstream connection is left on the listeners of `ports` (asked every second from the
 * admin `GET /stats?filter=downstream_cx_active`, whose lines read
 * `listener.<address>_<port>.downstream_cx_active: <n>` for listeners without a stat
 * prefix), at most `drainSeconds`: Istio's EXIT_ON_ZERO_ACTIVE_CONNECTIONS (pilot-agent
 * waits for the proxy's `downstream_cx_active` to reach zero, bounded by the termination
 * drain duration). An admin call that fails counts as "not idle yet".
 *
 * The clock is bash's `EPOCHREALTIME` (microseconds, bash 5.0 and later: Ubuntu 20.04 and
 * later), not `SECONDS`: `SECONDS` counts whole wall-clock seconds since the shell started
 * (bash variables.c, the start time truncated to the second), so a deadline of
 * `SECONDS + n` passes after as little as n - 1 seconds and a bit. The last sleep is cut to
 * the time left, so the script gives up between drainSeconds and drainSeconds plus one admin
 * call. Under a bash without `EPOCHREALTIME` (it is then empty) the clock falls back to
 * `SECONDS` with one second added to the deadline: never early, at most a second late.
 */
export function drainUntilIdleCommand(adminPort: number, drainSeconds: number, ports: number[]): string[] {
  const request = `GET /stats?filter=downstream_cx_active HTTP/1.1\\r\\nHost: 127.0.0.1:${adminPort}\\r\\nConnection: close\\r\\n\\r\\n`;
  const patterns = ports.map(p => `listener.*_${p}.downstream_cx_active:*`).join('|');
  const active = [
    'active() (',
    `exec 3<>/dev/tcp/127.0.0.1/${adminPort} || exit 1;`,
    `printf '${request}' >&3 || exit 1;`,
    'n=0;',
    'while IFS= read -r -t 5 line <&3; do line=${line%$\'\\r\'};',
    `case $line in ${patterns}) v=\${line##* }; case $v in ''|*[!0-9]*) ;; *) n=$((n + v));; esac;; esac;`,
    'done;',
    'echo "$n"',
    ')',
  ].join(' ');
  // now: microseconds in t (the locale's radix point stripped), or whole seconds since start.
  const now = 'now() { t=${EPOCHREALTIME//[!0-9]/}; [ -n "$t" ] || t=$((SECONDS * 1000000)); }';
  return ['bash', '-c', [
    `${httpCheck('POST', adminPort, '/drain_listeners?graceful&inboundonly')}; check;`,
    `${active};`,
    `${now};`,
    `now; end=$((t + ${drainSeconds * 1_000_000})); [ -n "$EPOCHREALTIME" ] || end=$((end + 1000000));`,
    'while now; [ "$t" -lt "$end" ]; do',
    '[ "$(active)" = 0 ] && exit 0;',
    'now; left=$((end - t));',
    'if [ "$left" -ge 1000000 ]; then sleep 1; elif [ "$left" -gt 0 ]; then sleep "0.$(printf %06d "$left")"; fi;',
    'done',
  ].join(' ')];
}
