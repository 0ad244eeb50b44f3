// The stand-in: one static binary put in a local image at the paths of the real sidecar
// binaries (vault, envoy, opa, fluent-bit, otelcol-contrib, daprd, xray), which none of these
// machines can fetch. It is not the real program: it performs, with the calls the kernel
// checks, what the pod promises of that program as the library configured it, reading the
// generated config to learn what to do, so that a config naming a wrong path, a file the
// process cannot read or a directory it cannot write fails as the real program would.
//
// Built with Debian's golang-go; reads Vault agent HCL with hashicorp/hcl v1
// (golang-github-hashicorp-hcl-dev), the parser the Vault agent uses for its config.
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
	for {
		c, err := ln.Accept()
		if err != nil {
			continue
		}
		go func(c net.Conn) {
			defer c.Close()
			c.SetDeadline(time.Now().Add(5 * time.Second))
			buf := make([]byte, 4096)
			c.Read(buf)
			c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 9\r\nConnection: close\r\n\r\nstand-in\n"))
		}(c)
	}
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
		// The app: keeps running; the test checks what it can read, write and connect to
		// with `podman exec`, as the app's user, groups and capabilities.
		say("app: running as uid %d gid %d", os.Getuid(), os.Getgid())
		forever()
	default:
		fail("no stand-in for %q", name)
	}
}
