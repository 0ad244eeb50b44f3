package main

// Stand-ins for daprd, the OpenTelemetry Collector (otelcol-contrib and ADOT's awscollector)
// and the AWS X-Ray daemon. Like the others, each reads the configuration the library
// generated (flags, component and config files) and does with kernel-checked calls what the
// real program does with it: binds the addresses it names, reads the files it names, resolves
// the environment references it names, and answers its health endpoints only when the real
// program would.

import (
	"fmt"
	"io/ioutil"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"time"
)

// serveHTTP listens on address (fails like the program would when it cannot bind) and serves h.
func serveHTTP(what, address string, h http.HandlerFunc) {
	ln, err := net.Listen("tcp", address)
	if err != nil {
		fail("%s: listen %s: %v", what, address, err)
	}
	say("%s: listening on %s", what, address)
	go http.Serve(ln, h)
}

// daprd: `daprd --mode standalone ...` (flags of dapr/dapr cmd/daprd/options/options.go).
//   - --resources-path: every YAML file is a component; a metadata item with envRef is read
//     from daprd's environment (dapr/dapr pkg/runtime/processor: envRef resolves an environment
//     variable of the daprd process), a component that cannot be read fails the start;
//   - --config: the Configuration file, read at start (a missing file fails the start);
//   - the HTTP API on --dapr-http-port at each --dapr-listen-addresses, gRPC on
//     --dapr-grpc-port and the internal gRPC on --dapr-internal-grpc-port at
//     --dapr-internal-grpc-listen-address, the public health port --dapr-public-port on all
//     addresses, metrics on --metrics-port;
//   - /v1.0/healthz/outbound answers 204 once the components are loaded, /v1.0/healthz only
//     once the app channel is up too: daprd waits until the app port (--app-port on
//     127.0.0.1) accepts a connection (https://docs.dapr.io/reference/api/health_api/,
//     https://docs.dapr.io/operations/resiliency/health-checks/sidecar-health/).
func daprd(args []string) {
	if m := flag(args, "--mode"); m != "" && m != "standalone" {
		fail("daprd: only --mode standalone is stood in for, not %q", m)
	}
	if dir := flag(args, "--resources-path"); dir != "" {
		files, err := ioutil.ReadDir(dir)
		if err != nil {
			fail("daprd: --resources-path: %v", err)
		}
		for _, f := range files {
			if f.IsDir() || !(strings.HasSuffix(f.Name(), ".yaml") || strings.HasSuffix(f.Name(), ".yml")) {
				continue
			}
			c := readYAML(filepath.Join(dir, f.Name()))
			name := ystr(ymap(c["metadata"])["name"])
			for _, item := range ylist(ymap(c["spec"])["metadata"]) {
				m := ymap(item)
				if ref := ystr(m["envRef"]); ref != "" {
					if v, ok := os.LookupEnv(ref); !ok || v == "" {
						fail("daprd: component %s: metadata %s: envRef %s is not set in daprd's environment", name, ystr(m["name"]), ref)
					}
					say("daprd: component %s: metadata %s from env %s", name, ystr(m["name"]), ref)
				}
			}
			say("daprd: component %s (%s) loaded from %s", name, ystr(ymap(c["spec"])["type"]), f.Name())
		}
	}
	if cfg := flag(args, "--config"); cfg != "" {
		c := readYAML(cfg)
		say("daprd: configuration %s read", ystr(ymap(c["metadata"])["name"]))
	}
	var appReady int32
	appPort := flag(args, "--app-port")
	go func() {
		for appPort != "" {
			if c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", appPort), time.Second); err == nil {
				c.Close()
				say("daprd: app channel: app port %s answers", appPort)
				atomic.StoreInt32(&appReady, 1)
				return
			}
			time.Sleep(300 * time.Millisecond)
		}
		atomic.StoreInt32(&appReady, 1)
	}()
	health := func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1.0/healthz/outbound":
			w.WriteHeader(204)
		case "/v1.0/healthz":
			if atomic.LoadInt32(&appReady) == 1 {
				w.WriteHeader(204)
			} else {
				w.WriteHeader(500)
			}
		case "/v1.0/metadata":
			fmt.Fprintln(w, `{"id":"stand-in"}`)
		default:
			w.WriteHeader(404)
		}
	}
	listen := strings.Split(flag(args, "--dapr-listen-addresses"), ",")
	if listen[0] == "" {
		listen = []string{""}
	}
	orDefault := func(v, d string) string {
		if v == "" {
			return d
		}
		return v
	}
	for _, a := range listen {
		serveHTTP("daprd http", net.JoinHostPort(a, orDefault(flag(args, "--dapr-http-port"), "3500")), health)
		go serve(net.JoinHostPort(a, orDefault(flag(args, "--dapr-grpc-port"), "50001")))
	}
	go serve(net.JoinHostPort(flag(args, "--dapr-internal-grpc-listen-address"), orDefault(flag(args, "--dapr-internal-grpc-port"), "50002")))
	if p := flag(args, "--dapr-public-port"); p != "" {
		serveHTTP("daprd public", net.JoinHostPort("", p), health)
	}
	if contains(args, "--enable-metrics") {
		go serve(net.JoinHostPort("", orDefault(flag(args, "--metrics-port"), "9090")))
	}
	forever()
}

var envRef = regexp.MustCompile(`\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}`)

// otelcol: `otelcol-contrib --config=F` or `awscollector --config=F`. Reads the YAML config,
// reports each ${env:NAME} the config references and whether the process has it (the
// collector's env provider expands it at load: open-telemetry/opentelemetry-collector
// confmap/provider/envprovider), binds the OTLP receivers' endpoints and the health_check
// extension's (default port 13133, answering 200 on its path, default "/": 
// opentelemetry-collector-contrib extension/healthcheckextension).
func otelcol(name string, args []string) {
	path := flag(args, "--config")
	src, err := ioutil.ReadFile(path)
	if err != nil {
		fail("%s: --config: %v", name, err)
	}
	for _, m := range envRef.FindAllStringSubmatch(string(src), -1) {
		if v, ok := os.LookupEnv(m[1]); ok && v != "" {
			say("%s: ${env:%s} is set", name, m[1])
		} else {
			say("%s: ${env:%s} is not set (expands to an empty string)", name, m[1])
		}
	}
	cfg := readYAML(path)
	for rname, r := range ymap(cfg["receivers"]) {
		if !strings.HasPrefix(fmt.Sprint(rname), "otlp") {
			continue
		}
		for proto, p := range ymap(ymap(r)["protocols"]) {
			ep := ystr(ymap(p)["endpoint"])
			if ep == "" {
				ep = map[string]string{"grpc": "localhost:4317", "http": "localhost:4318"}[fmt.Sprint(proto)]
			}
			go serve(ep)
		}
	}
	for ename, e := range ymap(cfg["extensions"]) {
		if !strings.HasPrefix(fmt.Sprint(ename), "health_check") {
			continue
		}
		ep := ystr(ymap(e)["endpoint"])
		if ep == "" {
			ep = "localhost:13133"
		}
		p := ystr(ymap(e)["path"])
		if p == "" {
			p = "/"
		}
		serveHTTP(name+" health_check", ep, func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == p {
				fmt.Fprintln(w, `{"status":"Server available"}`)
			} else {
				w.WriteHeader(404)
			}
		})
	}
	forever()
}

// xray: `xray --bind A --bind-tcp B`: segments over UDP on --bind (default 127.0.0.1:2000),
// the sampling proxy over TCP on --bind-tcp (default 127.0.0.1:2000)
// (aws/aws-xray-daemon pkg/cfg/cfg.go defaults, cmd/tracing/daemon.go). Each UDP datagram
// received is logged with its header line.
func xray(args []string) {
	udp, tcp := flag(args, "--bind"), flag(args, "--bind-tcp")
	if udp == "" {
		udp = "127.0.0.1:2000"
	}
	if tcp == "" {
		tcp = "127.0.0.1:2000"
	}
	pc, err := net.ListenPacket("udp", udp)
	if err != nil {
		fail("xray: listen udp %s: %v", udp, err)
	}
	say("xray: segments on udp %s", udp)
	go serve(tcp)
	buf := make([]byte, 65536)
	for {
		n, from, err := pc.ReadFrom(buf)
		if err != nil {
			continue
		}
		say("xray: segment from %s: %s", from, strings.SplitN(string(buf[:n]), "\n", 2)[0])
	}
}
