#!/usr/bin/env bash
# The installer test: builds the .deb (scripts/package.sh --debug, or takes
# the one given), checks what it declares (WebKitGTK and Chromium in
# Depends, the desktop entry, the icons), installs it with dpkg -i (apt-get
# install -f for missing dependencies), starts the INSTALLED binary under
# Xvfb in demo mode with a throwaway HOME, waits for its window and takes a
# screenshot (e2e/artifacts/installed-app.png). The package is removed
# again at the end unless --keep is given.
#   scripts/install-test.sh [--keep] [PATH.deb]
# Needs root or sudo (dpkg), Xvfb and ImageMagick (scripts/setup.sh --test).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

keep=0
deb=""
for arg in "$@"; do
  case "$arg" in
    --keep) keep=1 ;;
    -*) echo "usage: scripts/install-test.sh [--keep] [PATH.deb]" >&2; exit 2 ;;
    *) deb=$arg ;;
  esac
done

say() { printf '\033[1m== %s\033[0m\n' "$*"; }
fail() { echo "install test: $*" >&2; exit 1; }
sudo_=()
[ "$(id -u)" -eq 0 ] || sudo_=(sudo)
started=$SECONDS

if [ -z "$deb" ]; then
  deb=$(scripts/package.sh --debug | tail -n 1)
fi
[ -f "$deb" ] || fail "no package at $deb"

say "what $(basename "$deb") declares"
package=$(dpkg-deb -f "$deb" Package)
depends=$(dpkg-deb -f "$deb" Depends)
echo "Package: $package"
echo "Depends: $depends"
grep -q 'libwebkit2gtk-4.1' <<<"$depends" || fail "Depends does not name WebKitGTK (libwebkit2gtk-4.1-0)"
grep -q 'chromium' <<<"$depends" || fail "Depends does not name Chromium"
bin_name=$(node -p 'require("./tauri.conf.json").mainBinaryName')
contents=$(dpkg-deb -c "$deb")
for want in "usr/bin/$bin_name" usr/share/applications/ usr/share/icons/hicolor/; do
  grep -qF " $want" <<<"$contents" || grep -qF " ./$want" <<<"$contents" || fail "the package holds no /$want"
done
desktop=$(grep -oE '(\./)?usr/share/applications/[^ ]*\.desktop' <<<"$contents" | head -n 1)
[ -n "$desktop" ] || fail "the package holds no desktop entry"
entry=$(dpkg-deb --fsys-tarfile "$deb" | tar -xO "$desktop")
echo "$entry" | sed 's/^/  /'
grep -q "^Exec=$bin_name" <<<"$entry" || fail "the desktop entry does not start $bin_name"

work=$(mktemp -d /tmp/flock-install-test.XXXXXX)
app_pid=""
xvfb_pid=""
cleanup() {
  # The app and the browsers it started share its process group (setsid below).
  [ -n "$app_pid" ] && kill -TERM -- "-$app_pid" 2>/dev/null || true
  sleep 1
  [ -n "$app_pid" ] && kill -KILL -- "-$app_pid" 2>/dev/null || true
  [ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null || true
  if [ "$keep" -eq 0 ] && dpkg-query -W -f '${Status}' "$package" 2>/dev/null | grep -q installed; then
    "${sudo_[@]}" dpkg -r "$package" >/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

say "dpkg -i"
install_started=$SECONDS
if ! "${sudo_[@]}" dpkg -i "$deb"; then
  echo "(installing the missing dependencies)"
  "${sudo_[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -f -y
fi
dpkg-query -W -f '${Status}\n' "$package" | grep -q 'install ok installed' || fail "$package is not installed"
installed=$(command -v "$bin_name") || fail "$bin_name is not on PATH after installing"
echo "installed: $installed ($((SECONDS - install_started)) s)"

say "the installed app in demo mode under Xvfb"
home=$work/home
mkdir -p "$home/.config" "$home/.local/share" "$home/.cache"
display=":$((190 + RANDOM % 100))"
Xvfb "$display" -screen 0 1280x900x24 -nolisten tcp >"$work/xvfb.log" 2>&1 &
xvfb_pid=$!
for _ in $(seq 1 50); do
  [ -e "/tmp/.X11-unix/X${display#:}" ] && break
  sleep 0.1
done
# WebKitGTK's DMA-BUF renderer does not repaint under Xvfb (scripts/test.sh).
# setsid: the app leads its own process group, so the cleanup ends it and
# the browsers it started, and nothing else.
HOME=$home XDG_CONFIG_HOME=$home/.config XDG_DATA_HOME=$home/.local/share XDG_CACHE_HOME=$home/.cache \
  DISPLAY=$display WEBKIT_DISABLE_DMABUF_RENDERER=1 \
  setsid "$installed" --demo >"$work/app.log" 2>&1 &
app_pid=$!

mkdir -p e2e/artifacts
shot=$root/e2e/artifacts/installed-app.png
title=$(node -p 'require("./tauri.conf.json").app.windows[0].title')
# Up when a window of that title exists and its picture is more than a
# blank page (a few colours): the UI has painted.
up=0
for _ in $(seq 1 90); do
  kill -0 "$app_pid" 2>/dev/null || { tail -n 30 "$work/app.log" >&2; fail "the installed app exited"; }
  # xwininfo (x11-utils, which Chromium's packages bring) finds the window;
  # import by a name that is not there would wait for a mouse click.
  win=$(DISPLAY=$display xwininfo -root -tree 2>/dev/null | grep -F "\"$title\": (" | awk '{print $1; exit}' || true)
  if [ -n "$win" ] && DISPLAY=$display timeout 20 import -window "$win" "$work/window.png" 2>/dev/null; then
    colours=$(identify -format '%k' "$work/window.png" 2>/dev/null || echo 0)
    if [ "$colours" -gt 64 ]; then
      up=1
      break
    fi
  fi
  sleep 1
done
DISPLAY=$display timeout 20 import -window root "$shot" || true
if [ "$up" -ne 1 ]; then
  tail -n 30 "$work/app.log" >&2
  fail "no painted \"$title\" window within 90 s (screen: $shot)"
fi
# Demo mode keeps its data in demo/ under the data folder (README).
data=$home/.local/share/$(node -p 'require("./tauri.conf.json").identifier')
[ -d "$data/demo" ] || fail "no demo data folder at $data/demo"
echo "window \"$title\" up ($colours colours), screenshot: $shot"
echo "install test took $((SECONDS - started)) s"
