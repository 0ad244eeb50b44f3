package main

import (
	"bufio"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"unsafe"
)

// dropTo: `stand-in drop-to UID GID|- GROUPS|- [BOUNDING-DROP|-] -- ARGV...`, the pod tier's
// stand-in for how containerd (the kubelet's runtime) and Docker (the ECS agent, ACI) start a
// non-root process that adds capabilities: the added capabilities stay in the bounding set only,
// its permitted, effective, inheritable and ambient sets are empty after exec, because no ambient
// capabilities are set for it (kubernetes/kubernetes#56374; runc libcontainer/init_linux.go
// setupUser: setgroups, setgid, setuid without keeping capabilities). podman instead puts them
// in the ambient set of a non-root user (containers/podman#7399, #8217), so the tier starts such a
// container as root with the capabilities and runs its entrypoint (and every exec) through here.
// GID "-" is the group of UID in the container's /etc/passwd, else 0 (as runc does); GROUPS a
// comma list of supplementary groups ("-": none); BOUNDING-DROP the capability numbers the tier
// added for this step only (SETUID, SETGID, SETPCAP), removed from the bounding set first.
// Go 1.19: syscall.Setgroups, Setgid and Setuid apply to every thread of the process.
func dropTo(args []string) {
	sep := -1
	for i, a := range args {
		if a == "--" {
			sep = i
			break
		}
	}
	if sep < 3 || sep == len(args)-1 {
		fail("drop-to: usage: drop-to UID GID|- GROUPS|- [BOUNDING-DROP|-] -- ARGV...")
	}
	uid, err := strconv.Atoi(args[0])
	if err != nil {
		fail("drop-to: UID %q: %v", args[0], err)
	}
	gid := 0
	if args[1] == "-" {
		gid = passwdGroup(uid)
	} else if gid, err = strconv.Atoi(args[1]); err != nil {
		fail("drop-to: GID %q: %v", args[1], err)
	}
	// The primary group is among the supplementary groups, as podman (runc) and containerd
	// (WithAdditionalGIDs) give them.
	groups := []int{gid}
	if args[2] != "-" && args[2] != "" {
		for _, g := range strings.Split(args[2], ",") {
			n, err := strconv.Atoi(g)
			if err != nil {
				fail("drop-to: group %q: %v", g, err)
			}
			if n != gid {
				groups = append(groups, n)
			}
		}
	}
	argv := args[sep+1:]
	runtime.LockOSThread()
	if sep == 4 && args[3] != "-" {
		// prctl(PR_CAPBSET_DROP) is per thread: the locked thread is the one that execs.
		for _, c := range strings.Split(args[3], ",") {
			n, err := strconv.Atoi(c)
			if err != nil {
				fail("drop-to: capability %q: %v", c, err)
			}
			if _, _, e := syscall.RawSyscall(syscall.SYS_PRCTL, syscall.PR_CAPBSET_DROP, uintptr(n), 0); e != 0 {
				fail("drop-to: PR_CAPBSET_DROP %d: %v", n, e)
			}
		}
	}
	if err := syscall.Setgroups(groups); err != nil {
		fail("drop-to: setgroups %v: %v", groups, err)
	}
	if err := syscall.Setgid(gid); err != nil {
		fail("drop-to: setgid %d: %v", gid, err)
	}
	if err := syscall.Setuid(uid); err != nil {
		fail("drop-to: setuid %d: %v", uid, err)
	}
	// setuid from 0 already cleared permitted, effective and ambient (capabilities(7),
	// "Effect of user ID changes on capabilities"); the inheritable set is cleared too, as
	// runc and containerd leave it empty since CVE-2022-24769.
	const prCapAmbient, prCapAmbientClearAll = 47, 4
	if _, _, e := syscall.RawSyscall(syscall.SYS_PRCTL, prCapAmbient, prCapAmbientClearAll, 0); e != 0 {
		fail("drop-to: PR_CAP_AMBIENT_CLEAR_ALL: %v", e)
	}
	hdr := struct{ version, pid uint32 }{0x20080522, 0}
	var data [2]struct{ effective, permitted, inheritable uint32 }
	if _, _, e := syscall.RawSyscall(syscall.SYS_CAPSET, uintptr(unsafe.Pointer(&hdr)), uintptr(unsafe.Pointer(&data[0])), 0); e != 0 {
		fail("drop-to: capset: %v", e)
	}
	// podman set HOME for root; runc (and containerd) give the user's passwd home, else "/".
	if os.Getenv("HOME") == "/root" {
		os.Setenv("HOME", passwdField(uid, 5, "/"))
	}
	path := argv[0]
	if !strings.Contains(path, "/") {
		for _, d := range strings.Split(os.Getenv("PATH"), ":") {
			if st, err := os.Stat(d + "/" + path); err == nil && !st.IsDir() {
				path = d + "/" + path
				break
			}
		}
	}
	err = syscall.Exec(path, argv, os.Environ())
	fail("drop-to: exec %q: %v", argv, err)
}

// passwdGroup: the group of uid in /etc/passwd, or 0 when it is not listed.
func passwdGroup(uid int) int {
	g, err := strconv.Atoi(passwdField(uid, 3, "0"))
	if err != nil {
		return 0
	}
	return g
}

// passwdField: field n of uid's line in /etc/passwd, or def when it is not listed.
func passwdField(uid, n int, def string) string {
	f, err := os.Open("/etc/passwd")
	if err != nil {
		return def
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		p := strings.Split(s.Text(), ":")
		if len(p) > n && p[2] == strconv.Itoa(uid) && p[n] != "" {
			return p[n]
		}
	}
	return def
}
