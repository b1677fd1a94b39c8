#!/usr/bin/env bash
# Builds Flock's Linux installer (.deb) with Tauri's bundler and prints its
# size. The bundle settings (icons, desktop entry, Depends on WebKitGTK and
# Chromium) are in tauri.conf.json, "bundle".
#   scripts/package.sh            # release build (cargo build --release of the app), then the .deb
#   scripts/package.sh --debug    # the .deb around the debug binary the test build already made
#                                 # (no compiling beyond `cargo build --workspace --all-targets`)
# The last line on stdout is the path of the .deb; everything else goes to stderr.
# Windows (msi, nsis) and macOS (dmg) installers are built on those systems:
# see README.md, "Installers".
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

mode=release
case "${1:-}" in
  "") ;;
  --debug) mode=debug ;;
  --release) mode=release ;;
  *) echo "usage: scripts/package.sh [--debug|--release]" >&2; exit 2 ;;
esac

say() { printf '\033[1m== %s\033[0m\n' "$*" >&2; }
mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }

# The installed command: tauri.conf.json "mainBinaryName" (not "flock":
# util-linux owns /usr/bin/flock).
bin_name=$(node -p 'require("./tauri.conf.json").mainBinaryName')
target_dir=${CARGO_TARGET_DIR:-$root/target}
# How long the packaging took (for the CI time it adds).
started=$SECONDS

if [ "$mode" = release ]; then
  say "release build of the app and its .deb (tauri build; the slow part is cargo build --release)"
  # beforeBuildCommand builds the UI; the CLI builds the app with its
  # custom-protocol feature, names the binary $bin_name and bundles it.
  # Size, not speed, for the shipped binary: whole-program LTO, one codegen
  # unit, opt-level "s" (measured: the .deb 18.0 -> 10.8 MiB, the binary
  # 47.6 -> 26.8 MiB). Set here, not in [profile.release], so that
  # `cargo build --release` for the benchmarks stays quick.
  CARGO_PROFILE_RELEASE_LTO=true CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1 CARGO_PROFILE_RELEASE_OPT_LEVEL=s \
    npx --no-install tauri build --bundles deb --ci >&2
  out_dir=$target_dir/release/bundle/deb
  binary=$target_dir/release/$bin_name
else
  say "debug build (the shape every test build uses: a no-op when it is fresh)"
  cargo build --workspace --all-targets >&2
  # Bundle a copy in a folder of its own: the bundler writes into the
  # binary it packs (the bundle type), and target/debug/flock is shared
  # with the other tests.
  stage=$target_dir/deb-stage
  rm -rf "$stage/debug/bundle"
  mkdir -p "$stage/debug"
  cp "$target_dir/debug/flock" "$stage/debug/$bin_name"
  say "bundling the debug binary as a .deb (tauri bundle --debug)"
  CARGO_TARGET_DIR=$stage npx --no-install tauri bundle --debug --bundles deb --ci >&2
  out_dir=$stage/debug/bundle/deb
  binary=$stage/debug/$bin_name
fi

deb=$(ls -t "$out_dir"/*.deb 2>/dev/null | head -n 1 || true)
if [ -z "$deb" ]; then
  echo "error: the bundler made no .deb in $out_dir" >&2
  exit 1
fi
size=$(stat -c %s "$deb")
say "$mode .deb: $deb"
{
  printf '  package: %s (%s bytes)\n' "$(mib "$size")" "$size"
  printf '  binary:  %s (%s, uncompressed)\n' "$(mib "$(stat -c %s "$binary")")" "$binary"
  printf '  took:    %d s\n' "$((SECONDS - started))"
} >&2
# The release target is 15 MiB; a debug package is only for the install test.
if [ "$mode" = release ] && [ "$size" -gt $((15 * 1048576)) ]; then
  echo "warning: the release .deb is over the 15 MiB target" >&2
fi
echo "$deb"
