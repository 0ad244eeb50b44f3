package main

// Envoy's external authorization with OPA's Envoy plugin, over a STAND-IN PROTOCOL.
//
// The real protocol is gRPC (envoy.service.auth.v3.Authorization/Check, served by OPA's
// envoy_ext_authz_grpc plugin, open-policy-agent/opa-envoy-plugin internal/internal.go:
// config `addr` (default ":9191", or "unix://<path>") and `path` (default
// "envoy/authz/allow")). Neither side speaks gRPC here: the Envoy stand-in sends one line,
// "CHECK <method> <path> <source>\n", and reads one line back, "ALLOW <why>" or
// "DENY <why>". What both stand-ins do check, with calls the kernel checks, is that they agree:
// the Envoy stand-in connect()s to the endpoint of the ext_authz filter's cluster (a TCP
// socket_address or a Unix `pipe` path) and the OPA stand-in bind()s the address its config
// gives the plugin (a Unix socket with --unix-socket-perm), and the plugin's `path` names a
// rule that the loaded policies define.
//
// The OPA stand-in does not evaluate Rego: when the rule exists it answers ALLOW (saying
// so); when no loaded policy defines it, OPA's decision is undefined and the request is
// denied, as the plugin does for an undefined decision.

import (
	"bufio"
	"fmt"
	"io/ioutil"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// opaEnvoyPlugin serves the stand-in check protocol on the plugin's addr, when the config enables it.
func opaEnvoyPlugin(cfg map[interface{}]interface{}, args []string) {
	plugin, ok := ymap(cfg["plugins"])["envoy_ext_authz_grpc"]
	if !ok {
		return
	}
	p := ymap(plugin)
	addr := ystr(p["addr"])
	if addr == "" {
		addr = ":9191"
	}
	rulePath := ystr(p["path"])
	if rulePath == "" {
		rulePath = "envoy/authz/allow"
	}
	where := findRule(rulePath, policyPaths(args))
	if where == "" {
		say("opa: envoy_ext_authz_grpc: no loaded policy defines %s: every decision is undefined", rulePath)
	} else {
		say("opa: envoy_ext_authz_grpc: %s is defined in %s", rulePath, where)
	}
	var ln net.Listener
	var err error
	if strings.HasPrefix(addr, "unix://") {
		sock := strings.TrimPrefix(addr, "unix://")
		os.Remove(sock)
		ln, err = net.Listen("unix", sock)
		if err == nil {
			// OPA applies --unix-socket-perm to every Unix socket it serves (default 755).
			mode := uint64(0755)
			if perm := flag(args, "--unix-socket-perm"); perm != "" {
				fmt.Sscanf(perm, "%o", &mode)
			}
			err = os.Chmod(sock, os.FileMode(mode))
		}
	} else {
		ln, err = net.Listen("tcp", addr)
	}
	if err != nil {
		fail("opa: envoy_ext_authz_grpc: listen %s: %v", addr, err)
	}
	say("opa: envoy_ext_authz_grpc (stand-in protocol) on %s", addr)
	go acceptEach(ln, func(c net.Conn) {
		c.SetDeadline(time.Now().Add(5 * time.Second))
		line, err := bufio.NewReader(c).ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimSpace(line)
		if where == "" {
			say("opa: ext_authz %s: %s undefined: deny", line, rulePath)
			fmt.Fprintf(c, "DENY undefined decision %s\n", rulePath)
			return
		}
		say("opa: ext_authz %s: rule %s of %s (not evaluated by the stand-in): allow", line, rulePath, where)
		fmt.Fprintf(c, "ALLOW rule %s of %s\n", rulePath, where)
	})
}

// policyPaths: the positional arguments of `opa run` (files or directories of policies).
func policyPaths(args []string) []string {
	out := []string{}
	for i := 1; i < len(args); i++ {
		a := args[i]
		if strings.HasPrefix(a, "-") {
			// The library passes every valued flag as --name=value; the others are booleans.
			continue
		}
		out = append(out, a)
	}
	return out
}

var packageLine = regexp.MustCompile(`(?m)^package\s+([A-Za-z0-9_.]+)`)

// findRule returns the file defining rule `path` (a/b/rule: package a.b, rule `rule`), or "".
// Files and directories whose names start with a dot are skipped, as `--ignore=.*` tells OPA
// (a ConfigMap volume's ..data and ..<timestamp> entries).
func findRule(path string, roots []string) string {
	parts := strings.Split(path, "/")
	pkg, rule := strings.Join(parts[:len(parts)-1], "."), parts[len(parts)-1]
	ruleLine := regexp.MustCompile(`(?m)^(default\s+)?` + regexp.QuoteMeta(rule) + `\b`)
	found := ""
	for _, root := range roots {
		filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
			if err != nil || found != "" {
				return nil
			}
			if p != root && strings.HasPrefix(info.Name(), ".") {
				if info.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if info.IsDir() || !strings.HasSuffix(p, ".rego") {
				return nil
			}
			src, err := ioutil.ReadFile(p)
			if err != nil {
				fail("opa: policy %s: %v", p, err)
			}
			if m := packageLine.FindSubmatch(src); m != nil && string(m[1]) == pkg && ruleLine.Match(src) {
				found = p
			}
			return nil
		})
	}
	return found
}

// extAuthz is the Envoy side: asks the ext_authz filter's cluster, denies with 403 on a
// DENY or when the service cannot be reached (failure_mode_allow false), as Envoy does.
func (e *envoyStandIn) extAuthz(listenerName string, tc map[string]interface{}, method, path, from string) (int, bool) {
	cl := str2(asMap(asMap(tc["grpc_service"])["envoy_grpc"]), "cluster_name")
	failOpen, _ := tc["failure_mode_allow"].(bool)
	network, target := e.endpointNet(cl)
	deny := func(why string) (int, bool) {
		if failOpen {
			say("envoy: %s: ext_authz %s %s -> cluster %s: %s; failure_mode_allow", listenerName, method, path, cl, why)
			return 0, true
		}
		say("envoy: %s: ext_authz %s %s -> cluster %s: %s: 403", listenerName, method, path, cl, why)
		return 403, false
	}
	if target == "" {
		return deny("no endpoint")
	}
	c, err := net.DialTimeout(network, target, 2*time.Second)
	if err != nil {
		return deny(err.Error())
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(3 * time.Second))
	fmt.Fprintf(c, "CHECK %s %s %s\n", method, path, from)
	reply, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return deny(err.Error())
	}
	reply = strings.TrimSpace(reply)
	say("envoy: %s: ext_authz %s %s -> cluster %s (%s %s): %s", listenerName, method, path, cl, network, target, reply)
	if strings.HasPrefix(reply, "ALLOW") {
		return 0, true
	}
	return 403, false
}

// endpointNet resolves a STATIC cluster's first endpoint to a network and address: a
// socket_address (tcp) or a pipe (unix, Envoy's Pipe address).
func (e *envoyStandIn) endpointNet(name string) (string, string) {
	c, ok := e.clusters[name]
	if !ok {
		return "", ""
	}
	for _, ep := range c.LoadAssignment.Endpoints {
		for _, lb := range ep.LbEndpoints {
			a := lb.Endpoint.Address
			if a.Pipe != nil {
				return "unix", a.Pipe.Path
			}
			if a.SocketAddress != nil {
				return "tcp", net.JoinHostPort(a.SocketAddress.Address, fmt.Sprint(a.SocketAddress.PortValue))
			}
		}
	}
	return "", ""
}
