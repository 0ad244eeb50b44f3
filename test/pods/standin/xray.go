package main

// The X-Ray daemon (amazon/aws-xray-daemon, ENTRYPOINT /xray): binds the UDP address of
// --bind / -b (default 127.0.0.1:2000) and the TCP address of --bind-tcp / -t (default
// 127.0.0.1:2000), as aws/aws-xray-daemon pkg/cfg and cmd/tracing do; segments received
// on UDP are logged (not sent: no AWS here).

import (
	"net"
)

func xrayDaemon(args []string) {
	udp, tcp := flag(args, "--bind"), flag(args, "--bind-tcp")
	if udp == "" {
		udp = flag(args, "-b")
	}
	if tcp == "" {
		tcp = flag(args, "-t")
	}
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
	say("xray: listening on udp %s", pc.LocalAddr())
	go serve(tcp)
	buf := make([]byte, 64*1024)
	for {
		n, from, err := pc.ReadFrom(buf)
		if err == nil {
			say("xray: segment of %d bytes from %s", n, from)
		}
	}
}
