package vault

// OnTenantCacheMiss makes s call f whenever a tenant check finds nothing
// live in the node's tenant cache, before it reads the store.
func OnTenantCacheMiss(s *Service, f func()) { s.tenantStates.OnMiss = f }
