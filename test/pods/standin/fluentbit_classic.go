package main

// Fluent Bit with a classic (.conf) config, as FireLens runs it: ECS writes the config it
// generates at /fluent-bit/etc/fluent-bit.conf (forward inputs on the unix socket
// /var/run/fluent.sock and TCP 24224, a tcp health-check input, the ECS metadata filter and
// an @INCLUDE of config-file-value; aws-samples/amazon-ecs-firelens-under-the-hood
// generated-configs/fluent-bit). Sections are `[NAME]` with `key value` lines and
// `@INCLUDE file` (fluent-bit src/config_format/flb_cf_fluentbit.c). The stand-in reads
// each included file (an unreadable one fails as Fluent Bit does), creates the forward socket,
// binds the TCP inputs, and for tail inputs lists the path's directory and writes the DB.

import (
	"bufio"
	"net"
	"os"
	"path/filepath"
	"strings"
)

type classicSection struct {
	name   string
	values map[string]string
}

func readClassic(path string, out []classicSection) []classicSection {
	f, err := os.Open(path)
	if err != nil {
		fail("fluent-bit: %v", err)
	}
	defer f.Close()
	say("fluent-bit: read %s", path)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(strings.ToUpper(line), "@INCLUDE "):
			inc := strings.TrimSpace(line[len("@INCLUDE "):])
			if !filepath.IsAbs(inc) {
				inc = filepath.Join(filepath.Dir(path), inc)
			}
			out = readClassic(inc, out)
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			out = append(out, classicSection{name: strings.ToUpper(line[1 : len(line)-1]), values: map[string]string{}})
		case len(out) > 0:
			kv := strings.Fields(line)
			if len(kv) >= 2 {
				out[len(out)-1].values[strings.ToLower(kv[0])] = strings.Join(kv[1:], " ")
			}
		}
	}
	return out
}

func fluentBitClassic(path string) {
	for _, s := range readClassic(path, nil) {
		v := s.values
		switch {
		case s.name == "SERVICE" && strings.EqualFold(v["http_server"], "on"):
			port := v["http_port"]
			if port == "" {
				port = "2020"
			}
			go serve(net.JoinHostPort(v["http_listen"], port))
		case s.name == "INPUT" && v["name"] == "forward" && v["unix_path"] != "":
			go serveUnix(v["unix_path"], v["unix_perm"])
		case s.name == "INPUT" && (v["name"] == "forward" || v["name"] == "tcp"):
			port := v["port"]
			if port == "" {
				port = "24224"
			}
			go serve(net.JoinHostPort(v["listen"], port))
		case s.name == "INPUT" && v["name"] == "tail":
			dir := filepath.Dir(v["path"])
			if _, err := os.ReadDir(dir); err != nil {
				fail("fluent-bit: tail path %s: %v", v["path"], err)
			}
			say("fluent-bit: tail lists %s", dir)
			if db := v["db"]; db != "" {
				if err := os.WriteFile(db, []byte("stand-in"), 0644); err != nil {
					fail("fluent-bit: tail db %s: %v", db, err)
				}
			}
		}
	}
	forever()
}
