#!/usr/bin/env bash
# The webview at scale (part of `make bench`): the debug app in WebKit under Xvfb, through
# WebDriver as the E2E drives it (tests/e2e/run.sh), on a store of 1,000,000 payments and
# 100,000 customers; prints the figures of tests/e2e/bench/webview.bench.mjs. The store is
# made once by billing's bench (seeded sandbox, synced, its keys imported) and kept in
# $CARGO_TARGET_DIR/bench/ for later runs.
#
#   scripts/bench-webview.sh [--payments N] [--customers N]
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-$PWD/target}"
payments=1000000 customers=100000
while [ $# -gt 0 ]; do
  case "$1" in
    --payments) payments=$2; shift 2 ;;
    --customers) customers=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
store="$target/bench/store-${payments}p-${customers}c.sqlite3"
mkdir -p "$target/bench"
if [ ! -f "$store" ]; then
  echo "=== making a store of $payments payments and $customers customers (once): $store"
  cargo run --quiet --release -p subdesk-billing --example bench -- --bulk 0 --soak 0 --schedules 0 \
    --customers "$customers" --payments "$payments" --queries 5 --no-plain --keep-store "$store.part" >/dev/null
  # (SQLite folds its WAL into the file when the bench closes the store.)
  mv "$store.part" "$store"
fi
[ -x "$target/debug/subdesk" ] || { echo "missing $target/debug/subdesk: run 'make app' first" >&2; exit 1; }
echo "=== webview at scale (debug build, $payments payments, $customers customers)"
# Drawn with compositing, as the E2E is: without it (as on a user's GPU-less machine,
# src-tauri/src/rendering.rs) WebKitWebDriver's screenshots, which WDIO takes when a step
# fails, never return and the run hangs; SUBDESK_WEBVIEW_COMPOSITING=off measures that way.
rm -f tests/e2e/artifacts/bench-webview.txt tests/e2e/artifacts/bench-webview-calls.txt
BENCH_STORE="$store" E2E_SPEC=./bench/webview.bench.mjs E2E_STEP_TIMEOUT_MS=600000 bash tests/e2e/run.sh >"$target/bench/webview.log" 2>&1 ||
  { tail -40 "$target/bench/webview.log"; cat tests/e2e/artifacts/bench-webview.txt 2>/dev/null; exit 1; }
cat tests/e2e/artifacts/bench-webview.txt
