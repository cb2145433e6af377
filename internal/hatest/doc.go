// Package hatest proves cardvault's production claims on PostgreSQL with
// real processes: the vault binary (built once per run), private
// PostgreSQL servers started from Debian's binaries (a primary, a
// synchronous streaming standby), PgBouncer, and real HTTP. It covers a
// database restart and a failover under load, several nodes on one
// database, rolling restarts, and connection poolers.
//
// The tests need root (to run PostgreSQL as the postgres user) and
// /usr/lib/postgresql/*/bin; without them they skip, unless
// CARDVAULT_TEST_REQUIRE_HA=1 demands them (.ci/run sets it). The
// PgBouncer tests also need the pgbouncer binary and
// CARDVAULT_TEST_DATABASE_URL; CARDVAULT_TEST_REQUIRE_PGBOUNCER=1 demands
// them.
package hatest
