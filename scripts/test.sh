#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs what it needs, then runs the
# UI tests, the Rust tests on SQLite, the database tests again on PostgreSQL
# (a throwaway cluster unless FLOCK_TEST_POSTGRES_URL is set), the
# end-to-end test of the real app window under Xvfb, whatsapp-web.js (a
# client written by others) against the simulator, and the installer (the
# .deb installed with dpkg and its app started).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

scripts/setup.sh --test

work=$(mktemp -d /tmp/flock-test.XXXXXX)
pids=()
pg_dir=""
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  # Browsers of accounts whose app was killed by tauri-driver (profiles under $work).
  pkill -KILL -f -- "--user-data-dir=$work" 2>/dev/null || true
  [ -n "$pg_dir" ] && scripts/throwaway-postgres.sh stop "$pg_dir"
  rm -rf "$work"
}
trap cleanup EXIT

# rustup and cargo find their toolchains under the caller's home: pin them
# (keeping any CARGO_HOME/RUSTUP_HOME already set) before HOME moves below.
export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}" RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}"
# Chromium and the app write under $HOME: keep the tests away from the user's.
export HOME="$work/home" XDG_CONFIG_HOME="$work/home/.config" XDG_DATA_HOME="$work/home/.local/share" XDG_CACHE_HOME="$work/home/.cache"
mkdir -p "$XDG_CONFIG_HOME" "$XDG_DATA_HOME" "$XDG_CACHE_HOME"
# Never the user's own keychain: a database password a test saves goes to its data folder's file.
export FLOCK_NO_KEYCHAIN=1

say "UI: type check and unit tests"
npm run --silent ui:check
npm run --silent ui:test

say "Rust: build"
# --all-targets: the app binary and the tests in one build, with one feature
# set, so the test run below does not build the dependencies a second time.
cargo build --workspace --all-targets

say "Rust: all tests, database tests on SQLite"
cargo nextest run --workspace --no-fail-fast

say "Rust: database tests on PostgreSQL"
if [ -z "${FLOCK_TEST_POSTGRES_URL:-}" ]; then
  # Its own folder under /tmp: the server runs as the 'postgres' user, who
  # cannot enter $work (private to us).
  pg_dir=$(mktemp -d /tmp/flock-pg.XXXXXX)
  FLOCK_TEST_POSTGRES_URL=$(scripts/throwaway-postgres.sh start "$pg_dir")
  echo "throwaway PostgreSQL at $FLOCK_TEST_POSTGRES_URL"
fi
FLOCK_TEST_BACKEND=postgres FLOCK_TEST_POSTGRES_URL=$FLOCK_TEST_POSTGRES_URL \
  cargo nextest run --workspace --no-fail-fast -E 'test(/db::/)'

say "Rust: the database password in a real OS keychain (gnome-keyring on a private D-Bus session)"
dbus-run-session -- sh -c 'printf flock-tests | gnome-keyring-daemon --unlock --components=secrets >/dev/null &&
  FLOCK_TEST_KEYCHAIN=1 cargo nextest run --workspace -E "test(os_keychain)"'

say "End to end: the app window under Xvfb, driven by tauri-driver"
display=":$((90 + RANDOM % 100))"
Xvfb "$display" -screen 0 1280x900x24 -nolisten tcp >"$work/xvfb.log" 2>&1 &
pids+=($!)
export DISPLAY=$display
driver_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
native_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# WebKitGTK's DMA-BUF renderer stops repainting under Xvfb (the DOM updates,
# the window keeps its first frame): use the shared-memory renderer.
WEBKIT_DISABLE_DMABUF_RENDERER=1 tauri-driver --port "$driver_port" --native-port "$native_port" --native-driver /usr/bin/WebKitWebDriver >"$work/tauri-driver.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 50); do
  (echo > "/dev/tcp/127.0.0.1/$driver_port") 2>/dev/null && break
  sleep 0.2
done
mkdir -p e2e/artifacts
if ! TAURI_DRIVER_URL="http://127.0.0.1:$driver_port" FLOCK_APP_BIN="$root/target/debug/flock" npm run --silent e2e; then
  echo "--- tauri-driver log ---"; tail -n 50 "$work/tauri-driver.log"
  exit 1
fi
echo "screenshots: $root/e2e/artifacts/"

say "whatsapp-web.js on the simulator: the library unmodified, its URL pointed at flockctl sim serve"
FLOCKCTL="$root/target/debug/flockctl" npm run --silent test:wwebjs

say "Installer: the .deb built, installed with dpkg -i, the installed app started in demo mode under Xvfb"
scripts/install-test.sh
