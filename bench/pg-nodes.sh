#!/bin/sh
# pg-nodes.sh: cardvault on PostgreSQL, one node against two, side by side
# in one run. Starts a private PostgreSQL (Debian's binaries, as the
# postgres user, fsync on, synchronous_commit on) and two vault nodes, then
# runs `cardvault bench` (tokenize, forward): first 16 clients on node a
# alone, then 8 clients on each node at once (two bench processes; add
# their req/s). Run as root from the repository root:
#   sh bench/pg-nodes.sh [duration]
set -eu
dur=${1:-10s}
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)
dir=$(mktemp -d)
chown postgres "$dir"
pgport=55432
trap 'kill $(cat "$dir"/*.pid 2>/dev/null) 2>/dev/null; runuser -u postgres -- "$pgbin/pg_ctl" stop -m fast -D "$dir/pg" >/dev/null 2>&1; rm -rf "$dir"' EXIT
runuser -u postgres -- "$pgbin/initdb" -D "$dir/pg" -U postgres --auth=trust >/dev/null
runuser -u postgres -- "$pgbin/pg_ctl" start -w -D "$dir/pg" -l "$dir/pg.log" \
  -o "-c port=$pgport -c listen_addresses=127.0.0.1 -c unix_socket_directories=$dir -c max_connections=200" >/dev/null
go build -o "$dir/cv" ./cmd/cardvault
api=bench-bootstrap-key-0123456789abcdefghijklmnop
export CARDVAULT_DATABASE_URL="postgres://postgres@127.0.0.1:$pgport/postgres?sslmode=disable"
export CARDVAULT_MASTER_KEY="$(head -c 32 /dev/urandom | base64)"
export CARDVAULT_BOOTSTRAP_API_KEY=$api
export CARDVAULT_FORWARD_ALLOW=http://127.0.0.1:55901,http://127.0.0.1:55902
export CARDVAULT_LOG_LEVEL=warn
export CARDVAULT_RATE_LIMIT=off CARDVAULT_RATE_LIMIT_IP=off CARDVAULT_RATE_LIMIT_CARD_WRITES=off
for n in a:58081 b:58082; do
  name=${n%%:*} port=${n#*:}
  "$dir/cv" serve --listen=127.0.0.1:$port 2>"$dir/$name.log" &
  echo $! >"$dir/$name.pid"
done
for port in 58081 58082; do
  for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
done
echo "== one node, 16 clients"
"$dir/cv" bench --url=http://127.0.0.1:58081 --key=$api --upstream=127.0.0.1:55901 \
  --scenarios=tokenize,forward --duration="$dur" --workers=16
echo "== two nodes, 8 clients each, at once"
"$dir/cv" bench --url=http://127.0.0.1:58081 --key=$api --upstream=127.0.0.1:55901 \
  --scenarios=tokenize,forward --duration="$dur" --workers=8 >"$dir/bench-a.txt" 2>&1 &
a=$!
"$dir/cv" bench --url=http://127.0.0.1:58082 --key=$api --upstream=127.0.0.1:55902 \
  --scenarios=tokenize,forward --duration="$dur" --workers=8 >"$dir/bench-b.txt" 2>&1
wait $a
echo "-- node a"; cat "$dir/bench-a.txt"
echo "-- node b"; cat "$dir/bench-b.txt"
