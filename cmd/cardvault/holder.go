package main

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// runnerName names this process in the rotation lock: host and process id.
func runnerName() string {
	host, _ := os.Hostname()
	return host + " pid " + strconv.Itoa(os.Getpid())
}

// runnerGone reports whether a rotation lock's holder (as runnerName
// writes it) ran on this host and its process no longer exists, so a
// re-run after a crash or SIGKILL need not wait out the lease. Anything
// else (another host, a live or unknown process) is not known to be gone.
func runnerGone(holder string) bool {
	host, pid, ok := strings.Cut(holder, " pid ")
	me, _ := os.Hostname()
	n, err := strconv.Atoi(pid)
	if !ok || host != me || err != nil || n <= 0 || n == os.Getpid() {
		return false
	}
	return errors.Is(syscall.Kill(n, 0), syscall.ESRCH)
}
