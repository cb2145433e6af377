#!/bin/sh
# Interleaved A/B: two builds serve at once and one load generator alternates
# between them in short blocks, so both see the same machine load. Prints one
# line per block; the ratio of the two lines of a round is the figure.
#
#   BEFORE=/path/old/cardvault AFTER=/path/new/cardvault bench/ab.sh
#   STORE=postgres BEFORE_DB=postgres://…/a AFTER_DB=postgres://…/b … bench/ab.sh   (empty scratch databases)
#
# Settings: SCENARIOS ("tokenize reveal forward"), ROUNDS (3), DURATION (5s),
# WORKERS (64), PORT_A and PORT_B (18381, 18382; pick free ones on a shared machine),
# UPSTREAM_PORT (18391). The load generator is $AFTER's `cardvault bench`.
set -eu
: "${BEFORE:?set BEFORE to the old build}" "${AFTER:?set AFTER to the new build}"
KEY=bench-key-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
UPSTREAM=127.0.0.1:${UPSTREAM_PORT:-18391}
STORE=${STORE:-sqlite}
DIRS=""

# start BIN PORT DATABASE_URL: serves in the background, prints its pid.
start() {
	d=$(mktemp -d)
	DIRS="$DIRS $d"
	CARDVAULT_LISTEN=127.0.0.1:$2 CARDVAULT_DATA_DIR=$d CARDVAULT_DATABASE_URL=$3 \
		CARDVAULT_MASTER_KEY=$(head -c 32 /dev/urandom | base64) CARDVAULT_BOOTSTRAP_API_KEY=$KEY \
		CARDVAULT_RATE_LIMIT=off CARDVAULT_RATE_LIMIT_IP=off CARDVAULT_RATE_LIMIT_CARD_WRITES=off \
		CARDVAULT_FORWARD_ALLOW=http://$UPSTREAM CARDVAULT_LOG_LEVEL=error "$1" serve >/dev/null 2>&1 &
	echo $!
}
PA=${PORT_A:-18381} PB=${PORT_B:-18382}
A=$(start "$BEFORE" "$PA" "${BEFORE_DB:-}")
B=$(start "$AFTER" "$PB" "${AFTER_DB:-}")
trap 'kill $A $B 2>/dev/null; rm -rf $DIRS' EXIT
for port in $PA $PB; do
	until curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; do sleep 0.1; done
done
round=1
while [ $round -le "${ROUNDS:-3}" ]; do
	for sc in ${SCENARIOS:-tokenize reveal forward}; do
		for side in before after; do
			port=$PA pid=$A
			[ $side = after ] && port=$PB pid=$B
			line=$("$AFTER" bench --url "http://127.0.0.1:$port" --key "$KEY" --upstream "$UPSTREAM" --rss-pid $pid \
				--duration "${DURATION:-5s}" --workers "${WORKERS:-64}" --scenarios "$sc" 2>/dev/null | grep -E "^($sc |peak resident)" | tr "\n" " ")
			echo "$STORE round $round $side $line"
		done
	done
	round=$((round + 1))
done
