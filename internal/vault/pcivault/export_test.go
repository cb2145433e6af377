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
