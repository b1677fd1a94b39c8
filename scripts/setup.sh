#!/usr/bin/env bash
# Installs what Flock needs to build, run and test, skipping what is already
# there. Debian/Ubuntu: apt packages; everywhere: npm packages and the UI build.
#   scripts/setup.sh          # to build and run the app
#   scripts/setup.sh --test   # also what the test suite needs
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=false
[ "${1:-}" = "--test" ] && want_test=true

runtime_pkgs=(libwebkit2gtk-4.1-dev libsoup-3.0-dev libjavascriptcoregtk-4.1-dev
  libayatana-appindicator3-dev librsvg2-dev libssl-dev libxdo-dev build-essential
  pkg-config file chromium chromium-headless-shell)
test_pkgs=(xvfb xauth webkit2gtk-driver postgresql python3 imagemagick)

say() { printf '\033[1m== %s\033[0m\n' "$*"; }

if command -v apt-get >/dev/null 2>&1; then
  pkgs=("${runtime_pkgs[@]}")
  $want_test && pkgs+=("${test_pkgs[@]}")
  missing=()
  for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing system packages: ${missing[*]}"
    sudo_cmd=""
    [ "$(id -u)" != 0 ] && sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
else
  echo "Not a Debian/Ubuntu system: install the Tauri prerequisites (https://tauri.app/start/prerequisites/) and Chrome, Chromium or Edge yourself." >&2
fi

for tool in cargo node npm; do
  command -v "$tool" >/dev/null 2>&1 || {
    echo "error: '$tool' is not installed. Install Rust (https://rustup.rs) and Node.js 20+ first." >&2
    exit 1
  }
done

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error
fi

if $want_test; then
  command -v cargo-nextest >/dev/null 2>&1 || { say "installing cargo-nextest"; cargo install cargo-nextest --locked; }
  command -v tauri-driver >/dev/null 2>&1 || { say "installing tauri-driver"; cargo install tauri-driver --locked; }
fi

say "building the UI"
npm run --silent ui:build >/dev/null
