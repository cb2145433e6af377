package audit

// Pipelined batches. By default one flush commits one batch at a time: the
// events that arrive while batch N commits are taken, as batch N+1, only
// once N is durable, and only then is N+1's transaction asked for. On a
// store that runs transactions one after another in the order they are
// asked for (the SQLite store's group committer), InOrder lets batch N+1's
// transaction be queued as soon as an event arrives after N's transaction
// took its events: N+1 takes its events when it starts to run, right behind
// N (in N's group commit when it joins it, or the next one), so that no
// flush waits for N's acknowledgement to be handed back before asking for
// the next, N's waiters are answered while N+1 runs, and what arrived
// until N+1 starts rides in it.
//
// Nothing about durability changes: each event's Record returns only once
// the transaction that wrote it has committed. Nor about the chain: every
// transaction reads the head it extends inside itself, so a batch queued
// behind one that fails extends the head as it stands (a group whose commit
// fails fails every batch in it).

// InOrder declares that the store runs transactions one after another, in
// the order they are asked for, so that a batch's transaction may be asked
// for while the one before it still commits (see above). On a store whose
// transactions run concurrently (PostgreSQL) it would make batches of the
// same tenant conflict, and retry: leave it off there. It returns l; call
// it before the first Record.
func (l *Log) InOrder() *Log {
	l.inOrder = true
	return l
}

// flushNext commits one batch: the events queued when its transaction
// starts to run. Taking them makes room for the next flush, started at
// once when more is queued (or by the next Record), whose transaction is
// then asked for behind this one.
func (l *Log) flushNext() {
	var batch []*waiter
	var tenants []string
	more, err := l.commitTaking(func() ([]*waiter, []string) {
		l.mu.Lock()
		defer l.mu.Unlock()
		batch, tenants = l.takeLocked()
		l.flushing = false
		if len(l.queue) > 0 || len(l.links) > 0 {
			l.startFlush()
		}
		return batch, tenants
	})
	l.settle(batch, tenants, more, err)
}
