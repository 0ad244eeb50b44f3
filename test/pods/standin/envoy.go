package main

// The Envoy stand-in: reads the generated bootstrap (JSON) and serves what it declares with
// the behaviour of the Envoy features the library uses, so that a bootstrap pointing at a
// wrong port, a listener the redirect rules never reach or a probe route that does not exist
// fails here as it would with Envoy:
// - listeners at their socket addresses; with the original_dst listener filter, the
//   connection's original destination (SO_ORIGINAL_DST, IPv4 and IPv6) picks the filter chain
//   by destination_port, else the chain without a match;
// - http_connection_manager: routes matched by prefix or exact path in order,
//   prefix_rewrite, direct_response status, the health_check filter in non-pass-through mode
//   (exact :path header; 200 when every cluster of cluster_min_healthy_percentages has a
//   reachable endpoint, else 503);
// - tcp_proxy to a cluster; clusters STATIC (first endpoint; none: the connection is closed,
//   as Envoy's blackhole), ORIGINAL_DST (the original destination), *_DNS (resolved; failing
//   resolution answers 503);
// - the admin listener: /ready is 200 once every listener is bound; GET /stats with the
//   downstream_cx_active gauge of each listener (connections open now);
// - pipe addresses (Unix domain sockets), listeners and cluster endpoints, as Envoy makes them
//   (envoyproxy/envoy api/envoy/config/core/v3/address.proto Pipe: `path`, where a leading
//   '@' on Linux names the abstract namespace, and `mode`, at most 0777, which abstract
//   sockets ignore; source/common/network/socket_impl.cc SocketImpl::bind: for a path, unlink
//   what is there, bind(), then chmod to `mode` unless it is 0, an error if chmod fails): the
//   kernel creates the socket file at bind() with the process's umask, UID and GID (Envoy's
//   runAsUser/runAsGroup); an abstract name has no file. connect() to a pipe endpoint is
//   checked by the kernel against that file (write permission) with Envoy's UID and groups.
// Every connection is logged with its listener, original destination and upstream.

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"io/ioutil"
	"net"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

type socketAddress struct {
	Address   string `json:"address"`
	PortValue int    `json:"port_value"`
}

type address struct {
	SocketAddress *socketAddress `json:"socket_address"`
	// A Unix socket (Envoy's Pipe address: path and mode).
	Pipe *struct {
		Path string `json:"path"`
		Mode uint32 `json:"mode"`
	} `json:"pipe"`
}

type typedConfig map[string]interface{}

type filter struct {
	Name        string      `json:"name"`
	TypedConfig typedConfig `json:"typed_config"`
}

type filterChain struct {
	FilterChainMatch *struct {
		DestinationPort int `json:"destination_port"`
	} `json:"filter_chain_match"`
	Filters []filter `json:"filters"`
}

type listener struct {
	Name    string  `json:"name"`
	Address address `json:"address"`
	// Further addresses the listener binds (api/envoy/config/listener/v3/listener.proto
	// additional_addresses), e.g. [::] beside 0.0.0.0: an [::] socket is IPv6-only unless
	// ipv4_compat is set (api/envoy/config/core/v3/address.proto SocketAddress.ipv4_compat).
	AdditionalAddresses []struct {
		Address address `json:"address"`
	} `json:"additional_addresses"`
	ListenerFilters []filter      `json:"listener_filters"`
	FilterChains    []filterChain `json:"filter_chains"`
	// The chain for connections no filter_chain_match selects (Envoy's Listener.default_filter_chain).
	DefaultFilterChain *filterChain `json:"default_filter_chain"`
}

type cluster struct {
	Name           string `json:"name"`
	Type           string `json:"type"`
	LoadAssignment struct {
		Endpoints []struct {
			LbEndpoints []struct {
				Endpoint struct {
					Address address `json:"address"`
				} `json:"endpoint"`
			} `json:"lb_endpoints"`
		} `json:"endpoints"`
	} `json:"load_assignment"`
}

type bootstrap struct {
	Admin struct {
		Address address `json:"address"`
	} `json:"admin"`
	StaticResources struct {
		Listeners []listener `json:"listeners"`
		Clusters  []cluster  `json:"clusters"`
	} `json:"static_resources"`
}

type envoyStandIn struct {
	clusters map[string]cluster
}

func envoy(args []string) {
	path := flag(args, "-c")
	if path == "" {
		path = flag(args, "--config-path")
	}
	src, err := ioutil.ReadFile(path)
	if err != nil {
		fail("envoy: %v", err)
	}
	var b bootstrap
	if err := json.Unmarshal(src, &b); err != nil {
		fail("envoy: %s: %v", path, err)
	}
	e := &envoyStandIn{clusters: map[string]cluster{}}
	for _, c := range b.StaticResources.Clusters {
		e.clusters[c.Name] = c
	}
	for _, l := range b.StaticResources.Listeners {
		for _, a := range append([]address{l.Address}, additional(l)...) {
			ln := listen(a)
			say("envoy: listener %s on %s", l.Name, ln.Addr())
			go e.serve(l, ln, gauge(listenerStat(ln)))
		}
	}
	if b.Admin.Address.SocketAddress != nil {
		ln := listen(b.Admin.Address)
		say("envoy: admin on %s", ln.Addr())
		admin := &countingListener{Listener: ln, active: gauge("listener.admin.downstream_cx_active")}
		go http.Serve(admin, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch r.URL.Path {
			case "/ready":
				fmt.Fprintln(w, "LIVE")
			case "/stats":
				// GET /stats (envoyproxy/envoy docs/root/operations/admin.rst): one "name: value"
				// line per stat, `filter` a regular expression on the name. The stand-in keeps the
				// downstream_cx_active gauge of each listener (docs/root/configuration/listeners/
				// stats.rst: rooted at listener.<address>., "Total active connections") and of the
				// admin listener (listener.admin.), counting the connections open now.
				filter, err := regexp.Compile(r.URL.Query().Get("filter"))
				if err != nil {
					w.WriteHeader(400)
					return
				}
				for _, line := range gaugeLines() {
					if filter.MatchString(strings.SplitN(line, ":", 2)[0]) {
						fmt.Fprintln(w, line)
					}
				}
			case "/stats/prometheus":
				fmt.Fprintln(w, "# stand-in")
			case "/drain_listeners", "/healthcheck/fail", "/quitquitquit":
				// Envoy's admin takes these as POST only (envoyproxy/envoy docs/root/operations/admin.rst:
				// "POST /drain_listeners", "POST /healthcheck/fail", "POST /quitquitquit"); a GET is refused.
				if r.Method != http.MethodPost {
					w.WriteHeader(405)
					return
				}
				say("envoy: admin: POST %s?%s", r.URL.Path, r.URL.RawQuery)
				fmt.Fprintln(w, "OK")
			default:
				w.WriteHeader(404)
			}
		}))
	}
	forever()
}

func listen(a address) net.Listener {
	if a.Pipe != nil {
		return listenPipe(a.Pipe.Path, a.Pipe.Mode)
	}
	if a.SocketAddress == nil {
		fail("envoy: an address with neither socket_address nor pipe")
	}
	host := a.SocketAddress.Address
	network := "tcp4"
	if strings.Contains(host, ":") {
		network = "tcp6"
	}
	ln, err := net.Listen(network, net.JoinHostPort(host, strconv.Itoa(a.SocketAddress.PortValue)))
	if err != nil {
		fail("envoy: listen %s:%d: %v", host, a.SocketAddress.PortValue, err)
	}
	return ln
}

// listenPipe binds a Unix socket as Envoy's SocketImpl::bind does (see the header): an abstract
// name ('@', which Go's net package maps to the leading NUL as Envoy's PipeInstance does) is
// bound as is; a path is unlinked first, bound (the kernel creates the file with the
// process's UID, GID and umask), then given `mode` when it is not 0.
func listenPipe(path string, mode uint32) net.Listener {
	abstract := strings.HasPrefix(path, "@")
	if !abstract {
		syscall.Unlink(path)
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		fail("envoy: listen pipe %s: %v", path, err)
	}
	if abstract {
		return ln
	}
	if mode != 0 {
		if err := syscall.Chmod(path, mode); err != nil {
			fail("envoy: pipe %s: chmod %04o: %v", path, mode, err)
		}
	}
	return ln
}

// dial connects to an upstream: "unix:<path>" a pipe endpoint (connect() as Envoy's UID and
// GID, which the kernel checks against the socket file's mode: write permission), else TCP.
func dial(up string, timeout time.Duration) (net.Conn, error) {
	if strings.HasPrefix(up, "unix:") {
		return net.DialTimeout("unix", strings.TrimPrefix(up, "unix:"), timeout)
	}
	return net.DialTimeout("tcp", up, timeout)
}

// peer names a connection's client: a TCP address, or for a Unix socket the client's
// credentials (SO_PEERCRED), which the kernel records at connect().
func peer(c net.Conn) string {
	uc, ok := c.(*net.UnixConn)
	if !ok {
		return c.RemoteAddr().String()
	}
	raw, err := uc.SyscallConn()
	if err != nil {
		return "unix"
	}
	who := "unix"
	raw.Control(func(fd uintptr) {
		if cred, err := syscall.GetsockoptUcred(int(fd), syscall.SOL_SOCKET, syscall.SO_PEERCRED); err == nil {
			who = fmt.Sprintf("unix(uid %d gid %d)", cred.Uid, cred.Gid)
		}
	})
	return who
}

func additional(l listener) []address {
	out := []address{}
	for _, a := range l.AdditionalAddresses {
		out = append(out, a.Address)
	}
	return out
}

func hasFilter(fs []filter, name string) bool {
	for _, f := range fs {
		if f.Name == name {
			return true
		}
	}
	return false
}

// originalDst reads SO_ORIGINAL_DST (netfilter; 80 on SOL_IP and SOL_IPV6).
func originalDst(c net.Conn) (net.IP, int, error) {
	raw, err := c.(*net.TCPConn).SyscallConn()
	if err != nil {
		return nil, 0, err
	}
	var ip net.IP
	var port int
	var serr error
	local := c.LocalAddr().(*net.TCPAddr)
	raw.Control(func(fd uintptr) {
		if local.IP.To4() != nil {
			mreq, err := syscall.GetsockoptIPv6Mreq(int(fd), syscall.IPPROTO_IP, 80)
			if err != nil {
				serr = err
				return
			}
			port = int(binary.BigEndian.Uint16(mreq.Multiaddr[2:4]))
			ip = net.IPv4(mreq.Multiaddr[4], mreq.Multiaddr[5], mreq.Multiaddr[6], mreq.Multiaddr[7])
		} else {
			info, err := syscall.GetsockoptIPv6MTUInfo(int(fd), syscall.IPPROTO_IPV6, 80)
			if err != nil {
				serr = err
				return
			}
			b := (*[2]byte)(unsafePointer(&info.Addr.Port))
			port = int(binary.BigEndian.Uint16(b[:]))
			ip = net.IP(info.Addr.Addr[:])
		}
	})
	return ip, port, serr
}

func (e *envoyStandIn) serve(l listener, ln net.Listener, active *int64) {
	transparent := hasFilter(l.ListenerFilters, "envoy.filters.listener.original_dst")
	acceptEach(ln, func(c net.Conn) {
		// Open from accept until the handling ends (acceptEach then closes it).
		atomic.AddInt64(active, 1)
		defer atomic.AddInt64(active, -1)
		if _, unix := c.(*net.UnixConn); unix {
			// A pipe listener: no port, no original destination; the chain without a match.
			e.chain(l, c, pickChain(l.FilterChains, 0), "unix:"+l.Address.Pipe.Path)
			return
		}
		local := c.LocalAddr().(*net.TCPAddr)
		dstIP, dstPort := local.IP, local.Port
		if transparent {
			ip, port, err := originalDst(c)
			if err != nil {
				say("envoy: %s: no original destination: %v", l.Name, err)
				return
			}
			dstIP, dstPort = ip, port
		}
		chain := pickChain(l.FilterChains, dstPort)
		if chain == nil {
			chain = l.DefaultFilterChain
		}
		e.chain(l, c, chain, net.JoinHostPort(dstIP.String(), strconv.Itoa(dstPort)))
	})
}

func (e *envoyStandIn) chain(l listener, c net.Conn, chain *filterChain, origin string) {
	if chain == nil {
		say("envoy: %s: connection from %s to %s: no filter chain matches, closed", l.Name, peer(c), origin)
		return
	}
	for _, f := range chain.Filters {
		switch f.Name {
		case "envoy.filters.network.tcp_proxy":
			cl, _ := f.TypedConfig["cluster"].(string)
			e.tcpProxy(l.Name, c, cl, origin)
			return
		case "envoy.filters.network.http_connection_manager":
			e.http(l.Name, c, f.TypedConfig, origin)
			return
		}
	}
	say("envoy: %s: no terminal filter in the chain for %s", l.Name, origin)
}

func pickChain(chains []filterChain, port int) *filterChain {
	for i := range chains {
		if m := chains[i].FilterChainMatch; m != nil && m.DestinationPort == port {
			return &chains[i]
		}
	}
	for i := range chains {
		if m := chains[i].FilterChainMatch; m == nil || m.DestinationPort == 0 {
			return &chains[i]
		}
	}
	return nil
}

// endpoint resolves a cluster to one upstream address, or "" when it has none.
func (e *envoyStandIn) endpoint(name, origin string) (string, error) {
	c, ok := e.clusters[name]
	if !ok {
		return "", fmt.Errorf("unknown cluster %q", name)
	}
	if c.Type == "ORIGINAL_DST" {
		return origin, nil
	}
	for _, ep := range c.LoadAssignment.Endpoints {
		for _, lb := range ep.LbEndpoints {
			if p := lb.Endpoint.Address.Pipe; p != nil {
				return "unix:" + p.Path, nil
			}
			sa := lb.Endpoint.Address.SocketAddress
			if sa == nil {
				continue
			}
			if c.Type == "STRICT_DNS" || c.Type == "LOGICAL_DNS" {
				if _, err := net.LookupHost(sa.Address); err != nil {
					return "", fmt.Errorf("cluster %s: %v", name, err)
				}
			}
			return net.JoinHostPort(sa.Address, strconv.Itoa(sa.PortValue)), nil
		}
	}
	return "", nil
}

func (e *envoyStandIn) tcpProxy(listenerName string, c net.Conn, cl, origin string) {
	up, err := e.endpoint(cl, origin)
	if err != nil || up == "" {
		say("envoy: %s: connection from %s to %s -> cluster %s: no endpoint, closed", listenerName, peer(c), origin, cl)
		return
	}
	u, err := dial(up, 3*time.Second)
	if err != nil {
		say("envoy: %s: connection from %s to %s -> cluster %s (%s): %v", listenerName, peer(c), origin, cl, up, err)
		return
	}
	defer u.Close()
	say("envoy: %s: connection from %s to %s -> cluster %s (%s)", listenerName, peer(c), origin, cl, up)
	go io.Copy(u, c)
	io.Copy(c, u)
}

func str2(m map[string]interface{}, k string) string {
	s, _ := m[k].(string)
	return s
}

func (e *envoyStandIn) http(listenerName string, c net.Conn, hcm typedConfig, origin string) {
	c.SetDeadline(time.Now().Add(20 * time.Second))
	req, err := http.ReadRequest(bufio.NewReader(c))
	if err != nil {
		return
	}
	status, body := e.route(listenerName, hcm, req, origin, peer(c))
	fmt.Fprintf(c, "HTTP/1.1 %d %s\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", status, http.StatusText(status), len(body), body)
}

func (e *envoyStandIn) route(listenerName string, hcm typedConfig, req *http.Request, origin, from string) (int, string) {
	path := req.URL.RequestURI()
	for _, hf := range asList(hcm["http_filters"]) {
		f := asMap(hf)
		// ext_authz before the router, in filter order (stand-in protocol: ext_authz.go).
		if str2(f, "name") == "envoy.filters.http.ext_authz" {
			if status, ok := e.extAuthz(listenerName, asMap(f["typed_config"]), req.Method, path, from); !ok {
				return status, ""
			}
			continue
		}
		if str2(f, "name") != "envoy.filters.http.health_check" {
			continue
		}
		tc := asMap(f["typed_config"])
		for _, h := range asList(tc["headers"]) {
			hm := asMap(h)
			if str2(hm, "name") == ":path" && str2(asMap(hm["string_match"]), "exact") == req.URL.Path {
				for cl := range asMap(tc["cluster_min_healthy_percentages"]) {
					up, err := e.endpoint(cl, origin)
					if err != nil || up == "" {
						return 503, "no healthy upstream\n"
					}
					conn, err := dial(up, 2*time.Second)
					if err != nil {
						say("envoy: %s: health check %s: cluster %s (%s) unhealthy: %v", listenerName, req.URL.Path, cl, up, err)
						return 503, "no healthy upstream\n"
					}
					conn.Close()
				}
				say("envoy: %s: health check %s: 200", listenerName, req.URL.Path)
				return 200, ""
			}
		}
	}
	rc := asMap(hcm["route_config"])
	for _, vh := range asList(rc["virtual_hosts"]) {
		for _, r := range asList(asMap(vh)["routes"]) {
			rm := asMap(r)
			match := asMap(rm["match"])
			prefix, hasPrefix := match["prefix"].(string)
			exact, hasPath := match["path"].(string)
			if !(hasPrefix && strings.HasPrefix(path, prefix) || hasPath && req.URL.Path == exact) {
				continue
			}
			if dr, ok := rm["direct_response"]; ok {
				st, _ := asMap(dr)["status"].(float64)
				say("envoy: %s: %s %s from %s to %s: direct response %d", listenerName, req.Method, path, from, origin, int(st))
				return int(st), ""
			}
			rt := asMap(rm["route"])
			cl := str2(rt, "cluster")
			target := path
			if pr, ok := rt["prefix_rewrite"].(string); ok && hasPrefix {
				target = pr + strings.TrimPrefix(path, prefix)
			}
			up, err := e.endpoint(cl, origin)
			if err != nil || up == "" {
				say("envoy: %s: %s %s from %s to %s -> cluster %s: no upstream (%v)", listenerName, req.Method, path, from, origin, cl, err)
				return 503, "no healthy upstream\n"
			}
			// A pipe upstream: the request goes over the Unix socket (the URL's host is only the Host header's stand-in).
			client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
				DisableKeepAlives: true,
				DialContext:       func(ctx context.Context, _, _ string) (net.Conn, error) { return dial(up, 3*time.Second) },
			}}
			host := up
			if strings.HasPrefix(up, "unix:") {
				host = "pipe"
			}
			resp, err := client.Do(mustRequest(req.Method, "http://"+host+target, req.Host))
			if err != nil {
				say("envoy: %s: %s %s from %s to %s -> cluster %s (%s%s): %v", listenerName, req.Method, path, from, origin, cl, up, target, err)
				return 503, "upstream connect error\n"
			}
			defer resp.Body.Close()
			b, _ := ioutil.ReadAll(resp.Body)
			say("envoy: %s: %s %s from %s to %s -> cluster %s (%s%s): %d", listenerName, req.Method, path, from, origin, cl, up, target, resp.StatusCode)
			return resp.StatusCode, string(b)
		}
	}
	return 404, ""
}

func mustRequest(method, url, host string) *http.Request {
	r, err := http.NewRequest(method, url, nil)
	if err != nil {
		fail("envoy: %v", err)
	}
	r.Host = host
	return r
}

func asMap(v interface{}) map[string]interface{} {
	if m, ok := v.(map[string]interface{}); ok {
		return m
	}
	return map[string]interface{}{}
}

func asList(v interface{}) []interface{} {
	if l, ok := v.([]interface{}); ok {
		return l
	}
	return nil
}

// Gauges of open downstream connections by stat name (see GET /stats).
var (
	gaugesMu sync.Mutex
	gauges   = map[string]*int64{}
)

func gauge(name string) *int64 {
	gaugesMu.Lock()
	defer gaugesMu.Unlock()
	if g, ok := gauges[name]; ok {
		return g
	}
	g := new(int64)
	gauges[name] = g
	return g
}

func gaugeLines() []string {
	gaugesMu.Lock()
	defer gaugesMu.Unlock()
	var lines []string
	for name, g := range gauges {
		lines = append(lines, fmt.Sprintf("%s: %d", name, atomic.LoadInt64(g)))
	}
	sort.Strings(lines)
	return lines
}

// listenerStat is the stat name of a listener's gauge without a stat_prefix: Envoy roots a
// listener's statistics at listener.<address>. with the address's ':' written '_' (e.g.
// listener.0.0.0.0_15006.); a pipe at listener.<path>.
func listenerStat(ln net.Listener) string {
	return "listener." + strings.ReplaceAll(ln.Addr().String(), ":", "_") + ".downstream_cx_active"
}

// countingListener counts each accepted connection in `active` until it is closed.
type countingListener struct {
	net.Listener
	active *int64
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return c, err
	}
	atomic.AddInt64(l.active, 1)
	return &countedConn{Conn: c, active: l.active}, nil
}

type countedConn struct {
	net.Conn
	active *int64
	once   sync.Once
}

func (c *countedConn) Close() error {
	c.once.Do(func() { atomic.AddInt64(c.active, -1) })
	return c.Conn.Close()
}
