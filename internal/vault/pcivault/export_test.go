package pcivault

// UserRecords lets the external tests write user key records as only a
// holder of the tenant's data key could.
var UserRecords = userRecords

// DataKeyOpens reports how many entry data keys p has opened with HPKE.
func DataKeyOpens(p *Service) int64 { return p.keyOpens.Load() }

// CachedDataKeys reports how many opened data keys p keeps.
func CachedDataKeys(p *Service) int { return p.dataKeys.len() }

// EntryRecords lets the external tests rewrite entries as only a holder of
// the tenant's data key could.
var EntryRecords = entryRecords

// UnlockRuns reports how many Argon2id runs p's unlocks made.
func UnlockRuns(p *Service) int64 { return p.unlockRuns.Load() }

// HoldUnlockSlot takes one of p's Argon2id run slots until release is
// called.
func HoldUnlockSlot(p *Service) (release func()) {
	p.slots.run <- struct{}{}
	return func() { <-p.slots.run }
}

// UnlockQueue reports how many callers wait for an Argon2id run slot and
// how many wait for another caller's run with the same passphrase.
func UnlockQueue(p *Service) (slot, flight int) {
	p.flights.mu.Lock()
	defer p.flights.mu.Unlock()
	return int(p.slots.waiting.Load()), p.flights.waiters
}

// UnlockedUsers reports how many users' records p keeps for reveals.
func UnlockedUsers(p *Service) int { return p.users.len() }

// WaitRenewals waits for p's unlock window renewals in flight.
func WaitRenewals(p *Service) { p.renewals.wg.Wait() }

// OnCaptureChecked makes every Capture call f right after the endpoint's
// secret is checked, until the test ends. Tests that use it must not run
// in parallel with other captures.
func OnCaptureChecked(t interface{ Cleanup(func()) }, f func()) {
	captureChecked = f
	t.Cleanup(func() { captureChecked = nil })
}

// OnCaptureLocked makes the transaction that stores a capture call f right
// after it has read (on PostgreSQL: locked) the endpoint, until the test
// ends. Tests that use it must not run in parallel with other captures.
func OnCaptureLocked(t interface{ Cleanup(func()) }, f func()) {
	captureLocked = f
	t.Cleanup(func() { captureLocked = nil })
}

// OnUserKeyDeleted makes DeleteUserKey's transaction call f after it has
// deleted the user key's record and its endpoints, before it sweeps the
// entries, until the test ends.
func OnUserKeyDeleted(t interface{ Cleanup(func()) }, f func()) {
	userKeyDeleted = f
	t.Cleanup(func() { userKeyDeleted = nil })
}

// OnUserHeld makes the transaction that writes an entry or a capture
// endpoint call f right after it has checked and held the user key (or the
// capture endpoint), until the test ends.
func OnUserHeld(t interface{ Cleanup(func()) }, f func()) {
	userHeld = f
	t.Cleanup(func() { userHeld = nil })
}
