package main

// The OpenTelemetry Collector (aws-otel-collector's /awscollector, otelcol-contrib): reads
// --config=<file> (YAML); binds each OTLP receiver's grpc and http endpoints (defaults
// 0.0.0.0:4317 and 0.0.0.0:4318, open-telemetry/opentelemetry-collector receiver/otlpreceiver
// config.go) and, when the health_check extension is enabled in service.extensions, answers
// its path (default "/") on its endpoint (default 0.0.0.0:13133,
// opentelemetry-collector-contrib extension/healthcheckextension) with 200. Exporters are not
// stood in for (no AWS here): they are listed in the log.
//
// aws-otel-collector's /healthcheck (aws-observability/aws-otel-collector
// cmd/healthcheck/main.go): a GET of http://127.0.0.1:<--port, default 13133>/, exit 0 on
// 200, else 1.

import (
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"
)

func otelCollector(args []string) {
	path := flag(args, "--config")
	if path == "" {
		fail("otel collector: no --config in %q", args)
	}
	path = strings.TrimPrefix(path, "file:")
	cfg := readYAML(path)
	say("otel collector: read %s", path)
	for name, r := range ymap(cfg["receivers"]) {
		if !strings.HasPrefix(fmt.Sprint(name), "otlp") {
			continue
		}
		protocols := ymap(ymap(r)["protocols"])
		for proto, def := range map[string]string{"grpc": "0.0.0.0:4317", "http": "0.0.0.0:4318"} {
			p, ok := protocols[proto]
			if !ok {
				continue
			}
			endpoint := ystr(ymap(p)["endpoint"])
			if endpoint == "" {
				endpoint = def
			}
			go serve(endpoint)
		}
	}
	enabled := map[string]bool{}
	for _, e := range ylist(ymap(cfg["service"])["extensions"]) {
		enabled[ystr(e)] = true
	}
	for name, ext := range ymap(cfg["extensions"]) {
		if !strings.HasPrefix(fmt.Sprint(name), "health_check") || !enabled[fmt.Sprint(name)] {
			continue
		}
		endpoint, p := ystr(ymap(ext)["endpoint"]), ystr(ymap(ext)["path"])
		if endpoint == "" {
			endpoint = "0.0.0.0:13133"
		}
		if p == "" {
			p = "/"
		}
		go func(endpoint, p string) {
			say("otel collector: health_check on %s%s", endpoint, p)
			err := http.ListenAndServe(endpoint, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != p {
					w.WriteHeader(404)
					return
				}
				fmt.Fprintln(w, `{"status":"Server available"}`)
			}))
			fail("otel collector: health_check %s: %v", endpoint, err)
		}(endpoint, p)
	}
	for name := range ymap(cfg["exporters"]) {
		say("otel collector: exporter %v (not stood in for)", name)
	}
	forever()
}

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
