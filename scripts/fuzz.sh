#!/usr/bin/env bash
# The property tests (proptest: CSV import, phone numbers, campaign text,
# media files, the bridge's events) with a million cases each instead of
# CI's few thousand. Not part of scripts/test.sh: hours on a laptop.
#   scripts/fuzz.sh                  # 1,000,000 cases each, optimised build
#   scripts/fuzz.sh 50000            # fewer cases
#   scripts/fuzz.sh 50000 --debug    # on the test build (no second build; slower per case)
# Properties that write a database or files run a set fraction of the cases
# (crates/flock-core/tests/core/props/mod.rs, slow_cases). A failure prints
# its shrunk input: keep it as a plain test beside the property.
set -euo pipefail
cd "$(dirname "$0")/.."

cases=1000000
profile=fuzz
for arg in "$@"; do
  case "$arg" in
    --debug) profile=dev ;;
    ''|*[!0-9]*) echo "usage: scripts/fuzz.sh [CASES] [--debug]" >&2; exit 2 ;;
    *) cases=$arg ;;
  esac
done

# Optimised, but with debug assertions and overflow checks kept: an
# overflow is a panic here as in the test build, exactly what fuzzing looks
# for. A profile of its own (target/fuzz/), defined here so that Cargo.toml
# and a real release build stay as they are.
export CARGO_PROFILE_FUZZ_INHERITS=release CARGO_PROFILE_FUZZ_DEBUG_ASSERTIONS=true \
  CARGO_PROFILE_FUZZ_OVERFLOW_CHECKS=true CARGO_PROFILE_FUZZ_INCREMENTAL=true

# No time limit per test (the default profile stops a test after 5 minutes).
config=$(mktemp /tmp/flock-fuzz.XXXXXX.toml)
trap 'rm -f "$config"' EXIT
cat >"$config" <<'EOF'
[profile.fuzz]
slow-timeout = { period = "600s" }
retries = 0
EOF

echo "== property tests, $cases cases each ($profile build)" >&2
started=$SECONDS
PROPTEST_CASES=$cases cargo nextest run --workspace --cargo-profile "$profile" \
  --tool-config-file "flock-fuzz:$config" -P fuzz --no-fail-fast -E 'test(/props::/)'
echo "== done in $((SECONDS - started)) s" >&2
