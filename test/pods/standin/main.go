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
	"fmt"
	"io/ioutil"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
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
	for _, t := range blocks(cfg["template"]) {
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
		write(dest, fmt.Sprintf("stand-in secret rendered by the Vault agent stand-in into %s\n", dest), mode)
		say("vault agent: rendered %s (%04o)", dest, mode)
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
	forever()
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

func probeWritable(what, dir string) {
	f, err := ioutil.TempFile(dir, ".stand-in-")
	if err != nil {
		fail("%s %s is not writable: %v", what, dir, err)
	}
	f.Close()
	os.Remove(f.Name())
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
			go serve(":" + p)
		}
		forever()
	case "envoy":
		envoy(args)
	case "opa":
		opa(args)
	case "fluent-bit":
		fluentBit(args)
	case "xray":
		xrayDaemon(args)
	case "awscollector", "otelcol-contrib", "otelcol":
		otelCollector(args)
	case "healthcheck":
		otelHealthcheck(args)
	case "daprd":
		daprd(args)
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
