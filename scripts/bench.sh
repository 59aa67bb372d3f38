#!/usr/bin/env bash
# Performance figures and ratios. Each crate's examples/bench.rs prints lines of the form
# `name value (goal ...)`; nothing here asserts a timing.
set -euo pipefail
cd "$(dirname "$0")/.."
# The shared store's copy is measured on a PostgreSQL server of the bench's own.
source scripts/postgres-test.sh
trap postgres_stop EXIT
if postgres_start; then export SUBDESK_BENCH_POSTGRES_URL=$SUBDESK_TEST_POSTGRES_URL; fi
for crate in sandbox iamport billing desk; do
  if [ -f "crates/$crate/examples/bench.rs" ]; then
    echo "=== subdesk-$crate"
    cargo run --quiet --release -p "subdesk-$crate" --example bench -- "$@"
  fi
done
# Start-up, idle memory and package sizes of the desktop app (the `make package` build
# when there is one).
bash scripts/bench-startup.sh
# The lists, search and memory of the app in WebKit on a store of a million payments.
bash scripts/bench-webview.sh
# Start-up again, the warm starts on that store (made by the webview bench).
big="${CARGO_TARGET_DIR:-$PWD/target}/bench/store-1000000p-100000c.sqlite3"
if [ -f "$big" ]; then
  bash scripts/bench-startup.sh --runs 4 --store "$big"
fi
