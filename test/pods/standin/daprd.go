package main

// The daprd stand-in (`/daprd` with the flags of dapr/dapr cmd/daprd/options/options.go):
// reads its arguments and does what daprd does at start, with calls the kernel checks:
// - in Kubernetes mode with --enable-mtls, reads the Sentry token, from
//   /var/run/secrets/dapr.io/sentrytoken/token or else the service account token
//   (dapr/dapr pkg/security/token: kubeTknPath, legacyKubeTknPath), and the namespace;
// - reads every component in --resources-path / --components-path (each directory must be
//   readable) and --config when given;
// - binds the HTTP API (--dapr-http-port, default 3500) and gRPC API (--dapr-grpc-port,
//   default 50001) on each of --dapr-listen-addresses, the internal gRPC port
//   (--dapr-internal-grpc-port) and the public port (--dapr-public-port, default 3501) on all
//   addresses, and the metrics port (--metrics-port, default 9090) when metrics are enabled;
// - serves /v1.0/healthz/outbound (204 once the APIs are up) and /v1.0/healthz (204 once the
//   app channel is ready, else 500) on the public and HTTP ports;
// - the app channel: with --app-port, dials --app-channel-address (default 127.0.0.1) on that
//   port until the app listens, logging "waiting for application to listen on port N" as
//   dapr/dapr pkg/runtime does, then "application discovered on port N".
// It is not Dapr: no placement, scheduler, Sentry or mTLS traffic; the gRPC ports only accept.

import (
	"fmt"
	"io/ioutil"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"
)

func daprd(args []string) {
	get := func(name, def string) string {
		if v := flag(args, "--"+name); v != "" {
			return v
		}
		if v := flag(args, "-"+name); v != "" {
			return v
		}
		return def
	}
	has := func(name string) bool {
		return contains(args, "--"+name) || contains(args, "-"+name) || get(name, "") == "true"
	}
	if get("mode", "standalone") == "kubernetes" && has("enable-mtls") {
		token := "/var/run/secrets/dapr.io/sentrytoken/token"
		if _, err := os.Stat(token); err != nil {
			token = "/var/run/secrets/kubernetes.io/serviceaccount/token"
		}
		if _, err := ioutil.ReadFile(token); err != nil {
			fail("daprd: the Sentry token: %v", err)
		}
		say("daprd: read the Sentry token %s", token)
	}
	for _, name := range []string{"resources-path", "components-path"} {
		for _, dir := range strings.Split(get(name, ""), ",") {
			if dir == "" {
				continue
			}
			entries, err := ioutil.ReadDir(dir)
			if err != nil {
				fail("daprd: --%s: %v", name, err)
			}
			for _, e := range entries {
				if e.IsDir() || !(strings.HasSuffix(e.Name(), ".yaml") || strings.HasSuffix(e.Name(), ".yml")) {
					continue
				}
				c := readYAML(filepath.Join(dir, e.Name()))
				component := ystr(ymap(c["metadata"])["name"])
				// A metadata item with envRef is read from daprd's own environment
				// (dapr/dapr pkg/runtime/processor); a component that cannot be read fails the start.
				for _, item := range ylist(ymap(c["spec"])["metadata"]) {
					m := ymap(item)
					if ref := ystr(m["envRef"]); ref != "" {
						if v, ok := os.LookupEnv(ref); !ok || v == "" {
							fail("daprd: component %s: metadata %s: envRef %s is not set in daprd's environment", component, ystr(m["name"]), ref)
						}
						say("daprd: component %s: metadata %s from env %s", component, ystr(m["name"]), ref)
					}
				}
				say("daprd: loaded component file %s", filepath.Join(dir, e.Name()))
			}
		}
	}
	if c := get("config", ""); c != "" {
		readYAML(c)
		say("daprd: loaded configuration %s", c)
	}

	var appReady int32
	health := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1.0/healthz/outbound":
			w.WriteHeader(204)
		case "/v1.0/healthz":
			if atomic.LoadInt32(&appReady) == 1 {
				w.WriteHeader(204)
			} else {
				w.WriteHeader(500)
				fmt.Fprintln(w, `{"errorCode":"ERR_HEALTH_NOT_READY","message":"dapr is not ready"}`)
			}
		case "/v1.0/metadata":
			// The metadata API (https://docs.dapr.io/reference/api/metadata_api/): the app id and
			// the components loaded; the stand-in answers with the id only.
			fmt.Fprintf(w, "{\"id\":%q}\n", get("app-id", ""))
		default:
			w.WriteHeader(404)
		}
	})
	listenAddrs := strings.Split(get("dapr-listen-addresses", "0.0.0.0"), ",")
	for _, a := range listenAddrs {
		ln := daprListen("HTTP API", net.JoinHostPort(a, get("dapr-http-port", "3500")))
		go http.Serve(ln, health)
		go accept(daprListen("gRPC API", net.JoinHostPort(a, get("dapr-grpc-port", "50001"))))
	}
	if p := get("dapr-internal-grpc-port", ""); p != "" {
		go accept(daprListen("internal gRPC", net.JoinHostPort("", p)))
	}
	go http.Serve(daprListen("public", net.JoinHostPort(get("dapr-public-listen-address", ""), get("dapr-public-port", "3501"))), health)
	if get("enable-metrics", "true") != "false" {
		go accept(daprListen("metrics", net.JoinHostPort(get("metrics-listen-address", ""), get("metrics-port", "9090"))))
	}
	if port := get("app-port", ""); port != "" {
		target := net.JoinHostPort(get("app-channel-address", "127.0.0.1"), port)
		go func() {
			for {
				c, err := net.DialTimeout("tcp", target, time.Second)
				if err == nil {
					c.Close()
					say("daprd: application discovered on port %s (%s)", port, target)
					atomic.StoreInt32(&appReady, 1)
					return
				}
				say("daprd: waiting for application to listen on port %s", port)
				time.Sleep(500 * time.Millisecond)
			}
		}()
	} else {
		atomic.StoreInt32(&appReady, 1)
	}
	forever()
}

func daprListen(what, address string) net.Listener {
	ln, err := net.Listen("tcp", address)
	if err != nil {
		fail("daprd: %s: listen %s: %v", what, address, err)
	}
	say("daprd: %s on %s", what, ln.Addr())
	return ln
}
