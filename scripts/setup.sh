#!/usr/bin/env bash
# Installs what Flock needs to build, run and test, skipping what is already
# there. Debian/Ubuntu: apt packages (through sudo when not root); everywhere:
# checks Rust and Node.js, then the npm packages and the UI build. Run it as
# yourself: cargo tools go to your own ~/.cargo.
#   scripts/setup.sh          # to build and run the app
#   scripts/setup.sh --test   # also what the test suite needs
set -euo pipefail
cd "$(dirname "$0")/.."

# std::fs::File::lock (the settings file) needs Rust 1.89.
min_rust=1.89

want_test=false
[ "${1:-}" = "--test" ] && want_test=true

runtime_pkgs=(libwebkit2gtk-4.1-dev libsoup-3.0-dev libjavascriptcoregtk-4.1-dev
  libayatana-appindicator3-dev librsvg2-dev libssl-dev libxdo-dev libdbus-1-dev build-essential
  pkg-config file chromium chromium-headless-shell)
# x11-utils: xwininfo, for the installer test's window check; gnome-keyring
# and dbus-daemon: a real Secret Service for the keychain test.
test_pkgs=(xvfb xauth webkit2gtk-driver postgresql python3 imagemagick x11-utils gnome-keyring dbus-daemon)

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
    sudo_cmd=()
    if [ "$(id -u)" != 0 ]; then
      command -v sudo >/dev/null 2>&1 || {
        echo "error: installing ${missing[*]} needs root: install sudo, or run as root: apt-get install ${missing[*]}" >&2
        exit 1
      }
      sudo_cmd=(sudo)
    fi
    "${sudo_cmd[@]}" apt-get update -qq
    # Through env: sudo does not pass the caller's environment on.
    "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
else
  echo "Not a Debian/Ubuntu system: install the Tauri prerequisites (https://tauri.app/start/prerequisites/) and Chrome, Chromium or Edge yourself." >&2
fi

node_help="Install a current Node.js (Debian 12's own nodejs is 18, too old): https://nodejs.org/en/download,
  e.g. with nvm: nvm install 22, or NodeSource: curl -fsSL https://deb.nodesource.com/setup_22.x | sudo -E bash - && sudo apt-get install -y nodejs"
command -v cargo >/dev/null 2>&1 || {
  echo "error: Rust is not installed (no 'cargo' on PATH). Install it with https://rustup.rs (as yourself, not root), then open a new shell." >&2
  exit 1
}
rust_version=$(rustc --version | awk '{print $2}')
if [ "$(printf '%s\n%s\n' "$min_rust" "$rust_version" | sort -V | head -n 1)" != "$min_rust" ]; then
  echo "error: Rust $rust_version is too old: Flock needs $min_rust or newer. Update it: rustup update stable" >&2
  exit 1
fi
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || {
  echo "error: Node.js is not installed (no 'node' or 'npm' on PATH). $node_help" >&2
  exit 1
}
# The range the UI toolchain (Vite, jsdom, the Svelte plugin) accepts, from package.json "engines".
node_range=$(node -p 'require("./package.json").engines.node')
if ! node -e '
  const have = process.versions.node.split(".").map(Number);
  const atLeast = (want) => { for (let i = 0; i < 3; i++) if (have[i] !== want[i]) return have[i] > want[i]; return true; };
  const ok = process.argv[1].split("||").some((alt) => {
    const m = alt.trim().match(/^(\^|>=)(\d+)(?:\.(\d+))?(?:\.(\d+))?$/);
    if (!m) throw new Error(`package.json engines.node: cannot read "${alt.trim()}"`);
    const want = [Number(m[2]), Number(m[3] ?? 0), Number(m[4] ?? 0)];
    return atLeast(want) && (m[1] === ">=" || have[0] === want[0]);
  });
  process.exit(ok ? 0 : 1);
' "$node_range"; then
  echo "error: Node.js $(node --version) is not one the UI toolchain supports ($node_range). $node_help" >&2
  exit 1
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages"
  # puppeteer (whatsapp-web.js's, for the tests) would download a Chrome:
  # the tests use the system Chromium instead.
  PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
fi

if $want_test; then
  command -v cargo-nextest >/dev/null 2>&1 || { say "installing cargo-nextest"; cargo install cargo-nextest --locked; }
  command -v tauri-driver >/dev/null 2>&1 || { say "installing tauri-driver"; cargo install tauri-driver --locked; }
fi

say "building the UI"
npm run --silent ui:build >/dev/null
