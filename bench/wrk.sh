#!/usr/bin/env bash
# Measures issue 17's table with wrk, the C load generator the issue used
# (64 connections, 10 s per scenario, load generator on the same machine).
#
# For each store it starts `cardvault serve` as its own process (rate limits
# off, as bench/run.sh does) and `cardvault bench --serve-fixtures` as a
# second one, which runs the loopback provider and cardvault's bare relay and
# stores the fixtures (a native card, a Guardian PCI token with a held
# security code, a PCI Vault user with an entry, capture endpoints). wrk then
# drives each scenario; nothing else loads the machine from this script. It
# reports req/s, p50, p99, non-2xx responses and socket errors (any is a
# failure), the serving process's CPU time per request, the vault's RSS after
# each scenario and its peak during it (VmHWM, reset before each scenario),
# and the ratios the issue's floors use, with the floors absolute and scaled
# by this run's /healthz (the issue's run: 58,968 req/s) and provider-direct
# (99,154 req/s). It writes bench/wrk-<store>.txt and splices the tables into
# bench/README.md between "<!-- generated:wrk-STORE -->" and "<!-- end:wrk-STORE -->".
#
#   bench/wrk.sh                                                SQLite
#   CARDVAULT_BENCH_DATABASE_URL=postgres://…/scratch bench/wrk.sh   and PostgreSQL (an empty scratch database)
#
# Settings (environment): BIN (the cardvault binary; default: build this
# tree), SERVER (the binary that serves, default BIN: set it to an older
# build for a before/after), DURATION (10s), CONNECTIONS (64), THREADS (2),
# PAUSE (1 s of rest between scenarios), ONLY=postgres (skip SQLite),
# SCENARIOS / PG_SCENARIOS (space-separated), SPLICE=no (leave README.md
# alone), OUT (directory of the .txt files, default bench).
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi # also when started as `sh bench/wrk.sh`
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
PAUSE=${PAUSE:-1}
OUT=${OUT:-bench}
# reveal-pcivault comes early: the vault keeps an unlocked PCI Vault key for
# one minute from the Argon2id run that unlocked it (while the fixtures were
# prepared); a row that crosses that minute measures one more Argon2id run,
# which every concurrent reveal waits for (seen: 2 s timeouts, RSS +64 MB).
SCENARIOS=${SCENARIOS:-healthz reveal-pcivault tokenize tokenize-samepan reveal forward relay direct capture}
PG_SCENARIOS=${PG_SCENARIOS:-healthz tokenize tokenize-samepan reveal forward relay direct}
TICK=$(getconf CLK_TCK)

die() { echo "wrk.sh: $*" >&2; exit 1; }
command -v wrk >/dev/null || die "wrk is not installed (apt-get install wrk)"
command -v curl >/dev/null || die "curl is not installed"

work=$(mktemp -d "${TMPDIR:-/tmp}/cardvault-wrk.XXXXXX")
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	for p in $pids; do wait "$p" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ -z "${BIN:-}" ]; then
	BIN=$work/cardvault
	echo "building cardvault…" >&2
	go build -o "$BIN" ./cmd/cardvault
fi
SERVER=${SERVER:-$BIN}
KEY=wrk-key-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD -- . ":(exclude)bench" 2>/dev/null || COMMIT="$COMMIT (with uncommitted changes outside bench/)"

# pick_port prints a TCP port on 127.0.0.1 that nothing listens on now.
pick_port() {
	local p
	while :; do
		p=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return
		fi
	done
}

# proc_kb PID FIELD: a "FIELD: N kB" line of /proc/PID/status, in kB.
proc_kb() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }
# cpu_ticks PID: user + system CPU time of the process so far, in ticks.
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }

# start_store NAME DATABASE_URL: starts the vault and the fixtures process
# on free ports (retrying when a port was taken meanwhile) and loads the
# fixtures into this shell. Sets VPID and FPID.
start_store() {
	local name=$1 db=$2 attempt vport pport data i t0
	t0=$(date +%s)
	for attempt in 1 2 3 4 5; do
		vport=$(pick_port) pport=$(pick_port)
		[ "$vport" != "$pport" ] || continue
		data=$work/$name-data-$attempt
		mkdir -p "$data"
		CARDVAULT_LISTEN=127.0.0.1:$vport CARDVAULT_DATA_DIR=$data CARDVAULT_DATABASE_URL=$db \
			CARDVAULT_MASTER_KEY=$(head -c 32 /dev/urandom | base64) \
			CARDVAULT_BOOTSTRAP_API_KEY=$KEY CARDVAULT_FORWARD_ALLOW=http://127.0.0.1:$pport \
			CARDVAULT_RATE_LIMIT=off CARDVAULT_RATE_LIMIT_IP=off CARDVAULT_RATE_LIMIT_CARD_WRITES=off \
			CARDVAULT_LOG_LEVEL=error "$SERVER" serve 2>"$work/$name-serve.log" &
		VPID=$!
		pids="$pids $VPID"
		i=0
		until curl -fsS "http://127.0.0.1:$vport/healthz" >/dev/null 2>&1; do
			i=$((i + 1))
			if ! kill -0 "$VPID" 2>/dev/null; then
				grep -q "address already in use" "$work/$name-serve.log" && continue 2
				cat "$work/$name-serve.log" >&2
				die "the $name vault did not start"
			fi
			[ $i -lt 600 ] || { cat "$work/$name-serve.log" >&2; kill "$VPID"; die "the $name vault did not answer /healthz in 60 s"; }
			sleep 0.1
		done
		"$BIN" bench --serve-fixtures --url "http://127.0.0.1:$vport" --key "$KEY" --upstream "127.0.0.1:$pport" \
			>"$work/$name-fixtures.env" 2>"$work/$name-fixtures.log" &
		FPID=$!
		pids="$pids $FPID"
		i=0
		until grep -qx 'READY=1' "$work/$name-fixtures.env"; do
			i=$((i + 1))
			if ! kill -0 "$FPID" 2>/dev/null; then
				if grep -q "address already in use" "$work/$name-fixtures.log"; then
					kill "$VPID"
					wait "$VPID" 2>/dev/null || true
					continue 2
				fi
				cat "$work/$name-fixtures.log" >&2
				die "preparing the $name fixtures failed"
			fi
			[ $i -lt 1800 ] || die "the $name fixtures were not ready in 180 s"
			sleep 0.1
		done
		# shellcheck disable=SC1090
		. "$work/$name-fixtures.env"
		export CAPTURE_PATHS CAPTURE_SECRETS
		READY_AT=$(date +%s)
		echo "   vault and fixtures ready in $((READY_AT - t0)) s" >&2
		return
	done
	die "no free ports for the $name run after 5 attempts"
}

# stop_store: stops the vault and the fixtures process.
stop_store() {
	kill "$VPID" "$FPID" 2>/dev/null || true
	wait "$VPID" 2>/dev/null || true
	wait "$FPID" 2>/dev/null || true
}

# to_ms converts a wrk latency (500.00us, 27.90ms, 1.20s, 2.00m) to ms.
to_ms() {
	awk -v v="$1" 'BEGIN {
		n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
		if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000
		printf "%.2f", n
	}'
}

# run_wrk STORE NAME PID URL [wrk arguments]: runs wrk once, charging CPU to
# process PID, and appends a row to $work/STORE.rows. Any non-2xx response
# or socket error marks the run failed.
run_wrk() {
	local store=$1 name=$2 pid=$3 url=$4 out c0 c1 rps p50 p99 reqs non2xx sock rss hwm cpu
	shift 4
	out=$work/$store-$name.wrk
	echo 5 >"/proc/$VPID/clear_refs" 2>/dev/null || true # reset VmHWM: the peak of this scenario alone
	c0=$(cpu_ticks "$pid")
	if ! wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$@" "$url" >"$out" 2>&1; then
		cat "$out" >&2
		die "wrk failed in $store $name"
	fi
	c1=$(cpu_ticks "$pid")
	kill -0 "$VPID" 2>/dev/null || { cat "$work/$store-serve.log" >&2; die "the vault died during $store $name"; }
	rss=$(proc_kb "$VPID" VmRSS) hwm=$(proc_kb "$VPID" VmHWM)
	rps=$(awk '/^Requests\/sec:/ { print $2 }' "$out")
	reqs=$(awk '/ requests in / { print $1 }' "$out")
	p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' "$out")")
	p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$out")")
	non2xx=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$out")
	sock=$(awk '/Socket errors:/ { gsub(",", ""); print $4 + $6 + $8 + $10 }' "$out")
	[ -n "$rps" ] && [ -n "$reqs" ] || { cat "$out" >&2; die "could not read wrk's output for $store $name"; }
	cpu=$(awk -v d=$((c1 - c0)) -v t="$TICK" -v n="$reqs" 'BEGIN { printf "%.3f", (n > 0 ? d / t * 1000 / n : 0) }')
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$rps" "$p50" "$p99" "$reqs" "${non2xx:-0}" "${sock:-0}" \
		"$cpu" "$((rss / 1024))" "$((hwm / 1024))" >>"$work/$store.rows"
	printf '%-18s %10.0f req/s  p50 %8s ms  p99 %8s ms  non-2xx %s  socket errors %s  CPU %s ms/req  RSS %s MB (peak %s MB)\n' \
		"$name" "$rps" "$p50" "$p99" "${non2xx:-0}" "${sock:-0}" "$cpu" "$((rss / 1024))" "$((hwm / 1024))" >&2
	if [ "${non2xx:-0}" != 0 ] || [ "${sock:-0}" != 0 ]; then
		echo "wrk.sh: $store $name had ${non2xx:-0} non-2xx responses and ${sock:-0} socket errors:" >&2
		cat "$out" >&2
		FAILED="$FAILED $store/$name"
	fi
	sleep "$PAUSE"
}

# scenario STORE NAME: the wrk command of one row of the issue's table.
scenario() {
	local store=$1 name=$2 key="x-api-key: $API_KEY" json="content-type: application/json" idem="idempotency-key: bench"
	case $name in
	healthz) run_wrk "$store" "$name" "$VPID" "$VAULT_URL/healthz" ;;
	tokenize)
		export WRK_SALT=$((RANDOM % 10000))
		run_wrk "$store" "$name" "$VPID" "$VAULT_URL$TOKENIZE_PATH" -s bench/wrk/tokenize.lua -H "$key" ;;
	tokenize-samepan)
		export WRK_BODY=$TOKENIZE_BODY
		run_wrk "$store" "$name" "$VPID" "$VAULT_URL$TOKENIZE_PATH" -s bench/wrk/post.lua -H "$key" -H "$json" ;;
	reveal) run_wrk "$store" "$name" "$VPID" "$VAULT_URL$REVEAL_PATH" -H "$key" ;;
	reveal-pcivault)
		if [ $(($(date +%s) - READY_AT)) -gt 40 ]; then
			echo "Note: reveal-pcivault started $(($(date +%s) - READY_AT)) s after the fixtures were ready; the PCI Vault key's one-minute unlock window may end during it (one more Argon2id run)." >>"$work/$store.notes"
		fi
		run_wrk "$store" "$name" "$VPID" "$VAULT_URL$PCIVAULT_REVEAL_PATH" -H "$key" ;;
	forward)
		export WRK_BODY=$FORWARD_BODY
		run_wrk "$store" "$name" "$VPID" "$VAULT_URL$FORWARD_PATH" -s bench/wrk/post.lua -H "$key" -H "$json" -H "$idem" \
			-H "x-destination-url: $PROVIDER_URL" ;;
	relay)
		export WRK_BODY=$DIRECT_BODY
		run_wrk "$store" "$name" "$FPID" "$RELAY_URL" -s bench/wrk/post.lua -H "$json" -H "$idem" ;;
	direct)
		export WRK_BODY=$DIRECT_BODY
		run_wrk "$store" "$name" "$FPID" "$PROVIDER_URL" -s bench/wrk/post.lua -H "$json" -H "$idem" ;;
	capture) run_wrk "$store" "$name" "$VPID" "$VAULT_URL" -s bench/wrk/capture.lua ;;
	*) die "unknown scenario $name" ;;
	esac
}

# report STORE: the Markdown tables of a store's rows.
report() {
	awk -F '\t' -v store="$1" '
	BEGIN {
		req["healthz"] = "`GET /healthz`"
		req["tokenize"] = "tokenize `POST /api/pci/tokens`, a new card number each request"
		req["tokenize-samepan"] = "tokenize `POST /api/pci/tokens`, the same card number each request"
		req["reveal"] = "reveal, native `GET /cardvault/v1/cards/{id}/reveal`"
		req["reveal-pcivault"] = "reveal, PCI Vault `GET /v1/vault?user&passphrase&token&reference`"
		req["forward"] = "forward `POST /api/pci/tokens/{id}/forward` to the loopback provider"
		req["relay"] = "bare Go relay, same provider call (no auth, card, template or audit)"
		req["direct"] = "the loopback provider called directly"
		req["capture"] = "capture `POST /v1/capture/{id}` (third party, new reference each post)"
		# The issue'"'"'s run (SQLite; PostgreSQL tokenize): req/s and p99.
		if (store == "sqlite") {
			irps["healthz"] = 58968; ip99["healthz"] = 5.6
			irps["tokenize"] = 10895; ip99["tokenize"] = 14.0
			irps["reveal"] = 7808; ip99["reveal"] = 30.7
			irps["reveal-pcivault"] = 4246; ip99["reveal-pcivault"] = 32.9
			irps["forward"] = 4258; ip99["forward"] = 25.2
			irps["relay"] = 24463; ip99["relay"] = 7.6
			irps["direct"] = 99154; ip99["direct"] = 9.8
		} else {
			irps["tokenize"] = 3406; ip99["tokenize"] = 26.4
		}
		IH = 58968; ID = 99154
	}
	{
		n++; name[n] = $1; rps[$1] = $2; p50[$1] = $3; p99[$1] = $4; reqs[$1] = $5; bad[$1] = $6; sock[$1] = $7
		cpu[$1] = $8; rss[$1] = $9; hwm[$1] = $10
		if ($1 != "relay" && $1 != "direct" && $10 > peak) peak = $10
	}
	function comma(x,   s, neg) {
		s = sprintf("%.0f", x); neg = ""
		if (s ~ /^-/) { neg = "-"; s = substr(s, 2) }
		while (s ~ /[0-9][0-9][0-9][0-9]/) sub(/[0-9][0-9][0-9]($|,)/, ",&", s)
		return neg s
	}
	function ratio(a, b) { return b > 0 ? sprintf("%.3f", a / b) : "—" }
	function yes(ok) { return ok ? "met" : "**not met**" }
	END {
		H = rps["healthz"]; D = rps["direct"]
		print "| scenario | req/s | p50 | p99 | non-2xx | socket errors | server CPU / request | vault RSS after | vault peak during | / healthz | / provider | issue: req/s, p99 (/ healthz) |"
		print "|---|---|---|---|---|---|---|---|---|---|---|---|"
		for (i = 1; i <= n; i++) {
			s = name[i]
			iss = (s in irps) ? sprintf("%s, %.1f ms (%s)", comma(irps[s]), ip99[s], ratio(irps[s], IH)) : "—"
			srv = (s == "relay" || s == "direct") ? " (bench)" : ""
			mem = (s == "relay" || s == "direct") ? "— | —" : rss[s] " MB | " hwm[s] " MB"
			printf "| %s | %s | %.2f ms | %.2f ms | %d | %d | %.3f ms%s | %s | %s | %s | %s |\n", req[s], comma(rps[s]), p50[s], p99[s], bad[s], sock[s], cpu[s], srv, mem, ratio(rps[s], H), ratio(rps[s], D), iss
		}
		print ""
		print "Floors of issue 17 against this run: absolute, and scaled by this run'"'"'s `/healthz` (floor × " comma(H) " / 58,968) and by its provider-direct (floor × " (D > 0 ? comma(D) : "—") " / 99,154), so that a slower or busier machine does not fail a floor it would meet on the issue'"'"'s."
		print ""
		print "| floor | this run | absolute floor | floor scaled by healthz | met? | floor scaled by provider | met? |"
		print "|---|---|---|---|---|---|---|"
		if (store == "sqlite") {
			floor("tokenize ≥ 12,000 req/s (new card numbers)", "tokenize", 12000)
			floor("tokenize ≥ 12,000 req/s (same card number)", "tokenize-samepan", 12000)
			floor("native reveal ≥ 12,000 req/s", "reveal", 12000)
			floor("PCI Vault reveal ≥ 8,000 req/s", "reveal-pcivault", 8000)
		} else {
			floor("tokenize on PostgreSQL ≥ 5,000 req/s (new card numbers)", "tokenize", 5000)
			floor("tokenize on PostgreSQL ≥ 5,000 req/s (same card number)", "tokenize-samepan", 5000)
		}
		if (store == "sqlite" && ("tokenize" in rps)) printf "| tokenize p99 ≤ 10 ms | %.2f ms | %s | | | | |\n", p99["tokenize"], yes(p99["tokenize"] <= 10)
		if (("forward" in rps) && ("relay" in rps))
			printf "| forward ≥ 0.40 of a bare relay | %s / %s = %.3f | %s | | | | |\n", comma(rps["forward"]), comma(rps["relay"]), rps["forward"] / rps["relay"], yes(rps["forward"] >= 0.4 * rps["relay"])
		worst = 0; which = ""
		split("reveal reveal-pcivault forward", reads, " ")
		for (k in reads) if ((reads[k] in p99) && p99[reads[k]] + 0 > worst) { worst = p99[reads[k]] + 0; which = reads[k] }
		if (which != "") printf "| p99 of every read and forward ≤ 20 ms | %.2f ms (%s, the worst) | %s | | | | |\n", worst, which, yes(worst <= 20)
		if (peak > 0) printf "| RSS ≤ 100 MB under load | %d MB (peak of the vault during any scenario) | %s | | | | |\n", peak, yes(peak <= 100)
		print ""
		print "```text"
		if (("forward" in rps) && ("relay" in rps)) printf "forward / relay      %.3f of the requests/s (floor 0.40; issue: 0.174)\n", rps["forward"] / rps["relay"]
		if (("relay" in rps) && D > 0) printf "relay / direct       %.3f (issue: 0.247)\n", rps["relay"] / D
		if (H > 0 && D > 0) printf "healthz / direct     %.3f (issue: 0.595)\n", H / D
		print "```"
	}
	function floor(what, s, f,   sh, sd) {
		if (!(s in rps)) return
		sh = H > 0 ? f * H / IH : 0; sd = D > 0 ? f * D / ID : 0
		printf "| %s | %s req/s | %s (%.2f of it) | %s req/s | %s | %s req/s | %s |\n", what, comma(rps[s]), yes(rps[s] >= f), rps[s] / f,
			(H > 0 ? comma(sh) : "—"), (H > 0 ? yes(rps[s] >= sh) : "—"), (D > 0 ? comma(sd) : "—"), (D > 0 ? yes(rps[s] >= sd) : "—")
	}
	' "$work/$1.rows"
}

# run_store NAME DATABASE_URL SCENARIOS: one store's run and its files.
run_store() {
	local name=$1 db=$2 scenarios=$3 load0 load1 setup peak s md
	load0=$(cut -d' ' -f1-3 /proc/loadavg)
	echo "== $name: starting the vault and the fixtures (load average $load0)" >&2
	start_store "$name" "$db"
	setup=$(proc_kb "$VPID" VmHWM)
	: >"$work/$name.rows"
	: >"$work/$name.notes"
	for s in $scenarios; do scenario "$name" "$s"; done
	load1=$(cut -d' ' -f1-3 /proc/loadavg)
	peak=$(awk -F '\t' -v m="$((setup / 1024))" '$10 > m { m = $10 } END { print m }' "$work/$name.rows")
	stop_store
	md=$work/wrk-$name.md
	{
		echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency, $(date -u '+%Y-%m-%d %H:%M UTC'), commit $COMMIT, $(nproc) CPUs;" \
			"load average (1, 5, 15 min) $load0 before, $load1 after; the vault's peak RSS while the fixtures were prepared (Argon2id runs): $((setup / 1024)) MB; its high-water mark over the whole run: $peak MB."
		cat "$work/$name.notes"
		echo
		report "$name"
	} >"$md"
	{
		echo "# bench/wrk.sh, $name"
		echo
		cat "$md"
		echo
		echo "## wrk's output"
		for s in $scenarios; do
			echo
			echo "### $s"
			sed '/^Running /d' "$work/$name-$s.wrk"
		done
	} >"$OUT/wrk-$name.txt"
	[ "${SPLICE:-yes}" = no ] || [ -n "$FAILED" ] || splice "wrk-$name" "$md"
}

# splice NAME FILE: replaces the lines between NAME's markers in README.md.
splice() {
	grep -qx "<!-- generated:$1 -->" bench/README.md && grep -qx "<!-- end:$1 -->" bench/README.md ||
		die "bench/README.md lacks the <!-- generated:$1 --> and <!-- end:$1 --> markers"
	awk -v name="$1" -v md="$2" '
		$0 == "<!-- generated:" name " -->" { print; while ((getline line < md) > 0) print line; skip = 1; next }
		$0 == "<!-- end:" name " -->" { skip = 0 }
		!skip { print }
	' bench/README.md >"$work/README.md"
	cat "$work/README.md" >bench/README.md
}

FAILED=""
if [ "${ONLY:-}" != postgres ]; then
	run_store sqlite "" "$SCENARIOS"
fi
if [ -n "${CARDVAULT_BENCH_DATABASE_URL:-}" ]; then
	run_store postgres "$CARDVAULT_BENCH_DATABASE_URL" "$PG_SCENARIOS"
fi
if [ -n "$FAILED" ]; then
	die "non-2xx responses or socket errors in:$FAILED (README.md not updated; see $OUT/wrk-*.txt)"
fi
echo "done: $OUT/wrk-*.txt$([ "${SPLICE:-yes}" = no ] || echo ', bench/README.md')" >&2
