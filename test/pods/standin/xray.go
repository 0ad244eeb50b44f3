package main

// The AWS X-Ray daemon stand-in (`/xray` with the flags of aws/aws-xray-daemon
// cmd/tracing/daemon.go): -b/--bind the UDP address and -t/--bind-tcp the TCP address
// (both default 127.0.0.1:2000), overriding Socket.UDPAddress / Socket.TCPAddress of the
// -c/--config YAML file (pkg/cfg/cfg.go), -m/--buffer-memory at least 3 (MB). It binds both
// addresses; on UDP it reads segments and checks the daemon header
// `{"format": "json", "version": 1}` before the newline (daemon.go poll, as the SDKs send
// it); on TCP it answers the sampling proxy's HTTP requests with 200 and a stand-in body (the
// real daemon signs and forwards them to the X-Ray API, which is not reachable here).

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"strconv"
	"strings"
)

func xray(args []string) {
	get := func(long, short, def string) string {
		for _, n := range []string{"--" + long, "-" + long, "-" + short} {
			if v := flag(args, n); v != "" {
				return v
			}
		}
		return def
	}
	udp, tcp := "127.0.0.1:2000", "127.0.0.1:2000"
	if c := get("config", "c", ""); c != "" {
		socket := ymap(readYAML(c)["Socket"])
		udp = orDefault(ystr(socket["UDPAddress"]), udp)
		tcp = orDefault(ystr(socket["TCPAddress"]), tcp)
		say("xray: read config %s", c)
	}
	udp, tcp = get("bind", "b", udp), get("bind-tcp", "t", tcp)
	if m := get("buffer-memory", "m", ""); m != "" {
		if n, err := strconv.Atoi(m); err != nil || n < 3 {
			fail("xray: Not enough Buffers Memory Allocated. Min Buffers Memory required: 3 MB (--buffer-memory %s)", m)
		}
	}
	pc, err := net.ListenPacket("udp", udp)
	if err != nil {
		fail("xray: listen udp %s: %v", udp, err)
	}
	say("xray: Starting proxy http server on %s; receiving segments on udp %s", tcp, udp)
	ln, err := net.Listen("tcp", tcp)
	if err != nil {
		fail("xray: listen tcp %s: %v", tcp, err)
	}
	go http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		say("xray: proxy %s %s", r.Method, r.URL.Path)
		w.Write([]byte(`{"SamplingRuleRecords":[],"stand-in":true}`))
	}))
	go func() {
		buf := make([]byte, 65536)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			parts := bytes.SplitN(buf[:n], []byte("\n"), 2)
			var header struct {
				Format  string `json:"format"`
				Version int    `json:"version"`
			}
			if len(parts) < 2 || len(parts[1]) == 0 {
				say("xray: Missing header or segment from %s", from)
				continue
			}
			if json.Unmarshal(parts[0], &header) != nil || header.Format != "json" || header.Version != 1 {
				say("xray: Invalid header from %s: %s", from, strings.TrimSpace(string(parts[0])))
				continue
			}
			say("xray: segment received from %s (%d bytes)", from, len(parts[1]))
		}
	}()
	forever()
}
