#!/bin/sh
# Regenerates the generated tables and charts of bench/README.md.
#
# For each store it starts `cardvault serve` as its own process (so the vault's
# memory is measured alone), drives it with `cardvault bench --url` from a
# second process (the load generator shares the machine's cores, as wrk would),
# then writes bench/<store>.md (the table), bench/<store>.txt (the raw output
# with the ratios) and bench/<store>.svg (requests/s and p99 per scenario), and
# splices the table and ratios into README.md between the
# "<!-- generated:STORE -->" and "<!-- end:STORE -->" markers.
#
#   bench/run.sh                                      SQLite only
#   CARDVAULT_BENCH_DATABASE_URL=postgres://… bench/run.sh   also PostgreSQL (use a scratch database)
#
# Settings (environment): DURATION (10s per scenario), WORKERS (64 connections),
# SERVER (the binary that serves; default: this tree's build; set it to an older
# build to measure before/after with the same load generator), ONLY=postgres
# (skip the SQLite run), LABEL (appended
# to the file and marker names, e.g. LABEL=-before writes bench/sqlite-before.*).
set -eu
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}
WORKERS=${WORKERS:-64}
BIN=${BIN:-$(mktemp -d)/cardvault}
[ -x "$BIN" ] || go build -o "$BIN" ./cmd/cardvault
SERVER=${SERVER:-$BIN}
LISTEN=127.0.0.1:${PORT:-18390}
UPSTREAM=127.0.0.1:${UPSTREAM_PORT:-18391}
KEY=bench-key-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')

# run_store NAME SCENARIOS [DATABASE_URL]
run_store() {
	name=$1${LABEL:-} scenarios=$2 url=${3:-}
	data=$(mktemp -d)
	CARDVAULT_LISTEN=$LISTEN CARDVAULT_DATA_DIR=$data CARDVAULT_DATABASE_URL=$url \
		CARDVAULT_MASTER_KEY=$(head -c 32 /dev/urandom | base64) \
		CARDVAULT_BOOTSTRAP_API_KEY=$KEY CARDVAULT_FORWARD_ALLOW=http://$UPSTREAM \
		CARDVAULT_RATE_LIMIT=off CARDVAULT_RATE_LIMIT_IP=off CARDVAULT_RATE_LIMIT_CARD_WRITES=off \
		CARDVAULT_LOG_LEVEL=error "$SERVER" serve 2>"$data/serve.log" &
	pid=$!
	i=0
	until curl -fsS "http://$LISTEN/healthz" >/dev/null 2>&1; do
		i=$((i + 1))
		if [ $i -gt 300 ] || ! kill -0 $pid 2>/dev/null; then
			echo "run.sh: the $name vault did not start:" >&2
			cat "$data/serve.log" >&2
			kill $pid 2>/dev/null || true
			exit 1
		fi
		sleep 0.1
	done
	"$BIN" bench --url "http://$LISTEN" --key "$KEY" --upstream "$UPSTREAM" --rss-pid $pid \
		--duration "$DURATION" --workers "$WORKERS" --scenarios "$scenarios" \
		--markdown "bench/$name.md" --svg "bench/$name.svg" \
		--title "cardvault ($name): $WORKERS connections, $DURATION per scenario ($(date -u +%Y-%m-%d))" \
		>"bench/$name.txt" 2>/dev/null
	kill $pid
	wait $pid 2>/dev/null || true
	rm -rf "$data"
	splice "$name"
}

# splice NAME: replaces the lines between NAME's markers in README.md.
splice() {
	awk -v name="$1" -v md="bench/$1.md" -v txt="bench/$1.txt" '
		$0 == "<!-- generated:" name " -->" {
			print
			while ((getline line < md) > 0) print line
			print ""
			print "```text"
			while ((getline line < txt) > 0) if (line ~ / \/ | resident/) print line
			print "```"
			skip = 1
			next
		}
		$0 == "<!-- end:" name " -->" { skip = 0 }
		!skip { print }
	' bench/README.md >bench/README.md.new
	mv bench/README.md.new bench/README.md
}

if [ "${ONLY:-}" != postgres ]; then
	run_store sqlite tokenize,reveal,reveal-pcivault,capture,direct,relay,forward
fi
if [ -n "${CARDVAULT_BENCH_DATABASE_URL:-}" ]; then
	run_store postgres tokenize,reveal,reveal-pcivault,capture,relay,forward "$CARDVAULT_BENCH_DATABASE_URL"
fi
echo "bench/README.md updated; charts in bench/*.svg"
