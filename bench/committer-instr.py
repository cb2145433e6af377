#!/usr/bin/env python3
# Measurement only, never committed into the store: patches internal/store/sqlite/groupcommit.go
# in place so that the group committer runs on its own OS thread and writes, every 2 s, to the file
# named by $GCLOG: groups, jobs (Tx calls), group sizes, wall time and *thread CPU time*
# (CLOCK_THREAD_CPUTIME_ID) of the statements and of the COMMIT, per job. Build, then restore:
#   python3 bench/committer-instr.py && go build -o /tmp/cv-instr ./cmd/cardvault; git checkout internal/store/sqlite/groupcommit.go
# (ROOT: the tree to patch, default the current directory). Used for "Round five (issue 17): tokenize".
import os
p=os.environ.get('ROOT','.')+'/internal/store/sqlite/groupcommit.go'
s=open(p).read()
s=s.replace('''	"sync/atomic"
)''','''	"sync/atomic"
	"os"
	"runtime"
	"syscall"
	"time"
	"unsafe"
)

func threadCPU() time.Duration {
	var ts syscall.Timespec
	syscall.RawSyscall(syscall.SYS_CLOCK_GETTIME, 3, uintptr(unsafe.Pointer(&ts)), 0)
	return time.Duration(ts.Nano())
}

var cpuStmts, cpuCommit time.Duration

var instr struct {
	mu                              sync.Mutex
	groups, jobs, maxg              int64
	busy, stmts, commit, wait, maxw time.Duration
	hist                            [8]int64
	last                            time.Time
	f                               *os.File
}

func instrGroup(n int, stmts, commit time.Duration) {
	instr.mu.Lock()
	defer instr.mu.Unlock()
	instr.groups++
	instr.jobs += int64(n)
	if int64(n) > instr.maxg {
		instr.maxg = int64(n)
	}
	b := 0
	for x := n; x > 1 && b < 7; x >>= 1 {
		b++
	}
	instr.hist[b]++
	instr.stmts += stmts
	instr.commit += commit
	if time.Since(instr.last) > 2*time.Second {
		if instr.f == nil {
			instr.f, _ = os.OpenFile(os.Getenv("GCLOG"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		}
		if instr.groups > 0 && instr.f != nil {
			fmt.Fprintf(instr.f, "%s groups=%d jobs=%d mean=%.1f max=%d stmts/group=%v commit/group=%v stmts/job=%v commit/job=%v cpustmts/job=%v cpucommit/job=%v wait/job=%v maxwait=%v hist(1,2-3,4-7,..)=%v\\n", time.Now().Format("15:04:05"),
				instr.groups, instr.jobs, float64(instr.jobs)/float64(instr.groups), instr.maxg,
				instr.stmts/time.Duration(instr.groups), instr.commit/time.Duration(instr.groups),
				instr.stmts/time.Duration(instr.jobs), instr.commit/time.Duration(instr.jobs), cpuStmts/time.Duration(instr.jobs), cpuCommit/time.Duration(instr.jobs), instr.wait/time.Duration(max(instr.jobs, 1)), instr.maxw, instr.hist)
		}
		instr.groups, instr.jobs, instr.maxg, instr.stmts, instr.commit, instr.wait, instr.maxw = 0, 0, 0, 0, 0, 0, 0
		instr.hist = [8]int64{}
		cpuStmts, cpuCommit = 0, 0
		instr.last = time.Now()
	}
}

func instrWait(d time.Duration) {
	instr.mu.Lock()
	instr.wait += d
	if d > instr.maxw {
		instr.maxw = d
	}
	instr.mu.Unlock()
}''')
s=s.replace('''	j := &job{ctx: ctx, fn: fn, done: make(chan struct{})}''','''	j := &job{ctx: ctx, fn: fn, done: make(chan struct{})}
	t0 := time.Now()
	defer func() { instrWait(time.Since(t0)) }()''')
s=s.replace('''	finished = true
	if ok == 0 {''','''	finished = true
	tc := time.Now()
	cc := threadCPU()
	defer func() { x := threadCPU(); instr.mu.Lock(); cpuStmts += cc - cs; cpuCommit += x - cc; instr.mu.Unlock(); instrGroup(len(group), tc.Sub(ts), time.Since(tc)) }()
	if ok == 0 {''')
s=s.replace('''	g := &groupState{}
	q := txStmts''','''	ts := time.Now()
	cs := threadCPU()
	g := &groupState{}
	q := txStmts''')
open(p,'w').write(s)
s=open(p).read()
s=s.replace('''func (c *committer) loop() {
''','''func (c *committer) loop() {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
''',1)
open(p,'w').write(s)
