package main

// The stand-in of Istio's `pilot-agent istio-iptables --run-validation --skip-rule-apply`
// (the istio-validation init container of CNI mode), as istio/istio
// tools/istio-iptables/pkg/validation/validator.go does it: listen on 127.0.0.1 at the
// proxy port (-p, 15001) and the inbound capture port (-z, 15006), dial 127.0.0.6:15002
// (the iptables probe port) from 127.0.0.1 once a second, and pass when a listener accepts
// a connection whose original destination port (SO_ORIGINAL_DST) is 15002: only redirect
// rules already in the pod's network namespace can bring it there. No such connection within
// the probe timeout (5 s by default, --probe-timeout) is "validation timeout", exit 1.

import (
	"net"
	"strconv"
	"time"
)

func pilotAgent(args []string) {
	if len(args) == 0 || args[0] != "istio-iptables" || !contains(args, "--run-validation") || !contains(args, "--skip-rule-apply") {
		fail("pilot-agent: only `istio-iptables --run-validation --skip-rule-apply` is stood in for, not %q", args)
	}
	proxyPort, inboundPort := flag(args, "-p"), flag(args, "-z")
	if proxyPort == "" {
		proxyPort = "15001"
	}
	if inboundPort == "" {
		inboundPort = "15006"
	}
	timeout := 5 * time.Second
	if t, err := time.ParseDuration(flag(args, "--probe-timeout")); err == nil {
		timeout = t
	}
	const probePort = 15002
	done := make(chan struct{}, 2)
	listening := false
	for _, p := range []string{proxyPort, inboundPort} {
		ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", p))
		if err != nil {
			say("pilot-agent: validation: listen 127.0.0.1:%s: %v", p, err)
			continue
		}
		listening = true
		go func(ln net.Listener) {
			for {
				c, err := ln.Accept()
				if err != nil {
					continue
				}
				_, port, err := originalDst(c)
				c.Write([]byte(strconv.Itoa(port)))
				c.Close()
				if err == nil && port == probePort {
					say("pilot-agent: validation: connection to 127.0.0.6:%d redirected to %s", probePort, ln.Addr())
					done <- struct{}{}
					return
				}
			}
		}(ln)
	}
	if !listening {
		fail("pilot-agent: validation: no listener available")
	}
	go func() {
		laddr := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)}
		raddr := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 6), Port: probePort}
		for {
			if c, err := net.DialTCP("tcp", laddr, raddr); err == nil {
				c.Close()
			}
			time.Sleep(time.Second)
		}
	}()
	select {
	case <-done:
		say("pilot-agent: Validation passed, iptables rules established")
	case <-time.After(timeout):
		fail("pilot-agent: Validation failed: validation timeout (no connection to 127.0.0.6:%d was redirected)", probePort)
	}
}
