#!/usr/bin/env bash
# Installs what is missing, builds and starts Flock. Arguments go to the app:
#   scripts/run.sh --demo                 # demo mode with the WhatsApp Web simulator
#   scripts/run.sh --database-url URL     # one run on another database
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec cargo run --quiet --bin flock -- "$@"
