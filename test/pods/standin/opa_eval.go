package main

// `opa eval --fail '<query>'` as the library's ECS health check of OPA runs it: the one query
// form stood in for is http.send({...}).status_code == N (OPA's http.send builtin,
// open-policy-agent/opa topdown/http.go: a GET of "url" with "timeout"; --fail makes an
// undefined or false result exit 1, cmd/eval.go). Anything else is refused, never passed.

import (
	"encoding/json"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"time"
)

var httpSendQuery = regexp.MustCompile(`^http\.send\((\{.*\})\)\.status_code == ([0-9]+)$`)

func opaEval(args []string) {
	query := ""
	failing := false
	for _, a := range args {
		switch {
		case a == "--fail":
			failing = true
		case len(a) > 0 && a[0] != '-':
			query = a
		}
	}
	m := httpSendQuery.FindStringSubmatch(query)
	if m == nil {
		fail("opa eval: only http.send(...).status_code == N is stood in for, not %q", query)
	}
	var req struct {
		Method  string `json:"method"`
		URL     string `json:"url"`
		Timeout string `json:"timeout"`
	}
	if err := json.Unmarshal([]byte(m[1]), &req); err != nil {
		fail("opa eval: http.send argument: %v", err)
	}
	timeout := 5 * time.Second
	if d, err := time.ParseDuration(req.Timeout); err == nil {
		timeout = d
	}
	want, _ := strconv.Atoi(m[2])
	r, err := http.NewRequest(req.Method, req.URL, nil)
	if err != nil {
		fail("opa eval: %v", err)
	}
	resp, err := (&http.Client{Timeout: timeout}).Do(r)
	ok := err == nil && resp.StatusCode == want
	if err == nil {
		resp.Body.Close()
	}
	say("opa eval: %s %s: %v", req.Method, req.URL, ok)
	if !ok && failing {
		os.Exit(1)
	}
	os.Exit(0)
}
