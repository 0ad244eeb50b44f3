package main

// The OpenTelemetry Collector stand-in (`otelcol-contrib --config=F`, the ADOT image's
// `/awscollector --config=F`): reads the collector YAML the library wrote and, for the
// components the service uses, does what the collector does at start:
// - each receiver of a pipeline binds its endpoints: OTLP protocols.grpc.endpoint (default
//   localhost:4317) and protocols.http.endpoint (default localhost:4318)
//   (opentelemetry-collector receiver/otlpreceiver/config.go); awsxray's UDP endpoint and its
//   proxy_server.tcp_endpoint (opentelemetry-collector-contrib receiver/awsxrayreceiver);
//   statsd's UDP endpoint; any other receiver's `endpoint` over TCP;
// - each extension of service.extensions with an endpoint binds it; health_check answers 200
//   on its path (default "/") and 404 elsewhere (extension/healthcheckextension);
// - its own telemetry: service.telemetry.metrics.address, or the host/port of a pull
//   prometheus reader, default localhost:8888, none at level "none"
//   (https://opentelemetry.io/docs/collector/internal-telemetry/);
// - each `file` exporter of a pipeline opens its path for appending, creating it, as the file
//   exporter does at start (exporter/fileexporter), and writes one line to it;
// - ${env:NAME} and ${NAME} are replaced from the environment (confmap's env provider).
// It sends nothing anywhere: exporters other than `file` are only named in the log.

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"regexp"
	"sort"
	"strings"
	"time"
)

var envRef = regexp.MustCompile(`\$\{(env:)?([A-Za-z_][A-Za-z0-9_]*)\}`)

func expandEnv(s string) string {
	return envRef.ReplaceAllStringFunc(s, func(m string) string {
		return os.Getenv(envRef.FindStringSubmatch(m)[2])
	})
}

func otelcol(args []string) {
	f := flag(args, "--config")
	f = strings.TrimPrefix(f, "file:")
	if f == "" {
		fail("otelcol: no --config in %q", args)
	}
	// Each ${env:NAME} the config references, and whether the process has it (unset expands
	// to an empty string: confmap/provider/envprovider).
	if src, err := os.ReadFile(f); err == nil {
		for _, m := range envRef.FindAllStringSubmatch(string(src), -1) {
			if v, ok := os.LookupEnv(m[2]); ok && v != "" {
				say("otelcol: ${env:%s} is set", m[2])
			} else {
				say("otelcol: ${env:%s} is not set (expands to an empty string)", m[2])
			}
		}
	}
	cfg := readYAML(f)
	service := ymap(cfg["service"])
	used := map[string]map[string]bool{"receivers": {}, "exporters": {}}
	for _, p := range ymap(service["pipelines"]) {
		for kind := range used {
			for _, id := range ylist(ymap(p)[kind]) {
				used[kind][ystr(id)] = true
			}
		}
	}
	receivers := ymap(cfg["receivers"])
	for _, id := range sorted(used["receivers"]) {
		r, ok := receivers[id]
		if !ok {
			fail("otelcol: service.pipelines: receiver %q is not configured", id)
		}
		otelReceiver(id, ymap(r))
	}
	extensions := ymap(cfg["extensions"])
	for _, e := range ylist(service["extensions"]) {
		id := ystr(e)
		ext, ok := extensions[id]
		if !ok {
			fail("otelcol: service.extensions: extension %q is not configured", id)
		}
		m := ymap(ext)
		kind := strings.SplitN(id, "/", 2)[0]
		if kind == "health_check" {
			endpoint := expandEnv(ystr(m["endpoint"]))
			if endpoint == "" {
				endpoint = "localhost:13133"
			}
			path := ystr(m["path"])
			if path == "" {
				path = "/"
			}
			ln := otelListen("tcp", "extension "+id, endpoint)
			go http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != path {
					w.WriteHeader(404)
					return
				}
				fmt.Fprintln(w, `{"status":"Server available"}`)
			}))
		} else if endpoint := expandEnv(ystr(m["endpoint"])); endpoint != "" {
			go accept(otelListen("tcp", "extension "+id, endpoint))
		}
	}
	metrics := ymap(ymap(service["telemetry"])["metrics"])
	if ystr(metrics["level"]) != "none" {
		address := expandEnv(ystr(metrics["address"]))
		for _, r := range ylist(metrics["readers"]) {
			prom := ymap(ymap(ymap(ymap(r)["pull"])["exporter"])["prometheus"])
			if len(prom) > 0 {
				address = net.JoinHostPort(ystr(prom["host"]), ystr(prom["port"]))
			}
		}
		if address == "" {
			address = "localhost:8888"
		}
		go accept(otelListen("tcp", "telemetry metrics", address))
	}
	exporters := ymap(cfg["exporters"])
	for _, id := range sorted(used["exporters"]) {
		e, ok := exporters[id]
		if !ok {
			fail("otelcol: service.pipelines: exporter %q is not configured", id)
		}
		m := ymap(e)
		if strings.SplitN(id, "/", 2)[0] == "file" {
			path := expandEnv(ystr(m["path"]))
			out, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0600)
			if err != nil {
				fail("otelcol: exporter %s: %v", id, err)
			}
			fmt.Fprintln(out, `{"stand-in":"otelcol file exporter"}`)
			out.Close()
			say("otelcol: exporter %s writes %s", id, path)
		} else {
			say("otelcol: exporter %s to %s (not contacted by the stand-in)", id, expandEnv(ystr(m["endpoint"])))
		}
	}
	say("otelcol: Everything is ready. Begin running and processing data.")
	forever()
}

func otelReceiver(id string, r map[interface{}]interface{}) {
	kind := strings.SplitN(id, "/", 2)[0]
	switch kind {
	case "otlp":
		protocols := ymap(r["protocols"])
		if g, ok := protocols["grpc"]; ok {
			go accept(otelListen("tcp", "receiver "+id+" grpc", orDefault(expandEnv(ystr(ymap(g)["endpoint"])), "localhost:4317")))
		}
		if h, ok := protocols["http"]; ok {
			go accept(otelListen("tcp", "receiver "+id+" http", orDefault(expandEnv(ystr(ymap(h)["endpoint"])), "localhost:4318")))
		}
	case "awsxray", "statsd":
		def := map[string]string{"awsxray": "localhost:2000", "statsd": "localhost:8125"}[kind]
		otelUDP("receiver "+id, orDefault(expandEnv(ystr(r["endpoint"])), def))
		if kind == "awsxray" {
			p := ymap(r["proxy_server"])
			go accept(otelListen("tcp", "receiver "+id+" proxy_server", orDefault(expandEnv(ystr(p["tcp_endpoint"])), "localhost:2000")))
		}
	default:
		if e := expandEnv(ystr(r["endpoint"])); e != "" {
			go accept(otelListen("tcp", "receiver "+id, e))
		} else {
			say("otelcol: receiver %s has no endpoint the stand-in binds", id)
		}
	}
}

func orDefault(v, d string) string {
	if v == "" {
		return d
	}
	return v
}

func otelListen(network, what, address string) net.Listener {
	ln, err := net.Listen(network, address)
	if err != nil {
		fail("otelcol: %s: listen %s: %v", what, address, err)
	}
	say("otelcol: %s on %s", what, address)
	return ln
}

func otelUDP(what, address string) {
	pc, err := net.ListenPacket("udp", address)
	if err != nil {
		fail("otelcol: %s: listen udp %s: %v", what, address, err)
	}
	say("otelcol: %s on udp %s", what, address)
	go func() {
		buf := make([]byte, 65536)
		for {
			if _, _, err := pc.ReadFrom(buf); err != nil {
				return
			}
		}
	}()
}

func sorted(set map[string]bool) []string {
	out := []string{}
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// otelHealthcheck: aws-otel-collector's /healthcheck (aws-observability/aws-otel-collector
// cmd/healthcheck/main.go): a GET of http://127.0.0.1:<--port, default 13133>/, exit 0 on
// 200, else 1 (the ECS health check of the ADOT image).
func otelHealthcheck(args []string) {
	port := flag(args, "--port")
	if port == "" {
		port = "13133"
	}
	resp, err := (&http.Client{Timeout: 3 * time.Second}).Get("http://127.0.0.1:" + port + "/")
	if err != nil || resp.StatusCode != 200 {
		say("healthcheck: unhealthy (%v)", err)
		os.Exit(1)
	}
	os.Exit(0)
}
