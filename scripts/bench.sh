#!/usr/bin/env bash
# Flock's benchmarks, each printing a table (speed and memory targets live
# here, not in timed tests):
#   - accounts: scan-to-active, restart-to-all-active for 5 accounts, and
#     memory (PSS) per linked account, headless-shell next to Chromium;
#   - contacts: import of 100,000 contacts and Contacts page query p50/p95,
#     SQLite next to PostgreSQL (a throwaway server unless
#     FLOCK_BENCH_POSTGRES_URL is set);
#   - campaigns: starting a campaign to 100,000 contacts (audience resolved,
#     texts rendered, outbox written), SQLite next to PostgreSQL;
#   - sending: sends per second of one account with no limits (text, a 5 MB
#     image) and the browser's PSS before and after;
#   - dispatch: the dispatcher's rate next to the raw send rate, limits off.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test >/dev/null
cargo build --release -p flockctl
bin=target/release/flockctl

work=$(mktemp -d /tmp/flock-bench.XXXXXX)
pg_dir=""
cleanup() { [ -n "$pg_dir" ] && scripts/throwaway-postgres.sh stop "$pg_dir"; rm -rf "$work"; }
trap cleanup EXIT
export HOME="$work/home" XDG_CONFIG_HOME="$work/home/.config" XDG_DATA_HOME="$work/home/.local/share" XDG_CACHE_HOME="$work/home/.cache"
mkdir -p "$XDG_CONFIG_HOME" "$XDG_DATA_HOME" "$XDG_CACHE_HOME"

echo "== accounts (against the simulator, real browsers)"
"$bin" --data-dir "$work/data" accounts bench --accounts 5

echo
echo "== the same linked session opened with whatsapp-web.js's launch flags (puppeteer-core, same browsers)"
sim_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin" sim serve --port "$sim_port" --scenario demo >"$work/sim.log" 2>&1 &
sim_pid=$!
for _ in $(seq 1 50); do (echo > "/dev/tcp/127.0.0.1/$sim_port") 2>/dev/null && break; sleep 0.2; done
printf '| launcher | browser | PSS per linked account |\n|---|---|---|\n'
i=1
for browser in /usr/lib/chromium/chromium-headless-shell /usr/bin/chromium; do
  node bench/wwebjs-memory.mjs "http://127.0.0.1:$sim_port/" "+91980000000$i" "$browser"
  i=$((i + 1))
done
kill "$sim_pid" 2>/dev/null || true

echo
echo "== contacts (100,000 rows)"
pg_url=${FLOCK_BENCH_POSTGRES_URL:-}
if [ -z "$pg_url" ]; then
  pg_dir=$(mktemp -d /tmp/flock-bench-pg.XXXXXX)
  pg_url=$(scripts/throwaway-postgres.sh start "$pg_dir")
fi
"$bin" bench contacts --rows 100000 --postgres-url "$pg_url"

echo
echo "== campaigns: enqueue a campaign to 100,000 contacts (target: <= 2 s per backend)"
"$bin" bench enqueue --rows 100000 --postgres-url "$pg_url"

echo
echo "== sending: one account with no limits against the simulator (text, then a 5 MB image), browser PSS before and after"
cargo run --release -q -p flock-wa --example send_bench -- 1000 50

echo
echo "== an account page's memory sending 50 different 5 MB images: the memory guard off, then on (400 MB): the growth is bounded"
"$bin" bench memory --images 50 --size-mb 5 --limit-mb 400

echo
echo "== dispatcher overhead, limits off: the raw send rate per account next to the dispatcher's (the engine must not be the bottleneck)"
"$bin" bench dispatch --accounts 2 --messages 200
