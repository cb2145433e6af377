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
