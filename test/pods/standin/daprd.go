package main

// daprd (daprio/daprd, ENTRYPOINT /daprd) in standalone mode, with the flags of dapr/dapr
// cmd/daprd/options/options.go: reads every component in --resources-path (each envRef must
// name a variable of its environment, as dapr's component loader resolves it,
// pkg/components/...: a missing one fails the component) and the --config file; binds the
// HTTP API (--dapr-http-port, default 3500) and gRPC API (--dapr-grpc-port, default 50001) on
// --dapr-listen-addresses, the internal gRPC port on --dapr-internal-grpc-listen-address, the
// public port (--dapr-public-port, /v1.0/healthz answered 204 once loaded) and the metrics
// port (--metrics-port, default 9090) on all interfaces.

import (
	"io/ioutil"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
)

func daprd(args []string) {
	if mode := flag(args, "--mode"); mode != "standalone" {
		fail("daprd: only --mode standalone is stood in for, not %q", mode)
	}
	dir := flag(args, "--resources-path")
	if dir == "" {
		dir = flag(args, "--components-path")
	}
	if dir != "" {
		entries, err := ioutil.ReadDir(dir)
		if err != nil {
			fail("daprd: resources path: %v", err)
		}
		for _, e := range entries {
			if e.IsDir() || !(strings.HasSuffix(e.Name(), ".yaml") || strings.HasSuffix(e.Name(), ".yml")) {
				continue
			}
			c := readYAML(filepath.Join(dir, e.Name()))
			for _, m := range ylist(ymap(c["spec"])["metadata"]) {
				if ref := ystr(ymap(m)["envRef"]); ref != "" {
					if _, ok := os.LookupEnv(ref); !ok {
						fail("daprd: component %v: envRef %s is not set", ymap(c["metadata"])["name"], ref)
					}
					say("daprd: component %v: %s from $%s", ymap(c["metadata"])["name"], ystr(ymap(m)["name"]), ref)
				}
			}
		}
	}
	if cfg := flag(args, "--config"); cfg != "" {
		readYAML(cfg)
		say("daprd: read config %s", cfg)
	}
	or := func(v, d string) string {
		if v == "" {
			return d
		}
		return v
	}
	listen := strings.Split(or(flag(args, "--dapr-listen-addresses"), "0.0.0.0"), ",")
	for _, a := range listen {
		go serve(net.JoinHostPort(a, or(flag(args, "--dapr-http-port"), "3500")))
		go serve(net.JoinHostPort(a, or(flag(args, "--dapr-grpc-port"), "50001")))
	}
	if p := flag(args, "--dapr-internal-grpc-port"); p != "" {
		go serve(net.JoinHostPort(or(flag(args, "--dapr-internal-grpc-listen-address"), "0.0.0.0"), p))
	}
	if contains(args, "--enable-metrics") || flag(args, "--enable-metrics") == "true" {
		go serve(net.JoinHostPort("", or(flag(args, "--metrics-port"), "9090")))
	}
	if p := flag(args, "--dapr-public-port"); p != "" {
		go func() {
			err := http.ListenAndServe(":"+p, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/v1.0/healthz" || r.URL.Path == "/v1.0/healthz/outbound" {
					w.WriteHeader(204)
					return
				}
				w.WriteHeader(404)
			}))
			fail("daprd: public port %s: %v", p, err)
		}()
	}
	forever()
}
