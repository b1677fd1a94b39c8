#!/usr/bin/env bash
# The soak run (not in CI): an hour of campaigns against the simulator
# with five accounts and a random fault every minute or two (browser
# killed, phone offline, page reload, flockctl run killed, database
# locked); prints a table of messages, duplicates, lost, accounts past a
# deadline, browser memory at start and end, database size.
#   scripts/soak.sh                       # 60 minutes, 5 accounts
#   scripts/soak.sh --minutes 5 --accounts 2 --seed 7
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test >/dev/null
cargo build --release -p flockctl
exec python3 scripts/soak.py --flockctl "$PWD/target/release/flockctl" "$@"
