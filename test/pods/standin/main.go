// The stand-in: one static binary put in a local image at the paths of the real sidecar
// binaries (vault, envoy, opa, fluent-bit, otelcol-contrib, daprd, xray), which none of these
// machines can fetch. It is not the real program: it performs, with the calls the kernel
// checks, what the pod promises of that program as the library configured it, reading the
// generated config to learn what to do, so that a config naming a wrong path, a file the
// process cannot read or a directory it cannot write fails as the real program would.
//
// Built with Debian's golang-go; reads Vault agent HCL with hashicorp/hcl v1
// (golang-github-hashicorp-hcl-dev), the parser the Vault agent uses for its config, and the
// OPA and Fluent Bit YAML configs with go-yaml v2 (golang-gopkg-yaml.v2-dev), as OPA does.
package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"io/ioutil"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/hashicorp/hcl"
	"gopkg.in/yaml.v2"
)

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "stand-in: "+format+"\n", args...)
	os.Exit(1)
}

func say(format string, args ...interface{}) {
	fmt.Fprintf(os.Stdout, "stand-in: "+format+"\n", args...)
}

// blocks returns the objects of an HCL v1 block (a list of objects, possibly labelled).
func blocks(v interface{}) []map[string]interface{} {
	out := []map[string]interface{}{}
	switch t := v.(type) {
	case []map[string]interface{}:
		for _, m := range t {
			out = append(out, m)
		}
	case map[string]interface{}:
		out = append(out, t)
	case []interface{}:
		for _, e := range t {
			out = append(out, blocks(e)...)
		}
	}
	return out
}

// labelled returns the bodies of `name "label" { ... }` blocks, whatever the label.
func labelled(v interface{}) []map[string]interface{} {
	out := []map[string]interface{}{}
	for _, b := range blocks(v) {
		for _, inner := range b {
			out = append(out, blocks(inner)...)
		}
	}
	return out
}

func str(m map[string]interface{}, key string) string {
	if v, ok := m[key]; ok {
		switch t := v.(type) {
		case string:
			return t
		case int:
			return strconv.Itoa(t)
		}
	}
	return ""
}

func config(m map[string]interface{}) map[string]interface{} {
	cs := blocks(m["config"])
	if len(cs) == 0 {
		return map[string]interface{}{}
	}
	return cs[0]
}

// vaultAgent: `vault agent -config=<file>`. Reads the token the auto-auth method names, writes
// the token sink, renders each template (its source must be readable) to its destination with
// its perms, then exits (exit_after_auth) or serves its listener and keeps running.
func vaultAgent(args []string) {
	path := ""
	for _, a := range args {
		if strings.HasPrefix(a, "-config=") {
			path = strings.TrimPrefix(a, "-config=")
		}
	}
	if path == "" {
		fail("vault agent: no -config= in %q", args)
	}
	src, err := ioutil.ReadFile(path)
	if err != nil {
		fail("vault agent: %v", err)
	}
	var cfg map[string]interface{}
	if err := hcl.Decode(&cfg, string(src)); err != nil {
		fail("vault agent: %s: %v", path, err)
	}
	for _, aa := range blocks(cfg["auto_auth"]) {
		for _, method := range labelled(aa["method"]) {
			c := config(method)
			for _, key := range []string{"token_path", "role_id_file_path", "secret_id_file_path"} {
				if p := str(c, key); p != "" {
					if _, err := ioutil.ReadFile(p); err != nil {
						fail("vault agent: auto_auth %s: %v", key, err)
					}
					say("vault agent: read %s %s", key, p)
				}
			}
		}
		for _, sink := range labelled(aa["sink"]) {
			c := config(sink)
			if p := str(c, "path"); p != "" {
				mode := os.FileMode(0640)
				if m, err := strconv.Atoi(str(c, "mode")); err == nil && m > 0 {
					mode = os.FileMode(m)
				}
				write(p, "stand-in token", mode)
				say("vault agent: token sink %s", p)
			}
		}
	}
	for _, tc := range blocks(cfg["template_config"]) {
		if b, ok := tc["exit_on_retry_failure"].(bool); ok {
			exitOnRetryFailure = b
		}
	}
	templates := blocks(cfg["template"])
	for _, t := range templates {
		render(t, 1)
	}
	if exit, ok := cfg["exit_after_auth"].(bool); ok && exit {
		say("vault agent: exit_after_auth")
		os.Exit(0)
	}
	for _, l := range labelled(cfg["listener"]) {
		if a := str(l, "address"); a != "" {
			go serve(a)
		}
	}
	// No Vault server here: STAND_IN_VAULT_CHANGE_SECONDS=N makes every secret change at the
	// "server" every N seconds (a new version), as a lease renewal or a KV update does; the
	// agent then re-renders each template and runs its command when the content changed.
	if secs, err := strconv.Atoi(os.Getenv("STAND_IN_VAULT_CHANGE_SECONDS")); err == nil && secs > 0 {
		go func() {
			for version := 2; ; version++ {
				time.Sleep(time.Duration(secs) * time.Second)
				for _, t := range templates {
					render(t, version)
				}
			}
		}()
	}
	forever()
}

// exitOnRetryFailure: the agent config's template_config exit_on_retry_failure (Vault's default false).
var exitOnRetryFailure bool

// render renders one template block at a secret version: its source must be readable, the
// destination is written with its perms; whenever that wrote new content, the first render
// too (the destination did not exist or differed), the template's command runs; a render
// that finds the file as it would write it (the long-running agent after the init agent, same
// secret) changes nothing and runs nothing. Vault agent template docs
// (https://developer.hashicorp.com/vault/docs/agent-and-proxy/agent/template): `exec` has
// `command` (a list, run without a shell) and `timeout` (default 30s), run each time the
// template renders new content (consul-template's template command semantics,
// https://developer.hashicorp.com/consul/docs/automate/consul-template/render: "a command
// that will execute each time the template changes"; hashicorp/consul-template
// manager/runner.go runs it after every render that wrote the file, the first included).
// A command that exits non-zero (or times out) is an error of the template server, not a
// warning: "This is assumed to be a failure. Please ensure the command exits with a zero exit
// status" (consul-template's runner; the agent's log in hashicorp/vault#12566). With
// template_config exit_on_retry_failure = true (what the library renders by default) the
// template server returns the error at once and the agent exits 1 (hashicorp/vault
// command/agent/template/template.go Run: ErrCh with backoff.WithMaxRetries(.., 0) returns
// "template server: ..."); without it the agent retries the runner with backoff, which the
// stand-in only reports (it does not re-run the command).
func render(t map[string]interface{}, version int) {
	dest := str(t, "destination")
	if s := str(t, "source"); s != "" {
		if _, err := ioutil.ReadFile(s); err != nil {
			fail("vault agent: template source: %v", err)
		}
	}
	mode := os.FileMode(0644)
	if p := str(t, "perms"); p != "" {
		m, err := strconv.ParseUint(p, 8, 32)
		if err != nil {
			fail("vault agent: template perms %q: %v", p, err)
		}
		mode = os.FileMode(m)
	}
	content := fmt.Sprintf("stand-in secret rendered by the Vault agent stand-in into %s\n", dest)
	if version > 1 {
		content = fmt.Sprintf("stand-in secret version %d rendered by the Vault agent stand-in into %s\n", version, dest)
	}
	if old, err := ioutil.ReadFile(dest); err == nil && string(old) == content {
		say("vault agent: %s unchanged", dest)
		return
	}
	write(dest, content, mode)
	say("vault agent: rendered %s (%04o) version %d", dest, mode, version)
	for _, e := range blocks(t["exec"]) {
		var argv []string
		switch c := e["command"].(type) {
		case []interface{}:
			for _, a := range c {
				argv = append(argv, fmt.Sprint(a))
			}
		case string:
			argv = []string{c}
		}
		if len(argv) == 0 {
			continue
		}
		timeout := 30 * time.Second
		if d, err := time.ParseDuration(str(e, "timeout")); err == nil {
			timeout = d
		}
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		out, err := exec.CommandContext(ctx, argv[0], argv[1:]...).CombinedOutput()
		cancel()
		status := "exit 0"
		if err != nil {
			status = err.Error()
		}
		say("vault agent: %s: command %q: %s: %s", dest, argv, status, strings.TrimSpace(string(out)))
		if err != nil && exitOnRetryFailure {
			fail("vault agent: template server: failed to execute command %q from %s: %s (a command that does not exit 0 is a failure; exit_on_retry_failure)", argv, dest, status)
		} else if err != nil {
			say("vault agent: template server error: failed to execute command %q from %s: %s (retried with backoff by the real agent)", argv, dest, status)
		}
	}
}

// write creates a file the way Vault's agent does: a temporary file in the destination's
// directory renamed over the destination, with the mode set by chmod.
func write(path, content string, mode os.FileMode) {
	dir := filepath.Dir(path)
	tmp, err := ioutil.TempFile(dir, ".stand-in-")
	if err != nil {
		fail("write %s: %v", path, err)
	}
	if _, err := tmp.WriteString(content); err != nil {
		fail("write %s: %v", path, err)
	}
	tmp.Close()
	if err := os.Chmod(tmp.Name(), mode); err != nil {
		fail("chmod %s: %v", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		fail("rename %s: %v", path, err)
	}
}

// serve accepts TCP connections and answers each with an HTTP 200.
func serve(address string) {
	ln, err := net.Listen("tcp", address)
	if err != nil {
		fail("listen %s: %v", address, err)
	}
	say("listening on %s", address)
	accept(ln)
}

func accept(ln net.Listener) {
	acceptEach(ln, func(c net.Conn) {
		c.SetDeadline(time.Now().Add(5 * time.Second))
		buf := make([]byte, 4096)
		c.Read(buf)
		c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 9\r\nConnection: close\r\n\r\nstand-in\n"))
	})
}

// acceptEach handles each connection of ln in its own goroutine, and closes it after.
func acceptEach(ln net.Listener, handle func(net.Conn)) {
	for {
		c, err := ln.Accept()
		if err != nil {
			continue
		}
		go func(c net.Conn) {
			defer c.Close()
			handle(c)
		}(c)
	}
}

// flag returns the value of --name=value or --name value in args.
func flag(args []string, name string) string {
	for i, a := range args {
		if strings.HasPrefix(a, name+"=") {
			return strings.TrimPrefix(a, name+"=")
		}
		if a == name && i+1 < len(args) {
			return args[i+1]
		}
	}
	return ""
}

func readYAML(path string) map[interface{}]interface{} {
	src, err := ioutil.ReadFile(path)
	if err != nil {
		fail("%v", err)
	}
	var cfg map[interface{}]interface{}
	if err := yaml.Unmarshal(src, &cfg); err != nil {
		fail("%s: %v", path, err)
	}
	return cfg
}

func ymap(v interface{}) map[interface{}]interface{} {
	if m, ok := v.(map[interface{}]interface{}); ok {
		return m
	}
	return map[interface{}]interface{}{}
}

func ylist(v interface{}) []interface{} {
	if l, ok := v.([]interface{}); ok {
		return l
	}
	return nil
}

func ystr(v interface{}) string {
	switch t := v.(type) {
	case string:
		return t
	case int:
		return strconv.Itoa(t)
	case bool:
		if t {
			return "on"
		}
		return "off"
	}
	return ""
}

// opa: `opa run --server --addr=A --diagnostic-addr=D --config-file=F`. Reads the config and
// every file it names (bearer token, TLS key and CA files), then serves both addresses.
func opa(args []string) {
	if len(args) > 0 && args[0] == "eval" {
		opaEval(args[1:])
	}
	if len(args) == 0 || args[0] != "run" || !contains(args, "--server") {
		fail("opa: only `opa run --server` is stood in for, not %q", args)
	}
	if f := flag(args, "--config-file"); f != "" {
		cfg := readYAML(f)
		opaEnvoyPlugin(cfg, args)
		for name, svc := range ymap(cfg["services"]) {
			creds := ymap(ymap(svc)["credentials"])
			for _, kind := range []string{"bearer", "client_tls"} {
				c := ymap(creds[kind])
				for _, key := range []string{"token_path", "cert", "private_key"} {
					if p := ystr(c[key]); p != "" {
						if _, err := ioutil.ReadFile(p); err != nil {
							fail("opa: services.%v.credentials.%s.%s: %v", name, kind, key, err)
						}
						say("opa: read services.%v.credentials.%s.%s %s", name, kind, key, p)
					}
				}
			}
		}
	}
	addr := flag(args, "--addr")
	if addr == "" {
		addr = ":8181"
	}
	for _, a := range []string{addr, flag(args, "--diagnostic-addr")} {
		if a == "" {
			continue
		}
		if strings.HasPrefix(a, "unix://") {
			go serveUnix(strings.TrimPrefix(a, "unix://"), flag(args, "--unix-socket-perm"))
		} else {
			go serve(a)
		}
	}
	forever()
}

func contains(l []string, s string) bool {
	for _, e := range l {
		if e == s {
			return true
		}
	}
	return false
}

// serveUnix listens on a Unix socket with the given mode (OPA's --unix-socket-perm, default 755).
func serveUnix(path, perm string) {
	os.Remove(path)
	ln, err := net.Listen("unix", path)
	if err != nil {
		fail("listen unix %s: %v", path, err)
	}
	mode := uint64(0755)
	if perm != "" {
		if m, err := strconv.ParseUint(perm, 8, 32); err == nil {
			mode = m
		}
	}
	if err := os.Chmod(path, os.FileMode(mode)); err != nil {
		fail("chmod %s: %v", path, err)
	}
	say("listening on unix %s (%04o)", path, mode)
	accept(ln)
}

// fluentBit: `fluent-bit -c F` with a YAML config. Serves the HTTP server when on, reads the
// files the kubernetes filter names, lists the directories of tail paths and writes the tail
// DB and storage path, as Fluent Bit does at start.
func fluentBit(args []string) {
	f := flag(args, "-c")
	if _, err := os.Stat(f); err != nil {
		fail("fluent-bit: config %v", err)
	}
	if strings.HasSuffix(f, ".conf") {
		fluentBitClassic(f)
	}
	if !strings.HasSuffix(f, ".yaml") && !strings.HasSuffix(f, ".yml") {
		fail("fluent-bit: only YAML and classic .conf configs are stood in for, not %q", f)
	}
	cfg := readYAML(f)
	service := ymap(cfg["service"])
	if p := ystr(service["storage.path"]); p != "" {
		probeWritable("service storage.path", p)
	}
	pipeline := ymap(cfg["pipeline"])
	outputs := []string{}
	for _, o := range ylist(pipeline["outputs"]) {
		outputs = append(outputs, ystr(ymap(o)["name"]))
	}
	t := &tailer{offsets: map[string]int64{}, outputs: strings.Join(outputs, ",")}
	for _, in := range ylist(pipeline["inputs"]) {
		m := ymap(in)
		if ystr(m["name"]) != "tail" {
			continue
		}
		dir := filepath.Dir(ystr(m["path"]))
		if _, err := ioutil.ReadDir(dir); err != nil {
			fail("fluent-bit: tail path %s: %v", ystr(m["path"]), err)
		}
		say("fluent-bit: tail lists %s", dir)
		t.patterns = append(t.patterns, ystr(m["path"]))
		if db := ystr(m["db"]); db != "" {
			probeWritable("tail db", filepath.Dir(db))
			if err := ioutil.WriteFile(db, []byte("stand-in"), 0644); err != nil {
				fail("fluent-bit: tail db %s: %v", db, err)
			}
		}
	}
	for _, fl := range ylist(pipeline["filters"]) {
		m := ymap(fl)
		if ystr(m["name"]) != "kubernetes" {
			continue
		}
		token := ystr(m["kube_token_file"])
		if token == "" {
			token = "/var/run/secrets/kubernetes.io/serviceaccount/token"
		}
		for _, p := range []string{token, "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt"} {
			if _, err := ioutil.ReadFile(p); err != nil {
				fail("fluent-bit: kubernetes filter: %v", err)
			}
			say("fluent-bit: kubernetes filter read %s", p)
		}
	}
	// Tails the files (the stand-in ships each new line to its outputs by logging it); on
	// SIGTERM it reads what is left and exits, as Fluent Bit flushes its buffers within
	// service.grace (fluent/fluent-bit src/flb_engine.c, grace period on SIGTERM).
	t.poll(true)
	go func() {
		for {
			time.Sleep(250 * time.Millisecond)
			t.poll(false)
		}
	}()
	exitOnTerm("fluent-bit", func() { t.poll(false) })
	if ystr(service["http_server"]) == "on" {
		port := ystr(service["http_port"])
		if port == "" {
			port = "2020"
		}
		listen := ystr(service["http_listen"])
		go serve(net.JoinHostPort(listen, port))
	}
	forever()
}

type tailer struct {
	mu       sync.Mutex
	patterns []string
	offsets  map[string]int64
	outputs  string
}

// poll reads the new lines of every file the tail paths match. Files there at start are read
// from their end (tail's read_from_head defaults to false); files that appear later from their
// start.
func (t *tailer) poll(start bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, p := range t.patterns {
		files, _ := filepath.Glob(p)
		for _, f := range files {
			fh, err := os.Open(f)
			if err != nil {
				continue
			}
			off, seen := t.offsets[f]
			if !seen && start {
				off, _ = fh.Seek(0, io.SeekEnd)
			}
			fh.Seek(off, io.SeekStart)
			r := bufio.NewReader(fh)
			for {
				line, err := r.ReadString('\n')
				if err != nil {
					break
				}
				off += int64(len(line))
				say("fluent-bit: tail %s: %q -> %s", f, strings.TrimSuffix(line, "\n"), t.outputs)
			}
			t.offsets[f] = off
			fh.Close()
		}
	}
}

func probeWritable(what, dir string) {
	f, err := ioutil.TempFile(dir, ".stand-in-")
	if err != nil {
		fail("%s %s is not writable: %v", what, dir, err)
	}
	f.Close()
	os.Remove(f.Name())
}

// serveApp is the app's HTTP listener: answers 200 "stand-in" to every request and logs it
// (method, path, peer), so that a test sees which calls reached the app (a reload call, a
// request through Envoy).
func serveApp(address string) {
	ln, err := net.Listen("tcp", address)
	if err != nil {
		fail("listen %s: %v", address, err)
	}
	say("listening on %s", address)
	acceptEach(ln, func(c net.Conn) {
		c.SetDeadline(time.Now().Add(5 * time.Second))
		if req, err := http.ReadRequest(bufio.NewReader(c)); err == nil {
			say("app: %s %s from %s", req.Method, req.URL.RequestURI(), c.RemoteAddr())
		}
		c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 9\r\nConnection: close\r\n\r\nstand-in\n"))
	})
}

// serveAppUnix is the app's listener on a Unix socket (mode: octal, default 0666): unlinks a
// stale file, binds (the file gets the app's UID and GID), chmods, and serves as serveApp.
func serveAppUnix(path, perm string) {
	mode := uint64(0666)
	if perm != "" {
		m, err := strconv.ParseUint(perm, 8, 32)
		if err != nil {
			fail("app: STAND_IN_APP_SOCKET_MODE %q: %v", perm, err)
		}
		mode = m
	}
	os.Remove(path)
	ln, err := net.Listen("unix", path)
	if err != nil {
		fail("app: listen unix %s: %v", path, err)
	}
	if err := os.Chmod(path, os.FileMode(mode)); err != nil {
		fail("app: chmod %s: %v", path, err)
	}
	say("app: listening on unix %s (%04o)", path, mode)
	acceptEach(ln, func(c net.Conn) {
		c.SetDeadline(time.Now().Add(5 * time.Second))
		if req, err := http.ReadRequest(bufio.NewReader(c)); err == nil {
			say("app: %s %s from unix %s", req.Method, req.URL.RequestURI(), path)
		}
		c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 9\r\nConnection: close\r\n\r\nstand-in\n"))
	})
}

// udsGet: one HTTP GET over a Unix socket; prints the status line and body, or the error of
// connect() (e.g. "connect: permission denied", the kernel's EACCES) and exits 1.
func udsGet(args []string) {
	if len(args) != 2 {
		fail("uds-get SOCKET PATH")
	}
	c, err := net.DialTimeout("unix", args[0], 3*time.Second)
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: uds\r\nConnection: close\r\n\r\n", args[1])
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	b, _ := ioutil.ReadAll(resp.Body)
	fmt.Printf("%s\n%s", resp.Status, b)
}

// appSignals logs every signal the app receives (SIGHUP, SIGUSR1, SIGUSR2 are reload
// signals; the app keeps running). On SIGTERM (the kubelet's stop) it exits, after
// STAND_IN_DRAIN_SECONDS of shutdown work when set: every half second it does each of
//
//	STAND_IN_DRAIN_URL   an HTTP GET (e.g. an outbound call through Envoy),
//	STAND_IN_DRAIN_READ  a read of a file (e.g. a Vault secret),
//	STAND_IN_DRAIN_LOG   a line appended to a file (e.g. a log Fluent Bit tails),
//
// and logs each result ("app: draining: ..."), as an app finishing its requests would.
func appSignals() {
	ch := make(chan os.Signal, 8)
	signal.Notify(ch, syscall.SIGHUP, syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGTERM, syscall.SIGINT)
	for sig := range ch {
		say("app: signal %s", sig)
		if sig != syscall.SIGTERM && sig != syscall.SIGINT {
			continue
		}
		secs, _ := strconv.ParseFloat(os.Getenv("STAND_IN_DRAIN_SECONDS"), 64)
		deadline := time.Now().Add(time.Duration(secs * float64(time.Second)))
		for i := 1; time.Now().Before(deadline); i++ {
			drainStep(i)
			time.Sleep(500 * time.Millisecond)
		}
		say("app: exiting")
		os.Exit(0)
	}
}

func drainStep(i int) {
	if u := os.Getenv("STAND_IN_DRAIN_URL"); u != "" {
		resp, err := (&http.Client{Timeout: 2 * time.Second}).Get(u)
		if err != nil {
			say("app: draining %d: GET %s: %v", i, u, err)
		} else {
			io.Copy(ioutil.Discard, resp.Body)
			resp.Body.Close()
			say("app: draining %d: GET %s: %d", i, u, resp.StatusCode)
		}
	}
	if f := os.Getenv("STAND_IN_DRAIN_READ"); f != "" {
		if b, err := ioutil.ReadFile(f); err != nil {
			say("app: draining %d: read %s: %v", i, f, err)
		} else {
			say("app: draining %d: read %s: %d bytes", i, f, len(b))
		}
	}
	if f := os.Getenv("STAND_IN_DRAIN_LOG"); f != "" {
		line := fmt.Sprintf("draining %d", i)
		fh, err := os.OpenFile(f, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0644)
		if err == nil {
			_, err = fmt.Fprintln(fh, line)
			fh.Close()
		}
		if err != nil {
			say("app: draining %d: log %s: %v", i, f, err)
		} else {
			say("app: draining %d: log %s: wrote %q", i, f, line)
		}
	}
}

// exitOnTerm: a sidecar stand-in stops on SIGTERM (Envoy, the Vault agent, OPA and Fluent
// Bit all shut down on it), after `flush` if given; the exit is logged.
func exitOnTerm(name string, flush func()) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		sig := <-ch
		if flush != nil {
			flush()
		}
		say("%s: %s, exiting", name, sig)
		os.Exit(0)
	}()
}

func forever() {
	for {
		time.Sleep(time.Hour)
	}
}

func main() {
	name := filepath.Base(os.Args[0])
	args := os.Args[1:]
	if name == "stand-in" && len(args) > 0 {
		name, args = args[0], args[1:]
	}
	if name == "drop-to" {
		dropTo(args)
	}
	if name != "app" && name != "fluent-bit" {
		exitOnTerm(name, nil)
	}
	switch name {
	case "vault":
		if len(args) > 0 && args[0] == "agent" {
			vaultAgent(args[1:])
		}
		fail("vault: only `vault agent` is stood in for, not %q", args)
	case "app":
		// The user's containers (init steps and apps): keeps running; the test checks what it can read, write and connect to
		// with `podman exec`, as the app's user, groups and capabilities.
		say("app: running as uid %d gid %d (the user's image and command %q stood in for)", os.Getuid(), os.Getgid(), args)
		if os.Getenv("STAND_IN_ONE_SHOT") == "1" {
			os.Exit(0)
		}
		if secs, err := strconv.Atoi(os.Getenv("STAND_IN_RUN_SECONDS")); err == nil {
			// A Job's app: does its work for a while, then exits 0.
			go func() {
				time.Sleep(time.Duration(secs) * time.Second)
				say("app: done")
				os.Exit(0)
			}()
		}
		for _, p := range strings.Fields(os.Getenv("STAND_IN_APP_PORTS")) {
			go serveApp(":" + p)
		}
		// EnvoySidecar unixSockets gives the app APP_LISTEN_SOCKET: the app listens there and
		// Envoy (its own UID) connects, so the app makes the socket writable by others, as the
		// README tells a team to (mode 0666; STAND_IN_APP_SOCKET_MODE sets another).
		if p := os.Getenv("APP_LISTEN_SOCKET"); p != "" {
			go serveAppUnix(p, os.Getenv("STAND_IN_APP_SOCKET_MODE"))
		}
		appSignals()
	case "uds-get":
		// The tester's client of a Unix socket (busybox's nc has none): `stand-in uds-get SOCKET
		// PATH` connects as the caller's UID and groups and sends one HTTP GET.
		udsGet(args)
	case "envoy":
		envoy(args)
	case "pilot-agent":
		pilotAgent(args)
	case "opa":
		opa(args)
	case "fluent-bit":
		if contains(args, "--version") {
			// fluent/fluent-bit src/fluent-bit.c: -V/--version prints the version and exits 0
			// (an exec liveness probe some teams use).
			say("Fluent Bit stand-in")
			os.Exit(0)
		}
		fluentBit(args)
	case "otelcol-contrib", "otelcol", "awscollector":
		otelcol(args)
	case "daprd":
		daprd(args)
	case "xray":
		xray(args)
	case "healthcheck":
		otelHealthcheck(args)
	case "pause":
		// registry.k8s.io/pause (kubernetes/kubernetes build/pause/linux/pause.c): holds the
		// namespaces and sleeps until SIGTERM or SIGINT (exitOnTerm above).
		forever()
	case "statsd_exporter":
		// prometheus/statsd_exporter: metrics on --web.listen-address (default :9102), statsd
		// over TCP on --statsd.listen-tcp (default :9125; UDP is not stood in for).
		web, tcp := flag(args, "--web.listen-address"), flag(args, "--statsd.listen-tcp")
		if web == "" {
			web = ":9102"
		}
		if tcp == "" {
			tcp = ":9125"
		}
		go serve(web)
		go serve(tcp)
		forever()
	default:
		fail("no stand-in for %q", name)
	}
}
