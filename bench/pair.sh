#!/usr/bin/env bash
# Interleaved A/B of two builds under the same load at the same time: each
# build serves its own SQLite store with its own fixtures (as bench/wrk.sh
# prepares them), and every round runs wrk against both at once, so both
# share the machine's cores in the same seconds. Prints, per round and
# scenario, req/s, p99, the vault's CPU time per request (from
# /proc/PID/stat) and RSS, and the CPU-per-request ratio B / A: the figure
# that moves least with the load other work puts on the machine.
#
#   bench/pair.sh /tmp/cv-old /tmp/cv-new                        healthz tokenize reveal, 3 rounds of 8 s
#   SCENARIOS="forward capture" ROUNDS=5 bench/pair.sh A B
#   ENV_A="GOGC=100 GOMEMLIMIT=off" bench/pair.sh /tmp/cv-new /tmp/cv-new   one build, two settings
#
# Settings: SCENARIOS (healthz tokenize reveal forward capture pcivault),
# ROUNDS (3), DURATION (8s), THREADS (1) and CONNECTIONS (32) of each wrk, LOG_LEVEL (error),
# ENV_A / ENV_B (extra environment of each vault).
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -eq 2 ] || { sed -n 2,16p "$0" >&2; exit 2; }
SCENARIOS=${SCENARIOS:-healthz tokenize reveal}
ROUNDS=${ROUNDS:-3} DURATION=${DURATION:-8s} THREADS=${THREADS:-1} CONNECTIONS=${CONNECTIONS:-32} LOG_LEVEL=${LOG_LEVEL:-error}
work=$(mktemp -d "${TMPDIR:-/tmp}/cardvault-pair.XXXXXX")
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	for p in $pids; do wait "$p" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }

# start NAME BIN EXTRA_ENV: a vault and its fixtures; writes $work/NAME.env.
start() {
	local name=$1 bin=$2 extra=$3 vport pport key
	vport=$(free_port) pport=$(free_port)
	key=pair-key-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
	mkdir -p "$work/$name"
	# shellcheck disable=SC2086
	env CARDVAULT_LISTEN=127.0.0.1:$vport CARDVAULT_DATA_DIR=$work/$name \
		CARDVAULT_MASTER_KEY="$(head -c 32 /dev/urandom | base64)" CARDVAULT_BOOTSTRAP_API_KEY=$key \
		CARDVAULT_FORWARD_ALLOW=http://127.0.0.1:$pport CARDVAULT_RATE_LIMIT=off CARDVAULT_RATE_LIMIT_IP=off \
		CARDVAULT_RATE_LIMIT_CARD_WRITES=off CARDVAULT_LOG_LEVEL=$LOG_LEVEL $extra "$bin" serve 2>"$work/$name.log" &
	local vpid=$!
	pids="$pids $vpid"
	until curl -fsS "http://127.0.0.1:$vport/healthz" >/dev/null 2>&1; do
		kill -0 "$vpid" 2>/dev/null || { cat "$work/$name.log" >&2; exit 1; }
		sleep 0.1
	done
	"$bin" bench --serve-fixtures --url "http://127.0.0.1:$vport" --key "$key" --upstream "127.0.0.1:$pport" \
		>"$work/$name.fixtures" 2>"$work/$name.fixtures.log" &
	pids="$pids $!"
	until grep -qx 'READY=1' "$work/$name.fixtures"; do sleep 0.1; done
	echo "VPID=$vpid" >>"$work/$name.fixtures"
}

# row NAME SCENARIO: one wrk run against NAME; prints "NAME SCENARIO req/s p99 cpu_us rss_mb".
row() {
	local name=$1 sc=$2 out c0 c1
	# shellcheck disable=SC1090
	set -a; . "$work/$name.fixtures"; set +a
	local key="x-api-key: $API_KEY" args
	case $sc in
	healthz) args=("$VAULT_URL/healthz") ;;
	tokenize) args=(-s bench/wrk/tokenize.lua -H "$key" "$VAULT_URL$TOKENIZE_PATH") ;;
	reveal) args=(-H "$key" "$VAULT_URL$REVEAL_PATH") ;;
	pcivault) args=(-H "$key" "$VAULT_URL$PCIVAULT_REVEAL_PATH") ;;
	forward) export WRK_BODY=$FORWARD_BODY
		args=(-s bench/wrk/post.lua -H "$key" -H "content-type: application/json" -H "idempotency-key: bench"
			-H "x-destination-url: $PROVIDER_URL" "$VAULT_URL$FORWARD_PATH") ;;
	capture) export CAPTURE_PATHS CAPTURE_SECRETS; args=(-s bench/wrk/capture.lua "$VAULT_URL") ;;
	*) echo "pair.sh: unknown scenario $sc" >&2; exit 2 ;;
	esac
	c0=$(cpu_ticks "$VPID")
	out=$(WRK_SALT=$((RANDOM % 10000)) wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "${args[@]}")
	c1=$(cpu_ticks "$VPID")
	awk -v n="$name" -v s="$sc" -v d=$((c1 - c0)) -v t="$(getconf CLK_TCK)" -v rss="$(awk '/VmRSS/ { print $2 }' "/proc/$VPID/status")" '
		/^Requests\/sec:/ { rps = $2 } / requests in / { reqs = $1 } $1 == "99%" { p99 = $2 }
		/Non-2xx|Socket errors/ { bad = bad " " $0 }
		END { printf "%s %s %.0f %s %.1f %d%s\n", n, s, rps, p99, d / t * 1e6 / reqs, rss / 1024, bad }' <<<"$out"
}

echo "starting A ($1) and B ($2)…" >&2
start a "$1" "${ENV_A:-}"
start b "$2" "${ENV_B:-}"
printf '%-9s %5s  %-28s %-28s %s\n' scenario round "A: req/s p99 µs-CPU/req MB" "B: req/s p99 µs-CPU/req MB" "B/A CPU"
for sc in $SCENARIOS; do
	for i in $(seq "$ROUNDS"); do
		row a "$sc" >"$work/ra" &
		ra=$!
		row b "$sc" >"$work/rb" &
		wait $ra $!
		read -r _ _ ar ap ac am arest <"$work/ra"
		read -r _ _ br bp bc bm brest <"$work/rb"
		printf '%-9s %5s  %-28s %-28s %.3f%s\n' "$sc" "$i" "$ar $ap $ac $am" "$br $bp $bc $bm" \
			"$(awk -v a="$ac" -v b="$bc" 'BEGIN { print b / a }')" "${arest:+  A:$arest}${brest:+  B:$brest}"
		sleep 1
	done
done
