// Package postgres is the vault.Store for more than one node, on PostgreSQL
// through a pgx connection pool.
//
// It uses plain SQL only (no stored procedures, no triggers) so that
// PostgreSQL-compatible distributed databases accept it too; the one
// PostgreSQL-specific call is an advisory lock that serialises migrations.
// Every connection runs with synchronous_commit=on, so a write is durable
// before it is acknowledged.
//
// Statements are prepared once per connection and reused: pgx's default
// query mode (QueryExecModeCacheStatement) keeps a cache of prepared
// statements on every connection, keyed by the SQL text. The pool holds 16
// connections unless the URL sets pool_max_conns, so that concurrent
// commits share WAL flushes (see sizePool).
//
// A transaction's BEGIN (and a savepoint's SAVEPOINT and RELEASE) is not
// sent alone but pipelined with the next statement, so a transaction of
// one write costs two round trips, the second its COMMIT (txConn);
// CreateRecords sends many INSERTs in one. In a transaction's AtCommit view
// (vault.CommitHolder) new rows are held and go out with the next
// statement or the COMMIT: a tokenize (a card and its pending audit event)
// is one round trip, and a held row that fails aborts the transaction on
// the server before its COMMIT runs, so nothing of it is written.
//
// Times are timestamptz and come back in UTC at microsecond precision; a
// zero ExpiresAt or RevokedAt is NULL. Empty byte slices come back as nil.
package postgres
